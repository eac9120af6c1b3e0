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
 * The eight tables of the predecessor plugin this plugin does not use: retired (backed up to files, then dropped) and
 * restored from that backup.
 *
 * The upgrade keeps them, so no data is lost by installing this plugin; while they exist,
 * admin/cli/check_database_schema.php reports them as unexpected. Retiring them makes the schema check clean;
 * restoring puts them back as they were (columns, indexes, rows and ids). See cli/retire_old_tables.php.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
final class old_tables {
    /** Tables of the previous releases that nothing in this plugin reads or writes. */
    const TABLES = ['local_mzi_webhook_logs', 'local_mzi_event_log', 'local_mzi_sync_history', 'local_mzi_config',
        'local_mzi_grade_queue', 'local_mzi_grade_ack', 'local_mzi_sync_status', 'local_mzi_request_windows'];

    /**
     * The old tables present in the database, with their row counts.
     *
     * @return array table => rows
     */
    public static function present(): array {
        global $DB;
        $dbman = $DB->get_manager();
        $found = [];
        foreach (self::TABLES as $table) {
            if ($dbman->table_exists($table)) {
                $found[$table] = $DB->count_records($table);
            }
        }
        return $found;
    }

    /**
     * The backup file of a table.
     *
     * @param string $dir
     * @param string $table
     * @return string
     */
    public static function backup_file(string $dir, string $table): string {
        return rtrim($dir, '/') . '/' . $table . '.jsonl';
    }

    /**
     * Writes each present old table to $dir, checks the files, then drops the tables.
     *
     * A backup file is JSON Lines: the first line describes the table (columns, indexes, row count), each further
     * line is one row. Rows are streamed, so a large webhook log does not have to fit in memory.
     *
     * @param string $dir an existing writable directory without earlier backups of these tables
     * @return array table => rows backed up and dropped
     * @throws \moodle_exception when the directory is unusable or a backup cannot be read back whole
     */
    public static function retire(string $dir): array {
        global $DB, $CFG;
        require_once($CFG->libdir . '/ddllib.php');
        if (!is_dir($dir) || !is_writable($dir)) {
            throw new \moodle_exception('oldtablesdir', 'local_moodle_zoho_sync', '', s($dir));
        }
        $present = self::present();
        foreach (array_keys($present) as $table) {
            if (file_exists(self::backup_file($dir, $table))) {
                throw new \moodle_exception('oldtablesbackupexists', 'local_moodle_zoho_sync', '',
                    s(self::backup_file($dir, $table)));
            }
        }
        foreach ($present as $table => $rows) {
            $file = self::backup_file($dir, $table);
            $columns = [];
            foreach ($DB->get_columns($table, false) as $name => $column) {
                $columns[] = ['name' => $name, 'type' => $column->meta_type, 'length' => $column->max_length,
                    'scale' => $column->scale, 'notnull' => (bool) $column->not_null,
                    'default' => $column->has_default ? $column->default_value : null];
            }
            $handle = fopen($file, 'xb');
            if (!$handle) {
                throw new \moodle_exception('oldtablesdir', 'local_moodle_zoho_sync', '', s($dir));
            }
            fwrite($handle, json_encode(['table' => $table, 'columns' => $columns,
                'indexes' => array_values($DB->get_indexes($table)), 'rows' => $rows], JSON_UNESCAPED_UNICODE) . "\n");
            $recordset = $DB->get_recordset($table, null, 'id');
            foreach ($recordset as $record) {
                fwrite($handle, json_encode((array) $record, JSON_UNESCAPED_UNICODE) . "\n");
            }
            $recordset->close();
            if (!fclose($handle) || self::read_header($file)['rows'] !== $rows || self::count_lines($file) !== $rows + 1) {
                throw new \moodle_exception('oldtablesbackupbad', 'local_moodle_zoho_sync', '', s($file));
            }
        }
        $dbman = $DB->get_manager();
        foreach (array_keys($present) as $table) {
            $dbman->drop_table(new \xmldb_table($table));
        }
        return $present;
    }

    /**
     * Re-creates retired tables from their backup files in $dir and puts their rows back with their ids.
     *
     * @param string $dir
     * @return array table => rows restored
     * @throws \moodle_exception when a table exists already or a file is not a backup of ours
     */
    public static function restore(string $dir): array {
        global $DB, $CFG;
        require_once($CFG->libdir . '/ddllib.php');
        $dbman = $DB->get_manager();
        $restored = [];
        foreach (self::TABLES as $table) {
            $file = self::backup_file($dir, $table);
            if (!file_exists($file)) {
                continue;
            }
            $backup = self::read_header($file);
            if (($backup['table'] ?? '') !== $table || self::count_lines($file) !== $backup['rows'] + 1) {
                throw new \moodle_exception('oldtablesbackupbad', 'local_moodle_zoho_sync', '', s($file));
            }
            if ($dbman->table_exists($table)) {
                throw new \moodle_exception('oldtablesexists', 'local_moodle_zoho_sync', '', $table);
            }
            $xmltable = new \xmldb_table($table);
            foreach ($backup['columns'] as $column) {
                $xmltable->addField(self::field_of($column));
            }
            $xmltable->add_key('primary', XMLDB_KEY_PRIMARY, ['id']);
            foreach ($backup['indexes'] as $i => $index) {
                $xmltable->add_index('restored' . $i, empty($index['unique']) ? XMLDB_INDEX_NOTUNIQUE : XMLDB_INDEX_UNIQUE,
                    $index['columns']);
            }
            $dbman->create_table($xmltable);
            $handle = fopen($file, 'rb');
            fgets($handle);
            while (($line = fgets($handle)) !== false) {
                $DB->insert_record_raw($table, json_decode($line, true), false, false, true);
            }
            fclose($handle);
            $dbman->reset_sequence($table);
            $restored[$table] = (int) $backup['rows'];
        }
        return $restored;
    }

    /**
     * The first line of a backup file, decoded.
     *
     * @param string $file
     * @return array with table, columns, indexes, rows
     * @throws \moodle_exception oldtablesbackupbad
     */
    private static function read_header(string $file): array {
        $handle = fopen($file, 'rb');
        $header = $handle ? json_decode((string) fgets($handle), true) : null;
        if ($handle) {
            fclose($handle);
        }
        if (!is_array($header) || !isset($header['table'], $header['columns'], $header['indexes'], $header['rows'])) {
            throw new \moodle_exception('oldtablesbackupbad', 'local_moodle_zoho_sync', '', s($file));
        }
        return $header;
    }

    /**
     * Lines in a file.
     *
     * @param string $file
     * @return int
     */
    private static function count_lines(string $file): int {
        $lines = 0;
        $handle = fopen($file, 'rb');
        while (fgets($handle) !== false) {
            $lines++;
        }
        fclose($handle);
        return $lines;
    }

    /**
     * An XMLDB field from a backed-up column.
     *
     * @param array $column
     * @return \xmldb_field
     */
    private static function field_of(array $column): \xmldb_field {
        $notnull = $column['notnull'] ? XMLDB_NOTNULL : null;
        $default = $column['default'];
        switch ($column['type']) {
            case 'R':
                return new \xmldb_field($column['name'], XMLDB_TYPE_INTEGER, '10', null, XMLDB_NOTNULL, XMLDB_SEQUENCE);
            case 'I':
                return new \xmldb_field($column['name'], XMLDB_TYPE_INTEGER, (string) max(1, (int) $column['length']), null,
                    $notnull, null, $default);
            case 'N':
                return new \xmldb_field($column['name'], XMLDB_TYPE_NUMBER, (string) $column['length'], null, $notnull, null,
                    $default, null, (int) $column['scale']);
            case 'F':
                return new \xmldb_field($column['name'], XMLDB_TYPE_FLOAT, null, null, $notnull, null, $default);
            case 'C':
                // XMLDB refuses '' as the default of a NOT NULL char column (the old schema declared it; the database
                // has no such default either way).
                return new \xmldb_field($column['name'], XMLDB_TYPE_CHAR, (string) $column['length'], null, $notnull, null,
                    $default === '' && $notnull ? null : $default);
            case 'B':
                return new \xmldb_field($column['name'], XMLDB_TYPE_BINARY, null, null, $notnull);
            default:
                return new \xmldb_field($column['name'], XMLDB_TYPE_TEXT, null, null, $notnull);
        }
    }
}
