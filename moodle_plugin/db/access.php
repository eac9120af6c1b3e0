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
 * Capabilities of local_moodle_zoho_sync.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

$capabilities = [
    // Held by the dedicated web-service role of the Zoho sync Lambdas; checked by every web-service function. It writes
    // personal data copied from Zoho (RISK_PERSONAL), creates and updates managed courses and gives course roles from the
    // allow-list (RISK_CONFIG), and deletes records, suspends or unenrols students and removes BTEC definitions
    // (RISK_DATALOSS).
    'local/moodle_zoho_sync:sync' => [
        'riskbitmask' => RISK_PERSONAL | RISK_CONFIG | RISK_DATALOSS,
        'captype' => 'write',
        'contextlevel' => CONTEXT_SYSTEM,
        'archetypes' => [],
    ],
    // The sync health page: configuration, web-service users and sync events naming Zoho records.
    'local/moodle_zoho_sync:viewlogs' => [
        'riskbitmask' => RISK_PERSONAL,
        'captype' => 'read',
        'contextlevel' => CONTEXT_SYSTEM,
        'archetypes' => ['manager' => CAP_ALLOW],
    ],
    // Own "My studies" page. Checked in the system context, so the authenticated-user role ('user') must hold it:
    // a student's student role lives in courses. It shows only the holder's own records, hence no risk.
    'local/moodle_zoho_sync:viewdashboard' => [
        'captype' => 'read',
        'contextlevel' => CONTEXT_SYSTEM,
        'archetypes' => [
            'user' => CAP_ALLOW,
            'student' => CAP_ALLOW,
            'teacher' => CAP_ALLOW,
            'editingteacher' => CAP_ALLOW,
            'manager' => CAP_ALLOW,
        ],
    ],
    // Open any student's "My studies" page (?userid=); students only see their own with :viewdashboard.
    'local/moodle_zoho_sync:viewanydashboard' => [
        'riskbitmask' => RISK_PERSONAL,
        'captype' => 'read',
        'contextlevel' => CONTEXT_SYSTEM,
        'archetypes' => ['manager' => CAP_ALLOW],
    ],
];
