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
 * "My studies": a student's profile, registrations and payment schedule, payments, classes, grades and requests.
 *
 * A student sees only their own page (local/moodle_zoho_sync:viewdashboard); ?userid= of someone else needs
 * local/moodle_zoho_sync:viewanydashboard.
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

use local_moodle_zoho_sync\local\dashboard_data;

require_login(null, false);
if (isguestuser()) {
    throw new \require_login_exception('guestsarenotallowed');
}

$userid = optional_param('userid', (int) $USER->id, PARAM_INT);
$isown = $userid === (int) $USER->id;
$context = context_system::instance();
$url = new moodle_url('/local/moodle_zoho_sync/mystudies.php', $isown ? [] : ['userid' => $userid]);
$PAGE->set_context($context);
$PAGE->set_url($url);
$PAGE->set_pagelayout('standard');

// Access check first (throws required_capability_exception), then the data; only then is the account looked up.
$data = dashboard_data::get($userid);
$user = core_user::get_user($userid, '*', MUST_EXIST);

$renderable = new \local_moodle_zoho_sync\output\dashboard_page($data, $user, $isown);
$title = $isown ? get_string('mystudies', 'local_moodle_zoho_sync')
    : get_string('studiesof', 'local_moodle_zoho_sync', fullname($user));
$PAGE->set_title($title);
$PAGE->set_heading($title);
if (!$isown) {
    $PAGE->navbar->add(fullname($user), new moodle_url('/user/profile.php', ['id' => $userid]));
}
$PAGE->navbar->add(get_string('mystudies', 'local_moodle_zoho_sync'), $url);

echo $OUTPUT->header();
echo $OUTPUT->render($renderable);
echo $OUTPUT->footer();
