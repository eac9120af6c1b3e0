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
 * Web-service function: Create or update a student from Zoho BTEC_Students.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class update_student extends external_api {
    /**
     * Parameters.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'student' => new external_single_structure([
                'zoho_student_id' => new external_value(PARAM_ALPHANUMEXT, 'Zoho record id'),
                'zoho_modified_time' => new external_value(PARAM_RAW, 'Zoho Modified_Time, ISO-8601 with offset; older than stored = stale'),
                'zoho_created_time' => new external_value(PARAM_RAW, 'Zoho Created_Time, ISO-8601', VALUE_OPTIONAL),
                'student_id' => new external_value(PARAM_TEXT, 'Zoho Name (student number); lower-cased it is the Moodle username (tier 3)', VALUE_OPTIONAL),
                'first_name' => new external_value(PARAM_TEXT, 'First name', VALUE_OPTIONAL),
                'last_name' => new external_value(PARAM_TEXT, 'Last name', VALUE_OPTIONAL),
                'email' => new external_value(PARAM_TEXT, 'Personal e-mail (Zoho Email)', VALUE_OPTIONAL),
                'academic_email' => new external_value(PARAM_TEXT, 'Academic e-mail (Zoho Academic_Email)', VALUE_OPTIONAL),
                'phone_number' => new external_value(PARAM_TEXT, 'Phone number', VALUE_OPTIONAL),
                'address' => new external_value(PARAM_TEXT, 'Address', VALUE_OPTIONAL),
                'city' => new external_value(PARAM_TEXT, 'City', VALUE_OPTIONAL),
                'nationality' => new external_value(PARAM_TEXT, 'Nationality', VALUE_OPTIONAL),
                'national_id' => new external_value(PARAM_TEXT, 'National id', VALUE_OPTIONAL),
                'date_of_birth' => new external_value(PARAM_TEXT, 'Birth date YYYY-MM-DD', VALUE_OPTIONAL),
                'gender' => new external_value(PARAM_TEXT, 'Gender', VALUE_OPTIONAL),
                'emergency_contact_name' => new external_value(PARAM_TEXT, 'Emergency contact name', VALUE_OPTIONAL),
                'emergency_contact_phone' => new external_value(PARAM_TEXT, 'Emergency contact phone', VALUE_OPTIONAL),
                'status' => new external_value(PARAM_TEXT, 'Zoho Status', VALUE_OPTIONAL),
                'major' => new external_value(PARAM_TEXT, 'Major', VALUE_OPTIONAL),
                'sub_major' => new external_value(PARAM_TEXT, 'Sub major', VALUE_OPTIONAL),
                'registration_number' => new external_value(PARAM_TEXT, 'Registration number', VALUE_OPTIONAL),
                'academic_program' => new external_value(PARAM_TEXT, 'Academic program', VALUE_OPTIONAL),
                'registration_date' => new external_value(PARAM_TEXT, 'Registration date', VALUE_OPTIONAL),
                'study_language' => new external_value(PARAM_TEXT, 'Study language', VALUE_OPTIONAL),
                'moodle_user_id' => new external_value(PARAM_INT, 'Zoho Student_Moodle_ID; stored only when that account exists', VALUE_OPTIONAL),
            ], 'Student record'),
        ]);
    }

    /**
     * Create or update a student from Zoho BTEC_Students.
     *
     * @param array $student the record, only the keys the caller sends are written
     * @return array uniform result
     */
    public static function execute(array $student): array {
        $params = self::validate_parameters(self::execute_parameters(), ['student' => $student]);
        ws::require_sync_access();
        return \local_moodle_zoho_sync\local\dashboard_sync::update_student($params['student']);
    }

    /**
     * Return description.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return ws::result_structure([
            'moodle_user_id' => new external_value(PARAM_INT, 'Stored Moodle user id, 0 when unknown'),
        ]);
    }
}
