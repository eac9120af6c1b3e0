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
 * Web-service function: create or update a class, find or create its one course, enrol staff and teacher.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class create_class extends external_api {
    /**
     * Parameters.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'class' => new external_single_structure([
                'zoho_class_id' => new external_value(PARAM_ALPHANUMEXT, 'Zoho record id'),
                'zoho_modified_time' => new external_value(PARAM_RAW, 'Zoho Modified_Time, ISO-8601 with offset'),
                'zoho_created_time' => new external_value(PARAM_RAW, 'Zoho Created_Time', VALUE_OPTIONAL),
                'class_name' => new external_value(PARAM_TEXT, 'Class_Name; the course full name', VALUE_OPTIONAL),
                'class_short_name' => new external_value(PARAM_TEXT, 'Class_Short_Name; the course short name', VALUE_OPTIONAL),
                'class_number' => new external_value(PARAM_TEXT, 'Zoho Name (class number)', VALUE_OPTIONAL),
                'class_status' => new external_value(PARAM_TEXT, 'Class_Status', VALUE_OPTIONAL),
                'class_type' => new external_value(PARAM_TEXT, 'Class type', VALUE_OPTIONAL),
                'class_major' => new external_value(PARAM_TEXT, 'Programme major (Products.Program_Major), for staff rules',
                    VALUE_OPTIONAL),
                'program_level' => new external_value(PARAM_TEXT, 'Programme level', VALUE_OPTIONAL),
                'program_zoho_id' => new external_value(PARAM_ALPHANUMEXT, 'Zoho id of the programme', VALUE_OPTIONAL),
                'unit_name' => new external_value(PARAM_TEXT, 'Unit name', VALUE_OPTIONAL),
                'unit_zoho_id' => new external_value(PARAM_ALPHANUMEXT, 'Zoho id of the BTEC unit', VALUE_OPTIONAL),
                'teacher_name' => new external_value(PARAM_TEXT, 'Teacher name', VALUE_OPTIONAL),
                'teacher_zoho_id' => new external_value(PARAM_ALPHANUMEXT, 'Zoho id of the teacher', VALUE_OPTIONAL),
                'teacher_email' => new external_value(PARAM_TEXT, 'Teacher Academic_Email; finds the Moodle account',
                    VALUE_OPTIONAL),
                'start_date' => new external_value(PARAM_TEXT, 'Start_Date YYYY-MM-DD (stored as text)', VALUE_OPTIONAL),
                'end_date' => new external_value(PARAM_TEXT, 'End_Date YYYY-MM-DD (stored as text)', VALUE_OPTIONAL),
                'course_startdate' => new external_value(PARAM_INT, 'Course start date, Unix seconds', VALUE_OPTIONAL),
                'course_enddate' => new external_value(PARAM_INT, 'Course end date, Unix seconds (0 = none)', VALUE_OPTIONAL),
            ], 'Class record'),
            'createcourse' => new external_value(PARAM_BOOL,
                'Create the course when the class has none (send 1 when the class is Active)', VALUE_DEFAULT, false),
            'expectedcourseid' => new external_value(PARAM_INT,
                'Zoho Moodle_Class_ID; when given the course must exist (else coursemissing)', VALUE_DEFAULT, 0),
            'categoryid' => new external_value(PARAM_INT,
                'Course category; 0 = keep on update, plugin default on create', VALUE_DEFAULT, 0),
        ]);
    }

    /**
     * Upserts the class and its course.
     *
     * @param array $class
     * @param bool $createcourse
     * @param int $expectedcourseid
     * @param int $categoryid
     * @return array uniform result
     */
    public static function execute(array $class, bool $createcourse = false, int $expectedcourseid = 0,
            int $categoryid = 0): array {
        $params = self::validate_parameters(self::execute_parameters(), ['class' => $class,
            'createcourse' => $createcourse, 'expectedcourseid' => $expectedcourseid, 'categoryid' => $categoryid]);
        ws::require_sync_access();
        return \local_moodle_zoho_sync\local\class_sync::create_class($params['class'], (bool) $params['createcourse'],
            (int) $params['expectedcourseid'], (int) $params['categoryid']);
    }

    /**
     * Return description.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return ws::result_structure([
            'course_id' => new external_value(PARAM_INT, 'The class course, 0 when none'),
            'course_action' => new external_value(PARAM_ALPHA, 'created, updated, unchanged or none'),
            'teacher_user_id' => new external_value(PARAM_INT, 'Moodle id of the teacher, 0 when none', VALUE_DEFAULT, 0),
            'teacher_status' => new external_value(PARAM_ALPHAEXT, 'enrolled, unchanged, not_found or none',
                VALUE_DEFAULT, 'none'),
            'previous_teacher_removed' => new external_value(PARAM_BOOL, 'The previous teacher lost the teacher role',
                VALUE_DEFAULT, false),
            'staff' => new external_multiple_structure(new external_single_structure([
                'user' => new external_value(PARAM_RAW, 'Username or e-mail from the settings'),
                'role' => new external_value(PARAM_ALPHANUMEXT, 'Role shortname'),
                'userid' => new external_value(PARAM_INT, 'Moodle user id, 0 when not found'),
                'status' => new external_value(PARAM_ALPHA, 'enrolled, unchanged or skipped'),
                'reason' => new external_value(PARAM_ALPHANUMEXT, 'Why skipped: usernotfound, rolemissing, …; else empty'),
            ]), 'Default staff of the course', VALUE_DEFAULT, []),
        ]);
    }
}
