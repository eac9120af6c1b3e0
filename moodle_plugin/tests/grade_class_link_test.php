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

/**
 * A grade that arrives before its class is linked to the class when the class arrives.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 * @covers     \local_moodle_zoho_sync\local\class_sync
 * @covers     \local_moodle_zoho_sync\local\dashboard_sync
 */
final class grade_class_link_test extends \advanced_testcase {
    use sync_test_helper;

    public function test_a_grade_sent_before_its_class_is_linked_when_the_class_arrives(): void {
        global $DB;
        $this->resetAfterTest();
        $this->setAdminUser();
        $this->student('7401', '2026-01-01T10:00:00Z');
        $grade = ['zoho_grade_id' => '7501', 'zoho_modified_time' => '2026-01-02T10:00:00Z', 'zoho_student_id' => '7401',
            'zoho_class_id' => '7601', 'grade' => 'M'];
        $this->assertSame(0, $this->call('submit_grade', $grade)['class_id']);
        // Another class's grade and a grade already linked stay as they are.
        $other = ['zoho_grade_id' => '7502', 'zoho_class_id' => '7602'] + $grade;
        $this->call('submit_grade', $other);

        $class = $this->sclass('7601', ['class_name' => 'Late', 'class_short_name' => 'L7601']);
        $this->assertEquals($class['id'], $DB->get_field('local_mzi_grades', 'class_id', ['zoho_grade_id' => '7501']));
        $this->assertNull($DB->get_field('local_mzi_grades', 'class_id', ['zoho_grade_id' => '7502']));
        // "My studies" names the class of the grade.
        $user = $this->getDataGenerator()->create_user();
        $DB->set_field('local_mzi_students', 'moodle_user_id', $user->id, ['zoho_student_id' => '7401']);
        $data = local\dashboard_data::assemble((int) $user->id, time());
        $this->assertSame('Late', array_column($data['grades'], 'class_name', 'zoho_grade_id')['7501']);
    }
}
