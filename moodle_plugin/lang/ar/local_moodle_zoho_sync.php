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
 * Arabic strings of local_moodle_zoho_sync: every label of the pages, settings and notifications.
 *
 * Error and outcome messages of the web services stay in English (they are read by the Lambdas' logs); Moodle
 * falls back to the English file for them.
 *
 * @package    local_moodle_zoho_sync
 * @copyright  2026 The college
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

$string['academicemail'] = 'البريد الإلكتروني الأكاديمي';
$string['adoptcategories'] = 'الفئات التي يجوز تبنّي مقرراتها';
$string['adoptcategories_desc'] = 'أرقام فئات المقررات مفصولة بفواصل. لا يمكن تبنّي مقرر لفصل Zoho (cli/adopt_course.php) ليحدّثه التزامن إلا إذا كان في إحدى هذه الفئات؛ القيمة الفارغة (الافتراضية) لا تسمح بأي تبنٍّ. لا يمسّ التزامن أي مقرر لم ينشئه للفصل ما لم يُتبنَّ.';
$string['allentities'] = 'كل الوحدات';
$string['alloutcomes'] = 'كل النتائج';
$string['allowedroles'] = 'الأدوار التي يجوز للتزامن منحها';
$string['allowedroles_desc'] = 'الأسماء المختصرة للأدوار مفصولة بفواصل. لا يُسجَّل الطاقم الافتراضي ومدرّس الفصل والطلاب إلا بهذه الأدوار. يُرفض دور المدير، وكل دور يسمح في المقرر بصلاحية فيها خطر على الإعدادات، أو خطر على البيانات الشخصية لا يملكه المدرّس المحرّر القياسي.';
$string['amount'] = 'المبلغ';
$string['applyfilters'] = 'تصفية';
$string['assignment'] = 'المهمة';
$string['attempt'] = 'المحاولة {$a}';
$string['btecgrade'] = 'درجة BTEC';
$string['categorymissing'] = 'فئة المقررات {$a} غير موجودة.';
$string['changesettings'] = 'تغيير إعدادات الإضافة';
$string['check'] = 'الفحص';
$string['checkfunctions'] = 'وظائف الخدمة';
$string['checkfunctions_missing'] = 'وظائف غير موجودة في الخدمة: {$a}. شغّل ترقية الإضافة (إدارة الموقع › الإشعارات).';
$string['checkfunctions_ok'] = 'كل الوظائف ({$a}) موجودة في الخدمة.';
$string['checkrest'] = 'بروتوكول REST';
$string['checkrest_no'] = 'بروتوكول REST غير مفعّل (إدارة الموقع › الخادم › خدمات الويب › إدارة البروتوكولات).';
$string['checkrest_yes'] = 'بروتوكول REST مفعّل.';
$string['checkrole'] = 'دور خدمة الويب';
$string['checkrole_missing'] = 'لا يمكن فحص الدور من دون مستخدم رمز.';
$string['checkrole_none'] = '{$a} ليس له دور في سياق النظام يسمح بـ local/moodle_zoho_sync:sync (مدير الموقع يمرّ على أي حال، والدور المخصص أكثر أماناً).';
$string['checkrole_ok'] = '{$a->user}: {$a->roles}.';
$string['checkservice'] = 'خدمة الويب';
$string['checkservice_disabled'] = 'الخدمة {$a} موجودة لكنها معطّلة.';
$string['checkservice_missing'] = 'الخدمة {$a} غير موجودة. شغّل ترقية الإضافة.';
$string['checkservice_ok'] = 'الخدمة {$a} موجودة ومفعّلة.';
$string['checktoken'] = 'الرمز';
$string['checktoken_missing'] = 'لا يوجد رمز دائم صالح للخدمة. أنشئ رمزاً (إدارة الموقع › الخادم › خدمات الويب › إدارة الرموز).';
$string['checktoken_ok'] = 'عدد الرموز الصالحة: {$a->count}؛ آخر استخدام: {$a->lastaccess}.';
$string['checkuser'] = 'مستخدم خدمة الويب';
$string['checkuser_admin'] = '{$a} مدير للموقع: هذا يعمل، لكن مستخدماً مخصصاً بدور المزامنة فقط أكثر أماناً.';
$string['checkuser_missing'] = 'لا يوجد مستخدم لخدمة الويب: لا يوجد رمز.';
$string['checkuser_nocap'] = '{$a} لا يملك local/moodle_zoho_sync:sync أو webservice/rest:use في سياق النظام.';
$string['checkuser_notauthorised'] = '{$a} يملك رمزاً لكنه ليس مستخدماً مخوَّلاً للخدمة التي لا تقبل إلا المستخدمين المخوَّلين: أضفه من إدارة الموقع > الخادم > خدمات الويب > الخدمات الخارجية > المستخدمون المخوَّلون.';
$string['checkuser_ok'] = '{$a} يملك local/moodle_zoho_sync:sync و webservice/rest:use.';
$string['checkuser_unusable'] = 'مستخدم الرمز {$a} محذوف أو موقوف أو لا يستطيع الدخول.';
$string['checkwsenabled'] = 'خدمات الويب';
$string['checkwsenabled_no'] = 'خدمات الويب معطّلة (إدارة الموقع › الميزات المتقدمة).';
$string['checkwsenabled_yes'] = 'خدمات الويب مفعّلة.';
$string['class'] = 'الشعبة';
$string['classes'] = 'الشعب الدراسية';
$string['classes_caption'] = 'الشعب المسجَّل فيها؛ اسم الشعبة يفتح مقررها في مودل.';
$string['clearfilters'] = 'مسح عوامل التصفية';
$string['coldate'] = 'التاريخ';
$string['colerror'] = 'الخطأ';
$string['colfeedback'] = 'الملاحظات';
$string['colstatus'] = 'الحالة';
$string['coltime'] = 'الوقت';
$string['colversion'] = 'الإصدار';
$string['coursecategories'] = 'الفئات التي يجوز للتزامن وضع المقررات فيها';
$string['coursecategories_desc'] = 'أرقام فئات المقررات مفصولة بفواصل؛ تشمل كل فئة فئاتها الفرعية. إضافة إليها يجوز للتزامن استخدام فئة المقررات الافتراضية والفئات التي تضم مقررًا للتزامن (أُنشئ لفصل أو تُبنّي). تُرفض أي فئة أخرى يسمّيها Zoho (رقم MoodleID للبرنامج): يبقى المقرر حيث هو، ويوضع المقرر الجديد في الفئة الافتراضية، ويذكر الرد ذلك. تحدد الفئة من يصل أيضًا إلى المقرر (الأدوار المسندة فيها) وهل يراه الطلاب (الفئات المخفية).';
$string['datefrom'] = 'من';
$string['dates'] = 'التواريخ';
$string['dateto'] = 'إلى';
$string['defaultcategory'] = 'فئة المقررات الافتراضية';
$string['defaultcategory_desc'] = 'معرّف الفئة للمقررات الجديدة عندما لا يحدد الاستدعاء فئة. القيمة 0 تستخدم الفئة الافتراضية للموقع.';
$string['defaultstaff'] = 'الطاقم الافتراضي للمقررات';
$string['defaultstaff_desc'] = 'مستخدمون يُسجَّلون في كل مقرر شعبة، واحد في كل سطر بالصيغة "username_or_email,roleshortname"، مثل "itsupport,editingteacher".';
$string['details'] = 'التفاصيل';
$string['disabled'] = 'متوقف';
$string['duedate'] = 'تاريخ الاستحقاق';
$string['entity_btec'] = 'وحدة BTEC';
$string['entity_class'] = 'شعبة';
$string['entity_course_enrolment'] = 'تسجيل في مقرر';
$string['entity_enrollment'] = 'تسجيل';
$string['entity_grade'] = 'درجة';
$string['entity_payment'] = 'دفعة';
$string['entity_registration'] = 'قيد';
$string['entity_request'] = 'طلب';
$string['entity_student'] = 'طالب';
$string['entity_teacher'] = 'مدرّس';
$string['eventcourseadopted'] = 'تبنّي مقرر لفصل Zoho';
$string['eventpages'] = 'صفحات أحداث المزامنة';
$string['eventsyncapplied'] = 'تمت مزامنة سجل Zoho';
$string['eventsyncfailed'] = 'فشلت مزامنة سجل Zoho';
$string['eventsyncskipped'] = 'تم تخطي سجل Zoho';
$string['expectedgraduation'] = 'التخرج المتوقع';
$string['feedok'] = 'يستقبل';
$string['feedsilent'] = 'صامت';
$string['feedstatus'] = 'حالة التغذية';
$string['filterevents'] = 'تصفية أحداث المزامنة';
$string['gradedistinction'] = 'امتياز';
$string['gradefail'] = 'راسب';
$string['grademapped'] = 'معادَلة';
$string['grademerit'] = 'جيد جداً';
$string['gradepass'] = 'ناجح';
$string['graderefer'] = 'إعادة تقديم';
$string['graderefer2'] = 'إعادة تقديم ثانية';
$string['grades'] = 'الدرجات';
$string['grades_caption'] = 'درجات BTEC مع الملاحظات، الأحدث أولاً.';
$string['healthpage'] = 'سلامة مزامنة Zoho';
$string['installment'] = 'القسط';
$string['last24h'] = 'آخر 24 ساعة:';
$string['lastevent'] = 'آخر حدث مزامنة: {$a->time} (قبل {$a->ago}).';
$string['lastwrite'] = 'آخر كتابة';
$string['localid'] = 'المعرّف المحلي';
$string['logstoredisabled'] = 'مخزن السجل القياسي معطّل، لذا لا تُسجَّل أحداث المزامنة: تبقى قائمة الأحداث فارغة ويعتمد فحص صمت التغذية على آخر كتابة في الجداول. فعّله من إدارة الموقع › الإضافات › السجلات › إدارة مخازن السجل.';
$string['major'] = 'التخصص';
$string['majorstaff'] = 'الطاقم حسب تخصص البرنامج';
$string['majorstaff_desc'] = 'مستخدمون إضافيون لشعب تخصص معين، واحد في كل سطر بالصيغة "major=VALUE: username_or_email,roleshortname"، مثل "major=IT: itleader,editingteacher".';
$string['managetokens'] = 'إدارة رموز خدمات الويب';
$string['messageprovider:silentfeed'] = 'تغذية مزامنة Zoho صامتة';
$string['module'] = 'الوحدة';
$string['moodle_zoho_sync:sync'] = 'مزامنة سجلات Zoho CRM إلى مودل (دور خدمة الويب)';
$string['moodle_zoho_sync:viewanydashboard'] = 'عرض صفحة الدراسة لأي طالب';
$string['moodle_zoho_sync:viewdashboard'] = 'عرض لوحة الطالب';
$string['moodle_zoho_sync:viewlogs'] = 'عرض سجلات مزامنة Zoho';
$string['mystudies'] = 'دراستي';
$string['name'] = 'الاسم';
$string['nationality'] = 'الجنسية';
$string['newer'] = 'أحداث أحدث';
$string['noclasses'] = 'لست مسجلاً في أي شعبة بعد.';
$string['noeventever'] = 'لم يُسجَّل أي حدث مزامنة حتى الآن.';
$string['noevents'] = 'لا توجد أحداث مزامنة تطابق عوامل التصفية.';
$string['nogrades'] = 'لا توجد درجات بعد.';
$string['noinstallments'] = 'لا يوجد جدول دفعات.';
$string['nopayments'] = 'لا توجد دفعات مسجلة.';
$string['noregistrations'] = 'لا توجد قيود في برامج.';
$string['norequests'] = 'لا توجد طلبات.';
$string['nostudentrecord'] = 'حسابك في مودل غير مرتبط بسجل طالب بعد. إذا كنت طالباً فيرجى مراجعة شؤون الطلبة.';
$string['nostudentrecordother'] = 'حساب هذا المستخدم غير مرتبط بسجل طالب.';
$string['older'] = 'أحداث أقدم';
$string['outcome'] = 'النتيجة';
$string['outcomegroup_applied'] = 'مطبَّق';
$string['outcomegroup_failed'] = 'فاشل';
$string['outcomegroup_skipped'] = 'متخطى';
$string['outcomename_absent'] = 'غير موجود';
$string['outcomename_created'] = 'أُنشئ';
$string['outcomename_deleted'] = 'حُذف';
$string['outcomename_failed'] = 'فشل';
$string['outcomename_parent_missing'] = 'السجل الأب مفقود';
$string['outcomename_skipped'] = 'تُخطي';
$string['outcomename_stale'] = 'قديم';
$string['outcomename_unchanged'] = 'دون تغيير';
$string['outcomename_updated'] = 'حُدّث';
$string['overduenotice'] = 'أقساط متأخرة: {$a->count} ({$a->amount}).';
$string['paidamount'] = 'المدفوع';
$string['paiddate'] = 'تاريخ الدفع';
$string['paymentdate'] = 'تاريخ الدفعة';
$string['paymentmethod'] = 'طريقة الدفع';
$string['paymentnumber'] = 'رقم الدفعة';
$string['paymentplan'] = 'خطة الدفع';
$string['payments'] = 'الدفعات';
$string['payments_caption'] = 'دفعات {$a}';
$string['paymentschedule'] = 'جدول الأقساط';
$string['paymentschedule_caption'] = 'جدول أقساط {$a}';
$string['personalemail'] = 'البريد الإلكتروني الشخصي';
$string['phone'] = 'الهاتف';
$string['plugininfo'] = 'الإضافة والإعدادات';
$string['pluginname'] = 'مزامنة مودل مع Zoho';
$string['profile'] = 'الملف الشخصي';
$string['programme'] = 'البرنامج';
$string['programmelevel'] = 'المستوى';
$string['receipt'] = 'الإيصال';
$string['recentevents'] = 'أحدث أحداث المزامنة';
$string['recentevents_caption'] = 'أحداث المزامنة من سجل مودل، الأحدث أولاً.';
$string['registration'] = 'القيد';
$string['registrationdate'] = 'تاريخ القيد';
$string['registrationnumber'] = 'رقم القيد';
$string['registrations'] = 'القيود في البرامج';
$string['remainingamount'] = 'المتبقي';
$string['requestnumber'] = 'الطلب';
$string['requests'] = 'الطلبات';
$string['requests_caption'] = 'طلباتك وحالتها.';
$string['requesttype'] = 'النوع';
$string['response'] = 'الرد';
$string['resubmission'] = 'إعادة تقديم';
$string['result'] = 'النتيجة';
$string['rows_active'] = 'فعّالة';
$string['rows_deleted'] = 'محذوفة';
$string['rows_total'] = 'الصفوف';
$string['schedulesummary'] = 'مدفوع: {$a->paid}، مستحق: {$a->due}، متأخر: {$a->overdue}';
$string['sections'] = 'أقسام هذه الصفحة';
$string['settingsalert'] = 'تنبيه صمت التغذية';
$string['settingsalert_desc'] = 'مهمة تعمل كل ساعة تنبّه مديري الموقع (إشعار مودل) عندما لا يُرى أي حدث مزامنة لهذا العدد من الساعات، مع احتساب أيام العمل أدناه فقط بتوقيت الموقع.';
$string['settingscourses'] = 'المقررات';
$string['settingsenrolments'] = 'التسجيلات';
$string['silentdisabled'] = 'تنبيه صمت التغذية متوقف.';
$string['silentfeed_body'] = 'لم يصل أي حدث مزامنة من Zoho إلى مودل منذ {$a->hours} ساعة من ساعات أيام العمل (آخر حدث: {$a->last}). افحص قواعد سير العمل في Zoho ودوال Lambda ورمز خدمة الويب. سلامة المزامنة: {$a->url}';
$string['silentfeed_small'] = 'مزامنة Zoho صامتة منذ {$a->last}.';
$string['silentfeed_subject'] = 'مزامنة Zoho: لا أحداث منذ {$a->hours} ساعة عمل';
$string['silenthours'] = 'الصمت بعد (ساعات)';
$string['silenthours_desc'] = 'عدد ساعات أيام العمل دون أي حدث مزامنة قبل تنبيه المديرين. القيمة 0 توقف التنبيه.';
$string['silentsummary'] = 'مدة الصمت المحتسبة في أيام العمل: {$a->silent}؛ يصدر التنبيه بعد {$a->threshold}.';
$string['sitedefaultcategory'] = 'الافتراضي للموقع';
$string['state_due'] = 'مستحق';
$string['state_overdue'] = 'متأخر';
$string['state_paid'] = 'مدفوع';
$string['status_error'] = 'مشكلة';
$string['status_ok'] = 'سليم';
$string['status_warning'] = 'تحذير';
$string['studentnumber'] = 'الرقم الجامعي';
$string['studentrole'] = 'دور الطالب';
$string['studentrole_desc'] = 'الاسم المختصر للدور الذي يُمنح للطلاب المسجلين.';
$string['studentstatus'] = 'الحالة';
$string['studiesof'] = 'دراسة {$a}';
$string['studiespage'] = 'الدراسة (Zoho)';
$string['studylanguage'] = 'لغة الدراسة';
$string['studymode'] = 'نمط الدراسة';
$string['submajor'] = 'التخصص الفرعي';
$string['table'] = 'الجدول';
$string['table_local_mzi_btec_templates'] = 'وحدات BTEC';
$string['table_local_mzi_classes'] = 'الشعب';
$string['table_local_mzi_enrollments'] = 'التسجيلات';
$string['table_local_mzi_grades'] = 'الدرجات';
$string['table_local_mzi_installments'] = 'الأقساط';
$string['table_local_mzi_payments'] = 'الدفعات';
$string['table_local_mzi_registrations'] = 'القيود';
$string['table_local_mzi_requests'] = 'الطلبات';
$string['table_local_mzi_students'] = 'الطلاب';
$string['table_local_mzi_teachers'] = 'المدرّسون';
$string['tablecounts'] = 'السجلات في كل جدول';
$string['tablecounts_caption'] = 'الصفوف في جداول الإضافة (الصفوف المحذوفة حذفاً مؤقتاً تبقى وتُعدّ منفصلة).';
$string['tasksilentfeed'] = 'التنبيه عند صمت تغذية مزامنة Zoho';
$string['teacher'] = 'المدرّس';
$string['teacherrole'] = 'دور المدرّس';
$string['teacherrole_desc'] = 'الاسم المختصر للدور الذي يُمنح لمدرّس الشعبة.';
$string['totalfees'] = 'إجمالي الرسوم';
$string['unenrolondelete'] = 'إلغاء التسجيل عند حذف التسجيل';
$string['unenrolondelete_desc'] = 'عند حذف تسجيل في Zoho، يُلغى تسجيل الطالب بدلاً من إيقافه. إلغاء التسجيل يزيل بياناته ودرجاته في المقرر؛ الإيقاف يحتفظ بها.';
$string['unit'] = 'الوحدة';
$string['upgradepending'] = 'شيفرة الإضافة أحدث من قاعدة البيانات: شغّل الترقية (إدارة الموقع › الإشعارات).';
$string['workingdays'] = 'أيام العمل';
$string['workingdays_desc'] = 'الأيام التي يُتوقع فيها نشاط التغذية. لا يُحتسب الصمت في الأيام الأخرى.';
$string['wscheck'] = 'إعداد خدمة الويب';
$string['wscheck_caption'] = 'ما تحتاجه دوال Lambda الخاصة بـ Zoho: تفعيل خدمات الويب و REST، والخدمة بكل وظائفها، ورمز، ومستخدمه ودوره.';
$string['zohoid'] = 'معرّف Zoho';
