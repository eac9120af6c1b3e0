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
 * Runs work in a database transaction whose committed result no later side effect can turn into an error.
 *
 * Moodle buffers messages (and events) sent inside a transaction and sends them from allow_commit(), after the
 * database commit: a welcome e-mail that fails on a site without working mail throws "Message was not sent." out of
 * allow_commit() although every row is already committed. Calling rollback() then fails with
 * dml_transaction_exception. Here the work is rolled back only while its transaction is still open, and a failure
 * after the commit is reported (debugging) instead of thrown.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
final class committed_transaction {
    /**
     * Runs $work in a delegated transaction and commits it.
     *
     * @param callable $work returns the result; a throw rolls everything back and is rethrown
     * @return mixed what $work returned
     */
    public static function run(callable $work) {
        global $DB;
        $transaction = $DB->start_delegated_transaction();
        try {
            $result = $work();
        } catch (\Throwable $e) {
            // Nothing is committed yet: the transaction is still open, so rolling it back is valid.
            $transaction->rollback($e);
        }
        try {
            $transaction->allow_commit();
        } catch (\Throwable $e) {
            if (!$transaction->is_disposed() || $DB->is_transaction_started()) {
                // The commit itself failed (or we are nested and nothing was committed): a real error.
                throw $e;
            }
            // The rows are committed; only something sent after the commit (a message, an event observer) failed.
            self::report_after_commit($e);
        }
        return $result;
    }

    /**
     * Reports a failure that happened after the commit, without failing the call.
     *
     * @param \Throwable $e
     */
    public static function report_after_commit(\Throwable $e): void {
        debugging('local_moodle_zoho_sync: the data is saved, but a side effect after the database commit failed ' .
            '(typically a notification e-mail on a site whose mail does not work): ' . $e->getMessage(), DEBUG_NORMAL);
    }
}
