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

use local_moodle_zoho_sync\local\sync_exception;
use local_moodle_zoho_sync\local\ws;

/**
 * The stale guard of every entity: the newest Modified_Time wins whatever the order, and the read-compare-write of
 * a record happens only under that record's lock (PHPUnit runs in one process; the concurrent proof is the live
 * race test tests/reliability/tests/live_races.rs against a real Moodle).
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 * @covers     \local_moodle_zoho_sync\local\ws
 * @covers     \local_moodle_zoho_sync\local\record_store
 */
final class stale_guard_test extends \advanced_testcase {
    use sync_test_helper;

    protected function tearDown(): void {
        $this->set_lock_timeout(10);
        parent::tearDown();
    }

    /**
     * Sets how long a call waits for a record's lock (the property is absent from releases without record locks,
     * where this test must fail on its assertions, not on the set-up).
     *
     * @param int $seconds
     */
    private function set_lock_timeout(int $seconds): void {
        if (property_exists(ws::class, 'recordlocktimeout')) {
            ws::$recordlocktimeout = $seconds;
        }
    }

    /**
     * Per entity: the lock name's entity, the Zoho id, the table, its Zoho id column, the field that carries the
     * version, and a call that stores version $n with Modified_Time $time.
     *
     * @return array entity => [zohoid, table, zohofield, valuefield, callable(int $n, string $time): array]
     */
    private function entities(): array {
        return [
            'student' => ['1001', 'local_mzi_students', 'zoho_student_id', 'first_name',
                fn(int $n, string $time) => $this->student('1001', $time, ['first_name' => "v$n"])],
            'registration' => ['7001', 'local_mzi_registrations', 'zoho_registration_id', 'program_name',
                fn(int $n, string $time) => $this->call('create_registration', ['zoho_registration_id' => '7001',
                    'zoho_modified_time' => $time, 'zoho_student_id' => '1001', 'program_name' => "v$n"])],
            'payment' => ['8001', 'local_mzi_payments', 'zoho_payment_id', 'payment_method',
                fn(int $n, string $time) => $this->call('record_payment', ['zoho_payment_id' => '8001',
                    'zoho_modified_time' => $time, 'zoho_registration_id' => '7001', 'payment_method' => "v$n"])],
            'grade' => ['9001', 'local_mzi_grades', 'zoho_grade_id', 'grade_status',
                fn(int $n, string $time) => $this->call('submit_grade', ['zoho_grade_id' => '9001',
                    'zoho_modified_time' => $time, 'zoho_student_id' => '1001', 'grade_status' => "v$n"])],
            'request' => ['9501', 'local_mzi_requests', 'zoho_request_id', 'request_status',
                fn(int $n, string $time) => $this->call('update_request_status', ['zoho_request_id' => '9501',
                    'zoho_modified_time' => $time, 'zoho_student_id' => '1001', 'request_status' => "v$n"])],
            'enrollment' => ['6001', 'local_mzi_enrollments', 'zoho_enrollment_id', 'enrollment_type',
                fn(int $n, string $time) => $this->single_enrolment($this->call('update_enrollment', [[
                    'zoho_enrollment_id' => '6001', 'zoho_modified_time' => $time, 'zoho_student_id' => '1001',
                    'zoho_class_id' => '3001', 'enrollment_type' => "v$n"]]))],
        ];
    }

    /**
     * The one result of a one-item enrolment batch; a per-item failure is rethrown as it was.
     *
     * @param array $batch
     * @return array
     */
    private function single_enrolment(array $batch): array {
        $result = $batch['results'][0];
        if ($result['status'] === 'failed') {
            throw new sync_exception($result['errorcode'], $result['zoho_id']);
        }
        return $result;
    }

    /**
     * Modified_Time of version $n (later versions are later times; seconds and offsets vary).
     *
     * @param int $n
     * @return string
     */
    private function time_of(int $n): string {
        // Alternate the offset so the guard must compare instants, not strings.
        $utc = 1767261600 + 60 * $n;
        return $n % 2 ? gmdate('Y-m-d\TH:i:s', $utc + 3 * 3600) . '+03:00' : gmdate('Y-m-d\TH:i:s', $utc) . 'Z';
    }

    /**
     * The parents every entity needs (student, registration, class).
     */
    private function parents(): void {
        $this->student('1001');
        $this->call('create_registration', ['zoho_registration_id' => '7001', 'zoho_modified_time' => '2026-01-01T10:00:00+03:00',
            'zoho_student_id' => '1001']);
        $this->sclass('3001', ['class_name' => 'Guard class']);
    }

    public function test_shuffled_modified_time_leaves_the_newest_values_for_every_entity(): void {
        global $DB;
        $this->resetAfterTest();
        $this->set_sync_user();
        $this->parents();
        mt_srand(19);
        foreach ($this->entities() as $entity => [$zohoid, $table, $zohofield, $valuefield, $store]) {
            for ($round = 0; $round < 3; $round++) {
                $versions = range(1 + 20 * $round, 20 + 20 * $round);
                shuffle($versions);
                $newest = max($versions);
                foreach ($versions as $n) {
                    $store($n, $this->time_of($n));
                }
                $row = $DB->get_record($table, [$zohofield => $zohoid], '*', MUST_EXIST);
                $this->assertSame("v$newest", $row->$valuefield, "$entity round $round: " . implode(',', $versions));
                // A delivery of any older version afterwards changes nothing.
                $older = $versions[0] === $newest ? $versions[1] : $versions[0];
                $this->assertSame('stale', $store($older, $this->time_of($older))['status'], $entity);
                $this->assertSame("v$newest", $DB->get_field($table, $valuefield, [$zohofield => $zohoid]), $entity);
            }
        }
    }

    public function test_every_entity_compares_and_writes_only_under_its_record_lock(): void {
        global $CFG, $DB;
        $this->resetAfterTest();
        $this->set_sync_user();
        $this->parents();
        // File locks conflict between two handles of one process, so this test can hold a record's lock itself while
        // it calls the web service, as a concurrent request would. (PostgreSQL advisory locks are re-entrant within
        // one session and could not show it.)
        $CFG->lock_factory = '\core\lock\file_lock_factory';
        $this->set_lock_timeout(0);
        $factory = \core\lock\lock_config::get_lock_factory('local_moodle_zoho_sync');
        foreach ($this->entities() as $entity => [$zohoid, $table, $zohofield, $valuefield, $store]) {
            $store(1, $this->time_of(1));
            $lock = $factory->get_lock($entity . '_' . $zohoid, 0);
            $this->assertNotFalse($lock, $entity);
            try {
                $store(2, $this->time_of(2));
                $this->fail("$entity: the call must wait for the record's lock, not read and write around it");
            } catch (sync_exception $e) {
                $this->assertSame('locktimeout', $e->errorcode, $entity);
            } finally {
                $lock->release();
            }
            $this->assertSame('v1', $DB->get_field($table, $valuefield, [$zohofield => $zohoid]), $entity);
            $this->assertSame('updated', $store(2, $this->time_of(2))['status'], $entity);
            $this->assertSame('v2', $DB->get_field($table, $valuefield, [$zohofield => $zohoid]), $entity);
        }
    }
}
