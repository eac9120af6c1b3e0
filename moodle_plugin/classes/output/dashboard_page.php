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

namespace local_moodle_zoho_sync\output;

use local_moodle_zoho_sync\local\dashboard_data;

/**
 * The student's "My studies" page.
 *
 * Values are passed raw and escaped by Mustache ({{ }}); course names go through format_string without escaping
 * for the same reason.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class dashboard_page implements \renderable, \core\output\named_templatable {
    /**
     * Constructor.
     *
     * @param array $data from dashboard_data::get()
     * @param \stdClass $user the student's Moodle account
     * @param bool $isown whether the viewer is the student
     */
    public function __construct(
        /** @var array page data */
        protected array $data,
        /** @var \stdClass the student's account */
        protected \stdClass $user,
        /** @var bool the viewer is the student */
        protected bool $isown
    ) {
    }

    /**
     * Template name.
     *
     * @param \renderer_base $renderer
     * @return string
     */
    public function get_template_name(\renderer_base $renderer): string {
        return 'local_moodle_zoho_sync/dashboard_page';
    }

    /**
     * A Zoho date (YYYY-MM-DD…) in the user's language, or the raw text when it is not a date.
     *
     * @param string|null $value
     * @return string
     */
    public static function day(?string $value): string {
        $iso = dashboard_data::iso_day((string) $value);
        if ($iso === null) {
            return trim((string) $value);
        }
        [$y, $m, $d] = array_map('intval', explode('-', $iso));
        // Noon in the user's time zone, shown in the same zone: the calendar day never shifts.
        return userdate(make_timestamp($y, $m, $d, 12), get_string('strftimedate', 'langconfig'));
    }

    /**
     * An amount with its currency, or '' when unknown.
     *
     * @param mixed $amount
     * @param string|null $currency
     * @return string
     */
    public static function money($amount, ?string $currency): string {
        if ($amount === null || $amount === '') {
            return '';
        }
        $text = format_float((float) $amount, 2);
        $text = trim((string) $currency) === '' ? $text : $text . ' ' . trim((string) $currency);
        // Left-to-right isolate (U+2066 … U+2069): "900.00 JOD" keeps its order inside Arabic sentences too.
        return "\u{2066}" . $text . "\u{2069}";
    }

    /**
     * Badge of a free-text status from Zoho (requests, enrolments).
     *
     * @param string|null $status
     * @return string
     */
    public static function status_badge(?string $status): string {
        $s = \core_text::strtolower(trim((string) $status));
        if (in_array($s, ['approved', 'completed', 'done', 'closed', 'active', 'paid', 'confirmed', 'graduated'], true)) {
            return 'badge badge-success';
        }
        if (in_array($s, ['rejected', 'cancelled', 'canceled', 'withdrawn', 'dropped', 'suspended', 'failed', 'overdue'], true)) {
            return 'badge badge-danger';
        }
        if (in_array($s, ['pending', 'submitted', 'in progress', 'under review', 'new', 'due'], true)) {
            return 'badge badge-warning';
        }
        return 'badge badge-secondary';
    }

    /**
     * Label/value pairs, leaving out empty values.
     *
     * @param array $pairs [label string id, value, ltr?]
     * @return array
     */
    protected static function fields(array $pairs): array {
        $out = [];
        foreach ($pairs as $pair) {
            $value = trim((string) ($pair[1] ?? ''));
            if ($value !== '') {
                $out[] = ['label' => get_string($pair[0], 'local_moodle_zoho_sync'), 'value' => $value,
                    'ltr' => !empty($pair[2])];
            }
        }
        return $out;
    }

    /**
     * Template context.
     *
     * @param \renderer_base $output
     * @return array
     */
    public function export_for_template(\renderer_base $output): array {
        $c = 'local_moodle_zoho_sync';
        $student = $this->data['student'];
        $fullname = fullname($this->user);
        $context = [
            'heading' => $this->isown ? get_string('mystudies', $c) : get_string('studiesof', $c, $fullname),
            'isown' => $this->isown,
            'fullname' => $fullname,
            'hasstudent' => $student !== null,
            'profile' => [],
            'registrations' => [],
            'classes' => [],
            'grades' => [],
            'requests' => [],
        ];
        if ($student === null) {
            return $context;
        }
        $name = trim(($student->first_name ?? '') . ' ' . ($student->last_name ?? ''));
        $context['profile'] = self::fields([
            ['studentnumber', $student->student_id, true],
            ['name', $name],
            ['academicemail', $student->academic_email, true],
            ['personalemail', $student->email, true],
            ['phone', $student->phone_number, true],
            ['programme', $student->academic_program],
            ['major', $student->major],
            ['submajor', $student->sub_major],
            ['studylanguage', $student->study_language],
            ['nationality', $student->nationality],
            ['registrationdate', self::day($student->registration_date)],
            ['studentstatus', $student->status],
        ]);
        $context['profilename'] = $name !== '' ? $name : $fullname;

        foreach ($this->data['registrations'] as $i => $reg) {
            $installments = [];
            foreach ($reg->installments as $inst) {
                $installments[] = [
                    'number' => (int) $inst->installment_number,
                    'duedate' => self::day($inst->due_date),
                    'amount' => self::money($inst->amount, $reg->currency),
                    'state' => $inst->state,
                    'statelabel' => get_string('state_' . $inst->state, $c),
                    'badgeclass' => [dashboard_data::PAID => 'badge badge-success', dashboard_data::DUE => 'badge badge-warning',
                        dashboard_data::OVERDUE => 'badge badge-danger'][$inst->state],
                    'paiddate' => self::day($inst->paid_date),
                ];
            }
            $payments = [];
            foreach ($reg->payments as $pay) {
                $payments[] = [
                    'date' => self::day($pay->payment_date),
                    'amount' => self::money($pay->payment_amount, $reg->currency),
                    'method' => (string) $pay->payment_method,
                    'number' => (string) $pay->payment_number,
                    'receipt' => (string) ($pay->receipt_number ?: $pay->voucher_number),
                    'status' => (string) $pay->payment_status,
                    'badgeclass' => self::status_badge($pay->payment_status),
                ];
            }
            $summary = $reg->summary;
            $programme = (string) ($reg->program_name ?: $reg->registration_number ?: get_string('registration', $c));
            $context['registrations'][] = [
                'index' => $i + 1,
                'programme' => $programme,
                // Captions are built here, not with {{#str}} in the template: Zoho text must stay escaped data and never
                // become part of a helper's arguments (where commas, braces and "}}" change its meaning).
                'schedulecaption' => get_string('paymentschedule_caption', $c, $programme),
                'paymentscaption' => get_string('payments_caption', $c, $programme),
                'status' => (string) $reg->registration_status,
                'badgeclass' => self::status_badge($reg->registration_status),
                'fields' => self::fields([
                    ['registrationnumber', $reg->registration_number, true],
                    ['programmelevel', $reg->program_level],
                    ['registrationdate', self::day($reg->registration_date)],
                    ['expectedgraduation', self::day($reg->expected_graduation)],
                    ['studymode', $reg->study_mode],
                    ['paymentplan', $reg->payment_plan],
                ]),
                'totals' => self::fields([
                    ['totalfees', self::money($reg->total_fees, $reg->currency)],
                    ['paidamount', self::money($reg->paid_amount, $reg->currency)],
                    ['remainingamount', self::money($reg->remaining_amount, $reg->currency)],
                ]),
                'summary' => get_string('schedulesummary', $c, (object) ['paid' => $summary['paid'], 'due' => $summary['due'],
                    'overdue' => $summary['overdue']]),
                'hasoverdue' => $summary['overdue'] > 0,
                'overduetext' => $summary['overdue'] > 0 ? get_string('overduenotice', $c, (object) [
                    'count' => $summary['overdue'], 'amount' => self::money($summary['overdueamount'], $reg->currency)]) : '',
                'hasinstallments' => (bool) $installments,
                'installments' => $installments,
                'haspayments' => (bool) $payments,
                'payments' => $payments,
            ];
        }

        foreach ($this->data['classes'] as $row) {
            $coursename = '';
            $courseurl = '';
            if ($row->courseid) {
                $coursecontext = \context_course::instance($row->courseid, IGNORE_MISSING);
                $coursename = format_string($row->coursename, true, ['context' => $coursecontext, 'escape' => false]);
                $courseurl = (new \moodle_url('/course/view.php', ['id' => $row->courseid]))->out(false);
            }
            $context['classes'][] = [
                'name' => (string) ($row->class_name ?: $row->enrolled_class ?: $coursename),
                'unit' => (string) $row->unit_name,
                'teacher' => (string) $row->teacher_name,
                'start' => self::day($row->start_date),
                'end' => self::day($row->end_date),
                'status' => (string) $row->enrollment_status,
                'badgeclass' => self::status_badge($row->enrollment_status),
                'hascourse' => $courseurl !== '',
                'courseurl' => $courseurl,
                'coursename' => $coursename,
            ];
        }

        foreach ($this->data['grades'] as $row) {
            $context['grades'][] = [
                'unit' => (string) ($row->unit_name ?: $row->btec_grade_name),
                'classname' => (string) $row->class_name,
                'assignment' => (string) $row->assignment_name,
                'letter' => $row->letter,
                'gradename' => $row->gradename,
                'hasgrade' => $row->letter !== '',
                'badgeclass' => in_array($row->letter, ['D', 'M', 'P'], true) ? 'badge badge-success'
                    : (in_array($row->letter, ['R', 'RR', 'F'], true) ? 'badge badge-danger' : 'badge badge-secondary'),
                'status' => (string) $row->grade_status,
                'date' => self::day($row->grade_date ?: $row->submission_date),
                'attempt' => $row->attempt_number ? get_string('attempt', $c, (int) $row->attempt_number) : '',
                'resubmission' => !empty($row->is_resubmission),
                'feedback' => trim((string) $row->feedback),
                'hasfeedback' => trim((string) $row->feedback) !== '',
            ];
        }

        foreach ($this->data['requests'] as $row) {
            $context['requests'][] = [
                'number' => (string) $row->request_number,
                'type' => (string) $row->request_type,
                'date' => self::day($row->request_date),
                'status' => (string) $row->request_status,
                'badgeclass' => self::status_badge($row->request_status),
                'description' => trim((string) ($row->description ?: $row->reason)),
                'response' => trim((string) $row->admin_response),
            ];
        }
        foreach (['registrations', 'classes', 'grades', 'requests'] as $key) {
            $context['has' . $key] = (bool) $context[$key];
        }
        return $context;
    }
}
