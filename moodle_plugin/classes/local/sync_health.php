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
 * Data of the sync health page and of the silent-feed check.
 *
 * Everything here reads only: the plugin's tables, its configuration, Moodle's standard log store
 * (the sync_applied / sync_skipped / sync_failed events) and the web-service set-up.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
final class sync_health {
    /** Component name. */
    const COMPONENT = 'local_moodle_zoho_sync';

    /** Short name of the plugin's predefined web service. */
    const SERVICE = 'moodle_zoho_sync';

    /** Outcome group => event class name as stored in the log. */
    const EVENTS = [
        'applied' => '\\local_moodle_zoho_sync\\event\\sync_applied',
        'skipped' => '\\local_moodle_zoho_sync\\event\\sync_skipped',
        'failed' => '\\local_moodle_zoho_sync\\event\\sync_failed',
    ];

    /** Single outcome => its group (see ws::fire()). */
    const OUTCOMES = [
        'created' => 'applied',
        'updated' => 'applied',
        'deleted' => 'applied',
        'unchanged' => 'skipped',
        'stale' => 'skipped',
        'absent' => 'skipped',
        'parent_missing' => 'skipped',
        'failed' => 'failed',
    ];

    /** Entities (Zoho modules) named in the events' other['entity']. */
    const ENTITIES = ['student', 'teacher', 'registration', 'payment', 'class', 'enrollment', 'course_enrolment',
        'grade', 'request', 'btec'];

    /** The plugin's tables. */
    const TABLES = ['local_mzi_students', 'local_mzi_teachers', 'local_mzi_registrations', 'local_mzi_installments',
        'local_mzi_payments', 'local_mzi_classes', 'local_mzi_enrollments', 'local_mzi_grades', 'local_mzi_requests',
        'local_mzi_btec_templates'];

    /** Default of the setting silenthours. */
    const DEFAULT_SILENT_HOURS = 24;

    /** Default of the setting workingdays (0 = Sunday … 6 = Saturday): Sunday to Thursday. */
    const DEFAULT_WORKING_DAYS = '0,1,2,3,4';

    /**
     * Requires the capability of the health page.
     *
     * @return \context_system
     */
    public static function require_access(): \context_system {
        $context = \context_system::instance();
        require_capability('local/moodle_zoho_sync:viewlogs', $context);
        return $context;
    }

    /**
     * The plugin's version and its settings, for display.
     *
     * @return array ['version' => int, 'release' => string, 'dbversion' => int, 'settings' => [[name, value]]]
     */
    public static function plugin_info(): array {
        global $DB;
        $info = \core_plugin_manager::instance()->get_plugin_info(self::COMPONENT);
        $config = get_config(self::COMPONENT);
        $yes = get_string('yes');
        $no = get_string('no');

        $categoryid = (int) ($config->defaultcategory ?? 0);
        if ($categoryid === 0) {
            $category = get_string('sitedefaultcategory', self::COMPONENT);
        } else {
            $name = $DB->get_field('course_categories', 'name', ['id' => $categoryid]);
            $category = $name === false
                ? get_string('categorymissing', self::COMPONENT, $categoryid)
                : format_string($name, true, ['context' => \context_system::instance(), 'escape' => false]) . " ({$categoryid})";
        }
        $none = get_string('none');
        $settings = [
            ['name' => get_string('defaultcategory', self::COMPONENT), 'value' => $category],
            ['name' => get_string('defaultstaff', self::COMPONENT), 'value' => trim($config->defaultstaff ?? '') ?: $none],
            ['name' => get_string('majorstaff', self::COMPONENT), 'value' => trim($config->majorstaff ?? '') ?: $none],
            ['name' => get_string('teacherrole', self::COMPONENT), 'value' => $config->teacherrole ?? 'editingteacher'],
            ['name' => get_string('studentrole', self::COMPONENT), 'value' => $config->studentrole ?? 'student'],
            ['name' => get_string('unenrolondelete', self::COMPONENT), 'value' => empty($config->unenrolondelete) ? $no : $yes],
            ['name' => get_string('silenthours', self::COMPONENT), 'value' => self::silent_hours() > 0
                ? (string) self::silent_hours() : get_string('disabled', self::COMPONENT)],
            ['name' => get_string('workingdays', self::COMPONENT), 'value' => implode(', ', array_map(
                fn(int $d) => self::day_name($d), self::working_days())) ?: $none],
        ];
        return [
            'version' => (int) ($info->versiondisk ?? 0),
            'dbversion' => (int) ($info->versiondb ?? 0),
            'release' => (string) ($info->release ?? ''),
            'settings' => $settings,
        ];
    }

    /**
     * Row counts of the plugin's tables.
     *
     * @return array[] each ['table' => name, 'total' => int, 'deleted' => int|null, 'lastsynced' => int|null]
     */
    public static function table_counts(): array {
        global $DB;
        $rows = [];
        foreach (self::TABLES as $table) {
            $columns = $DB->get_columns($table);
            $row = ['table' => $table, 'total' => $DB->count_records($table), 'deleted' => null, 'lastsynced' => null];
            if (isset($columns['deleted'])) {
                $row['deleted'] = $DB->count_records($table, ['deleted' => 1]);
            }
            $timefield = isset($columns['synced_at']) ? 'synced_at' : 'updated_at';
            $last = (int) $DB->get_field_sql("SELECT MAX({$timefield}) FROM {{$table}}");
            $row['lastsynced'] = $last > 0 ? $last : null;
            $rows[] = $row;
        }
        return $rows;
    }

    /**
     * Whether Moodle's standard log store is enabled (the events are read from it).
     *
     * @return bool
     */
    public static function log_store_enabled(): bool {
        $stores = explode(',', (string) get_config('tool_log', 'enabled_stores'));
        return in_array('logstore_standard', $stores, true);
    }

    /**
     * Validates the filters of the event list.
     *
     * @param string $outcome '' | applied | skipped | failed | one outcome of OUTCOMES
     * @param string $entity '' or one of ENTITIES
     * @param string $from '' or YYYY-MM-DD (first day, in the user's time zone)
     * @param string $to '' or YYYY-MM-DD (last day, included)
     * @return array ['outcome', 'entity', 'from', 'to', 'timefrom' => int|null, 'timeto' => int|null]
     */
    public static function filters(string $outcome = '', string $entity = '', string $from = '', string $to = ''): array {
        if ($outcome !== '' && !isset(self::EVENTS[$outcome]) && !isset(self::OUTCOMES[$outcome])) {
            $outcome = '';
        }
        if (!in_array($entity, self::ENTITIES, true)) {
            $entity = '';
        }
        $timefrom = self::parse_day($from, false);
        $timeto = self::parse_day($to, true);
        return [
            'outcome' => $outcome,
            'entity' => $entity,
            'from' => $timefrom === null ? '' : $from,
            'to' => $timeto === null ? '' : $to,
            'timefrom' => $timefrom,
            'timeto' => $timeto,
        ];
    }

    /**
     * A YYYY-MM-DD day as a timestamp (start or end of the day in the user's time zone).
     *
     * @param string $day
     * @param bool $end end of the day instead of its start
     * @return int|null null when empty or not a date
     */
    public static function parse_day(string $day, bool $end): ?int {
        if (!preg_match('/^(\d{4})-(\d{2})-(\d{2})$/', $day, $m) || !checkdate((int) $m[2], (int) $m[3], (int) $m[1])) {
            return null;
        }
        return $end ? make_timestamp((int) $m[1], (int) $m[2], (int) $m[3], 23, 59, 59)
            : make_timestamp((int) $m[1], (int) $m[2], (int) $m[3], 0, 0, 0);
    }

    /**
     * The most recent sync events from the standard log, newest first.
     *
     * One row more than asked is read to tell whether an older page exists (no COUNT over the whole log).
     *
     * @param array $filters from filters()
     * @param int $page 0-based
     * @param int $perpage
     * @return array ['events' => array[], 'hasmore' => bool]
     */
    public static function recent_events(array $filters, int $page = 0, int $perpage = 50): array {
        global $DB;
        $filters += ['outcome' => '', 'entity' => '', 'timefrom' => null, 'timeto' => null];
        $where = ['component = :component'];
        $params = ['component' => self::COMPONENT];

        $outcome = $filters['outcome'];
        $groups = isset(self::EVENTS[$outcome]) ? [$outcome] : (isset(self::OUTCOMES[$outcome])
            ? [self::OUTCOMES[$outcome]] : array_keys(self::EVENTS));
        [$insql, $inparams] = $DB->get_in_or_equal(array_map(fn($g) => self::EVENTS[$g], $groups), SQL_PARAMS_NAMED, 'ev');
        $where[] = "eventname {$insql}";
        $params += $inparams;
        if (isset(self::OUTCOMES[$outcome]) && $outcome !== 'failed') {
            $where[] = self::other_like('outcome', $outcome, $params);
        }
        if ($filters['entity'] !== '') {
            $where[] = self::other_like('entity', $filters['entity'], $params);
        }
        if ($filters['timefrom'] !== null) {
            $where[] = 'timecreated >= :timefrom';
            $params['timefrom'] = $filters['timefrom'];
        }
        if ($filters['timeto'] !== null) {
            $where[] = 'timecreated <= :timeto';
            $params['timeto'] = $filters['timeto'];
        }
        $sql = "SELECT id, eventname, userid, other, timecreated
                  FROM {logstore_standard_log}
                 WHERE " . implode(' AND ', $where) . "
              ORDER BY timecreated DESC, id DESC";
        $records = $DB->get_records_sql($sql, $params, max(0, $page) * $perpage, $perpage + 1);
        $hasmore = count($records) > $perpage;
        $events = [];
        foreach (array_slice($records, 0, $perpage) as $record) {
            $other = self::decode_other($record->other);
            $group = array_search($record->eventname, self::EVENTS, true) ?: 'skipped';
            $events[] = [
                'id' => (int) $record->id,
                'time' => (int) $record->timecreated,
                'group' => $group,
                'outcome' => (string) ($other['outcome'] ?? ''),
                'entity' => (string) ($other['entity'] ?? ''),
                'zohoid' => (string) ($other['zohoid'] ?? ''),
                'localid' => (int) ($other['localid'] ?? 0),
                'error' => (string) ($other['error'] ?? ''),
                'userid' => (int) $record->userid,
            ];
        }
        return ['events' => $events, 'hasmore' => $hasmore];
    }

    /**
     * Decodes the log's "other" column: JSON (the default) or, on older rows, PHP serialize (no objects allowed).
     *
     * @param string|null $other
     * @return array
     */
    public static function decode_other(?string $other): array {
        if ($other === null || $other === '') {
            return [];
        }
        if (preg_match('~^a:\d+:\{~', $other)) {
            $value = @unserialize($other, ['allowed_classes' => false]);
        } else {
            $value = json_decode($other, true);
        }
        return is_array($value) ? $value : [];
    }

    /**
     * A LIKE condition on one key of the log's "other" column, in both of its storage formats
     * (JSON, the default since Moodle 3.x, and PHP serialize on older logs).
     *
     * @param string $key
     * @param string $value already validated against a fixed list
     * @param array $params named parameters, extended
     * @return string SQL
     */
    private static function other_like(string $key, string $value, array &$params): string {
        global $DB;
        static $n = 0;
        $n++;
        $json = '%' . $DB->sql_like_escape(json_encode($key) . ':' . json_encode($value)) . '%';
        $serialized = '%' . $DB->sql_like_escape(serialize($key) . serialize($value)) . '%';
        $params["oj{$n}"] = $json;
        $params["os{$n}"] = $serialized;
        return '(' . $DB->sql_like('other', ":oj{$n}") . ' OR ' . $DB->sql_like('other', ":os{$n}") . ')';
    }

    /**
     * Counts of events per outcome group since a time.
     *
     * @param int $since
     * @return array group => count
     */
    public static function counts_since(int $since): array {
        global $DB;
        $counts = array_fill_keys(array_keys(self::EVENTS), 0);
        [$insql, $params] = $DB->get_in_or_equal(array_values(self::EVENTS), SQL_PARAMS_NAMED, 'ev');
        $params['since'] = $since;
        $params['component'] = self::COMPONENT;
        $rows = $DB->get_records_sql("SELECT eventname, COUNT(1) AS n
                                        FROM {logstore_standard_log}
                                       WHERE timecreated >= :since AND component = :component AND eventname {$insql}
                                    GROUP BY eventname", $params);
        foreach ($rows as $row) {
            $group = array_search($row->eventname, self::EVENTS, true);
            if ($group !== false) {
                $counts[$group] = (int) $row->n;
            }
        }
        return $counts;
    }

    /**
     * Time of the newest sync event; without the standard log store, the newest write to the plugin's tables.
     *
     * @return int|null null when nothing was ever seen
     */
    public static function last_event_time(): ?int {
        global $DB;
        if (self::log_store_enabled()) {
            [$insql, $params] = $DB->get_in_or_equal(array_values(self::EVENTS), SQL_PARAMS_NAMED, 'ev');
            $params['component'] = self::COMPONENT;
            $records = $DB->get_records_sql("SELECT id, timecreated
                                               FROM {logstore_standard_log}
                                              WHERE component = :component AND eventname {$insql}
                                           ORDER BY timecreated DESC, id DESC", $params, 0, 1);
            $record = reset($records);
            if ($record) {
                return (int) $record->timecreated;
            }
        }
        $last = 0;
        foreach (self::TABLES as $table) {
            $last = max($last, (int) $DB->get_field_sql("SELECT MAX(updated_at) FROM {{$table}}"));
        }
        return $last > 0 ? $last : null;
    }

    /**
     * The configured silence threshold in hours (0 = the alert is off).
     *
     * @return int
     */
    public static function silent_hours(): int {
        $hours = get_config(self::COMPONENT, 'silenthours');
        return $hours === false || $hours === '' ? self::DEFAULT_SILENT_HOURS : max(0, (int) $hours);
    }

    /**
     * The configured working days, 0 = Sunday … 6 = Saturday.
     *
     * @return int[]
     */
    public static function working_days(): array {
        $value = get_config(self::COMPONENT, 'workingdays');
        if ($value === false) {
            $value = self::DEFAULT_WORKING_DAYS;
        }
        $days = [];
        foreach (explode(',', (string) $value) as $day) {
            if ($day !== '' && ctype_digit(trim($day)) && (int) $day <= 6) {
                $days[] = (int) $day;
            }
        }
        return array_values(array_unique($days));
    }

    /**
     * Localised name of a day of the week.
     *
     * @param int $day 0 = Sunday
     * @return string
     */
    public static function day_name(int $day): string {
        $names = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
        return get_string($names[$day], 'calendar');
    }

    /**
     * Seconds between two times that fall on working days (whole days, in the given time zone).
     *
     * @param int $from
     * @param int $to
     * @param int[] $days working days, 0 = Sunday
     * @param \DateTimeZone $tz
     * @param int|null $cap stop counting once this many seconds are reached
     * @return int
     */
    public static function working_seconds(int $from, int $to, array $days, \DateTimeZone $tz, ?int $cap = null): int {
        if ($to <= $from || !$days) {
            return 0;
        }
        $total = 0;
        $cursor = (new \DateTimeImmutable('@' . $from))->setTimezone($tz);
        while ($cursor->getTimestamp() < $to) {
            $nextday = $cursor->setTime(0, 0)->modify('+1 day');
            $end = min($to, $nextday->getTimestamp());
            if (in_array((int) $cursor->format('w'), $days, true)) {
                $total += $end - $cursor->getTimestamp();
                if ($cap !== null && $total >= $cap) {
                    return $total;
                }
            }
            $cursor = $nextday;
        }
        return $total;
    }

    /**
     * Whether the feed is silent now.
     *
     * @param int $now
     * @return array ['enabled' => bool, 'lastevent' => int|null, 'silentseconds' => int, 'threshold' => int (seconds),
     *                'workingday' => bool, 'alert' => bool]
     */
    public static function silent_feed_status(int $now): array {
        $hours = self::silent_hours();
        $days = self::working_days();
        $tz = \core_date::get_server_timezone_object();
        $threshold = $hours * HOURSECS;
        $last = self::last_event_time();
        $today = (int) (new \DateTimeImmutable('@' . $now))->setTimezone($tz)->format('w');
        $workingday = in_array($today, $days, true);
        $silent = $last === null ? null : self::working_seconds($last, $now, $days, $tz, $threshold ?: null);
        $enabled = $hours > 0 && !empty($days);
        return [
            'enabled' => $enabled,
            'lastevent' => $last,
            'silentseconds' => $silent ?? 0,
            'threshold' => $threshold,
            'workingday' => $workingday,
            'alert' => $enabled && $workingday && ($last === null || $silent >= $threshold),
        ];
    }

    /**
     * Checks the web-service set-up the Lambdas need.
     *
     * @return array[] each ['key' => string, 'status' => ok|warning|error, 'detail' => string]
     */
    public static function webservice_checks(): array {
        global $CFG, $DB;
        $c = self::COMPONENT;
        $checks = [];
        $add = function(string $key, string $status, string $detail) use (&$checks) {
            $checks[] = ['key' => $key, 'status' => $status, 'detail' => $detail];
        };

        $add('checkwsenabled', empty($CFG->enablewebservices) ? 'error' : 'ok',
            get_string(empty($CFG->enablewebservices) ? 'checkwsenabled_no' : 'checkwsenabled_yes', $c));
        $protocols = explode(',', (string) ($CFG->webserviceprotocols ?? ''));
        $rest = in_array('rest', $protocols, true);
        $add('checkrest', $rest ? 'ok' : 'error', get_string($rest ? 'checkrest_yes' : 'checkrest_no', $c));

        $service = $DB->get_record('external_services', ['shortname' => self::SERVICE]);
        if (!$service) {
            $add('checkservice', 'error', get_string('checkservice_missing', $c, self::SERVICE));
            return $checks;
        }
        $add('checkservice', $service->enabled ? 'ok' : 'error',
            get_string($service->enabled ? 'checkservice_ok' : 'checkservice_disabled', $c, self::SERVICE));

        // Every function of the plugin plus the health-check function must be in the service.
        $expected = $DB->get_fieldset_select('external_functions', 'name', 'component = ?', [$c]);
        $expected[] = 'core_webservice_get_site_info';
        $present = $DB->get_fieldset_select('external_services_functions', 'functionname', 'externalserviceid = ?',
            [$service->id]);
        $missing = array_values(array_diff($expected, $present));
        sort($missing);
        $add('checkfunctions', $missing ? 'error' : 'ok', $missing
            ? get_string('checkfunctions_missing', $c, implode(', ', $missing))
            : get_string('checkfunctions_ok', $c, count($expected)));

        // Permanent, unexpired tokens of the service and their users.
        $now = \core\di::get(\core\clock::class)->time();
        $tokens = $DB->get_records_select('external_tokens',
            'externalserviceid = :sid AND tokentype = :type AND (validuntil = 0 OR validuntil > :now)',
            ['sid' => $service->id, 'type' => EXTERNAL_TOKEN_PERMANENT, 'now' => $now], 'id', 'id, userid, lastaccess');
        if (!$tokens) {
            $add('checktoken', 'error', get_string('checktoken_missing', $c));
            $add('checkuser', 'error', get_string('checkuser_missing', $c));
            $add('checkrole', 'error', get_string('checkrole_missing', $c));
            return $checks;
        }
        $lastaccess = max(array_map(fn($t) => (int) $t->lastaccess, $tokens));
        $add('checktoken', 'ok', get_string('checktoken_ok', $c, (object) ['count' => count($tokens),
            'lastaccess' => $lastaccess ? userdate($lastaccess) : get_string('never')]));

        $system = \context_system::instance();
        $userids = array_unique(array_map(fn($t) => (int) $t->userid, $tokens));
        $userstatus = 'ok';
        $userdetails = [];
        $rolestatus = 'ok';
        $roledetails = [];
        foreach ($userids as $userid) {
            $user = \core_user::get_user($userid);
            if (!$user || $user->deleted || $user->suspended || $user->auth === 'nologin') {
                $userstatus = 'error';
                $userdetails[] = get_string('checkuser_unusable', $c, $userid);
                continue;
            }
            $name = fullname($user) . ' (' . $user->username . ')';
            $cansync = has_capability('local/moodle_zoho_sync:sync', $system, $user);
            $canrest = has_capability('webservice/rest:use', $system, $user);
            $authorised = !$service->restrictedusers || $DB->record_exists('external_services_users',
                ['externalserviceid' => $service->id, 'userid' => $userid]);
            if (!$cansync || !$canrest) {
                $userstatus = 'error';
                $userdetails[] = get_string('checkuser_nocap', $c, $name);
            } else if (!$authorised) {
                // The service admits only its authorised users: this token answers accessexception.
                $userstatus = 'error';
                $userdetails[] = get_string('checkuser_notauthorised', $c, $name);
            } else if (is_siteadmin($user)) {
                $userstatus = $userstatus === 'error' ? 'error' : 'warning';
                $userdetails[] = get_string('checkuser_admin', $c, $name);
            } else {
                $userdetails[] = get_string('checkuser_ok', $c, $name);
            }
            // The dedicated role: assigned in the system context and allowing the sync capability.
            $roles = $DB->get_records_sql("SELECT DISTINCT r.id, r.shortname, r.name
                                             FROM {role_assignments} ra
                                             JOIN {role} r ON r.id = ra.roleid
                                             JOIN {role_capabilities} rc ON rc.roleid = r.id AND rc.contextid = :sys1
                                            WHERE ra.userid = :userid AND ra.contextid = :sys2
                                                  AND rc.capability = :cap AND rc.permission = :allow",
                ['sys1' => $system->id, 'sys2' => $system->id, 'userid' => $userid,
                 'cap' => 'local/moodle_zoho_sync:sync', 'allow' => CAP_ALLOW]);
            if ($roles) {
                $roledetails[] = get_string('checkrole_ok', $c, (object) ['user' => $name,
                    'roles' => implode(', ', array_map(fn($r) => role_get_name($r, $system, ROLENAME_BOTH), $roles))]);
            } else {
                $rolestatus = 'warning';
                $roledetails[] = get_string('checkrole_none', $c, $name);
            }
        }
        $add('checkuser', $userstatus, implode(' ', $userdetails));
        $add('checkrole', $rolestatus, implode(' ', $roledetails));
        return $checks;
    }
}
