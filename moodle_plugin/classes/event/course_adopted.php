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
 * Event: an administrator adopted an existing course for a Zoho class, so the sync now manages it.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class course_adopted extends \core\event\base {
    /**
     * Init.
     */
    protected function init() {
        $this->data['crud'] = 'c';
        $this->data['edulevel'] = self::LEVEL_OTHER;
        $this->data['objecttable'] = 'local_mzi_course_adoptions';
    }

    /**
     * Event name.
     *
     * @return string
     */
    public static function get_name() {
        return get_string('eventcourseadopted', 'local_moodle_zoho_sync');
    }

    /**
     * Description for the logs.
     *
     * @return string
     */
    public function get_description() {
        return "The user with id '{$this->userid}' adopted the course with id '{$this->courseid}' for the Zoho class " .
            "'{$this->other['zohoclassid']}': the Zoho sync may now update it and its enrolments.";
    }

    /**
     * Validation.
     */
    protected function validate_data() {
        parent::validate_data();
        if (!isset($this->other['zohoclassid'])) {
            throw new \coding_exception("The 'zohoclassid' value must be set in other.");
        }
    }

    /**
     * Mapping of objectid for backup/restore: none (the adoption is site data).
     *
     * @return array
     */
    public static function get_objectid_mapping() {
        return ['db' => 'local_mzi_course_adoptions', 'restore' => \core\event\base::NOT_MAPPED];
    }

    /**
     * Mapping of other.
     *
     * @return bool
     */
    public static function get_other_mapping() {
        return false;
    }
}
