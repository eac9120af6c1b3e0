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


namespace local_moodle_zoho_sync\privacy;

use core_privacy\local\request\approved_contextlist;
use core_privacy\local\request\writer;
use core_privacy\tests\provider_testcase;

/**
 * Privacy provider tests.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 * @covers     \local_moodle_zoho_sync\privacy\provider
 */
final class provider_test extends provider_testcase {
    public function test_export_and_delete(): void {
        global $DB;
        $this->resetAfterTest();
        $user = $this->getDataGenerator()->create_user();
        $sid = $DB->insert_record('local_mzi_students', ['zoho_student_id' => '1', 'moodle_user_id' => $user->id,
            'first_name' => 'Ana']);
        $rid = $DB->insert_record('local_mzi_registrations', ['zoho_registration_id' => '2', 'student_id' => $sid]);
        $DB->insert_record('local_mzi_payments', ['zoho_payment_id' => '3', 'registration_id' => $rid]);
        $DB->insert_record('local_mzi_grades', ['zoho_grade_id' => '4', 'student_id' => $sid, 'grade' => 'P']);

        $contexts = provider::get_contexts_for_userid($user->id);
        $this->assertSame([\context_system::instance()->id], array_map('intval', $contexts->get_contextids()));
        $approved = new approved_contextlist($user, 'local_moodle_zoho_sync', $contexts->get_contextids());
        provider::export_user_data($approved);
        $data = writer::with_context(\context_system::instance())->get_data(
            [get_string('pluginname', 'local_moodle_zoho_sync'), 'student_1']);
        $this->assertSame('Ana', $data->student->first_name);
        $this->assertCount(1, $data->local_mzi_grades);

        provider::delete_data_for_user($approved);
        $this->assertEquals(0, $DB->count_records('local_mzi_students'));
        $this->assertEquals(0, $DB->count_records('local_mzi_payments'));
        $this->assertEquals(0, $DB->count_records('local_mzi_grades'));
    }
}
