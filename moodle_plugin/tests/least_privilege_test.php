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

use local_moodle_zoho_sync\admin\setting_allowed_roles;
use local_moodle_zoho_sync\admin\setting_course_role;
use local_moodle_zoho_sync\admin\setting_staff_list;
use local_moodle_zoho_sync\local\course_policy;
use local_moodle_zoho_sync\local\refusal_exception;
use local_moodle_zoho_sync\local\role_policy;
use local_moodle_zoho_sync\local\service_access;

/**
 * Least privilege of the sync token and of a Zoho edit: managed courses, allowed roles, teacher lookup, the service.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 * @covers     \local_moodle_zoho_sync\local\course_policy
 * @covers     \local_moodle_zoho_sync\local\role_policy
 * @covers     \local_moodle_zoho_sync\local\class_sync
 * @covers     \local_moodle_zoho_sync\local\enrolment_sync
 * @covers     \local_moodle_zoho_sync\local\service_access
 * @covers     \local_moodle_zoho_sync\admin\setting_allowed_roles
 * @covers     \local_moodle_zoho_sync\admin\setting_course_role
 * @covers     \local_moodle_zoho_sync\admin\setting_staff_list
 */
final class least_privilege_test extends \advanced_testcase {
    use sync_test_helper;

    /**
     * Whether a user has a role in a course.
     *
     * @param int $userid
     * @param int $courseid
     * @param string $role
     * @return bool
     */
    private function has_role(int $userid, int $courseid, string $role): bool {
        global $DB;
        return $DB->record_exists('role_assignments', ['userid' => $userid,
            'roleid' => $DB->get_field('role', 'id', ['shortname' => $role]),
            'contextid' => \context_course::instance($courseid)->id]);
    }

    /**
     * Calls create_class and returns the refusal it must answer.
     *
     * @param string $zohoid
     * @param array $fields
     * @param int $expected
     * @return refusal_exception
     */
    private function refused_class(string $zohoid, array $fields, int $expected): refusal_exception {
        try {
            $this->sclass($zohoid, $fields, true, $expected);
        } catch (refusal_exception $e) {
            return $e;
        }
        $this->fail('create_class was expected to be refused');
    }

    public function test_a_course_zoho_names_but_the_plugin_does_not_manage_is_refused_and_nothing_is_written(): void {
        global $DB;
        $this->resetAfterTest();
        // The refusal rolls back the sync's own transaction, which needs a real one (not nested in the test's).
        $this->preventResetByRollback();
        $this->setAdminUser();
        $other = $this->getDataGenerator()->create_course(['fullname' => 'Finance office', 'shortname' => 'FIN']);
        $sink = $this->redirectEvents();
        $e = $this->refused_class('3101', ['class_name' => 'Hijack', 'class_short_name' => 'HIJ',
            'teacher_email' => 'x@college.edu'], (int) $other->id);

        $this->assertSame('coursenotmanaged', $e->errorcode);
        $this->assertStringContainsString('3101', $e->getMessage(), 'The message names the class.');
        $this->assertStringContainsString((string) $other->id, $e->getMessage(), 'The message names the course.');
        $this->assertStringContainsString('FIN', $e->getMessage());
        $this->assertSame('Finance office', get_course($other->id)->fullname, 'The course was not renamed.');
        $this->assertFalse($DB->record_exists('local_mzi_classes', ['zoho_class_id' => '3101']), 'Nothing was written.');
        $events = array_values(array_filter($sink->get_events(),
            fn($ev) => $ev instanceof \local_moodle_zoho_sync\event\sync_skipped));
        $this->assertCount(1, $events, 'The refusal is a sync_skipped event.');
        $this->assertSame('refused', $events[0]->other['outcome']);
        $this->assertSame('coursenotmanaged', $events[0]->other['error']);
        $this->assertEmpty(array_filter($sink->get_events(), fn($ev) => $ev instanceof \local_moodle_zoho_sync\event\sync_failed));
    }

    public function test_a_course_created_for_another_class_is_refused(): void {
        $this->resetAfterTest();
        // The refusal rolls back the sync's own transaction, which needs a real one (not nested in the test's).
        $this->preventResetByRollback();
        $this->setAdminUser();
        $theirs = $this->sclass('3102', ['class_name' => 'Theirs', 'class_short_name' => 'T3102'], true);
        $e = $this->refused_class('3103', ['class_name' => 'Mine', 'class_short_name' => 'M3103'], $theirs['course_id']);
        $this->assertSame('coursenotmanaged', $e->errorcode);
        $this->assertSame('Theirs', get_course($theirs['course_id'])->fullname);
    }

    public function test_an_old_mapping_to_an_unmanaged_course_is_refused_for_the_class_and_its_enrolments(): void {
        global $DB;
        $this->resetAfterTest();
        // The refusal rolls back the sync's own transaction, which needs a real one (not nested in the test's).
        $this->preventResetByRollback();
        $this->setAdminUser();
        // A class row linked by an earlier release to a course made by hand (no zoho-class- idnumber, not adopted).
        $course = $this->getDataGenerator()->create_course(['shortname' => 'HAND']);
        $DB->insert_record('local_mzi_classes', ['zoho_class_id' => '3104', 'class_name' => 'Old', 'moodle_class_id' => $course->id,
            'zoho_modified_time' => '2025-01-01T00:00:00Z']);
        $e = $this->refused_class('3104', ['class_name' => 'New name'], 0);
        $this->assertSame('coursenotmanaged', $e->errorcode);
        $this->assertSame('Old', $DB->get_field('local_mzi_classes', 'class_name', ['zoho_class_id' => '3104']));

        $user = $this->getDataGenerator()->create_user(['email' => 'ana@college.edu']);
        $this->student('3200', '2026-01-01T10:00:00+03:00', ['academic_email' => 'ana@college.edu']);
        $r = $this->call('update_enrollment', [['zoho_enrollment_id' => '3300', 'zoho_modified_time' => '2026-01-01T10:00:00Z',
            'zoho_student_id' => '3200', 'zoho_class_id' => '3104']])['results'][0];
        $this->assertSame('failed', $r['status']);
        $this->assertSame('coursenotmanaged', $r['errorcode']);
        $this->assertFalse(is_enrolled(\context_course::instance($course->id), $user));
    }

    public function test_a_managed_course_is_updated(): void {
        $this->resetAfterTest();
        $this->setAdminUser();
        $r = $this->sclass('3105', ['class_name' => 'Managed', 'class_short_name' => 'MAN'], true);
        $again = $this->call('create_class', ['zoho_class_id' => '3105', 'zoho_modified_time' => '2026-01-02T10:00:00Z',
            'class_name' => 'Managed (renamed)'], false, $r['course_id'], 0);
        $this->assertSame('updated', $again['course_action']);
        $this->assertSame('Managed (renamed)', get_course($r['course_id'])->fullname);
    }

    public function test_adoption_needs_an_allowed_category_and_then_the_course_is_synced(): void {
        global $DB;
        $this->resetAfterTest();
        $this->setAdminUser();
        $cat = $this->getDataGenerator()->create_category();
        $course = $this->getDataGenerator()->create_course(['category' => $cat->id, 'fullname' => 'Legacy', 'shortname' => 'LEG',
            'idnumber' => 'SIS-42']);
        try {
            course_policy::adopt((int) $course->id, '3106');
            $this->fail('Adoption is off by default (no category allowed)');
        } catch (\moodle_exception $e) {
            $this->assertSame('adoptrefused', $e->errorcode);
        }
        set_config('adoptcategories', (string) $cat->id, 'local_moodle_zoho_sync');
        $sink = $this->redirectEvents();
        $this->assertSame('adopted', course_policy::adopt((int) $course->id, '3106'));
        $adopted = array_values(array_filter($sink->get_events(),
            fn($ev) => $ev instanceof \local_moodle_zoho_sync\event\course_adopted));
        $this->assertCount(1, $adopted, 'The adoption is logged.');
        $this->assertSame('3106', $adopted[0]->other['zohoclassid']);
        $sink->close();
        $this->assertSame('unchanged', course_policy::adopt((int) $course->id, '3106'));

        // The adopted course is synced: found without Moodle_Class_ID, renamed, staff enrolled; its idnumber is kept.
        $staff = $this->getDataGenerator()->create_user(['username' => 'itsupport']);
        set_config('defaultstaff', 'itsupport,editingteacher', 'local_moodle_zoho_sync');
        $r = $this->sclass('3106', ['class_name' => 'Legacy (Zoho)', 'class_short_name' => 'LEG']);
        $this->assertSame((int) $course->id, $r['course_id']);
        $this->assertSame('Legacy (Zoho)', get_course($course->id)->fullname);
        $this->assertSame('SIS-42', get_course($course->id)->idnumber);
        $this->assertTrue($this->has_role((int) $staff->id, (int) $course->id, 'editingteacher'));
        $this->assertSame((string) $course->id, $DB->get_field('local_mzi_classes', 'moodle_class_id', ['zoho_class_id' => '3106']));
        // And with Zoho's Moodle_Class_ID too.
        $this->assertSame((int) $course->id, $this->sclass('3106', [], false, (int) $course->id)['course_id']);
    }

    public function test_a_course_linked_to_another_class_is_never_relinked(): void {
        $this->resetAfterTest();
        $this->setAdminUser();
        $cat = $this->getDataGenerator()->create_category();
        set_config('adoptcategories', '999999,' . $cat->id, 'local_moodle_zoho_sync');
        $a = $this->getDataGenerator()->create_course(['category' => $cat->id]);
        $this->assertSame('adopted', course_policy::adopt((int) $a->id, '3107'));
        $reasons = [];
        foreach ([[(int) $a->id, '3108']] as [$courseid, $classid]) {
            try {
                course_policy::adopt($courseid, $classid);
            } catch (\moodle_exception $e) {
                $reasons[] = $e->errorcode;
            }
        }
        // A course the plugin created for a class, in an adoptable category, is not adoptable for another class.
        $created = $this->sclass('3109', ['class_name' => 'Own', 'class_short_name' => 'O3109'], true, 0, (int) $cat->id);
        try {
            course_policy::adopt($created['course_id'], '3110');
        } catch (\moodle_exception $e) {
            $reasons[] = $e->errorcode;
            $this->assertStringContainsString(get_string('adopt_otherclass', 'local_moodle_zoho_sync'), $e->getMessage());
        }
        // A class that has a course cannot adopt a second one.
        $b = $this->getDataGenerator()->create_course(['category' => $cat->id]);
        try {
            course_policy::adopt((int) $b->id, '3107');
        } catch (\moodle_exception $e) {
            $reasons[] = $e->errorcode;
            $this->assertStringContainsString(get_string('adopt_classhascourse', 'local_moodle_zoho_sync'), $e->getMessage());
        }
        // The site course never.
        try {
            course_policy::adopt(SITEID, '3111');
        } catch (\moodle_exception $e) {
            $reasons[] = $e->errorcode;
        }
        $this->assertSame(['adoptrefused', 'adoptrefused', 'adoptrefused', 'adoptrefused'], $reasons);
    }

    public function test_only_allowed_roles_are_given(): void {
        $this->resetAfterTest();
        // The refusal rolls back the sync's own transaction, which needs a real one (not nested in the test's).
        $this->preventResetByRollback();
        $this->setAdminUser();
        $gen = $this->getDataGenerator();
        $staff = $gen->create_user(['username' => 'itsupport']);
        $viewer = $gen->create_user(['username' => 'viewer']);
        $boss = $gen->create_user(['username' => 'boss']);
        set_config('allowedroles', 'editingteacher,student', 'local_moodle_zoho_sync');
        set_config('defaultstaff', "itsupport,editingteacher\nviewer,teacher\nboss,manager", 'local_moodle_zoho_sync');
        $r = $this->sclass('3112', ['class_name' => 'Roles', 'class_short_name' => 'R3112'], true);
        $reasons = array_column($r['staff'], 'reason', 'user');
        $this->assertTrue($this->has_role((int) $staff->id, $r['course_id'], 'editingteacher'), 'An allowed role is granted.');
        $this->assertSame('', $reasons['itsupport']);
        $this->assertSame('rolenotallowed', $reasons['viewer'], 'teacher is not in this site\'s list.');
        $this->assertSame('rolenotallowed', $reasons['boss'], 'manager never is.');
        $this->assertFalse($this->has_role((int) $viewer->id, $r['course_id'], 'teacher'));
        $this->assertFalse($this->has_role((int) $boss->id, $r['course_id'], 'manager'));

        // Even if the stored setting lists manager (written around the settings page), the grant is refused.
        set_config('allowedroles', 'editingteacher,student,manager', 'local_moodle_zoho_sync');
        set_config('teacherrole', 'manager', 'local_moodle_zoho_sync');
        $gen->create_user(['email' => 'teach@college.edu']);
        try {
            $this->sclass('3113', ['class_name' => 'T', 'class_short_name' => 'T3113', 'teacher_email' => 'teach@college.edu'], true);
            $this->fail('The teacher role manager must be refused');
        } catch (refusal_exception $e) {
            $this->assertSame('rolenotallowed', $e->errorcode);
            $this->assertStringContainsString('manager', $e->getMessage());
        }
    }

    public function test_the_settings_page_refuses_manager_and_risky_roles(): void {
        $this->resetAfterTest();
        $system = \context_system::instance();
        $setting = new setting_allowed_roles('local_moodle_zoho_sync/allowedroles', 'a', 'b', role_policy::DEFAULT_ALLOWED,
            PARAM_TEXT);
        $this->assertTrue($setting->validate(role_policy::DEFAULT_ALLOWED), 'The default list is valid.');
        $this->assertStringContainsString('manager', (string) $setting->validate('editingteacher, manager'));
        $this->assertIsString($setting->validate('nosuchrole'));

        // A copy of the manager archetype under another name.
        create_role('Deputy', 'deputy', '', 'manager');
        $this->assertIsString($setting->validate('deputy'));
        // A teacher-like role allowed a course capability with RISK_CONFIG (moodle/user:loginas).
        $configrole = create_role('Course editor', 'courseeditor', '', 'editingteacher');
        assign_capability('moodle/user:loginas', CAP_ALLOW, $configrole, $system->id);
        $this->assertIsString($setting->validate('courseeditor'));
        $this->assertContains('moodle/user:loginas', role_policy::risky_capabilities($configrole));
        // A student-like role allowed to back up courses with user data (RISK_PERSONAL beyond a teacher's).
        $personal = create_role('Archivist', 'archivist', '', 'student');
        assign_capability('moodle/backup:userinfo', CAP_ALLOW, $personal, $system->id);
        $this->assertStringContainsString('moodle/backup:userinfo', (string) $setting->validate('student,archivist'));
        // The standard teaching roles pass.
        $this->assertSame([], role_policy::risky_capabilities((int) get_archetype_roles('editingteacher')[
            array_key_first(get_archetype_roles('editingteacher'))]->id));

        $role = new setting_course_role('local_moodle_zoho_sync/teacherrole', 'a', 'b', 'editingteacher', PARAM_ALPHANUMEXT);
        $this->assertTrue($role->validate('editingteacher'));
        $this->assertIsString($role->validate('manager'));
        set_config('allowedroles', 'student', 'local_moodle_zoho_sync');
        $this->assertIsString($role->validate('editingteacher'), 'A role outside the allow-list is refused too.');

        $staff = new setting_staff_list('local_moodle_zoho_sync/defaultstaff', 'a', 'b', '', PARAM_RAW);
        $this->assertTrue($staff->validate("# comment\nitsupport,student"));
        $this->assertStringContainsString('boss,manager', (string) $staff->validate("itsupport,student\nboss,manager"));
        $this->assertIsString($staff->validate('major=IT: itlead,editingteacher'));
    }

    public function test_a_teacher_named_by_zoho_is_found_by_academic_email_only(): void {
        global $CFG;
        $this->resetAfterTest();
        $this->setAdminUser();
        $gen = $this->getDataGenerator();
        $teacher = $gen->create_user(['email' => 'teach@college.edu']);
        $gen->create_user(['username' => 'byname@college.edu', 'email' => 'other@example.com']);
        $gen->create_user(['email' => 'away@college.edu', 'suspended' => 1]);
        $admin = $gen->create_user(['email' => 'root@college.edu']);
        set_config('siteadmins', $CFG->siteadmins . ',' . $admin->id);

        $cases = ['teach@college.edu' => 'enrolled', 'byname@college.edu' => 'not_found', 'away@college.edu' => 'not_found',
            'root@college.edu' => 'not_found'];
        $i = 0;
        foreach ($cases as $email => $expected) {
            $i++;
            $r = $this->sclass('312' . $i, ['class_name' => "T$i", 'class_short_name' => "T312$i", 'teacher_email' => $email],
                true);
            $this->assertSame($expected, $r['teacher_status'], $email);
            if ($expected === 'enrolled') {
                $this->assertSame((int) $teacher->id, $r['teacher_user_id']);
            } else {
                $this->assertSame(0, $r['teacher_user_id']);
            }
        }
        // The teacher record is linked the same way: the admin's e-mail links to nobody.
        $t = $this->call('sync_teacher', ['zoho_teacher_id' => '4101', 'zoho_modified_time' => '2026-01-01T10:00:00Z',
            'academic_email' => 'root@college.edu']);
        $this->assertSame(0, $t['moodle_user_id']);
    }

    public function test_the_service_admits_only_authorised_users_and_the_upgrade_authorises_token_holders(): void {
        global $CFG, $DB;
        require_once($CFG->dirroot . '/webservice/lib.php');
        $this->resetAfterTest();
        $service = $DB->get_record('external_services', ['shortname' => 'moodle_zoho_sync'], '*', MUST_EXIST);
        $this->assertSame(1, (int) $service->restrictedusers);
        $this->assertFalse($DB->record_exists('external_functions', ['name' => 'local_mzi_enrol_users']),
            'local_mzi_enrol_users is gone: nothing called it, and it could enrol anyone anywhere.');

        $holder = $this->getDataGenerator()->create_user(['username' => 'zohosync']);
        $this->getDataGenerator()->create_user(['username' => 'bystander']);
        \core_external\util::generate_token(EXTERNAL_TOKEN_PERMANENT, $service, $holder->id, \context_system::instance());
        $notices = service_access::authorise_token_holders();
        $this->assertCount(1, $notices);
        $this->assertStringContainsString('zohosync', $notices[0]);
        $this->assertSame([(int) $holder->id], array_map('intval', $DB->get_fieldset_select('external_services_users', 'userid',
            'externalserviceid = ?', [$service->id])));
        $this->assertSame([], service_access::authorise_token_holders(), 'Idempotent.');
    }

    public function test_every_capability_declares_its_risks_and_is_used(): void {
        global $CFG;
        $this->resetAfterTest();
        $capabilities = [];
        require($CFG->dirroot . '/local/moodle_zoho_sync/db/access.php');
        $this->assertSame(['local/moodle_zoho_sync:sync', 'local/moodle_zoho_sync:viewlogs',
            'local/moodle_zoho_sync:viewdashboard', 'local/moodle_zoho_sync:viewanydashboard'], array_keys($capabilities));
        $this->assertSame(RISK_PERSONAL | RISK_CONFIG | RISK_DATALOSS,
            $capabilities['local/moodle_zoho_sync:sync']['riskbitmask']);
        $code = '';
        $iterator = new \RecursiveIteratorIterator(new \RecursiveDirectoryIterator($CFG->dirroot . '/local/moodle_zoho_sync'));
        foreach ($iterator as $file) {
            $path = $file->getPathname();
            if (substr($path, -4) === '.php' && strpos($path, '/tests/') === false && strpos($path, '/lang/') === false
                    && strpos($path, '/db/') === false) {
                $code .= file_get_contents($path);
            }
        }
        foreach (array_keys($capabilities) as $name) {
            $this->assertStringContainsString("'{$name}'", $code, "{$name} is declared, so some code must check it.");
        }
        foreach (['manage', 'triggersync', 'viewsynchistory'] as $gone) {
            $this->assertEmpty(get_capability_info('local/moodle_zoho_sync:' . $gone));
        }
    }
}
