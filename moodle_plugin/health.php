<?php
// This file is part of Moodle - https://moodle.org/
//
// Moodle is free software: you can redistribute it and/or modify
// it under the terms of the GNU General Public License as published by
// the Free Software Foundation, either version 3 of the License, or
// (at your option) any later version.
//
// Moodle is distributed in the hope that it will be useful,
// but WITHOUT ANY WARRANTY; without even the implied warranty of
// MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
// GNU General Public License for more details.
//
// You should have received a copy of the GNU General Public License
// along with Moodle.  If not, see <https://www.gnu.org/licenses/>.

/**
 * Sync health page for administrators (Site administration › Plugins › Local plugins › Zoho sync health).
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

// Moodle's usual require(__DIR__ . '/../../config.php'), with one fallback: PHP resolves symlinks in __DIR__, so when
// this plugin folder is a symlink into <moodle>/local/ (a development checkout) ../../config.php is looked up beside the
// checkout instead. SCRIPT_FILENAME is set by the web server (not the client) and keeps the path it ran, under local/.
require_once(is_file(__DIR__ . '/../../config.php') ? __DIR__ . '/../../config.php'
    : dirname($_SERVER['SCRIPT_FILENAME'], 3) . '/config.php');
require_once($CFG->libdir . '/adminlib.php');

use local_moodle_zoho_sync\local\sync_health;

$outcome = optional_param('outcome', '', PARAM_ALPHAEXT);
$entity = optional_param('entity', '', PARAM_ALPHAEXT);
$from = optional_param('from', '', PARAM_ALPHANUMEXT);
$to = optional_param('to', '', PARAM_ALPHANUMEXT);
$page = optional_param('page', 0, PARAM_INT);

$filters = sync_health::filters($outcome, $entity, $from, $to);
$urlparams = array_filter(['outcome' => $filters['outcome'], 'entity' => $filters['entity'], 'from' => $filters['from'],
    'to' => $filters['to'], 'page' => max(0, $page)]);

// Checks login and local/moodle_zoho_sync:viewlogs (the capability of the admin_externalpage in settings.php).
admin_externalpage_setup('local_moodle_zoho_sync_health', '', $urlparams);
sync_health::require_access();

$PAGE->set_title(get_string('healthpage', 'local_moodle_zoho_sync'));

echo $OUTPUT->header();
echo $OUTPUT->heading(get_string('healthpage', 'local_moodle_zoho_sync'));
echo $OUTPUT->render(new \local_moodle_zoho_sync\output\health_page($filters, max(0, $page),
    \core\di::get(\core\clock::class)->time()));
echo $OUTPUT->footer();
