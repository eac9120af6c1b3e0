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

namespace local_moodle_zoho_sync;

use local_moodle_zoho_sync\local\dashboard_data;
use local_moodle_zoho_sync\output\dashboard_page;

/**
 * Tests of the "My studies" data and its access rules.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 * @covers     \local_moodle_zoho_sync\local\dashboard_data
 * @covers     \local_moodle_zoho_sync\output\dashboard_page
 */
final class dashboard_data_test extends \advanced_testcase {
    /** Wednesday 2026-11-25 10:00 UTC. */
    const NOW = 1795600800;

    /**
     * Inserts a student with a registration, schedule, payments, a class with its course, grades and requests.
     *
     * @param \stdClass $user linked Moodle account
     * @param string $zohoid Zoho id of the student
     * @param string $program programme name
     * @return \stdClass the student row
     */
    private function make_student(\stdClass $user, string $zohoid, string $program = 'HND Computing'): \stdClass {
        global $DB;
        $now = self::NOW;
        $student = (object) ['moodle_user_id' => $user->id, 'zoho_student_id' => $zohoid, 'student_id' => 'S' . substr($zohoid, -4),
            'first_name' => $user->firstname, 'last_name' => $user->lastname, 'academic_email' => $user->email,
            'academic_program' => $program, 'status' => 'Active', 'national_id' => '9990001111', 'created_at' => $now,
            'updated_at' => $now, 'deleted' => 0];
        $student->id = $DB->insert_record('local_mzi_students', $student);

        $reg = (object) ['student_id' => $student->id, 'zoho_registration_id' => 'R' . $zohoid, 'program_name' => $program,
            'registration_status' => 'Active', 'total_fees' => 3000, 'paid_amount' => 1000, 'remaining_amount' => 2000,
            'currency' => 'JOD', 'registration_date' => '2026-09-01', 'created_at' => $now, 'updated_at' => $now];
        $reg->id = $DB->insert_record('local_mzi_registrations', $reg);
        $schedule = [
            [1, '2026-09-15', 'Paid', '2026-09-14'],
            [2, '2026-11-15', 'Pending', null],
            [3, '2026-12-15', 'Pending', null],
        ];
        foreach ($schedule as [$n, $due, $status, $paid]) {
            $DB->insert_record('local_mzi_installments', ['registration_id' => $reg->id, 'installment_number' => $n,
                'due_date' => $due, 'amount' => 1000, 'status' => $status, 'paid_date' => $paid, 'created_at' => $now,
                'updated_at' => $now]);
        }
        $DB->insert_record('local_mzi_payments', ['registration_id' => $reg->id, 'zoho_payment_id' => 'P1' . $zohoid,
            'payment_date' => '2026-09-14', 'payment_amount' => 1000, 'payment_method' => 'Cash', 'created_at' => $now,
            'updated_at' => $now, 'deleted' => 0]);
        $DB->insert_record('local_mzi_payments', ['registration_id' => $reg->id, 'zoho_payment_id' => 'P2' . $zohoid,
            'payment_date' => '2026-10-01', 'payment_amount' => 50, 'payment_method' => 'Voided', 'created_at' => $now,
            'updated_at' => $now, 'deleted' => 1]);

        $course = $this->getDataGenerator()->create_course(['fullname' => 'Programming ' . $zohoid]);
        $class = (object) ['zoho_class_id' => 'C' . $zohoid, 'class_name' => 'Programming A', 'unit_name' => 'Unit 1',
            'teacher_name' => 'Omar', 'moodle_class_id' => (string) $course->id, 'created_at' => $now, 'updated_at' => $now];
        $class->id = $DB->insert_record('local_mzi_classes', $class);
        $DB->insert_record('local_mzi_enrollments', ['student_id' => $student->id, 'class_id' => $class->id,
            'zoho_enrollment_id' => 'E' . $zohoid, 'enrollment_status' => 'Active', 'created_at' => $now, 'updated_at' => $now]);

        $DB->insert_record('local_mzi_grades', ['student_id' => $student->id, 'class_id' => $class->id,
            'zoho_grade_id' => 'G1' . $zohoid, 'grade' => 'M', 'unit_name' => 'Unit 1', 'feedback' => 'Good work',
            'grade_date' => '2026-11-05', 'created_at' => $now, 'updated_at' => $now, 'deleted' => 0]);
        $DB->insert_record('local_mzi_grades', ['student_id' => $student->id, 'zoho_grade_id' => 'G2' . $zohoid,
            'grade' => 'RR', 'unit_name' => 'Unit 2', 'created_at' => $now, 'updated_at' => $now, 'deleted' => 0]);
        $DB->insert_record('local_mzi_grades', ['student_id' => $student->id, 'zoho_grade_id' => 'G3' . $zohoid,
            'grade' => 'D', 'unit_name' => 'Deleted unit', 'created_at' => $now, 'updated_at' => $now, 'deleted' => 1]);
        $DB->insert_record('local_mzi_requests', ['student_id' => $student->id, 'zoho_request_id' => 'Q' . $zohoid,
            'request_type' => 'Class change', 'request_status' => 'Approved', 'request_date' => '2026-10-02',
            'created_at' => $now, 'updated_at' => $now, 'deleted' => 0]);
        return $student;
    }

    public function test_student_sees_own_data(): void {
        $this->resetAfterTest();
        $this->setTimezone('UTC', 'UTC');
        $user = $this->getDataGenerator()->create_user(['firstname' => 'Ana', 'lastname' => 'Bell']);
        $this->make_student($user, '5398830001');
        $this->setUser($user);

        $data = dashboard_data::get((int) $user->id, self::NOW);
        $this->assertSame('5398830001', $data['student']->zoho_student_id);
        $this->assertCount(1, $data['registrations']);
        $reg = $data['registrations'][0];
        $this->assertSame(['paid', 'overdue', 'due'], array_map(fn($i) => $i->state, $reg->installments));
        $this->assertSame(1, $reg->summary['paid']);
        $this->assertSame(1, $reg->summary['overdue']);
        $this->assertSame(1, $reg->summary['due']);
        $this->assertEquals(1000.0, $reg->summary['overdueamount']);
        $this->assertCount(1, $reg->payments, 'The voided (soft-deleted) payment is not shown.');
        $this->assertCount(1, $data['classes']);
        $this->assertGreaterThan(0, $data['classes'][0]->courseid);
        $this->assertSame(['M', 'RR'], array_map(fn($g) => $g->letter, $data['grades']));
        $this->assertSame(['Merit', 'Re-refer'], array_map(fn($g) => $g->gradename, $data['grades']));
        $this->assertCount(1, $data['requests']);
    }

    public function test_student_cannot_see_another_student(): void {
        $this->resetAfterTest();
        $ana = $this->getDataGenerator()->create_user();
        $ben = $this->getDataGenerator()->create_user();
        $this->make_student($ana, '5398830001');
        $this->make_student($ben, '5398830002');
        $this->setUser($ana);
        $this->assertTrue(dashboard_data::can_view((int) $ana->id));
        $this->assertFalse(dashboard_data::can_view((int) $ben->id));
        $this->expectException(\required_capability_exception::class);
        dashboard_data::get((int) $ben->id, self::NOW);
    }

    public function test_own_page_needs_the_capability(): void {
        $this->resetAfterTest();
        $ana = $this->getDataGenerator()->create_user();
        $roleid = (int) get_config('core', 'defaultuserroleid');
        assign_capability('local/moodle_zoho_sync:viewdashboard', CAP_PROHIBIT, $roleid, \context_system::instance()->id, true);
        $this->setUser($ana);
        $this->expectException(\required_capability_exception::class);
        dashboard_data::require_access((int) $ana->id);
    }

    public function test_manager_sees_any_student_and_only_that_student(): void {
        $this->resetAfterTest();
        $ana = $this->getDataGenerator()->create_user();
        $ben = $this->getDataGenerator()->create_user();
        $this->make_student($ana, '5398830001', 'Programme of Ana');
        $this->make_student($ben, '5398830002', 'Programme of Ben');
        $manager = $this->getDataGenerator()->create_user();
        $this->getDataGenerator()->role_assign('manager', $manager->id, \context_system::instance()->id);
        $this->setUser($manager);

        $data = dashboard_data::get((int) $ben->id, self::NOW);
        $this->assertSame('5398830002', $data['student']->zoho_student_id);
        $this->assertSame(['Programme of Ben'], array_map(fn($r) => $r->program_name, $data['registrations']));
        foreach ($data['grades'] as $grade) {
            $this->assertSame((int) $data['student']->id, (int) $grade->student_id);
        }
    }

    public function test_unlinked_or_deleted_student_shows_nothing(): void {
        global $DB;
        $this->resetAfterTest();
        $ana = $this->getDataGenerator()->create_user();
        $this->setUser($ana);
        $this->assertNull(dashboard_data::get((int) $ana->id, self::NOW)['student']);

        $student = $this->make_student($ana, '5398830001');
        $DB->set_field('local_mzi_students', 'deleted', 1, ['id' => $student->id]);
        $data = dashboard_data::get((int) $ana->id, self::NOW);
        $this->assertNull($data['student']);
        $this->assertSame([], $data['registrations']);
    }

    public function test_installment_state(): void {
        $today = '2026-11-25';
        $this->assertSame('paid', dashboard_data::installment_state((object) ['status' => 'PAID', 'due_date' => '2026-01-01'],
            $today));
        $this->assertSame('paid', dashboard_data::installment_state((object) ['status' => 'Pending', 'due_date' => '2026-01-01',
            'paid_date' => '2026-01-02'], $today));
        $this->assertSame('overdue', dashboard_data::installment_state((object) ['status' => 'Pending', 'due_date' => '2026-11-24'],
            $today));
        $this->assertSame('due', dashboard_data::installment_state((object) ['status' => 'Pending', 'due_date' => '2026-11-25'],
            $today));
        $this->assertSame('overdue', dashboard_data::installment_state((object) ['status' => 'Overdue', 'due_date' => ''], $today));
        $this->assertSame('due', dashboard_data::installment_state((object) ['status' => null, 'due_date' => 'soon'], $today));
    }

    public function test_page_escapes_zoho_text_and_links_courses(): void {
        global $DB, $PAGE;
        $this->resetAfterTest();
        $this->setTimezone('UTC', 'UTC');
        $ana = $this->getDataGenerator()->create_user();
        $student = $this->make_student($ana, '5398830001', '<script>alert(1)</script> & Co');
        $DB->set_field('local_mzi_grades', 'feedback', '<img src=x onerror=alert(2)>', ['student_id' => $student->id,
            'grade' => 'M']);
        $this->setUser($ana);
        $PAGE->set_url('/local/moodle_zoho_sync/mystudies.php');
        $PAGE->set_context(\context_system::instance());

        $data = dashboard_data::get((int) $ana->id, self::NOW);
        $page = new dashboard_page($data, $ana, true);
        $output = $PAGE->get_renderer('core');
        $context = $page->export_for_template($output);
        $this->assertSame('My studies', $context['heading']);
        $this->assertTrue($context['hasregistrations']);
        $this->assertSame(['paid', 'overdue', 'due'], array_column($context['registrations'][0]['installments'], 'state'));
        $this->assertStringContainsString('/course/view.php?id=' . $data['classes'][0]->courseid,
            $context['classes'][0]['courseurl']);

        $html = $output->render($page);
        $this->assertStringNotContainsString('<script>alert(1)</script>', $html);
        $this->assertStringContainsString('&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co', $html);
        $this->assertStringNotContainsString('<img src=x', $html);
        $this->assertStringNotContainsString('9990001111', $html, 'The national id is not shown.');
        $this->assertStringContainsString('<th scope="col">', $html);
        $this->assertStringContainsString('<caption>', $html);
    }
}
