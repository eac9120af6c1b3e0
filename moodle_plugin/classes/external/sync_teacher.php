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
 * Web-service function: Create or update a teacher from Zoho BTEC_Teachers.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class sync_teacher extends external_api {
    /**
     * Parameters.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'teacher' => new external_single_structure([
                'zoho_teacher_id' => new external_value(PARAM_ALPHANUMEXT, 'Zoho record id'),
                'zoho_modified_time' => new external_value(PARAM_RAW, 'Zoho Modified_Time, ISO-8601 with offset; older than stored = stale'),
                'zoho_created_time' => new external_value(PARAM_RAW, 'Zoho Created_Time, ISO-8601', VALUE_OPTIONAL),
                'teacher_name' => new external_value(PARAM_TEXT, 'Teacher name', VALUE_OPTIONAL),
                'email' => new external_value(PARAM_TEXT, 'Personal e-mail', VALUE_OPTIONAL),
                'academic_email' => new external_value(PARAM_TEXT, 'Academic e-mail, used to find the Moodle account', VALUE_OPTIONAL),
                'phone_number' => new external_value(PARAM_TEXT, 'Phone number', VALUE_OPTIONAL),
            ], 'Teacher record'),
        ]);
    }

    /**
     * Create or update a teacher from Zoho BTEC_Teachers.
     *
     * @param array $teacher the record, only the keys the caller sends are written
     * @return array uniform result
     */
    public static function execute(array $teacher): array {
        $params = self::validate_parameters(self::execute_parameters(), ['teacher' => $teacher]);
        ws::require_sync_access();
        return \local_moodle_zoho_sync\local\dashboard_sync::sync_teacher($params['teacher']);
    }

    /**
     * Return description.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return ws::result_structure([
            'moodle_user_id' => new external_value(PARAM_INT, 'Moodle user id found, 0 when none'),
        ]);
    }
}
