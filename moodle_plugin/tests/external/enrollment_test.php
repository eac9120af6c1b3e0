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

defined('MOODLE_INTERNAL') || die();

require_once(__DIR__ . '/../sync_test_helper.php');

/**
 * Tests of local_mzi_update_enrollment, local_mzi_delete_enrollment and local_mzi_get_moodle_ids.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 * @covers     \local_moodle_zoho_sync\external\update_enrollment
 * @covers     \local_moodle_zoho_sync\external\delete_enrollment
 * @covers     \local_moodle_zoho_sync\external\get_moodle_ids
 * @covers     \local_moodle_zoho_sync\local\enrolment_sync
 * @covers     \local_moodle_zoho_sync\local\user_resolver
 */
final class enrollment_test extends \advanced_testcase {
    use \local_moodle_zoho_sync\sync_test_helper;

    /**
     * One enrolment item.
     *
     * @param string $id
     * @param string $student
     * @param array $fields
     * @return array
     */
    private function item(string $id, string $student, array $fields = []): array {
        return $fields + ['zoho_enrollment_id' => $id, 'zoho_modified_time' => '2026-01-01T10:00:00Z',
            'zoho_student_id' => $student, 'zoho_class_id' => '3001'];
    }

    /**
     * The user_enrolments status of a user in a course, or null.
     *
     * @param int $userid
     * @param int $courseid
     * @return int|null
     */
    private function ue_status(int $userid, int $courseid): ?int {
        global $DB;
        $status = $DB->get_field_sql('SELECT ue.status FROM {user_enrolments} ue JOIN {enrol} e ON e.id = ue.enrolid
                                       WHERE e.courseid = ? AND ue.userid = ? AND e.enrol = ?', [$courseid, $userid, 'manual']);
        return $status === false ? null : (int) $status;
    }

    public function test_three_tiers_batch_and_status(): void {
        global $DB;
        $this->resetAfterTest();
        $this->set_sync_user();
        $gen = $this->getDataGenerator();
        $stored = $gen->create_user(['email' => 'a@college.edu']);
        $byemail = $gen->create_user(['email' => 'b@college.edu']);
        $byusername = $gen->create_user(['username' => 's003']);
        $this->student('1001', '2026-01-01T10:00:00Z', ['moodle_user_id' => $stored->id, 'academic_email' => 'a@college.edu']);
        $this->student('1002', '2026-01-01T10:00:00Z', ['academic_email' => 'B@college.edu']);
        $this->student('1003', '2026-01-01T10:00:00Z', ['student_id' => 'S003']);
        $this->student('1004', '2026-01-01T10:00:00Z', ['student_id' => 'nobody']);
        $class = $this->sclass('3001', ['class_name' => 'C', 'class_short_name' => 'C3001'], true);
        $courseid = $class['course_id'];

        $r = $this->call('update_enrollment', [
            $this->item('5001', '1001'),
            $this->item('5002', '1002'),
            $this->item('5003', '1003'),
            $this->item('5004', '1004'),
            $this->item('5005', '1999'),
            $this->item('5006', '1001', ['zoho_class_id' => '3999']),
            $this->item('5007', '1001', ['zoho_modified_time' => 'not a time']),
        ])['results'];
        $this->assertSame(['stored', 'email', 'username', 'none'], array_column(array_slice($r, 0, 4), 'user_tier'));
        $this->assertSame('enrolled', $r[0]['enrol_action']);
        $this->assertSame('enrolled', $r[1]['enrol_action']);
        $this->assertSame('enrolled', $r[2]['enrol_action']);
        $this->assertSame('user_not_found', $r[3]['enrol_action']);
        $this->assertSame(['parent_missing', 'student', '1999'], [$r[4]['status'], $r[4]['parent_entity'], $r[4]['parent_zoho_id']]);
        $this->assertSame(['parent_missing', 'class', '3999'], [$r[5]['status'], $r[5]['parent_entity'], $r[5]['parent_zoho_id']]);
        $this->assertSame(['failed', 'invalidtimestamp'], [$r[6]['status'], $r[6]['errorcode']]);
        $this->assertSame($courseid, $r[0]['moodle_course_id']);
        $this->assertSame(ENROL_USER_ACTIVE, $this->ue_status($byemail->id, $courseid));
        // Tiers 2 and 3 wrote back what they found.
        $this->assertEquals($byemail->id, $DB->get_field('local_mzi_students', 'moodle_user_id', ['zoho_student_id' => '1002']));
        $this->assertEquals($byusername->id, $DB->get_field('local_mzi_students', 'moodle_user_id', ['zoho_student_id' => '1003']));
        $this->assertEquals(1, $DB->get_field('local_mzi_enrollments', 'synced_to_moodle', ['zoho_enrollment_id' => '5001']));

        // Repeat: unchanged row and enrolment.
        $again = $this->call('update_enrollment', [$this->item('5001', '1001')])['results'][0];
        $this->assertSame(['unchanged', 'unchanged'], [$again['status'], $again['enrol_action']]);

        // Withdrawn suspends; stale is ignored; completed leaves the enrolment alone.
        $w = $this->call('update_enrollment', [$this->item('5001', '1001',
            ['zoho_modified_time' => '2026-01-02T10:00:00Z', 'enrollment_status' => 'Withdrawn'])])['results'][0];
        $this->assertSame(['updated', 'suspended'], [$w['status'], $w['enrol_action']]);
        $this->assertSame(ENROL_USER_SUSPENDED, $this->ue_status($stored->id, $courseid));
        $s = $this->call('update_enrollment', [$this->item('5001', '1001', ['enrollment_status' => 'Active'])])['results'][0];
        $this->assertSame('stale', $s['status']);
        $this->assertSame(ENROL_USER_SUSPENDED, $this->ue_status($stored->id, $courseid));
        $c = $this->call('update_enrollment', [$this->item('5002', '1002',
            ['zoho_modified_time' => '2026-01-02T10:00:00Z', 'enrollment_status' => 'Completed'])])['results'][0];
        $this->assertSame('kept', $c['enrol_action']);
        $this->assertSame(ENROL_USER_ACTIVE, $this->ue_status($byemail->id, $courseid));

        // Parent-first lookup.
        $ids = $this->call('get_moodle_ids', ['1001', '1999'], ['3001'], [], []);
        $this->assertTrue($ids['students'][0]['exists']);
        $this->assertSame((int) $stored->id, $ids['students'][0]['moodle_id']);
        $this->assertFalse($ids['students'][1]['exists']);
        $this->assertSame($courseid, $ids['classes'][0]['moodle_id']);
        $this->assertSame([], $ids['registrations']);
    }

    public function test_delete_suspends_or_unenrols(): void {
        global $DB;
        $this->resetAfterTest();
        $this->setAdminUser();
        $u1 = $this->getDataGenerator()->create_user(['username' => 's1']);
        $u2 = $this->getDataGenerator()->create_user(['username' => 's2']);
        $this->student('1001', '2026-01-01T10:00:00Z', ['student_id' => 'S1']);
        $this->student('1002', '2026-01-01T10:00:00Z', ['student_id' => 'S2']);
        $courseid = $this->sclass('3001', ['class_name' => 'C', 'class_short_name' => 'C3001'], true)['course_id'];
        $this->call('update_enrollment', [$this->item('5001', '1001'), $this->item('5002', '1002')]);

        // Default: suspend (grades kept).
        $d = $this->call('delete_enrollment', '5001');
        $this->assertSame(['deleted', 'suspended'], [$d['status'], $d['enrol_action']]);
        $this->assertSame(ENROL_USER_SUSPENDED, $this->ue_status($u1->id, $courseid));
        $this->assertSame('Withdrawn', $DB->get_field('local_mzi_enrollments', 'enrollment_status', ['zoho_enrollment_id' => '5001']));
        $d2 = $this->call('delete_enrollment', '5001');
        $this->assertSame(['unchanged', 'unchanged'], [$d2['status'], $d2['enrol_action']]);
        $this->assertSame('absent', $this->call('delete_enrollment', '5999')['status']);

        // With the setting: unenrol.
        set_config('unenrolondelete', 1, 'local_moodle_zoho_sync');
        $d3 = $this->call('delete_enrollment', '5002');
        $this->assertSame(['deleted', 'unenrolled'], [$d3['status'], $d3['enrol_action']]);
        $this->assertNull($this->ue_status($u2->id, $courseid));
        $this->assertSame('notenrolled', $this->call('delete_enrollment', '5002')['enrol_action']);
    }

    public function test_capability_required(): void {
        $this->resetAfterTest();
        $this->assert_denied('update_enrollment', [$this->item('1', '2')]);
        $this->assert_denied('delete_enrollment', '1');
        $this->assert_denied('get_moodle_ids', ['1'], [], [], []);
    }
}
