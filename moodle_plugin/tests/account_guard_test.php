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
 * Accounts a Zoho edit must never reach: the guest account and site administrators as students or teachers, a
 * student as the teacher of a class, and a teacher's own course access through a student record that resolves to the
 * teacher.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 * @covers     \local_moodle_zoho_sync\local\user_resolver
 * @covers     \local_moodle_zoho_sync\local\enrolment_manager
 * @covers     \local_moodle_zoho_sync\local\enrolment_sync
 * @covers     \local_moodle_zoho_sync\local\dashboard_sync
 */
final class account_guard_test extends \advanced_testcase {
    use sync_test_helper;

    /**
     * Sends one enrolment and returns its item result.
     *
     * @param string $enrolmentid
     * @param string $studentid
     * @param string $classid
     * @param string $status
     * @param string $time
     * @return array
     */
    private function enrol(string $enrolmentid, string $studentid, string $classid, string $status = 'Active',
            string $time = '2026-01-01T10:00:00Z'): array {
        return $this->call('update_enrollment', [['zoho_enrollment_id' => $enrolmentid, 'zoho_modified_time' => $time,
            'zoho_student_id' => $studentid, 'zoho_class_id' => $classid, 'enrollment_status' => $status]])['results'][0];
    }

    /**
     * Role shortnames a user holds in a course.
     *
     * @param int $userid
     * @param int $courseid
     * @return string[]
     */
    private function roles(int $userid, int $courseid): array {
        $roles = array_map(fn($r) => $r->shortname, get_user_roles(\context_course::instance($courseid), $userid, false));
        sort($roles);
        return array_values($roles);
    }

    public function test_the_guest_account_is_never_a_student_or_a_teacher(): void {
        global $DB;
        $this->resetAfterTest();
        $this->preventResetByRollback();
        $this->setAdminUser();
        $guest = guest_user();
        // Some sites give the guest account a real-looking address; it must still never be found.
        $DB->set_field('user', 'email', 'guest@college.edu', ['id' => $guest->id]);
        $class = $this->sclass('7100', ['class_name' => 'G', 'class_short_name' => 'G7100'], true);
        $context = \context_course::instance($class['course_id']);

        // Zoho's student number "Guest" (lower-cased, the guest's username) and the guest's e-mail: nobody.
        $this->student('7001', '2026-01-01T10:00:00Z', ['student_id' => 'Guest']);
        $item = $this->enrol('7201', '7001', '7100');
        $this->assertSame(['none', 'user_not_found', 0], [$item['user_tier'], $item['enrol_action'], $item['moodle_user_id']]);
        $this->student('7002', '2026-01-01T10:00:00Z', ['academic_email' => 'guest@college.edu']);
        $this->assertSame('user_not_found', $this->enrol('7202', '7002', '7100')['enrol_action']);
        $this->assertSame(0, $this->student('7003', '2026-01-01T10:00:00Z', ['moodle_user_id' => $guest->id])['moodle_user_id']);
        $this->assertFalse($DB->record_exists('user_enrolments', ['userid' => $guest->id]),
            'Enrolled, the guest account would let every visitor who logs in as guest into the course.');

        // Nor the class teacher, nor a teacher record's account.
        $r = $this->sclass('7100', ['class_name' => 'G', 'class_short_name' => 'G7100',
            'teacher_email' => 'guest@college.edu']);
        $this->assertSame(['not_found', 0], [$r['teacher_status'], $r['teacher_user_id']]);
        $this->assertSame([], $this->roles((int) $guest->id, $class['course_id']));
        $t = $this->call('sync_teacher', ['zoho_teacher_id' => '7301', 'zoho_modified_time' => '2026-01-01T10:00:00Z',
            'academic_email' => 'guest@college.edu']);
        $this->assertSame(0, $t['moodle_user_id']);
        $this->assertFalse(is_enrolled($context, $guest));
    }

    public function test_a_site_administrator_is_never_linked_to_a_student(): void {
        global $CFG, $DB;
        $this->resetAfterTest();
        $this->preventResetByRollback();
        $this->setAdminUser();
        $admin = $this->getDataGenerator()->create_user(['username' => 'boss', 'email' => 'boss@college.edu']);
        set_config('siteadmins', $CFG->siteadmins . ',' . $admin->id);
        $this->sclass('7110', ['class_name' => 'A', 'class_short_name' => 'A7110'], true);

        // Student_Moodle_ID naming the administrator: ignored, with a warning.
        $r = $this->student('7011', '2026-01-01T10:00:00Z', ['moodle_user_id' => $admin->id]);
        $this->assertSame(0, $r['moodle_user_id']);
        $this->assertStringContainsString(get_string('warningmoodleuserrefused', 'local_moodle_zoho_sync', $admin->id),
            $r['message']);

        // Academic e-mail or student number of the administrator: refused, not enrolled, not linked.
        $this->student('7012', '2026-01-01T10:00:00Z', ['academic_email' => 'boss@college.edu']);
        $this->student('7013', '2026-01-01T10:00:00Z', ['student_id' => 'BOSS']);
        foreach (['7012' => '7212', '7013' => '7213'] as $studentid => $enrolmentid) {
            $item = $this->enrol($enrolmentid, $studentid, '7110');
            $this->assertSame(['refused', 'user_not_found', 0], [$item['user_tier'], $item['enrol_action'],
                $item['moodle_user_id']], $studentid);
        }
        $this->assertFalse($DB->record_exists('user_enrolments', ['userid' => $admin->id]));
        $this->assertFalse($DB->record_exists('local_mzi_students', ['moodle_user_id' => $admin->id]));

        // A link stored before (an earlier release, or the account became an administrator later) is dropped.
        $DB->set_field('local_mzi_students', 'moodle_user_id', $admin->id, ['zoho_student_id' => '7011']);
        $item = $this->enrol('7211', '7011', '7110');
        $this->assertSame(0, $item['moodle_user_id']);
        $this->assertNull($DB->get_field('local_mzi_students', 'moodle_user_id', ['zoho_student_id' => '7011']));
        $this->assertFalse($DB->record_exists('user_enrolments', ['userid' => $admin->id]));
    }

    public function test_a_student_is_never_made_the_teacher_of_a_class(): void {
        $this->resetAfterTest();
        $this->preventResetByRollback();
        $this->setAdminUser();
        $teacher = $this->getDataGenerator()->create_user(['email' => 'tom@college.edu']);
        $student = $this->getDataGenerator()->create_user(['email' => 'sara@college.edu']);
        $class = $this->sclass('7130', ['class_name' => 'S', 'class_short_name' => 'S7130',
            'teacher_email' => 'tom@college.edu'], true);
        $this->student('7031', '2026-01-01T10:00:00Z', ['academic_email' => 'sara@college.edu']);
        $this->assertSame('enrolled', $this->enrol('7231', '7031', '7130')['enrol_action']);

        // Zoho's teacher e-mail of the class edited to the student's: the student gets no teacher role, the teacher
        // keeps theirs.
        $r = $this->call('create_class', ['zoho_class_id' => '7130', 'zoho_modified_time' => '2026-01-02T10:00:00Z',
            'teacher_email' => 'sara@college.edu'], false, 0, 0);
        $this->assertSame(['not_found', 0, false], [$r['teacher_status'], $r['teacher_user_id'],
            $r['previous_teacher_removed']]);
        $this->assertSame(['student'], $this->roles((int) $student->id, $class['course_id']));
        $this->assertSame(['editingteacher'], $this->roles((int) $teacher->id, $class['course_id']));
        // The teacher record of Zoho is not linked to the student's account either.
        $t = $this->call('sync_teacher', ['zoho_teacher_id' => '7331', 'zoho_modified_time' => '2026-01-01T10:00:00Z',
            'academic_email' => 'sara@college.edu']);
        $this->assertSame(0, $t['moodle_user_id']);
    }

    public function test_a_withdrawal_never_locks_the_class_teacher_out_of_the_course(): void {
        global $DB;
        $this->resetAfterTest();
        $this->preventResetByRollback();
        $this->setAdminUser();
        $teacher = $this->getDataGenerator()->create_user(['email' => 'tina@college.edu']);
        $student = $this->getDataGenerator()->create_user(['email' => 'sam@college.edu']);
        $class = $this->sclass('7120', ['class_name' => 'T', 'class_short_name' => 'T7120',
            'teacher_email' => 'tina@college.edu'], true);
        $courseid = $class['course_id'];
        $context = \context_course::instance($courseid);
        $this->assertSame(['editingteacher'], $this->roles((int) $teacher->id, $courseid));

        // A Zoho student record whose academic e-mail is the teacher's, withdrawn from the teacher's class.
        $this->student('7021', '2026-01-01T10:00:00Z', ['academic_email' => 'tina@college.edu']);
        $item = $this->enrol('7221', '7021', '7120', 'Withdrawn');
        $this->assertSame((int) $teacher->id, $item['moodle_user_id']);
        $this->assertTrue(is_enrolled($context, $teacher, '', true), 'The teacher keeps an active enrolment.');
        $this->assertSame(['editingteacher'], $this->roles((int) $teacher->id, $courseid));

        // Enrolled as a student, then withdrawn: only the student role goes.
        $this->assertSame('enrolled', $this->enrol('7221', '7021', '7120', 'Active', '2026-01-02T10:00:00Z')['enrol_action']);
        $this->assertSame(['editingteacher', 'student'], $this->roles((int) $teacher->id, $courseid));
        $item = $this->enrol('7221', '7021', '7120', 'Dropped', '2026-01-03T10:00:00Z');
        $this->assertSame('role_removed', $item['enrol_action']);
        $this->assertTrue(is_enrolled($context, $teacher, '', true));
        $this->assertSame(['editingteacher'], $this->roles((int) $teacher->id, $courseid));

        // Deleted in Zoho with "unenrol when deleted" on: the teacher stays enrolled as teacher.
        set_config('unenrolondelete', 1, 'local_moodle_zoho_sync');
        $this->enrol('7221', '7021', '7120', 'Active', '2026-01-04T10:00:00Z');
        $this->call('delete_enrollment', '7221');
        $this->assertTrue(is_enrolled($context, $teacher, '', true));
        $this->assertSame(['editingteacher'], $this->roles((int) $teacher->id, $courseid));

        // A student who holds only the student role is still unenrolled (and, with the setting off, suspended).
        $this->student('7022', '2026-01-01T10:00:00Z', ['academic_email' => 'sam@college.edu']);
        $this->assertSame('enrolled', $this->enrol('7222', '7022', '7120')['enrol_action']);
        $this->assertSame('unenrolled', $this->call('delete_enrollment', '7222')['enrol_action']);
        $this->assertFalse(is_enrolled($context, $student));
        set_config('unenrolondelete', 0, 'local_moodle_zoho_sync');
        $this->assertSame('enrolled', $this->enrol('7223', '7022', '7120')['enrol_action']);
        $this->assertSame('suspended', $this->enrol('7223', '7022', '7120', 'Withdrawn', '2026-01-02T10:00:00Z')['enrol_action']);
        $this->assertFalse(is_enrolled($context, $student, '', true));
        $this->assertTrue($DB->record_exists('user_enrolments', ['userid' => $student->id]));
    }
}
