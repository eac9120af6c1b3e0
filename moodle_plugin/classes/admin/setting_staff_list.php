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


namespace local_moodle_zoho_sync\admin;

defined('MOODLE_INTERNAL') || die();

require_once($CFG->libdir . '/adminlib.php');

use local_moodle_zoho_sync\local\staff_config;

/**
 * The staff lists ("user,role" and "major=VALUE: user,role" lines): every role must be one the sync may give.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class setting_staff_list extends \admin_setting_configtextarea {
    /**
     * Validates each line's role.
     *
     * @param string $data
     * @return true|string
     */
    public function validate($data) {
        $entries = array_merge(staff_config::parse_defaults((string) $data), staff_config::parse_rules((string) $data));
        foreach ($entries as $entry) {
            $problem = setting_course_role::role_problem($entry['role']);
            if ($problem !== null) {
                return get_string('stafflist_roleinvalid', 'local_moodle_zoho_sync',
                    (object) ['line' => s($entry['user'] . ',' . $entry['role']), 'why' => $problem]);
            }
        }
        return true;
    }
}
