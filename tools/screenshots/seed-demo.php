<?php
// Seeds demo data for the screenshots of local_moodle_zoho_sync on a LOCAL TEST SITE (never on production):
// a Moodle account "demo.student" linked to a Zoho student, with a registration and its payment schedule,
// payments, two classes (with Moodle courses), BTEC grades and requests. Idempotent: re-running updates in place.
// The records go through the plugin's own sync classes, so they also produce the usual sync events.
//
// Usage: php tools/screenshots/seed-demo.php /path/to/moodle password
//
// @package    local_moodle_zoho_sync
// @copyright  2026 The college
// @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later

define('CLI_SCRIPT', true);
$moodle = $argv[1] ?? '';
$password = $argv[2] ?? '';
if ($moodle === '' || !is_file($moodle . '/config.php') || $password === '') {
    fwrite(STDERR, "Usage: php seed-demo.php /path/to/moodle password\n");
    exit(2);
}
require($moodle . '/config.php');
require_once($CFG->dirroot . '/user/lib.php');

use local_moodle_zoho_sync\local\class_sync;
use local_moodle_zoho_sync\local\dashboard_sync;
use local_moodle_zoho_sync\local\enrolment_sync;

\core\session\manager::set_user(get_admin());

// The Moodle account.
$user = $DB->get_record('user', ['username' => 'demo.student', 'deleted' => 0]);
if (!$user) {
    $id = user_create_user((object) ['username' => 'demo.student', 'password' => $password, 'firstname' => 'Lina',
        'lastname' => 'Haddad', 'email' => 'lina.haddad@college.example', 'auth' => 'manual', 'confirmed' => 1,
        'mnethostid' => $CFG->mnet_localhost_id, 'lang' => 'en'], true, false);
    $user = $DB->get_record('user', ['id' => $id]);
} else {
    update_internal_user_password($user, $password);
}

// A fresh Modified_Time on every run, so each run is an update, not a stale no-op.
$t = gmdate('Y-m-d\TH:i:s+00:00');
$sid = '5398830000900000001';
$rid = '5398830000900000101';

$out = [];
$out[] = dashboard_sync::update_student(['zoho_student_id' => $sid, 'zoho_modified_time' => $t, 'student_id' => 'S2041',
    'first_name' => 'Lina', 'last_name' => 'Haddad', 'academic_email' => 'lina.haddad@college.example',
    'email' => 'lina.h@mail.example', 'phone_number' => '+962 79 555 0142', 'status' => 'Active', 'major' => 'IT',
    'sub_major' => 'Software Development', 'academic_program' => 'BTEC Level 5 HND in Computing',
    'registration_date' => '2026-09-01', 'study_language' => 'English', 'nationality' => 'Jordanian',
    'moodle_user_id' => (int) $user->id]);
$out[] = dashboard_sync::create_registration(['zoho_registration_id' => $rid, 'zoho_modified_time' => $t,
    'zoho_student_id' => $sid, 'registration_number' => 'REG-2026-0417', 'program_name' => 'BTEC Level 5 HND in Computing',
    'program_level' => 'Level 5', 'registration_date' => '2026-09-01', 'expected_graduation' => '2028-06-30',
    'registration_status' => 'Active', 'total_fees' => 4500.0, 'paid_amount' => 1800.0, 'remaining_amount' => 2700.0,
    'currency' => 'JOD', 'payment_plan' => 'Quarterly', 'study_mode' => 'Full time', 'number_of_installments' => 5], [
    ['installment_number' => 1, 'due_date' => '2026-09-15', 'amount' => 900.0, 'status' => 'Paid', 'paid_date' => '2026-09-14'],
    ['installment_number' => 2, 'due_date' => '2026-10-15', 'amount' => 900.0, 'status' => 'Paid', 'paid_date' => '2026-10-12'],
    ['installment_number' => 3, 'due_date' => '2026-11-15', 'amount' => 900.0, 'status' => 'Pending'],
    ['installment_number' => 4, 'due_date' => '2026-12-15', 'amount' => 900.0, 'status' => 'Pending'],
    ['installment_number' => 5, 'due_date' => '2027-01-15', 'amount' => 900.0, 'status' => 'Pending'],
]);
$out[] = dashboard_sync::record_payment(['zoho_payment_id' => '5398830000900000201', 'zoho_modified_time' => $t,
    'zoho_registration_id' => $rid, 'payment_number' => 'PAY-10231', 'payment_date' => '2026-09-14',
    'payment_amount' => 900.0, 'payment_method' => 'Bank transfer', 'receipt_number' => 'RC-5581',
    'payment_status' => 'Confirmed']);
$out[] = dashboard_sync::record_payment(['zoho_payment_id' => '5398830000900000202', 'zoho_modified_time' => $t,
    'zoho_registration_id' => $rid, 'payment_number' => 'PAY-10877', 'payment_date' => '2026-10-12',
    'payment_amount' => 900.0, 'payment_method' => 'Cash', 'receipt_number' => 'RC-5907', 'payment_status' => 'Confirmed']);

$classes = [
    ['5398830000900000301', 'Programming – HND Computing (Autumn 2026)', 'HNDC-PROG-A26', 'Unit 1: Programming',
        'Omar Khalil', '2026-09-20', '2026-12-20'],
    ['5398830000900000302', 'Networking – HND Computing (Autumn 2026)', 'HNDC-NET-A26', 'Unit 2: Networking',
        'Sara Nasser', '2026-09-20', '2026-12-20'],
];
foreach ($classes as $i => [$cid, $name, $short, $unit, $teacher, $start, $end]) {
    $out[] = class_sync::create_class(['zoho_class_id' => $cid, 'zoho_modified_time' => $t, 'class_name' => $name,
        'class_short_name' => $short, 'unit_name' => $unit, 'teacher_name' => $teacher, 'class_status' => 'Active',
        'class_major' => 'IT', 'start_date' => $start, 'end_date' => $end], true, 0, 0);
    $out[] = enrolment_sync::update(['zoho_enrollment_id' => '53988300009000004' . ($i + 1) . '1', 'zoho_modified_time' => $t,
        'zoho_student_id' => $sid, 'zoho_class_id' => $cid, 'enrollment_status' => 'Active',
        'enrollment_date' => '2026-09-18', 'class_name' => $name]);
}

$out[] = dashboard_sync::submit_grade(['zoho_grade_id' => '5398830000900000501', 'zoho_modified_time' => $t,
    'zoho_student_id' => $sid, 'zoho_class_id' => '5398830000900000301', 'grade' => 'M', 'grade_status' => 'Graded',
    'unit_name' => 'Unit 1: Programming', 'assignment_name' => 'Assignment 1: Algorithms', 'grade_date' => '2026-11-05',
    'attempt_number' => 1, 'feedback' => "Clear, well-tested code.\nFor a Distinction, compare two algorithms' efficiency (D1)."]);
$out[] = dashboard_sync::submit_grade(['zoho_grade_id' => '5398830000900000502', 'zoho_modified_time' => $t,
    'zoho_student_id' => $sid, 'zoho_class_id' => '5398830000900000302', 'grade' => 'R', 'grade_status' => 'Graded',
    'unit_name' => 'Unit 2: Networking', 'assignment_name' => 'Assignment 1: Network design', 'grade_date' => '2026-11-10',
    'attempt_number' => 1, 'feedback' => 'P3 is missing: add the addressing scheme and resubmit by 1 December.']);
$out[] = dashboard_sync::update_request(['zoho_request_id' => '5398830000900000601', 'zoho_modified_time' => $t,
    'zoho_student_id' => $sid, 'request_number' => 'REQ-0088', 'request_type' => 'Class change',
    'request_status' => 'Approved', 'request_date' => '2026-10-02', 'description' => 'Move Networking to the evening group.']);
$out[] = dashboard_sync::update_request(['zoho_request_id' => '5398830000900000602', 'zoho_modified_time' => $t,
    'zoho_student_id' => $sid, 'request_number' => 'REQ-0131', 'request_type' => 'Assessment extension',
    'request_status' => 'Pending', 'request_date' => '2026-11-18', 'description' => 'Extension for Networking assignment 1 (illness).']);

foreach ($out as $r) {
    echo str_pad($r['status'], 10), ' ', $r['zoho_id'], "\n";
}
echo "demo.student id {$user->id}; password set.\n";
