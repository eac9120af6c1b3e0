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
     * Whether a user id is a live account.
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
     * A live user by e-mail, case-insensitively; null when none or when several accounts share it.
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
        $select = $DB->sql_equal('email', ':email', false) . ' AND deleted = 0 AND mnethostid = :mnethostid';
        $ids = $DB->get_fieldset_select('user', 'id', $select, ['email' => $email, 'mnethostid' => $CFG->mnet_localhost_id]);
        return count($ids) === 1 ? (int) reset($ids) : null;
    }

    /**
     * A live user by username (usernames are stored lower-case).
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
        $id = $DB->get_field('user', 'id', ['username' => $username, 'deleted' => 0, 'mnethostid' => $CFG->mnet_localhost_id]);
        return $id ? (int) $id : null;
    }

    /**
     * The one rule for staff and teachers: e-mail first, then the same text as username.
     *
     * @param string $emailorusername
     * @return int|null
     */
    public static function by_email_or_username(string $emailorusername): ?int {
        return self::by_email($emailorusername) ?? self::by_username($emailorusername);
    }

    /**
     * Three-tier resolution of a student's account, writing back what it found.
     *
     * 1. the stored local_mzi_students.moodle_user_id, if that account is live;
     * 2. mdl_user.email = academic_email;
     * 3. mdl_user.username = lower(student_id).
     *
     * @param \stdClass $student a local_mzi_students row
     * @return array [int|null userid, string tier: stored|email|username|none]
     */
    public static function resolve_student(\stdClass $student): array {
        global $DB;
        if (!empty($student->moodle_user_id) && self::is_live_user((int) $student->moodle_user_id)) {
            return [(int) $student->moodle_user_id, 'stored'];
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
        if ((int) ($student->moodle_user_id ?? 0) !== $userid) {
            $DB->set_field('local_mzi_students', 'moodle_user_id', $userid, ['id' => $student->id]);
            $student->moodle_user_id = $userid;
        }
        return [$userid, $tier];
    }
}
