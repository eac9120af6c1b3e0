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
 * Setting "Roles the sync may give": refuses a role that does not exist, has the manager archetype, or allows in a
 * course a capability with RISK_CONFIG, or RISK_PERSONAL beyond an editing teacher's (role_policy).
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class setting_allowed_roles extends \admin_setting_configtext {
    /**
     * Validates the list.
     *
     * @param string $data
     * @return true|string true, or the error shown on the settings page
     */
    public function validate($data) {
        foreach (role_policy::allowed((string) $data) as $shortname) {
            $reason = role_policy::unsafe_reason($shortname);
            if ($reason !== null) {
                return get_string($reason[0], 'local_moodle_zoho_sync', $reason[1]);
            }
        }
        return true;
    }
}
