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
 * Library callbacks of local_moodle_zoho_sync.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

use local_moodle_zoho_sync\local\dashboard_data;

/**
 * Adds a link to the student's studies page on their profile (for the student and for managers).
 *
 * @param \core_user\output\myprofile\tree $tree
 * @param stdClass $user the profile's user
 * @param bool $iscurrentuser
 * @param stdClass|null $course
 * @return void
 */
function local_moodle_zoho_sync_myprofile_navigation(\core_user\output\myprofile\tree $tree, $user, $iscurrentuser, $course) {
    if (!isloggedin() || isguestuser() || empty($user->id)) {
        return;
    }
    if (!dashboard_data::student_rows((int) $user->id) || !dashboard_data::can_view((int) $user->id)) {
        return;
    }
    $params = $iscurrentuser ? [] : ['userid' => $user->id];
    $node = new \core_user\output\myprofile\node('miscellaneous', 'local_moodle_zoho_sync_mystudies',
        get_string($iscurrentuser ? 'mystudies' : 'studiespage', 'local_moodle_zoho_sync'),
        null, new moodle_url('/local/moodle_zoho_sync/mystudies.php', $params));
    $tree->add_node($node);
}
