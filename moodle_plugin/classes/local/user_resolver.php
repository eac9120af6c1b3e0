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
 * Finds Moodle accounts for Zoho people, always among live (not deleted) local accounts.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
final class user_resolver {
    /**
     * Whether a user id is a live account (not deleted; it may be suspended).
     *
     * @param int|null $userid
     * @return bool
     */
    public static function is_live_user(?int $userid): bool {
        global $DB;
        if (empty($userid) || $userid <= 0) {
            return false;
        }
        return $DB->record_exists('user', ['id' => $userid, 'deleted' => 0]);
    }

    /**
     * Whether a user id is an active account: not deleted, not suspended, a local account, not the guest.
     *
     * @param int|null $userid
     * @return bool
     */
    public static function is_active_user(?int $userid): bool {
        global $DB, $CFG;
        if (empty($userid) || $userid <= 0 || isguestuser($userid)) {
            return false;
        }
        return $DB->record_exists('user', ['id' => $userid, 'deleted' => 0, 'suspended' => 0,
            'mnethostid' => $CFG->mnet_localhost_id]);
    }

    /**
     * Whether an account may be a Zoho student's or a Zoho teacher's: an active account that is neither the guest
     * account nor a site administrator.
     *
     * Zoho text (academic e-mail, student number, Student_Moodle_ID) chooses the account, and whoever can edit a Zoho
     * record must not be able to enrol the guest account (every visitor who logs in as guest would then be a
     * participant of the course) or tie a student's records and enrolments to an administrator's account.
     *
     * @param int|null $userid
     * @return bool
     */
    public static function is_assignable(?int $userid): bool {
        return self::is_active_user($userid) && !is_siteadmin((int) $userid);
    }

    /**
     * Whether an account is the student's by the facts the resolver's tiers use: its e-mail is the student's academic
     * e-mail (case-insensitively) or its username is the lower-cased student number.
     *
     * @param \stdClass $student with academic_email and student_id (either may be empty)
     * @param \stdClass $user with email and username
     * @return bool
     */
    public static function describes_account(\stdClass $student, \stdClass $user): bool {
        $email = \core_text::strtolower(trim((string) ($student->academic_email ?? '')));
        $number = \core_text::strtolower(trim((string) ($student->student_id ?? '')));
        return ($email !== '' && $email === \core_text::strtolower(trim((string) $user->email)))
            || ($number !== '' && $number === (string) $user->username);
    }

    /**
     * Whether Zoho's Student_Moodle_ID may link a student to an account: only when the account is the student's by
     * describes_account(). The id alone is typed by hand in Zoho; accepted blindly, a typo or a malicious edit showed
     * one student's registrations, payments and grades on an unrelated person's "My studies" and enrolled that person.
     * A link stored earlier (by the resolver, or by Student_Moodle_ID before this rule) is not undone here: tier 1 of
     * resolve_student() keeps it, and update_student() reports it with warningmoodleusermismatchkept.
     *
     * @param int $userid
     * @param \stdClass $student academic_email and student_id as the student will be stored
     * @return bool
     */
    public static function account_matches_student(int $userid, \stdClass $student): bool {
        global $DB;
        $user = $DB->get_record('user', ['id' => $userid, 'deleted' => 0], 'id, email, username');
        return $user && self::describes_account($student, $user);
    }

    /**
     * An active user by e-mail, case-insensitively; null when none or when several accounts share it. Never the
     * guest account.
     *
     * @param string $email
     * @return int|null
     */
    public static function by_email(string $email): ?int {
        global $DB, $CFG;
        $email = trim($email);
        if ($email === '') {
            return null;
        }
        $select = $DB->sql_equal('email', ':email', false) . ' AND deleted = 0 AND suspended = 0 AND mnethostid = :mnethostid'
            . ' AND id <> :guestid';
        $ids = $DB->get_fieldset_select('user', 'id', $select, ['email' => $email, 'mnethostid' => $CFG->mnet_localhost_id,
            'guestid' => (int) $CFG->siteguest]);
        return count($ids) === 1 ? (int) reset($ids) : null;
    }

    /**
     * An active user by username (usernames are stored lower-case). Never the guest account.
     *
     * @param string $username
     * @return int|null
     */
    public static function by_username(string $username): ?int {
        global $DB, $CFG;
        $username = \core_text::strtolower(trim($username));
        if ($username === '') {
            return null;
        }
        $id = $DB->get_field_select('user', 'id', 'username = :username AND deleted = 0 AND suspended = 0'
            . ' AND mnethostid = :mnethostid AND id <> :guestid', ['username' => $username,
            'mnethostid' => $CFG->mnet_localhost_id, 'guestid' => (int) $CFG->siteguest]);
        return $id ? (int) $id : null;
    }

    /**
     * A staff member an administrator listed in the plugin settings: by e-mail, then by username.
     *
     * Usernames are accepted only here, because only an administrator writes these lists; a name that comes from
     * Zoho (the class teacher) is matched by academic e-mail only (teacher_by_email()).
     *
     * @param string $emailorusername
     * @return int|null
     */
    public static function staff_user(string $emailorusername): ?int {
        return self::by_email($emailorusername) ?? self::by_username($emailorusername);
    }

    /**
     * The Moodle account of a teacher named by Zoho: the one active account whose e-mail is exactly the
     * academic e-mail (case-insensitively), never a site administrator or the guest account (is_assignable()), and
     * never the account of a live Zoho student: a class's teacher e-mail edited to a student's address would
     * otherwise make that student the editing teacher of the class, with the classmates' grades and submissions.
     *
     * @param string $email the teacher's Academic_Email
     * @return int|null
     */
    public static function teacher_by_email(string $email): ?int {
        global $DB;
        $userid = self::by_email($email);
        if ($userid === null || !self::is_assignable($userid)
                || $DB->record_exists('local_mzi_students', ['moodle_user_id' => $userid, 'deleted' => 0])) {
            return null;
        }
        return $userid;
    }

    /**
     * Three-tier resolution of a student's account, writing back what it found.
     *
     * 1. the stored local_mzi_students.moodle_user_id, if that account is active;
     * 2. mdl_user.email = academic_email;
     * 3. mdl_user.username = lower(student_id).
     * A stored link to a deleted or suspended account is dropped and resolved again. A Moodle account is linked to
     * at most one student: an account another live student holds is refused (tier "conflict"). The guest account and
     * site administrators are never a student's (is_assignable()): a stored link to one is dropped, and an
     * administrator's account found by e-mail or username is refused (tier "refused"; the guest is never found).
     *
     * @param \stdClass $student a local_mzi_students row
     * @return array [int|null userid, string tier: stored|email|username|conflict|refused|none]
     */
    public static function resolve_student(\stdClass $student): array {
        global $DB;
        $stored = (int) ($student->moodle_user_id ?? 0);
        if ($stored && self::is_assignable($stored)) {
            return [$stored, 'stored'];
        }
        if ($stored) {
            $DB->set_field('local_mzi_students', 'moodle_user_id', null, ['id' => $student->id]);
            $student->moodle_user_id = null;
        }
        $userid = self::by_email((string) ($student->academic_email ?? ''));
        $tier = 'email';
        if ($userid === null) {
            $userid = self::by_username((string) ($student->student_id ?? ''));
            $tier = 'username';
        }
        if ($userid === null) {
            return [null, 'none'];
        }
        if (!self::is_assignable($userid)) {
            return [null, 'refused'];
        }
        if (!self::link_student($student, $userid)) {
            return [null, 'conflict'];
        }
        return [$userid, $tier];
    }

    /**
     * The live student (other than $student) whose row holds a Moodle account, if any.
     *
     * @param int $userid
     * @param int $studentid the row that may hold it (0 for none)
     * @return \stdClass|null
     */
    public static function link_holder(int $userid, int $studentid): ?\stdClass {
        global $DB;
        $holder = $DB->get_record_select('local_mzi_students', 'moodle_user_id = :userid AND id <> :id',
            ['userid' => $userid, 'id' => $studentid]);
        return $holder ?: null;
    }

    /**
     * Makes a Moodle account free for a student: refuses when another live student holds it; a soft-deleted
     * student's link is released.
     *
     * @param int $userid
     * @param int $studentid the student that wants it (0 for a student not stored yet)
     * @return bool whether the account is free for the student
     */
    public static function claim_account(int $userid, int $studentid): bool {
        global $DB;
        $holder = self::link_holder($userid, $studentid);
        if (!$holder) {
            return true;
        }
        if (empty($holder->deleted)) {
            return false;
        }
        // A student deleted in Zoho keeps no claim on the account (e.g. the same person re-created under a new id).
        $DB->set_field('local_mzi_students', 'moodle_user_id', null, ['id' => $holder->id]);
        return true;
    }

    /**
     * Links a student to an account unless another live student holds it.
     *
     * @param \stdClass $student
     * @param int $userid
     * @return bool whether the student is now linked to the account
     */
    public static function link_student(\stdClass $student, int $userid): bool {
        global $DB;
        if ((int) ($student->moodle_user_id ?? 0) === $userid) {
            return true;
        }
        if (!self::claim_account($userid, (int) $student->id)) {
            return false;
        }
        try {
            $DB->set_field('local_mzi_students', 'moodle_user_id', $userid, ['id' => $student->id]);
        } catch (\dml_write_exception $e) {
            // A concurrent call linked the account to another student first (unique index): that link wins. Inside a
            // transaction the failed statement has aborted it (PostgreSQL), so only the caller can recover.
            if ($DB->is_transaction_started()) {
                throw $e;
            }
            return false;
        }
        $student->moodle_user_id = $userid;
        return true;
    }
}
