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
 * The course roles the sync may give: only those in the plugin's allow-list, and never a role that could
 * reconfigure a course or reach personal data beyond a course teacher's.
 *
 * A role is refused when
 * - its archetype is manager, or
 * - it allows, in its definition, a capability that takes effect in a course (context level course, module or
 *   block) and carries RISK_CONFIG, or
 * - it allows such a capability carrying RISK_PERSONAL that Moodle's standard editing teacher does not hold
 *   (every teaching role reads its course's participants, so RISK_PERSONAL alone would refuse them all).
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
final class role_policy {
    /** Default allow-list (setting "allowedroles"). */
    const DEFAULT_ALLOWED = 'editingteacher,teacher,student';

    /**
     * The role shortnames of the allow-list setting.
     *
     * @param string|null $setting the setting's text; null reads the stored setting
     * @return string[]
     */
    public static function allowed(?string $setting = null): array {
        if ($setting === null) {
            $stored = get_config('local_moodle_zoho_sync', 'allowedroles');
            $setting = $stored === false ? self::DEFAULT_ALLOWED : (string) $stored;
        }
        return array_values(array_unique(array_filter(array_map('trim', preg_split('/[\s,]+/', $setting)))));
    }

    /**
     * Why a role may never be in the allow-list, or null when it may.
     *
     * @param string $shortname
     * @return array|null [string key of the reason, detail] (rolemissing, rolemanager, rolerisky)
     */
    public static function unsafe_reason(string $shortname): ?array {
        global $DB;
        $role = $DB->get_record('role', ['shortname' => trim($shortname)]);
        if (!$role) {
            return ['rolemissing', $shortname];
        }
        if ($role->archetype === 'manager') {
            return ['rolemanager', $shortname];
        }
        $risky = self::risky_capabilities((int) $role->id);
        return $risky ? ['rolerisky', $shortname . ': ' . implode(', ', $risky)] : null;
    }

    /**
     * Capabilities a role allows in a course that carry RISK_CONFIG, or RISK_PERSONAL beyond an editing teacher's.
     *
     * @param int $roleid
     * @return string[] capability names
     */
    public static function risky_capabilities(int $roleid): array {
        global $DB;
        $sql = 'SELECT c.name, c.riskbitmask
                  FROM {role_capabilities} rc
                  JOIN {capabilities} c ON c.name = rc.capability
                 WHERE rc.roleid = :roleid AND rc.contextid = :contextid AND rc.permission = :allow
                       AND c.contextlevel IN (:course, :module, :block)';
        $params = ['roleid' => $roleid, 'contextid' => \context_system::instance()->id, 'allow' => CAP_ALLOW,
            'course' => CONTEXT_COURSE, 'module' => CONTEXT_MODULE, 'block' => CONTEXT_BLOCK];
        static $teacher = null;
        $teacher = $teacher ?? get_default_capabilities('editingteacher');
        $risky = [];
        foreach ($DB->get_records_sql($sql, $params) as $cap) {
            $mask = (int) $cap->riskbitmask;
            $beyondteacher = ($teacher[$cap->name] ?? CAP_INHERIT) != CAP_ALLOW;
            if (($mask & RISK_CONFIG) || (($mask & RISK_PERSONAL) && $beyondteacher)) {
                $risky[] = $cap->name;
            }
        }
        sort($risky);
        return $risky;
    }

    /**
     * The id of a role the sync may give, checked against the allow-list and the rules above now (the role's
     * definition may have changed since the setting was saved).
     *
     * @param string $shortname
     * @return int role id
     * @throws sync_exception rolemissing
     * @throws refusal_exception rolenotallowed
     */
    public static function require_allowed(string $shortname): int {
        global $DB;
        $shortname = trim($shortname);
        $id = $DB->get_field('role', 'id', ['shortname' => $shortname]);
        if (!$id) {
            throw new sync_exception('rolemissing', s($shortname));
        }
        if (!in_array($shortname, self::allowed(), true) || self::unsafe_reason($shortname) !== null) {
            throw new refusal_exception('rolenotallowed', s($shortname));
        }
        return (int) $id;
    }
}
