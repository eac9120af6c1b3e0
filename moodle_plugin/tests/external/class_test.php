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
 * Tests of local_mzi_create_class and local_mzi_delete_class.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 * @covers     \local_moodle_zoho_sync\external\create_class
 * @covers     \local_moodle_zoho_sync\external\delete_class
 * @covers     \local_moodle_zoho_sync\local\class_sync
 */
final class class_test extends \advanced_testcase {
    use \local_moodle_zoho_sync\sync_test_helper;

    protected function tearDown(): void {
        record_store::$beforeinsert = null;
        parent::tearDown();
    }

    /**
     * Whether a user has a role in a course.
     *
     * @param int $userid
     * @param int $courseid
     * @param string $role
     * @return bool
     */
    private function has_role(int $userid, int $courseid, string $role): bool {
        global $DB;
        return $DB->record_exists('role_assignments', ['userid' => $userid,
            'roleid' => $DB->get_field('role', 'id', ['shortname' => $role]),
            'contextid' => \context_course::instance($courseid)->id]);
    }

    public function test_local_only_then_create_then_update(): void {
        global $DB;
        $this->resetAfterTest();
        $this->set_sync_user();
        $cat = $this->getDataGenerator()->create_category();
        $cat2 = $this->getDataGenerator()->create_category();
        // Categories of the sync (course_policy::category_allowed()), as an administrator lists the programmes' ones.
        set_config('coursecategories', "{$cat->id},{$cat2->id}", 'local_moodle_zoho_sync');
        $fields = ['class_name' => 'Networking L5', 'class_short_name' => 'NET5-T1', 'class_status' => 'Pending'];

        // Not active: local only.
        $r = $this->sclass('3001', $fields);
        $this->assertSame('created', $r['status']);
        $this->assertSame('none', $r['course_action']);
        $this->assertSame(0, $r['course_id']);

        // Activated: the course is created once, with the idnumber tying it to the class.
        $r = $this->sclass('3001', ['class_status' => 'Active', 'course_startdate' => 1767225600] + $fields, true, 0, $cat->id);
        $this->assertSame('updated', $r['status']);
        $this->assertSame('created', $r['course_action']);
        $course = get_course($r['course_id']);
        $this->assertSame('zoho-class-3001', $course->idnumber);
        $this->assertSame('NET5-T1', $course->shortname);
        $this->assertEquals($cat->id, $course->category);
        $this->assertEquals(1767225600, $course->startdate);
        $this->assertSame((string) $course->id, $DB->get_field('local_mzi_classes', 'moodle_class_id', ['zoho_class_id' => '3001']));

        // Repeat: unchanged, still one course.
        $again = $this->sclass('3001', ['class_status' => 'Active', 'course_startdate' => 1767225600] + $fields, true, 0, $cat->id);
        $this->assertSame('unchanged', $again['status']);
        $this->assertSame('unchanged', $again['course_action']);
        $this->assertEquals(1, $DB->count_records('course', ['idnumber' => 'zoho-class-3001']));

        // Rename and move; no category = keep.
        $r = $this->call('create_class', ['zoho_class_id' => '3001', 'zoho_modified_time' => '2026-01-02T10:00:00Z',
            'class_name' => 'Networking L5 (2)'], true, (int) $course->id, $cat2->id);
        $this->assertSame('updated', $r['course_action']);
        $this->assertSame('Networking L5 (2)', get_course($course->id)->fullname);
        $this->assertEquals($cat2->id, get_course($course->id)->category);
        $this->call('create_class', ['zoho_class_id' => '3001', 'zoho_modified_time' => '2026-01-03T10:00:00Z',
            'class_type' => 'x'], true, 0, 0);
        $this->assertEquals($cat2->id, get_course($course->id)->category);

        // Stale: nothing changes in Moodle either.
        $stale = $this->call('create_class', ['zoho_class_id' => '3001', 'zoho_modified_time' => '2025-01-01T10:00:00Z',
            'class_name' => 'Old'], true, 0, $cat->id);
        $this->assertSame('stale', $stale['status']);
        $this->assertSame('Networking L5 (2)', get_course($course->id)->fullname);
    }

    public function test_existing_course_found_by_idnumber(): void {
        $this->resetAfterTest();
        $this->setAdminUser();
        $course = $this->getDataGenerator()->create_course(['idnumber' => 'zoho-class-3002', 'shortname' => 'OLD']);
        $r = $this->sclass('3002', ['class_name' => 'Found', 'class_short_name' => 'FOUND'], true);
        $this->assertSame((int) $course->id, $r['course_id']);
        $this->assertSame('updated', $r['course_action']);
        $this->assertSame('FOUND', get_course($course->id)->shortname);
    }

    public function test_concurrent_duplicate_class_row(): void {
        global $DB;
        $this->resetAfterTest();
        $this->setAdminUser();
        record_store::$beforeinsert = function($table, $field, $zohoid) use ($DB) {
            $DB->insert_record($table, (object) [$field => $zohoid, 'class_name' => 'Racing']);
        };
        $r = $this->sclass('3003', ['class_name' => 'Won', 'class_short_name' => 'W3003'], true);
        $this->assertSame('updated', $r['status']);
        $this->assertSame('created', $r['course_action']);
        $this->assertEquals(1, $DB->count_records('local_mzi_classes', ['zoho_class_id' => '3003']));
        $this->assertEquals(1, $DB->count_records('course', ['idnumber' => 'zoho-class-3003']));
    }

    public function test_shortname_taken_is_not_half_done(): void {
        global $DB;
        $this->resetAfterTest();
        // The rollback under test must be real, not nested in the test framework's own transaction.
        $this->preventResetByRollback();
        $this->setAdminUser();
        $this->getDataGenerator()->create_course(['shortname' => 'TAKEN']);
        try {
            $this->sclass('3004', ['class_name' => 'X', 'class_short_name' => 'TAKEN'], true);
            $this->fail('shortnametaken expected');
        } catch (\moodle_exception $e) {
            $this->assertSame('shortnametaken', $e->errorcode);
        }
        $this->assertFalse($DB->record_exists('local_mzi_classes', ['zoho_class_id' => '3004']));
        $this->assertFalse($DB->record_exists('course', ['idnumber' => 'zoho-class-3004']));
    }

    public function test_expected_course_missing(): void {
        global $DB;
        $this->resetAfterTest();
        $this->setAdminUser();
        try {
            $this->sclass('3005', ['class_name' => 'X'], true, 987654);
            $this->fail('coursemissing expected');
        } catch (\moodle_exception $e) {
            $this->assertSame('coursemissing', $e->errorcode);
        }
        $this->assertFalse($DB->record_exists('course', ['idnumber' => 'zoho-class-3005']));
    }

    public function test_staff_and_teacher_change(): void {
        $this->resetAfterTest();
        $this->setAdminUser();
        $gen = $this->getDataGenerator();
        $support = $gen->create_user(['username' => 'itsupport']);
        $ceo = $gen->create_user(['email' => 'ceo@college.edu']);
        $itlead = $gen->create_user(['username' => 'itlead']);
        $t1 = $gen->create_user(['email' => 't1@college.edu']);
        $t2 = $gen->create_user(['email' => 't2@college.edu']);
        set_config('defaultstaff', "itsupport,editingteacher\nceo@college.edu,manager\nghost,editingteacher",
            'local_moodle_zoho_sync');
        set_config('majorstaff', "major=IT: itlead,editingteacher", 'local_moodle_zoho_sync');

        $r = $this->sclass('3006', ['class_name' => 'C', 'class_short_name' => 'C3006', 'class_major' => 'it',
            'teacher_email' => 'T1@college.edu'], true);
        $courseid = $r['course_id'];
        $this->assertTrue($this->has_role($support->id, $courseid, 'editingteacher'));
        // A manager role is never given, even when an administrator lists it: the staff item is skipped.
        $this->assertFalse($this->has_role($ceo->id, $courseid, 'manager'));
        $this->assertSame('rolenotallowed', array_column($r['staff'], 'reason', 'user')['ceo@college.edu']);
        $this->assertTrue($this->has_role($itlead->id, $courseid, 'editingteacher'));
        $this->assertTrue($this->has_role($t1->id, $courseid, 'editingteacher'));
        $this->assertSame('enrolled', $r['teacher_status']);
        $statuses = array_column($r['staff'], 'status', 'user');
        $this->assertSame('skipped', $statuses['ghost']);
        $this->assertSame('usernotfound', array_column($r['staff'], 'reason', 'user')['ghost']);

        // Teacher changes: the new one (found by academic e-mail) gets the role, the old one loses it.
        $r2 = $this->call('create_class', ['zoho_class_id' => '3006', 'zoho_modified_time' => '2026-01-02T10:00:00Z',
            'teacher_email' => 't2@college.edu'], false, 0, 0);
        $this->assertSame((int) $t2->id, $r2['teacher_user_id']);
        $this->assertTrue($r2['previous_teacher_removed']);
        $this->assertTrue($this->has_role($t2->id, $courseid, 'editingteacher'));
        $this->assertFalse($this->has_role($t1->id, $courseid, 'editingteacher'));
        $this->assertSame('unchanged', array_column($r2['staff'], 'status', 'user')['itsupport']);
    }

    public function test_delete_class_twice_keeps_course(): void {
        global $DB;
        $this->resetAfterTest();
        $this->setAdminUser();
        $r = $this->sclass('3007', ['class_name' => 'D', 'class_short_name' => 'D3007'], true);
        $d = $this->call('delete_class', '3007');
        $this->assertSame('deleted', $d['status']);
        $this->assertSame($r['course_id'], $d['course_id']);
        $this->assertTrue($DB->record_exists('course', ['id' => $r['course_id']]));
        $this->assertSame('Cancelled', $DB->get_field('local_mzi_classes', 'class_status', ['zoho_class_id' => '3007']));
        $this->assertSame('unchanged', $this->call('delete_class', '3007')['status']);
        $this->assertSame('absent', $this->call('delete_class', '3999')['status']);
    }

    public function test_capability_required(): void {
        $this->resetAfterTest();
        $this->assert_denied('create_class', ['zoho_class_id' => '1', 'zoho_modified_time' => '2026-01-01T00:00:00Z'],
            false, 0, 0);
        $this->assert_denied('delete_class', '1');
    }
}
