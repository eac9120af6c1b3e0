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

use local_moodle_zoho_sync\local\course_policy;

/**
 * The categories a Zoho record may place a class's course in.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 * @covers     \local_moodle_zoho_sync\local\course_policy
 * @covers     \local_moodle_zoho_sync\local\class_sync
 */
final class category_policy_test extends \advanced_testcase {
    use sync_test_helper;

    public function test_a_zoho_record_cannot_move_a_course_into_any_category(): void {
        global $DB;
        $this->resetAfterTest();
        $this->setAdminUser();
        $gen = $this->getDataGenerator();
        $programmes = $gen->create_category(['name' => 'Programmes']);
        $it = $gen->create_category(['name' => 'IT', 'parent' => $programmes->id]);
        $other = $gen->create_category(['name' => 'Other department', 'visible' => 0]);
        set_config('coursecategories', (string) $programmes->id, 'local_moodle_zoho_sync');
        $default = course_policy::placement_categories();

        // A category outside the sync's: a new course goes to the default category, with a warning.
        $r = $this->sclass('7701', ['class_name' => 'C', 'class_short_name' => 'C7701'], true, 0, (int) $other->id);
        $this->assertSame('created', $r['course_action']);
        $this->assertStringContainsString(get_string('warningcategorynotallowed', 'local_moodle_zoho_sync', $other->id),
            $r['message']);
        $course = $DB->get_record('course', ['id' => $r['course_id']]);
        $this->assertNotEquals($other->id, $course->category);
        $this->assertEquals(\local_moodle_zoho_sync\local\class_sync::default_category(), $course->category);

        // A listed category and its subcategories are used; then an update to the other department leaves it there.
        $r = $this->call('create_class', ['zoho_class_id' => '7701', 'zoho_modified_time' => '2026-01-02T10:00:00Z'], false, 0,
            (int) $it->id);
        $this->assertEquals($it->id, $DB->get_field('course', 'category', ['id' => $r['course_id']]));
        $r = $this->call('create_class', ['zoho_class_id' => '7701', 'zoho_modified_time' => '2026-01-03T10:00:00Z'], false, 0,
            (int) $other->id);
        $this->assertEquals($it->id, $DB->get_field('course', 'category', ['id' => $r['course_id']]));
        $this->assertStringContainsString(get_string('warningcategorynotallowed', 'local_moodle_zoho_sync', $other->id),
            $r['message']);
        $this->assertEquals(1, $DB->get_field('course', 'visible', ['id' => $r['course_id']]), 'Still visible to students.');

        // A category that already holds a course of the sync (an administrator put it there) is one of the sync's.
        $this->assertFalse(course_policy::category_allowed((int) $other->id));
        $gen->create_course(['category' => $other->id, 'idnumber' => 'zoho-class-7799']);
        $this->assertTrue(course_policy::category_allowed((int) $other->id));
        $this->assertNotEmpty($default);
    }
}
