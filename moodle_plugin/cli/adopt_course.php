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
 * Adopts existing courses for Zoho classes, so that the Zoho sync may update them and their enrolments.
 *
 * Only courses of the categories named in the setting adoptcategories can be adopted; a course linked to another
 * class never is. Each adoption is logged (event course_adopted).
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

define('CLI_SCRIPT', true);

require(__DIR__ . '/../../../config.php');
require_once($CFG->libdir . '/clilib.php');

use local_moodle_zoho_sync\local\course_policy;

// Repeated options arrive as arrays only through $argv: collect --course and --class pairs in order.
$courses = [];
$classes = [];
$help = false;
foreach (array_slice($_SERVER['argv'], 1) as $arg) {
    if ($arg === '-h' || $arg === '--help') {
        $help = true;
    } else if (preg_match('/^--course=(.+)$/', $arg, $m)) {
        $courses[] = trim($m[1]);
    } else if (preg_match('/^--class=(.+)$/', $arg, $m)) {
        $classes[] = trim($m[1]);
    } else {
        cli_error(get_string('cliunknowoption', 'admin', $arg));
    }
}
if ($help) {
    cli_writeln(get_string('cliadopt_help', 'local_moodle_zoho_sync'));
    exit(0);
}
if (!$courses || count($courses) !== count($classes)) {
    cli_error(get_string('cliadopt_usage', 'local_moodle_zoho_sync'));
}

// Adoption is an administrator's act: it is logged as done by the main administrator.
\core\session\manager::set_user(get_admin());

$failed = 0;
foreach ($courses as $i => $ident) {
    $course = ctype_digit($ident) ? $DB->get_record('course', ['id' => (int) $ident])
        : $DB->get_record('course', ['shortname' => $ident]);
    try {
        if (!$course) {
            throw new \local_moodle_zoho_sync\local\sync_exception('coursemissing', s($ident));
        }
        $outcome = course_policy::adopt((int) $course->id, $classes[$i]);
        $a = (object) ['courseid' => $course->id, 'shortname' => $course->shortname, 'classid' => $classes[$i]];
        cli_writeln(get_string($outcome === 'adopted' ? 'cliadopt_adopted' : 'cliadopt_unchanged', 'local_moodle_zoho_sync', $a));
    } catch (\moodle_exception $e) {
        $failed++;
        cli_problem($e->getMessage());
    }
}
exit($failed ? 1 : 0);
