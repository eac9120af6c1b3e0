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
 * Web-service function: create or update a registration and its payment schedule.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class create_registration extends external_api {
    /**
     * Parameters.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'registration' => new external_single_structure([
                'zoho_registration_id' => new external_value(PARAM_ALPHANUMEXT, 'Zoho record id'),
                'zoho_modified_time' => new external_value(PARAM_RAW, 'Zoho Modified_Time, ISO-8601 with offset'),
                'zoho_created_time' => new external_value(PARAM_RAW, 'Zoho Created_Time', VALUE_OPTIONAL),
                'zoho_student_id' => new external_value(PARAM_ALPHANUMEXT, 'Zoho id of the student (parent)'),
                'registration_number' => new external_value(PARAM_TEXT, 'Registration number', VALUE_OPTIONAL),
                'program_name' => new external_value(PARAM_TEXT, 'Programme name', VALUE_OPTIONAL),
                'program_level' => new external_value(PARAM_TEXT, 'Programme level', VALUE_OPTIONAL),
                'registration_date' => new external_value(PARAM_TEXT, 'Registration date YYYY-MM-DD', VALUE_OPTIONAL),
                'expected_graduation' => new external_value(PARAM_TEXT, 'Expected graduation', VALUE_OPTIONAL),
                'registration_status' => new external_value(PARAM_TEXT, 'Registration status', VALUE_OPTIONAL),
                'total_fees' => new external_value(PARAM_FLOAT, 'Total fees (Program_Price) as a number', VALUE_OPTIONAL),
                'paid_amount' => new external_value(PARAM_FLOAT, 'Paid amount', VALUE_OPTIONAL),
                'remaining_amount' => new external_value(PARAM_FLOAT, 'Remaining amount', VALUE_OPTIONAL),
                'currency' => new external_value(PARAM_TEXT, 'Currency code', VALUE_OPTIONAL),
                'payment_plan' => new external_value(PARAM_TEXT, 'Payment plan', VALUE_OPTIONAL),
                'study_mode' => new external_value(PARAM_TEXT, 'Study mode', VALUE_OPTIONAL),
                'number_of_installments' => new external_value(PARAM_INT, 'Number of installments', VALUE_OPTIONAL),
            ], 'Registration record'),
            'installments' => new external_multiple_structure(
                new external_single_structure([
                    'installment_number' => new external_value(PARAM_INT, 'Installment number, 1..n, unique per registration'),
                    'zoho_installment_id' => new external_value(PARAM_ALPHANUMEXT, 'Zoho subform row id', VALUE_OPTIONAL),
                    'due_date' => new external_value(PARAM_TEXT, 'Due date YYYY-MM-DD', VALUE_OPTIONAL),
                    'amount' => new external_value(PARAM_FLOAT, 'Amount', VALUE_OPTIONAL),
                    'status' => new external_value(PARAM_TEXT, 'Installment status', VALUE_OPTIONAL),
                    'paid_date' => new external_value(PARAM_TEXT, 'Paid date YYYY-MM-DD', VALUE_OPTIONAL),
                ]),
                'The whole payment schedule; when sent, installments not listed are removed; omit to leave it as is',
                VALUE_DEFAULT, null, NULL_ALLOWED),
            // A form post cannot carry an empty list, so "Zoho's schedule has no rows any more" needs its own flag.
            'clearschedule' => new external_value(PARAM_BOOL,
                'When 1 and no installments are sent: the record has no payment schedule, so the stored one is emptied',
                VALUE_DEFAULT, false),
        ]);
    }

    /**
     * Upserts a registration and, when sent, replaces its schedule in place.
     *
     * @param array $registration
     * @param array|null $installments
     * @param bool $clearschedule
     * @return array uniform result
     */
    public static function execute(array $registration, ?array $installments = null, bool $clearschedule = false): array {
        $params = self::validate_parameters(self::execute_parameters(),
            ['registration' => $registration, 'installments' => $installments, 'clearschedule' => $clearschedule]);
        ws::require_sync_access();
        $schedule = $params['installments'];
        if ($schedule === null && $params['clearschedule']) {
            $schedule = [];
        }
        return \local_moodle_zoho_sync\local\dashboard_sync::create_registration($params['registration'], $schedule);
    }

    /**
     * Return description.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return ws::result_structure([
            'student_id' => new external_value(PARAM_INT, 'Local student row id, 0 when the parent is missing', VALUE_DEFAULT, 0),
            'installments_created' => new external_value(PARAM_INT, 'Installments inserted'),
            'installments_updated' => new external_value(PARAM_INT, 'Installments changed'),
            'installments_deleted' => new external_value(PARAM_INT, 'Installments removed (no longer in the schedule)'),
        ]);
    }
}
