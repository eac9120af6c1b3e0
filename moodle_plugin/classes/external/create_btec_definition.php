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

use core_external\external_api;
use core_external\external_function_parameters;
use core_external\external_multiple_structure;
use core_external\external_single_structure;
use core_external\external_value;
use local_moodle_zoho_sync\local\ws;

/**
 * Web-service function: create or update the shared BTEC grading definition of a Zoho BTEC unit.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class create_btec_definition extends external_api {
    /**
     * Parameters (names kept from the previous release so old callers still fit).
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'zoho_unit_id' => new external_value(PARAM_ALPHANUMEXT, 'Zoho id of the BTEC unit record'),
            'name' => new external_value(PARAM_TEXT, 'Unit name; the definition name'),
            'description' => new external_value(PARAM_RAW, 'Definition description', VALUE_DEFAULT, ''),
            'zoho_modified_time' => new external_value(PARAM_RAW,
                'Zoho Modified_Time; older than stored = stale; empty = no stale check', VALUE_DEFAULT, ''),
            'criteria' => new external_multiple_structure(new external_single_structure([
                'shortname' => new external_value(PARAM_TEXT, 'Criterion code P1..P20, M1..M9 or D1..D6'),
                'description' => new external_value(PARAM_RAW, 'Criterion text', VALUE_DEFAULT, ''),
                'level' => new external_value(PARAM_TEXT, 'Ignored: the level is the first letter of the code',
                    VALUE_OPTIONAL),
                'sortorder' => new external_value(PARAM_INT, 'Ignored: the order is computed (P, then M, then D)',
                    VALUE_OPTIONAL),
            ]), 'All criteria of the unit; criteria not listed are removed (refused if already used in marking)',
                VALUE_DEFAULT, []),
        ]);
    }

    /**
     * Creates or updates the definition.
     *
     * @param string $zohounitid
     * @param string $name
     * @param string $description
     * @param string $zohomodifiedtime
     * @param array $criteria
     * @return array uniform result
     */
    public static function execute(string $zohounitid, string $name, string $description = '',
            string $zohomodifiedtime = '', array $criteria = []): array {
        $params = self::validate_parameters(self::execute_parameters(), ['zoho_unit_id' => $zohounitid, 'name' => $name,
            'description' => $description, 'zoho_modified_time' => $zohomodifiedtime, 'criteria' => $criteria]);
        ws::require_sync_access();
        return \local_moodle_zoho_sync\local\btec_sync::upsert($params['zoho_unit_id'], $params['name'],
            $params['description'], trim($params['zoho_modified_time']), $params['criteria']);
    }

    /**
     * Return description.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return ws::result_structure([
            'definition_id' => new external_value(PARAM_INT, 'Grading definition id'),
            'areaid' => new external_value(PARAM_INT, 'Grading area id of the shared template'),
            'criteria_count' => new external_value(PARAM_INT, 'Number of criteria now in the definition'),
            'criteria' => new external_multiple_structure(new external_single_structure([
                'id' => new external_value(PARAM_INT, 'Criterion id (gradingform_btec_criteria.id), stable across updates'),
                'shortname' => new external_value(PARAM_ALPHANUM, 'Code'),
                'sortorder' => new external_value(PARAM_INT, 'Sort order, 1..n: P first, then M, then D'),
            ]), 'Criteria in order'),
        ]);
    }
}
