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
 * Zoho timestamps: stored as the ISO-8601 text Zoho sends, compared as instants.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
final class zoho_time {
    /** ISO 8601 date and time with an offset (Z or ±hh:mm), as Zoho sends Modified_Time and Created_Time. */
    const ISO_WITH_OFFSET = '/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})$/';

    /** How far in the future a Zoho time may lie (clock skew); beyond it one bad value would freeze the record. */
    const MAX_FUTURE_SECONDS = DAYSECS;

    /**
     * Parses a Zoho datetime ("2026-02-23T12:34:56+03:00") into Unix seconds.
     *
     * Only ISO 8601 with an offset is read: PHP's parser would also take "now", "+10 years" or a date without a
     * zone, whose meaning depends on when and where it is read. A stored value of that kind counts as unknown, so
     * the next valid update replaces it instead of being refused as stale.
     *
     * @param string|null $value the text, or null/'' when unknown
     * @return int|null seconds, or null when empty or not ISO 8601 with an offset
     */
    public static function to_unix(?string $value): ?int {
        $value = trim((string) $value);
        if ($value === '' || !preg_match(self::ISO_WITH_OFFSET, $value)) {
            return null;
        }
        try {
            $time = new \DateTimeImmutable($value);
        } catch (\Exception $e) {
            return null;
        }
        // The parser rolls 2026-02-30 over to March; a date that does not exist is not a Zoho time.
        return $time->format('Y-m-d') === substr($value, 0, 10) ? $time->getTimestamp() : null;
    }

    /**
     * Validates an incoming Zoho timestamp and returns it trimmed.
     *
     * @param string $value the text sent by the caller
     * @param string $field the parameter it came in, named in the error
     * @return string
     * @throws sync_exception invalidtimestamp when it is not ISO 8601 with an offset, or lies more than a day ahead
     */
    public static function require_valid(string $value, string $field = 'zoho_modified_time'): string {
        $value = trim($value);
        $time = self::to_unix($value);
        $a = (object) ['field' => $field, 'value' => s(\core_text::substr($value, 0, 40))];
        if ($time === null) {
            throw new sync_exception('invalidtimestamp', $a);
        }
        if ($time > \core\di::get(\core\clock::class)->time() + self::MAX_FUTURE_SECONDS) {
            throw new sync_exception('futuretimestamp', $a);
        }
        return $value;
    }

    /**
     * Compares two Zoho timestamps as instants.
     *
     * @param string|null $a
     * @param string|null $b
     * @return int|null -1, 0 or 1, or null when either is unknown
     */
    public static function compare(?string $a, ?string $b): ?int {
        $ta = self::to_unix($a);
        $tb = self::to_unix($b);
        // A time far in the future (stored before this check existed) would win every comparison: treat it as unknown.
        $limit = \core\di::get(\core\clock::class)->time() + self::MAX_FUTURE_SECONDS;
        if ($ta === null || $tb === null || $ta > $limit || $tb > $limit) {
            return null;
        }
        return $ta <=> $tb;
    }
}
