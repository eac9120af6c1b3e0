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

namespace local_moodle_zoho_sync\task;

use local_moodle_zoho_sync\local\sync_health;

/**
 * Warns the site administrators when no sync event was seen for the configured working-day hours.
 *
 * Silence is counted only on the configured working days (site time zone), and the warning is sent on a working
 * day, once per silent spell: a new sync event starts a new spell.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class check_silent_feed extends \core\task\scheduled_task {
    /**
     * Task name.
     *
     * @return string
     */
    public function get_name() {
        return get_string('tasksilentfeed', 'local_moodle_zoho_sync');
    }

    /**
     * Runs the check.
     */
    public function execute() {
        $now = \core\di::get(\core\clock::class)->time();
        $status = sync_health::silent_feed_status($now);
        if (!$status['alert']) {
            mtrace('Zoho sync feed: no alert (last event: ' . ($status['lastevent'] ? userdate($status['lastevent']) : 'never')
                . ').');
            return;
        }
        // One warning per silent spell, keyed by the last event seen ('never' when there was none).
        $spell = $status['lastevent'] === null ? 'never' : (string) $status['lastevent'];
        if (get_config('local_moodle_zoho_sync', 'silentalertspell') === $spell) {
            mtrace('Zoho sync feed: still silent; administrators already warned.');
            return;
        }
        $sent = self::notify($status);
        set_config('silentalertspell', $spell, 'local_moodle_zoho_sync');
        mtrace("Zoho sync feed: silent; warned {$sent} administrator(s).");
    }

    /**
     * Sends the warning to every site administrator.
     *
     * @param array $status from sync_health::silent_feed_status()
     * @return int number of messages sent
     */
    public static function notify(array $status): int {
        $url = new \moodle_url('/local/moodle_zoho_sync/health.php');
        $sent = 0;
        foreach (get_admins() as $admin) {
            // Strings in the recipient's language.
            $sm = get_string_manager();
            $lang = $admin->lang ?: null;
            $a = (object) [
                'hours' => sync_health::silent_hours(),
                'last' => $status['lastevent'] === null ? $sm->get_string('never', 'moodle', null, $lang)
                    : userdate($status['lastevent'], '', \core_date::get_user_timezone($admin)),
                'url' => $url->out(false),
            ];
            $message = new \core\message\message();
            $message->component = 'local_moodle_zoho_sync';
            $message->name = 'silentfeed';
            $message->userfrom = \core_user::get_noreply_user();
            $message->userto = $admin;
            $message->subject = $sm->get_string('silentfeed_subject', 'local_moodle_zoho_sync', $a, $lang);
            $message->fullmessage = $sm->get_string('silentfeed_body', 'local_moodle_zoho_sync', $a, $lang);
            $message->fullmessageformat = FORMAT_PLAIN;
            $message->fullmessagehtml = '';
            $message->smallmessage = $sm->get_string('silentfeed_small', 'local_moodle_zoho_sync', $a, $lang);
            $message->notification = 1;
            $message->contexturl = $url->out(false);
            $message->contexturlname = $sm->get_string('healthpage', 'local_moodle_zoho_sync', null, $lang);
            if (message_send($message)) {
                $sent++;
            }
        }
        return $sent;
    }
}
