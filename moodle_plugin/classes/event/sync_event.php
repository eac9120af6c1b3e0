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


namespace local_moodle_zoho_sync\event;

/**
 * Common base of the sync outcome events.
 *
 * other[] carries: entity (student, class, …), zohoid, outcome (the result status), localid, error (error code or '').
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
abstract class sync_event extends \core\event\base {
    /**
     * Init method.
     */
    protected function init() {
        $this->data['crud'] = 'u';
        $this->data['edulevel'] = self::LEVEL_OTHER;
    }

    /**
     * Description shown in the logs.
     *
     * @return string
     */
    public function get_description() {
        $other = $this->other;
        $text = "The Zoho sync processed {$other['entity']} '{$other['zohoid']}' with outcome '{$other['outcome']}'";
        if (!empty($other['error'])) {
            $text .= " (error '{$other['error']}')";
        }
        return $text . " for the user with id '{$this->userid}'.";
    }

    /**
     * Validates the custom data.
     *
     * @throws \coding_exception
     */
    protected function validate_data() {
        parent::validate_data();
        foreach (['entity', 'zohoid', 'outcome'] as $key) {
            if (!isset($this->other[$key])) {
                throw new \coding_exception("The '{$key}' value must be set in other.");
            }
        }
    }

    /**
     * Mapping of other[] for backup/restore: nothing refers to restorable ids.
     *
     * @return bool
     */
    public static function get_other_mapping() {
        return false;
    }
}
