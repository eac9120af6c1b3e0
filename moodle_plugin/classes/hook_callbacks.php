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

namespace local_moodle_zoho_sync;

use local_moodle_zoho_sync\local\dashboard_data;

/**
 * Hook callbacks (db/hooks.php).
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
final class hook_callbacks {
    /**
     * Adds "My studies" to the user menu of a logged-in user who has a live student record and may see it.
     *
     * @param \core_user\hook\extend_user_menu $hook
     */
    public static function extend_user_menu(\core_user\hook\extend_user_menu $hook): void {
        global $USER;
        if (!isloggedin() || isguestuser() || during_initial_install()) {
            return;
        }
        if (!dashboard_data::student_rows((int) $USER->id) || !dashboard_data::can_view((int) $USER->id)) {
            return;
        }
        $hook->add_navitem((object) [
            'itemtype' => 'link',
            'url' => new \moodle_url('/local/moodle_zoho_sync/mystudies.php'),
            'title' => get_string('mystudies', 'local_moodle_zoho_sync'),
            'titleidentifier' => 'mystudies,local_moodle_zoho_sync',
        ]);
    }
}
