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


namespace local_moodle_zoho_sync\local;

defined('MOODLE_INTERNAL') || die();

require_once($CFG->dirroot . '/course/lib.php');

/**
 * Classes: the local row, exactly one Moodle course per Zoho class, default staff and the teacher.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
final class class_sync {
    /** Class fields stored as sent. */
    const FIELDS = ['class_name', 'class_short_name', 'class_number', 'unit_name', 'unit_zoho_id', 'program_level',
        'program_zoho_id', 'class_major', 'teacher_name', 'teacher_zoho_id', 'teacher_email', 'class_type',
        'start_date', 'end_date', 'class_status', 'zoho_created_time'];

    /** Prefix of the course idnumber that ties a course to its Zoho class. */
    const IDNUMBER_PREFIX = 'zoho-class-';

    /**
     * The course idnumber of a Zoho class.
     *
     * @param string $zohoclassid
     * @return string
     */
    public static function course_idnumber(string $zohoclassid): string {
        return self::IDNUMBER_PREFIX . $zohoclassid;
    }

    /**
     * Upserts a class and, as asked, finds, creates or updates its course and enrols staff and teacher.
     *
     * @param array $input validated 'class' structure
     * @param bool $createcourse create the course when none exists (the Lambda decides: class Active)
     * @param int $expectedcourseid Zoho's Moodle_Class_ID, 0 when empty; must exist when given
     * @param int $categoryid course category, 0 = keep (update) or the default (create)
     * @return array result
     */
    public static function create_class(array $input, bool $createcourse, int $expectedcourseid, int $categoryid): array {
        global $DB;
        $zohoid = ws::zoho_id($input['zoho_class_id'], 'class.zoho_class_id');
        return ws::run('class', $zohoid, function() use ($input, $createcourse, $expectedcourseid, $categoryid, $zohoid, $DB) {
            $modified = zoho_time::require_valid($input['zoho_modified_time']);
            $data = ws::sent_fields($input, self::FIELDS);
            if (isset($data['teacher_email'])) {
                $data['teacher_email'] = \core_text::strtolower($data['teacher_email']);
            }
            if ($categoryid > 0 && !$DB->record_exists('course_categories', ['id' => $categoryid])) {
                throw new sync_exception('categorymissing', $categoryid);
            }
            $warning = '';
            if ($categoryid > 0 && !course_policy::category_allowed($categoryid)) {
                // Not a category of the sync: the course stays where it is (a new one goes to the default category),
                // and the class and its enrolments are still synced.
                $warning = get_string('warningcategorynotallowed', 'local_moodle_zoho_sync', $categoryid);
                $categoryid = 0;
            }
            // ws::run holds the class's lock. Welcome messages of the staff and teacher enrolments are sent after the
            // commit; their failure must not turn the committed course and class row into an error.
            $result = committed_transaction::run(function() use ($zohoid, $data, $modified, $input, $createcourse,
                    $expectedcourseid, $categoryid) {
                return self::apply($zohoid, $data, $modified, $input, $createcourse, $expectedcourseid, $categoryid);
            });
            $out = ws::result('class', $zohoid, $result['status'], $result['id'], $result['extra']);
            if ($warning !== '') {
                $out['message'] .= ' ' . $warning;
            }
            return $out;
        });
    }

    /**
     * The work of create_class, inside the lock and the transaction.
     *
     * @param string $zohoid
     * @param array $data
     * @param string $modified
     * @param array $input
     * @param bool $createcourse
     * @param int $expectedcourseid
     * @param int $categoryid
     * @return array ['status', 'id', 'extra']
     */
    private static function apply(string $zohoid, array $data, string $modified, array $input, bool $createcourse,
            int $expectedcourseid, int $categoryid): array {
        global $DB;
        $extra = ['course_id' => 0, 'course_action' => 'none', 'teacher_user_id' => 0, 'teacher_status' => 'none',
            'previous_teacher_removed' => false, 'staff' => []];
        $r = record_store::upsert('local_mzi_classes', 'zoho_class_id', $zohoid, $data, $modified,
            ['class_status' => 'Scheduled']);
        $class = $r['record'];
        if ($r['status'] === 'stale') {
            $extra['course_id'] = (int) $class->moodle_class_id;
            return ['status' => 'stale', 'id' => (int) $class->id, 'extra' => $extra];
        }
        $status = $r['status'];
        // A grade may arrive before its class (submit_grade stores it with class_id NULL and its zoho_class_id): link
        // such grades now, or they would show without their class until Zoho sends each grade again.
        $DB->set_field_select('local_mzi_grades', 'class_id', (int) $class->id, 'class_id IS NULL AND zoho_class_id = :zohoid',
            ['zohoid' => $zohoid]);

        $course = self::find_course($class, $expectedcourseid);
        if ($course) {
            $extra['course_action'] = self::update_course($course, $class, $input, $categoryid);
        } else if ($createcourse) {
            $course = self::create_course($class, $input, $categoryid);
            $extra['course_action'] = 'created';
        }
        if ($course) {
            $extra['course_id'] = (int) $course->id;
            if ((string) $class->moodle_class_id !== (string) $course->id) {
                $DB->set_field('local_mzi_classes', 'moodle_class_id', (string) $course->id, ['id' => $class->id]);
                $class->moodle_class_id = (string) $course->id;
                if ($status === 'unchanged') {
                    $status = 'updated';
                }
            }
            $staff = self::enrol_staff((int) $course->id, (string) ($class->class_major ?? ''));
            $extra['staff'] = $staff['results'];
            $teacher = self::sync_teacher($class, (int) $course->id, $staff['userids']);
            $extra['teacher_user_id'] = $teacher['userid'];
            $extra['teacher_status'] = $teacher['status'];
            $extra['previous_teacher_removed'] = $teacher['removed'];
        }
        return ['status' => $status, 'id' => (int) $class->id, 'extra' => $extra];
    }

    /**
     * Finds the class's course: Zoho's Moodle_Class_ID, then our stored mapping, then the course idnumber, then a
     * course an administrator adopted for the class. Only a course managed for this class is ever returned.
     *
     * @param \stdClass $class
     * @param int $expectedcourseid
     * @return \stdClass|null
     * @throws sync_exception coursemissing when Zoho names a course that does not exist
     * @throws refusal_exception coursenotmanaged when Zoho (or an old mapping) names a course the plugin does not manage
     */
    private static function find_course(\stdClass $class, int $expectedcourseid): ?\stdClass {
        global $DB;
        if ($expectedcourseid > 0) {
            $course = $DB->get_record('course', ['id' => $expectedcourseid]);
            if (!$course || $expectedcourseid == SITEID) {
                throw new sync_exception('coursemissing', $expectedcourseid);
            }
            course_policy::require_managed($course, $class->zoho_class_id);
            return $course;
        }
        if (!empty($class->moodle_class_id) && ctype_digit((string) $class->moodle_class_id)) {
            $course = $DB->get_record('course', ['id' => (int) $class->moodle_class_id]);
            if ($course && $course->id != SITEID) {
                course_policy::require_managed($course, $class->zoho_class_id);
                return $course;
            }
        }
        $course = $DB->get_record('course', ['idnumber' => self::course_idnumber($class->zoho_class_id)], '*', IGNORE_MULTIPLE);
        return $course ?: course_policy::adopted_course($class->zoho_class_id);
    }

    /**
     * Names of a course for a class.
     *
     * @param \stdClass $class
     * @return array [fullname, shortname]
     */
    private static function names(\stdClass $class): array {
        $fullname = trim((string) $class->class_name);
        $shortname = trim((string) $class->class_short_name);
        if ($shortname === '') {
            $shortname = \core_text::substr($fullname, 0, 100);
        }
        // The course columns are narrower than the class columns: refuse here rather than fail in the database.
        field_check::max_length('class.class_name', $fullname, 254);
        field_check::max_length('class.class_short_name', $shortname, 255);
        return [$fullname, $shortname];
    }

    /**
     * Refuses a shortname that another course already uses.
     *
     * @param string $shortname
     * @param int $courseid the course that may keep it, 0 for a new course
     */
    private static function check_shortname(string $shortname, int $courseid): void {
        global $DB;
        if ($DB->record_exists_select('course', 'shortname = :shortname AND id <> :id',
                ['shortname' => $shortname, 'id' => $courseid])) {
            throw new sync_exception('shortnametaken', s($shortname));
        }
    }

    /**
     * Creates the course of a class.
     *
     * @param \stdClass $class
     * @param array $input
     * @param int $categoryid
     * @return \stdClass
     */
    private static function create_course(\stdClass $class, array $input, int $categoryid): \stdClass {
        [$fullname, $shortname] = self::names($class);
        if ($fullname === '') {
            throw new sync_exception('coursenamemissing', s($class->zoho_class_id));
        }
        self::check_shortname($shortname, 0);
        if ($categoryid <= 0) {
            $categoryid = self::default_category();
        }
        $config = get_config('moodlecourse');
        $data = (object) [
            'fullname' => $fullname,
            'shortname' => $shortname,
            'idnumber' => self::course_idnumber($class->zoho_class_id),
            'category' => $categoryid,
            'format' => $config->format ?? 'topics',
            'numsections' => $config->numsections ?? 4,
            'startdate' => !empty($input['course_startdate']) ? (int) $input['course_startdate'] : usergetmidnight(time()),
            'enddate' => !empty($input['course_enddate']) ? (int) $input['course_enddate'] : 0,
            'visible' => $config->visible ?? 1,
            'summary' => '',
            'summaryformat' => FORMAT_HTML,
        ];
        return create_course($data);
    }

    /**
     * Updates the names, category and dates of an existing course when they differ.
     *
     * @param \stdClass $course
     * @param \stdClass $class
     * @param array $input
     * @param int $categoryid 0 = leave the category alone
     * @return string updated or unchanged
     */
    private static function update_course(\stdClass $course, \stdClass $class, array $input, int $categoryid): string {
        [$fullname, $shortname] = self::names($class);
        $update = [];
        if ($fullname !== '' && $fullname !== $course->fullname) {
            $update['fullname'] = $fullname;
        }
        if ($shortname !== '' && $shortname !== $course->shortname) {
            self::check_shortname($shortname, (int) $course->id);
            $update['shortname'] = $shortname;
        }
        if ($categoryid > 0 && $categoryid != $course->category) {
            $update['category'] = $categoryid;
        }
        if (isset($input['course_startdate']) && (int) $input['course_startdate'] !== (int) $course->startdate) {
            $update['startdate'] = (int) $input['course_startdate'];
        }
        if (isset($input['course_enddate']) && (int) $input['course_enddate'] !== (int) $course->enddate) {
            $update['enddate'] = (int) $input['course_enddate'];
        }
        if (!$update) {
            return 'unchanged';
        }
        $update['id'] = $course->id;
        update_course((object) $update);
        return 'updated';
    }

    /**
     * The category for new courses: the plugin setting, else Moodle's default category.
     *
     * @return int
     */
    public static function default_category(): int {
        global $DB;
        $id = (int) get_config('local_moodle_zoho_sync', 'defaultcategory');
        if ($id > 0 && $DB->record_exists('course_categories', ['id' => $id])) {
            return $id;
        }
        return (int) \core_course_category::get_default()->id;
    }

    /**
     * Enrols the configured default staff.
     *
     * @param int $courseid
     * @param string $major
     * @return array ['results' => list, 'userids' => int[]]
     */
    private static function enrol_staff(int $courseid, string $major): array {
        $results = [];
        $userids = [];
        foreach (staff_config::staff_for($major) as $entry) {
            $results[] = $item = self::enrol_one($courseid, $entry['user'], $entry['role']);
            if ($item['userid']) {
                $userids[] = $item['userid'];
            }
        }
        return ['results' => $results, 'userids' => $userids];
    }

    /**
     * Enrols one staff user given by username or e-mail, never failing the whole call.
     *
     * @param int $courseid
     * @param string $user username or e-mail
     * @param string $role role shortname
     * @return array ['user', 'role', 'userid', 'status' => enrolled|unchanged|skipped, 'reason']
     */
    public static function enrol_one(int $courseid, string $user, string $role): array {
        $item = ['user' => $user, 'role' => $role, 'userid' => 0, 'status' => 'skipped', 'reason' => ''];
        $userid = user_resolver::staff_user($user);
        if (!$userid) {
            $item['reason'] = 'usernotfound';
            return $item;
        }
        $item['userid'] = $userid;
        try {
            $item['status'] = enrolment_manager::enrol($courseid, $userid, $role);
        } catch (sync_exception $e) {
            $item['reason'] = $e->errorcode;
        }
        return $item;
    }

    /**
     * Resolves the class teacher, enrols them as editingteacher and removes the previous teacher's role.
     *
     * @param \stdClass $class
     * @param int $courseid
     * @param int[] $staffids users who keep their role as default staff
     * @return array ['userid', 'status' => enrolled|unchanged|not_found|none, 'removed' => bool]
     */
    private static function sync_teacher(\stdClass $class, int $courseid, array $staffids): array {
        global $DB;
        $out = ['userid' => 0, 'status' => 'none', 'removed' => false];
        $email = (string) ($class->teacher_email ?? '');
        $userid = null;
        $teacher = null;
        if (!empty($class->teacher_zoho_id)) {
            $teacher = $DB->get_record('local_mzi_teachers', ['zoho_teacher_id' => $class->teacher_zoho_id]);
        }
        if ($email === '' && $teacher) {
            $email = (string) $teacher->academic_email;
        }
        if ($email !== '') {
            // Zoho names the teacher: academic e-mail only, an active account, never a site administrator.
            $userid = user_resolver::teacher_by_email($email);
        }
        if ($email === '' && !$teacher && empty($class->teacher_zoho_id)) {
            return $out;
        }
        if (!$userid) {
            $out['status'] = 'not_found';
            return $out;
        }
        $role = (string) (get_config('local_moodle_zoho_sync', 'teacherrole') ?: 'editingteacher');
        $out['userid'] = $userid;
        $out['status'] = enrolment_manager::enrol($courseid, $userid, $role);
        $previous = (int) ($class->teacher_moodle_user_id ?? 0);
        if ($previous && $previous !== $userid && !in_array($previous, $staffids, true)) {
            $out['removed'] = enrolment_manager::remove_role($courseid, $previous, $role);
        }
        if ($previous !== $userid) {
            $DB->set_field('local_mzi_classes', 'teacher_moodle_user_id', $userid, ['id' => $class->id]);
        }
        return $out;
    }

    /**
     * Soft-deletes (cancels) a class; its course is kept.
     *
     * @param string $zohoid
     * @return array result
     */
    public static function delete_class(string $zohoid): array {
        $zohoid = ws::zoho_id($zohoid, 'zoho_class_id');
        return ws::run('class', $zohoid, function() use ($zohoid) {
            $r = record_store::soft_delete('local_mzi_classes', 'zoho_class_id', $zohoid, ['class_status' => 'Cancelled']);
            return ws::result('class', $zohoid, $r['status'], (int) ($r['record']->id ?? 0),
                ['course_id' => (int) ($r['record']->moodle_class_id ?? 0)]);
        });
    }
}
