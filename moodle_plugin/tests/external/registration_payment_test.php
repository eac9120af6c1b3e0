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
 * Tests of registrations (with installments) and payments.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 * @covers     \local_moodle_zoho_sync\external\create_registration
 * @covers     \local_moodle_zoho_sync\external\record_payment
 * @covers     \local_moodle_zoho_sync\external\delete_registration
 * @covers     \local_moodle_zoho_sync\external\delete_payment
 * @covers     \local_moodle_zoho_sync\local\dashboard_sync
 */
final class registration_payment_test extends \advanced_testcase {
    use \local_moodle_zoho_sync\sync_test_helper;

    protected function tearDown(): void {
        record_store::$beforeinsert = null;
        parent::tearDown();
    }

    /**
     * A registration call.
     *
     * @param string $time
     * @param array $fields
     * @param array|null $installments
     * @return array
     */
    private function registration(string $time, array $fields = [], ?array $installments = null): array {
        return $this->call('create_registration', ['zoho_registration_id' => '7001', 'zoho_modified_time' => $time,
            'zoho_student_id' => '1001'] + $fields, $installments);
    }

    public function test_registration_lifecycle(): void {
        global $DB;
        $this->resetAfterTest();
        $this->set_sync_user();
        // Parent first.
        $r = $this->registration('2026-01-01T10:00:00Z');
        $this->assertSame('parent_missing', $r['status']);
        $this->assertSame('student', $r['parent_entity']);
        $this->assertSame('1001', $r['parent_zoho_id']);
        $this->assertEquals(0, $DB->count_records('local_mzi_registrations'));

        $student = $this->student('1001');
        $schedule = [
            ['installment_number' => 1, 'due_date' => '2026-02-01', 'amount' => 500.0],
            ['installment_number' => 2, 'due_date' => '2026-03-01', 'amount' => 500.0],
        ];
        $r = $this->registration('2026-01-01T10:00:00Z', ['total_fees' => 1000.0, 'program_name' => 'HND'], $schedule);
        $this->assertSame('created', $r['status']);
        $this->assertSame($student['id'], $r['student_id']);
        $this->assertSame(2, $r['installments_created']);
        $this->assertSame('Pending', $DB->get_field('local_mzi_registrations', 'registration_status', ['id' => $r['id']]));

        // Same data again: unchanged, installments untouched.
        $again = $this->registration('2026-01-01T10:00:00Z', ['total_fees' => 1000.0, 'program_name' => 'HND'], $schedule);
        $this->assertSame('unchanged', $again['status']);
        $this->assertSame(0, $again['installments_created'] + $again['installments_updated'] + $again['installments_deleted']);

        // New schedule: 1 paid, 2 removed, 3 added.
        $r2 = $this->registration('2026-01-05T10:00:00Z', [], [
            ['installment_number' => 1, 'status' => 'Paid', 'paid_date' => '2026-02-01'],
            ['installment_number' => 3, 'amount' => 250.0],
        ]);
        $this->assertSame('updated', $r2['status']);
        $this->assertSame([1, 1, 1], [$r2['installments_created'], $r2['installments_updated'], $r2['installments_deleted']]);
        $rows = $DB->get_records('local_mzi_installments', ['registration_id' => $r['id']], 'installment_number');
        $this->assertSame(['1', '3'], array_values(array_map(fn($i) => (string) $i->installment_number, $rows)));
        $this->assertSame('Paid', reset($rows)->status);
        $this->assertEquals(500, reset($rows)->amount);
        $this->assertEquals(1000, $DB->get_field('local_mzi_registrations', 'total_fees', ['id' => $r['id']]));

        // Omitting the list leaves the schedule alone; stale changes nothing.
        $this->assertSame('stale', $this->registration('2026-01-02T10:00:00Z', ['total_fees' => 1.0], [])['status']);
        $this->assertEquals(2, $DB->count_records('local_mzi_installments', ['registration_id' => $r['id']]));

        // Zoho's schedule lost all its rows: the flag empties the stored one (a form cannot send []).
        $cleared = $this->call('create_registration', ['zoho_registration_id' => '7001',
            'zoho_modified_time' => '2026-01-06T10:00:00Z', 'zoho_student_id' => '1001'], null, true);
        $this->assertSame('updated', $cleared['status']);
        $this->assertSame(2, $cleared['installments_deleted']);
        $this->assertEquals(0, $DB->count_records('local_mzi_installments', ['registration_id' => $r['id']]));

        // Delete twice.
        $this->assertSame('deleted', $this->call('delete_registration', '7001')['status']);
        $this->assertSame('Cancelled', $DB->get_field('local_mzi_registrations', 'registration_status', ['id' => $r['id']]));
        $this->assertSame('unchanged', $this->call('delete_registration', '7001')['status']);
        $this->assertSame('absent', $this->call('delete_registration', '7999')['status']);
    }

    public function test_duplicate_installment_numbers_rolled_back(): void {
        global $DB;
        $this->resetAfterTest();
        // The rollback under test must be real, not nested in the test framework's own transaction.
        $this->preventResetByRollback();
        $this->setAdminUser();
        $this->student('1001');
        try {
            $this->registration('2026-01-01T10:00:00Z', [], [['installment_number' => 1], ['installment_number' => 1]]);
            $this->fail('invalidinstallment expected');
        } catch (\moodle_exception $e) {
            $this->assertSame('invalidinstallment', $e->errorcode);
        }
        $this->assertEquals(0, $DB->count_records('local_mzi_registrations'));
    }

    public function test_payment_lifecycle(): void {
        global $DB;
        $this->resetAfterTest();
        $this->setAdminUser();
        $payment = ['zoho_payment_id' => '8001', 'zoho_modified_time' => '2026-01-01T10:00:00Z',
            'zoho_registration_id' => '7001', 'payment_amount' => 250.5, 'payment_method' => 'Cash'];
        $r = $this->call('record_payment', $payment);
        $this->assertSame('parent_missing', $r['status']);
        $this->assertSame('registration', $r['parent_entity']);
        $this->student('1001');
        $reg = $this->registration('2026-01-01T10:00:00Z');

        // Concurrent duplicate: another request stores the payment first.
        record_store::$beforeinsert = function($table, $field, $zohoid) use ($DB, $reg) {
            $DB->insert_record($table, (object) [$field => $zohoid, 'registration_id' => $reg['id'],
                'zoho_modified_time' => '2026-01-01T10:00:00Z']);
        };
        $r = $this->call('record_payment', $payment);
        record_store::$beforeinsert = null;
        $this->assertSame('updated', $r['status']);
        $this->assertSame($reg['id'], $r['registration_id']);
        $this->assertSame('unchanged', $this->call('record_payment', $payment)['status']);
        $this->assertSame('stale', $this->call('record_payment',
            ['zoho_modified_time' => '2025-12-31T10:00:00Z'] + $payment)['status']);
        $this->assertEquals(250.5, $DB->get_field('local_mzi_payments', 'payment_amount', ['id' => $r['id']]));
        $this->assertSame('updated', $this->call('record_payment',
            ['zoho_modified_time' => '2026-01-02T10:00:00Z', 'payment_amount' => 300.0] + $payment)['status']);

        $this->assertSame('deleted', $this->call('delete_payment', '8001')['status']);
        $this->assertSame('Voided', $DB->get_field('local_mzi_payments', 'payment_status', ['id' => $r['id']]));
        $this->assertSame('unchanged', $this->call('delete_payment', '8001')['status']);
        $this->assertSame('absent', $this->call('delete_payment', '8002')['status']);
    }

    public function test_capability_required(): void {
        $this->resetAfterTest();
        $this->assert_denied('create_registration', ['zoho_registration_id' => '1', 'zoho_modified_time' => '2026-01-01T00:00:00Z',
            'zoho_student_id' => '2'], null);
        $this->assert_denied('record_payment', ['zoho_payment_id' => '1', 'zoho_modified_time' => '2026-01-01T00:00:00Z',
            'zoho_registration_id' => '2']);
        $this->assert_denied('delete_registration', '1');
        $this->assert_denied('delete_payment', '1');
    }
}
