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
    return true;
}
