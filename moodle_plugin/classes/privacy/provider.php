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


namespace local_moodle_zoho_sync\privacy;

use core_privacy\local\metadata\collection;
use core_privacy\local\request\approved_contextlist;
use core_privacy\local\request\approved_userlist;
use core_privacy\local\request\contextlist;
use core_privacy\local\request\userlist;
use core_privacy\local\request\writer;

/**
 * Privacy provider: student records copied from Zoho CRM, linked to Moodle accounts, all in the system context.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class provider implements
        \core_privacy\local\metadata\provider,
        \core_privacy\local\request\plugin\provider,
        \core_privacy\local\request\core_userlist_provider {

    /** Tables holding a student's data, with the column linking them to local_mzi_students.id. */
    const STUDENT_CHILDREN = [
        'local_mzi_registrations' => 'student_id',
        'local_mzi_enrollments' => 'student_id',
        'local_mzi_grades' => 'student_id',
        'local_mzi_requests' => 'student_id',
    ];

    /**
     * Describes the personal data.
     *
     * @param collection $collection
     * @return collection
     */
    public static function get_metadata(collection $collection): collection {
        // Every column that says something about a person (all but ids of rows, timestamps of the sync and flags).
        $tables = [
            'local_mzi_students' => ['moodle_user_id', 'zoho_student_id', 'student_id', 'registration_number', 'first_name',
                'last_name', 'email', 'academic_email', 'phone_number', 'date_of_birth', 'gender', 'nationality', 'address',
                'city', 'national_id', 'emergency_contact_name', 'emergency_contact_phone', 'status', 'major', 'sub_major',
                'photo_url', 'photo_pending_url', 'photo_pending_status', 'academic_program', 'registration_date',
                'study_language', 'zoho_created_time'],
            'local_mzi_teachers' => ['moodle_user_id', 'zoho_teacher_id', 'teacher_name', 'email', 'academic_email',
                'phone_number'],
            'local_mzi_registrations' => ['student_id', 'zoho_registration_id', 'zoho_student_id', 'registration_number',
                'program_name', 'program_level', 'registration_date', 'expected_graduation', 'registration_status',
                'total_fees', 'paid_amount', 'remaining_amount', 'currency', 'payment_plan', 'study_mode',
                'number_of_installments'],
            'local_mzi_installments' => ['registration_id', 'zoho_installment_id', 'installment_number', 'due_date', 'amount',
                'status', 'paid_date'],
            'local_mzi_payments' => ['registration_id', 'zoho_payment_id', 'zoho_registration_id', 'payment_number',
                'payment_date', 'payment_amount', 'payment_method', 'voucher_number', 'bank_name', 'receipt_number',
                'payment_notes', 'payment_status'],
            'local_mzi_enrollments' => ['student_id', 'class_id', 'zoho_enrollment_id', 'zoho_student_id', 'zoho_class_id',
                'enrollment_date', 'end_date', 'enrollment_type', 'enrollment_status', 'student_name', 'class_name',
                'enrolled_program', 'moodle_course_id', 'attendance_percentage', 'completion_date'],
            'local_mzi_grades' => ['student_id', 'class_id', 'zoho_grade_id', 'zoho_student_id', 'zoho_class_id', 'unit_name',
                'grade_status', 'grade', 'grade_number', 'assignment_name', 'btec_grade_name', 'numeric_grade',
                'submission_date', 'grade_date', 'feedback', 'learning_outcomes', 'feedback_acknowledged',
                'feedback_acknowledged_at', 'attempt_number', 'is_resubmission'],
            'local_mzi_requests' => ['student_id', 'zoho_request_id', 'request_number', 'request_type', 'request_status',
                'request_date', 'priority', 'reason', 'description', 'requested_classes', 'grade_details',
                'change_information', 'admin_notes', 'admin_response', 'reviewed_by', 'reviewed_at'],
            'local_mzi_classes' => ['teacher_moodle_user_id', 'teacher_zoho_id', 'teacher_name', 'teacher_email'],
            'local_mzi_course_adoptions' => ['adoptedby', 'courseid', 'zoho_class_id', 'timecreated'],
        ];
        foreach ($tables as $table => $fields) {
            $described = [];
            foreach ($fields as $field) {
                $described[$field] = 'privacy:metadata:field:' . $field;
            }
            $collection->add_database_table($table, $described, 'privacy:metadata:' . $table);
        }
        $collection->add_external_location_link('zohocrm', ['studentrecord' => 'privacy:metadata:zohocrm:studentrecord'],
            'privacy:metadata:zohocrm');
        return $collection;
    }

    /**
     * Contexts holding data of a user: the system context when a student, teacher or class row links to them.
     *
     * @param int $userid
     * @return contextlist
     */
    public static function get_contexts_for_userid(int $userid): contextlist {
        global $DB;
        $contextlist = new contextlist();
        if ($DB->record_exists('local_mzi_students', ['moodle_user_id' => $userid])
                || $DB->record_exists('local_mzi_teachers', ['moodle_user_id' => $userid])
                || $DB->record_exists('local_mzi_classes', ['teacher_moodle_user_id' => $userid])
                || $DB->record_exists('local_mzi_course_adoptions', ['adoptedby' => $userid])) {
            $contextlist->add_system_context();
        }
        return $contextlist;
    }

    /**
     * Users with data in a context.
     *
     * @param userlist $userlist
     */
    public static function get_users_in_context(userlist $userlist) {
        if (!$userlist->get_context() instanceof \context_system) {
            return;
        }
        $userlist->add_from_sql('moodle_user_id', 'SELECT moodle_user_id FROM {local_mzi_students}
                                                   WHERE moodle_user_id IS NOT NULL', []);
        $userlist->add_from_sql('moodle_user_id', 'SELECT moodle_user_id FROM {local_mzi_teachers}
                                                   WHERE moodle_user_id IS NOT NULL', []);
        $userlist->add_from_sql('teacher_moodle_user_id', 'SELECT teacher_moodle_user_id FROM {local_mzi_classes}
                                                           WHERE teacher_moodle_user_id IS NOT NULL', []);
        $userlist->add_from_sql('adoptedby', 'SELECT adoptedby FROM {local_mzi_course_adoptions} WHERE adoptedby > 0', []);
    }

    /**
     * Exports the user's records.
     *
     * @param approved_contextlist $contextlist
     */
    public static function export_user_data(approved_contextlist $contextlist) {
        global $DB;
        $context = \context_system::instance();
        if (!in_array($context->id, $contextlist->get_contextids())) {
            return;
        }
        $userid = $contextlist->get_user()->id;
        $base = [get_string('pluginname', 'local_moodle_zoho_sync')];
        foreach ($DB->get_records('local_mzi_students', ['moodle_user_id' => $userid]) as $student) {
            $path = array_merge($base, ['student_' . $student->zoho_student_id]);
            $data = ['student' => $student];
            foreach (self::STUDENT_CHILDREN as $table => $column) {
                $data[$table] = array_values($DB->get_records($table, [$column => $student->id]));
            }
            $regids = array_column($data['local_mzi_registrations'], 'id');
            $data['local_mzi_payments'] = [];
            $data['local_mzi_installments'] = [];
            if ($regids) {
                [$insql, $params] = $DB->get_in_or_equal($regids);
                $data['local_mzi_payments'] = array_values($DB->get_records_select('local_mzi_payments',
                    "registration_id $insql", $params));
                $data['local_mzi_installments'] = array_values($DB->get_records_select('local_mzi_installments',
                    "registration_id $insql", $params));
            }
            writer::with_context($context)->export_data($path, (object) $data);
        }
        foreach ($DB->get_records('local_mzi_teachers', ['moodle_user_id' => $userid]) as $teacher) {
            writer::with_context($context)->export_data(array_merge($base, ['teacher_' . $teacher->zoho_teacher_id]),
                $teacher);
        }
        $classes = $DB->get_records('local_mzi_classes', ['teacher_moodle_user_id' => $userid], '',
            'id, zoho_class_id, class_name, teacher_name, teacher_email');
        if ($classes) {
            writer::with_context($context)->export_data(array_merge($base, ['classes_taught']),
                (object) ['classes' => array_values($classes)]);
        }
        $adoptions = $DB->get_records('local_mzi_course_adoptions', ['adoptedby' => $userid], 'id',
            'id, courseid, zoho_class_id, timecreated');
        if ($adoptions) {
            writer::with_context($context)->export_data(array_merge($base, ['courses_adopted']),
                (object) ['adoptions' => array_values($adoptions)]);
        }
    }

    /**
     * Deletes every user's data in a context.
     *
     * @param \context $context
     */
    public static function delete_data_for_all_users_in_context(\context $context) {
        global $DB;
        if (!$context instanceof \context_system) {
            return;
        }
        foreach ($DB->get_fieldset_select('local_mzi_students', 'moodle_user_id', 'moodle_user_id IS NOT NULL') as $userid) {
            self::delete_user((int) $userid);
        }
        foreach ($DB->get_fieldset_select('local_mzi_teachers', 'moodle_user_id', 'moodle_user_id IS NOT NULL') as $userid) {
            self::delete_user((int) $userid);
        }
    }

    /**
     * Deletes one user's data.
     *
     * @param approved_contextlist $contextlist
     */
    public static function delete_data_for_user(approved_contextlist $contextlist) {
        if (!in_array(\context_system::instance()->id, $contextlist->get_contextids())) {
            return;
        }
        self::delete_user((int) $contextlist->get_user()->id);
    }

    /**
     * Deletes several users' data.
     *
     * @param approved_userlist $userlist
     */
    public static function delete_data_for_users(approved_userlist $userlist) {
        if (!$userlist->get_context() instanceof \context_system) {
            return;
        }
        foreach ($userlist->get_userids() as $userid) {
            self::delete_user((int) $userid);
        }
    }

    /**
     * Erases a user's records (a privacy erasure removes the rows, unlike a Zoho delete, which is soft).
     *
     * @param int $userid
     */
    private static function delete_user(int $userid): void {
        global $DB;
        foreach ($DB->get_records('local_mzi_students', ['moodle_user_id' => $userid]) as $student) {
            $regids = $DB->get_fieldset_select('local_mzi_registrations', 'id', 'student_id = ?', [$student->id]);
            if ($regids) {
                $DB->delete_records_list('local_mzi_payments', 'registration_id', $regids);
                $DB->delete_records_list('local_mzi_installments', 'registration_id', $regids);
            }
            foreach (self::STUDENT_CHILDREN as $table => $column) {
                $DB->delete_records($table, [$column => $student->id]);
            }
            $DB->delete_records('local_mzi_students', ['id' => $student->id]);
        }
        $DB->delete_records('local_mzi_teachers', ['moodle_user_id' => $userid]);
        $DB->set_field('local_mzi_classes', 'teacher_moodle_user_id', null, ['teacher_moodle_user_id' => $userid]);
        // The adoption stays (the course stays managed); only who adopted it is forgotten.
        $DB->set_field('local_mzi_course_adoptions', 'adoptedby', 0, ['adoptedby' => $userid]);
    }
}
