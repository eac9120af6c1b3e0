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
 * Enrolments: the local row plus its effect in the class's Moodle course.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
final class enrolment_sync {
    /** Enrolment fields stored as sent. */
    const FIELDS = ['enrollment_date', 'end_date', 'enrollment_type', 'enrollment_status', 'student_name', 'class_name',
        'enrolled_program', 'zoho_created_time'];

    /** Statuses that suspend the Moodle enrolment. */
    const SUSPEND = ['withdrawn', 'withdraw', 'dropped', 'cancelled', 'canceled', 'inactive', 'suspended'];

    /** Statuses that leave the Moodle enrolment as it is. */
    const KEEP = ['completed', 'complete', 'graduated'];

    /**
     * Empty Moodle-side values of an enrolment result.
     *
     * @return array
     */
    private static function blank(): array {
        return ['moodle_user_id' => 0, 'moodle_course_id' => 0, 'user_tier' => 'none', 'enrol_action' => 'none',
            'errorcode' => ''];
    }

    /**
     * Upserts one enrolment and applies it in Moodle.
     *
     * @param array $input validated enrolment structure
     * @return array result
     */
    public static function update(array $input): array {
        global $DB;
        $zohoid = ws::zoho_id($input['zoho_enrollment_id'], 'enrollment.zoho_enrollment_id');
        return ws::run('enrollment', $zohoid, function() use ($input, $zohoid, $DB) {
            $modified = zoho_time::require_valid($input['zoho_modified_time']);
            $studentzohoid = ws::zoho_id($input['zoho_student_id'], 'enrollment.zoho_student_id');
            $classzohoid = ws::zoho_id($input['zoho_class_id'], 'enrollment.zoho_class_id');
            $student = $DB->get_record('local_mzi_students', ['zoho_student_id' => $studentzohoid]);
            if (!$student) {
                return ws::parent_missing('enrollment', $zohoid, 'student', $studentzohoid, self::blank());
            }
            $class = $DB->get_record('local_mzi_classes', ['zoho_class_id' => $classzohoid]);
            if (!$class) {
                return ws::parent_missing('enrollment', $zohoid, 'class', $classzohoid, self::blank());
            }
            $data = ws::sent_fields($input, self::FIELDS);
            $data += ['student_id' => (int) $student->id, 'class_id' => (int) $class->id,
                'zoho_student_id' => $studentzohoid, 'zoho_class_id' => $classzohoid];
            $r = record_store::upsert('local_mzi_enrollments', 'zoho_enrollment_id', $zohoid, $data, $modified,
                ['enrollment_status' => 'Active']);
            $extra = self::blank();
            if ($r['status'] !== 'stale') {
                $extra = self::apply_in_moodle($r['record'], $student, $class) + $extra;
            }
            $result = ws::result('enrollment', $zohoid, $r['status'], (int) $r['record']->id, $extra);
            if ($extra['enrol_action'] === 'user_conflict') {
                $result['message'] .= ' ' . get_string('warningenrolconflict', 'local_moodle_zoho_sync', $studentzohoid);
            }
            return $result;
        });
    }

    /**
     * The shortname of the role students get (setting "studentrole").
     *
     * @return string
     */
    private static function student_role(): string {
        return (string) (get_config('local_moodle_zoho_sync', 'studentrole') ?: 'student');
    }

    /**
     * The course of a class, from the class mapping only (never from a Zoho field of the enrolment).
     *
     * @param \stdClass $class
     * @return int course id, 0 when the class has no course
     * @throws refusal_exception coursenotmanaged when the mapping names a course the plugin does not manage
     */
    public static function course_of(\stdClass $class): int {
        global $DB;
        if (!empty($class->moodle_class_id) && ctype_digit((string) $class->moodle_class_id)) {
            $course = $DB->get_record('course', ['id' => (int) $class->moodle_class_id], 'id, idnumber, shortname');
            if ($course) {
                course_policy::require_managed($course, $class->zoho_class_id);
                return (int) $course->id;
            }
        }
        $id = $DB->get_field('course', 'id', ['idnumber' => class_sync::course_idnumber($class->zoho_class_id)],
            IGNORE_MULTIPLE);
        if ($id) {
            return (int) $id;
        }
        $adopted = course_policy::adopted_course($class->zoho_class_id);
        return $adopted ? (int) $adopted->id : 0;
    }

    /**
     * Enrols, suspends or leaves the student according to the enrolment status.
     *
     * @param \stdClass $enrolment
     * @param \stdClass $student
     * @param \stdClass $class
     * @return array Moodle-side result fields
     */
    private static function apply_in_moodle(\stdClass $enrolment, \stdClass $student, \stdClass $class): array {
        global $DB;
        $out = [];
        $courseid = self::course_of($class);
        [$userid, $tier] = user_resolver::resolve_student($student);
        $out['user_tier'] = $tier;
        $out['moodle_user_id'] = (int) $userid;
        $out['moodle_course_id'] = $courseid;
        if (!$courseid) {
            $out['enrol_action'] = 'course_not_found';
            return $out;
        }
        if ($tier === 'conflict') {
            // The account found for this student is linked to another student: refused, never shared.
            $out['enrol_action'] = 'user_conflict';
            return $out;
        }
        if (!$userid) {
            $out['enrol_action'] = 'user_not_found';
            return $out;
        }
        $status = \core_text::strtolower(trim((string) $enrolment->enrollment_status));
        $role = self::student_role();
        if (!empty($enrolment->deleted) || in_array($status, self::SUSPEND, true)) {
            $out['enrol_action'] = enrolment_manager::withdraw($courseid, $userid, $role, false);
            $synced = 0;
        } else if (in_array($status, self::KEEP, true)) {
            $out['enrol_action'] = 'kept';
            $synced = (int) $enrolment->synced_to_moodle;
        } else {
            $out['enrol_action'] = enrolment_manager::enrol($courseid, $userid, $role);
            $synced = 1;
        }
        if ((int) $enrolment->synced_to_moodle !== $synced || (string) $enrolment->moodle_course_id !== (string) $courseid) {
            $DB->update_record('local_mzi_enrollments', (object) ['id' => $enrolment->id, 'synced_to_moodle' => $synced,
                'moodle_course_id' => (string) $courseid]);
        }
        return $out;
    }

    /**
     * Withdraws an enrolment: soft-deletes the row, then suspends (default) or unenrols in Moodle.
     *
     * @param string $zohoid
     * @return array result
     */
    public static function delete(string $zohoid): array {
        global $DB;
        $zohoid = ws::zoho_id($zohoid, 'zoho_enrollment_id');
        return ws::run('enrollment', $zohoid, function() use ($zohoid, $DB) {
            $r = record_store::soft_delete('local_mzi_enrollments', 'zoho_enrollment_id', $zohoid,
                ['enrollment_status' => 'Withdrawn', 'synced_to_moodle' => 0]);
            $extra = self::blank();
            $row = $r['record'];
            if ($row) {
                $student = $DB->get_record('local_mzi_students', ['id' => $row->student_id]);
                $class = $DB->get_record('local_mzi_classes', ['id' => $row->class_id]);
                // Without its class row the enrolment's own course id is used, under the same managed-course rule.
                $courseid = self::course_of($class ?: (object) ['moodle_class_id' => (string) $row->moodle_course_id,
                    'zoho_class_id' => (string) $row->zoho_class_id]);
                $extra['moodle_course_id'] = $courseid;
                if ($student && $courseid && $DB->record_exists('course', ['id' => $courseid])) {
                    [$userid, $tier] = user_resolver::resolve_student($student);
                    $extra['user_tier'] = $tier;
                    $extra['moodle_user_id'] = (int) $userid;
                    if (!$userid) {
                        $extra['enrol_action'] = $tier === 'conflict' ? 'user_conflict' : 'user_not_found';
                    } else {
                        $extra['enrol_action'] = enrolment_manager::withdraw($courseid, $userid, self::student_role(),
                            (bool) get_config('local_moodle_zoho_sync', 'unenrolondelete'));
                    }
                } else {
                    $extra['enrol_action'] = 'course_not_found';
                }
            }
            return ws::result('enrollment', $zohoid, $r['status'], (int) ($row->id ?? 0), $extra);
        });
    }
}
