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

use local_moodle_zoho_sync\local\record_store;

/**
 * Tests of grades, requests and teachers.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 * @covers     \local_moodle_zoho_sync\external\submit_grade
 * @covers     \local_moodle_zoho_sync\external\delete_grade
 * @covers     \local_moodle_zoho_sync\external\update_request_status
 * @covers     \local_moodle_zoho_sync\external\delete_request
 * @covers     \local_moodle_zoho_sync\external\sync_teacher
 */
final class grade_request_teacher_test extends \advanced_testcase {
    use \local_moodle_zoho_sync\sync_test_helper;

    protected function tearDown(): void {
        record_store::$beforeinsert = null;
        parent::tearDown();
    }

    public function test_grade_lifecycle(): void {
        global $DB;
        $this->resetAfterTest();
        $this->set_sync_user();
        $grade = ['zoho_grade_id' => '9001', 'zoho_modified_time' => '2026-01-01T10:00:00Z', 'zoho_student_id' => '1001',
            'zoho_class_id' => '3001', 'grade' => 'M', 'grade_status' => 'Released', 'attempt_number' => 1];
        $this->assertSame('parent_missing', $this->call('submit_grade', $grade)['status']);
        $this->student('1001');
        $r = $this->call('submit_grade', $grade);
        $this->assertSame('created', $r['status']);
        $this->assertSame(0, $r['class_id']);
        $row = $DB->get_record('local_mzi_grades', ['id' => $r['id']]);
        $this->assertSame('M', $row->grade);
        $this->assertNull($row->class_id);
        $this->assertSame('unchanged', $this->call('submit_grade', $grade)['status']);
        $this->assertSame('stale', $this->call('submit_grade',
            ['zoho_modified_time' => '2025-01-01T10:00:00Z', 'grade' => 'P'] + $grade)['status']);
        $up = $this->call('submit_grade', ['zoho_modified_time' => '2026-01-03T10:00:00Z', 'grade' => 'rr'] + $grade);
        $this->assertSame('updated', $up['status']);
        $this->assertSame('RR', $DB->get_field('local_mzi_grades', 'grade', ['id' => $r['id']]));
        try {
            $this->call('submit_grade', ['zoho_modified_time' => '2026-01-04T10:00:00Z', 'grade' => 'Excellent'] + $grade);
            $this->fail('invalidgrade expected');
        } catch (\moodle_exception $e) {
            $this->assertSame('invalidgrade', $e->errorcode);
        }

        // Concurrent duplicate.
        record_store::$beforeinsert = function($table, $field, $zohoid) use ($DB) {
            $DB->insert_record($table, (object) [$field => $zohoid, 'student_id' => 1]);
        };
        $this->assertSame('updated', $this->call('submit_grade', ['zoho_grade_id' => '9002'] + $grade)['status']);
        record_store::$beforeinsert = null;
        $this->assertEquals(1, $DB->count_records('local_mzi_grades', ['zoho_grade_id' => '9002']));

        $this->assertSame('deleted', $this->call('delete_grade', '9001')['status']);
        $this->assertTrue($DB->record_exists('local_mzi_grades', ['id' => $r['id'], 'deleted' => 1]));
        $this->assertSame('unchanged', $this->call('delete_grade', '9001')['status']);
        $this->assertSame('absent', $this->call('delete_grade', '9999')['status']);
    }

    public function test_request_lifecycle(): void {
        global $DB;
        $this->resetAfterTest();
        $this->setAdminUser();
        $request = ['zoho_request_id' => '6001', 'zoho_modified_time' => '2026-01-01T10:00:00Z', 'zoho_student_id' => '1001',
            'request_type' => 'Class Drop', 'description' => 'Please', 'request_date' => '2026-01-01'];
        $missing = $this->call('update_request_status', $request);
        $this->assertSame('parent_missing', $missing['status']);
        $this->student('1001');
        $r = $this->call('update_request_status', $request);
        $this->assertSame('created', $r['status']);
        $this->assertSame('Pending', $DB->get_field('local_mzi_requests', 'request_status', ['id' => $r['id']]));
        $this->assertSame('unchanged', $this->call('update_request_status', $request)['status']);
        $this->assertSame('updated', $this->call('update_request_status',
            ['zoho_modified_time' => '2026-01-02T10:00:00Z', 'request_status' => 'Approved'] + $request)['status']);
        $this->assertSame('stale', $this->call('update_request_status',
            ['zoho_modified_time' => '2026-01-01T12:00:00Z', 'request_status' => 'Rejected'] + $request)['status']);
        $this->assertSame('Approved', $DB->get_field('local_mzi_requests', 'request_status', ['id' => $r['id']]));
        $this->assertSame('2026-01-01', $DB->get_field('local_mzi_requests', 'request_date', ['id' => $r['id']]));
        $this->assertSame('deleted', $this->call('delete_request', '6001')['status']);
        $this->assertSame('Cancelled', $DB->get_field('local_mzi_requests', 'request_status', ['id' => $r['id']]));
        $this->assertSame('unchanged', $this->call('delete_request', '6001')['status']);
        $this->assertSame('absent', $this->call('delete_request', '6002')['status']);
    }

    public function test_teacher_resolution(): void {
        $this->resetAfterTest();
        $this->setAdminUser();
        $byemail = $this->getDataGenerator()->create_user(['email' => 'teach@college.edu']);
        $byusername = $this->getDataGenerator()->create_user(['username' => 'other@college.edu', 'email' => 'x@y.z']);
        $t = ['zoho_teacher_id' => '4001', 'zoho_modified_time' => '2026-01-01T10:00:00Z', 'academic_email' => 'Teach@College.edu',
            'teacher_name' => 'T'];
        $r = $this->call('sync_teacher', $t);
        $this->assertSame('created', $r['status']);
        $this->assertSame((int) $byemail->id, $r['moodle_user_id']);
        $this->assertSame('unchanged', $this->call('sync_teacher', $t)['status']);
        $r2 = $this->call('sync_teacher', ['zoho_modified_time' => '2026-01-02T10:00:00Z',
            'academic_email' => 'other@college.edu'] + $t);
        // Zoho names a teacher by academic e-mail only: an account whose username is that text is not the teacher.
        $this->assertSame('updated', $r2['status']);
        $this->assertSame(0, $r2['moodle_user_id']);
        $this->assertSame('stale', $this->call('sync_teacher', $t)['status']);
    }

    public function test_capability_required(): void {
        $this->resetAfterTest();
        $this->assert_denied('submit_grade', ['zoho_grade_id' => '1', 'zoho_modified_time' => '2026-01-01T00:00:00Z',
            'zoho_student_id' => '2']);
        $this->assert_denied('update_request_status', ['zoho_request_id' => '1', 'zoho_modified_time' => '2026-01-01T00:00:00Z',
            'zoho_student_id' => '2']);
        $this->assert_denied('sync_teacher', ['zoho_teacher_id' => '1', 'zoho_modified_time' => '2026-01-01T00:00:00Z']);
        $this->assert_denied('delete_grade', '1');
        $this->assert_denied('delete_request', '1');
    }
}
