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
use core_external\external_multiple_structure;
use core_external\external_single_structure;
use core_external\external_value;
use local_moodle_zoho_sync\local\ws;

/**
 * Web-service function: create or update a batch of enrolments (e.g. a whole class) with per-item results.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class update_enrollment extends external_api {
    /**
     * Parameters.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'enrollments' => new external_multiple_structure(new external_single_structure([
                'zoho_enrollment_id' => new external_value(PARAM_ALPHANUMEXT, 'Zoho record id'),
                'zoho_modified_time' => new external_value(PARAM_RAW, 'Zoho Modified_Time, ISO-8601 with offset'),
                'zoho_created_time' => new external_value(PARAM_RAW, 'Zoho Created_Time', VALUE_OPTIONAL),
                'zoho_student_id' => new external_value(PARAM_ALPHANUMEXT, 'Zoho id of the student (Enrolled_Students)'),
                'zoho_class_id' => new external_value(PARAM_ALPHANUMEXT, 'Zoho id of the class (Classes)'),
                'enrollment_status' => new external_value(PARAM_TEXT,
                    'Active (default) enrols; Withdrawn/Dropped suspend; Completed leaves as is', VALUE_OPTIONAL),
                'enrollment_date' => new external_value(PARAM_TEXT, 'Start_Date YYYY-MM-DD', VALUE_OPTIONAL),
                'end_date' => new external_value(PARAM_TEXT, 'End_Date YYYY-MM-DD', VALUE_OPTIONAL),
                'enrollment_type' => new external_value(PARAM_TEXT, 'Enrollment_Type', VALUE_OPTIONAL),
                'student_name' => new external_value(PARAM_TEXT, 'Student_Name', VALUE_OPTIONAL),
                'class_name' => new external_value(PARAM_TEXT, 'Class_Name', VALUE_OPTIONAL),
                'enrolled_program' => new external_value(PARAM_TEXT, 'Enrolled_Program', VALUE_OPTIONAL),
            ]), 'Enrolments; one call may carry a whole class (keep under ~300 items)'),
        ]);
    }

    /**
     * Upserts each enrolment independently; one failure does not stop the others.
     *
     * @param array $enrollments
     * @return array ['results' => per-item results in input order]
     */
    public static function execute(array $enrollments): array {
        $params = self::validate_parameters(self::execute_parameters(), ['enrollments' => $enrollments]);
        ws::require_sync_access();
        $results = [];
        foreach ($params['enrollments'] as $item) {
            try {
                $results[] = \local_moodle_zoho_sync\local\enrolment_sync::update($item);
            } catch (\moodle_exception $e) {
                // Per-item failure: reported, not thrown, so the rest of the class is still synced.
                $results[] = ['status' => 'failed', 'id' => 0, 'zoho_id' => (string) $item['zoho_enrollment_id'],
                    'message' => $e->getMessage(), 'errorcode' => ws::error_code($e), 'moodle_user_id' => 0,
                    'moodle_course_id' => 0, 'user_tier' => 'none', 'enrol_action' => 'none'];
            }
        }
        return ['results' => $results];
    }

    /**
     * Return description.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'results' => new external_multiple_structure(ws::result_structure([
                'moodle_user_id' => new external_value(PARAM_INT, 'Moodle user id found, 0 when none'),
                'moodle_course_id' => new external_value(PARAM_INT, 'Course of the class, 0 when none'),
                'user_tier' => new external_value(PARAM_ALPHA, 'How the user was found: stored, email, username, '
                    . 'conflict (linked to another student), refused (a site administrator\'s account) or none'),
                'enrol_action' => new external_value(PARAM_ALPHAEXT, 'enrolled, unchanged, suspended, unenrolled, '
                    . 'role_removed (the account holds another role in the course: only the student role was taken), kept, '
                    . 'notenrolled, user_not_found, user_conflict, course_not_found or none'),
                'errorcode' => new external_value(PARAM_ALPHANUMEXT, 'Error code when status is failed, else empty', VALUE_DEFAULT, ''),
            ], 'Result of one enrolment (status may also be failed, with errorcode)')),
        ]);
    }
}
