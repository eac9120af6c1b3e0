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
use core_external\external_single_structure;
use core_external\external_value;
use local_moodle_zoho_sync\local\ws;

/**
 * Web-service function: Create or update a payment from Zoho BTEC_Payments.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class record_payment extends external_api {
    /**
     * Parameters.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'payment' => new external_single_structure([
                'zoho_payment_id' => new external_value(PARAM_ALPHANUMEXT, 'Zoho record id'),
                'zoho_modified_time' => new external_value(PARAM_RAW, 'Zoho Modified_Time, ISO-8601 with offset; older than stored = stale'),
                'zoho_created_time' => new external_value(PARAM_RAW, 'Zoho Created_Time, ISO-8601', VALUE_OPTIONAL),
                'zoho_registration_id' => new external_value(PARAM_ALPHANUMEXT, 'Zoho id of the parent registration'),
                'payment_number' => new external_value(PARAM_TEXT, 'Payment number', VALUE_OPTIONAL),
                'payment_date' => new external_value(PARAM_TEXT, 'Payment date YYYY-MM-DD', VALUE_OPTIONAL),
                'payment_amount' => new external_value(PARAM_FLOAT, 'Amount as a number', VALUE_OPTIONAL),
                'payment_method' => new external_value(PARAM_TEXT, 'Payment method', VALUE_OPTIONAL),
                'voucher_number' => new external_value(PARAM_TEXT, 'Voucher number', VALUE_OPTIONAL),
                'bank_name' => new external_value(PARAM_TEXT, 'Bank name', VALUE_OPTIONAL),
                'receipt_number' => new external_value(PARAM_TEXT, 'Receipt number', VALUE_OPTIONAL),
                'payment_notes' => new external_value(PARAM_TEXT, 'Payment notes', VALUE_OPTIONAL),
                'payment_status' => new external_value(PARAM_TEXT, 'Payment status', VALUE_OPTIONAL),
            ], 'Payment record'),
        ]);
    }

    /**
     * Create or update a payment from Zoho BTEC_Payments.
     *
     * @param array $payment the record, only the keys the caller sends are written
     * @return array uniform result
     */
    public static function execute(array $payment): array {
        $params = self::validate_parameters(self::execute_parameters(), ['payment' => $payment]);
        ws::require_sync_access();
        return \local_moodle_zoho_sync\local\dashboard_sync::record_payment($params['payment']);
    }

    /**
     * Return description.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return ws::result_structure([
            'registration_id' => new external_value(PARAM_INT, 'Local registration row id, 0 when the parent is missing'),
        ]);
    }
}
