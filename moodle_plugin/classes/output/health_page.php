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

namespace local_moodle_zoho_sync\output;

use local_moodle_zoho_sync\local\sync_health;

/**
 * The sync health page for administrators.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class health_page implements \renderable, \core\output\named_templatable {
    /** Events per page. */
    const PERPAGE = 50;

    /**
     * Constructor.
     *
     * @param array $filters from sync_health::filters()
     * @param int $page 0-based page of the event list
     * @param int $now current time
     */
    public function __construct(
        /** @var array validated filters */
        protected array $filters,
        /** @var int page of the event list */
        protected int $page,
        /** @var int current time */
        protected int $now
    ) {
    }

    /**
     * Template name.
     *
     * @param \renderer_base $renderer
     * @return string
     */
    public function get_template_name(\renderer_base $renderer): string {
        return 'local_moodle_zoho_sync/health_page';
    }

    /**
     * Badge class of a check or outcome status (Boost / Bootstrap 4 badges, AA contrast in Boost).
     *
     * @param string $status ok|warning|error|applied|skipped|failed
     * @return string
     */
    public static function badge(string $status): string {
        return [
            'ok' => 'badge badge-success',
            'applied' => 'badge badge-success',
            'warning' => 'badge badge-warning',
            'skipped' => 'badge badge-secondary',
            'error' => 'badge badge-danger',
            'failed' => 'badge badge-danger',
        ][$status] ?? 'badge badge-secondary';
    }

    /**
     * Template context.
     *
     * @param \renderer_base $output
     * @return array
     */
    public function export_for_template(\renderer_base $output): array {
        $c = 'local_moodle_zoho_sync';
        $info = sync_health::plugin_info();

        // Silent-feed status.
        $silent = sync_health::silent_feed_status($this->now);
        $silentctx = [
            'enabled' => $silent['enabled'],
            'never' => $silent['lastevent'] === null,
            'lasteventtext' => $silent['lastevent'] === null ? get_string('noeventever', $c)
                : get_string('lastevent', $c, (object) ['time' => userdate($silent['lastevent']),
                    'ago' => format_time($this->now - $silent['lastevent'])]),
            'silenttext' => get_string('silentsummary', $c, (object) ['silent' => format_time($silent['silentseconds']),
                'threshold' => format_time($silent['threshold'])]),
            'alert' => $silent['alert'],
            'badgeclass' => self::badge($silent['alert'] ? 'error' : 'ok'),
            'statuslabel' => get_string($silent['alert'] ? 'feedsilent' : 'feedok', $c),
        ];
        $last24 = [];
        foreach (sync_health::counts_since($this->now - DAYSECS) as $group => $count) {
            $last24[] = ['label' => get_string('outcomegroup_' . $group, $c), 'count' => $count,
                'badgeclass' => self::badge($group)];
        }

        $checks = [];
        foreach (sync_health::webservice_checks() as $check) {
            $checks[] = [
                'name' => get_string($check['key'], $c),
                'status' => $check['status'],
                'statuslabel' => get_string('status_' . $check['status'], $c),
                'badgeclass' => self::badge($check['status']),
                'detail' => $check['detail'],
            ];
        }

        $tables = [];
        foreach (sync_health::table_counts() as $row) {
            $tables[] = [
                'table' => $row['table'],
                'label' => get_string('table_' . $row['table'], $c),
                'total' => $row['total'],
                'hasdeleted' => $row['deleted'] !== null,
                'deleted' => $row['deleted'] ?? 0,
                'active' => $row['total'] - ($row['deleted'] ?? 0),
                'lastsynced' => $row['lastsynced']
                    ? userdate($row['lastsynced'], get_string('strftimedatetimeshort', 'langconfig')) : '',
            ];
        }

        // Filter form (GET).
        $outcomes = [['value' => '', 'label' => get_string('alloutcomes', $c), 'selected' => $this->filters['outcome'] === '']];
        foreach (array_keys(sync_health::EVENTS) as $group) {
            $outcomes[] = ['value' => $group, 'label' => get_string('outcomegroup_' . $group, $c),
                'selected' => $this->filters['outcome'] === $group];
        }
        foreach (array_keys(sync_health::OUTCOMES) as $outcome) {
            if ($outcome === 'failed') {
                continue;
            }
            $outcomes[] = ['value' => $outcome, 'label' => '— ' . get_string('outcomename_' . $outcome, $c),
                'selected' => $this->filters['outcome'] === $outcome];
        }
        $entities = [['value' => '', 'label' => get_string('allentities', $c), 'selected' => $this->filters['entity'] === '']];
        foreach (sync_health::ENTITIES as $entity) {
            $entities[] = ['value' => $entity, 'label' => get_string('entity_' . $entity, $c),
                'selected' => $this->filters['entity'] === $entity];
        }

        $result = sync_health::recent_events($this->filters, $this->page, self::PERPAGE);
        $events = [];
        $format = get_string('strftimedatetimeshort', 'langconfig');
        foreach ($result['events'] as $event) {
            $events[] = [
                'time' => userdate($event['time'], $format),
                'timeiso' => date('c', $event['time']),
                'group' => $event['group'],
                'grouplabel' => get_string('outcomegroup_' . $event['group'], $c),
                'badgeclass' => self::badge($event['group']),
                'outcome' => get_string_manager()->string_exists('outcomename_' . $event['outcome'], $c)
                    ? get_string('outcomename_' . $event['outcome'], $c) : $event['outcome'],
                'entity' => get_string_manager()->string_exists('entity_' . $event['entity'], $c)
                    ? get_string('entity_' . $event['entity'], $c) : $event['entity'],
                'zohoid' => $event['zohoid'],
                'localid' => $event['localid'] ?: '',
                'error' => $event['error'],
                'haserror' => $event['error'] !== '',
            ];
        }
        $params = array_filter(['outcome' => $this->filters['outcome'], 'entity' => $this->filters['entity'],
            'from' => $this->filters['from'], 'to' => $this->filters['to']], fn($v) => $v !== '');
        $base = new \moodle_url('/local/moodle_zoho_sync/health.php', $params);
        $newer = $this->page > 0 ? new \moodle_url($base, ['page' => $this->page - 1]) : null;
        $older = $result['hasmore'] ? new \moodle_url($base, ['page' => $this->page + 1]) : null;

        return [
            'version' => $info['version'],
            'dbversion' => $info['dbversion'],
            'versionmismatch' => $info['version'] !== $info['dbversion'],
            'release' => $info['release'],
            'settings' => $info['settings'],
            'settingsurl' => (new \moodle_url('/admin/settings.php', ['section' => 'local_moodle_zoho_sync']))->out(false),
            'tokensurl' => (new \moodle_url('/admin/webservice/tokens.php'))->out(false),
            'logstoredisabled' => !sync_health::log_store_enabled(),
            'silent' => $silentctx,
            'last24' => $last24,
            'checks' => $checks,
            'tables' => $tables,
            'filter' => [
                'action' => (new \moodle_url('/local/moodle_zoho_sync/health.php'))->out(false),
                'outcomes' => $outcomes,
                'entities' => $entities,
                'from' => $this->filters['from'],
                'to' => $this->filters['to'],
                'filtered' => (bool) $params,
            ],
            'events' => $events,
            'hasevents' => (bool) $events,
            'newerurl' => $newer ? $newer->out(false) : '',
            'olderurl' => $older ? $older->out(false) : '',
            'haspaging' => $newer || $older,
        ];
    }
}
