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
 * Default course staff from the plugin settings.
 *
 * Setting "defaultstaff": one "username_or_email,roleshortname" per line.
 * Setting "majorstaff": one "major=VALUE: username_or_email,roleshortname" per line, applied when the
 * class's programme major equals VALUE (case-insensitive). Lines starting with # are comments.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
final class staff_config {
    /**
     * Staff entries that apply to a class.
     *
     * @param string $major the class's programme major ('' when unknown)
     * @return array list of ['user' => string, 'role' => string]
     */
    public static function staff_for(string $major): array {
        $entries = self::parse_defaults((string) get_config('local_moodle_zoho_sync', 'defaultstaff'));
        $major = \core_text::strtolower(trim($major));
        foreach (self::parse_rules((string) get_config('local_moodle_zoho_sync', 'majorstaff')) as $rule) {
            if ($major !== '' && $rule['major'] === $major) {
                $entries[] = ['user' => $rule['user'], 'role' => $rule['role']];
            }
        }
        return $entries;
    }

    /**
     * Parses "user,role" lines.
     *
     * @param string $text
     * @return array
     */
    public static function parse_defaults(string $text): array {
        $out = [];
        foreach (preg_split('/\R/', $text) as $line) {
            $line = trim($line);
            if ($line === '' || $line[0] === '#') {
                continue;
            }
            $parts = array_map('trim', explode(',', $line));
            if (count($parts) === 2 && $parts[0] !== '' && $parts[1] !== '') {
                $out[] = ['user' => $parts[0], 'role' => $parts[1]];
            }
        }
        return $out;
    }

    /**
     * Parses "major=VALUE: user,role" lines.
     *
     * @param string $text
     * @return array
     */
    public static function parse_rules(string $text): array {
        $out = [];
        foreach (preg_split('/\R/', $text) as $line) {
            $line = trim($line);
            if ($line === '' || $line[0] === '#') {
                continue;
            }
            if (!preg_match('/^major\s*=\s*([^:]+):\s*([^,]+),\s*(\S+)\s*$/i', $line, $m)) {
                continue;
            }
            $out[] = ['major' => \core_text::strtolower(trim($m[1])), 'user' => trim($m[2]), 'role' => trim($m[3])];
        }
        return $out;
    }
}
