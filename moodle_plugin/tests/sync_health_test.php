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

namespace local_moodle_zoho_sync;

use local_moodle_zoho_sync\local\sync_health;
use local_moodle_zoho_sync\local\ws;
use local_moodle_zoho_sync\task\check_silent_feed;

/**
 * Tests of the sync health data and of the silent-feed task.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 * @covers     \local_moodle_zoho_sync\local\sync_health
 * @covers     \local_moodle_zoho_sync\task\check_silent_feed
 * @covers     \local_moodle_zoho_sync\output\health_page
 */
final class sync_health_test extends \advanced_testcase {
    /** Wednesday 2026-11-25 10:00 UTC. */
    const WEDNESDAY = 1795600800;
    /** Friday 2026-11-27 10:00 UTC. */
    const FRIDAY = 1795773600;

    protected function setUp(): void {
        parent::setUp();
        $this->resetAfterTest();
        $this->setTimezone('UTC', 'UTC');
        set_config('enabled_stores', 'logstore_standard', 'tool_log');
        set_config('silenthours', 24, 'local_moodle_zoho_sync');
        set_config('workingdays', '0,1,2,3,4', 'local_moodle_zoho_sync');
    }

    /**
     * Writes one sync event straight into the standard log, as the log store would.
     *
     * @param string $group applied|skipped|failed
     * @param string $entity
     * @param string $outcome
     * @param int $time
     * @param string $error
     */
    private function log_event(string $group, string $entity, string $outcome, int $time, string $error = ''): void {
        global $DB;
        $system = \context_system::instance();
        $DB->insert_record('logstore_standard_log', [
            'eventname' => sync_health::EVENTS[$group], 'component' => 'local_moodle_zoho_sync', 'action' => $group,
            'target' => 'sync', 'crud' => 'u', 'edulevel' => 0, 'contextid' => $system->id,
            'contextlevel' => CONTEXT_SYSTEM, 'contextinstanceid' => 0, 'userid' => 2, 'anonymous' => 0,
            'other' => json_encode(['entity' => $entity, 'zohoid' => '53988300000' . $time, 'outcome' => $outcome,
                'localid' => 1, 'error' => $error]),
            'timecreated' => $time, 'origin' => 'ws', 'ip' => '127.0.0.1',
        ]);
    }

    public function test_access_needs_viewlogs(): void {
        $this->setUser($this->getDataGenerator()->create_user());
        try {
            sync_health::require_access();
            $this->fail('A plain user must not open the health page.');
        } catch (\required_capability_exception $e) {
            $this->assertSame('nopermissions', $e->errorcode);
        }
        $manager = $this->getDataGenerator()->create_user();
        $this->getDataGenerator()->role_assign('manager', $manager->id, \context_system::instance()->id);
        $this->setUser($manager);
        $this->assertInstanceOf(\context_system::class, sync_health::require_access());
    }

    public function test_plugin_info_and_table_counts(): void {
        global $DB;
        $this->setAdminUser();
        $info = sync_health::plugin_info();
        $this->assertSame((int) get_config('local_moodle_zoho_sync', 'version'), $info['dbversion']);
        $this->assertGreaterThanOrEqual(2026112502, $info['version']);
        $this->assertContains(get_string('teacherrole', 'local_moodle_zoho_sync'), array_column($info['settings'], 'name'));

        $DB->insert_record('local_mzi_students', ['zoho_student_id' => 'A1', 'created_at' => 1, 'updated_at' => 5,
            'synced_at' => 5, 'deleted' => 0]);
        $DB->insert_record('local_mzi_students', ['zoho_student_id' => 'A2', 'created_at' => 1, 'updated_at' => 9,
            'synced_at' => 9, 'deleted' => 1]);
        $counts = array_column(sync_health::table_counts(), null, 'table');
        $this->assertCount(10, $counts);
        $this->assertSame(2, $counts['local_mzi_students']['total']);
        $this->assertSame(1, $counts['local_mzi_students']['deleted']);
        $this->assertSame(9, $counts['local_mzi_students']['lastsynced']);
        $this->assertNull($counts['local_mzi_installments']['deleted'], 'Installments have no soft delete.');
        $this->assertSame(0, $counts['local_mzi_payments']['total']);
    }

    public function test_recent_events_and_filters(): void {
        $this->log_event('applied', 'student', 'created', self::WEDNESDAY - 3 * DAYSECS);
        $this->log_event('skipped', 'payment', 'stale', self::WEDNESDAY - 2 * DAYSECS);
        $this->log_event('failed', 'grade', 'failed', self::WEDNESDAY - DAYSECS, 'invalidgrade');
        $this->log_event('skipped', 'grade', 'parent_missing', self::WEDNESDAY - 60);

        $all = sync_health::recent_events(sync_health::filters());
        $this->assertSame(['parent_missing', 'failed', 'stale', 'created'], array_column($all['events'], 'outcome'));
        $this->assertFalse($all['hasmore']);
        $this->assertSame('invalidgrade', $all['events'][1]['error']);
        $this->assertSame('failed', $all['events'][1]['group']);

        $this->assertSame(['failed'],
            array_column(sync_health::recent_events(sync_health::filters('failed'))['events'], 'outcome'));
        $this->assertSame(['parent_missing', 'stale'],
            array_column(sync_health::recent_events(sync_health::filters('skipped'))['events'], 'outcome'));
        $this->assertSame(['stale'], array_column(sync_health::recent_events(sync_health::filters('stale'))['events'], 'outcome'));
        $this->assertSame(['parent_missing', 'failed'],
            array_column(sync_health::recent_events(sync_health::filters('', 'grade'))['events'], 'outcome'));
        // Days are inclusive and read in the user's time zone (UTC here).
        $this->assertSame(['stale', 'created'], array_column(sync_health::recent_events(
            sync_health::filters('', '', '2026-11-22', '2026-11-23'))['events'], 'outcome'));
        // Unknown values are dropped, not passed to SQL.
        $filters = sync_health::filters("x' OR 1=1", 'nosuchmodule', '2026-13-45', 'yesterday');
        $this->assertSame(['', '', '', ''], [$filters['outcome'], $filters['entity'], $filters['from'], $filters['to']]);
        // Paging without counting the whole log.
        $page = sync_health::recent_events(sync_health::filters(), 0, 3);
        $this->assertCount(3, $page['events']);
        $this->assertTrue($page['hasmore']);
        $this->assertSame(['created'], array_column(sync_health::recent_events(sync_health::filters(), 1, 3)['events'],
            'outcome'));

        $counts = sync_health::counts_since(self::WEDNESDAY - DAYSECS - 1);
        $this->assertSame(['applied' => 0, 'skipped' => 1, 'failed' => 1], $counts);
    }

    public function test_events_fired_by_the_web_services_reach_the_page(): void {
        $this->preventResetByRollback();
        set_config('buffersize', 0, 'logstore_standard');
        get_log_manager(true);
        $this->setAdminUser();
        ws::fire('student', '5398830000000000001', 'created', 7, '');
        ws::fire('class', '5398830000000000002', 'failed', 0, 'shortnametaken');
        $events = sync_health::recent_events(sync_health::filters())['events'];
        $this->assertSame(['class', 'student'], array_column($events, 'entity'));
        $this->assertSame('shortnametaken', $events[0]['error']);
        $this->assertSame(7, $events[1]['localid']);
        $this->assertNotNull(sync_health::last_event_time());
    }

    public function test_webservice_checks(): void {
        global $CFG, $DB;
        require_once($CFG->dirroot . '/webservice/lib.php');
        $statuses = fn() => array_column(sync_health::webservice_checks(), 'status', 'key');

        set_config('enablewebservices', 0);
        $s = $statuses();
        $this->assertSame('error', $s['checkwsenabled']);
        $this->assertSame('ok', $s['checkservice']);
        $this->assertSame('ok', $s['checkfunctions'], 'The installed service holds every function of the plugin.');
        $this->assertSame('error', $s['checktoken']);

        set_config('enablewebservices', 1);
        set_config('webserviceprotocols', 'rest');
        $system = \context_system::instance();
        $user = $this->getDataGenerator()->create_user(['username' => 'zohosync']);
        $roleid = create_role('Zoho sync web service', 'zohosyncws', '');
        assign_capability('local/moodle_zoho_sync:sync', CAP_ALLOW, $roleid, $system->id);
        assign_capability('webservice/rest:use', CAP_ALLOW, $roleid, $system->id);
        role_assign($roleid, $user->id, $system->id);
        $service = $DB->get_record('external_services', ['shortname' => 'moodle_zoho_sync'], '*', MUST_EXIST);
        \core_external\util::generate_token(EXTERNAL_TOKEN_PERMANENT, $service, $user->id, $system);

        // The service admits only authorised users: a token alone is not enough.
        $this->assertSame('1', (string) $service->restrictedusers);
        $this->assertSame('error', $statuses()['checkuser']);
        (new \webservice())->add_ws_authorised_user((object) ['externalserviceid' => $service->id, 'userid' => $user->id]);

        $s = $statuses();
        $this->assertSame(['checkwsenabled' => 'ok', 'checkrest' => 'ok', 'checkservice' => 'ok', 'checkfunctions' => 'ok',
            'checktoken' => 'ok', 'checkuser' => 'ok', 'checkrole' => 'ok'], $s);

        // A function dropped from the service, a disabled service and a token owned by an admin are reported.
        $DB->delete_records('external_services_functions', ['externalserviceid' => $service->id,
            'functionname' => 'local_mzi_submit_grade']);
        $DB->set_field('external_services', 'enabled', 0, ['id' => $service->id]);
        \core_external\util::generate_token(EXTERNAL_TOKEN_PERMANENT, $service, get_admin()->id, $system);
        (new \webservice())->add_ws_authorised_user((object) ['externalserviceid' => $service->id, 'userid' => get_admin()->id]);
        $checks = array_column(sync_health::webservice_checks(), null, 'key');
        $this->assertSame('error', $checks['checkfunctions']['status']);
        $this->assertStringContainsString('local_mzi_submit_grade', $checks['checkfunctions']['detail']);
        $this->assertSame('error', $checks['checkservice']['status']);
        $this->assertSame('warning', $checks['checkuser']['status']);
        $this->assertSame('warning', $checks['checkrole']['status']);
    }

    public function test_working_seconds_count_only_working_days(): void {
        $utc = new \DateTimeZone('UTC');
        // Thursday 20:00 → Sunday 04:00 with Sunday–Thursday: 4 h on Thursday + 4 h on Sunday.
        $this->assertSame(8 * HOURSECS, sync_health::working_seconds(1795723200, 1795924800, [0, 1, 2, 3, 4], $utc));
        // Monday–Friday: Thursday 4 h + all of Friday.
        $this->assertSame(28 * HOURSECS, sync_health::working_seconds(1795723200, 1795924800, [1, 2, 3, 4, 5], $utc));
        $this->assertSame(0, sync_health::working_seconds(1795723200, 1795924800, [], $utc));
        // With a cap, counting stops at the first day that reaches it (Sunday is not added).
        $this->assertSame(4 * HOURSECS, sync_health::working_seconds(1795723200, 1795924800, [0, 4], $utc, HOURSECS));
    }

    public function test_task_warns_admins_when_no_event_on_a_working_day(): void {
        $this->mock_clock_with_frozen(self::WEDNESDAY);
        $sink = $this->redirectMessages();
        ob_start();
        (new check_silent_feed())->execute();
        ob_end_clean();
        $messages = $sink->get_messages();
        $this->assertCount(1, $messages);
        $this->assertSame('silentfeed', $messages[0]->eventtype);
        $this->assertEquals(get_admin()->id, $messages[0]->useridto);
        $this->assertStringContainsString('24', $messages[0]->subject);

        // Still silent an hour later: no second warning for the same silent spell.
        $sink->clear();
        $this->mock_clock_with_frozen(self::WEDNESDAY + HOURSECS);
        ob_start();
        (new check_silent_feed())->execute();
        ob_end_clean();
        $this->assertCount(0, $sink->get_messages());
    }

    public function test_task_quiet_after_a_recent_event(): void {
        $this->mock_clock_with_frozen(self::WEDNESDAY);
        $this->log_event('skipped', 'student', 'unchanged', self::WEDNESDAY - 2 * HOURSECS);
        $sink = $this->redirectMessages();
        ob_start();
        (new check_silent_feed())->execute();
        ob_end_clean();
        $this->assertCount(0, $sink->get_messages());
        $this->assertFalse(sync_health::silent_feed_status(self::WEDNESDAY)['alert']);
    }

    public function test_task_counts_only_working_days(): void {
        // Last event Thursday 20:00; Friday is not a working day (Sunday–Thursday): 4 working hours only.
        $this->log_event('applied', 'grade', 'updated', 1795723200);
        $this->mock_clock_with_frozen(self::FRIDAY);
        $sink = $this->redirectMessages();
        ob_start();
        (new check_silent_feed())->execute();
        ob_end_clean();
        $this->assertCount(0, $sink->get_messages());

        // With Monday–Friday, Friday counts: 4 h + 10 h = 14 h, above a 12 h threshold, and Friday is a working day.
        set_config('workingdays', '1,2,3,4,5', 'local_moodle_zoho_sync');
        set_config('silenthours', 12, 'local_moodle_zoho_sync');
        $status = sync_health::silent_feed_status(self::FRIDAY);
        $this->assertSame(14 * HOURSECS, $status['silentseconds']);
        ob_start();
        (new check_silent_feed())->execute();
        ob_end_clean();
        $this->assertCount(1, $sink->get_messages());

        // 0 hours turns the alert off.
        set_config('silenthours', 0, 'local_moodle_zoho_sync');
        $this->assertFalse(sync_health::silent_feed_status(self::FRIDAY)['alert']);
    }

    public function test_health_page_renders(): void {
        global $PAGE;
        $this->setAdminUser();
        $this->log_event('failed', 'class', 'failed', self::WEDNESDAY - 60, 'shortnametaken');
        $PAGE->set_url('/local/moodle_zoho_sync/health.php');
        $PAGE->set_context(\context_system::instance());
        $page = new output\health_page(sync_health::filters('failed'), 0, self::WEDNESDAY);
        $html = $PAGE->get_renderer('core')->render($page);
        $this->assertStringContainsString('shortnametaken', $html);
        $this->assertStringContainsString('<option value="failed" selected>', $html);
        $this->assertStringContainsString('<th scope="col">', $html);
    }
}
