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
 * One Moodle account, one student: resolves accounts linked to several Zoho students (left by earlier releases,
 * which had no unique index), so that the unique index on local_mzi_students.moodle_user_id can be created.
 *
 * A link is kept only when exactly one of the students matches the account (its e-mail is the student's academic
 * e-mail, or its username the student number); every other link is removed, never a row, and resolved again by the
 * next sync of the student. Each resolution is reported: returned, written to the upgrade log, and printed during an
 * upgrade.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
final class student_links {
    /**
     * Removes duplicate links and reports them.
     *
     * @return string[] one message per account that had several students
     */
    public static function resolve_duplicates(): array {
        global $DB;
        // Earlier releases wrote 0 for "no account" into a NOT NULL column: that is no link.
        $DB->set_field_select('local_mzi_students', 'moodle_user_id', null, 'moodle_user_id <= 0');
        $userids = $DB->get_fieldset_sql('SELECT moodle_user_id
                                            FROM {local_mzi_students}
                                           WHERE moodle_user_id IS NOT NULL
                                        GROUP BY moodle_user_id
                                          HAVING COUNT(1) > 1');
        $notices = [];
        foreach ($userids as $userid) {
            $rows = $DB->get_records('local_mzi_students', ['moodle_user_id' => $userid], 'id',
                'id, zoho_student_id, student_id, academic_email, deleted');
            $user = $DB->get_record('user', ['id' => $userid], 'id, email, username, deleted');
            $matching = array_filter($rows, fn($row) => $user && !$user->deleted && self::matches($row, $user));
            $keep = count($matching) === 1 ? reset($matching) : null;
            foreach ($rows as $row) {
                if (!$keep || (int) $row->id !== (int) $keep->id) {
                    $DB->set_field('local_mzi_students', 'moodle_user_id', null, ['id' => $row->id]);
                }
            }
            $a = (object) ['userid' => $userid, 'students' => implode(', ', array_map(fn($r) => $r->zoho_student_id, $rows)),
                'kept' => $keep ? $keep->zoho_student_id : ''];
            $notices[] = get_string($keep ? 'upgrade_duplicatelink' : 'upgrade_duplicatelink_none', 'local_moodle_zoho_sync', $a);
        }
        foreach ($notices as $notice) {
            self::report($notice);
        }
        return $notices;
    }

    /**
     * Whether a student row describes the account (academic e-mail = account e-mail, or student number = username).
     *
     * @param \stdClass $row
     * @param \stdClass $user
     * @return bool
     */
    private static function matches(\stdClass $row, \stdClass $user): bool {
        return user_resolver::describes_account($row, $user);
    }

    /**
     * Reports one resolution where an administrator sees it: the upgrade log, and the upgrade's output.
     *
     * @param string $notice
     */
    public static function report(string $notice): void {
        global $OUTPUT, $CFG;
        require_once($CFG->libdir . '/upgradelib.php');
        upgrade_log(UPGRADE_LOG_NOTICE, 'local_moodle_zoho_sync', $notice);
        if (!(defined('PHPUNIT_TEST') && PHPUNIT_TEST)) {
            echo $OUTPUT->notification($notice, \core\output\notification::NOTIFY_WARNING);
        }
    }
}
