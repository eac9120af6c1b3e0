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

use local_moodle_zoho_sync\local\schema_upgrader;

/**
 * Upgrade from the previous release's schema (fresh-install shape of 2026022600), keeping the rows.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 * @covers     \local_moodle_zoho_sync\local\schema_upgrader
 */
final class upgrade_test extends \advanced_testcase {
    /**
     * Replaces a table by a predecessor-shaped one.
     *
     * @param \xmldb_table $table
     */
    private function replace_table(\xmldb_table $table): void {
        global $DB;
        $dbman = $DB->get_manager();
        if ($dbman->table_exists($table->getName())) {
            $dbman->drop_table(new \xmldb_table($table->getName()));
        }
        $dbman->create_table($table);
    }

    public function test_upgrade_from_predecessor_keeps_rows(): void {
        global $DB;
        $this->resetAfterTest();
        $this->preventResetByRollback();
        $dbman = $DB->get_manager();

        // Students as installed by 2026022600: moodle_user_id NOT NULL with a unique index, no academic fixes.
        $students = new \xmldb_table('local_mzi_students');
        $students->add_field('id', XMLDB_TYPE_INTEGER, '10', null, XMLDB_NOTNULL, XMLDB_SEQUENCE);
        $students->add_field('moodle_user_id', XMLDB_TYPE_INTEGER, '10', null, XMLDB_NOTNULL);
        $students->add_field('zoho_student_id', XMLDB_TYPE_CHAR, '20', null, XMLDB_NOTNULL);
        $students->add_field('first_name', XMLDB_TYPE_CHAR, '255');
        $students->add_field('email', XMLDB_TYPE_CHAR, '100');
        $students->add_field('academic_email', XMLDB_TYPE_CHAR, '100');
        $students->add_field('created_at', XMLDB_TYPE_INTEGER, '10', null, XMLDB_NOTNULL, null, '0');
        $students->add_key('primary', XMLDB_KEY_PRIMARY, ['id']);
        $students->add_index('zoho_student_id_idx', XMLDB_INDEX_UNIQUE, ['zoho_student_id']);
        $students->add_index('moodle_user_id_idx', XMLDB_INDEX_UNIQUE, ['moodle_user_id']);
        $this->replace_table($students);

        // Requests of 914a87b: non-unique zoho_request_id index, no request_date, with a duplicate row.
        $requests = new \xmldb_table('local_mzi_requests');
        $requests->add_field('id', XMLDB_TYPE_INTEGER, '10', null, XMLDB_NOTNULL, XMLDB_SEQUENCE);
        $requests->add_field('student_id', XMLDB_TYPE_INTEGER, '10', null, XMLDB_NOTNULL);
        $requests->add_field('zoho_request_id', XMLDB_TYPE_CHAR, '20');
        $requests->add_field('request_status', XMLDB_TYPE_CHAR, '20');
        $requests->add_key('primary', XMLDB_KEY_PRIMARY, ['id']);
        $requests->add_index('zoho_request_id_idx', XMLDB_INDEX_NOTUNIQUE, ['zoho_request_id']);
        $this->replace_table($requests);

        // Grades of a fresh install: class_id NOT NULL with a foreign key.
        $grades = new \xmldb_table('local_mzi_grades');
        $grades->add_field('id', XMLDB_TYPE_INTEGER, '10', null, XMLDB_NOTNULL, XMLDB_SEQUENCE);
        $grades->add_field('student_id', XMLDB_TYPE_INTEGER, '10', null, XMLDB_NOTNULL);
        $grades->add_field('class_id', XMLDB_TYPE_INTEGER, '10', null, XMLDB_NOTNULL);
        $grades->add_field('zoho_grade_id', XMLDB_TYPE_CHAR, '20', null, XMLDB_NOTNULL);
        $grades->add_field('btec_grade_name', XMLDB_TYPE_CHAR, '50');
        $grades->add_field('numeric_grade', XMLDB_TYPE_NUMBER, '5', null, null, null, null, null, 2);
        $grades->add_key('primary', XMLDB_KEY_PRIMARY, ['id']);
        $grades->add_key('class_fk', XMLDB_KEY_FOREIGN, ['class_id'], 'local_mzi_classes', ['id']);
        $grades->add_index('zoho_grade_id_idx', XMLDB_INDEX_UNIQUE, ['zoho_grade_id']);
        $grades->add_index('btec_grade_name_idx', XMLDB_INDEX_NOTUNIQUE, ['btec_grade_name']);
        $this->replace_table($grades);

        // A table of the old release we no longer use, and one we use that is missing.
        $logs = new \xmldb_table('local_mzi_webhook_logs');
        $logs->add_field('id', XMLDB_TYPE_INTEGER, '10', null, XMLDB_NOTNULL, XMLDB_SEQUENCE);
        $logs->add_field('module', XMLDB_TYPE_CHAR, '100', null, XMLDB_NOTNULL);
        $logs->add_key('primary', XMLDB_KEY_PRIMARY, ['id']);
        $this->replace_table($logs);
        $dbman->drop_table(new \xmldb_table('local_mzi_teachers'));

        $user = $this->getDataGenerator()->create_user();
        $DB->insert_record('local_mzi_students', ['moodle_user_id' => $user->id, 'zoho_student_id' => '1',
            'first_name' => 'Kept', 'email' => 'a@college.edu']);
        $DB->insert_record('local_mzi_requests', ['student_id' => 1, 'zoho_request_id' => 'R1', 'request_status' => 'old']);
        $DB->insert_record('local_mzi_requests', ['student_id' => 1, 'zoho_request_id' => 'R1', 'request_status' => 'new']);
        $DB->insert_record('local_mzi_grades', ['student_id' => 1, 'class_id' => 5, 'zoho_grade_id' => 'G1',
            'btec_grade_name' => 'Unit', 'numeric_grade' => 0]);
        $DB->insert_record('local_mzi_webhook_logs', ['module' => 'student_updated']);

        schema_upgrader::run();
        // Running it again is harmless.
        schema_upgrader::run();

        $columns = $DB->get_columns('local_mzi_students', false);
        $this->assertFalse($columns['moodle_user_id']->not_null);
        $this->assertArrayHasKey('deleted', $columns);
        $this->assertArrayHasKey('zoho_modified_time', $columns);
        $this->assertFalse($DB->get_columns('local_mzi_grades', false)['class_id']->not_null);
        $this->assertEquals(255, $DB->get_columns('local_mzi_grades', false)['btec_grade_name']->max_length);
        $this->assertArrayHasKey('grade', $DB->get_columns('local_mzi_grades', false));
        $this->assertArrayHasKey('request_date', $DB->get_columns('local_mzi_requests', false));
        $this->assertTrue($dbman->table_exists('local_mzi_teachers'));
        $this->assertTrue($dbman->table_exists('local_mzi_webhook_logs'));

        $uniques = [];
        foreach (['local_mzi_students', 'local_mzi_requests'] as $t) {
            foreach ($DB->get_indexes($t) as $index) {
                $uniques[$t][implode(',', $index['columns'])] = !empty($index['unique']);
            }
        }
        $this->assertTrue($uniques['local_mzi_students']['moodle_user_id'], 'One Moodle account, one student.');
        $this->assertTrue($uniques['local_mzi_students']['zoho_student_id']);
        $this->assertTrue($uniques['local_mzi_requests']['zoho_request_id']);

        // Rows kept (one duplicate Zoho request collapsed to its newest row); new rows may have no Moodle user.
        $this->assertSame('Kept', $DB->get_field('local_mzi_students', 'first_name', ['zoho_student_id' => '1']));
        $this->assertSame('new', $DB->get_field('local_mzi_requests', 'request_status', ['zoho_request_id' => 'R1']));
        $this->assertEquals(1, $DB->count_records('local_mzi_webhook_logs'));
        $DB->insert_record('local_mzi_students', ['zoho_student_id' => '2']);
        $DB->insert_record('local_mzi_grades', ['student_id' => 1, 'zoho_grade_id' => 'G2']);
        $this->assertEquals(2, $DB->count_records('local_mzi_grades'));

        $dbman->drop_table(new \xmldb_table('local_mzi_webhook_logs'));
    }
}
