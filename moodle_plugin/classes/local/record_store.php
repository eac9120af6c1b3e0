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
 * Idempotent upsert and soft delete of rows keyed by a Zoho id.
 *
 * Rules shared by every entity:
 * - only the keys the caller sent are written (fields not sent stay as they are);
 * - an incoming zoho_modified_time older than the stored one changes nothing ("stale");
 * - a repeat with the same data changes nothing ("unchanged");
 * - a concurrent insert of the same Zoho id loses on the unique index and is turned into an update;
 * - a soft-deleted row is revived only by data strictly newer than what it holds.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
final class record_store {
    /** @var callable|null Called between the lookup and the insert; tests use it to simulate a concurrent writer. */
    public static $beforeinsert = null;

    /**
     * Inserts or updates the row of a Zoho record.
     *
     * @param string $table table name without prefix
     * @param string $zohofield column holding the Zoho id (unique index)
     * @param string $zohoid the Zoho id
     * @param array $data column => value for the fields the caller sent
     * @param string|null $modified the record's Zoho Modified_Time, null when the table keeps none
     * @param array $insertdefaults column => value used only when the row is created
     * @return array ['status' => created|updated|unchanged|stale, 'record' => \stdClass, 'changed' => string[]]
     */
    public static function upsert(string $table, string $zohofield, string $zohoid, array $data,
            ?string $modified, array $insertdefaults = []): array {
        global $DB;
        // Values that cannot be stored fail here as invalidparameter, before any write (never as dml_write_exception).
        field_check::record($table, $data);
        $existing = $DB->get_record($table, [$zohofield => $zohoid]);
        if ($existing) {
            return self::update_existing($table, $existing, $data, $modified);
        }
        $now = time();
        $record = (object) array_merge($insertdefaults, $data);
        $record->$zohofield = $zohoid;
        $record->created_at = $now;
        $record->updated_at = $now;
        if ($modified !== null) {
            $record->zoho_modified_time = $modified;
        }
        if (self::has_column($table, 'synced_at')) {
            $record->synced_at = $now;
        }
        if (self::$beforeinsert) {
            call_user_func(self::$beforeinsert, $table, $zohofield, $zohoid);
        }
        try {
            $record->id = $DB->insert_record($table, $record);
        } catch (\dml_write_exception $e) {
            // Another call inserted the same Zoho id first: the unique index refused ours. Update theirs.
            $existing = $DB->get_record($table, [$zohofield => $zohoid]);
            if (!$existing) {
                throw $e;
            }
            return self::update_existing($table, $existing, $data, $modified);
        }
        return ['status' => 'created', 'record' => $DB->get_record($table, ['id' => $record->id]),
            'changed' => array_keys($data)];
    }

    /**
     * Applies the stale guard and writes the changed fields of an existing row.
     *
     * @param string $table
     * @param \stdClass $existing
     * @param array $data
     * @param string|null $modified
     * @return array see upsert()
     */
    private static function update_existing(string $table, \stdClass $existing, array $data, ?string $modified): array {
        global $DB;
        $stored = $existing->zoho_modified_time ?? null;
        $cmp = $modified === null ? null : zoho_time::compare($modified, $stored);
        if ($cmp === -1) {
            return ['status' => 'stale', 'record' => $existing, 'changed' => []];
        }
        $changes = [];
        if (!empty($existing->deleted)) {
            // A soft-deleted record comes back only with data newer than the state it was deleted in.
            if ($cmp !== 1 && $stored !== null && $stored !== '') {
                return ['status' => 'stale', 'record' => $existing, 'changed' => []];
            }
            $changes['deleted'] = 0;
        }
        foreach ($data as $field => $value) {
            if (!self::same_value($existing->$field ?? null, $value)) {
                $changes[$field] = $value;
            }
        }
        $update = (object) ['id' => $existing->id];
        if ($modified !== null && $cmp !== 0) {
            $update->zoho_modified_time = $modified;
        }
        if (!$changes) {
            if (isset($update->zoho_modified_time)) {
                $DB->update_record($table, $update);
            }
            return ['status' => 'unchanged', 'record' => $DB->get_record($table, ['id' => $existing->id]), 'changed' => []];
        }
        foreach ($changes as $field => $value) {
            $update->$field = $value;
        }
        $now = time();
        $update->updated_at = $now;
        if (self::has_column($table, 'synced_at')) {
            $update->synced_at = $now;
        }
        $DB->update_record($table, $update);
        return ['status' => 'updated', 'record' => $DB->get_record($table, ['id' => $existing->id]),
            'changed' => array_keys($changes)];
    }

    /**
     * Soft-deletes the row of a Zoho record; a missing row is success ("absent").
     *
     * @param string $table
     * @param string $zohofield
     * @param string $zohoid
     * @param array $set extra column => value written with the deletion (e.g. a status)
     * @return array ['status' => deleted|absent|unchanged, 'record' => \stdClass|null]
     */
    public static function soft_delete(string $table, string $zohofield, string $zohoid, array $set = []): array {
        global $DB;
        $existing = $DB->get_record($table, [$zohofield => $zohoid]);
        if (!$existing) {
            return ['status' => 'absent', 'record' => null];
        }
        if (!empty($existing->deleted)) {
            return ['status' => 'unchanged', 'record' => $existing];
        }
        $update = (object) array_merge($set, ['id' => $existing->id, 'deleted' => 1, 'updated_at' => time()]);
        $DB->update_record($table, $update);
        return ['status' => 'deleted', 'record' => $DB->get_record($table, ['id' => $existing->id])];
    }

    /**
     * Compares a stored DB value with an incoming one, treating numbers numerically and null apart from ''.
     *
     * @param mixed $stored
     * @param mixed $incoming
     * @return bool
     */
    public static function same_value($stored, $incoming): bool {
        if ($stored === null || $incoming === null) {
            return $stored === null && $incoming === null;
        }
        if (is_numeric($stored) && is_numeric($incoming) && (is_float($incoming) || is_int($incoming))) {
            return abs((float) $stored - (float) $incoming) < 0.000001;
        }
        return (string) $stored === (string) $incoming;
    }

    /**
     * Whether a table has a column (cached per request).
     *
     * @param string $table
     * @param string $column
     * @return bool
     */
    public static function has_column(string $table, string $column): bool {
        global $DB;
        static $columns = [];
        if (!isset($columns[$table])) {
            $columns[$table] = $DB->get_columns($table);
        }
        return isset($columns[$table][$column]);
    }
}
