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
 * Data of the student's "My studies" page, read from the plugin's tables.
 *
 * Access rule: a user may read their own page with local/moodle_zoho_sync:viewdashboard; anyone else's
 * page needs local/moodle_zoho_sync:viewanydashboard (managers). Soft-deleted rows are never shown.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
final class dashboard_data {
    /** Installment states. */
    const PAID = 'paid';
    /** Not paid, due date today or later (or unknown). */
    const DUE = 'due';
    /** Not paid, due date passed. */
    const OVERDUE = 'overdue';

    /** BTEC letter => language string of its name. */
    const GRADE_NAMES = ['P' => 'gradepass', 'M' => 'grademerit', 'D' => 'gradedistinction', 'R' => 'graderefer',
        'RR' => 'graderefer2', 'F' => 'gradefail', 'MAPPED' => 'grademapped'];

    /**
     * Checks that the current user may see the page of $userid.
     *
     * @param int $userid
     * @return \context_system
     * @throws \required_capability_exception
     */
    public static function require_access(int $userid): \context_system {
        global $USER;
        $context = \context_system::instance();
        if ($userid === (int) $USER->id) {
            require_capability('local/moodle_zoho_sync:viewdashboard', $context);
        } else {
            require_capability('local/moodle_zoho_sync:viewanydashboard', $context);
        }
        return $context;
    }

    /**
     * Whether the current user may see the page of $userid (no exception).
     *
     * @param int $userid
     * @return bool
     */
    public static function can_view(int $userid): bool {
        global $USER;
        $cap = $userid === (int) $USER->id ? 'local/moodle_zoho_sync:viewdashboard'
            : 'local/moodle_zoho_sync:viewanydashboard';
        return has_capability($cap, \context_system::instance());
    }

    /**
     * The live student rows linked to a Moodle account, newest first.
     *
     * @param int $userid
     * @return \stdClass[]
     */
    public static function student_rows(int $userid): array {
        global $DB;
        if ($userid <= 0) {
            return [];
        }
        return array_values($DB->get_records('local_mzi_students', ['moodle_user_id' => $userid, 'deleted' => 0],
            'updated_at DESC, id DESC'));
    }

    /**
     * Everything the page shows, after the access check.
     *
     * @param int $userid the student's Moodle user id
     * @param int|null $now defaults to the clock
     * @return array see assemble()
     */
    public static function get(int $userid, ?int $now = null): array {
        self::require_access($userid);
        return self::assemble($userid, $now ?? \core\di::get(\core\clock::class)->time());
    }

    /**
     * Builds the data (no access check: call get() from pages).
     *
     * @param int $userid
     * @param int $now
     * @return array ['userid', 'student' => \stdClass|null, 'registrations' => [...], 'classes' => [...],
     *                'grades' => [...], 'requests' => [...], 'today' => 'YYYY-MM-DD']
     */
    public static function assemble(int $userid, int $now): array {
        global $DB;
        $today = (new \DateTimeImmutable('@' . $now))->setTimezone(\core_date::get_user_timezone_object())->format('Y-m-d');
        $data = ['userid' => $userid, 'student' => null, 'registrations' => [], 'classes' => [], 'grades' => [],
            'requests' => [], 'today' => $today];
        $students = self::student_rows($userid);
        if (!$students) {
            return $data;
        }
        $data['student'] = $students[0];
        [$insql, $params] = $DB->get_in_or_equal(array_map(fn($s) => (int) $s->id, $students), SQL_PARAMS_NAMED, 'st');

        // Registrations with their payment schedule and payments.
        $registrations = $DB->get_records_select('local_mzi_registrations', "student_id {$insql} AND deleted = 0", $params,
            "COALESCE(registration_date, '') DESC, id DESC");
        $installments = [];
        $payments = [];
        if ($registrations) {
            [$rsql, $rparams] = $DB->get_in_or_equal(array_keys($registrations), SQL_PARAMS_NAMED, 'rg');
            foreach ($DB->get_records_select('local_mzi_installments', "registration_id {$rsql}", $rparams,
                    'registration_id, installment_number') as $row) {
                $row->state = self::installment_state($row, $today);
                $installments[$row->registration_id][] = $row;
            }
            foreach ($DB->get_records_select('local_mzi_payments', "registration_id {$rsql} AND deleted = 0", $rparams,
                    "COALESCE(payment_date, '') DESC, id DESC") as $row) {
                $payments[$row->registration_id][] = $row;
            }
        }
        foreach ($registrations as $reg) {
            $reg->installments = $installments[$reg->id] ?? [];
            $reg->payments = $payments[$reg->id] ?? [];
            $summary = [self::PAID => 0, self::DUE => 0, self::OVERDUE => 0, 'overdueamount' => 0.0, 'next' => null];
            foreach ($reg->installments as $inst) {
                $summary[$inst->state]++;
                if ($inst->state === self::OVERDUE) {
                    $summary['overdueamount'] += (float) $inst->amount;
                }
                if ($inst->state === self::DUE && $summary['next'] === null) {
                    $summary['next'] = $inst;
                }
            }
            $reg->summary = $summary;
            $data['registrations'][] = $reg;
        }

        // Classes through the enrolments; the course link comes from the class's Moodle course (moodle_class_id is
        // text, so existing courses are looked up in PHP rather than by a cast in SQL).
        $sql = "SELECT e.id, e.enrollment_status, e.enrollment_date, e.class_name AS enrolled_class,
                       c.id AS classid, c.class_name, c.unit_name, c.teacher_name, c.start_date, c.end_date,
                       c.class_status, c.moodle_class_id
                  FROM {local_mzi_enrollments} e
             LEFT JOIN {local_mzi_classes} c ON c.id = e.class_id AND c.deleted = 0
                 WHERE e.student_id {$insql} AND e.deleted = 0
              ORDER BY COALESCE(c.start_date, '') DESC, e.id DESC";
        $classes = $DB->get_records_sql($sql, $params);
        $courseids = [];
        foreach ($classes as $row) {
            if (ctype_digit(trim((string) $row->moodle_class_id)) && (int) $row->moodle_class_id > SITEID) {
                $courseids[] = (int) $row->moodle_class_id;
            }
        }
        $courses = $courseids ? $DB->get_records_list('course', 'id', array_unique($courseids), '', 'id, fullname') : [];
        foreach ($classes as $row) {
            $course = $courses[(int) $row->moodle_class_id] ?? null;
            $row->courseid = $course ? (int) $course->id : 0;
            $row->coursename = $course ? $course->fullname : '';
            $data['classes'][] = $row;
        }

        // Grades, with the class name when the class is known.
        $sql = "SELECT g.*, c.class_name
                  FROM {local_mzi_grades} g
             LEFT JOIN {local_mzi_classes} c ON c.id = g.class_id
                 WHERE g.student_id {$insql} AND g.deleted = 0
              ORDER BY COALESCE(g.grade_date, '') DESC, g.id DESC";
        foreach ($DB->get_records_sql($sql, $params) as $row) {
            $letter = \core_text::strtoupper(trim((string) $row->grade));
            $row->letter = isset(self::GRADE_NAMES[$letter]) ? ($letter === 'MAPPED' ? 'Mapped' : $letter) : '';
            $row->gradename = isset(self::GRADE_NAMES[$letter])
                ? get_string(self::GRADE_NAMES[$letter], 'local_moodle_zoho_sync') : '';
            $data['grades'][] = $row;
        }

        $data['requests'] = array_values($DB->get_records_select('local_mzi_requests', "student_id {$insql} AND deleted = 0",
            $params, "COALESCE(request_date, '') DESC, id DESC"));
        return $data;
    }

    /**
     * State of one installment on a day.
     *
     * Paid when Zoho says so (status "Paid") or a paid date is set; otherwise overdue when the due date has
     * passed or Zoho marks it "Overdue"; otherwise due.
     *
     * @param \stdClass $row installment
     * @param string $today YYYY-MM-DD
     * @return string paid|due|overdue
     */
    public static function installment_state(\stdClass $row, string $today): string {
        $status = \core_text::strtolower(trim((string) ($row->status ?? '')));
        if ($status === 'paid' || trim((string) ($row->paid_date ?? '')) !== '') {
            return self::PAID;
        }
        if ($status === 'overdue') {
            return self::OVERDUE;
        }
        $due = self::iso_day((string) ($row->due_date ?? ''));
        if ($due !== null && $due < $today) {
            return self::OVERDUE;
        }
        return self::DUE;
    }

    /**
     * The YYYY-MM-DD part of a Zoho date or date-time, or null.
     *
     * @param string $value
     * @return string|null
     */
    public static function iso_day(string $value): ?string {
        if (preg_match('/^(\d{4})-(\d{2})-(\d{2})/', trim($value), $m) && checkdate((int) $m[2], (int) $m[3], (int) $m[1])) {
            return "{$m[1]}-{$m[2]}-{$m[3]}";
        }
        return null;
    }
}
