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
 * Taking over a site that ran the predecessor plugin (releases 2026021606 and 2026022600).
 *
 * - refuses the upgrade while files of the old plugin are still in the plugin folder (copying our folder over the
 *   old one keeps its admin pages, tasks and observer classes, which post users' data to the old backend);
 * - fills the BTEC letter (grade) of old grades from the letter inside btec_grade_name;
 * - marks deleted the rows the old plugin soft-deleted by status (Deleted, Cancelled, Voided, Withdrawn).
 *
 * Rows written by this plugin always carry zoho_modified_time; the old plugin never stored it (except for teachers).
 * The data steps therefore touch only rows without it, so a live record that Zoho itself marks Cancelled and that
 * this plugin synced is never hidden. A hidden old row comes back as soon as Zoho sends it again (record_store
 * revives a soft-deleted row that has no stored Modified_Time).
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
final class predecessor_takeover {
    /** Files of the predecessor's plugin folder (releases 2026021606 and 2026022600) that this plugin does not have. */
    const OLD_ONLY_FILES = [
        'ARABIC_SUMMARY_v3.4.1.md',
        'BUILD_COMPLETE.md',
        'CHANGELOG_v3.4.1.md',
        'COMPLETION_REPORT_v3.2.0.md',
        'CRITICAL_FIXES_REQUIRED.md',
        'CRITICAL_FIX_GRADING.md',
        'DEPLOYMENT_READY_v3.4.1.md',
        'DETAILED_EXPLANATION.md',
        'ENHANCED_MONITORING_IMPLEMENTATION.md',
        'FIXES_APPLIED.md',
        'GRADE_LOGIC_COMPLETE.md',
        'INDEX.md',
        'MOODLE_PLUGIN_COMPLETE_ARCHITECTURE.md',
        'NAMESPACE_FIX_COMPLETE.md',
        'NEXT_STEPS_AR.md',
        'P1_FIXES_COMPLETE.md',
        'PRODUCTION_HARDENING_COMPLETE.md',
        'QUICK_SETUP_ENHANCED_MONITORING.md',
        'README_INSTALLATION.md',
        'STUDENT_DASHBOARD_UX_COMPLETE.md',
        'TECHNICAL_IMPLEMENTATION.md',
        'TESTING_GUIDE_CRITICAL.md',
        'UI_ENHANCEMENT_COMPLETE.md',
        'VERSION_3_2_0_RELEASE_NOTES.md',
        'add_action_column.sql',
        'assets/css/dashboard.css',
        'assets/js/dashboard.js',
        'assets/js/dashboard_enhanced.js',
        'check_webhook_file.php',
        'classes/admin_setting_encrypted_token.php',
        'classes/config_manager.php',
        'classes/data_extractor.php',
        'classes/event_logger.php',
        'classes/external/student_dashboard.php',
        'classes/observer.php',
        'classes/observer_backup_before_hybrid.php',
        'classes/task/cleanup_old_logs.php',
        'classes/task/health_monitor.php',
        'classes/task/retry_failed_webhooks.php',
        'classes/task/sync_missing_grades.php',
        'classes/webhook_sender.php',
        'db/manual_fix_student_tables.sql',
        'fix_retrying_events.php',
        'manual_observer_registration.sql',
        'manual_retry.php',
        'reset_event.php',
        'show_webhook_content.php',
        'test_grading_observer.php',
        'ui/admin/GRADE_MONITOR_COMPLETION.md',
        'ui/admin/GRADE_MONITOR_DOCS_INDEX.md',
        'ui/admin/GRADE_MONITOR_FEATURES.md',
        'ui/admin/GRADE_MONITOR_GUIDE.md',
        'ui/admin/NAVIGATION_GUIDE.md',
        'ui/admin/btec_templates.php',
        'ui/admin/dashboard.php',
        'ui/admin/event_detail.php',
        'ui/admin/event_logs.php',
        'ui/admin/event_logs_enhanced.php',
        'ui/admin/grade_queue_monitor.php',
        'ui/admin/health_check.php',
        'ui/admin/health_monitor_detailed.php',
        'ui/admin/includes/navigation.php',
        'ui/admin/statistics.php',
        'ui/admin/student_dashboard_management.php',
        'ui/admin/student_search.php',
        'ui/admin/sync_management.php',
        'ui/admin2/btec.php',
        'ui/admin2/event_logs.php',
        'ui/admin2/grade_queue.php',
        'ui/admin2/health.php',
        'ui/admin2/includes/nav.php',
        'ui/admin2/overview.php',
        'ui/admin2/settings.php',
        'ui/admin2/student_manager.php',
        'ui/ajax/ack_grade.php',
        'ui/ajax/get_student_data.php',
        'ui/ajax/retry_failed.php',
        'ui/ajax/retry_single_event.php',
        'ui/ajax/submit_request.php',
        'ui/ajax/test_connection.php',
        'ui/ajax/upload_photo.php',
        'ui/student/card_print.php',
        'ui/student/classes.php',
        'ui/student/profile.php',
        'ui/student/programs.php',
        'ui/student/requests.php',
        'ui/student/serve_photo.php',
        'ui/student/student_card.php',
        'update_webhook_sender.php',
        'تطوير_صفحة_الطالب.md',
        'تقرير_1st_2nd_Attempt.md',
        'خطة_تطبيق_Hybrid_Grading.md',
        'دليل_اختبار_Scheduled_Task.md',
    ];

    /** Table => [status column, the statuses the old plugin's local_mzi_delete_* functions wrote]. */
    const STATUS_DELETES = [
        'local_mzi_students' => ['status', ['Deleted']],
        'local_mzi_registrations' => ['registration_status', ['Cancelled']],
        'local_mzi_payments' => ['payment_status', ['Voided']],
        'local_mzi_classes' => ['class_status', ['Cancelled']],
        'local_mzi_enrollments' => ['enrollment_status', ['Withdrawn']],
        'local_mzi_requests' => ['request_status', ['Cancelled']],
    ];

    /** Words the old btec_grade_name used for a letter, besides the letter itself. */
    const LETTER_WORDS = ['PASS' => 'P', 'MERIT' => 'M', 'DISTINCTION' => 'D', 'REFER' => 'R', 'REFERRAL' => 'R',
        'FAIL' => 'F'];

    /**
     * Old-only files present in a plugin folder.
     *
     * @param string $dir the plugin folder
     * @return string[] relative paths
     */
    public static function old_files_present(string $dir): array {
        $found = [];
        foreach (self::OLD_ONLY_FILES as $path) {
            if (file_exists($dir . '/' . $path)) {
                $found[] = $path;
            }
        }
        return $found;
    }

    /**
     * Refuses to go on while old files are in the folder, naming the folder and some of the files.
     *
     * @param string $dir the plugin folder
     * @throws \moodle_exception predecessorfilespresent
     */
    public static function require_clean_folder(string $dir): void {
        $found = self::old_files_present($dir);
        if (!$found) {
            return;
        }
        $a = (object) ['dir' => $dir, 'count' => count($found), 'files' => implode(', ', array_slice($found, 0, 8))];
        throw new \moodle_exception('predecessorfilespresent', 'local_moodle_zoho_sync', '', $a);
    }

    /**
     * The BTEC letter inside an old btec_grade_name ("Student - Course - M - 2026-02-10", or just "M").
     *
     * @param string|null $name
     * @return string P, M, D, R, RR, F, Mapped, or '' when it holds none
     */
    public static function letter_of(?string $name): string {
        $parts = array_reverse(array_map('trim', explode(' - ', (string) $name)));
        foreach ($parts as $part) {
            $word = \core_text::strtoupper($part);
            if (in_array($word, ['P', 'M', 'D', 'R', 'RR', 'F'], true)) {
                return $word;
            }
            if ($word === 'MAPPED') {
                return 'Mapped';
            }
            if (isset(self::LETTER_WORDS[$word])) {
                return self::LETTER_WORDS[$word];
            }
        }
        return '';
    }

    /**
     * Fills the empty letter of old grades from btec_grade_name.
     *
     * @return int grades filled
     */
    public static function migrate_grade_letters(): int {
        global $DB;
        $filled = 0;
        $rows = $DB->get_recordset_select('local_mzi_grades',
            "(grade IS NULL OR grade = '') AND zoho_modified_time IS NULL AND btec_grade_name IS NOT NULL", null, 'id',
            'id, btec_grade_name');
        foreach ($rows as $row) {
            $letter = self::letter_of($row->btec_grade_name);
            if ($letter !== '') {
                $DB->set_field('local_mzi_grades', 'grade', $letter, ['id' => $row->id]);
                $filled++;
            }
        }
        $rows->close();
        return $filled;
    }

    /**
     * Marks deleted the old rows whose status is the old plugin's soft delete.
     *
     * @return array table => rows marked
     */
    public static function mark_status_deletes(): array {
        global $DB;
        $marked = [];
        foreach (self::STATUS_DELETES as $table => [$column, $statuses]) {
            [$insql, $params] = $DB->get_in_or_equal($statuses, SQL_PARAMS_NAMED);
            $where = "deleted = 0 AND zoho_modified_time IS NULL AND $column $insql";
            $marked[$table] = $DB->count_records_select($table, $where, $params);
            if ($marked[$table]) {
                $DB->set_field_select($table, 'deleted', 1, $where, $params);
            }
        }
        return $marked;
    }
}
