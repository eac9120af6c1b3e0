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
use local_moodle_zoho_sync\local\class_sync;
use local_moodle_zoho_sync\local\sync_exception;
use local_moodle_zoho_sync\local\ws;

/**
 * Web-service function: enrol users (by username or e-mail) into a course with roles given by shortname.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class enrol_users extends external_api {
    /**
     * Parameters.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'courseid' => new external_value(PARAM_INT, 'Moodle course id'),
            'users' => new external_multiple_structure(new external_single_structure([
                'user' => new external_value(PARAM_RAW, 'Username or e-mail of a live account'),
                'role' => new external_value(PARAM_ALPHANUMEXT, 'Role shortname', VALUE_DEFAULT, 'editingteacher'),
            ]), 'Users to enrol'),
        ]);
    }

    /**
     * Enrols each user; a user or role that cannot be found is skipped with a reason.
     *
     * @param int $courseid
     * @param array $users
     * @return array
     */
    public static function execute(int $courseid, array $users): array {
        global $DB;
        $params = self::validate_parameters(self::execute_parameters(), ['courseid' => $courseid, 'users' => $users]);
        ws::require_sync_access();
        $courseid = (int) $params['courseid'];
        if ($courseid == SITEID || !$DB->record_exists('course', ['id' => $courseid])) {
            throw new sync_exception('coursemissing', $courseid);
        }
        $results = [];
        $counts = ['enrolled' => 0, 'unchanged' => 0, 'skipped' => 0];
        foreach ($params['users'] as $entry) {
            $item = class_sync::enrol_one($courseid, trim($entry['user']), $entry['role']);
            $counts[$item['status']]++;
            $results[] = $item;
            ws::fire('course_enrolment', $courseid . ':' . $entry['user'], $item['status'] === 'enrolled' ? 'created' :
                $item['status'], $item['userid'], $item['reason']);
        }
        return ['courseid' => $courseid] + $counts + ['results' => $results];
    }

    /**
     * Return description.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'courseid' => new external_value(PARAM_INT, 'Course id'),
            'enrolled' => new external_value(PARAM_INT, 'Users newly enrolled or given the role'),
            'unchanged' => new external_value(PARAM_INT, 'Users already enrolled with the role'),
            'skipped' => new external_value(PARAM_INT, 'Users not found or with an unknown role'),
            'results' => new external_multiple_structure(new external_single_structure([
                'user' => new external_value(PARAM_RAW, 'Username or e-mail as sent'),
                'role' => new external_value(PARAM_ALPHANUMEXT, 'Role shortname'),
                'userid' => new external_value(PARAM_INT, 'Moodle user id, 0 when not found'),
                'status' => new external_value(PARAM_ALPHA, 'enrolled, unchanged or skipped'),
                'reason' => new external_value(PARAM_ALPHANUMEXT, 'Why skipped: usernotfound or rolemissing; else empty'),
            ]), 'One result per user, in input order'),
        ]);
    }
}
