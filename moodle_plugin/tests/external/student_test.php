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
 * Tests of local_mzi_update_student and local_mzi_delete_student.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 * @covers     \local_moodle_zoho_sync\external\update_student
 * @covers     \local_moodle_zoho_sync\external\delete_student
 * @covers     \local_moodle_zoho_sync\local\record_store
 */
final class student_test extends \advanced_testcase {
    use \local_moodle_zoho_sync\sync_test_helper;

    protected function tearDown(): void {
        record_store::$beforeinsert = null;
        parent::tearDown();
    }

    public function test_create_update_repeat_stale(): void {
        global $DB;
        $this->resetAfterTest();
        $this->set_sync_user();
        $r = $this->student('5398830000000000001', '2026-01-01T10:00:00+03:00', ['first_name' => 'Ana',
            'academic_email' => 'Ana@College.edu', 'email' => 'ana@home.example', 'student_id' => 'S001']);
        $this->assertSame('created', $r['status']);
        $row = $DB->get_record('local_mzi_students', ['id' => $r['id']]);
        $this->assertSame('ana@college.edu', $row->academic_email);
        $this->assertSame('ana@home.example', $row->email);
        $this->assertNull($row->moodle_user_id);
        $this->assertSame('Active', $row->status);

        // Update one field: the others are left as they are.
        $r2 = $this->student('5398830000000000001', '2026-01-02T10:00:00+03:00', ['last_name' => 'Bell']);
        $this->assertSame('updated', $r2['status']);
        $this->assertSame($r['id'], $r2['id']);
        $row = $DB->get_record('local_mzi_students', ['id' => $r['id']]);
        $this->assertSame('Ana', $row->first_name);
        $this->assertSame('Bell', $row->last_name);
        $this->assertSame('2026-01-02T10:00:00+03:00', $row->zoho_modified_time);

        // Repeat: unchanged.
        $r3 = $this->student('5398830000000000001', '2026-01-02T10:00:00+03:00', ['last_name' => 'Bell']);
        $this->assertSame('unchanged', $r3['status']);

        // Older data: stale, nothing changes (the same instant in another offset is not older).
        $r4 = $this->student('5398830000000000001', '2026-01-02T06:59:59+00:00', ['last_name' => 'Old']);
        $this->assertSame('stale', $r4['status']);
        $this->assertSame('Bell', $DB->get_field('local_mzi_students', 'last_name', ['id' => $r['id']]));
        $this->assertEquals(1, $DB->count_records('local_mzi_students'));
    }

    public function test_moodle_user_id_kept_only_when_it_exists(): void {
        global $DB;
        $this->resetAfterTest();
        $this->setAdminUser();
        $user = $this->getDataGenerator()->create_user(['email' => 's101@college.edu']);
        $r = $this->student('101', '2026-01-01T10:00:00Z', ['moodle_user_id' => $user->id,
            'academic_email' => 's101@college.edu']);
        $this->assertSame((int) $user->id, $r['moodle_user_id']);
        $r = $this->student('101', '2026-01-02T10:00:00Z', ['moodle_user_id' => 999999]);
        $this->assertSame((int) $user->id, $r['moodle_user_id']);
        $this->assertEquals($user->id, $DB->get_field('local_mzi_students', 'moodle_user_id', ['id' => $r['id']]));
    }

    public function test_concurrent_duplicate_insert_becomes_update(): void {
        global $DB;
        $this->resetAfterTest();
        $this->setAdminUser();
        // Another request inserts the same Zoho id between our lookup and our insert.
        record_store::$beforeinsert = function($table, $field, $zohoid) use ($DB) {
            $DB->insert_record($table, (object) [$field => $zohoid, 'first_name' => 'Other',
                'zoho_modified_time' => '2026-01-01T09:00:00+03:00']);
        };
        $r = $this->student('202', '2026-01-01T10:00:00+03:00', ['first_name' => 'Mine']);
        $this->assertSame('updated', $r['status']);
        $this->assertEquals(1, $DB->count_records('local_mzi_students', ['zoho_student_id' => '202']));
        $this->assertSame('Mine', $DB->get_field('local_mzi_students', 'first_name', ['zoho_student_id' => '202']));
    }

    public function test_invalid_input(): void {
        $this->resetAfterTest();
        $this->setAdminUser();
        try {
            $this->student('303', 'yesterday-ish');
            $this->fail('invalidtimestamp expected');
        } catch (\moodle_exception $e) {
            $this->assertSame('invalidtimestamp', $e->errorcode);
        }
        $this->expectException(\invalid_parameter_exception::class);
        $this->student('$' . '{!BTEC_Students.Id}');
    }

    public function test_delete_twice_is_soft_and_idempotent(): void {
        global $DB;
        $this->resetAfterTest();
        $this->setAdminUser();
        $r = $this->student('404');
        $d = $this->call('delete_student', '404');
        $this->assertSame('deleted', $d['status']);
        $this->assertSame($r['id'], $d['id']);
        $row = $DB->get_record('local_mzi_students', ['id' => $r['id']]);
        $this->assertEquals(1, $row->deleted);
        $this->assertSame('Deleted', $row->status);
        $this->assertSame('unchanged', $this->call('delete_student', '404')['status']);
        $this->assertSame('absent', $this->call('delete_student', '405')['status']);
        // An upsert not newer than the deleted state does not revive it; a newer one does.
        $this->assertSame('stale', $this->student('404')['status']);
        $this->assertSame('updated', $this->student('404', '2026-03-01T00:00:00Z', ['status' => 'Active'])['status']);
        $this->assertEquals(0, $DB->get_field('local_mzi_students', 'deleted', ['id' => $r['id']]));
    }

    public function test_events_fired(): void {
        $this->resetAfterTest();
        $this->setAdminUser();
        $sink = $this->redirectEvents();
        $this->student('505');
        $this->student('505');
        $events = $sink->get_events();
        $this->assertInstanceOf(\local_moodle_zoho_sync\event\sync_applied::class, $events[0]);
        $this->assertSame('created', $events[0]->other['outcome']);
        $this->assertInstanceOf(\local_moodle_zoho_sync\event\sync_skipped::class, $events[1]);
        $this->assertSame('505', $events[1]->other['zohoid']);
    }

    public function test_capability_required(): void {
        $this->resetAfterTest();
        $this->assert_denied('update_student', ['zoho_student_id' => '1', 'zoho_modified_time' => '2026-01-01T00:00:00Z']);
        $this->assert_denied('delete_student', '1');
    }
}
