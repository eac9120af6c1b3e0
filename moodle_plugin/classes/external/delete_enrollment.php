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

namespace local_moodle_zoho_sync\external;

use core_external\external_api;
use core_external\external_function_parameters;
use core_external\external_single_structure;
use core_external\external_value;
use local_moodle_zoho_sync\local\ws;

/**
 * Web-service function: soft-delete the enrollment of a Zoho id (idempotent).
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class delete_enrollment extends external_api {
    /**
     * Parameters.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'zoho_enrollment_id' => new external_value(PARAM_ALPHANUMEXT, 'Zoho id of the enrollment'),
        ]);
    }

    /**
     * Soft-deletes a enrollment; a missing row is success (status absent).
     *
     * @param string $zohoid the Zoho id (zoho_enrollment_id)
     * @return array uniform result
     */
    public static function execute(string $zohoid): array {
        $params = self::validate_parameters(self::execute_parameters(), ['zoho_enrollment_id' => $zohoid]);
        ws::require_sync_access();
        return \local_moodle_zoho_sync\local\enrolment_sync::delete($params['zoho_enrollment_id']);
    }

    /**
     * Return description.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return ws::result_structure([
            'moodle_user_id' => new external_value(PARAM_INT, 'Moodle user id found, 0 when none'),
            'moodle_course_id' => new external_value(PARAM_INT, 'Course of the class, 0 when none'),
            'user_tier' => new external_value(PARAM_ALPHA, 'How the user was found: stored, email, username, '
                . 'conflict (linked to another student), refused (a site administrator\'s account) or none'),
            'enrol_action' => new external_value(PARAM_ALPHAEXT, 'enrolled, unchanged, suspended, unenrolled, '
                . 'role_removed (the account holds another role in the course: only the student role was taken), kept, '
                . 'notenrolled, user_not_found, user_conflict, course_not_found or none'),
            'errorcode' => new external_value(PARAM_ALPHANUMEXT, 'Error code when status is failed, else empty', VALUE_DEFAULT, ''),
        ]);
    }
}
