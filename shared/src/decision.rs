//! The `class_updated` decision tree, as a pure function: what to do with a Zoho class, given
//! the class record and what Moodle already knows of it. No I/O here, so every branch is tested
//! directly; the courses function carries the plan out.
//!
//! The specification's tree, with the predecessor's failure modes closed (data contract §4, bugs
//! B18, B19, B22):
//! - Zoho has a `Moodle_Class_ID` → update that course, then sync the enrolments. If Moodle's own
//!   link (the course `idnumber` the plugin set) names another course, or the course is gone,
//!   refuse clearly instead of recreating or moving anything.
//! - No `Moodle_Class_ID`, but Moodle already has the course of this class (an earlier run
//!   created it and the write-back failed, or someone cleared the field) → adopt it: update it,
//!   write the id back, sync the enrolments. Never a second course.
//! - No `Moodle_Class_ID`, status `Active` → create the course (the plugin guarantees one per
//!   class under concurrency), enrol staff and teacher, write the id back, sync the enrolments.
//! - Otherwise (not active, nameless) → upsert the local class only.
//! - Cancelled → mark the local class cancelled (the plugin's soft delete); its course, if any,
//!   is kept exactly as it is (the plugin's class upsert would re-apply names, staff and teacher
//!   to a course it finds, so a cancelled class must not go through it).

/// Class statuses that mean "this class will not run": its course is kept but left alone.
const CANCELLED_STATUSES: [&str; 2] = ["cancelled", "canceled"];

/// What the class record says, reduced to what the decision needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClassFacts {
    /// Zoho's `Moodle_Class_ID`, as written there (may be blank or garbage).
    pub moodle_class_id: Option<String>,
    /// Zoho's `Class_Status` picklist value.
    pub status: Option<String>,
    /// Zoho's `Class_Name`.
    pub name: Option<String>,
}

/// What Moodle knows of the class, from the plugin's read function.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MoodleView {
    /// The course the plugin links to this Zoho class (by the course `idnumber` it sets).
    pub linked_course_id: Option<i64>,
    /// Whether the course named by Zoho's `Moodle_Class_ID` exists (`None`: not asked).
    pub zoho_course_exists: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClassDecision {
    /// Branch A: update the course Zoho names, then the enrolments.
    UpdateCourse { course_id: i64 },
    /// Moodle already has this class's course but Zoho does not know it: update it and write
    /// its id back, then the enrolments.
    AdoptCourse { course_id: i64 },
    /// Branch B: create the course, enrol staff and teacher, write the id back, enrolments.
    CreateCourse,
    /// Branch C: only the plugin's class row changes; Moodle courses are left alone.
    /// For [`LocalOnlyReason::Cancelled`] the row is marked cancelled instead of upserted.
    LocalOnly { reason: LocalOnlyReason },
    /// The data contradicts itself; nothing is changed in Moodle and an operator must look.
    Refuse { code: &'static str, message: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalOnlyReason {
    NotActive,
    Cancelled,
    NoName,
}

impl LocalOnlyReason {
    pub fn as_str(self) -> &'static str {
        match self {
            LocalOnlyReason::NotActive => "the class is not Active and has no Moodle course yet",
            LocalOnlyReason::Cancelled => "the class is cancelled: its course is kept and left as it is",
            LocalOnlyReason::NoName => "the class has no Class_Name, so no course can be named after it",
        }
    }
}

/// The steps of a decision, in the order they must run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// `local_mzi_create_class`, without touching courses.
    UpsertLocalClass,
    /// `local_mzi_delete_class`: the class row is marked cancelled (soft delete); its course is
    /// kept and not touched.
    CancelLocalClass,
    /// `local_mzi_create_class` that also updates the named course (staff and teacher included).
    UpdateCourse,
    /// `local_mzi_create_class` that finds or creates the course (staff and teacher included).
    CreateCourse,
    /// Write `Moodle_Class_ID` back to Zoho with `"trigger": []`.
    WriteBackCourseId,
    /// Send every BTEC_Enrollment of the class to Moodle.
    SyncEnrollments,
}

impl ClassDecision {
    pub fn steps(&self) -> &'static [Step] {
        match self {
            ClassDecision::UpdateCourse { .. } => &[Step::UpdateCourse, Step::SyncEnrollments],
            ClassDecision::AdoptCourse { .. } => &[Step::UpdateCourse, Step::WriteBackCourseId, Step::SyncEnrollments],
            ClassDecision::CreateCourse => &[Step::CreateCourse, Step::WriteBackCourseId, Step::SyncEnrollments],
            ClassDecision::LocalOnly { reason: LocalOnlyReason::Cancelled } => &[Step::CancelLocalClass],
            ClassDecision::LocalOnly { .. } => &[Step::UpsertLocalClass],
            ClassDecision::Refuse { .. } => &[],
        }
    }

    /// A short name for logs and answers.
    pub fn name(&self) -> &'static str {
        match self {
            ClassDecision::UpdateCourse { .. } => "update_course",
            ClassDecision::AdoptCourse { .. } => "adopt_course",
            ClassDecision::CreateCourse => "create_course",
            ClassDecision::LocalOnly { reason: LocalOnlyReason::Cancelled } => "cancel_local_class",
            ClassDecision::LocalOnly { .. } => "local_only",
            ClassDecision::Refuse { .. } => "refuse",
        }
    }

    /// The plugin's `createcourse`: only when the decision is to create the course. Everywhere
    /// else a course that is not found must stay not found.
    pub fn create_course(&self) -> bool {
        matches!(self, ClassDecision::CreateCourse)
    }

    /// The plugin's `expectedcourseid`: the course Zoho names, which must exist (the plugin
    /// answers `coursemissing` otherwise, see [`decide_after_course_missing`]); 0 when the plugin
    /// finds the course itself (by its stored link or the course `idnumber`).
    pub fn expected_course_id(&self) -> i64 {
        match self {
            ClassDecision::UpdateCourse { course_id } => *course_id,
            _ => 0,
        }
    }

    /// Whether the decision ends with the class's course in Moodle (created, adopted, updated).
    pub fn has_course(&self) -> bool {
        matches!(
            self,
            ClassDecision::UpdateCourse { .. } | ClassDecision::AdoptCourse { .. } | ClassDecision::CreateCourse
        )
    }
}

/// The decision once Moodle has answered that the course Zoho names does not exist (the
/// plugin's `coursemissing` for `expectedcourseid`).
pub fn decide_after_course_missing(class: &ClassFacts, moodle: &MoodleView) -> ClassDecision {
    decide(class, &MoodleView { zoho_course_exists: Some(false), ..moodle.clone() })
}

pub fn decide(class: &ClassFacts, moodle: &MoodleView) -> ClassDecision {
    let status = class.status.as_deref().map(str::trim).unwrap_or("").to_lowercase();
    let cancelled = CANCELLED_STATUSES.contains(&status.as_str());
    let zoho_course = class.moodle_class_id.as_deref().map(str::trim).filter(|s| !s.is_empty());

    if let Some(raw) = zoho_course {
        let Some(course_id) = raw.parse::<i64>().ok().filter(|id| *id > 1) else {
            return ClassDecision::Refuse {
                code: "invalid_moodle_class_id",
                message: "Moodle_Class_ID in Zoho is not a Moodle course id; correct or clear it".into(),
            };
        };
        if let Some(linked) = moodle.linked_course_id
            && linked != course_id
        {
            return ClassDecision::Refuse {
                code: "course_link_conflict",
                message: format!(
                    "Moodle_Class_ID in Zoho names course {course_id}, but Moodle links this class to course {linked}; \
                     correct Moodle_Class_ID in Zoho"
                ),
            };
        }
        if moodle.zoho_course_exists == Some(false) {
            return ClassDecision::Refuse {
                code: "course_missing",
                message: format!(
                    "Moodle_Class_ID in Zoho names course {course_id}, which does not exist in Moodle; \
                     it is not recreated automatically: restore the course or clear Moodle_Class_ID"
                ),
            };
        }
        if cancelled {
            return ClassDecision::LocalOnly { reason: LocalOnlyReason::Cancelled };
        }
        return ClassDecision::UpdateCourse { course_id };
    }

    if cancelled {
        return ClassDecision::LocalOnly { reason: LocalOnlyReason::Cancelled };
    }
    if let Some(course_id) = moodle.linked_course_id {
        return ClassDecision::AdoptCourse { course_id };
    }
    if status != "active" {
        return ClassDecision::LocalOnly { reason: LocalOnlyReason::NotActive };
    }
    if class.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
        return ClassDecision::LocalOnly { reason: LocalOnlyReason::NoName };
    }
    ClassDecision::CreateCourse
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(moodle_class_id: Option<&str>, status: &str, name: Option<&str>) -> ClassFacts {
        ClassFacts {
            moodle_class_id: moodle_class_id.map(str::to_owned),
            status: Some(status.to_owned()),
            name: name.map(str::to_owned),
        }
    }

    const NOTHING: MoodleView = MoodleView { linked_course_id: None, zoho_course_exists: None };

    #[test]
    fn a_zoho_course_id_means_update() {
        let decision = decide(&class(Some("12"), "Active", Some("Networking")), &NOTHING);
        assert_eq!(decision, ClassDecision::UpdateCourse { course_id: 12 });
        assert_eq!(decision.steps(), &[Step::UpdateCourse, Step::SyncEnrollments]);
        // Whatever the status: a class that has a course keeps it up to date.
        let view = MoodleView { linked_course_id: Some(12), zoho_course_exists: Some(true) };
        assert_eq!(
            decide(&class(Some(" 12 "), "Completed", None), &view),
            ClassDecision::UpdateCourse { course_id: 12 }
        );
    }

    #[test]
    fn active_without_course_is_created() {
        let decision = decide(&class(None, "Active", Some("Networking")), &NOTHING);
        assert_eq!(decision, ClassDecision::CreateCourse);
        assert_eq!(decision.steps(), &[Step::CreateCourse, Step::WriteBackCourseId, Step::SyncEnrollments]);
        assert_eq!(decide(&class(Some("  "), " active ", Some("N")), &NOTHING), ClassDecision::CreateCourse);
    }

    #[test]
    fn moodle_already_has_the_course_but_zoho_lost_the_id() {
        let view = MoodleView { linked_course_id: Some(31), zoho_course_exists: None };
        let decision = decide(&class(None, "Active", Some("Networking")), &view);
        assert_eq!(decision, ClassDecision::AdoptCourse { course_id: 31 });
        assert!(decision.steps().contains(&Step::WriteBackCourseId));
        assert!(!decision.steps().contains(&Step::CreateCourse), "never a second course");
        // Even if the class is no longer active, the link is restored rather than lost.
        assert_eq!(decide(&class(None, "Pending", Some("N")), &view), ClassDecision::AdoptCourse { course_id: 31 });
    }

    #[test]
    fn a_course_id_that_points_nowhere_is_refused() {
        let view = MoodleView { linked_course_id: None, zoho_course_exists: Some(false) };
        let decision = decide(&class(Some("99"), "Active", Some("N")), &view);
        assert!(matches!(decision, ClassDecision::Refuse { code: "course_missing", .. }), "{decision:?}");
        assert!(decision.steps().is_empty(), "nothing is recreated silently");
    }

    #[test]
    fn conflicting_links_are_refused() {
        let view = MoodleView { linked_course_id: Some(31), zoho_course_exists: Some(true) };
        let decision = decide(&class(Some("12"), "Active", Some("N")), &view);
        assert!(matches!(decision, ClassDecision::Refuse { code: "course_link_conflict", .. }), "{decision:?}");
    }

    #[test]
    fn garbage_course_ids_are_refused() {
        for raw in ["abc", "-3", "0", "1", "12.5"] {
            let decision = decide(&class(Some(raw), "Active", Some("N")), &NOTHING);
            assert!(matches!(decision, ClassDecision::Refuse { code: "invalid_moodle_class_id", .. }), "{raw}");
        }
    }

    #[test]
    fn not_active_is_local_only() {
        for status in ["Pending", "Initial Evaluation", "End", "-None-", ""] {
            let decision = decide(&class(None, status, Some("N")), &NOTHING);
            assert_eq!(decision, ClassDecision::LocalOnly { reason: LocalOnlyReason::NotActive }, "{status}");
            assert_eq!(decision.steps(), &[Step::UpsertLocalClass]);
        }
        let no_status = ClassFacts { moodle_class_id: None, status: None, name: Some("N".into()) };
        assert_eq!(decide(&no_status, &NOTHING), ClassDecision::LocalOnly { reason: LocalOnlyReason::NotActive });
    }

    #[test]
    fn an_active_class_without_a_name_gets_no_course() {
        assert_eq!(
            decide(&class(None, "Active", Some("  ")), &NOTHING),
            ClassDecision::LocalOnly { reason: LocalOnlyReason::NoName }
        );
        assert_eq!(
            decide(&class(None, "Active", None), &NOTHING),
            ClassDecision::LocalOnly { reason: LocalOnlyReason::NoName }
        );
    }

    #[test]
    fn a_cancelled_class_keeps_its_course_untouched() {
        let view = MoodleView { linked_course_id: Some(12), zoho_course_exists: Some(true) };
        assert_eq!(
            decide(&class(Some("12"), "Cancelled", Some("N")), &view),
            ClassDecision::LocalOnly { reason: LocalOnlyReason::Cancelled }
        );
        assert_eq!(
            decide(&class(None, "Cancelled", Some("N")), &NOTHING),
            ClassDecision::LocalOnly { reason: LocalOnlyReason::Cancelled }
        );
        let decision = decide(&class(Some("12"), "canceled", Some("N")), &view);
        assert_eq!(decision.steps(), &[Step::CancelLocalClass], "the row is cancelled, never upserted");
        assert!(!decision.has_course());
        assert!(!decision.create_course());
    }

    #[test]
    fn plugin_flags_follow_the_branch() {
        let update = decide(&class(Some("12"), "Active", Some("N")), &NOTHING);
        assert_eq!((update.create_course(), update.expected_course_id()), (false, 12));
        let create = decide(&class(None, "Active", Some("N")), &NOTHING);
        assert_eq!((create.create_course(), create.expected_course_id()), (true, 0));
        let adopt = decide(
            &class(None, "Active", Some("N")),
            &MoodleView { linked_course_id: Some(31), zoho_course_exists: None },
        );
        assert_eq!((adopt.create_course(), adopt.expected_course_id()), (false, 0), "the plugin finds it by its link");
        let local = decide(&class(None, "Pending", Some("N")), &NOTHING);
        assert_eq!((local.create_course(), local.expected_course_id()), (false, 0));
        assert!(update.has_course() && create.has_course() && adopt.has_course() && !local.has_course());
        assert_eq!(
            [update.name(), create.name(), adopt.name(), local.name()],
            ["update_course", "create_course", "adopt_course", "local_only"]
        );
    }

    #[test]
    fn a_missing_course_reported_by_moodle_becomes_a_refusal() {
        let facts = class(Some("99"), "Active", Some("N"));
        // Before asking: update the course Zoho names.
        assert_eq!(decide(&facts, &NOTHING), ClassDecision::UpdateCourse { course_id: 99 });
        // Moodle answered coursemissing: refuse, never recreate.
        let decision = decide_after_course_missing(&facts, &NOTHING);
        assert!(matches!(decision, ClassDecision::Refuse { code: "course_missing", .. }), "{decision:?}");
        assert!(!decision.create_course());
        assert!(decision.steps().is_empty());
    }
}
