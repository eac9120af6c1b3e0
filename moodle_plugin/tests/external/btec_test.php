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


namespace local_moodle_zoho_sync\external;

defined('MOODLE_INTERNAL') || die();

require_once(__DIR__ . '/../sync_test_helper.php');

use core_external\external_api;

/**
 * Tests of the BTEC definition functions.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 * @covers     \local_moodle_zoho_sync\external\create_btec_definition
 * @covers     \local_moodle_zoho_sync\external\legacy_create_btec_definition
 * @covers     \local_moodle_zoho_sync\external\delete_btec_definition
 * @covers     \local_moodle_zoho_sync\local\btec_sync
 */
final class btec_test extends \advanced_testcase {
    use \local_moodle_zoho_sync\sync_test_helper;

    protected function setUp(): void {
        parent::setUp();
        if (!\core_component::get_component_directory('gradingform_btec')) {
            $this->markTestSkipped('gradingform_btec is not installed');
        }
    }

    /**
     * Criteria list from codes.
     *
     * @param string[] $codes
     * @return array
     */
    private function criteria(array $codes): array {
        return array_map(fn($c) => ['shortname' => $c, 'description' => "Text of $c"], $codes);
    }

    /**
     * Marks a definition: one instance with a filling for the criterion.
     *
     * @param int $definitionid
     * @param int $criterionid
     * @return int instance id
     */
    private function mark(int $definitionid, int $criterionid): int {
        global $DB, $USER;
        $instanceid = $DB->insert_record('grading_instances', (object) ['definitionid' => $definitionid, 'raterid' => $USER->id,
            'itemid' => 1, 'status' => 1, 'timemodified' => time()]);
        $DB->insert_record('gradingform_btec_fillings', (object) ['instanceid' => $instanceid, 'criterionid' => $criterionid,
            'score' => 1]);
        return $instanceid;
    }

    public function test_html_in_a_criterion_description_never_reaches_the_form_as_markup(): void {
        global $CFG, $DB, $PAGE;
        require_once($CFG->dirroot . '/grade/grading/lib.php');
        require_once($CFG->libdir . '/filelib.php');
        $this->resetAfterTest();
        $this->set_sync_user();
        $text = 'Explain <img src=x onerror=alert(document.cookie)> & compare "A" < \'B\'';
        $r = $this->call('create_btec_definition', '5398830000033020799', 'Unit 9', '', '2026-01-01T10:00:00Z',
            [['shortname' => 'P1', 'description' => $text]]);
        $this->assertSame('created', $r['status']);
        $stored = $DB->get_field('gradingform_btec_criteria', 'description', ['id' => $r['criteria'][0]['id']]);
        $this->assertSame(s($text), $stored);

        // gradingform_btec prints the description as HTML: the preview (template picker) shows the text, no element.
        $PAGE->set_url('/');
        $PAGE->set_context(\context_system::instance());
        $html = get_grading_manager((int) $r['areaid'])->get_controller('btec')->render_preview($PAGE);
        $this->assertStringNotContainsString('<img', $html);
        $this->assertStringContainsString(s($text), $html);

        // The same text again is unchanged (the stored, escaped form is what is compared).
        $this->assertSame('unchanged', $this->call('create_btec_definition', '5398830000033020799', 'Unit 9', '',
            '2026-01-01T10:00:00Z', [['shortname' => 'P1', 'description' => $text]])['status']);
    }

    public function test_order_and_in_place_update(): void {
        global $DB;
        $this->resetAfterTest();
        // A refused update rolls back for real, not inside the test framework's own transaction.
        $this->preventResetByRollback();
        $this->set_sync_user();
        // Sent in a scrambled order, P11+ included: stored P first, then M, then D, contiguous.
        $r = $this->call('create_btec_definition', '5398830000033020716', 'Unit 1: Programming', '', '2026-01-01T10:00:00Z',
            $this->criteria(['D1', 'M2', 'P11', 'P2', 'P1', 'M1']));
        $this->assertSame('created', $r['status']);
        $this->assertSame(['P1', 'P2', 'P11', 'M1', 'M2', 'D1'], array_column($r['criteria'], 'shortname'));
        $this->assertSame([1, 2, 3, 4, 5, 6], array_column($r['criteria'], 'sortorder'));
        $definition = $DB->get_record('grading_definitions', ['id' => $r['definition_id']]);
        $this->assertSame('btec', $definition->method);
        $this->assertEquals(\gradingform_controller::DEFINITION_STATUS_READY, $definition->status);
        $area = $DB->get_record('grading_areas', ['id' => $definition->areaid]);
        $this->assertSame('core_grading', $area->component);
        $this->assertEquals(\context_system::instance()->id, $area->contextid);
        $ids = array_column($r['criteria'], 'id', 'shortname');

        // Repeat: unchanged.
        $this->assertSame('unchanged', $this->call('create_btec_definition', '5398830000033020716', 'Unit 1: Programming', '',
            '2026-01-01T10:00:00Z', $this->criteria(['D1', 'M2', 'P11', 'P2', 'P1', 'M1']))['status']);

        // Marking exists on P1; an update adds P3 and renames the unit: criteria keep their ids.
        $this->mark((int) $r['definition_id'], $ids['P1']);
        $u = $this->call('create_btec_definition', '5398830000033020716', 'Unit 1: Programming (new)', '', '2026-01-02T10:00:00Z',
            $this->criteria(['P1', 'P2', 'P3', 'P11', 'M1', 'M2', 'D1']));
        $this->assertSame('updated', $u['status']);
        $this->assertSame($r['definition_id'], $u['definition_id']);
        $after = array_column($u['criteria'], 'id', 'shortname');
        $this->assertSame($ids['P1'], $after['P1']);
        $this->assertSame($ids['D1'], $after['D1']);
        $this->assertSame(7, $after ? count($after) : 0);
        $this->assertSame(7, array_column($u['criteria'], 'sortorder', 'shortname')['D1']);
        $this->assertSame('Unit 1: Programming (new)', $DB->get_field('grading_definitions', 'name', ['id' => $u['definition_id']]));
        $this->assertTrue($DB->record_exists('gradingform_btec_fillings', ['criterionid' => $ids['P1']]));

        // Removing a marked criterion is refused; removing an unmarked one is fine.
        try {
            $this->call('create_btec_definition', '5398830000033020716', 'Unit 1', '', '2026-01-03T10:00:00Z',
                $this->criteria(['P2', 'M1']));
            $this->fail('criterioninuse expected');
        } catch (\moodle_exception $e) {
            $this->assertSame('criterioninuse', $e->errorcode);
        }
        $this->assertTrue($DB->record_exists('gradingform_btec_criteria', ['id' => $ids['M2']]));
        $d = $this->call('create_btec_definition', '5398830000033020716', 'Unit 1', '', '2026-01-03T10:00:00Z',
            $this->criteria(['P1', 'M1']));
        $this->assertSame(['P1', 'M1'], array_column($d['criteria'], 'shortname'));

        // Stale.
        $this->assertSame('stale', $this->call('create_btec_definition', '5398830000033020716', 'Old', '', '2025-01-01T00:00:00Z',
            $this->criteria(['P1']))['status']);

        // Delete refused while marked.
        try {
            $this->call('delete_btec_definition', '5398830000033020716');
            $this->fail('btecinuse expected');
        } catch (\moodle_exception $e) {
            $this->assertSame('btecinuse', $e->errorcode);
        }
    }

    public function test_invalid_criteria(): void {
        $this->resetAfterTest();
        $this->setAdminUser();
        foreach ([['P21'], ['X1'], ['M10'], ['D0'], ['P1', 'p1'], []] as $codes) {
            try {
                $this->call('create_btec_definition', '77', 'U', '', '', $this->criteria($codes));
                $this->fail('error expected for ' . implode(',', $codes));
            } catch (\moodle_exception $e) {
                $this->assertContains($e->errorcode, ['invalidcriterion', 'duplicatecriterion', 'nocriteria']);
            }
        }
    }

    public function test_legacy_name_and_delete_twice(): void {
        global $DB, $CFG;
        $this->resetAfterTest();
        $this->setAdminUser();
        $_POST['sesskey'] = sesskey();
        // The legacy caller sends level and sortorder; both are ignored.
        $result = external_api::call_external_function('local_moodle_zoho_sync_create_btec_definition', [
            'zoho_unit_id' => '88', 'name' => 'Legacy unit', 'description' => 'Legacy unit',
            'criteria' => [['shortname' => 'M1', 'description' => 'm', 'level' => '2', 'sortorder' => 1],
                ['shortname' => 'P1', 'description' => 'p', 'level' => '1', 'sortorder' => 2]],
        ]);
        $this->assertFalse($result['error'], json_encode($result));
        $this->assertSame(['P1', 'M1'], array_column($result['data']['criteria'], 'shortname'));
        $definitionid = $result['data']['definition_id'];

        $d = $this->call('delete_btec_definition', '88');
        $this->assertSame('deleted', $d['status']);
        $this->assertFalse($DB->record_exists('grading_definitions', ['id' => $definitionid]));
        $this->assertFalse($DB->record_exists('gradingform_btec_criteria', ['definitionid' => $definitionid]));
        $this->assertSame('absent', $this->call('delete_btec_definition', '88')['status']);
    }

    public function test_capability_required(): void {
        $this->resetAfterTest();
        $this->assert_denied('create_btec_definition', '1', 'U', '', '', $this->criteria(['P1']));
        $this->assert_denied('delete_btec_definition', '1');
    }
}
