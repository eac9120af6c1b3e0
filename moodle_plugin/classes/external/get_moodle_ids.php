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
use local_moodle_zoho_sync\local\enrolment_sync;
use local_moodle_zoho_sync\local\ws;

/**
 * Web-service function (read): which Zoho records exist locally, with their local and Moodle ids.
 *
 * The Lambdas use it for parent-first resolution: sync a missing parent before its children.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class get_moodle_ids extends external_api {
    /** Lists: parameter name => [result key, table, zoho column]. */
    const LISTS = [
        'student_ids' => ['students', 'local_mzi_students', 'zoho_student_id'],
        'class_ids' => ['classes', 'local_mzi_classes', 'zoho_class_id'],
        'registration_ids' => ['registrations', 'local_mzi_registrations', 'zoho_registration_id'],
        'teacher_ids' => ['teachers', 'local_mzi_teachers', 'zoho_teacher_id'],
    ];

    /**
     * Parameters.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        $list = function(string $what) {
            return new external_multiple_structure(new external_value(PARAM_ALPHANUMEXT, "Zoho id of a {$what}"),
                "Zoho ids of {$what}s to look up", VALUE_DEFAULT, []);
        };
        return new external_function_parameters([
            'student_ids' => $list('student'),
            'class_ids' => $list('class'),
            'registration_ids' => $list('registration'),
            'teacher_ids' => $list('teacher'),
        ]);
    }

    /**
     * Looks the ids up.
     *
     * @param array $studentids
     * @param array $classids
     * @param array $registrationids
     * @param array $teacherids
     * @return array
     */
    public static function execute(array $studentids = [], array $classids = [], array $registrationids = [],
            array $teacherids = []): array {
        global $DB;
        $params = self::validate_parameters(self::execute_parameters(), ['student_ids' => $studentids,
            'class_ids' => $classids, 'registration_ids' => $registrationids, 'teacher_ids' => $teacherids]);
        ws::require_sync_access();
        $out = [];
        foreach (self::LISTS as $param => [$key, $table, $column]) {
            $out[$key] = [];
            $ids = array_values(array_unique(array_map('trim', $params[$param])));
            $rows = [];
            if ($ids) {
                [$insql, $inparams] = $DB->get_in_or_equal($ids, SQL_PARAMS_NAMED);
                foreach ($DB->get_records_select($table, "$column $insql", $inparams) as $row) {
                    $rows[$row->$column] = $row;
                }
            }
            foreach ($ids as $id) {
                $row = $rows[$id] ?? null;
                $item = ['zoho_id' => $id, 'exists' => (bool) $row, 'id' => (int) ($row->id ?? 0),
                    'deleted' => (bool) ($row->deleted ?? false), 'moodle_id' => 0];
                if ($row && $param === 'class_ids') {
                    $item['moodle_id'] = enrolment_sync::course_of($row);
                } else if ($row && isset($row->moodle_user_id)) {
                    $item['moodle_id'] = (int) $row->moodle_user_id;
                }
                $out[$key][] = $item;
            }
        }
        return $out;
    }

    /**
     * Return description.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        $list = function(string $what, string $moodleid) {
            return new external_multiple_structure(new external_single_structure([
                'zoho_id' => new external_value(PARAM_RAW, 'Zoho id as asked'),
                'exists' => new external_value(PARAM_BOOL, 'A local row exists (it may be soft-deleted)'),
                'id' => new external_value(PARAM_INT, 'Local row id, 0 when none'),
                'deleted' => new external_value(PARAM_BOOL, 'The local row is soft-deleted'),
                'moodle_id' => new external_value(PARAM_INT, $moodleid),
            ]), "One entry per {$what} id asked, in input order, duplicates removed");
        };
        return new external_single_structure([
            'students' => $list('student', 'Stored Moodle user id, 0 when unknown'),
            'classes' => $list('class', 'Moodle course id of the class, 0 when none'),
            'registrations' => $list('registration', 'Always 0 (no Moodle object)'),
            'teachers' => $list('teacher', 'Stored Moodle user id, 0 when unknown'),
        ]);
    }
}
