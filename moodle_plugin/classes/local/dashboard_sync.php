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


namespace local_moodle_zoho_sync\local;

/**
 * Sync of the student-dashboard records: students, registrations and installments, payments, grades,
 * requests and teachers, plus their soft deletes.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
final class dashboard_sync {
    /** Student fields written as sent (Academic_Email → academic_email, personal Email → email). */
    const STUDENT_FIELDS = ['student_id', 'first_name', 'last_name', 'email', 'academic_email', 'phone_number',
        'address', 'city', 'nationality', 'national_id', 'date_of_birth', 'gender', 'emergency_contact_name',
        'emergency_contact_phone', 'status', 'major', 'sub_major', 'registration_number', 'academic_program',
        'registration_date', 'study_language', 'zoho_created_time'];

    /** Registration fields. */
    const REGISTRATION_FIELDS = ['registration_number', 'program_name', 'program_level', 'registration_date',
        'expected_graduation', 'registration_status', 'total_fees', 'paid_amount', 'remaining_amount', 'currency',
        'payment_plan', 'study_mode', 'number_of_installments', 'zoho_created_time'];

    /** Installment fields. */
    const INSTALLMENT_FIELDS = ['zoho_installment_id', 'due_date', 'amount', 'status', 'paid_date'];

    /** Payment fields. */
    const PAYMENT_FIELDS = ['payment_number', 'payment_date', 'payment_amount', 'payment_method', 'voucher_number',
        'bank_name', 'receipt_number', 'payment_notes', 'payment_status', 'zoho_created_time'];

    /** Grade fields. */
    const GRADE_FIELDS = ['unit_name', 'grade_status', 'grade', 'grade_number', 'assignment_name', 'btec_grade_name',
        'numeric_grade', 'submission_date', 'grade_date', 'feedback', 'learning_outcomes', 'attempt_number',
        'is_resubmission', 'zoho_created_time'];

    /** Letter grades of the Zoho Grade picklist. */
    const GRADE_LETTERS = ['P', 'M', 'D', 'R', 'RR', 'F', 'MAPPED'];

    /** Request fields. */
    const REQUEST_FIELDS = ['request_number', 'request_type', 'request_status', 'request_date', 'priority', 'reason',
        'description', 'zoho_created_time'];

    /** Teacher fields. */
    const TEACHER_FIELDS = ['teacher_name', 'email', 'academic_email', 'phone_number', 'zoho_created_time'];

    /**
     * Upserts a student.
     *
     * @param array $input validated 'student' structure
     * @return array result
     */
    public static function update_student(array $input): array {
        $zohoid = ws::zoho_id($input['zoho_student_id'], 'student.zoho_student_id');
        return ws::run('student', $zohoid, function() use ($input, $zohoid) {
            global $DB;
            $modified = zoho_time::require_valid($input['zoho_modified_time']);
            $data = ws::sent_fields($input, self::STUDENT_FIELDS);
            if (isset($data['academic_email'])) {
                $data['academic_email'] = \core_text::strtolower($data['academic_email']);
            }
            $warning = '';
            if (array_key_exists('moodle_user_id', $input)) {
                $userid = (int) $input['moodle_user_id'];
                $stored = $DB->get_record('local_mzi_students', ['zoho_student_id' => $zohoid],
                    'id, student_id, academic_email, moodle_user_id');
                $studentid = (int) ($stored->id ?? 0);
                // The student as this call leaves it: what it sends, else what is stored.
                $facts = (object) [
                    'academic_email' => $data['academic_email'] ?? ($stored->academic_email ?? ''),
                    'student_id' => $data['student_id'] ?? ($stored->student_id ?? ''),
                ];
                if ($userid > 0 && !user_resolver::is_active_user($userid)) {
                    // Zoho's Student_Moodle_ID points at no active account: keep what we have rather than store a bad id.
                    $warning = get_string('warningmoodleusermissing', 'local_moodle_zoho_sync', $userid);
                } else if ($userid > 0 && !user_resolver::is_assignable($userid)) {
                    // A site administrator's account is never a student's (user_resolver::is_assignable()).
                    $warning = get_string('warningmoodleuserrefused', 'local_moodle_zoho_sync', $userid);
                } else if ($userid > 0 && !user_resolver::account_matches_student($userid, $facts)) {
                    // Whoever edits a Zoho student must not be able to hand that student's payments and grades to an
                    // unrelated person's account: the id is trusted no further than the resolver's own tiers (academic
                    // e-mail, student number). An earlier link stays (see user_resolver::account_matches_student()).
                    $kept = $stored && (int) ($stored->moodle_user_id ?? 0) === $userid;
                    $warning = get_string($kept ? 'warningmoodleusermismatchkept' : 'warningmoodleusermismatch',
                        'local_moodle_zoho_sync', $userid);
                } else if ($userid > 0 && !user_resolver::claim_account($userid, $studentid)) {
                    // One Moodle account, one student: never let a second student's data show on another's "My studies".
                    $warning = get_string('warninglinkconflict', 'local_moodle_zoho_sync', $userid);
                } else if ($userid > 0) {
                    $data['moodle_user_id'] = $userid;
                }
            }
            $r = record_store::upsert('local_mzi_students', 'zoho_student_id', $zohoid, $data, $modified,
                ['status' => 'Active']);
            $result = ws::result('student', $zohoid, $r['status'], (int) $r['record']->id,
                ['moodle_user_id' => (int) ($r['record']->moodle_user_id ?? 0)]);
            if ($warning !== '') {
                $result['message'] .= ' ' . $warning;
            }
            return $result;
        });
    }

    /**
     * Upserts a registration and, when sent, its payment schedule.
     *
     * @param array $input validated 'registration' structure
     * @param array|null $installments validated list, or null when not sent
     * @return array result
     */
    public static function create_registration(array $input, ?array $installments): array {
        global $DB;
        $zohoid = ws::zoho_id($input['zoho_registration_id'], 'registration.zoho_registration_id');
        return ws::run('registration', $zohoid, function() use ($input, $installments, $zohoid, $DB) {
            $modified = zoho_time::require_valid($input['zoho_modified_time']);
            $studentzohoid = ws::zoho_id($input['zoho_student_id'], 'registration.zoho_student_id');
            $counts = ['installments_created' => 0, 'installments_updated' => 0, 'installments_deleted' => 0];
            $student = $DB->get_record('local_mzi_students', ['zoho_student_id' => $studentzohoid]);
            if (!$student) {
                return ws::parent_missing('registration', $zohoid, 'student', $studentzohoid, $counts);
            }
            $data = ws::sent_fields($input, self::REGISTRATION_FIELDS);
            $data['student_id'] = (int) $student->id;
            $data['zoho_student_id'] = $studentzohoid;
            // The registration and its schedule change together or not at all.
            [$r, $status, $counts] = committed_transaction::run(function() use ($zohoid, $data, $modified, $installments,
                    $counts) {
                $r = record_store::upsert('local_mzi_registrations', 'zoho_registration_id', $zohoid, $data, $modified,
                    ['registration_status' => 'Pending']);
                $status = $r['status'];
                if ($status !== 'stale' && $installments !== null) {
                    $counts = self::sync_installments((int) $r['record']->id, $installments);
                    if ($status === 'unchanged' && array_sum($counts) > 0) {
                        $status = 'updated';
                    }
                }
                return [$r, $status, $counts];
            });
            return ws::result('registration', $zohoid, $status, (int) $r['record']->id,
                $counts + ['student_id' => (int) $student->id]);
        });
    }

    /**
     * Makes the installments of a registration match the list: upsert by number, delete numbers not listed.
     *
     * @param int $registrationid
     * @param array $installments
     * @return array counts
     */
    private static function sync_installments(int $registrationid, array $installments): array {
        global $DB;
        $counts = ['installments_created' => 0, 'installments_updated' => 0, 'installments_deleted' => 0];
        $existing = [];
        foreach ($DB->get_records('local_mzi_installments', ['registration_id' => $registrationid]) as $row) {
            $existing[(int) $row->installment_number] = $row;
        }
        $seen = [];
        $now = time();
        foreach (array_values($installments) as $index => $item) {
            $number = (int) $item['installment_number'];
            if ($number < 1 || isset($seen[$number])) {
                throw new sync_exception('invalidinstallment', $number);
            }
            $seen[$number] = true;
            $data = ws::sent_fields($item, self::INSTALLMENT_FIELDS);
            field_check::fits('local_mzi_installments', $data + ['installment_number' => $number],
                'installments[' . $index . ']');
            if (isset($existing[$number])) {
                $row = $existing[$number];
                $update = ['id' => $row->id];
                foreach ($data as $k => $v) {
                    if (!record_store::same_value($row->$k, $v)) {
                        $update[$k] = $v;
                    }
                }
                if (count($update) > 1) {
                    $update['updated_at'] = $now;
                    $DB->update_record('local_mzi_installments', (object) $update);
                    $counts['installments_updated']++;
                }
            } else {
                $record = (object) array_merge(['status' => 'Pending'], $data, ['registration_id' => $registrationid,
                    'installment_number' => $number, 'created_at' => $now, 'updated_at' => $now]);
                $DB->insert_record('local_mzi_installments', $record);
                $counts['installments_created']++;
            }
        }
        foreach ($existing as $number => $row) {
            if (!isset($seen[$number])) {
                $DB->delete_records('local_mzi_installments', ['id' => $row->id]);
                $counts['installments_deleted']++;
            }
        }
        return $counts;
    }

    /**
     * Upserts a payment.
     *
     * @param array $input validated 'payment' structure
     * @return array result
     */
    public static function record_payment(array $input): array {
        global $DB;
        $zohoid = ws::zoho_id($input['zoho_payment_id'], 'payment.zoho_payment_id');
        return ws::run('payment', $zohoid, function() use ($input, $zohoid, $DB) {
            $modified = zoho_time::require_valid($input['zoho_modified_time']);
            $regzohoid = ws::zoho_id($input['zoho_registration_id'], 'payment.zoho_registration_id');
            $registration = $DB->get_record('local_mzi_registrations', ['zoho_registration_id' => $regzohoid]);
            if (!$registration) {
                return ws::parent_missing('payment', $zohoid, 'registration', $regzohoid, ['registration_id' => 0]);
            }
            $data = ws::sent_fields($input, self::PAYMENT_FIELDS);
            $data['registration_id'] = (int) $registration->id;
            $data['zoho_registration_id'] = $regzohoid;
            $r = record_store::upsert('local_mzi_payments', 'zoho_payment_id', $zohoid, $data, $modified,
                ['payment_status' => 'Confirmed']);
            return ws::result('payment', $zohoid, $r['status'], (int) $r['record']->id,
                ['registration_id' => (int) $registration->id]);
        });
    }

    /**
     * Upserts a grade; the letter is stored as text.
     *
     * @param array $input validated 'grade' structure
     * @return array result
     */
    public static function submit_grade(array $input): array {
        global $DB;
        $zohoid = ws::zoho_id($input['zoho_grade_id'], 'grade.zoho_grade_id');
        return ws::run('grade', $zohoid, function() use ($input, $zohoid, $DB) {
            $modified = zoho_time::require_valid($input['zoho_modified_time']);
            $studentzohoid = ws::zoho_id($input['zoho_student_id'], 'grade.zoho_student_id');
            $student = $DB->get_record('local_mzi_students', ['zoho_student_id' => $studentzohoid]);
            if (!$student) {
                return ws::parent_missing('grade', $zohoid, 'student', $studentzohoid, ['student_id' => 0, 'class_id' => 0]);
            }
            $data = ws::sent_fields($input, self::GRADE_FIELDS);
            if (isset($data['grade'])) {
                $letter = \core_text::strtoupper($data['grade']);
                if ($letter === '-NONE-') {
                    $letter = '';
                }
                if ($letter !== '' && !in_array($letter, self::GRADE_LETTERS, true)) {
                    throw new sync_exception('invalidgrade', s($data['grade']));
                }
                $data['grade'] = $letter === 'MAPPED' ? 'Mapped' : $letter;
            }
            if (isset($data['is_resubmission'])) {
                $data['is_resubmission'] = (int) $data['is_resubmission'];
            }
            $data['student_id'] = (int) $student->id;
            $data['zoho_student_id'] = $studentzohoid;
            $classid = 0;
            if (!empty($input['zoho_class_id'])) {
                $classzohoid = ws::zoho_id($input['zoho_class_id'], 'grade.zoho_class_id');
                $data['zoho_class_id'] = $classzohoid;
                $classid = (int) $DB->get_field('local_mzi_classes', 'id', ['zoho_class_id' => $classzohoid]);
                // A grade may arrive before its class; class_id stays NULL until a later sync knows it.
                $data['class_id'] = $classid ?: null;
            }
            $r = record_store::upsert('local_mzi_grades', 'zoho_grade_id', $zohoid, $data, $modified);
            return ws::result('grade', $zohoid, $r['status'], (int) $r['record']->id,
                ['student_id' => (int) $student->id, 'class_id' => (int) ($r['record']->class_id ?? 0)]);
        });
    }

    /**
     * Upserts a student request.
     *
     * @param array $input validated 'request' structure
     * @return array result
     */
    public static function update_request(array $input): array {
        global $DB;
        $zohoid = ws::zoho_id($input['zoho_request_id'], 'request.zoho_request_id');
        return ws::run('request', $zohoid, function() use ($input, $zohoid, $DB) {
            $modified = zoho_time::require_valid($input['zoho_modified_time']);
            $studentzohoid = ws::zoho_id($input['zoho_student_id'], 'request.zoho_student_id');
            $student = $DB->get_record('local_mzi_students', ['zoho_student_id' => $studentzohoid]);
            if (!$student) {
                return ws::parent_missing('request', $zohoid, 'student', $studentzohoid, ['student_id' => 0]);
            }
            $data = ws::sent_fields($input, self::REQUEST_FIELDS);
            $data['student_id'] = (int) $student->id;
            $r = record_store::upsert('local_mzi_requests', 'zoho_request_id', $zohoid, $data, $modified,
                ['request_status' => 'Pending']);
            return ws::result('request', $zohoid, $r['status'], (int) $r['record']->id, ['student_id' => (int) $student->id]);
        });
    }

    /**
     * Upserts a teacher and resolves the Moodle account by academic e-mail (e-mail, then username).
     *
     * @param array $input validated 'teacher' structure
     * @return array result
     */
    public static function sync_teacher(array $input): array {
        $zohoid = ws::zoho_id($input['zoho_teacher_id'], 'teacher.zoho_teacher_id');
        return ws::run('teacher', $zohoid, function() use ($input, $zohoid) {
            $modified = zoho_time::require_valid($input['zoho_modified_time']);
            $data = ws::sent_fields($input, self::TEACHER_FIELDS);
            if (isset($data['academic_email'])) {
                $data['academic_email'] = \core_text::strtolower($data['academic_email']);
            }
            if (array_key_exists('academic_email', $data)) {
                // Academic e-mail only, an active account that is no site administrator; otherwise no link.
                $data['moodle_user_id'] = user_resolver::teacher_by_email($data['academic_email']);
            }
            $r = record_store::upsert('local_mzi_teachers', 'zoho_teacher_id', $zohoid, $data, $modified);
            return ws::result('teacher', $zohoid, $r['status'], (int) $r['record']->id,
                ['moodle_user_id' => (int) ($r['record']->moodle_user_id ?? 0)]);
        });
    }

    /**
     * Soft-deletes the row of one entity.
     *
     * @param string $entity student|registration|payment|grade|request
     * @param string $zohoid
     * @return array result
     */
    public static function delete(string $entity, string $zohoid): array {
        $map = [
            'student' => ['local_mzi_students', 'zoho_student_id', ['status' => 'Deleted']],
            'registration' => ['local_mzi_registrations', 'zoho_registration_id', ['registration_status' => 'Cancelled']],
            'payment' => ['local_mzi_payments', 'zoho_payment_id', ['payment_status' => 'Voided']],
            'grade' => ['local_mzi_grades', 'zoho_grade_id', []],
            'request' => ['local_mzi_requests', 'zoho_request_id', ['request_status' => 'Cancelled']],
        ];
        [$table, $field, $set] = $map[$entity];
        $zohoid = ws::zoho_id($zohoid, $field);
        return ws::run($entity, $zohoid, function() use ($entity, $table, $field, $set, $zohoid) {
            $r = record_store::soft_delete($table, $field, $zohoid, $set);
            return ws::result($entity, $zohoid, $r['status'], (int) ($r['record']->id ?? 0));
        });
    }
}
