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
 * English strings of local_moodle_zoho_sync.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

$string['btecinuse'] = 'The BTEC definition of unit "{$a}" cannot be deleted: submissions have already been marked with it.';
$string['btecnotinstalled'] = 'The BTEC grading method (gradingform_btec) is not installed on this site.';
$string['categorymissing'] = 'The course category {$a} does not exist.';
$string['coursemissing'] = 'The Moodle course {$a} does not exist. Clear Moodle_Class_ID in Zoho or restore the course; no course was created.';
$string['coursenamemissing'] = 'The class {$a} has no name, so no course can be created for it.';
$string['criterioninuse'] = 'These criteria cannot be removed because marking already uses them: {$a}.';
$string['defaultcategory'] = 'Default course category';
$string['defaultcategory_desc'] = 'Category id for new class courses when the call gives none. 0 uses the site\'s default category.';
$string['defaultstaff'] = 'Default course staff';
$string['defaultstaff_desc'] = 'Users enrolled in every class course, one per line as "username_or_email,roleshortname", e.g. "itsupport,editingteacher".';
$string['duplicatecriterion'] = 'The criterion {$a} is listed twice.';
$string['eventsyncapplied'] = 'Zoho record synced';
$string['eventsyncfailed'] = 'Zoho record sync failed';
$string['eventsyncskipped'] = 'Zoho record skipped';
$string['invalidcriterion'] = 'The criterion "{$a}" is not a BTEC code (P1 to P20, M1 to M9, D1 to D6).';
$string['invalidgrade'] = 'The grade "{$a}" is not a BTEC letter grade (P, M, D, R, RR, F or Mapped).';
$string['invalidinstallment'] = 'The installment number {$a} is invalid or listed twice.';
$string['invalidtimestamp'] = 'The Zoho time "{$a}" is not a valid date and time (expected ISO-8601, e.g. 2026-02-23T12:34:56+03:00).';
$string['invalidzohoid'] = 'The Zoho id "{$a}" is not valid.';
$string['locktimeout'] = 'Another sync of {$a} is running; retry shortly.';
$string['majorstaff'] = 'Staff by programme major';
$string['majorstaff_desc'] = 'Extra users for classes of a programme major, one per line as "major=VALUE: username_or_email,roleshortname", e.g. "major=IT: itleader,editingteacher".';
$string['manualenroldisabled'] = 'The manual enrolment method is disabled on this site.';
$string['moodle_zoho_sync:manage'] = 'Manage the Zoho sync';
$string['moodle_zoho_sync:sync'] = 'Sync Zoho CRM records into Moodle (web-service role)';
$string['moodle_zoho_sync:triggersync'] = 'Trigger a Zoho sync';
$string['moodle_zoho_sync:viewdashboard'] = 'View the student dashboard';
$string['moodle_zoho_sync:viewlogs'] = 'View the Zoho sync logs';
$string['moodle_zoho_sync:viewsynchistory'] = 'View the Zoho sync history';
$string['nocriteria'] = 'A BTEC definition needs at least one criterion.';
$string['outcome_absent'] = 'The {$a->entity} {$a->zohoid} does not exist here; nothing to delete.';
$string['outcome_created'] = 'The {$a->entity} {$a->zohoid} was created.';
$string['outcome_deleted'] = 'The {$a->entity} {$a->zohoid} was deleted.';
$string['outcome_parent_missing'] = 'The {$a->entity} {$a->zohoid} was not stored: its {$a->parent} {$a->parentid} is not synced yet. Sync the {$a->parent} first, then retry.';
$string['outcome_stale'] = 'The {$a->entity} {$a->zohoid} was not changed: the data sent is older than the data stored.';
$string['outcome_unchanged'] = 'The {$a->entity} {$a->zohoid} is already up to date; nothing changed.';
$string['outcome_updated'] = 'The {$a->entity} {$a->zohoid} was updated.';
$string['pluginname'] = 'Moodle Zoho sync';
$string['privacy:metadata:field:academic_email'] = 'Academic e-mail address.';
$string['privacy:metadata:field:address'] = 'Postal address.';
$string['privacy:metadata:field:amount'] = 'Amount.';
$string['privacy:metadata:field:city'] = 'City.';
$string['privacy:metadata:field:class_id'] = 'The class.';
$string['privacy:metadata:field:date_of_birth'] = 'Date of birth.';
$string['privacy:metadata:field:description'] = 'Request text.';
$string['privacy:metadata:field:due_date'] = 'Due date.';
$string['privacy:metadata:field:email'] = 'Personal e-mail address.';
$string['privacy:metadata:field:emergency_contact_name'] = 'Emergency contact name.';
$string['privacy:metadata:field:emergency_contact_phone'] = 'Emergency contact phone.';
$string['privacy:metadata:field:enrollment_status'] = 'Enrolment status.';
$string['privacy:metadata:field:feedback'] = 'Feedback.';
$string['privacy:metadata:field:first_name'] = 'First name.';
$string['privacy:metadata:field:gender'] = 'Gender.';
$string['privacy:metadata:field:grade'] = 'BTEC letter grade.';
$string['privacy:metadata:field:last_name'] = 'Last name.';
$string['privacy:metadata:field:learning_outcomes'] = 'Learning outcome assessments.';
$string['privacy:metadata:field:major'] = 'Major.';
$string['privacy:metadata:field:moodle_user_id'] = 'The Moodle account of the person.';
$string['privacy:metadata:field:national_id'] = 'National identity number.';
$string['privacy:metadata:field:nationality'] = 'Nationality.';
$string['privacy:metadata:field:paid_amount'] = 'Amount paid.';
$string['privacy:metadata:field:paid_date'] = 'Date paid.';
$string['privacy:metadata:field:payment_amount'] = 'Payment amount.';
$string['privacy:metadata:field:payment_date'] = 'Payment date.';
$string['privacy:metadata:field:payment_method'] = 'Payment method.';
$string['privacy:metadata:field:payment_notes'] = 'Payment notes.';
$string['privacy:metadata:field:phone_number'] = 'Phone number.';
$string['privacy:metadata:field:photo_url'] = 'Photo location.';
$string['privacy:metadata:field:program_name'] = 'Programme.';
$string['privacy:metadata:field:registration_id'] = 'The registration.';
$string['privacy:metadata:field:registration_status'] = 'Registration status.';
$string['privacy:metadata:field:remaining_amount'] = 'Amount remaining.';
$string['privacy:metadata:field:request_status'] = 'Request status.';
$string['privacy:metadata:field:request_type'] = 'Request type.';
$string['privacy:metadata:field:reviewed_by'] = 'Who reviewed the request.';
$string['privacy:metadata:field:status'] = 'Status.';
$string['privacy:metadata:field:student_id'] = 'The student number (Zoho Name) or the local student row.';
$string['privacy:metadata:field:student_name'] = 'Student name.';
$string['privacy:metadata:field:teacher_email'] = 'Academic e-mail of the class teacher.';
$string['privacy:metadata:field:teacher_moodle_user_id'] = 'The Moodle account of the class teacher.';
$string['privacy:metadata:field:teacher_name'] = 'Teacher name.';
$string['privacy:metadata:field:total_fees'] = 'Total fees.';
$string['privacy:metadata:field:zoho_student_id'] = 'The student\'s Zoho id.';
$string['privacy:metadata:field:zoho_teacher_id'] = 'The teacher\'s Zoho id.';
$string['privacy:metadata:local_mzi_classes'] = 'Classes and their teachers.';
$string['privacy:metadata:local_mzi_enrollments'] = 'Enrolments of students in classes.';
$string['privacy:metadata:local_mzi_grades'] = 'BTEC grades of students.';
$string['privacy:metadata:local_mzi_installments'] = 'Payment schedules of registrations.';
$string['privacy:metadata:local_mzi_payments'] = 'Payments of registrations.';
$string['privacy:metadata:local_mzi_registrations'] = 'Programme registrations of students.';
$string['privacy:metadata:local_mzi_requests'] = 'Requests made by students.';
$string['privacy:metadata:local_mzi_students'] = 'Students copied from Zoho CRM.';
$string['privacy:metadata:local_mzi_teachers'] = 'Teachers copied from Zoho CRM.';
$string['privacy:metadata:zohocrm'] = 'Student records are copied from the college\'s Zoho CRM; this plugin only receives them.';
$string['privacy:metadata:zohocrm:studentrecord'] = 'The student\'s CRM record (identity, contact, programme, payments, grades, requests).';
$string['rolemissing'] = 'There is no role with the short name "{$a}".';
$string['settingscourses'] = 'Courses';
$string['settingsenrolments'] = 'Enrolments';
$string['shortnametaken'] = 'The course short name "{$a}" is already used by another course. Change Class_Short_Name in Zoho.';
$string['studentrole'] = 'Student role';
$string['studentrole_desc'] = 'Short name of the role given to enrolled students.';
$string['teacherrole'] = 'Teacher role';
$string['teacherrole_desc'] = 'Short name of the role given to the class teacher.';
$string['unenrolondelete'] = 'Unenrol when an enrolment is deleted';
$string['unenrolondelete_desc'] = 'When a Zoho enrolment is deleted, unenrol the student instead of suspending them. Unenrolling removes their course data and grades; suspending keeps them.';
$string['unitnamemissing'] = 'The BTEC unit has no name.';
$string['warningmoodleusermissing'] = 'The Moodle user id {$a} sent from Zoho does not exist and was ignored.';
