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

use local_moodle_zoho_sync\local\invalid_value_exception;
use local_moodle_zoho_sync\local\sync_exception;
use local_moodle_zoho_sync\local\zoho_time;

/**
 * Values that fit: every Zoho value is checked against where it is stored, before any write.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 * @covers     \local_moodle_zoho_sync\local\field_check
 * @covers     \local_moodle_zoho_sync\local\zoho_time
 * @covers     \local_moodle_zoho_sync\local\invalid_value_exception
 */
final class values_test extends \advanced_testcase {
    use sync_test_helper;

    /**
     * Runs a call that must fail with invalidparameter naming a field, and checks nothing was written.
     *
     * @param string $field the field path the message must name
     * @param callable $call
     */
    private function assert_invalid(string $field, callable $call): void {
        global $DB;
        $before = $DB->count_records('local_mzi_students') + $DB->count_records('local_mzi_registrations')
            + $DB->count_records('local_mzi_installments') + $DB->count_records('local_mzi_classes')
            + $DB->count_records('course');
        try {
            $call();
            $this->fail("Expected invalidparameter for $field");
        } catch (invalid_value_exception $e) {
            $this->assertInstanceOf(\invalid_parameter_exception::class, $e);
            $this->assertSame('invalidparameter', $e->errorcode);
            $this->assertStringContainsString($field, $e->getMessage());
            $this->assertSame($field, $e->field);
        }
        $after = $DB->count_records('local_mzi_students') + $DB->count_records('local_mzi_registrations')
            + $DB->count_records('local_mzi_installments') + $DB->count_records('local_mzi_classes')
            + $DB->count_records('course');
        $this->assertSame($before, $after, "Nothing was written for $field");
    }

    public function test_overlong_and_malformed_values_are_invalidparameter_naming_the_field(): void {
        $this->resetAfterTest();
        // Refusals inside the sync's transaction roll it back, which needs a real one (not nested in the test's).
        $this->preventResetByRollback();
        $this->setAdminUser();
        $this->assert_invalid('student.first_name', fn() => $this->student('8001', '2026-01-01T10:00:00Z',
            ['first_name' => str_repeat('é', 256)]));
        $this->assert_invalid('student.phone_number', fn() => $this->student('8001', '2026-01-01T10:00:00Z',
            ['phone_number' => str_repeat('9', 31)]));
        $this->assert_invalid('student.academic_email', fn() => $this->student('8001', '2026-01-01T10:00:00Z',
            ['academic_email' => 'not an e-mail']));
        $this->assert_invalid('student.email', fn() => $this->student('8001', '2026-01-01T10:00:00Z',
            ['email' => 'a@b@c']));
        $this->assert_invalid('student.zoho_student_id', fn() => $this->student('A8001'));
        $this->assert_invalid('student.zoho_student_id', fn() => $this->student(str_repeat('1', 21)));
        $this->student('8001', '2026-01-01T10:00:00Z', ['first_name' => str_repeat('é', 255), 'academic_email' => '']);

        $reg = ['zoho_registration_id' => '8101', 'zoho_modified_time' => '2026-01-01T10:00:00Z', 'zoho_student_id' => '8001'];
        $this->assert_invalid('registration.total_fees', fn() => $this->call('create_registration',
            $reg + ['total_fees' => 123456789.5]));
        $this->assert_invalid('registration.number_of_installments', fn() => $this->call('create_registration',
            $reg + ['number_of_installments' => 100000]));
        $this->assert_invalid('installments[1].status', fn() => $this->call('create_registration', $reg,
            [['installment_number' => 1, 'status' => 'Paid'], ['installment_number' => 2, 'status' => str_repeat('x', 21)]]));
        $this->assert_invalid('installments[0].zoho_installment_id', fn() => $this->call('create_registration', $reg,
            [['installment_number' => 1, 'zoho_installment_id' => 'abc']]));

        $this->assert_invalid('class.teacher_email', fn() => $this->sclass('8201', ['teacher_email' => 'teacher at college']));
        $this->assert_invalid('class.teacher_zoho_id', fn() => $this->sclass('8201', ['teacher_zoho_id' => '12ab']));
        // 255 characters fit the class row but not a course full name (254): refused before the course is made.
        $this->assert_invalid('class.class_name', fn() => $this->sclass('8201', ['class_name' => str_repeat('n', 255),
            'class_short_name' => 'N8201'], true));
    }

    public function test_a_batch_item_with_a_bad_value_fails_alone(): void {
        $this->resetAfterTest();
        $this->setAdminUser();
        $this->student('8002');
        $this->sclass('8202', ['class_name' => 'C']);
        $results = $this->call('update_enrollment', [
            ['zoho_enrollment_id' => '8301', 'zoho_modified_time' => '2026-01-01T10:00:00Z', 'zoho_student_id' => '8002',
                'zoho_class_id' => '8202', 'student_name' => str_repeat('s', 256)],
            ['zoho_enrollment_id' => '8302', 'zoho_modified_time' => '2026-01-01T10:00:00Z', 'zoho_student_id' => '8002',
                'zoho_class_id' => '8202'],
        ])['results'];
        $this->assertSame(['failed', 'created'], array_column($results, 'status'));
        $this->assertSame('invalidparameter', $results[0]['errorcode']);
        $this->assertStringContainsString('enrollment.student_name', $results[0]['message']);
    }

    public function test_timestamps_are_iso_8601_with_an_offset_and_not_far_in_the_future(): void {
        $this->resetAfterTest();
        $this->setAdminUser();
        $clock = $this->mock_clock_with_frozen(1795600800); // 2026-11-25T10:00:00Z.
        foreach (['now', '+10 years', 'tomorrow', '2026-02-23 12:34:56', '2026-02-23T12:34:56', '2026-02-30T10:00:00Z',
                '1795600800', '2026-02-23T12:34:56+03:00 +1 day'] as $bad) {
            try {
                $this->student('8003', $bad);
                $this->fail("'$bad' must be refused");
            } catch (sync_exception $e) {
                $this->assertSame('invalidtimestamp', $e->errorcode, $bad);
                $this->assertStringContainsString('zoho_modified_time', $e->getMessage());
            }
        }
        try {
            $this->student('8003', '2026-11-27T10:00:01Z');
            $this->fail('Two days ahead must be refused');
        } catch (sync_exception $e) {
            $this->assertSame('futuretimestamp', $e->errorcode);
        }
        try {
            $this->student('8003', '2026-11-25T10:00:00Z', ['zoho_created_time' => 'yesterday']);
            $this->fail('zoho_created_time is checked too');
        } catch (sync_exception $e) {
            $this->assertSame('invalidtimestamp', $e->errorcode);
            $this->assertStringContainsString('student.zoho_created_time', $e->getMessage());
        }
        // Within a day (clock skew) and every offset form Zoho may send are accepted.
        $this->assertSame('created', $this->student('8003', '2026-11-26T09:00:00+03:00')['status']);
        $this->assertSame('updated', $this->student('8003', '2026-11-26T10:00:00.5+0300', ['first_name' => 'A'])['status']);
        $this->assertSame('updated', $this->student('8003', '2026-11-26T08:00:00Z', ['first_name' => 'B'])['status']);
        $this->assertNotNull($clock);
    }

    public function test_a_far_future_time_stored_earlier_does_not_freeze_the_record(): void {
        global $DB;
        $this->resetAfterTest();
        $this->setAdminUser();
        $this->mock_clock_with_frozen(1795600800);
        // Stored by an earlier release that accepted "+10 years" (or a typo'd year).
        $DB->insert_record('local_mzi_students', ['zoho_student_id' => '8004', 'first_name' => 'Old',
            'zoho_modified_time' => '2036-11-25T10:00:00+00:00']);
        $DB->insert_record('local_mzi_students', ['zoho_student_id' => '8005', 'first_name' => 'Old',
            'zoho_modified_time' => '+10 years']);
        $this->assertSame('updated', $this->student('8004', '2026-11-25T09:00:00Z', ['first_name' => 'New'])['status']);
        $this->assertSame('updated', $this->student('8005', '2026-11-25T09:00:00Z', ['first_name' => 'New'])['status']);
        $this->assertNull(zoho_time::compare('2036-11-25T10:00:00Z', '2026-11-25T10:00:00Z'));
        $this->assertSame(-1, zoho_time::compare('2026-11-24T10:00:00+03:00', '2026-11-24T10:00:00Z'));
    }
}
