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
 * Web-service function: Create or update a student request from Zoho BTEC_Student_Requests.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class update_request_status extends external_api {
    /**
     * Parameters.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'request' => new external_single_structure([
                'zoho_request_id' => new external_value(PARAM_ALPHANUMEXT, 'Zoho record id'),
                'zoho_modified_time' => new external_value(PARAM_RAW, 'Zoho Modified_Time, ISO-8601 with offset; older than stored = stale'),
                'zoho_created_time' => new external_value(PARAM_RAW, 'Zoho Created_Time, ISO-8601', VALUE_OPTIONAL),
                'zoho_student_id' => new external_value(PARAM_ALPHANUMEXT, 'Zoho id of the student (parent)'),
                'request_number' => new external_value(PARAM_TEXT, 'Request number', VALUE_OPTIONAL),
                'request_type' => new external_value(PARAM_TEXT, 'Request type', VALUE_OPTIONAL),
                'request_status' => new external_value(PARAM_TEXT, 'Request status', VALUE_OPTIONAL),
                'request_date' => new external_value(PARAM_TEXT, 'Request date YYYY-MM-DD', VALUE_OPTIONAL),
                'priority' => new external_value(PARAM_TEXT, 'Priority', VALUE_OPTIONAL),
                'reason' => new external_value(PARAM_RAW, 'Reason', VALUE_OPTIONAL),
                'description' => new external_value(PARAM_RAW, 'Zoho Reason text', VALUE_OPTIONAL),
            ], 'Request record'),
        ]);
    }

    /**
     * Create or update a student request from Zoho BTEC_Student_Requests.
     *
     * @param array $request the record, only the keys the caller sends are written
     * @return array uniform result
     */
    public static function execute(array $request): array {
        $params = self::validate_parameters(self::execute_parameters(), ['request' => $request]);
        ws::require_sync_access();
        return \local_moodle_zoho_sync\local\dashboard_sync::update_request($params['request']);
    }

    /**
     * Return description.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return ws::result_structure([
            'student_id' => new external_value(PARAM_INT, 'Local student row id'),
        ]);
    }
}
