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
 * Web-service function: Create or update a BTEC grade from Zoho BTEC_Grades.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class submit_grade extends external_api {
    /**
     * Parameters.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'grade' => new external_single_structure([
                'zoho_grade_id' => new external_value(PARAM_ALPHANUMEXT, 'Zoho record id'),
                'zoho_modified_time' => new external_value(PARAM_RAW, 'Zoho Modified_Time, ISO-8601 with offset; older than stored = stale'),
                'zoho_created_time' => new external_value(PARAM_RAW, 'Zoho Created_Time, ISO-8601', VALUE_OPTIONAL),
                'zoho_student_id' => new external_value(PARAM_ALPHANUMEXT, 'Zoho id of the student (parent)'),
                'zoho_class_id' => new external_value(PARAM_ALPHANUMEXT, 'Zoho id of the class; unknown classes leave class_id empty', VALUE_OPTIONAL),
                'grade' => new external_value(PARAM_TEXT, 'BTEC letter grade: P, M, D, R, RR, F or Mapped (Zoho Grade)', VALUE_OPTIONAL),
                'grade_status' => new external_value(PARAM_TEXT, 'Grade status', VALUE_OPTIONAL),
                'unit_name' => new external_value(PARAM_TEXT, 'Unit name', VALUE_OPTIONAL),
                'assignment_name' => new external_value(PARAM_TEXT, 'Assignment name', VALUE_OPTIONAL),
                'btec_grade_name' => new external_value(PARAM_TEXT, 'Btec grade name', VALUE_OPTIONAL),
                'grade_number' => new external_value(PARAM_TEXT, 'Grade number', VALUE_OPTIONAL),
                'numeric_grade' => new external_value(PARAM_FLOAT, 'Legacy numeric grade', VALUE_OPTIONAL),
                'attempt_number' => new external_value(PARAM_INT, 'Attempt number', VALUE_OPTIONAL),
                'is_resubmission' => new external_value(PARAM_BOOL, 'Resubmission flag 0/1', VALUE_OPTIONAL),
                'submission_date' => new external_value(PARAM_TEXT, 'Submission date', VALUE_OPTIONAL),
                'grade_date' => new external_value(PARAM_TEXT, 'Zoho Attempt_Date YYYY-MM-DD', VALUE_OPTIONAL),
                'feedback' => new external_value(PARAM_RAW, 'Feedback text', VALUE_OPTIONAL),
                'learning_outcomes' => new external_value(PARAM_RAW, 'Learning outcomes subform as a JSON text', VALUE_OPTIONAL),
            ], 'Grade record'),
        ]);
    }

    /**
     * Create or update a BTEC grade from Zoho BTEC_Grades.
     *
     * @param array $grade the record, only the keys the caller sends are written
     * @return array uniform result
     */
    public static function execute(array $grade): array {
        $params = self::validate_parameters(self::execute_parameters(), ['grade' => $grade]);
        ws::require_sync_access();
        return \local_moodle_zoho_sync\local\dashboard_sync::submit_grade($params['grade']);
    }

    /**
     * Return description.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return ws::result_structure([
            'student_id' => new external_value(PARAM_INT, 'Local student row id'),
            'class_id' => new external_value(PARAM_INT, 'Local class row id, 0 when unknown'),
        ]);
    }
}
