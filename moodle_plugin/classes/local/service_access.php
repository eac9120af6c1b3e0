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
 * Who may use the plugin's web service: the service admits only authorised users (restrictedusers).
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
final class service_access {
    /** Short name of the plugin's predefined service. */
    const SERVICE = 'moodle_zoho_sync';

    /**
     * Authorises every live user who holds a token of the service, so that restricting the service to authorised
     * users on upgrade does not cut off the running sync. Each authorisation is reported.
     *
     * @return string[] messages, one per user authorised now
     */
    public static function authorise_token_holders(): array {
        global $DB;
        $service = $DB->get_record('external_services', ['shortname' => self::SERVICE]);
        if (!$service) {
            return [];
        }
        $userids = $DB->get_fieldset_sql('SELECT DISTINCT t.userid
                                            FROM {external_tokens} t
                                            JOIN {user} u ON u.id = t.userid AND u.deleted = 0
                                           WHERE t.externalserviceid = :sid
                                        ORDER BY t.userid', ['sid' => $service->id]);
        $notices = [];
        foreach ($userids as $userid) {
            if ($DB->record_exists('external_services_users', ['externalserviceid' => $service->id, 'userid' => $userid])) {
                continue;
            }
            $DB->insert_record('external_services_users', (object) ['externalserviceid' => $service->id,
                'userid' => $userid, 'iprestriction' => null, 'validuntil' => null, 'timecreated' => time()]);
            $user = $DB->get_record('user', ['id' => $userid], 'id, username');
            $notices[] = get_string('upgrade_authorised', 'local_moodle_zoho_sync', s($user->username) . " (id {$userid})");
        }
        foreach ($notices as $notice) {
            student_links::report($notice);
        }
        return $notices;
    }
}
