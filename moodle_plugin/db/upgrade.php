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

/**
 * Upgrade steps of local_moodle_zoho_sync.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

/**
 * Upgrades the plugin in place.
 *
 * Sites running the previous releases (2026021606, 2026022600, fresh or upgraded) converge to install.xml;
 * every table, column and index is checked rather than assumed. Unused old tables are kept.
 *
 * @param int $oldversion the version we are upgrading from
 * @return bool
 */
function xmldb_local_moodle_zoho_sync_upgrade($oldversion) {
    global $DB;
    // Copying this folder over the predecessor's leaves its admin pages, tasks and observer classes behind: refuse,
    // before any change, until the old folder has been removed and this one copied into an empty place.
    \local_moodle_zoho_sync\local\predecessor_takeover::require_clean_folder(dirname(__DIR__));
    if ($oldversion < 2026112500) {
        \local_moodle_zoho_sync\local\schema_upgrader::run();
        upgrade_plugin_savepoint(true, 2026112500, 'local', 'moodle_zoho_sync');
    }
    if ($oldversion < 2026112502) {
        // The "My studies" page checks local/moodle_zoho_sync:viewdashboard in the system context, where students hold only the
        // authenticated-user role (their student role is a course role). New installs get it from db/access.php; on
        // existing sites grant it to the authenticated-user roles unless an administrator already set a permission.
        $system = context_system::instance();
        foreach (get_archetype_roles('user') as $role) {
            if (!$DB->record_exists('role_capabilities', ['roleid' => $role->id, 'contextid' => $system->id,
                    'capability' => 'local/moodle_zoho_sync:viewdashboard'])) {
                assign_capability('local/moodle_zoho_sync:viewdashboard', CAP_ALLOW, $role->id, $system->id);
            }
        }
        upgrade_plugin_savepoint(true, 2026112502, 'local', 'moodle_zoho_sync');
    }
    if ($oldversion < 2026112503) {
        // Converge again: column defaults and leftover foreign-key indexes of the previous releases.
        \local_moodle_zoho_sync\local\schema_upgrader::run();
        upgrade_plugin_savepoint(true, 2026112503, 'local', 'moodle_zoho_sync');
    }
    if ($oldversion < 2026120310) {
        // Least privilege: the table of adopted courses, and one Moodle account per student (the unique index on
        // local_mzi_students.moodle_user_id; accounts linked to several students are unlinked and reported first).
        \local_moodle_zoho_sync\local\schema_upgrader::run();
        // The service now admits only authorised users (db/services.php): authorise the users that already hold a
        // token of it, so the running sync keeps working. Each one is reported.
        \local_moodle_zoho_sync\local\service_access::authorise_token_holders();
        upgrade_plugin_savepoint(true, 2026120310, 'local', 'moodle_zoho_sync');
    }
    if ($oldversion < 2026120320) {
        // Taking over the predecessor's rows: BTEC letters from btec_grade_name into grade, and rows it soft-deleted by
        // status (Deleted, Cancelled, Voided, Withdrawn) marked deleted, so "My studies" shows what the old plugin did.
        $filled = \local_moodle_zoho_sync\local\predecessor_takeover::migrate_grade_letters();
        $marked = \local_moodle_zoho_sync\local\predecessor_takeover::mark_status_deletes();
        if (CLI_SCRIPT || $filled || array_sum($marked)) {
            mtrace(get_string('takeovermigrated', 'local_moodle_zoho_sync',
                (object) ['letters' => $filled, 'deleted' => array_sum($marked)]));
        }
        $oldtables = \local_moodle_zoho_sync\local\old_tables::present();
        if ($oldtables) {
            mtrace(get_string('oldtableskept', 'local_moodle_zoho_sync',
                (object) ['count' => count($oldtables), 'tables' => implode(', ', array_keys($oldtables))]));
        }
        upgrade_plugin_savepoint(true, 2026120320, 'local', 'moodle_zoho_sync');
    }
    return true;
}
