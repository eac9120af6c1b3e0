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
 * Checks every value from Zoho against the column it is written to, before any write.
 *
 * Moodle's parameter validation checks types only; a text longer than its column, an amount wider than its
 * precision or a malformed e-mail would otherwise reach the database and fail there as a dml_write_exception,
 * which callers must treat as transient. Here they fail early, as invalidparameter, naming the field.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
final class field_check {
    /** Zoho record ids are digits; 20 is the width of every Zoho id column. */
    const ZOHO_ID_MAX = 20;

    /** Parameter name of the record each table stores (the prefix of field paths in errors). */
    const RECORDS = ['local_mzi_students' => 'student', 'local_mzi_registrations' => 'registration',
        'local_mzi_installments' => 'installments', 'local_mzi_payments' => 'payment', 'local_mzi_classes' => 'class',
        'local_mzi_enrollments' => 'enrollment', 'local_mzi_grades' => 'grade', 'local_mzi_requests' => 'request',
        'local_mzi_teachers' => 'teacher', 'local_mzi_btec_templates' => 'unit'];

    /**
     * Checks a Zoho record before it is written: every value against its column, zoho_created_time as a Zoho time.
     *
     * @param string $table table name without prefix
     * @param array $data column => value
     */
    public static function record(string $table, array $data): void {
        $prefix = self::RECORDS[$table] ?? $table;
        if (isset($data['zoho_created_time']) && $data['zoho_created_time'] !== '') {
            zoho_time::require_valid((string) $data['zoho_created_time'], $prefix . '.zoho_created_time');
        }
        self::fits($table, $data, $prefix);
    }

    /**
     * Checks the values about to be written to a table.
     *
     * @param string $table table name without prefix
     * @param array $data column => value
     * @param string $prefix parameter path of the record, e.g. 'student'
     * @throws invalid_value_exception naming the first value that does not fit
     */
    public static function fits(string $table, array $data, string $prefix): void {
        global $DB;
        $columns = $DB->get_columns($table);
        foreach ($data as $name => $value) {
            if ($value === null || !isset($columns[$name])) {
                continue;
            }
            $field = $prefix . '.' . $name;
            if (self::is_zoho_id_field($name)) {
                if ((string) $value !== '') {
                    self::zoho_id($field, (string) $value);
                }
                continue;
            }
            if (self::is_email_field($name)) {
                self::email($field, (string) $value);
            }
            self::column($field, $columns[$name], $value);
        }
    }

    /**
     * Whether a column holds a Zoho record id (zoho_<x>_id or <x>_zoho_id).
     *
     * @param string $name
     * @return bool
     */
    public static function is_zoho_id_field(string $name): bool {
        return (bool) preg_match('/^zoho_[a-z]+_id$|_zoho_id$/', $name);
    }

    /**
     * Whether a column holds an e-mail address.
     *
     * @param string $name
     * @return bool
     */
    private static function is_email_field(string $name): bool {
        return $name === 'email' || substr($name, -6) === '_email';
    }

    /**
     * A Zoho record id: digits only, at most 20.
     *
     * @param string $field parameter path
     * @param string $value
     * @return string the value
     */
    public static function zoho_id(string $field, string $value): string {
        if ($value === '' || strlen($value) > self::ZOHO_ID_MAX || !ctype_digit($value)) {
            throw new invalid_value_exception($field, 'zohoid', self::ZOHO_ID_MAX);
        }
        return $value;
    }

    /**
     * An e-mail address as Moodle accepts it (PARAM_EMAIL); empty clears the stored one.
     *
     * @param string $field
     * @param string $value
     */
    public static function email(string $field, string $value): void {
        if ($value !== '' && clean_param($value, PARAM_EMAIL) !== $value) {
            throw new invalid_value_exception($field, 'email');
        }
    }

    /**
     * A text of at most $max characters.
     *
     * @param string $field
     * @param string $value
     * @param int $max
     */
    public static function max_length(string $field, string $value, int $max): void {
        if (\core_text::strlen($value) > $max) {
            throw new invalid_value_exception($field, 'toolong', $max);
        }
    }

    /**
     * A value against its column's type and size.
     *
     * @param string $field
     * @param \database_column_info $column
     * @param mixed $value
     */
    private static function column(string $field, \database_column_info $column, $value): void {
        switch ($column->meta_type) {
            case 'C':
                self::max_length($field, (string) $value, (int) $column->max_length);
                break;
            case 'I':
                // Booleans arrive as PHP bools; everything else must be a whole number the column can hold.
                $text = is_bool($value) ? (string) (int) $value : (string) $value;
                if (!preg_match('/^-?\d+$/', $text) || strlen(ltrim($text, '-')) > (int) $column->max_length) {
                    throw new invalid_value_exception($field, 'integer', (int) $column->max_length);
                }
                break;
            case 'N':
                $digits = (int) $column->max_length - (int) $column->scale;
                if (!is_numeric($value) || abs((float) $value) >= 10 ** $digits) {
                    throw new invalid_value_exception($field, 'number', $digits);
                }
                break;
        }
    }
}
