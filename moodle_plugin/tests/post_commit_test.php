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

use local_moodle_zoho_sync\local\committed_transaction;
use local_moodle_zoho_sync\local\enrolment_manager;

/**
 * A message that fails after the commit never turns a committed sync into an error.
 *
 * The failure is Moodle's own: the manual enrolment's course welcome message is buffered inside the transaction and
 * sent by allow_commit() after the database commit; e-mail to an address Moodle cannot send to makes the e-mail
 * processor fail and the message manager throw "Message was not sent." (as on a site without working mail).
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 * @covers     \local_moodle_zoho_sync\local\committed_transaction
 * @covers     \local_moodle_zoho_sync\local\class_sync
 * @covers     \local_moodle_zoho_sync\local\enrolment_manager
 */
final class post_commit_test extends \advanced_testcase {
    use sync_test_helper;

    /**
     * Site set-up: welcome messages on, sent from the course contact (editing teacher), and no transaction of the test
     * framework around the test, so that ours is the outermost one and really commits.
     */
    private function prepare(): void {
        global $DB;
        $this->resetAfterTest();
        $this->preventResetByRollback();
        set_config('sendcoursewelcomemessage', ENROL_SEND_EMAIL_FROM_COURSE_CONTACT, 'enrol_manual');
        set_config('coursecontact', $DB->get_field('role', 'id', ['shortname' => 'editingteacher']));
    }

    /**
     * Whether a debugging message containing $needle was emitted; clears the collected messages.
     *
     * @param string $needle
     * @return bool
     */
    private function debugging_contains(string $needle): bool {
        $found = false;
        foreach ($this->getDebuggingMessages() as $message) {
            if (strpos($message->message, $needle) !== false) {
                $found = true;
            }
        }
        $this->resetDebugging();
        return $found;
    }

    public function test_new_active_class_survives_a_welcome_mail_that_fails_after_the_commit(): void {
        global $DB;
        $this->prepare();
        $this->set_sync_user();
        // The first staff member becomes the course contact; the second one's welcome e-mail cannot be sent.
        $this->getDataGenerator()->create_user(['username' => 'leadteacher', 'email' => 'lead@college.example']);
        $this->getDataGenerator()->create_user(['username' => 'nomail', 'email' => 'not-an-address']);
        set_config('defaultstaff', "leadteacher,editingteacher\nnomail,editingteacher", 'local_moodle_zoho_sync');

        $r = $this->sclass('5398830000900000001', ['class_name' => 'Mail fails', 'class_short_name' => 'MAILFAIL',
            'class_status' => 'Active'], true);

        $this->assertSame('created', $r['status']);
        $this->assertSame('created', $r['course_action']);
        $this->assertGreaterThan(0, $r['course_id']);
        $this->assertSame((string) $r['course_id'],
            $DB->get_field('local_mzi_classes', 'moodle_class_id', ['zoho_class_id' => '5398830000900000001']));
        $this->assertSame(['enrolled', 'enrolled'], array_column($r['staff'], 'status'));
        $this->assertFalse($DB->is_transaction_started());
        $this->assertTrue($this->debugging_contains('side effect after the database commit'));

        // The repeated webhook finds the committed course and changes nothing.
        $again = $this->sclass('5398830000900000001', ['class_name' => 'Mail fails', 'class_short_name' => 'MAILFAIL',
            'class_status' => 'Active'], true);
        $this->assertSame('unchanged', $again['status']);
        $this->assertSame($r['course_id'], $again['course_id']);
        $this->assertSame(1, $DB->count_records('course', ['shortname' => 'MAILFAIL']));
        $this->resetDebugging();
    }

    public function test_student_enrolment_outside_a_transaction_survives_a_welcome_mail_that_fails(): void {
        $this->prepare();
        $course = $this->getDataGenerator()->create_course();
        $teacher = $this->getDataGenerator()->create_user(['email' => 'teacher@college.example']);
        $this->assertSame('enrolled', enrolment_manager::enrol((int) $course->id, (int) $teacher->id, 'editingteacher'));
        $student = $this->getDataGenerator()->create_user(['email' => 'not-an-address']);

        // Sent directly (no transaction of ours is open), message_send() reports the failure and carries on.
        $this->assertSame('enrolled', enrolment_manager::enrol((int) $course->id, (int) $student->id, 'student'));

        $this->assertTrue(is_enrolled(\context_course::instance($course->id), $student->id, '', true));
        $this->assertTrue($this->debugging_contains('Error calling message processor email'));
    }

    public function test_a_failure_inside_the_work_rolls_back_and_is_rethrown(): void {
        global $DB;
        $this->prepare();
        try {
            committed_transaction::run(function() use ($DB) {
                $DB->insert_record('local_mzi_teachers', ['zoho_teacher_id' => 'T1', 'created_at' => 1, 'updated_at' => 1]);
                throw new \moodle_exception('invalidparameter', 'debug');
            });
            $this->fail('The exception of the work must come out');
        } catch (\moodle_exception $e) {
            $this->assertSame('invalidparameter', $e->errorcode);
        }
        $this->assertFalse($DB->record_exists('local_mzi_teachers', ['zoho_teacher_id' => 'T1']));
        $this->assertFalse($DB->is_transaction_started());

        // Nested in an open transaction: nothing is committed by us, and an error still comes out.
        $outer = $DB->start_delegated_transaction();
        $this->assertSame(7, committed_transaction::run(function() {
            return 7;
        }));
        $this->assertTrue($DB->is_transaction_started());
        $outer->allow_commit();
    }
}
