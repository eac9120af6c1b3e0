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
 * Brings any earlier schema of the plugin (fresh or upgraded installs of 2026021606 or 2026022600) to install.xml.
 *
 * The previous releases' fresh and upgraded schemas differ, so nothing here trusts version numbers: each
 * table, column, nullability and index is checked and fixed if needed. Tables we no longer use are left alone.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
final class schema_upgrader {
    /** Columns that must accept NULL (the previous releases had them NOT NULL without default). */
    const NULLABLE = [
        'local_mzi_students' => ['moodle_user_id'],
        'local_mzi_grades' => ['class_id'],
    ];

    /**
     * Runs every step.
     *
     * @param string|null $xmlfile install.xml to converge to (tests pass it; default the plugin's)
     */
    public static function run(?string $xmlfile = null): void {
        global $DB, $CFG;
        require_once($CFG->libdir . '/ddllib.php');
        $dbman = $DB->get_manager();
        $xmlfile = $xmlfile ?? __DIR__ . '/../../db/install.xml';
        $xmldb = new \xmldb_file($xmlfile);
        if (!$xmldb->loadXMLStructure()) {
            throw new \coding_exception('Cannot load ' . $xmlfile);
        }
        foreach ($xmldb->getStructure()->getTables() as $table) {
            $name = $table->getName();
            if (!$dbman->table_exists($name)) {
                $dbman->create_table($table);
                continue;
            }
            foreach ($table->getFields() as $field) {
                if (!$dbman->field_exists($name, $field->getName())) {
                    // Positioning hints refer to install.xml order, which older tables may not have.
                    $field->setPrevious(null);
                    $field->setNext(null);
                    $dbman->add_field(new \xmldb_table($name), $field);
                } else if (in_array($field->getName(), self::NULLABLE[$name] ?? [], true)) {
                    self::make_nullable($name, $field);
                } else {
                    self::widen_char($name, $field);
                }
                if ($dbman->field_exists($name, $field->getName())) {
                    self::ensure_default($name, $field);
                }
            }
            foreach ($table->getIndexes() as $index) {
                self::ensure_index($name, $index);
            }
            self::drop_undeclared_indexes($name, $table);
        }
    }

    /**
     * Gives an existing column the default install.xml declares (the previous releases had NOT NULL without default).
     *
     * @param string $table
     * @param \xmldb_field $field
     */
    private static function ensure_default(string $table, \xmldb_field $field): void {
        global $DB;
        if ($field->getSequence() || $field->getDefault() === null) {
            return;
        }
        $column = $DB->get_columns($table, false)[$field->getName()];
        if ($column->has_default && (string) $column->default_value === (string) $field->getDefault()) {
            return;
        }
        // DDL refuses to touch a column that is in an index: drop them, change the default, put them back as they were.
        $dbman = $DB->get_manager();
        $indexes = [];
        foreach ($DB->get_indexes($table) as $index) {
            if (in_array($field->getName(), $index['columns'], true)) {
                $indexes[] = $index;
                self::drop_indexes_on($table, $index['columns'], !empty($index['unique']));
            }
        }
        $dbman->change_field_default(new \xmldb_table($table), $field);
        foreach ($indexes as $index) {
            $xmlindex = new \xmldb_index('restored', !empty($index['unique']) ? XMLDB_INDEX_UNIQUE : XMLDB_INDEX_NOTUNIQUE,
                $index['columns']);
            if (!$dbman->index_exists(new \xmldb_table($table), $xmlindex)) {
                $dbman->add_index(new \xmldb_table($table), $xmlindex);
            }
        }
    }

    /**
     * Drops plain indexes that install.xml declares neither as an index nor as a key (left by the previous releases'
     * foreign keys: installments.registration_id, requests.reviewed_by, grades.class_id).
     *
     * @param string $name
     * @param \xmldb_table $table
     */
    private static function drop_undeclared_indexes(string $name, \xmldb_table $table): void {
        global $DB;
        $declared = [];
        foreach (array_merge($table->getIndexes(), $table->getKeys()) as $item) {
            $declared[] = implode(',', $item->getFields());
        }
        foreach ($DB->get_indexes($name) as $index) {
            if (empty($index['unique']) && !in_array(implode(',', $index['columns']), $declared, true)) {
                self::drop_indexes_on($name, $index['columns'], false);
            }
        }
    }

    /**
     * Indexes of a table on exactly these columns, as name => unique.
     *
     * @param string $table
     * @param array $columns
     * @return array
     */
    private static function indexes_on(string $table, array $columns): array {
        global $DB;
        $found = [];
        foreach ($DB->get_indexes($table) as $name => $index) {
            if (!array_diff($index['columns'], $columns) && !array_diff($columns, $index['columns'])) {
                $found[$name] = !empty($index['unique']);
            }
        }
        return $found;
    }

    /**
     * Drops every index on exactly these columns.
     *
     * @param string $table
     * @param array $columns
     * @param bool $unique uniqueness of the indexes to drop
     */
    private static function drop_indexes_on(string $table, array $columns, bool $unique): void {
        global $DB;
        $dbman = $DB->get_manager();
        foreach (self::indexes_on($table, $columns) as $isunique) {
            if ($isunique === $unique) {
                $index = new \xmldb_index('old', $unique ? XMLDB_INDEX_UNIQUE : XMLDB_INDEX_NOTUNIQUE, $columns);
                $dbman->drop_index(new \xmldb_table($table), $index);
            }
        }
    }

    /**
     * Makes a column nullable (dropping and recreating the indexes on it, which DDL requires).
     *
     * @param string $table
     * @param \xmldb_field $field target definition from install.xml
     */
    private static function make_nullable(string $table, \xmldb_field $field): void {
        global $DB;
        $columns = $DB->get_columns($table, false);
        $column = $columns[$field->getName()];
        if (!$column->not_null) {
            return;
        }
        foreach ($DB->get_indexes($table) as $index) {
            if (in_array($field->getName(), $index['columns'], true)) {
                self::drop_indexes_on($table, $index['columns'], !empty($index['unique']));
            }
        }
        $DB->get_manager()->change_field_notnull(new \xmldb_table($table), $field);
        // Install.xml's indexes on the column are put back by ensure_index(), non-unique as intended.
    }

    /**
     * Widens a char column that is narrower than install.xml says (never narrows).
     *
     * @param string $table
     * @param \xmldb_field $field
     */
    private static function widen_char(string $table, \xmldb_field $field): void {
        global $DB;
        if ($field->getType() != XMLDB_TYPE_CHAR) {
            return;
        }
        $column = $DB->get_columns($table, false)[$field->getName()];
        if ($column->meta_type !== 'C' || (int) $column->max_length >= (int) $field->getLength()) {
            return;
        }
        $indexes = [];
        foreach ($DB->get_indexes($table) as $index) {
            if (in_array($field->getName(), $index['columns'], true)) {
                $indexes[] = $index;
                self::drop_indexes_on($table, $index['columns'], !empty($index['unique']));
            }
        }
        $copy = new \xmldb_field($field->getName(), XMLDB_TYPE_CHAR, $field->getLength(), null,
            $column->not_null ? XMLDB_NOTNULL : null, null, $column->has_default ? $column->default_value : null);
        $DB->get_manager()->change_field_precision(new \xmldb_table($table), $copy);
        foreach ($indexes as $index) {
            $dbman = $DB->get_manager();
            $xmlindex = new \xmldb_index('restored', !empty($index['unique']) ? XMLDB_INDEX_UNIQUE : XMLDB_INDEX_NOTUNIQUE,
                $index['columns']);
            if (!$dbman->index_exists(new \xmldb_table($table), $xmlindex)) {
                $dbman->add_index(new \xmldb_table($table), $xmlindex);
            }
        }
    }

    /**
     * Makes sure an install.xml index exists with the right uniqueness.
     *
     * A unique index replaces a non-unique one on the same columns; rows that duplicate a key are
     * removed first, keeping the newest (highest id), since a Zoho id can only describe one record. Students that
     * share a Moodle account are unlinked instead (student_links).
     *
     * @param string $table
     * @param \xmldb_index $index
     */
    private static function ensure_index(string $table, \xmldb_index $index): void {
        global $DB;
        $dbman = $DB->get_manager();
        $columns = $index->getFields();
        $unique = (bool) $index->getUnique();
        $existing = self::indexes_on($table, $columns);
        if (in_array($unique, $existing, true)) {
            return;
        }
        if ($unique) {
            self::drop_indexes_on($table, $columns, false);
            if ($table === 'local_mzi_students' && $columns === ['moodle_user_id']) {
                // Two students on one account are two people: unlink (and report), never delete a student.
                student_links::resolve_duplicates();
            } else {
                self::remove_duplicates($table, $columns);
            }
        } else if ($existing) {
            self::drop_indexes_on($table, $columns, true);
        }
        $dbman->add_index(new \xmldb_table($table), new \xmldb_index($index->getName(),
            $unique ? XMLDB_INDEX_UNIQUE : XMLDB_INDEX_NOTUNIQUE, $columns));
    }

    /**
     * Deletes older rows that share the same non-null key, keeping the highest id.
     *
     * @param string $table
     * @param array $columns
     */
    private static function remove_duplicates(string $table, array $columns): void {
        global $DB;
        $cols = implode(', ', $columns);
        $notnull = implode(' AND ', array_map(function($c) {
            return "$c IS NOT NULL";
        }, $columns));
        $groups = $DB->get_records_sql("SELECT MAX(id) AS keepid, $cols, COUNT(1) AS n
                                          FROM {" . $table . "}
                                         WHERE $notnull
                                      GROUP BY $cols
                                        HAVING COUNT(1) > 1");
        foreach ($groups as $group) {
            $conditions = [];
            foreach ($columns as $c) {
                $conditions[$c] = $group->$c;
            }
            $select = implode(' AND ', array_map(function($c) {
                return "$c = :$c";
            }, $columns)) . ' AND id <> :keepid';
            $DB->delete_records_select($table, $select, $conditions + ['keepid' => $group->keepid]);
        }
    }
}
