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
use local_moodle_zoho_sync\local\schema_upgrader;

/**
 * One student per Moodle account: conflicting links refused, stale links resolved again, "My studies" kept apart,
 * and the upgrade's resolution of old duplicates.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 * @covers     \local_moodle_zoho_sync\local\user_resolver
 * @covers     \local_moodle_zoho_sync\local\student_links
 * @covers     \local_moodle_zoho_sync\local\dashboard_sync
 * @covers     \local_moodle_zoho_sync\local\dashboard_data
 */
final class student_link_test extends \advanced_testcase {
    use sync_test_helper;

    /**
     * Enrols a student in a plugin-made course through the web service and returns the item result.
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

    public function test_a_second_student_is_never_linked_to_an_account_another_student_holds(): void {
        global $DB;
        $this->resetAfterTest();
        $this->preventResetByRollback();
        $this->setAdminUser();
        $ana = $this->getDataGenerator()->create_user(['email' => 'ana@college.edu']);
        $this->assertSame((int) $ana->id, $this->student('5001', '2026-01-01T10:00:00Z',
            ['moodle_user_id' => $ana->id, 'academic_email' => 'ana@college.edu'])['moodle_user_id']);

        // Zoho's Student_Moodle_ID of another student names the same account (and its academic e-mail matches it):
        // refused with a warning.
        $r = $this->student('5002', '2026-01-01T10:00:00Z', ['moodle_user_id' => $ana->id, 'first_name' => 'Ben',
            'academic_email' => 'ana@college.edu']);
        $this->assertSame('created', $r['status']);
        $this->assertSame(0, $r['moodle_user_id']);
        $this->assertStringContainsString(get_string('warninglinkconflict', 'local_moodle_zoho_sync', $ana->id), $r['message']);

        // Found by the academic e-mail when enrolling: refused too, and not enrolled with the other student's account.
        $this->student('5002', '2026-01-02T10:00:00Z', ['academic_email' => 'ana@college.edu']);
        $class = $this->sclass('5100', ['class_name' => 'C', 'class_short_name' => 'C5100'], true);
        $item = $this->enrol('5200', '5002', '5100');
        $this->assertSame('user_conflict', $item['enrol_action']);
        $this->assertStringContainsString(get_string('warningenrolconflict', 'local_moodle_zoho_sync', '5002'), $item['message']);
        $this->assertSame(0, $item['moodle_user_id']);
        $this->assertFalse(is_enrolled(\context_course::instance($class['course_id']), $ana));
        $this->assertSame('enrolled', $this->enrol('5201', '5001', '5100')['enrol_action'], 'The holder still enrols.');

        // The database refuses a second link whatever the code does.
        $this->expectException(\dml_write_exception::class);
        $DB->set_field('local_mzi_students', 'moodle_user_id', $ana->id, ['zoho_student_id' => '5002']);
    }

    public function test_a_link_of_a_deleted_student_is_released_for_the_new_record(): void {
        $this->resetAfterTest();
        $this->setAdminUser();
        $ana = $this->getDataGenerator()->create_user(['email' => 'ana@college.edu']);
        $this->student('5003', '2026-01-01T10:00:00Z', ['moodle_user_id' => $ana->id, 'academic_email' => 'ana@college.edu']);
        $this->call('delete_student', '5003');
        $this->assertSame((int) $ana->id, $this->student('5004', '2026-01-01T10:00:00Z',
            ['moodle_user_id' => $ana->id, 'academic_email' => 'ana@college.edu'])['moodle_user_id']);
    }

    public function test_a_stale_link_is_resolved_again(): void {
        global $DB;
        $this->resetAfterTest();
        $this->setAdminUser();
        $old = $this->getDataGenerator()->create_user(['email' => 'old@college.edu']);
        $this->student('5005', '2026-01-01T10:00:00Z', ['moodle_user_id' => $old->id, 'academic_email' => 'old@college.edu']);
        $this->student('5005', '2026-01-02T10:00:00Z', ['academic_email' => 'lina@college.edu']);
        $class = $this->sclass('5101', ['class_name' => 'C', 'class_short_name' => 'C5101'], true);

        // The linked account is suspended; the student's academic e-mail now belongs to an active account.
        $DB->set_field('user', 'suspended', 1, ['id' => $old->id]);
        $new = $this->getDataGenerator()->create_user(['email' => 'lina@college.edu']);
        $item = $this->enrol('5202', '5005', '5101');
        $this->assertSame('email', $item['user_tier']);
        $this->assertSame((int) $new->id, $item['moodle_user_id']);
        $this->assertSame((string) $new->id, $DB->get_field('local_mzi_students', 'moodle_user_id', ['zoho_student_id' => '5005']));

        // The new account is deleted and nothing else matches: the link is dropped, not kept pointing at it.
        delete_user($new);
        $item = $this->enrol('5202', '5005', '5101');
        $this->assertSame('user_not_found', $item['enrol_action']);
        $this->assertNull($DB->get_field('local_mzi_students', 'moodle_user_id', ['zoho_student_id' => '5005']));
        $this->assertNotEmpty($class['course_id']);
    }

    public function test_two_students_never_see_each_others_data(): void {
        global $DB;
        $this->resetAfterTest();
        $this->setAdminUser();
        $ana = $this->getDataGenerator()->create_user(['email' => 'ana@college.edu']);
        $ben = $this->getDataGenerator()->create_user(['email' => 'ben@college.edu']);
        $this->student('5006', '2026-01-01T10:00:00Z', ['moodle_user_id' => $ana->id, 'first_name' => 'Ana',
            'academic_email' => 'ana@college.edu']);
        $this->student('5007', '2026-01-01T10:00:00Z', ['moodle_user_id' => $ben->id, 'first_name' => 'Ben',
            'academic_email' => 'ben@college.edu']);
        // A third Zoho student that claims Ana's account (Student_Moodle_ID and academic e-mail both copied from Ana's
        // record) with a registration of its own.
        $this->student('5008', '2026-01-01T10:00:00Z', ['moodle_user_id' => $ana->id, 'first_name' => 'Intruder',
            'academic_email' => 'ana@college.edu']);
        foreach (['5006' => 'Ana programme', '5007' => 'Ben programme', '5008' => 'Intruder programme'] as $sid => $program) {
            $this->call('create_registration', ['zoho_registration_id' => '6' . substr($sid, 1),
                'zoho_modified_time' => '2026-01-01T10:00:00Z', 'zoho_student_id' => $sid, 'program_name' => $program]);
        }

        $this->setUser($ana);
        $data = dashboard_data::get((int) $ana->id);
        $this->assertSame('Ana', $data['student']->first_name);
        $this->assertSame(['Ana programme'], array_map(fn($r) => $r->program_name, $data['registrations']));
        $this->setUser($ben);
        $data = dashboard_data::get((int) $ben->id);
        $this->assertSame(['Ben programme'], array_map(fn($r) => $r->program_name, $data['registrations']));
        try {
            dashboard_data::get((int) $ana->id);
            $this->fail('Ben must not open Ana\'s page');
        } catch (\required_capability_exception $e) {
            $this->assertSame('nopermissions', $e->errorcode);
        }
        $this->assertSame(1, $DB->count_records('local_mzi_students', ['moodle_user_id' => $ana->id]));
    }

    public function test_the_upgrade_unlinks_duplicate_links_and_reports_them(): void {
        global $DB;
        $this->resetAfterTest();
        $this->preventResetByRollback();
        $dbman = $DB->get_manager();
        $table = new \xmldb_table('local_mzi_students');
        // The schema of earlier releases: a plain index, so one account could hold several students.
        $dbman->drop_index($table, new \xmldb_index('moodle_user_id_uix', XMLDB_INDEX_UNIQUE, ['moodle_user_id']));
        $dbman->add_index($table, new \xmldb_index('moodle_user_id_ix', XMLDB_INDEX_NOTUNIQUE, ['moodle_user_id']));
        $ana = $this->getDataGenerator()->create_user(['email' => 'ana@college.edu', 'username' => 'ana']);
        $ben = $this->getDataGenerator()->create_user(['email' => 'ben@college.edu', 'username' => 'ben']);
        $row = fn($zohoid, $userid, $email, $number = null) => $DB->insert_record('local_mzi_students', ['zoho_student_id' => $zohoid,
            'moodle_user_id' => $userid, 'academic_email' => $email, 'student_id' => $number, 'first_name' => "S$zohoid"]);
        $row('7001', $ana->id, 'someone@college.edu');
        $row('7002', $ana->id, 'ana@college.edu');
        $row('7003', $ana->id, null, 'S7003');
        $row('7004', $ben->id, 'x@college.edu');
        $row('7005', $ben->id, 'y@college.edu');
        $row('7006', 0, 'nobody@college.edu');
        $row('7007', 0, 'nobody2@college.edu');

        schema_upgrader::run();

        $links = $DB->get_records_menu('local_mzi_students', null, 'zoho_student_id', 'zoho_student_id, moodle_user_id');
        $this->assertSame(['7001' => null, '7002' => (string) $ana->id, '7003' => null, '7004' => null, '7005' => null,
            '7006' => null, '7007' => null], $links, 'The matching link is kept, the others removed; no row is deleted.');
        $unique = false;
        foreach ($DB->get_indexes('local_mzi_students') as $index) {
            $unique = $unique || ($index['columns'] === ['moodle_user_id'] && !empty($index['unique']));
        }
        $this->assertTrue($unique);
        $logged = $DB->get_fieldset_select('upgrade_log', 'info', 'plugin = ? AND ' . $DB->sql_like('info', '?'),
            ['local_moodle_zoho_sync', '%Zoho students%']);
        $this->assertCount(2, $logged, 'Each resolved account is reported in the upgrade log.');
        $this->assertStringContainsString('7002', implode(' ', $logged));
    }
}
