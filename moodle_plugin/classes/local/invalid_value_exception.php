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
 * A value from Zoho that does not fit where it would be stored: errorcode invalidparameter, never a dml_write_exception.
 *
 * The message names the field and the rule it broke, never the value (it may be personal data).
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class invalid_value_exception extends \invalid_parameter_exception {
    /** @var string the parameter path, e.g. student.academic_email */
    public $field;

    /**
     * Constructor.
     *
     * @param string $field parameter path
     * @param string $rule string key of the broken rule (valuerule_*)
     * @param mixed $a values of the rule text (e.g. the maximum length)
     */
    public function __construct(string $field, string $rule, $a = null) {
        $this->field = $field;
        $why = get_string('valuerule_' . $rule, 'local_moodle_zoho_sync', $a);
        parent::__construct($field . ': ' . $why);
        // The core message ("Invalid parameter value detected") does not say which field: ours does.
        $this->message = get_string('invalidvalue', 'local_moodle_zoho_sync', (object) ['field' => $field, 'why' => $why]);
    }
}
