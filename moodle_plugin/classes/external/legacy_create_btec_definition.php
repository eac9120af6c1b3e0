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


namespace local_moodle_zoho_sync\external;

/**
 * Legacy name local_moodle_zoho_sync_create_btec_definition: same behaviour as local_mzi_create_btec_definition.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class legacy_create_btec_definition extends create_btec_definition {
    /**
     * Marks this name deprecated in the API documentation; calls still work.
     *
     * @return bool
     */
    public static function execute_is_deprecated(): bool {
        return true;
    }
}
