//! Classes: `class_updated` (the decision tree of [`crate::decision`]), `class_deleted`, and a
//! class synced as the parent of an enrolment.
//!
//! One way to sync a class, whoever asks:
//! 1. re-read the `BTEC_Classes` record (gone from Zoho → nothing is changed);
//! 2. ask Moodle which course it links to the class (`local_mzi_get_moodle_ids`);
//! 3. decide ([`decide`]), then carry the plan out: programme (category, major) and teacher from
//!    Zoho, the teacher into the plugin, `local_mzi_create_class` (which finds or creates the one
//!    course of the class under a lock, by the course `idnumber`), the write-back of
//!    `Moodle_Class_ID` (with `"trigger": []`), and every `BTEC_Enrollment` of the class in
//!    batches.
//!
//! A failure after Moodle changed is reported as [`SyncError::Incomplete`], never as success; a
//! repeat of the webhook completes the rest, because the plugin finds the course again by its
//! `idnumber` and the decision adopts it instead of creating a second one.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::Context;
use super::enrollment::{self, BatchReport};
use super::params::{self, Params};
use super::{Entity, PluginResult, Synced, Trail, fetch, upsert};
use crate::decision::{
    ClassDecision, ClassFacts, LocalOnlyReason, MoodleView, Step, decide, decide_after_course_missing,
};
use crate::error::SyncError;
use crate::ids::ZohoId;
use crate::moodle::MoodleError;
use crate::outcome::{Action, Outcome, OutcomeStatus};
use crate::zoho::{self, Module};

pub const CREATE_FUNCTION: &str = "local_mzi_create_class";
pub const IDS_FUNCTION: &str = "local_mzi_get_moodle_ids";
pub const TEACHER_FUNCTION: &str = "local_mzi_sync_teacher";
/// The lookup field of `BTEC_Enrollments` that points at the class.
pub const ENROLLMENT_CLASS_FIELD: &str = "Classes";
/// The Zoho field that holds the course id.
pub const MOODLE_CLASS_ID_FIELD: &str = "Moodle_Class_ID";
/// How many failed enrolment ids an error message lists before it says "and N more".
const LISTED_FAILURES: usize = 10;

/// How much of a class to sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// `class_updated`: the class, its course, then every enrolment of the class.
    WithEnrollments,
    /// The class as the parent of an enrolment: the enrolment that asked is sent right after,
    /// so the class's other enrolments are not synced here.
    ClassOnly,
}

/// What a class sync did.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassReport {
    pub decision: ClassDecision,
    /// The plugin's answer to `local_mzi_create_class` or, for a cancelled class,
    /// `local_mzi_delete_class`.
    pub result: PluginResult,
    /// The class's Moodle course, 0 when it has none (or in plan mode).
    pub course_id: i64,
    /// `Moodle_Class_ID` was written to Zoho by this sync.
    pub wrote_back: bool,
    /// The enrolment batch, when one ran.
    pub enrollments: Option<BatchReport>,
}

impl From<&zoho::Class> for ClassFacts {
    fn from(class: &zoho::Class) -> Self {
        ClassFacts {
            moodle_class_id: class.moodle_class_id.clone(),
            status: class.class_status.clone(),
            name: class.class_name.clone(),
        }
    }
}

/// `class_updated`: the whole decision tree, enrolments included.
pub async fn class_updated(app: &Context, id: &ZohoId) -> Result<Outcome, SyncError> {
    let mut trail = Trail::new();
    let Some(report) = sync(app, id, Scope::WithEnrollments, &mut trail).await? else {
        return Ok(Synced::MissingInZoho.into_outcome(Entity::Class, id, trail));
    };
    let reason = match &report.decision {
        _ if report.result.is_stale() => {
            return Ok(Outcome::stale(
                "Moodle already holds a newer version of this class (Modified_Time); nothing was changed",
                trail.actions,
            ));
        }
        ClassDecision::LocalOnly { reason: LocalOnlyReason::Cancelled } => Some(match report.course_id {
            0 => "the class is cancelled: its local record is marked Cancelled; it has no Moodle course".to_owned(),
            course => format!(
                "the class is cancelled: its local record is marked Cancelled; Moodle course {course} is kept unchanged"
            ),
        }),
        ClassDecision::LocalOnly { reason } => Some(format!("{}; Moodle courses were left alone", reason.as_str())),
        _ => None,
    };
    Ok(Outcome { status: OutcomeStatus::Ok, actions: trail.actions, reason, refusal: None })
}

/// `class_deleted`: the plugin soft-deletes the class (status Cancelled) and keeps its course.
/// Idempotent: a repeat answers `unchanged`, a class never synced `absent`.
pub async fn class_deleted(app: &Context, id: &ZohoId) -> Result<Outcome, SyncError> {
    let mut trail = Trail::new();
    let result = match super::delete(app, Entity::Class, id, &mut trail).await? {
        super::Deletion::Applied(result) => result,
        super::Deletion::Refused(refusal) => return Ok(refusal.into_outcome(trail)),
    };
    let course = result.int("course_id");
    let reason = match (result.status.as_str(), course) {
        ("absent", _) => "the class was never synced to Moodle; nothing to delete".to_owned(),
        ("unchanged", 0) => "the class was already cancelled; it has no Moodle course".to_owned(),
        ("unchanged", course) => {
            format!(
                "the class was already cancelled; Moodle course {course} is kept (courses are never deleted by the sync)"
            )
        }
        (_, 0) => "the class is marked Cancelled; it has no Moodle course".to_owned(),
        (_, course) => {
            format!(
                "the class is marked Cancelled; Moodle course {course} is kept (courses are never deleted by the sync)"
            )
        }
    };
    Ok(Outcome::ok(trail.actions).with_reason(reason))
}

/// A class asked for by the plugin as the parent of an enrolment (`parent_missing`).
pub async fn sync_as_parent(app: &Context, id: &ZohoId, trail: &mut Trail) -> Result<Synced, SyncError> {
    Ok(match sync(app, id, Scope::ClassOnly, trail).await? {
        None => Synced::MissingInZoho,
        Some(report) => Synced::Applied(report.result),
    })
}

/// Syncs one class; `None` when Zoho does not have it.
///
/// What does not depend on each other runs at once (`docs/PERFORMANCE.md`, critical path): the
/// class record and Moodle's view of the class; the programme and the teacher; once the
/// decision is known, the enrolment listing beside the course steps; the write-back beside the
/// enrolment batches. What correctness needs stays in order: no enrolment is sent before the
/// course is in place, and the write-back follows the course it names.
pub async fn sync(
    app: &Context,
    id: &ZohoId,
    scope: Scope,
    trail: &mut Trail,
) -> Result<Option<ClassReport>, SyncError> {
    let mut view_trail = Trail { actions: Vec::new(), depth: trail.depth };
    let (class, view) = tokio::join!(fetch::<zoho::Class>(app, id, trail), moodle_view(app, id, &mut view_trail));
    let Some(class) = class? else { return Ok(None) };
    // Checked before anything is written: a record without it cannot be guarded against
    // older data.
    params::modified_time(zoho::Class::API_NAME, &class.modified_time)?;
    let view = view?;
    trail.actions.append(&mut view_trail.actions);

    let facts = ClassFacts::from(&class);
    let decision = decide(&facts, &view);
    trail.push(Action::new("decision", decision.name()).with_detail(json!({
        "zoho_id": id,
        "zoho_moodle_class_id": facts.moodle_class_id.as_deref().map(str::trim).filter(|v| !v.is_empty()),
        "moodle_linked_course_id": view.linked_course_id,
    })));

    if let ClassDecision::Refuse { code, message } = &decision {
        return Err(SyncError::invalid_record(code, message.clone()));
    }
    if decision.steps().contains(&Step::CancelLocalClass) {
        // Zoho was just read: the class exists and is Cancelled, which the plugin's soft delete
        // records. Not a delete webhook, so no "is it gone" check (it is not gone).
        let result = super::delete_in_moodle(app, Entity::Class, id, trail).await?;
        let course_id = result.int("course_id");
        return Ok(Some(ClassReport { decision, result, course_id, wrote_back: false, enrollments: None }));
    }

    let with_enrollments = scope == Scope::WithEnrollments && decision.steps().contains(&Step::SyncEnrollments);
    // `Some(true)` once the course is in place, `Some(false)` when no enrolment may be sent.
    let (course_ready, course_gate) = tokio::sync::watch::channel(None::<bool>);
    let mut course_trail = Trail { actions: Vec::new(), depth: trail.depth };
    let mut enrol_trail = Trail { actions: Vec::new(), depth: trail.depth };
    let course_steps = async {
        let outcome = course_steps(app, id, &class, &facts, &view, decision, &course_ready, &mut course_trail).await;
        // Whatever ended the course steps without the course in place ends the enrolments too.
        if course_ready.borrow().is_none() {
            course_ready.send_replace(Some(false));
        }
        outcome
    };
    let enrolments = async {
        if with_enrollments {
            enrollment::sync_class(app, id, ENROLLMENT_CLASS_FIELD, course_gate, &mut enrol_trail).await
        } else {
            Ok(None)
        }
    };
    let (course, enrolments) = tokio::join!(course_steps, enrolments);
    trail.actions.append(&mut course_trail.actions);
    let CourseOutcome { mut report, write_back_failure } = course?;
    if let Some(error) = write_back_failure {
        return Err(error);
    }
    if report.result.is_stale() || !with_enrollments {
        return Ok(Some(report));
    }
    let course_id = report.course_id;
    let done = || {
        let written = if report.wrote_back { ", Moodle_Class_ID written to Zoho" } else { "" };
        format!("class {id} is synced with Moodle course {course_id}{written}")
    };
    trail.actions.append(&mut enrol_trail.actions);
    let batch = match enrolments {
        Ok(Some(batch)) => batch,
        Ok(None) => {
            return Err(SyncError::Moodle(MoodleError::UnexpectedResponse {
                function: CREATE_FUNCTION.into(),
                reason: format!("the enrolments of class {id} were not sent although its course is in place"),
            }));
        }
        Err(source) => {
            return Err(SyncError::Incomplete {
                code: "enrollment_sync_failed",
                done: done(),
                step: "the enrolment sync",
                source: Box::new(source),
            });
        }
    };
    trail.push(Action::new("enrollments", "synced").with_detail(enrollment_summary(&batch)));
    let problem = enrollment_problem(&batch);
    let done = done();
    report.enrollments = Some(batch);
    if let Some(source) = problem {
        return Err(SyncError::Incomplete {
            code: "enrollments_not_applied",
            done,
            step: "applying some enrolments",
            source: Box::new(source),
        });
    }
    Ok(Some(report))
}

/// What the course side of a class sync ended with. A failed write-back is kept apart: the
/// enrolments went on beside it, and it is reported once they are done.
struct CourseOutcome {
    report: ClassReport,
    write_back_failure: Option<SyncError>,
}

/// Programme, teacher, `local_mzi_create_class`, then (the course being in place, so the
/// enrolments may go) the write-back of `Moodle_Class_ID`.
#[allow(clippy::too_many_arguments)]
async fn course_steps(
    app: &Context,
    id: &ZohoId,
    class: &zoho::Class,
    facts: &ClassFacts,
    view: &MoodleView,
    decision: ClassDecision,
    course_ready: &tokio::sync::watch::Sender<Option<bool>>,
    trail: &mut Trail,
) -> Result<CourseOutcome, SyncError> {
    // The programme and the teacher are independent reads; the teacher's upsert needs only the
    // teacher.
    let mut teacher_trail = Trail { actions: Vec::new(), depth: trail.depth };
    let teacher_steps = async {
        let teacher = read_teacher(app, class, &mut teacher_trail).await?;
        if let TeacherLookup::Found(record) = &teacher {
            sync_teacher(app, record, &mut teacher_trail).await?;
        }
        Ok::<_, SyncError>(teacher)
    };
    let (programme, teacher) = tokio::join!(read_programme(app, class, trail), teacher_steps);
    trail.actions.append(&mut teacher_trail.actions);
    let teacher = teacher?;
    let (dates, date_note) = course_dates(class, app.college_utc_offset_minutes);
    if let Some(note) = date_note {
        trail.push(Action::new("course_enddate", "not_sent").with_detail(json!({"reason": note})));
    }
    let call = create_class_params(class, &decision, &programme, &teacher, dates)?;

    let result: PluginResult = match app.moodle.call(CREATE_FUNCTION, &call).await {
        Ok(result) => result,
        Err(error) if error.errorcode() == Some("coursemissing") => {
            return Err(match decide_after_course_missing(facts, view) {
                ClassDecision::Refuse { code, message } => SyncError::invalid_record(code, message),
                _ => SyncError::Moodle(error),
            });
        }
        Err(error) => return Err(error.into()),
    };
    let course_id = result.int("course_id");
    trail.push(Action::new(CREATE_FUNCTION, result.status_text()).with_detail(json!({
        "zoho_id": id,
        "course_id": course_id,
        "course_action": result.text("course_action"),
        "teacher_user_id": result.int("teacher_user_id"),
        "teacher_status": result.text("teacher_status"),
        "previous_teacher_removed": result.extra.get("previous_teacher_removed").cloned().unwrap_or(Value::Null),
        "staff": staff_summary(&result),
    })));

    let mut report = ClassReport { decision, result, course_id, wrote_back: false, enrollments: None };
    if report.result.is_stale() {
        // A newer version of the class was synced meanwhile; that sync does the rest.
        return Ok(CourseOutcome { report, write_back_failure: None });
    }
    let plan_mode = app.moodle.is_plan_mode();
    if report.decision.has_course() && course_id <= 0 && !plan_mode {
        return Err(SyncError::Moodle(MoodleError::UnexpectedResponse {
            function: CREATE_FUNCTION.into(),
            reason: format!("no course for class {id} after a {} decision", report.decision.name()),
        }));
    }
    // The course is in place: the enrolments may go, beside the write-back.
    course_ready.send_replace(Some(true));

    let mut write_back_failure = None;
    if report.decision.steps().contains(&Step::WriteBackCourseId) {
        let step = format!("zoho.update {}", zoho::Class::API_NAME);
        if plan_mode {
            trail.push(
                Action::new(step, "planned")
                    .with_detail(json!({"zoho_id": id, "field": MOODLE_CLASS_ID_FIELD, "reason": "plan mode: the course id is not known"})),
            );
        } else if let Some(reason) = write_back_not_needed(class, &report) {
            trail.push(Action::new(step, "not_needed").with_detail(
                json!({"zoho_id": id, "field": MOODLE_CLASS_ID_FIELD, "course_id": course_id, "reason": reason}),
            ));
        } else {
            match write_back(app, id, course_id, trail).await {
                Ok(()) => report.wrote_back = true,
                Err(source) => {
                    write_back_failure = Some(SyncError::Incomplete {
                        code: "moodle_class_id_writeback_failed",
                        done: format!(
                            "Moodle course {course_id} of class {id} is in place ({})",
                            report.result.text("course_action")
                        ),
                        step: "writing Moodle_Class_ID back to Zoho",
                        source: Box::new(source),
                    })
                }
            }
        }
    }
    Ok(CourseOutcome { report, write_back_failure })
}

/// Why this sync leaves `Moodle_Class_ID` alone although its decision has a write-back step;
/// `None` when it writes. The id is written only when Zoho's value differs from the course id,
/// and, when the course was created during this sync, only by the sync that created it: under
/// a burst of webhooks for one new class, every sync finds the class without a course id, but
/// only one creates the course (`course_action` `created`) and writes it back. A sync whose
/// creator failed before its write-back is repeated, finds the course, adopts it and writes.
fn write_back_not_needed(class: &zoho::Class, report: &ClassReport) -> Option<&'static str> {
    let in_zoho = class.moodle_class_id.as_deref().map(str::trim).unwrap_or("");
    if in_zoho == report.course_id.to_string() {
        return Some("Zoho already holds this course id");
    }
    if report.decision == ClassDecision::CreateCourse && report.result.text("course_action") != "created" {
        return Some("the course was created by a concurrent sync of this class, which writes its id back");
    }
    None
}

/// What Moodle knows of the class: the course the plugin links to it (its stored link if that
/// course exists, else the course whose `idnumber` is `zoho-class-<id>`).
async fn moodle_view(app: &Context, id: &ZohoId, trail: &mut Trail) -> Result<MoodleView, SyncError> {
    #[derive(Debug, Default, Deserialize)]
    struct Ids {
        #[serde(default)]
        classes: Vec<IdEntry>,
        /// Moodle's error shape (`crate::moodle::TypedAnswer`).
        #[serde(default, deserialize_with = "crate::moodle::key_present")]
        exception: bool,
    }
    impl crate::moodle::TypedAnswer for Ids {
        fn had_exception_key(&self) -> bool {
            self.exception
        }
    }
    #[derive(Debug, Default, Deserialize)]
    struct IdEntry {
        #[serde(default)]
        zoho_id: String,
        #[serde(default)]
        exists: bool,
        #[serde(default)]
        moodle_id: i64,
    }
    let ids: Ids = app.moodle.call(IDS_FUNCTION, &json!({"class_ids": [id]})).await?;
    let entry = ids.classes.iter().find(|e| e.zoho_id == id.as_str());
    let linked = entry.map(|e| e.moodle_id).filter(|c| *c > 0);
    let result = match entry {
        None if app.moodle.is_plan_mode() => "planned",
        Some(e) if e.exists => "known",
        _ => "unknown",
    };
    trail.push(Action::new(IDS_FUNCTION, result).with_detail(json!({"zoho_id": id, "course_id": linked})));
    Ok(MoodleView { linked_course_id: linked, zoho_course_exists: None })
}

/// What the programme (`Products`) gives the course: its category and the major that selects
/// extra default staff. Unreadable → both unknown: the course keeps its category (never moved to
/// a default by accident) and the plugin keeps the stored major.
#[derive(Debug, Default, Clone, PartialEq)]
struct Programme {
    category_id: Option<i64>,
    major: Option<String>,
}

async fn read_programme(app: &Context, class: &zoho::Class, trail: &mut Trail) -> Programme {
    let step = format!("zoho.get {}", zoho::Program::API_NAME);
    let Some(lookup) = &class.btec_program else {
        trail.push(Action::new(step, "no_programme").with_detail(json!({"category": "kept"})));
        return Programme::default();
    };
    let record = match app.zoho.get::<zoho::Program>(&lookup.id).await {
        Ok(Some(record)) => record,
        Ok(None) => {
            trail.push(Action::new(step, "not_found").with_detail(json!({"zoho_id": lookup.id, "category": "kept"})));
            return Programme::default();
        }
        Err(error) => {
            tracing::warn!(zoho_id = %lookup.id, code = error.code(), error = %error, "programme unreadable; the course category is kept");
            trail.push(
                Action::new(step, "unreadable")
                    .with_detail(json!({"zoho_id": lookup.id, "error": error.code(), "category": "kept"})),
            );
            return Programme::default();
        }
    };
    let programme = programme_of(&record);
    trail.push(Action::new(step, "found").with_detail(json!({
        "zoho_id": lookup.id,
        "category_id": programme.category_id,
        "category": if programme.category_id.is_some() { "set" } else { "kept" },
    })));
    programme
}

fn programme_of(record: &zoho::Program) -> Programme {
    Programme {
        category_id: record.moodle_id.as_deref().and_then(|v| v.trim().parse::<i64>().ok()).filter(|id| *id > 0),
        major: record.program_major.as_deref().map(str::trim).filter(|m| !m.is_empty()).map(str::to_owned),
    }
}

/// The class's teacher as Zoho has it.
#[derive(Debug, Clone, PartialEq)]
enum TeacherLookup {
    /// The class has no `Teacher`.
    None,
    Found(zoho::Teacher),
    /// `Teacher` points at a record Zoho does not have.
    Missing(ZohoId),
}

/// Reads the teacher. A failure stops the sync (retryable): going on without the teacher's
/// e-mail would let the plugin re-enrol the previous teacher it has stored.
async fn read_teacher(app: &Context, class: &zoho::Class, trail: &mut Trail) -> Result<TeacherLookup, SyncError> {
    let Some(lookup) = &class.teacher else { return Ok(TeacherLookup::None) };
    Ok(match fetch::<zoho::Teacher>(app, &lookup.id, trail).await? {
        Some(record) => TeacherLookup::Found(record),
        None => TeacherLookup::Missing(lookup.id.clone()),
    })
}

/// Keeps the plugin's teacher record current (teachers have no webhook of their own): the
/// plugin falls back on it to find the teacher's Moodle account.
async fn sync_teacher(app: &Context, teacher: &zoho::Teacher, trail: &mut Trail) -> Result<(), SyncError> {
    match params::teacher(teacher) {
        Ok(value) => {
            upsert(app, TEACHER_FUNCTION, params::call("teacher", value), trail).await?;
        }
        Err(error) => {
            trail.push(
                Action::new(TEACHER_FUNCTION, "not_sent")
                    .with_detail(json!({"zoho_id": teacher.id, "reason": error.code()})),
            );
        }
    }
    Ok(())
}

/// The course's start and end as Unix seconds: midnight of `Start_Date` and `End_Date` in the
/// college's time zone, converted here and only here. An end before the start is not sent (Moodle
/// refuses it); the note says why.
pub fn course_dates(
    class: &zoho::Class,
    utc_offset_minutes: i32,
) -> ((Option<i64>, Option<i64>), Option<&'static str>) {
    let start = class.start_date.map(|d| d.midnight_unix_at_offset(utc_offset_minutes));
    let end = class.end_date.map(|d| d.midnight_unix_at_offset(utc_offset_minutes));
    match (start, end) {
        (Some(s), Some(e)) if e < s => {
            ((start, None), Some("End_Date is before Start_Date; the course end date is left as it is"))
        }
        _ => ((start, end), None),
    }
}

/// The parameters of `local_mzi_create_class` for a decision.
fn create_class_params(
    class: &zoho::Class,
    decision: &ClassDecision,
    programme: &Programme,
    teacher: &TeacherLookup,
    (start, end): (Option<i64>, Option<i64>),
) -> Result<Value, SyncError> {
    let mut p = Params::new();
    p.set("zoho_class_id", class.id.to_string())
        .set("zoho_modified_time", params::modified_time(zoho::Class::API_NAME, &class.modified_time)?)
        .datetime("zoho_created_time", &class.created_time)
        .text("class_name", &class.class_name)
        .text("class_short_name", &class.class_short_name)
        .text("class_number", &class.name)
        .text("class_status", &class.class_status)
        .opt("class_major", programme.major.clone())
        .lookup_id("program_zoho_id", &class.btec_program)
        .lookup_id("unit_zoho_id", &class.unit)
        .lookup_name("unit_name", &class.unit)
        .date("start_date", &class.start_date)
        .date("end_date", &class.end_date)
        .opt("course_startdate", start)
        .opt("course_enddate", end);
    match teacher {
        TeacherLookup::None => {}
        TeacherLookup::Found(record) => {
            // The e-mail always travels with the teacher it belongs to: when the new teacher has
            // none, the stored one (perhaps the previous teacher's) is cleared, not kept.
            let email = record.academic_email.as_deref().map(str::trim).unwrap_or("").to_owned();
            p.set("teacher_zoho_id", record.id.to_string()).set("teacher_email", email);
            p.lookup_name("teacher_name", &class.teacher);
        }
        TeacherLookup::Missing(id) => {
            p.set("teacher_zoho_id", id.to_string()).set("teacher_email", "");
            p.lookup_name("teacher_name", &class.teacher);
        }
    }
    let mut call = Map::new();
    call.insert("class".into(), p.into_value());
    call.insert("createcourse".into(), Value::Bool(decision.create_course()));
    if decision.expected_course_id() > 0 {
        call.insert("expectedcourseid".into(), decision.expected_course_id().into());
    }
    if let Some(category) = programme.category_id {
        call.insert("categoryid".into(), category.into());
    }
    Ok(Value::Object(call))
}

/// Writes the course id into the class's `Moodle_Class_ID` (the client sends `"trigger": []`, so
/// the class rule does not fire again).
async fn write_back(app: &Context, id: &ZohoId, course_id: i64, trail: &mut Trail) -> Result<(), SyncError> {
    let mut fields = Map::new();
    fields.insert(MOODLE_CLASS_ID_FIELD.into(), Value::String(course_id.to_string()));
    let step = format!("zoho.update {}", zoho::Class::API_NAME);
    match app.zoho.update_record::<zoho::Class>(id, fields).await {
        Ok(_) => {
            trail.push(
                Action::new(step, "updated")
                    .with_detail(json!({"zoho_id": id, "field": MOODLE_CLASS_ID_FIELD, "course_id": course_id})),
            );
            Ok(())
        }
        Err(error) => {
            trail.push(Action::new(step, "failed").with_detail(json!({"zoho_id": id, "error": error.code()})));
            Err(SyncError::Zoho(error))
        }
    }
}

/// The enrolment sync of a class, for its action line.
fn enrollment_summary(report: &BatchReport) -> Value {
    let mut enrol_actions = std::collections::BTreeMap::<String, usize>::new();
    for result in &report.results {
        let action = result.text("enrol_action");
        if !action.is_empty() {
            *enrol_actions.entry(action.to_owned()).or_default() += 1;
        }
    }
    let mut summary = report.summary();
    summary["enrol_actions"] = json!(enrol_actions);
    summary["not_sent_ids"] =
        json!(report.not_sent.iter().map(|(id, why)| json!({"zoho_id": id, "reason": why})).collect::<Vec<_>>());
    summary
}

/// The enrolments Moodle could not apply (`failed`, or a parent that could not be resolved), as
/// one error: retryable when any item failed for a transient reason.
fn enrollment_problem(report: &BatchReport) -> Option<SyncError> {
    let unapplied: Vec<&PluginResult> =
        report.results.iter().filter(|r| r.status == "failed" || r.status == "parent_missing").collect();
    if unapplied.is_empty() {
        return None;
    }
    let listed: Vec<String> = unapplied
        .iter()
        .take(LISTED_FAILURES)
        .map(|r| match r.status.as_str() {
            "failed" => format!("{} ({})", r.zoho_id, r.text("errorcode")),
            _ => {
                let why = report
                    .parent_failures
                    .iter()
                    .find(|f| f.entity == r.parent_entity && f.zoho_id == r.parent_zoho_id)
                    .map(|f| format!(": {}", f.code))
                    .unwrap_or_default();
                format!("{} (its {} {} could not be synced{why})", r.zoho_id, r.parent_entity, r.parent_zoho_id)
            }
        })
        .collect();
    let more = unapplied.len().saturating_sub(LISTED_FAILURES);
    let message = format!(
        "{} of {} enrolments were not applied: {}{}",
        unapplied.len(),
        report.results.len(),
        listed.join(", "),
        if more > 0 { format!(" and {more} more") } else { String::new() }
    );
    // A transient item error (a lock timeout, a database hiccup) clears on a repeat; the rest
    // need the data fixed.
    let transient = unapplied.iter().map(|r| r.text("errorcode")).find(|code| {
        !code.is_empty()
            && MoodleError::Exception {
                function: enrollment::UPDATE_FUNCTION.into(),
                exception: "batch item".into(),
                errorcode: Some((*code).to_owned()),
                message: String::new(),
            }
            .is_retryable()
    });
    Some(match transient {
        Some(code) => SyncError::Moodle(MoodleError::Exception {
            function: enrollment::UPDATE_FUNCTION.into(),
            exception: "batch item".into(),
            errorcode: Some(code.to_owned()),
            message,
        }),
        None => SyncError::invalid_record("enrollments_not_applied", message),
    })
}

/// The default staff the plugin enrolled, without user names (they can be e-mail addresses).
fn staff_summary(result: &PluginResult) -> Value {
    let staff = result.extra.get("staff").and_then(Value::as_array);
    let mut by_status = std::collections::BTreeMap::<String, usize>::new();
    let mut skipped = Vec::new();
    for item in staff.into_iter().flatten() {
        let status = item.get("status").and_then(Value::as_str).unwrap_or("");
        *by_status.entry(status.to_owned()).or_default() += 1;
        if status == "skipped" {
            skipped.push(json!({
                "role": item.get("role").cloned().unwrap_or(Value::Null),
                "reason": item.get("reason").cloned().unwrap_or(Value::Null),
            }));
        }
    }
    json!({"by_status": by_status, "skipped": skipped})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(extra: Value) -> zoho::Class {
        let mut base = json!({
            "id": "5398830000100000401",
            "Name": "CL-0401",
            "Class_Name": "Programming L5",
            "Class_Short_Name": "PROG-L5",
            "BTEC_Program": {"name": "HND", "id": "5398830000100000201"},
            "Unit": {"name": "Unit 1", "id": "5398830000100000301"},
            "Teacher": {"name": "T", "id": "5398830000100000101"},
            "Class_Status": "Active",
            "Start_Date": "2026-03-02",
            "End_Date": "2026-06-26",
            "Modified_Time": "2026-02-22T09:00:00+03:00"
        });
        for (k, v) in extra.as_object().unwrap() {
            base[k] = v.clone();
        }
        zoho::records::decode(base).unwrap()
    }

    fn teacher(email: Option<&str>) -> zoho::Teacher {
        let mut v = json!({"id": "5398830000100000101", "Modified_Time": "2026-01-10T12:00:00+03:00"});
        if let Some(e) = email {
            v["Academic_Email"] = json!(e);
        }
        zoho::records::decode(v).unwrap()
    }

    #[test]
    fn dates_are_local_midnights_converted_once() {
        // 2026-03-02 00:00 at GMT+3 is 2026-03-01 21:00 UTC.
        let ((start, end), note) = course_dates(&class(json!({})), 180);
        assert_eq!(start, Some(1_772_398_800));
        assert_eq!(end, Some(1_782_421_200));
        assert_eq!(note, None);
        // The recorded fixture's dates: 2026-03-01 and 2026-06-30 at GMT+3.
        let ((start, end), _) =
            course_dates(&class(json!({"Start_Date": "2026-03-01", "End_Date": "2026-06-30"})), 180);
        assert_eq!((start, end), (Some(1_772_312_400), Some(1_782_766_800)));
        let ((start, _), _) = course_dates(&class(json!({})), 0);
        assert_eq!(start, Some(1_772_409_600), "UTC midnight with offset 0");
        let ((start, end), _) = course_dates(&class(json!({"Start_Date": null, "End_Date": ""})), 180);
        assert_eq!((start, end), (None, None), "no date, no parameter");
    }

    #[test]
    fn an_end_before_the_start_is_not_sent() {
        let ((start, end), note) = course_dates(&class(json!({"End_Date": "2026-01-01"})), 180);
        assert!(start.is_some());
        assert_eq!(end, None);
        assert!(note.is_some());
    }

    #[test]
    fn programme_gives_category_and_major_only_when_usable() {
        let read = |v: Value| programme_of(&zoho::records::decode(v).unwrap());
        assert_eq!(
            read(json!({"id": "1", "MoodleID": " 4 ", "Program_Major": "IT"})),
            Programme { category_id: Some(4), major: Some("IT".into()) }
        );
        for bad in [json!("abc"), json!("0"), json!("-2"), json!(""), Value::Null] {
            assert_eq!(read(json!({"id": "1", "MoodleID": bad})).category_id, None, "{bad}");
        }
    }

    #[test]
    fn create_params_follow_the_decision() {
        let c = class(json!({}));
        let programme = Programme { category_id: Some(4), major: Some("IT".into()) };
        let t = TeacherLookup::Found(teacher(Some("teacher@college.example")));
        let v = create_class_params(&c, &ClassDecision::CreateCourse, &programme, &t, (Some(1), Some(2))).unwrap();
        assert_eq!(v["createcourse"], true);
        assert!(v.get("expectedcourseid").is_none());
        assert_eq!(v["categoryid"], 4);
        let class = &v["class"];
        assert_eq!(class["zoho_class_id"], "5398830000100000401");
        assert_eq!(class["class_major"], "IT");
        assert_eq!(class["teacher_email"], "teacher@college.example");
        assert_eq!(class["teacher_zoho_id"], "5398830000100000101");
        assert_eq!(class["program_zoho_id"], "5398830000100000201");
        assert_eq!(class["class_number"], "CL-0401");
        assert_eq!((class["course_startdate"].as_i64(), class["course_enddate"].as_i64()), (Some(1), Some(2)));
        assert_eq!(class["start_date"], "2026-03-02");

        let update = ClassDecision::UpdateCourse { course_id: 12 };
        let v = create_class_params(&c, &update, &Programme::default(), &t, (None, None)).unwrap();
        assert_eq!(v["createcourse"], false);
        assert_eq!(v["expectedcourseid"], 12);
        assert!(v.get("categoryid").is_none(), "an unknown category is never sent: the course keeps its own");
        assert!(v["class"].get("class_major").is_none());
        assert!(v["class"].get("course_startdate").is_none());
    }

    #[test]
    fn the_teacher_email_always_belongs_to_the_teacher_sent() {
        let c = class(json!({}));
        let d = ClassDecision::CreateCourse;
        let p = Programme::default();
        let v = create_class_params(&c, &d, &p, &TeacherLookup::Found(teacher(None)), (None, None)).unwrap();
        assert_eq!(v["class"]["teacher_email"], "", "cleared, so the previous teacher's e-mail is not reused");
        let missing = TeacherLookup::Missing(ZohoId::parse("5398830000100000199").unwrap());
        let v = create_class_params(&c, &d, &p, &missing, (None, None)).unwrap();
        assert_eq!(v["class"]["teacher_zoho_id"], "5398830000100000199");
        assert_eq!(v["class"]["teacher_email"], "");
        let v =
            create_class_params(&class(json!({"Teacher": null})), &d, &p, &TeacherLookup::None, (None, None)).unwrap();
        assert!(v["class"].get("teacher_email").is_none() && v["class"].get("teacher_zoho_id").is_none());
    }

    #[test]
    fn a_class_without_modified_time_is_refused() {
        let c: zoho::Class = zoho::records::decode(json!({"id": "1", "Class_Name": "N"})).unwrap();
        let err = create_class_params(
            &c,
            &ClassDecision::CreateCourse,
            &Programme::default(),
            &TeacherLookup::None,
            (None, None),
        )
        .unwrap_err();
        assert_eq!(err.code(), "missing_modified_time");
    }

    fn item(status: &str, id: &str, errorcode: &str) -> PluginResult {
        serde_json::from_value(json!({"status": status, "zoho_id": id, "errorcode": errorcode,
            "parent_entity": if status == "parent_missing" { "student" } else { "" },
            "parent_zoho_id": if status == "parent_missing" { "9" } else { "" }}))
        .unwrap()
    }

    #[test]
    fn unapplied_enrolments_are_an_error_classified_by_cause() {
        let ok =
            BatchReport { results: vec![item("created", "1", ""), item("unchanged", "2", "")], ..Default::default() };
        assert!(enrollment_problem(&ok).is_none());

        let bad_data = BatchReport {
            results: vec![
                item("created", "1", ""),
                item("failed", "2", "invalidtimestamp"),
                item("parent_missing", "3", ""),
            ],
            ..Default::default()
        };
        let err = enrollment_problem(&bad_data).unwrap();
        assert_eq!(err.retry(), crate::error::Retry::Never);
        let text = err.to_string();
        assert!(
            text.contains("2 of 3") && text.contains("2 (invalidtimestamp)") && text.contains("student 9"),
            "{text}"
        );

        let transient = BatchReport {
            results: vec![item("failed", "2", "invalidtimestamp"), item("failed", "4", "locktimeout")],
            ..Default::default()
        };
        assert!(enrollment_problem(&transient).unwrap().retry().is_retryable());

        let many = BatchReport {
            results: (0..25).map(|i| item("failed", &i.to_string(), "x")).collect(),
            ..Default::default()
        };
        assert!(enrollment_problem(&many).unwrap().to_string().contains("and 15 more"));
    }

    #[test]
    fn staff_summary_leaves_user_names_out() {
        let result: PluginResult = serde_json::from_value(json!({"status": "updated", "staff": [
            {"user": "it.support@college.example", "role": "editingteacher", "userid": 5, "status": "enrolled", "reason": ""},
            {"user": "ceo", "role": "manager", "userid": 0, "status": "skipped", "reason": "usernotfound"}
        ]}))
        .unwrap();
        let summary = staff_summary(&result);
        assert_eq!(summary["by_status"]["enrolled"], 1);
        assert_eq!(summary["skipped"][0]["reason"], "usernotfound");
        assert!(!summary.to_string().contains("college.example") && !summary.to_string().contains("ceo"));
    }
}
