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
    /**
     * Parses a Zoho datetime ("2026-02-23T12:34:56+03:00") into Unix seconds.
     *
     * @param string|null $value the text, or null/'' when unknown
     * @return int|null seconds, or null when empty or unreadable
     */
    public static function to_unix(?string $value): ?int {
        $value = trim((string) $value);
        if ($value === '') {
            return null;
        }
        try {
            return (new \DateTimeImmutable($value, new \DateTimeZone('UTC')))->getTimestamp();
        } catch (\Exception $e) {
            return null;
        }
    }

    /**
     * Validates an incoming Zoho timestamp and returns it trimmed.
     *
     * @param string $value the text sent by the caller
     * @return string
     * @throws sync_exception invalidtimestamp when it cannot be read as a date and time
     */
    public static function require_valid(string $value): string {
        $value = trim($value);
        if (self::to_unix($value) === null) {
            throw new sync_exception('invalidtimestamp', s($value));
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
        if ($ta === null || $tb === null) {
            return null;
        }
        return $ta <=> $tb;
    }
}
