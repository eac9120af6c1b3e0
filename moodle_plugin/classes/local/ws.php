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

use core_external\external_api;
use core_external\external_single_structure;
use core_external\external_value;

/**
 * Shared pieces of the web-service functions: access check, the uniform result, and outcome events.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
final class ws {
    /** Statuses that wrote something. */
    const APPLIED = ['created', 'updated', 'deleted'];

    /**
     * Validates the system context and requires the sync capability.
     *
     * @return \context_system
     */
    public static function require_sync_access(): \context_system {
        $context = \context_system::instance();
        external_api::validate_context($context);
        require_capability('local/moodle_zoho_sync:sync', $context);
        return $context;
    }

    /**
     * The fields every result carries, plus function-specific ones.
     *
     * @param array $extra name => external_description
     * @return array
     */
    public static function result_fields(array $extra = []): array {
        return array_merge([
            'status' => new external_value(PARAM_ALPHAEXT,
                'created|updated|unchanged|stale|deleted|absent|parent_missing (failed only inside batch results)'),
            'id' => new external_value(PARAM_INT, 'Local row id in the plugin table, 0 when there is none'),
            'zoho_id' => new external_value(PARAM_RAW, 'The Zoho id the result is about'),
            'message' => new external_value(PARAM_TEXT, 'Outcome in words, for logs'),
            'parent_entity' => new external_value(PARAM_ALPHA,
                'With status parent_missing: student, registration or class; otherwise empty', VALUE_DEFAULT, ''),
            'parent_zoho_id' => new external_value(PARAM_RAW,
                'With status parent_missing: the Zoho id of the missing parent; otherwise empty', VALUE_DEFAULT, ''),
        ], $extra);
    }

    /**
     * The uniform result structure.
     *
     * @param array $extra function-specific fields
     * @param string $desc description
     * @return external_single_structure
     */
    public static function result_structure(array $extra = [], string $desc = 'Sync result'): external_single_structure {
        return new external_single_structure(self::result_fields($extra), $desc);
    }

    /**
     * Builds a result array and fires the matching event.
     *
     * @param string $entity entity name (student, registration, …)
     * @param string $zohoid
     * @param string $status
     * @param int $id local row id
     * @param array $extra function-specific values
     * @return array
     */
    public static function result(string $entity, string $zohoid, string $status, int $id, array $extra = []): array {
        $a = (object) ['entity' => $entity, 'zohoid' => $zohoid, 'parent' => $extra['parent_entity'] ?? '',
            'parentid' => $extra['parent_zoho_id'] ?? ''];
        $result = array_merge([
            'status' => $status,
            'id' => $id,
            'zoho_id' => $zohoid,
            'message' => get_string('outcome_' . $status, 'local_moodle_zoho_sync', $a),
            'parent_entity' => '',
            'parent_zoho_id' => '',
        ], $extra);
        self::fire($entity, $zohoid, $status, $id, '');
        return $result;
    }

    /**
     * Result of a record whose parent is not synced yet: nothing was written.
     *
     * @param string $entity
     * @param string $zohoid
     * @param string $parententity
     * @param string $parentzohoid
     * @param array $extra
     * @return array
     */
    public static function parent_missing(string $entity, string $zohoid, string $parententity, string $parentzohoid,
            array $extra = []): array {
        return self::result($entity, $zohoid, 'parent_missing', 0,
            array_merge($extra, ['parent_entity' => $parententity, 'parent_zoho_id' => $parentzohoid]));
    }

    /**
     * Fires the event of one outcome.
     *
     * @param string $entity
     * @param string $zohoid
     * @param string $outcome a status, or 'failed'
     * @param int $id local id
     * @param string $error error code for failures
     */
    public static function fire(string $entity, string $zohoid, string $outcome, int $id, string $error): void {
        $params = [
            'context' => \context_system::instance(),
            'other' => ['entity' => $entity, 'zohoid' => $zohoid, 'outcome' => $outcome, 'localid' => $id, 'error' => $error],
        ];
        if ($outcome === 'failed') {
            $event = \local_moodle_zoho_sync\event\sync_failed::create($params);
        } else if (in_array($outcome, self::APPLIED, true)) {
            $event = \local_moodle_zoho_sync\event\sync_applied::create($params);
        } else {
            $event = \local_moodle_zoho_sync\event\sync_skipped::create($params);
        }
        $event->trigger();
    }

    /** @var int Seconds a call waits for another call on the same record before answering locktimeout (retryable). */
    public static $recordlocktimeout = 10;

    /**
     * Runs one sync holding the record's lock, firing sync_failed (and rethrowing) when it throws.
     *
     * The lock makes the stale guard atomic for every entity: the read of the stored Modified_Time, the comparison,
     * the write and its commit (and what the record changes in Moodle, such as an enrolment) of one Zoho record never
     * interleave with another call on the same record, so an older version can never land after a newer one.
     * $work must commit its own transaction (committed_transaction); callers hold no transaction open.
     *
     * @param string $entity
     * @param string $zohoid
     * @param callable $work returns the result array
     * @return array
     */
    public static function run(string $entity, string $zohoid, callable $work): array {
        try {
            $lock = \core\lock\lock_config::get_lock_factory('local_moodle_zoho_sync')
                ->get_lock($entity . '_' . $zohoid, self::$recordlocktimeout);
            if (!$lock) {
                throw new sync_exception('locktimeout', $zohoid);
            }
            try {
                return $work();
            } finally {
                $lock->release();
            }
        } catch (refusal_exception $e) {
            // A refusal by policy (unmanaged course, role not allowed) is a skip, not a failure of the sync.
            self::fire($entity, $zohoid, 'refused', 0, self::error_code($e));
            throw $e;
        } catch (\Throwable $e) {
            self::fire($entity, $zohoid, 'failed', 0, self::error_code($e));
            throw $e;
        }
    }

    /**
     * The machine-readable code of an exception.
     *
     * @param \Throwable $e
     * @return string
     */
    public static function error_code(\Throwable $e): string {
        if ($e instanceof \moodle_exception) {
            return (string) $e->errorcode;
        }
        return 'unexpected';
    }

    /**
     * Validates a Zoho record id: digits only, at most 20 (field_check::zoho_id).
     *
     * @param string $zohoid
     * @param string $field the parameter it came in, named in the error
     * @return string the trimmed id
     * @throws invalid_value_exception invalidparameter
     */
    public static function zoho_id(string $zohoid, string $field = 'zoho_id'): string {
        return field_check::zoho_id($field, trim($zohoid));
    }

    /**
     * Keeps only the keys the caller sent, trimming strings.
     *
     * @param array $input validated parameter structure
     * @param array $fields allowed field names
     * @return array
     */
    public static function sent_fields(array $input, array $fields): array {
        $out = [];
        foreach ($fields as $field) {
            if (array_key_exists($field, $input) && $input[$field] !== null) {
                $out[$field] = is_string($input[$field]) ? trim($input[$field]) : $input[$field];
            }
        }
        return $out;
    }
}
