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

use local_moodle_zoho_sync\local\dashboard_data;
use local_moodle_zoho_sync\local\old_tables;
use local_moodle_zoho_sync\local\predecessor_takeover;

/**
 * Taking over a site of the predecessor plugin, release 2026022600: its schema (tests/fixtures, from its install.xml as
 * docs data-contract.md §7.4 describes it) and rows are installed, the real upgrade function runs, and the result is
 * compared with what was there.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 * @covers     \local_moodle_zoho_sync\local\predecessor_takeover
 * @covers     \local_moodle_zoho_sync\local\old_tables
 * @covers     \local_moodle_zoho_sync\local\schema_upgrader
 */
final class takeover_test extends \advanced_testcase {
    /** @var string[] files this test created in the plugin folder, removed in tearDown */
    private $createdfiles = [];

    /** The predecessor's schema (its install.xml as data-contract.md §7.4 describes it). */
    const PREDECESSOR_XML = __DIR__ . '/fixtures/predecessor_2026022600_install.xml';

    protected function tearDown(): void {
        global $DB;
        foreach ($this->createdfiles as $file) {
            @unlink($file);
        }
        // Whatever happened, leave the plugin's tables as a fresh install has them and no old table behind, so that
        // the test site's reset and the next tests work.
        \local_moodle_zoho_sync\local\schema_upgrader::run();
        foreach (old_tables::TABLES as $table) {
            if ($DB->get_manager()->table_exists($table)) {
                $DB->get_manager()->drop_table(new \xmldb_table($table));
            }
        }
        parent::tearDown();
    }

    /**
     * A loaded XMLDB file (by its real path, which XMLDB compares with the PATH attribute).
     *
     * @param string $file
     * @return \xmldb_structure
     */
    private function structure(string $file): \xmldb_structure {
        global $CFG;
        require_once($CFG->libdir . '/ddllib.php');
        $xmldb = new \xmldb_file(realpath($file));
        $this->assertTrue($xmldb->loadXMLStructure(), $file);
        return $xmldb->getStructure();
    }

    /**
     * Replaces the plugin's tables by the predecessor's, as a fresh 2026022600 install has them.
     */
    private function install_predecessor(): void {
        global $CFG, $DB;
        require_once($CFG->libdir . '/ddllib.php');
        require_once($CFG->libdir . '/upgradelib.php');
        $dbman = $DB->get_manager();
        foreach ([__DIR__ . '/../db/install.xml', self::PREDECESSOR_XML] as $file) {
            foreach ($this->structure($file)->getTables() as $table) {
                if ($dbman->table_exists($table->getName())) {
                    $dbman->drop_table(new \xmldb_table($table->getName()));
                }
            }
        }
        foreach ($this->structure(self::PREDECESSOR_XML)->getTables() as $table) {
            $dbman->create_table($table);
        }
        // XMLDB warns about the old schema's CHAR NOT NULL DEFAULT '' columns while creating it, as it did then.
        $this->resetDebugging();
        set_config('version', 2026022600, 'local_moodle_zoho_sync');
    }

    /**
     * Rows as the predecessor wrote them: live records, records its delete functions soft-deleted by status, grades
     * whose letter is only inside btec_grade_name, and rows in tables this plugin does not use.
     *
     * @return array name => local id
     */
    private function predecessor_rows(): array {
        global $DB;
        $gen = $this->getDataGenerator();
        $ana = $gen->create_user(['username' => 'ana', 'email' => 'ana@college.example']);
        $gone = $gen->create_user();
        $t = ['created_at' => 1771000000, 'updated_at' => 1771000000, 'synced_at' => 1771000000];
        $ids = [];
        $ids['ana'] = $DB->insert_record('local_mzi_students', $t + ['moodle_user_id' => $ana->id,
            'zoho_student_id' => '5398830000000005001', 'student_id' => 'S1001', 'first_name' => 'Ana', 'last_name' => 'Student',
            'academic_email' => 'ana@college.example', 'status' => 'Active', 'national_id' => '2990101']);
        $ids['gone'] = $DB->insert_record('local_mzi_students', $t + ['moodle_user_id' => $gone->id,
            'zoho_student_id' => '5398830000000005002', 'first_name' => 'Gone', 'status' => 'Deleted']);
        $ids['reg'] = $DB->insert_record('local_mzi_registrations', $t + ['student_id' => $ids['ana'],
            'zoho_registration_id' => '5398830000000006001', 'program_name' => 'HND Computing', 'registration_status' => 'Active',
            'total_fees' => 4200.50]);
        $ids['regcancelled'] = $DB->insert_record('local_mzi_registrations', $t + ['student_id' => $ids['ana'],
            'zoho_registration_id' => '5398830000000006002', 'program_name' => 'Old programme',
            'registration_status' => 'Cancelled']);
        $DB->insert_record('local_mzi_installments', ['registration_id' => $ids['reg'], 'installment_number' => 1,
            'due_date' => '2026-01-15', 'amount' => 2100.25, 'status' => 'Paid', 'created_at' => 1, 'updated_at' => 1]);
        $ids['pay'] = $DB->insert_record('local_mzi_payments', $t + ['registration_id' => $ids['reg'],
            'zoho_payment_id' => '5398830000000007001', 'payment_amount' => 2100.25, 'payment_status' => 'Confirmed']);
        $ids['payvoided'] = $DB->insert_record('local_mzi_payments', $t + ['registration_id' => $ids['reg'],
            'zoho_payment_id' => '5398830000000007002', 'payment_amount' => 99, 'payment_status' => 'Voided']);
        $ids['class'] = $DB->insert_record('local_mzi_classes', $t + ['zoho_class_id' => '5398830000000008001',
            'class_name' => 'Networking L5', 'class_status' => 'Active', 'moodle_class_id' => '']);
        $ids['classcancelled'] = $DB->insert_record('local_mzi_classes', $t + ['zoho_class_id' => '5398830000000008002',
            'class_name' => 'Dropped class', 'class_status' => 'Cancelled']);
        $ids['enrol'] = $DB->insert_record('local_mzi_enrollments', $t + ['student_id' => $ids['ana'],
            'class_id' => $ids['class'], 'zoho_enrollment_id' => '5398830000000009001', 'enrollment_status' => 'Active']);
        $ids['enrolwithdrawn'] = $DB->insert_record('local_mzi_enrollments', $t + ['student_id' => $ids['ana'],
            'class_id' => $ids['classcancelled'], 'zoho_enrollment_id' => '5398830000000009002',
            'enrollment_status' => 'Withdrawn']);
        $grades = ['gradem' => 'Ana Student - Networking L5 - M - 2026-02-10', 'graderr' => 'RR',
            'graded' => 'Ana Student - Security - Distinction - 2026-02-11', 'gradenone' => 'Ana Student - Networking L5'];
        $n = 1;
        foreach ($grades as $name => $btecname) {
            $ids[$name] = $DB->insert_record('local_mzi_grades', $t + ['student_id' => $ids['ana'], 'class_id' => $ids['class'],
                'zoho_grade_id' => '539883000000000910' . $n++, 'btec_grade_name' => $btecname, 'numeric_grade' => 0,
                'grade_status' => 'Released']);
        }
        $ids['request'] = $DB->insert_record('local_mzi_requests', $t + ['student_id' => $ids['ana'],
            'zoho_request_id' => '5398830000000009201', 'request_type' => 'Student Card', 'request_status' => 'Pending']);
        $ids['requestcancelled'] = $DB->insert_record('local_mzi_requests', $t + ['student_id' => $ids['ana'],
            'zoho_request_id' => '5398830000000009202', 'request_type' => 'Class Drop', 'request_status' => 'Cancelled']);
        $DB->insert_record('local_mzi_teachers', $t + ['zoho_teacher_id' => '5398830000000009301', 'teacher_name' => 'T One',
            'academic_email' => 'teacher1@college.example', 'zoho_modified_time' => '2026-02-01T10:00:00+03:00']);
        $DB->insert_record('local_mzi_btec_templates', ['definition_id' => 7, 'zoho_unit_id' => '5398830000000009401',
            'unit_name' => 'Networking', 'synced_at' => 1771000000]);
        foreach (['student_updated', 'payment_deleted'] as $module) {
            $DB->insert_record('local_mzi_webhook_logs', ['module' => $module, 'zoho_record_id' => '5398830000000005001',
                'operation' => 'sync', 'processed' => 1, 'created_at' => 1771000000]);
        }
        $DB->insert_record('local_mzi_event_log', ['event_id' => '0b3c2d55-1111-4222-8333-944455556666',
            'event_type' => 'user_created', 'event_data' => "{\"userid\":2,\n\"name\":\"Ana\"}", 'timecreated' => 1,
            'timemodified' => 1]);
        $DB->insert_record('local_mzi_config', ['config_key' => 'backend_url', 'config_value' => 'https://old.example/api',
            'timemodified' => 1]);
        foreach (['Enroll Next Semester', 'Class Drop', 'Late Submission', 'Change Information', 'Student Card'] as $type) {
            $DB->insert_record('local_mzi_request_windows', ['request_type' => $type, 'enabled' => 1]);
        }
        $DB->insert_record('local_mzi_sync_status', ['module' => 'BTEC_Students', 'total_records' => 2]);
        return $ids + ['anauserid' => (int) $ana->id];
    }

    /**
     * Every row of the predecessor's tables, keyed by table and id, with the predecessor's columns only.
     *
     * @return array
     */
    private function snapshot(): array {
        global $DB;
        $rows = [];
        foreach ($this->structure(self::PREDECESSOR_XML)->getTables() as $table) {
            $columns = array_map(fn($f) => $f->getName(), $table->getFields());
            foreach ($DB->get_records($table->getName(), null, 'id', implode(',', $columns)) as $id => $row) {
                $rows[$table->getName()][$id] = array_map(fn($v) => $v === null ? null : (string) $v, (array) $row);
            }
        }
        return $rows;
    }

    /**
     * Schema problems of the plugin's tables against all install.xml files, as admin/cli/check_database_schema.php
     * reports them.
     *
     * @return array table => problems
     */
    private function schema_problems(): array {
        global $DB;
        $dbman = $DB->get_manager();
        $problems = $dbman->check_database_schema($dbman->get_install_xml_schema());
        return array_filter($problems, fn($table) => strpos($table, 'local_mzi_') === 0, ARRAY_FILTER_USE_KEY);
    }

    public function test_upgrade_from_2026022600_keeps_rows_migrates_letters_and_soft_deletes(): void {
        global $CFG, $DB;
        $this->resetAfterTest();
        $this->preventResetByRollback();
        $this->install_predecessor();
        $ids = $this->predecessor_rows();
        $before = $this->snapshot();

        require_once($CFG->dirroot . '/local/moodle_zoho_sync/db/upgrade.php');
        ob_start();
        $this->assertTrue(xmldb_local_moodle_zoho_sync_upgrade(2026022600));
        $output = ob_get_clean();

        // Every row and every value of the predecessor is kept.
        $this->assertEquals($before, $this->snapshot());

        // BTEC letters from btec_grade_name; a name without a letter leaves the grade empty.
        $letters = $DB->get_records_menu('local_mzi_grades', null, 'id', 'id, grade');
        $this->assertSame('M', $letters[$ids['gradem']]);
        $this->assertSame('RR', $letters[$ids['graderr']]);
        $this->assertSame('D', $letters[$ids['graded']]);
        $this->assertEmpty($letters[$ids['gradenone']]);

        // Rows soft-deleted by status stay deleted; the others stay live.
        $expect = [
            'local_mzi_students' => [$ids['ana'] => 0, $ids['gone'] => 1],
            'local_mzi_registrations' => [$ids['reg'] => 0, $ids['regcancelled'] => 1],
            'local_mzi_payments' => [$ids['pay'] => 0, $ids['payvoided'] => 1],
            'local_mzi_classes' => [$ids['class'] => 0, $ids['classcancelled'] => 1],
            'local_mzi_enrollments' => [$ids['enrol'] => 0, $ids['enrolwithdrawn'] => 1],
            'local_mzi_requests' => [$ids['request'] => 0, $ids['requestcancelled'] => 1],
        ];
        foreach ($expect as $table => $rows) {
            $this->assertEquals($rows, $DB->get_records_menu($table, null, 'id', 'id, deleted'), $table);
        }
        $this->assertStringContainsString('3 BTEC letter(s) filled', $output);
        $this->assertStringContainsString('6 row(s) it had soft-deleted', $output);

        // "My studies" of the student: letters shown, the voided payment and the cancelled records hidden.
        $studies = dashboard_data::assemble($ids['anauserid'], 1772000000);
        $this->assertEqualsCanonicalizing(['M', 'RR', 'D', ''], array_column($studies['grades'], 'letter'));
        $payments = [];
        foreach ($studies['registrations'] as $registration) {
            foreach ($registration->payments ?? [] as $payment) {
                $payments[] = $payment->payment_status;
            }
        }
        $this->assertNotContains('Voided', $payments);
        $this->assertNotContains('Cancelled', array_column($studies['requests'], 'request_status'));

        // The upgrade reached this release.
        $plugin = new \stdClass();
        require($CFG->dirroot . '/local/moodle_zoho_sync/version.php');
        $this->assertEquals($plugin->version, get_config('local_moodle_zoho_sync', 'version'));

        // Our own db/events.php: no observer of this plugin is registered.
        foreach (\core\event\manager::get_all_observers() as $observers) {
            foreach ($observers as $observer) {
                $component = ($observer->plugintype ?? '') . '_' . ($observer->plugin ?? '');
                $this->assertNotSame('local_moodle_zoho_sync', $component, json_encode($observer));
            }
        }

        // The plugin's own tables match a fresh install; only the 8 unused old tables are reported.
        $problems = $this->schema_problems();
        $this->assertEqualsCanonicalizing(old_tables::TABLES, array_keys($problems), json_encode($problems));
        $this->assertStringContainsString('retire_old_tables.php', $output);

        // Retire them (backup, drop): the schema check is clean. Restore: they are back with every row.
        $dir = make_request_directory();
        $retired = old_tables::retire($dir);
        $this->assertEquals(['local_mzi_webhook_logs' => 2, 'local_mzi_event_log' => 1, 'local_mzi_sync_history' => 0,
            'local_mzi_config' => 1, 'local_mzi_grade_queue' => 0, 'local_mzi_grade_ack' => 0, 'local_mzi_sync_status' => 1,
            'local_mzi_request_windows' => 5], $retired);
        $this->assertSame([], $this->schema_problems());
        $this->assertSame([], old_tables::present());
        old_tables::restore($dir);
        $this->assertEquals($before, $this->snapshot());
        $this->assertGreaterThan(max(array_keys($before['local_mzi_request_windows'])),
            $DB->insert_record('local_mzi_request_windows', ['request_type' => 'New type', 'enabled' => 1]));
        // The first backup is never overwritten.
        $this->expectException(\moodle_exception::class);
        old_tables::retire($dir);
    }

    public function test_upgrade_refuses_while_old_files_are_in_the_folder(): void {
        global $CFG, $DB;
        $this->resetAfterTest();
        $this->preventResetByRollback();
        $folder = $CFG->dirroot . '/local/moodle_zoho_sync';
        if (!is_writable($folder)) {
            $this->markTestSkipped("$folder is not writable, so no old file can be put in it");
        }
        $this->install_predecessor();
        $this->predecessor_rows();
        // What copying our folder over the old one leaves: its admin pages, its observer class, its notes.
        foreach (['BUILD_COMPLETE.md', 'classes/observer.php'] as $path) {
            $this->assertFalse(file_exists("$folder/$path"), $path);
            $this->createdfiles[] = "$folder/$path";
            file_put_contents("$folder/$path", "<?php\n// Left by the previous plugin.\n");
        }

        require_once($CFG->dirroot . '/local/moodle_zoho_sync/db/upgrade.php');
        try {
            xmldb_local_moodle_zoho_sync_upgrade(2026022600);
            $this->fail('The upgrade must refuse while old files are in the folder');
        } catch (\moodle_exception $e) {
            $this->assertSame('predecessorfilespresent', $e->errorcode);
            $this->assertStringContainsString('2 file(s) of the previous Moodle-Zoho plugin', $e->getMessage());
            $this->assertStringContainsString('BUILD_COMPLETE.md, classes/observer.php', $e->getMessage());
        }
        $this->assertSame(['BUILD_COMPLETE.md', 'classes/observer.php'], predecessor_takeover::old_files_present($folder));
        // Nothing was changed.
        $this->assertEquals(2026022600, get_config('local_moodle_zoho_sync', 'version'));
        $this->assertFalse($DB->get_manager()->field_exists('local_mzi_grades', 'grade'));

        // Once the old files are gone, the upgrade runs.
        foreach ($this->createdfiles as $file) {
            unlink($file);
        }
        $this->createdfiles = [];
        ob_start();
        $this->assertTrue(xmldb_local_moodle_zoho_sync_upgrade(2026022600));
        ob_end_clean();
        $this->assertTrue($DB->get_manager()->field_exists('local_mzi_grades', 'grade'));
    }

    public function test_letter_of_old_btec_grade_names(): void {
        $this->assertSame('M', predecessor_takeover::letter_of('Ana Student - Networking L5 - M - 2026-02-10'));
        $this->assertSame('RR', predecessor_takeover::letter_of('Ana - Course - RR - 2026-03-01'));
        $this->assertSame('P', predecessor_takeover::letter_of(' p '));
        $this->assertSame('F', predecessor_takeover::letter_of('Ana - Course - Fail - 2026'));
        $this->assertSame('Mapped', predecessor_takeover::letter_of('Ana - Course - Mapped - 2026'));
        $this->assertSame('', predecessor_takeover::letter_of('Merit Academy Course'));
        $this->assertSame('', predecessor_takeover::letter_of(null));
    }
}
