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

defined('MOODLE_INTERNAL') || die();

require_once(__DIR__ . '/sync_test_helper.php');

use local_moodle_zoho_sync\local\dashboard_data;

/**
 * Zoho's Student_Moodle_ID links a student only to an account that is the student's by the resolver's own facts
 * (academic e-mail or student number): an edited id never hands a student's records to another person.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 * @covers     \local_moodle_zoho_sync\local\dashboard_sync
 * @covers     \local_moodle_zoho_sync\local\user_resolver
 * @covers     \local_moodle_zoho_sync\local\dashboard_data
 */
final class student_moodle_id_test extends \advanced_testcase {
    use sync_test_helper;

    /**
     * Sends one active enrolment and returns its item result.
     *
     * @param string $enrolmentid
     * @param string $studentid
     * @param string $classid
     * @return array
     */
    private function enrol(string $enrolmentid, string $studentid, string $classid): array {
        return $this->call('update_enrollment', [['zoho_enrollment_id' => $enrolmentid,
            'zoho_modified_time' => '2026-01-01T10:00:00Z', 'zoho_student_id' => $studentid,
            'zoho_class_id' => $classid]])['results'][0];
    }

    /**
     * Gives a student a registration with a payment and a grade, each named after the student.
     *
     * @param string $studentid Zoho id
     * @param string $name
     */
    private function records_of(string $studentid, string $name): void {
        $this->call('create_registration', ['zoho_registration_id' => "6$studentid",
            'zoho_modified_time' => '2026-01-01T10:00:00Z', 'zoho_student_id' => $studentid,
            'program_name' => "$name programme"]);
        $this->call('record_payment', ['zoho_payment_id' => "7$studentid", 'zoho_modified_time' => '2026-01-01T10:00:00Z',
            'zoho_registration_id' => "6$studentid", 'payment_notes' => "$name payment"]);
        $this->call('submit_grade', ['zoho_grade_id' => "8$studentid", 'zoho_modified_time' => '2026-01-01T10:00:00Z',
            'zoho_student_id' => $studentid, 'unit_name' => "$name unit", 'grade' => 'P']);
    }

    /**
     * What "My studies" shows an account: its student's first name, programmes, payment notes and grade units.
     *
     * @param \stdClass $user
     * @return array
     */
    private function my_studies(\stdClass $user): array {
        $this->setUser($user);
        $data = dashboard_data::get((int) $user->id);
        $this->setAdminUser();
        $payments = [];
        foreach ($data['registrations'] as $registration) {
            foreach ($registration->payments as $payment) {
                $payments[] = $payment->payment_notes;
            }
        }
        return [$data['student']->first_name ?? null, array_map(fn($r) => $r->program_name, $data['registrations']),
            $payments, array_map(fn($g) => $g->unit_name, $data['grades'])];
    }

    public function test_a_student_moodle_id_naming_another_person_never_links_that_person(): void {
        global $DB;
        $this->resetAfterTest();
        $this->preventResetByRollback();
        $this->setAdminUser();
        $anaaccount = $this->getDataGenerator()->create_user(['email' => 'ana@college.edu', 'username' => 'ana.k']);
        $benaccount = $this->getDataGenerator()->create_user(['email' => 'ben@college.edu', 'username' => 'ben.m']);
        $this->student('5501', '2026-01-01T10:00:00Z', ['first_name' => 'Ana', 'student_id' => 'S5501',
            'academic_email' => 'Ana@College.edu']);
        $this->student('5502', '2026-01-01T10:00:00Z', ['first_name' => 'Ben', 'student_id' => 'S5502',
            'academic_email' => 'ben@college.edu']);
        $this->records_of('5501', 'Ana');
        $this->records_of('5502', 'Ben');

        // Someone edits Ana's Zoho record: Student_Moodle_ID = Ben's account, which no student holds yet.
        $r = $this->student('5501', '2026-01-02T10:00:00Z', ['moodle_user_id' => $benaccount->id]);
        $this->assertSame(0, $r['moodle_user_id'], 'Ben\'s account is not Ana\'s: neither her e-mail nor her number.');
        $this->assertSame('unchanged', $r['status'], 'Nothing else was sent, so nothing was written.');
        $this->assertStringContainsString(get_string('warningmoodleusermismatch', 'local_moodle_zoho_sync',
            $benaccount->id), $r['message']);
        $this->assertFalse($DB->record_exists('local_mzi_students', ['moodle_user_id' => $benaccount->id]));
        $this->assertSame([null, [], [], []], $this->my_studies($benaccount), 'Ben sees none of Ana\'s rows.');

        // The normal tiers then link each student to their own account, and each page shows only its own rows.
        $this->sclass('5601', ['class_name' => 'C', 'class_short_name' => 'C5601'], true);
        $ana = $this->enrol('5701', '5501', '5601');
        $this->assertSame(['email', (int) $anaaccount->id], [$ana['user_tier'], $ana['moodle_user_id']]);
        $ben = $this->enrol('5702', '5502', '5601');
        $this->assertSame(['email', (int) $benaccount->id, 'enrolled'], [$ben['user_tier'], $ben['moodle_user_id'],
            $ben['enrol_action']], 'Ben is not locked out of his own account by Ana\'s record.');
        $this->assertSame(['Ben', ['Ben programme'], ['Ben payment'], ['Ben unit']], $this->my_studies($benaccount));
        $this->assertSame(['Ana', ['Ana programme'], ['Ana payment'], ['Ana unit']], $this->my_studies($anaaccount));

        // Sent again once Ana is linked: still ignored, her link stays.
        $r = $this->student('5501', '2026-01-03T10:00:00Z', ['moodle_user_id' => $benaccount->id]);
        $this->assertSame((int) $anaaccount->id, $r['moodle_user_id']);
        $this->assertStringContainsString(get_string('warningmoodleusermismatch', 'local_moodle_zoho_sync',
            $benaccount->id), $r['message']);
    }

    public function test_a_student_moodle_id_is_accepted_for_the_students_own_account(): void {
        global $DB;
        $this->resetAfterTest();
        $this->setAdminUser();
        $byemail = $this->getDataGenerator()->create_user(['email' => 'Lina@College.edu', 'username' => 'lina.x']);
        $bynumber = $this->getDataGenerator()->create_user(['email' => 'omar@home.example', 'username' => 's5504']);

        // Its e-mail is the academic e-mail sent in the same call (case-insensitively).
        $r = $this->student('5503', '2026-01-01T10:00:00Z', ['academic_email' => 'lina@college.edu',
            'moodle_user_id' => $byemail->id]);
        $this->assertSame([(int) $byemail->id, 'The student 5503 was created.'], [$r['moodle_user_id'], $r['message']]);

        // Its username is the stored student number, lower-cased (the id arrives in a later call).
        $this->student('5504', '2026-01-01T10:00:00Z', ['student_id' => 'S5504', 'academic_email' => 'omar@college.edu']);
        $this->assertSame((int) $bynumber->id, $this->student('5504', '2026-01-02T10:00:00Z',
            ['moodle_user_id' => $bynumber->id])['moodle_user_id']);
    }

    public function test_an_earlier_link_that_no_longer_matches_is_kept_and_reported(): void {
        global $DB;
        $this->resetAfterTest();
        $this->setAdminUser();
        $account = $this->getDataGenerator()->create_user(['email' => 'old@college.edu', 'username' => 'sami']);
        $this->student('5505', '2026-01-01T10:00:00Z', ['academic_email' => 'old@college.edu',
            'moodle_user_id' => $account->id]);

        // Zoho changes the academic e-mail; the account keeps its old one. The link stays (tier 1 of the resolver),
        // and the answer says it no longer matches, so the log shows it to an administrator.
        $r = $this->student('5505', '2026-01-02T10:00:00Z', ['academic_email' => 'new@college.edu',
            'moodle_user_id' => $account->id]);
        $this->assertSame(['updated', (int) $account->id], [$r['status'], $r['moodle_user_id']]);
        $this->assertStringContainsString(get_string('warningmoodleusermismatchkept', 'local_moodle_zoho_sync',
            $account->id), $r['message']);
        $this->assertEquals($account->id, $DB->get_field('local_mzi_students', 'moodle_user_id',
            ['zoho_student_id' => '5505']));
    }
}
