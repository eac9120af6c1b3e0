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
 * Web-service functions and the predefined service of local_moodle_zoho_sync.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

$functions = [
    'local_mzi_update_student' => [
        'classname' => \local_moodle_zoho_sync\external\update_student::class,
        'description' => 'Create or update a student from Zoho BTEC_Students',
        'type' => 'write',
        'capabilities' => 'local/moodle_zoho_sync:sync',
        'ajax' => false,
    ],
    'local_mzi_create_registration' => [
        'classname' => \local_moodle_zoho_sync\external\create_registration::class,
        'description' => 'Create or update a registration and its payment schedule',
        'type' => 'write',
        'capabilities' => 'local/moodle_zoho_sync:sync',
        'ajax' => false,
    ],
    'local_mzi_record_payment' => [
        'classname' => \local_moodle_zoho_sync\external\record_payment::class,
        'description' => 'Create or update a payment of a registration',
        'type' => 'write',
        'capabilities' => 'local/moodle_zoho_sync:sync',
        'ajax' => false,
    ],
    'local_mzi_create_class' => [
        'classname' => \local_moodle_zoho_sync\external\create_class::class,
        'description' => 'Create or update a class and find or create its Moodle course',
        'type' => 'write',
        'capabilities' => 'local/moodle_zoho_sync:sync',
        'ajax' => false,
    ],
    'local_mzi_update_enrollment' => [
        'classname' => \local_moodle_zoho_sync\external\update_enrollment::class,
        'description' => 'Create or update a batch of enrolments and apply them to the class course',
        'type' => 'write',
        'capabilities' => 'local/moodle_zoho_sync:sync',
        'ajax' => false,
    ],
    'local_mzi_submit_grade' => [
        'classname' => \local_moodle_zoho_sync\external\submit_grade::class,
        'description' => 'Create or update a BTEC grade',
        'type' => 'write',
        'capabilities' => 'local/moodle_zoho_sync:sync',
        'ajax' => false,
    ],
    'local_mzi_update_request_status' => [
        'classname' => \local_moodle_zoho_sync\external\update_request_status::class,
        'description' => 'Create or update a student request',
        'type' => 'write',
        'capabilities' => 'local/moodle_zoho_sync:sync',
        'ajax' => false,
    ],
    'local_mzi_get_moodle_ids' => [
        'classname' => \local_moodle_zoho_sync\external\get_moodle_ids::class,
        'description' => 'Tell which Zoho records exist locally, with their Moodle ids',
        'type' => 'read',
        'capabilities' => 'local/moodle_zoho_sync:sync',
        'ajax' => false,
    ],
    'local_mzi_delete_student' => [
        'classname' => \local_moodle_zoho_sync\external\delete_student::class,
        'description' => 'Soft-delete a student',
        'type' => 'write',
        'capabilities' => 'local/moodle_zoho_sync:sync',
        'ajax' => false,
    ],
    'local_mzi_delete_registration' => [
        'classname' => \local_moodle_zoho_sync\external\delete_registration::class,
        'description' => 'Soft-delete (cancel) a registration',
        'type' => 'write',
        'capabilities' => 'local/moodle_zoho_sync:sync',
        'ajax' => false,
    ],
    'local_mzi_delete_payment' => [
        'classname' => \local_moodle_zoho_sync\external\delete_payment::class,
        'description' => 'Soft-delete (void) a payment',
        'type' => 'write',
        'capabilities' => 'local/moodle_zoho_sync:sync',
        'ajax' => false,
    ],
    'local_mzi_delete_class' => [
        'classname' => \local_moodle_zoho_sync\external\delete_class::class,
        'description' => 'Soft-delete (cancel) a class; its course is kept',
        'type' => 'write',
        'capabilities' => 'local/moodle_zoho_sync:sync',
        'ajax' => false,
    ],
    'local_mzi_delete_enrollment' => [
        'classname' => \local_moodle_zoho_sync\external\delete_enrollment::class,
        'description' => 'Withdraw an enrolment: suspend (default) or unenrol in Moodle',
        'type' => 'write',
        'capabilities' => 'local/moodle_zoho_sync:sync',
        'ajax' => false,
    ],
    'local_mzi_delete_grade' => [
        'classname' => \local_moodle_zoho_sync\external\delete_grade::class,
        'description' => 'Soft-delete a grade',
        'type' => 'write',
        'capabilities' => 'local/moodle_zoho_sync:sync',
        'ajax' => false,
    ],
    'local_mzi_delete_request' => [
        'classname' => \local_moodle_zoho_sync\external\delete_request::class,
        'description' => 'Soft-delete (cancel) a request',
        'type' => 'write',
        'capabilities' => 'local/moodle_zoho_sync:sync',
        'ajax' => false,
    ],
    'local_mzi_sync_teacher' => [
        'classname' => \local_moodle_zoho_sync\external\sync_teacher::class,
        'description' => 'Create or update a teacher and resolve the Moodle account',
        'type' => 'write',
        'capabilities' => 'local/moodle_zoho_sync:sync',
        'ajax' => false,
    ],
    'local_mzi_create_btec_definition' => [
        'classname' => \local_moodle_zoho_sync\external\create_btec_definition::class,
        'description' => 'Create or update the shared BTEC grading definition of a Zoho unit',
        'type' => 'write',
        'capabilities' => 'local/moodle_zoho_sync:sync',
        'ajax' => false,
    ],
    'local_mzi_delete_btec_definition' => [
        'classname' => \local_moodle_zoho_sync\external\delete_btec_definition::class,
        'description' => 'Delete the shared BTEC grading definition of a Zoho unit',
        'type' => 'write',
        'capabilities' => 'local/moodle_zoho_sync:sync',
        'ajax' => false,
    ],
    // Legacy name used by older callers; same behaviour, flagged deprecated. Never in the mobile service.
    'local_moodle_zoho_sync_create_btec_definition' => [
        'classname' => \local_moodle_zoho_sync\external\legacy_create_btec_definition::class,
        'description' => '** DEPRECATED ** Use local_mzi_create_btec_definition',
        'type' => 'write',
        'capabilities' => 'local/moodle_zoho_sync:sync',
        'ajax' => false,
    ],
];

// The array key is the service name stored in external_services: never rename it, or its tokens are deleted.
$services = [
    'Moodle-Zoho Integration Service' => [
        'functions' => [
            'local_mzi_update_student',
            'local_mzi_create_registration',
            'local_mzi_record_payment',
            'local_mzi_create_class',
            'local_mzi_update_enrollment',
            'local_mzi_submit_grade',
            'local_mzi_update_request_status',
            'local_mzi_get_moodle_ids',
            'local_mzi_delete_student',
            'local_mzi_delete_registration',
            'local_mzi_delete_payment',
            'local_mzi_delete_class',
            'local_mzi_delete_enrollment',
            'local_mzi_delete_grade',
            'local_mzi_delete_request',
            'local_mzi_sync_teacher',
            'local_mzi_create_btec_definition',
            'local_mzi_delete_btec_definition',
            'local_moodle_zoho_sync_create_btec_definition',
            'core_webservice_get_site_info',
        ],
        'shortname' => 'moodle_zoho_sync',
        'enabled' => 1,
        // Only the users an administrator authorised (the sync user) may use the service, whatever tokens exist.
        'restrictedusers' => 1,
        // No service-level capability: each function checks local/moodle_zoho_sync:sync itself and answers
        // the precise errorcode nopermissions instead of a generic accessexception.
        'requiredcapability' => '',
        'downloadfiles' => 0,
        'uploadfiles' => 0,
    ],
];
