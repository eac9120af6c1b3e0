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

require_once($CFG->libdir . '/enrollib.php');

/**
 * Manual enrolments and course roles, with roles looked up by shortname.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
final class enrolment_manager {
    /**
     * Role id of a role shortname.
     *
     * @param string $shortname
     * @return int
     * @throws sync_exception rolemissing
     */
    public static function role_id(string $shortname): int {
        global $DB;
        $id = $DB->get_field('role', 'id', ['shortname' => trim($shortname)]);
        if (!$id) {
            throw new sync_exception('rolemissing', s($shortname));
        }
        return (int) $id;
    }

    /**
     * The course's manual enrolment instance, created when missing.
     *
     * @param int $courseid
     * @return \stdClass
     * @throws sync_exception manualenroldisabled
     */
    public static function manual_instance(int $courseid): \stdClass {
        global $DB;
        $plugin = enrol_get_plugin('manual');
        if (!$plugin || !enrol_is_enabled('manual')) {
            throw new sync_exception('manualenroldisabled');
        }
        $instance = $DB->get_record('enrol', ['courseid' => $courseid, 'enrol' => 'manual'], '*', IGNORE_MULTIPLE);
        if (!$instance) {
            $course = get_course($courseid);
            $id = $plugin->add_default_instance($course);
            $instance = $DB->get_record('enrol', ['courseid' => $courseid, 'enrol' => 'manual'], '*', IGNORE_MULTIPLE);
            if (!$instance && $id) {
                $instance = $DB->get_record('enrol', ['id' => $id], '*', MUST_EXIST);
            }
        }
        if ((int) $instance->status !== ENROL_INSTANCE_ENABLED) {
            $plugin->update_status($instance, ENROL_INSTANCE_ENABLED);
            $instance->status = ENROL_INSTANCE_ENABLED;
        }
        return $instance;
    }

    /**
     * Enrols a user (active) with a role; idempotent.
     *
     * @param int $courseid
     * @param int $userid must be a live user (callers check with record_exists first)
     * @param string $roleshortname
     * @return string enrolled (new or re-activated or role added) or unchanged
     * @throws refusal_exception rolenotallowed
     */
    public static function enrol(int $courseid, int $userid, string $roleshortname): string {
        global $DB;
        // Only roles of the allow-list (role_policy), checked on every grant, not only when the settings were saved.
        $roleid = role_policy::require_allowed($roleshortname);
        $instance = self::manual_instance($courseid);
        $context = \context_course::instance($courseid);
        $ue = $DB->get_record('user_enrolments', ['enrolid' => $instance->id, 'userid' => $userid]);
        $hasrole = $DB->record_exists('role_assignments',
            ['roleid' => $roleid, 'userid' => $userid, 'contextid' => $context->id]);
        if ($ue && (int) $ue->status === ENROL_USER_ACTIVE && $hasrole) {
            return 'unchanged';
        }
        $plugin = enrol_get_plugin('manual');
        try {
            $plugin->enrol_user($instance, $userid, $hasrole ? null : $roleid, 0, 0, ENROL_USER_ACTIVE);
        } catch (\dml_write_exception $e) {
            // A concurrent call enrolled the same user first (unique enrolid+userid); finish on its row.
            if (!$DB->record_exists('user_enrolments', ['enrolid' => $instance->id, 'userid' => $userid])) {
                throw $e;
            }
            $plugin->update_user_enrol($instance, $userid, ENROL_USER_ACTIVE);
            if (!$hasrole) {
                role_assign($roleid, $userid, $context->id);
            }
        }
        return 'enrolled';
    }

    /**
     * Suspends a user's manual enrolment; keeps grades.
     *
     * @param int $courseid
     * @param int $userid
     * @return string suspended, unchanged or notenrolled
     */
    public static function suspend(int $courseid, int $userid): string {
        global $DB;
        $instance = $DB->get_record('enrol', ['courseid' => $courseid, 'enrol' => 'manual'], '*', IGNORE_MULTIPLE);
        if (!$instance) {
            return 'notenrolled';
        }
        $ue = $DB->get_record('user_enrolments', ['enrolid' => $instance->id, 'userid' => $userid]);
        if (!$ue) {
            return 'notenrolled';
        }
        if ((int) $ue->status === ENROL_USER_SUSPENDED) {
            return 'unchanged';
        }
        enrol_get_plugin('manual')->update_user_enrol($instance, $userid, ENROL_USER_SUSPENDED);
        return 'suspended';
    }

    /**
     * Removes a user's manual enrolment (purges course data if it was the last enrolment).
     *
     * @param int $courseid
     * @param int $userid
     * @return string unenrolled or notenrolled
     */
    public static function unenrol(int $courseid, int $userid): string {
        global $DB;
        $instance = $DB->get_record('enrol', ['courseid' => $courseid, 'enrol' => 'manual'], '*', IGNORE_MULTIPLE);
        if (!$instance || !$DB->record_exists('user_enrolments', ['enrolid' => $instance->id, 'userid' => $userid])) {
            return 'notenrolled';
        }
        enrol_get_plugin('manual')->unenrol_user($instance, $userid);
        return 'unenrolled';
    }

    /**
     * Withdraws a student from a course: suspends (or, with $unenrol, removes) the manual enrolment, unless the
     * account also holds another role in the course.
     *
     * Staff, the class teacher and students share the course's manual enrolment, so suspending or removing it would
     * lock a teacher out of their own course whenever a Zoho student record resolves to the teacher's account (its
     * academic e-mail or Student_Moodle_ID named them). A withdrawal therefore takes away only the student role from
     * an account that holds any other role in the course; its enrolment and other roles stay.
     *
     * @param int $courseid
     * @param int $userid
     * @param string $studentrole shortname of the student role
     * @param bool $unenrol remove the enrolment instead of suspending it
     * @return string suspended, unenrolled, unchanged, notenrolled, or role_removed (other roles kept)
     */
    public static function withdraw(int $courseid, int $userid, string $studentrole, bool $unenrol): string {
        global $DB;
        $roleid = self::role_id($studentrole);
        $contextid = \context_course::instance($courseid)->id;
        $otherroles = $DB->record_exists_select('role_assignments',
            'contextid = :contextid AND userid = :userid AND roleid <> :roleid',
            ['contextid' => $contextid, 'userid' => $userid, 'roleid' => $roleid]);
        if ($otherroles) {
            return self::remove_role($courseid, $userid, $studentrole) ? 'role_removed' : 'unchanged';
        }
        return $unenrol ? self::unenrol($courseid, $userid) : self::suspend($courseid, $userid);
    }

    /**
     * Removes one role of a user in a course (e.g. the previous teacher).
     *
     * @param int $courseid
     * @param int $userid
     * @param string $roleshortname
     * @return bool whether a role was removed
     */
    public static function remove_role(int $courseid, int $userid, string $roleshortname): bool {
        global $DB;
        $roleid = self::role_id($roleshortname);
        $context = \context_course::instance($courseid);
        if (!$DB->record_exists('role_assignments', ['roleid' => $roleid, 'userid' => $userid, 'contextid' => $context->id])) {
            return false;
        }
        role_unassign($roleid, $userid, $context->id);
        return true;
    }
}
