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

/**
 * Admin settings of local_moodle_zoho_sync.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

if ($hassiteconfig) {
    $settings = new admin_settingpage('local_moodle_zoho_sync', new lang_string('pluginname', 'local_moodle_zoho_sync'));
    $ADMIN->add('localplugins', $settings);

    $settings->add(new admin_setting_heading('local_moodle_zoho_sync/courseheading',
        new lang_string('settingscourses', 'local_moodle_zoho_sync'), ''));
    $settings->add(new admin_setting_configtext('local_moodle_zoho_sync/defaultcategory',
        new lang_string('defaultcategory', 'local_moodle_zoho_sync'),
        new lang_string('defaultcategory_desc', 'local_moodle_zoho_sync'), 0, PARAM_INT));
    $settings->add(new \local_moodle_zoho_sync\admin\setting_allowed_roles('local_moodle_zoho_sync/allowedroles',
        new lang_string('allowedroles', 'local_moodle_zoho_sync'),
        new lang_string('allowedroles_desc', 'local_moodle_zoho_sync'),
        \local_moodle_zoho_sync\local\role_policy::DEFAULT_ALLOWED, PARAM_TEXT));
    $settings->add(new admin_setting_configtext('local_moodle_zoho_sync/coursecategories',
        new lang_string('coursecategories', 'local_moodle_zoho_sync'),
        new lang_string('coursecategories_desc', 'local_moodle_zoho_sync'), '', PARAM_SEQUENCE));
    $settings->add(new admin_setting_configtext('local_moodle_zoho_sync/adoptcategories',
        new lang_string('adoptcategories', 'local_moodle_zoho_sync'),
        new lang_string('adoptcategories_desc', 'local_moodle_zoho_sync'), '', PARAM_SEQUENCE));
    $settings->add(new \local_moodle_zoho_sync\admin\setting_staff_list('local_moodle_zoho_sync/defaultstaff',
        new lang_string('defaultstaff', 'local_moodle_zoho_sync'),
        new lang_string('defaultstaff_desc', 'local_moodle_zoho_sync'), '', PARAM_RAW, 60, 6));
    $settings->add(new \local_moodle_zoho_sync\admin\setting_staff_list('local_moodle_zoho_sync/majorstaff',
        new lang_string('majorstaff', 'local_moodle_zoho_sync'),
        new lang_string('majorstaff_desc', 'local_moodle_zoho_sync'), '', PARAM_RAW, 60, 4));
    $settings->add(new \local_moodle_zoho_sync\admin\setting_course_role('local_moodle_zoho_sync/teacherrole',
        new lang_string('teacherrole', 'local_moodle_zoho_sync'),
        new lang_string('teacherrole_desc', 'local_moodle_zoho_sync'), 'editingteacher', PARAM_ALPHANUMEXT));

    $settings->add(new admin_setting_heading('local_moodle_zoho_sync/enrolheading',
        new lang_string('settingsenrolments', 'local_moodle_zoho_sync'), ''));
    $settings->add(new \local_moodle_zoho_sync\admin\setting_course_role('local_moodle_zoho_sync/studentrole',
        new lang_string('studentrole', 'local_moodle_zoho_sync'),
        new lang_string('studentrole_desc', 'local_moodle_zoho_sync'), 'student', PARAM_ALPHANUMEXT));
    $settings->add(new admin_setting_configcheckbox('local_moodle_zoho_sync/unenrolondelete',
        new lang_string('unenrolondelete', 'local_moodle_zoho_sync'),
        new lang_string('unenrolondelete_desc', 'local_moodle_zoho_sync'), 0));

    // Silent-feed alert (scheduled task \local_moodle_zoho_sync\task\check_silent_feed).
    $settings->add(new admin_setting_heading('local_moodle_zoho_sync/alertheading',
        new lang_string('settingsalert', 'local_moodle_zoho_sync'),
        new lang_string('settingsalert_desc', 'local_moodle_zoho_sync')));
    $settings->add(new admin_setting_configtext('local_moodle_zoho_sync/silenthours',
        new lang_string('silenthours', 'local_moodle_zoho_sync'),
        new lang_string('silenthours_desc', 'local_moodle_zoho_sync'),
        \local_moodle_zoho_sync\local\sync_health::DEFAULT_SILENT_HOURS, PARAM_INT));
    $days = [];
    foreach (range(0, 6) as $day) {
        $days[$day] = new lang_string(['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'][$day],
            'calendar');
    }
    $settings->add(new admin_setting_configmulticheckbox('local_moodle_zoho_sync/workingdays',
        new lang_string('workingdays', 'local_moodle_zoho_sync'),
        new lang_string('workingdays_desc', 'local_moodle_zoho_sync'),
        array_fill_keys(explode(',', \local_moodle_zoho_sync\local\sync_health::DEFAULT_WORKING_DAYS), 1), $days));
}

// The health page is outside the $hassiteconfig block: managers with local/moodle_zoho_sync:viewlogs but without
// moodle/site:config see it too.
$ADMIN->add('localplugins', new admin_externalpage('local_moodle_zoho_sync_health',
    new lang_string('healthpage', 'local_moodle_zoho_sync'),
    new moodle_url('/local/moodle_zoho_sync/health.php'),
    'local/moodle_zoho_sync:viewlogs'));
