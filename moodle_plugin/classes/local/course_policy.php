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

/**
 * Managed courses: the only courses the sync may write (names, category, dates, enrolments).
 *
 * A course is managed for a Zoho class when the plugin created it for that very class (course idnumber
 * zoho-class-<class id>) or when an administrator adopted it for that class (adopt(), cli/adopt_course.php).
 * Anything else, including a course Zoho's Moodle_Class_ID names, is refused with coursenotmanaged.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
final class course_policy {
    /** Table of adopted courses. */
    const ADOPTIONS = 'local_mzi_course_adoptions';

    /**
     * Whether a course is managed for a class.
     *
     * @param \stdClass $course needs id and idnumber
     * @param string $zohoclassid
     * @return bool
     */
    public static function is_managed(\stdClass $course, string $zohoclassid): bool {
        global $DB;
        if ((int) $course->id === SITEID) {
            return false;
        }
        if ((string) $course->idnumber === class_sync::course_idnumber($zohoclassid)) {
            return true;
        }
        return $DB->record_exists(self::ADOPTIONS, ['courseid' => $course->id, 'zoho_class_id' => $zohoclassid]);
    }

    /**
     * Refuses a course that is not managed for the class.
     *
     * @param \stdClass $course
     * @param string $zohoclassid
     * @throws refusal_exception coursenotmanaged
     */
    public static function require_managed(\stdClass $course, string $zohoclassid): void {
        if (!self::is_managed($course, $zohoclassid)) {
            throw new refusal_exception('coursenotmanaged', (object) ['classid' => $zohoclassid, 'courseid' => (int) $course->id,
                'shortname' => s($course->shortname ?? '')]);
        }
    }

    /**
     * The course an administrator adopted for a class, if any.
     *
     * @param string $zohoclassid
     * @return \stdClass|null
     */
    public static function adopted_course(string $zohoclassid): ?\stdClass {
        global $DB;
        $courseid = $DB->get_field(self::ADOPTIONS, 'courseid', ['zoho_class_id' => $zohoclassid]);
        if (!$courseid) {
            return null;
        }
        return $DB->get_record('course', ['id' => $courseid]) ?: null;
    }

    /**
     * Category ids whose courses may be adopted (setting "adoptcategories", empty by default).
     *
     * @return int[]
     */
    public static function adoptable_categories(): array {
        $text = (string) get_config('local_moodle_zoho_sync', 'adoptcategories');
        return array_values(array_filter(array_map('intval', preg_split('/[\s,]+/', $text)), fn($id) => $id > 0));
    }

    /**
     * Whether the sync may place a course in a category (Zoho's programme MoodleID names it).
     *
     * A course's category decides who else reaches it (roles given in the category and its parents) and whether
     * students see it (a hidden category hides it), so a Zoho record must not choose any category of the site. Allowed
     * are the categories listed in the setting "coursecategories", the default category of new courses, and the
     * categories that already hold a course of the sync (made for a class, or adopted), each with its subcategories:
     * a site keeps placing courses where it does today, and a category new to the sync needs an administrator.
     *
     * @param int $categoryid
     * @return bool
     */
    public static function category_allowed(int $categoryid): bool {
        global $DB;
        $path = $DB->get_field('course_categories', 'path', ['id' => $categoryid]);
        if ($path === false) {
            return false;
        }
        $ancestors = array_map('intval', array_filter(explode('/', (string) $path), 'strlen'));
        return (bool) array_intersect($ancestors, self::placement_categories());
    }

    /**
     * The categories of category_allowed(), without their subcategories.
     *
     * @return int[]
     */
    public static function placement_categories(): array {
        global $DB;
        $text = (string) get_config('local_moodle_zoho_sync', 'coursecategories');
        $ids = array_map('intval', preg_split('/[\s,]+/', $text));
        $ids[] = class_sync::default_category();
        $inuse = $DB->get_fieldset_sql('SELECT DISTINCT category FROM {course} WHERE ' . $DB->sql_like('idnumber', ':prefix'),
            ['prefix' => $DB->sql_like_escape(class_sync::IDNUMBER_PREFIX) . '%']);
        $adopted = $DB->get_fieldset_sql('SELECT DISTINCT c.category
                                            FROM {course} c
                                            JOIN {local_mzi_course_adoptions} a ON a.courseid = c.id');
        $ids = array_merge($ids, array_map('intval', $inuse), array_map('intval', $adopted));
        return array_values(array_unique(array_filter($ids, fn($id) => $id > 0)));
    }

    /**
     * Why a course cannot be adopted for a class, or null when it can.
     *
     * @param \stdClass $course
     * @param string $zohoclassid
     * @return string|null string key of the reason (adopt_*)
     */
    public static function adoption_refusal(\stdClass $course, string $zohoclassid): ?string {
        global $DB;
        if ((int) $course->id === SITEID) {
            return 'adopt_site';
        }
        if (!in_array((int) $course->category, self::adoptable_categories(), true)) {
            return 'adopt_category';
        }
        // Never re-link: a course tied to another class (by idnumber, adoption or a stored mapping) stays with it.
        $idnumber = (string) $course->idnumber;
        if (strpos($idnumber, class_sync::IDNUMBER_PREFIX) === 0 && $idnumber !== class_sync::course_idnumber($zohoclassid)) {
            return 'adopt_otherclass';
        }
        $adopted = $DB->get_field(self::ADOPTIONS, 'zoho_class_id', ['courseid' => $course->id]);
        if ($adopted !== false && $adopted !== $zohoclassid) {
            return 'adopt_otherclass';
        }
        if ($DB->record_exists_select('local_mzi_classes', 'moodle_class_id = :courseid AND zoho_class_id <> :classid',
                ['courseid' => (string) $course->id, 'classid' => $zohoclassid])) {
            return 'adopt_otherclass';
        }
        $other = self::adopted_course($zohoclassid);
        if ($other && (int) $other->id !== (int) $course->id) {
            return 'adopt_classhascourse';
        }
        $own = $DB->get_record('course', ['idnumber' => class_sync::course_idnumber($zohoclassid)], 'id', IGNORE_MULTIPLE);
        if ($own && (int) $own->id !== (int) $course->id) {
            return 'adopt_classhascourse';
        }
        return null;
    }

    /**
     * Adopts a course for a class: from now on the sync manages it. Logged as a course_adopted event.
     *
     * @param int $courseid
     * @param string $zohoclassid
     * @return string adopted or unchanged (already adopted for this class, or created for it)
     * @throws \moodle_exception adoptrefused with the reason
     */
    public static function adopt(int $courseid, string $zohoclassid): string {
        global $DB, $USER;
        $zohoclassid = field_check::zoho_id('class', trim($zohoclassid));
        $course = $DB->get_record('course', ['id' => $courseid]);
        if (!$course) {
            throw new sync_exception('coursemissing', $courseid);
        }
        if (self::is_managed($course, $zohoclassid)) {
            return 'unchanged';
        }
        $reason = self::adoption_refusal($course, $zohoclassid);
        if ($reason !== null) {
            throw new sync_exception('adoptrefused', (object) ['courseid' => $courseid, 'classid' => $zohoclassid,
                'reason' => get_string($reason, 'local_moodle_zoho_sync')]);
        }
        $id = $DB->insert_record(self::ADOPTIONS, (object) ['courseid' => $courseid, 'zoho_class_id' => $zohoclassid,
            'adoptedby' => (int) $USER->id, 'timecreated' => time()]);
        \local_moodle_zoho_sync\event\course_adopted::create([
            'context' => \context_course::instance($courseid),
            'objectid' => $id,
            'other' => ['zohoclassid' => $zohoclassid],
        ])->trigger();
        return 'adopted';
    }
}
