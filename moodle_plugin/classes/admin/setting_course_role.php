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

use local_moodle_zoho_sync\local\role_policy;

/**
 * A role setting (teacher role, student role): only a role of the allow-list that role_policy accepts.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class setting_course_role extends \admin_setting_configtext {
    /**
     * Validates the role.
     *
     * @param string $data
     * @return true|string
     */
    public function validate($data) {
        $valid = parent::validate($data);
        if ($valid !== true) {
            return $valid;
        }
        return self::role_problem(trim((string) $data)) ?? true;
    }

    /**
     * Why the sync could not give a role, or null when it can.
     *
     * @param string $shortname
     * @return string|null the message
     */
    public static function role_problem(string $shortname): ?string {
        $reason = role_policy::unsafe_reason($shortname);
        if ($reason !== null) {
            return get_string($reason[0], 'local_moodle_zoho_sync', $reason[1]);
        }
        if (!in_array($shortname, role_policy::allowed(), true)) {
            return get_string('rolenotallowed', 'local_moodle_zoho_sync', $shortname);
        }
        return null;
    }
}
