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

defined('MOODLE_INTERNAL') || die();

require_once($CFG->libdir . '/filelib.php');
require_once($CFG->dirroot . '/grade/grading/lib.php');

/**
 * BTEC grading definitions kept as shared templates, one per Zoho BTEC unit.
 *
 * Each unit gets its own grading area in the system context with component core_grading (which is what
 * Moodle lists as shared templates); an area holds one definition per method, so one area per unit.
 * Criteria are updated in place by shortname so existing marking keeps pointing at its criteria.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
final class btec_sync {
    /** Highest criterion number per level. */
    const LEVELS = ['P' => 20, 'M' => 9, 'D' => 6];

    /** Area name prefix of our shared template areas. */
    const AREA_PREFIX = 'btec_zoho_';

    /**
     * Throws unless the BTEC grading method is installed.
     */
    private static function require_btec(): void {
        global $CFG;
        $dir = \core_component::get_component_directory('gradingform_btec');
        if (!$dir || !file_exists($dir . '/lib.php')) {
            throw new sync_exception('btecnotinstalled');
        }
        require_once($CFG->dirroot . '/grade/grading/form/btec/lib.php');
    }

    /**
     * Validates criteria and gives them one global order: all P, then M, then D, contiguous.
     *
     * A description is Zoho's plain text, stored HTML-escaped: gradingform_btec prints a criterion's description as
     * HTML, unfiltered, wherever the form is shown (template preview, grading, a student's feedback), so raw text
     * from a Zoho record would run as script in a teacher's or an administrator's browser. Escaped, it shows exactly
     * as written in Zoho, and the form's own edit page (which escapes the field once more for its textarea) shows
     * and saves the same HTML.
     *
     * @param array $criteria list of ['shortname' => …, 'description' => …]
     * @return array list of ['shortname', 'description', 'sortorder'] in order
     */
    public static function normalise_criteria(array $criteria): array {
        if (!$criteria) {
            throw new sync_exception('nocriteria');
        }
        $byname = [];
        foreach ($criteria as $criterion) {
            $code = \core_text::strtoupper(str_replace(' ', '', trim((string) $criterion['shortname'])));
            if (!preg_match('/^([PMD])([1-9][0-9]?)$/', $code, $m) || (int) $m[2] > self::LEVELS[$m[1]]) {
                throw new sync_exception('invalidcriterion', s($criterion['shortname']));
            }
            if (isset($byname[$code])) {
                throw new sync_exception('duplicatecriterion', $code);
            }
            $byname[$code] = ['shortname' => $code, 'description' => s(trim((string) ($criterion['description'] ?? ''))),
                'level' => strpos('PMD', $m[1]), 'number' => (int) $m[2]];
        }
        uasort($byname, function($a, $b) {
            return [$a['level'], $a['number']] <=> [$b['level'], $b['number']];
        });
        $sortorder = 1;
        $out = [];
        foreach ($byname as $c) {
            $out[] = ['shortname' => $c['shortname'], 'description' => $c['description'], 'sortorder' => $sortorder++];
        }
        return $out;
    }

    /**
     * Creates or updates the definition of a Zoho unit.
     *
     * @param string $zohounitid
     * @param string $name unit name (becomes the definition name)
     * @param string $description
     * @param string $modified Zoho Modified_Time, '' when the caller has none
     * @param array $criteria
     * @return array result
     */
    public static function upsert(string $zohounitid, string $name, string $description, string $modified,
            array $criteria): array {
        $zohounitid = ws::zoho_id($zohounitid, 'zoho_unit_id');
        return ws::run('btec', $zohounitid, function() use ($zohounitid, $name, $description, $modified, $criteria) {
            global $DB;
            self::require_btec();
            $name = trim($name);
            // The definition name and the mapping's unit_name are 255 characters wide.
            field_check::max_length('name', $name, 255);
            if ($name === '') {
                throw new sync_exception('unitnamemissing');
            }
            $modified = $modified === '' ? null : zoho_time::require_valid($modified);
            $wanted = self::normalise_criteria($criteria);
            // ws::run holds the unit's lock.
            $result = committed_transaction::run(function() use ($zohounitid, $name, $description, $modified, $wanted) {
                return self::apply($zohounitid, $name, $description, $modified, $wanted);
            });
            return ws::result('btec', $zohounitid, $result['status'], $result['id'], $result['extra']);
        });
    }

    /**
     * The work of upsert(), inside the lock and the transaction.
     *
     * @param string $zohounitid
     * @param string $name
     * @param string $description
     * @param string|null $modified
     * @param array $wanted normalised criteria
     * @return array ['status', 'id', 'extra']
     */
    private static function apply(string $zohounitid, string $name, string $description, ?string $modified,
            array $wanted): array {
        global $DB, $USER;
        $mapping = $DB->get_record('local_mzi_btec_templates', ['zoho_unit_id' => $zohounitid]);
        if ($mapping && $modified !== null && zoho_time::compare($modified, $mapping->zoho_modified_time) === -1) {
            return ['status' => 'stale', 'id' => (int) $mapping->id, 'extra' => self::extra($mapping->definition_id,
                (int) $mapping->areaid, [])];
        }
        $areaid = self::area_for($zohounitid, $mapping);
        $controller = get_grading_manager($areaid)->get_controller('btec');
        $definition = $controller->get_definition();

        $current = $definition ? $definition->btec_criteria : [];
        $idbycode = [];
        foreach ($current as $id => $c) {
            $code = \core_text::strtoupper(trim($c['shortname']));
            if (!isset($idbycode[$code])) {
                $idbycode[$code] = $id;
            }
        }
        $newcriteria = [];
        $newid = 1;
        $changed = !$definition || $definition->name !== $name || (string) $definition->description !== $description;
        foreach ($wanted as $c) {
            $key = $idbycode[$c['shortname']] ?? 'NEWID' . $newid++;
            $row = ['shortname' => $c['shortname'], 'description' => $c['description'], 'sortorder' => $c['sortorder']];
            if (is_string($key)) {
                $row += ['descriptionformat' => FORMAT_MOODLE, 'descriptionmarkers' => '',
                    'descriptionmarkersformat' => FORMAT_MOODLE];
                $changed = true;
            } else {
                $old = $current[$key];
                if ($old['shortname'] !== $c['shortname'] || (string) $old['description'] !== $c['description']
                        || (int) $old['sortorder'] !== $c['sortorder']) {
                    $changed = true;
                }
            }
            $newcriteria[$key] = $row;
        }
        $removed = array_diff(array_keys($current), array_keys($newcriteria));
        if ($removed) {
            [$insql, $params] = $DB->get_in_or_equal($removed, SQL_PARAMS_NAMED);
            $inuse = $DB->get_fieldset_sql("SELECT DISTINCT c.shortname
                                              FROM {gradingform_btec_criteria} c
                                              JOIN {gradingform_btec_fillings} f ON f.criterionid = c.id
                                             WHERE c.id $insql", $params);
            if ($inuse) {
                throw new sync_exception('criterioninuse', implode(', ', $inuse));
            }
            $changed = true;
        }
        $status = $definition ? 'updated' : 'created';
        if ($changed) {
            $comments = $definition ? $definition->btec_comment : [];
            $options = $definition && !empty($definition->options) ? json_decode($definition->options, true) : null;
            $controller->update_definition((object) [
                'name' => $name,
                'description_editor' => ['text' => $description, 'format' => FORMAT_HTML, 'itemid' => 0],
                'status' => \gradingform_controller::DEFINITION_STATUS_READY,
                'btec' => [
                    'criteria' => $newcriteria,
                    'options' => $options ?: \gradingform_btec_controller::get_default_options(),
                    'comments' => $comments,
                ],
            ], $USER->id);
            $definition = $controller->get_definition(true);
        } else {
            $status = 'unchanged';
        }

        $now = time();
        $row = ['definition_id' => (int) $definition->id, 'areaid' => $areaid, 'unit_name' => $name];
        if ($modified !== null) {
            $row['zoho_modified_time'] = $modified;
        }
        if ($mapping) {
            $row += ['id' => $mapping->id, 'synced_at' => $now, 'updated_at' => $changed ? $now : $mapping->updated_at];
            $DB->update_record('local_mzi_btec_templates', (object) $row);
            $mappingid = (int) $mapping->id;
        } else {
            $row += ['zoho_unit_id' => $zohounitid, 'synced_at' => $now, 'created_at' => $now, 'updated_at' => $now];
            $mappingid = (int) $DB->insert_record('local_mzi_btec_templates', (object) $row);
        }
        $list = [];
        foreach ($definition->btec_criteria as $id => $c) {
            $list[] = ['id' => (int) $id, 'shortname' => $c['shortname'], 'sortorder' => (int) $c['sortorder']];
        }
        return ['status' => $status, 'id' => $mappingid, 'extra' => self::extra((int) $definition->id, $areaid, $list)];
    }

    /**
     * Function-specific result fields.
     *
     * @param int $definitionid
     * @param int $areaid
     * @param array $criteria
     * @return array
     */
    private static function extra(int $definitionid, int $areaid, array $criteria): array {
        return ['definition_id' => $definitionid, 'areaid' => $areaid, 'criteria_count' => count($criteria),
            'criteria' => $criteria];
    }

    /**
     * The grading area of a unit: the mapped one (also a predecessor's area), else our deterministic one.
     *
     * @param string $zohounitid
     * @param \stdClass|false $mapping
     * @return int area id
     */
    private static function area_for(string $zohounitid, $mapping): int {
        global $DB;
        if ($mapping) {
            if (!empty($mapping->areaid) && $DB->record_exists('grading_areas', ['id' => $mapping->areaid])) {
                return (int) $mapping->areaid;
            }
            // A predecessor's mapping has only the definition id: keep using that definition's area.
            $areaid = $DB->get_field('grading_definitions', 'areaid', ['id' => $mapping->definition_id, 'method' => 'btec']);
            if ($areaid) {
                return (int) $areaid;
            }
        }
        $area = ['contextid' => \context_system::instance()->id, 'component' => 'core_grading',
            'areaname' => self::AREA_PREFIX . $zohounitid];
        $existing = $DB->get_record('grading_areas', $area);
        if ($existing) {
            if ($existing->activemethod !== 'btec') {
                $DB->set_field('grading_areas', 'activemethod', 'btec', ['id' => $existing->id]);
            }
            return (int) $existing->id;
        }
        try {
            return (int) $DB->insert_record('grading_areas', (object) ($area + ['activemethod' => 'btec']));
        } catch (\dml_write_exception $e) {
            return (int) $DB->get_field('grading_areas', 'id', $area, MUST_EXIST);
        }
    }

    /**
     * Deletes the definition of a unit; refused while marking made with it exists; a missing one is success.
     *
     * @param string $zohounitid
     * @return array result
     */
    public static function delete(string $zohounitid): array {
        $zohounitid = ws::zoho_id($zohounitid, 'zoho_unit_id');
        return ws::run('btec', $zohounitid, function() use ($zohounitid) {
            global $DB;
            $mapping = $DB->get_record('local_mzi_btec_templates', ['zoho_unit_id' => $zohounitid]);
            if (!$mapping) {
                return ws::result('btec', $zohounitid, 'absent', 0, self::extra(0, 0, []));
            }
            $definition = $DB->get_record('grading_definitions', ['id' => $mapping->definition_id]);
            if ($definition) {
                if ($DB->record_exists('grading_instances', ['definitionid' => $definition->id])) {
                    throw new sync_exception('btecinuse', s($mapping->unit_name));
                }
                self::require_btec();
                committed_transaction::run(function() use ($definition, $mapping, $DB) {
                    $controller = get_grading_manager((int) $definition->areaid)->get_controller('btec');
                    $controller->delete_definition();
                    $area = $DB->get_record('grading_areas', ['id' => $definition->areaid]);
                    if ($area && $area->component === 'core_grading'
                            && !$DB->record_exists('grading_definitions', ['areaid' => $area->id])) {
                        $DB->delete_records('grading_areas', ['id' => $area->id]);
                    }
                    $DB->delete_records('local_mzi_btec_templates', ['id' => $mapping->id]);
                });
            } else {
                $DB->delete_records('local_mzi_btec_templates', ['id' => $mapping->id]);
            }
            return ws::result('btec', $zohounitid, 'deleted', (int) $mapping->id,
                self::extra((int) $mapping->definition_id, (int) $mapping->areaid, []));
        });
    }
}
