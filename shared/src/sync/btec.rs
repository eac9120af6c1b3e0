//! BTEC units as grading definitions of `gradingform_btec` (`docs/plugin-api.md` §3.12).
//!
//! A unit's criteria live in three places in Zoho: `P1…P10_description` on the `BTEC` record,
//! `P11…P20_description` in the rows of subform `BTEC_Grading_Template_P1` (the predecessor lost
//! them, B11), then `M1…M9` and `D1…D6`. The definition is keyed by the Zoho unit id, never by its
//! name, and the plugin updates criteria in place by short name so marking keeps pointing at them
//! (B13). Its answer is the truth: an exception or an answer that does not hold what was sent is
//! a failure here, never "success" (B12).

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::Context;
use super::params::modified_time;
use super::{Entity, PluginResult, Synced, Trail, delete, fetch, upsert};
use crate::error::SyncError;
use crate::ids::ZohoId;
use crate::moodle::{MoodleError, form};
use crate::outcome::{Action, Outcome};
use crate::zoho;

pub const CREATE_FUNCTION: &str = "local_mzi_create_btec_definition";

/// The grading level of a criterion; the declaration order is the grading form's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Pass,
    Merit,
    Distinction,
}

impl Level {
    pub fn prefix(self) -> char {
        match self {
            Level::Pass => 'P',
            Level::Merit => 'M',
            Level::Distinction => 'D',
        }
    }

    /// The highest number BTEC uses at this level (P20, M9, D6).
    pub fn max(self) -> u8 {
        match self {
            Level::Pass => 20,
            Level::Merit => 9,
            Level::Distinction => 6,
        }
    }
}

/// A valid BTEC criterion code: `P1`–`P20`, `M1`–`M9`, `D1`–`D6`. The only way in is
/// [`CriterionCode::parse`]. Ordered as the grading form shows them: level, then number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CriterionCode {
    level: Level,
    number: u8,
}

impl CriterionCode {
    /// Reads `P1`, `m3`, ` D6 `; refuses anything else (`P0`, `P21`, `M10`, `X1`, `P01`, `P`).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let mut chars = text.chars();
        let level = match chars.next()?.to_ascii_uppercase() {
            'P' => Level::Pass,
            'M' => Level::Merit,
            'D' => Level::Distinction,
            _ => return None,
        };
        let digits = chars.as_str();
        if digits.is_empty()
            || digits.len() > 2
            || digits.starts_with('0')
            || !digits.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let number: u8 = digits.parse().ok()?;
        (1..=level.max()).contains(&number).then_some(Self { level, number })
    }

    pub fn level(self) -> Level {
        self.level
    }

    pub fn number(self) -> u8 {
        self.number
    }
}

impl CriterionCode {
    /// The code as the grading form names it (`P1`, `M9`, `D6`), without building a string.
    pub fn as_str(self) -> &'static str {
        const PASS: [&str; 20] = [
            "P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8", "P9", "P10", "P11", "P12", "P13", "P14", "P15", "P16",
            "P17", "P18", "P19", "P20",
        ];
        const MERIT: [&str; 9] = ["M1", "M2", "M3", "M4", "M5", "M6", "M7", "M8", "M9"];
        const DISTINCTION: [&str; 6] = ["D1", "D2", "D3", "D4", "D5", "D6"];
        // `parse` is the only way in, so the number is within the level's table.
        let index = usize::from(self.number - 1);
        match self.level {
            Level::Pass => PASS[index],
            Level::Merit => MERIT[index],
            Level::Distinction => DISTINCTION[index],
        }
    }
}

impl fmt::Display for CriterionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One criterion as the plugin receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CriterionItem {
    pub shortname: String,
    pub description: String,
    /// 1..n over all levels together (never restarted per level, B32).
    pub sortorder: u32,
}

/// Builds the criteria list from `(code, description)` pairs in any order: codes that are not
/// BTEC codes are ignored, empty (or blank) descriptions are skipped, descriptions are trimmed,
/// a repeated code keeps its first description; the result is ordered P, then M, then D, each by
/// number, with one contiguous `sortorder` from 1.
pub fn build_criteria<'a>(entries: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<CriterionItem> {
    ordered_criteria(entries)
        .into_iter()
        .zip(1..)
        .map(|((code, description), sortorder)| CriterionItem {
            shortname: code.to_string(),
            description: description.to_owned(),
            sortorder,
        })
        .collect()
}

/// [`build_criteria`]'s list with the texts borrowed: the position in the list is the
/// `sortorder` less one.
fn ordered_criteria<'a>(entries: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<(CriterionCode, &'a str)> {
    let mut found: Vec<(CriterionCode, &str)> = Vec::new();
    for (code, description) in entries {
        let (Some(code), description) = (CriterionCode::parse(code), description.trim()) else { continue };
        if description.is_empty() || found.iter().any(|(seen, _)| *seen == code) {
            continue;
        }
        found.push((code, description));
    }
    found.sort_by_key(|(code, _)| *code);
    found
}

/// The criteria of a unit: the record's P1–P10, the subform's P11–P20, M1–M9, D1–D6.
pub fn unit_criteria(unit: &zoho::Unit) -> Vec<CriterionItem> {
    build_criteria(unit.criteria())
}

/// A unit's grading definition as it is sent: checked, its criteria ordered, its texts borrowed
/// from the record.
#[derive(Debug)]
pub struct Definition<'a> {
    unit_id: &'a ZohoId,
    name: &'a str,
    modified: String,
    criteria: Vec<(CriterionCode, &'a str)>,
}

impl<'a> Definition<'a> {
    /// The definition of `unit`, or why it cannot be sent.
    pub fn of(unit: &'a zoho::Unit) -> Result<Self, SyncError> {
        let name = unit.name.as_deref().map(str::trim).filter(|n| !n.is_empty()).ok_or_else(|| {
            SyncError::invalid_record(
                "unit_name_missing",
                "the BTEC unit has no Name; the grading definition needs one",
            )
        })?;
        let modified = modified_time("BTEC", &unit.modified_time)?;
        let criteria = ordered_criteria(unit.criteria());
        if criteria.is_empty() {
            return Err(SyncError::invalid_record(
                "no_criteria",
                "the BTEC unit has no criteria (every P, M and D description is empty); nothing was sent to Moodle. \
                 Fill at least one criterion description in Zoho",
            ));
        }
        Ok(Self { unit_id: &unit.id, name, modified, criteria })
    }

    /// The short names sent, in the order sent.
    pub fn shortnames(&self) -> Vec<&'static str> {
        self.criteria.iter().map(|(code, _)| code.as_str()).collect()
    }

    /// The parameters of `local_mzi_create_btec_definition` (what plan mode records).
    pub fn params(&self) -> Value {
        let criteria: Vec<Value> = self
            .criteria
            .iter()
            .zip(1u32..)
            .map(|((code, description), sortorder)| {
                json!({"shortname": code.as_str(), "description": description, "sortorder": sortorder})
            })
            .collect();
        json!({
            "zoho_unit_id": self.unit_id.to_string(),
            "name": self.name,
            // The module has no description field; the unit name is what the grading form shows.
            "description": self.name,
            "zoho_modified_time": self.modified,
            "criteria": criteria,
        })
    }

    /// The bytes a body begun by `MoodleClient::form_body` needs after its start: the same as
    /// `form::encode_call` writes for [`Definition::params`] (a unit test compares them), written
    /// straight from the record's texts rather than through a `Value`.
    pub fn write_form(&self, body: &mut String) {
        use std::fmt::Write as _;
        body.push_str("&zoho_unit_id=");
        form::append_encoded(body, self.unit_id.as_str());
        body.push_str("&name=");
        form::append_encoded(body, self.name);
        body.push_str("&description=");
        form::append_encoded(body, self.name);
        body.push_str("&zoho_modified_time=");
        form::append_encoded(body, &self.modified);
        for (index, (code, description)) in self.criteria.iter().enumerate() {
            // `[` and `]` are percent-encoded in a form field name, as `encode_call` writes them.
            let _ = write!(body, "&criteria%5B{index}%5D%5Bshortname%5D={code}");
            let _ = write!(body, "&criteria%5B{index}%5D%5Bdescription%5D=");
            form::append_encoded(body, description);
            let _ = write!(body, "&criteria%5B{index}%5D%5Bsortorder%5D={}", index + 1);
        }
    }

    /// A capacity for the form body that is rarely outgrown: the texts and about 90 bytes of
    /// names and numbers per criterion.
    fn form_capacity(&self) -> usize {
        let texts: usize = self.criteria.iter().map(|(_, d)| d.len()).sum();
        256 + 2 * self.name.len() + texts + texts / 4 + 96 * self.criteria.len()
    }
}

/// The parameters of `local_mzi_create_btec_definition` for a unit, or why it cannot be sent.
pub fn definition_params(unit: &zoho::Unit) -> Result<Value, SyncError> {
    Definition::of(unit).map(|definition| definition.params())
}

/// The plugin's answer to `local_mzi_create_btec_definition` (`docs/plugin-api.md` §3.12), read
/// in one pass straight into the fields this module checks and reports, without a `Value` per
/// criterion. A field of the wrong type fails the answer (`MoodleError::UnexpectedResponse`),
/// as a wrong `definition_id` or `sortorder` failed [`check_answer`] before.
#[derive(Debug, Default, Deserialize)]
struct DefinitionAnswer {
    #[serde(default)]
    status: String,
    #[serde(default)]
    id: i64,
    #[serde(default)]
    zoho_id: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    definition_id: i64,
    #[serde(default)]
    areaid: i64,
    /// `None` when the answer has no list (plan mode, `stale`).
    #[serde(default)]
    criteria: Option<Vec<StoredCriterion>>,
    #[serde(default, deserialize_with = "crate::moodle::key_present")]
    exception: bool,
}

impl crate::moodle::TypedAnswer for DefinitionAnswer {
    fn had_exception_key(&self) -> bool {
        self.exception
    }
}

/// One criterion as the plugin stored it.
#[derive(Debug, Default, Deserialize, Serialize)]
struct StoredCriterion {
    #[serde(default)]
    id: i64,
    #[serde(default)]
    shortname: String,
    #[serde(default)]
    sortorder: i64,
}

impl DefinitionAnswer {
    /// Plan mode's answer, and a status-only answer: what the generic upsert read.
    fn from_result(result: PluginResult) -> Self {
        Self {
            definition_id: result.int("definition_id"),
            areaid: result.int("areaid"),
            status: result.status,
            id: result.id,
            zoho_id: result.zoho_id,
            message: result.message,
            ..Self::default()
        }
    }

    /// What `sync_by_id`'s callers read: the status and the plugin's ids.
    fn into_result(self) -> PluginResult {
        let mut extra = serde_json::Map::new();
        extra.insert("definition_id".to_owned(), self.definition_id.into());
        extra.insert("areaid".to_owned(), self.areaid.into());
        PluginResult {
            status: self.status,
            id: self.id,
            zoho_id: self.zoho_id,
            message: self.message,
            extra,
            ..PluginResult::default()
        }
    }

    fn status_text(&self) -> &str {
        if self.status.is_empty() { "planned" } else { &self.status }
    }
}

/// Re-reads the unit from Zoho and creates or updates its grading definition.
pub async fn sync_unit(app: &Context, id: &ZohoId, trail: &mut Trail) -> Result<Synced, SyncError> {
    let Some(unit) = fetch::<zoho::Unit>(app, id, trail).await? else { return Ok(Synced::MissingInZoho) };
    let definition = Definition::of(&unit)?;
    let sent = definition.shortnames();
    let answer = match app.moodle.form_body(CREATE_FUNCTION, definition.form_capacity()) {
        Some(mut body) => {
            definition.write_form(&mut body);
            let answer: DefinitionAnswer =
                app.moodle.call_form(CREATE_FUNCTION, body).await.map_err(|e| refusal(e.into()))?;
            // The line the generic upsert writes for every call (the unit has no parent to sync).
            trail.push(
                Action::new(CREATE_FUNCTION, answer.status_text())
                    .with_detail(json!({"zoho_id": answer.zoho_id, "id": answer.id})),
            );
            if answer.status != "stale" {
                check_answer(&answer, &sent)?;
            }
            answer
        }
        // Plan mode: the call is recorded with its parameters and nothing is sent.
        None => DefinitionAnswer::from_result(
            upsert(app, CREATE_FUNCTION, definition.params(), trail).await.map_err(refusal)?,
        ),
    };
    let (action, result) = definition_action(CREATE_FUNCTION, answer, &sent);
    trail.push(action);
    Ok(Synced::Applied(result))
}

/// `btec_definition_updated`.
pub async fn updated(app: &Context, id: &ZohoId) -> Result<Outcome, SyncError> {
    let mut trail = Trail::new();
    let synced = sync_unit(app, id, &mut trail).await?;
    Ok(synced.into_outcome(Entity::BtecUnit, id, trail))
}

/// `btec_definition_deleted`: removes the definition keyed by the Zoho unit id. `absent` and an
/// already removed definition are success; a definition with marking is refused (`btecinuse`).
pub async fn deleted(app: &Context, id: &ZohoId) -> Result<Outcome, SyncError> {
    let mut trail = Trail::new();
    if let super::Deletion::Refused(refused) = delete(app, Entity::BtecUnit, id, &mut trail).await.map_err(refusal)? {
        return Ok(refused.into_outcome(trail));
    }
    Ok(Outcome::ok(trail.actions))
}

/// The plugin's answer must be a success status and hold exactly the criteria sent, in the
/// order sent, numbered 1..n: anything else means Moodle did not store what Zoho holds.
fn check_answer(answer: &DefinitionAnswer, sent: &[&str]) -> Result<(), SyncError> {
    let unexpected = |reason: String| {
        SyncError::Moodle(MoodleError::UnexpectedResponse { function: CREATE_FUNCTION.to_owned(), reason })
    };
    if !matches!(answer.status.as_str(), "created" | "updated" | "unchanged") {
        return Err(unexpected(format!("status {:?} is not a result of a definition upsert", answer.status)));
    }
    let stored = answer.criteria.as_deref().unwrap_or_default();
    if !stored.iter().map(|c| c.shortname.as_str()).eq(sent.iter().copied()) {
        let names: Vec<&str> = stored.iter().map(|c| c.shortname.as_str()).collect();
        return Err(unexpected(format!("Moodle holds criteria {names:?} after being sent {sent:?}")));
    }
    if stored.iter().zip(1..).any(|(criterion, expected)| criterion.sortorder != expected) {
        return Err(unexpected("the criteria's sortorder is not 1..n".to_owned()));
    }
    if answer.definition_id <= 0 {
        return Err(unexpected("no definition_id".to_owned()));
    }
    Ok(())
}

/// The action that reports the definition, and the result `sync_by_id` returns. What Moodle
/// stored (ids, short names, sortorder) is the truth, and what was sent is beside it; the detail
/// is written straight from the answer's fields.
fn definition_action(function: &str, answer: DefinitionAnswer, sent: &[&str]) -> (Action, PluginResult) {
    #[derive(Serialize)]
    struct Report<'a> {
        zoho_id: &'a str,
        definition_id: i64,
        areaid: i64,
        criteria_sent: &'a [&'a str],
        /// `null` when the answer had no list (plan mode, `stale`).
        criteria_stored: &'a Option<Vec<StoredCriterion>>,
    }
    let action = Action::new(format!("{function} criteria"), answer.status_text()).with_detail_of(&Report {
        zoho_id: &answer.zoho_id,
        definition_id: answer.definition_id,
        areaid: answer.areaid,
        criteria_sent: sent,
        criteria_stored: &answer.criteria,
    });
    (action, answer.into_result())
}

/// The plugin's two refusals that need an administrator's decision, worded for one.
fn refusal(error: SyncError) -> SyncError {
    let SyncError::Moodle(MoodleError::Exception { errorcode: Some(code), message, .. }) = &error else { return error };
    match code.as_str() {
        "criterioninuse" => SyncError::invalid_record(
            "criterion_in_use",
            format!(
                "Moodle refused the update: it would remove criteria that marking already uses, so nothing was \
                 changed. Restore those criterion descriptions in Zoho, or have a Moodle administrator clear that \
                 marking first (criterioninuse: {message})"
            ),
        ),
        "btecinuse" => SyncError::invalid_record(
            "btec_in_use",
            format!(
                "Moodle refused to delete the grading definition: assignments are already marked with it, so it \
                 was kept (btecinuse: {message})"
            ),
        ),
        _ => error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(fields: Value) -> zoho::Unit {
        let mut record = json!({"id": "5398830000100000301", "Name": "Unit 1: Programming", "Modified_Time": "2026-02-01T14:20:00+03:00"});
        for (key, value) in fields.as_object().unwrap() {
            record[key] = value.clone();
        }
        zoho::records::decode(record).unwrap()
    }

    fn codes(items: &[CriterionItem]) -> Vec<&str> {
        items.iter().map(|c| c.shortname.as_str()).collect()
    }

    #[test]
    fn codes_parse_only_btec_codes() {
        for good in ["P1", "P20", "M1", "M9", "D1", "D6", "p3", " d2 "] {
            assert!(CriterionCode::parse(good).is_some(), "{good}");
        }
        for bad in ["", "P", "P0", "P21", "M10", "D7", "X1", "P01", "P1a", "PP1", "P-1", "P+1", "1P", "P100", "P１"] {
            assert!(CriterionCode::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(CriterionCode::parse("m3").unwrap().to_string(), "M3");
        assert!(CriterionCode::parse("P20").unwrap() < CriterionCode::parse("M1").unwrap());
        assert!(CriterionCode::parse("P2").unwrap() < CriterionCode::parse("P10").unwrap(), "by number, not text");
    }

    /// Table: (the unit's fields, the expected short names in order).
    #[test]
    fn criteria_table() {
        let all_p: serde_json::Map<String, Value> =
            (1..=10).map(|n| (format!("P{n}_description"), json!(format!("pass {n}")))).collect();
        let subform: serde_json::Map<String, Value> =
            (11..=20).map(|n| (format!("P{n}_description"), json!(format!("pass {n}")))).collect();
        let mut everything = all_p.clone();
        everything.insert("BTEC_Grading_Template_P1".into(), json!([subform]));
        for n in 1..=9 {
            everything.insert(format!("M{n}_description"), json!(format!("merit {n}")));
        }
        for n in 1..=6 {
            everything.insert(format!("D{n}_description"), json!(format!("distinction {n}")));
        }
        let all: Vec<String> = (1..=20)
            .map(|n| format!("P{n}"))
            .chain((1..=9).map(|n| format!("M{n}")))
            .chain((1..=6).map(|n| format!("D{n}")))
            .collect();

        let cases: Vec<(&str, Value, Vec<&str>)> = vec![
            ("all present", Value::Object(everything), all.iter().map(String::as_str).collect()),
            (
                "gaps",
                json!({"P1_description": "a", "P2_description": "b", "P5_description": "c", "M2_description": "d", "D3_description": "e"}),
                vec!["P1", "P2", "P5", "M2", "D3"],
            ),
            (
                "P11+ only in the subform",
                json!({"BTEC_Grading_Template_P1": [{"P11_description": "x", "P13_description": "y"}], "D1_description": "z"}),
                vec!["P11", "P13", "D1"],
            ),
            (
                "subform split over rows, first row wins",
                json!({"BTEC_Grading_Template_P1": [{"P12_description": "first"}, {"P11_description": "b", "P12_description": "second"}]}),
                vec!["P11", "P12"],
            ),
            (
                "whitespace only is empty",
                json!({"P1_description": "  ", "P2_description": "\n\t", "P3_description": " kept ", "M1_description": ""}),
                vec!["P3"],
            ),
            (
                "unknown codes ignored",
                json!({"P11_description": "not on the record", "P21_description": "x", "M10_description": "x", "D7_description": "x",
                       "X1_description": "x", "BTEC_Grading_Template_P1": [{"P21_description": "x", "P5_description": "x"}], "M1_description": "m"}),
                vec!["M1"],
            ),
            ("nothing", json!({}), vec![]),
        ];
        for (name, fields, expected) in cases {
            let items = unit_criteria(&unit(fields));
            assert_eq!(codes(&items), expected, "{name}");
            let orders: Vec<u32> = items.iter().map(|c| c.sortorder).collect();
            assert_eq!(orders, (1..=expected.len() as u32).collect::<Vec<_>>(), "{name}: sortorder");
        }
    }

    #[test]
    fn descriptions_are_trimmed_and_one_counter_runs_over_levels() {
        let items = unit_criteria(&unit(json!({
            "P1_description": " Define ", "P4_description": "Four", "M1_description": "Merit", "M2_description": "M2", "D1_description": "D"
        })));
        assert_eq!(items[0].description, "Define");
        // The data contract's example: P1=1 … M1=3, M2=4, D1=5 — never reset per level (B32).
        let pairs: Vec<(&str, u32)> = items.iter().map(|c| (c.shortname.as_str(), c.sortorder)).collect();
        assert_eq!(pairs, [("P1", 1), ("P4", 2), ("M1", 3), ("M2", 4), ("D1", 5)]);
    }

    #[test]
    fn builder_orders_any_input_and_keeps_the_first_of_a_repeat() {
        let items =
            build_criteria([("D1", "d"), ("m2", "m"), ("P10", "p10"), ("P2", "p2"), ("P2", "again"), ("Q1", "q")]);
        assert_eq!(codes(&items), ["P2", "P10", "M2", "D1"]);
        assert_eq!(items[0].description, "p2");
    }

    #[test]
    fn params_carry_name_time_and_criteria() {
        let seed: Value = serde_json::from_str(
            &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/zoho/BTEC.json")).unwrap(),
        )
        .unwrap();
        let unit: zoho::Unit = zoho::records::decode(seed[0].clone()).unwrap();
        let params = definition_params(&unit).unwrap();
        assert_eq!(params["zoho_unit_id"], "5398830000100000301");
        assert_eq!(params["name"], "Unit 1: Programming");
        assert_eq!(params["zoho_modified_time"], "2026-02-01T14:20:00+03:00");
        let sent: Vec<&str> =
            params["criteria"].as_array().unwrap().iter().map(|c| c["shortname"].as_str().unwrap()).collect();
        assert_eq!(sent, ["P1", "P2", "P3", "P4", "P6", "P11", "P12", "M1", "M2", "M3", "D1", "D2"]);
        assert_eq!(params["criteria"][11]["sortorder"], 12);
        assert!(params["criteria"][0].get("level").is_none(), "the plugin ignores level; not sent");
    }

    /// The criteria moved into the parameters are the value serialising the items gives (key
    /// order included, so the form body is the same), from the texts borrowed from the record.
    #[test]
    fn moved_criteria_are_the_serialised_items() {
        let mut fields = json!({"BTEC_Grading_Template_P1": [{"P11_description": " eleven ", "P14_description": "é & ü"}, {"P11_description": "second row"}]});
        for (n, code) in ["P1", "P3", "P10", "M1", "M9", "D1", "D6"].iter().enumerate() {
            fields[format!("{code}_description")] = json!(format!("{code} text {n} +%&="));
        }
        fields["P2_description"] = json!("   ");
        let unit = unit(fields);
        let items = unit_criteria(&unit);
        let params = definition_params(&unit).unwrap();
        assert_eq!(params["criteria"], serde_json::to_value(&items).unwrap());
        assert_eq!(
            serde_json::to_string(&params["criteria"]).unwrap(),
            serde_json::to_string(&items).unwrap(),
            "same keys in the same order"
        );
        let texts: Vec<(&str, String)> = unit.criteria().into_iter().map(|(code, d)| (code, d.to_owned())).collect();
        let expected: Vec<(&str, String)> = ["P1", "P3", "P10"]
            .iter()
            .enumerate()
            .map(|(n, code)| (*code, format!("{code} text {n} +%&=")))
            .chain([("P11", "eleven".to_owned()), ("P14", "é & ü".to_owned())])
            .chain(
                ["M1", "M9", "D1", "D6"]
                    .iter()
                    .enumerate()
                    .map(|(n, code)| (*code, format!("{code} text {} +%&=", n + 3))),
            )
            .collect();
        assert_eq!(texts, expected, "borrowed, trimmed, ordered, first subform row wins");
        assert_eq!(codes(&items), ["P1", "P3", "P10", "P11", "P14", "M1", "M9", "D1", "D6"]);
        assert_eq!(items[3].description, "eleven", "trimmed, first row wins");
    }

    /// The body written straight from the record is the one `encode_call` writes for the
    /// parameters, byte for byte, for texts that need every kind of escape.
    #[test]
    fn the_form_written_directly_is_the_encoded_parameters() {
        let mut fields = json!({"Name": "Unit 7: Réseaux & Sécurité +100%", "BTEC_Grading_Template_P1": [
            {"P11_description": " eleven\nlines ", "P20_description": "twenty [x]=y&z"}]});
        for (n, code) in ["P1", "P3", "P10", "M1", "M9", "D1", "D6"].iter().enumerate() {
            fields[format!("{code}_description")] = json!(format!("{code} text {n} +%&=\u{1F600}\t\"quoted\""));
        }
        let seed: Value = serde_json::from_str(
            &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/zoho/BTEC.json")).unwrap(),
        )
        .unwrap();
        let seed_units: Vec<zoho::Unit> =
            seed.as_array().unwrap().iter().filter_map(|r| zoho::records::decode(r.clone()).ok()).collect();
        let mut checked = 0;
        for (unit, seeded) in [(&unit(fields), false), (&unit(json!({"D6_description": "only one"})), false)]
            .into_iter()
            .chain(seed_units.iter().map(|u| (u, true)))
        {
            let Ok(definition) = Definition::of(unit) else { continue };
            let mut direct = String::new();
            form::begin_call(&mut direct, "tok en", CREATE_FUNCTION);
            definition.write_form(&mut direct);
            assert_eq!(direct, form::encode_call("tok en", CREATE_FUNCTION, &definition_params(unit).unwrap()));
            assert_eq!(definition.shortnames(), codes(&unit_criteria(unit)));
            if seeded {
                assert!(direct.len() <= definition.form_capacity() + 128, "the capacity covers a real unit's body");
            }
            checked += 1;
        }
        assert!(checked >= 3, "the seed units and the constructed ones were compared");
    }

    /// An answer is read in one pass into its fields; the criteria stay absent when it has none.
    #[test]
    fn the_answer_is_read_into_its_fields() {
        let body = serde_json::to_vec(&fixture_answer()).unwrap();
        let answer: DefinitionAnswer =
            crate::moodle::decode_typed(CREATE_FUNCTION, 200, "application/json", &body).unwrap();
        assert_eq!((answer.status.as_str(), answer.definition_id, answer.areaid), ("created", 4, 4));
        let stored: Vec<(i64, &str, i64)> =
            answer.criteria.as_deref().unwrap().iter().map(|c| (c.id, c.shortname.as_str(), c.sortorder)).collect();
        assert_eq!(stored[2], (3, "P11", 3));
        assert_eq!(stored.len(), 6);
        let stale: DefinitionAnswer =
            crate::moodle::decode_typed(CREATE_FUNCTION, 200, "application/json", br#"{"status":"stale","id":1}"#)
                .unwrap();
        assert!(stale.criteria.is_none());
        let wrong = crate::moodle::decode_typed::<DefinitionAnswer>(
            CREATE_FUNCTION,
            200,
            "application/json",
            br#"{"status":"created","definition_id":"4","criteria":[]}"#,
        );
        assert!(matches!(wrong, Err(MoodleError::UnexpectedResponse { .. })), "{wrong:?}");
        let exception = crate::moodle::decode_typed::<DefinitionAnswer>(
            CREATE_FUNCTION,
            200,
            "application/json",
            br#"{"exception":"x","errorcode":"criterioninuse","message":"m"}"#,
        );
        assert_eq!(exception.unwrap_err().errorcode(), Some("criterioninuse"));
    }

    /// The report keeps the plugin's stored list as it answered it, and what was sent beside it.
    #[test]
    fn the_action_reports_what_was_stored_and_sent() {
        let answer: DefinitionAnswer = serde_json::from_value(fixture_answer()).unwrap();
        let sent = ["P1", "P2", "P11", "M1", "M2", "D1"];
        let (action, result) = definition_action(CREATE_FUNCTION, answer, &sent);
        let detail = action.detail_value().unwrap();
        assert_eq!(detail["criteria_stored"], fixture_answer()["criteria"]);
        assert_eq!(detail["criteria_sent"], json!(sent));
        assert_eq!((detail["definition_id"].as_i64(), detail["areaid"].as_i64()), (Some(4), Some(4)));
        assert_eq!((result.status.as_str(), result.int("definition_id")), ("created", 4));
        let (planned, _) = definition_action(CREATE_FUNCTION, DefinitionAnswer::default(), &sent);
        assert_eq!(
            (planned.result.as_str(), &planned.detail_value().unwrap()["criteria_stored"]),
            ("planned", &Value::Null)
        );
    }

    fn fixture_answer() -> Value {
        serde_json::from_str(
            &std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../fixtures/moodle/local_mzi_create_btec_definition.created.json"
            ))
            .unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn units_without_criteria_or_name_are_refused() {
        assert_eq!(definition_params(&unit(json!({"P1_description": " "}))).unwrap_err().code(), "no_criteria");
        assert_eq!(
            definition_params(&unit(json!({"Name": "", "P1_description": "x"}))).unwrap_err().code(),
            "unit_name_missing"
        );
        let no_time: zoho::Unit =
            zoho::records::decode(json!({"id": "1", "Name": "U", "P1_description": "x"})).unwrap();
        assert_eq!(definition_params(&no_time).unwrap_err().code(), "missing_modified_time");
    }

    #[test]
    fn the_answer_must_hold_what_was_sent() {
        let answer = |criteria: Value| -> DefinitionAnswer {
            serde_json::from_value(
                json!({"status": "updated", "id": 1, "zoho_id": "1", "definition_id": 4, "criteria": criteria}),
            )
            .unwrap()
        };
        let good =
            answer(json!([{"id": 1, "shortname": "P1", "sortorder": 1}, {"id": 2, "shortname": "M1", "sortorder": 2}]));
        assert!(check_answer(&good, &["P1", "M1"]).is_ok());
        assert!(check_answer(&good, &["P1", "M1", "D1"]).is_err(), "a criterion missing in Moodle");
        let gap =
            answer(json!([{"id": 1, "shortname": "P1", "sortorder": 1}, {"id": 2, "shortname": "M1", "sortorder": 3}]));
        assert!(check_answer(&gap, &["P1", "M1"]).is_err(), "sortorder not contiguous");
        let mut failed =
            answer(json!([{"id": 1, "shortname": "P1", "sortorder": 1}, {"id": 2, "shortname": "M1", "sortorder": 2}]));
        failed.status = "failed".into();
        assert_eq!(check_answer(&failed, &["P1", "M1"]).unwrap_err().http_status(), 503);
        let mut no_definition = answer(json!([{"id": 1, "shortname": "P1", "sortorder": 1}]));
        no_definition.definition_id = 0;
        assert!(check_answer(&no_definition, &["P1"]).is_err(), "no definition_id");
        let lower = answer(json!([{"id": 1, "shortname": "p1", "sortorder": 1}]));
        assert!(check_answer(&lower, &["P1"]).is_err(), "short names compare exactly");
        let absent = DefinitionAnswer { status: "updated".into(), definition_id: 4, ..DefinitionAnswer::default() };
        assert!(check_answer(&absent, &["P1"]).is_err(), "no criteria in the answer");
    }

    #[test]
    fn refusals_needing_an_administrator_get_clear_codes() {
        let moodle = |code: &str| {
            SyncError::Moodle(MoodleError::Exception {
                function: CREATE_FUNCTION.into(),
                exception: "local_moodle_zoho_sync\\local\\sync_exception".into(),
                errorcode: Some(code.into()),
                message: "m".into(),
            })
        };
        let e = refusal(moodle("criterioninuse"));
        assert_eq!((e.code(), e.http_status()), ("criterion_in_use", 422));
        let e = refusal(moodle("btecinuse"));
        assert_eq!((e.code(), e.http_status()), ("btec_in_use", 422));
        let e = refusal(moodle("invalidcriterion"));
        assert_eq!((e.code(), e.http_status()), ("moodle_rejected", 422));
        assert_eq!(refusal(moodle("locktimeout")).http_status(), 502);
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn any_code() -> impl Strategy<Value = String> {
        // Valid and invalid codes alike: the builder must drop the invalid ones.
        (prop::sample::select(vec!['P', 'M', 'D', 'p', 'X']), 0u8..25).prop_map(|(l, n)| format!("{l}{n}"))
    }

    proptest! {
        #[test]
        fn sort_order_is_p_then_m_then_d_strictly_increasing_and_contiguous(
            entries in prop::collection::vec((any_code(), prop::option::of("[ a-z]{0,6}")), 0..60)
        ) {
            let pairs: Vec<(String, String)> = entries.into_iter().map(|(c, d)| (c, d.unwrap_or_default())).collect();
            let items = build_criteria(pairs.iter().map(|(c, d)| (c.as_str(), d.as_str())));
            let parsed: Vec<CriterionCode> = items.iter().map(|c| CriterionCode::parse(&c.shortname).unwrap()).collect();
            for pair in parsed.windows(2) {
                prop_assert!(pair[0] < pair[1], "{} before {}", pair[0], pair[1]);
                prop_assert!(pair[0].level() <= pair[1].level());
            }
            for (index, item) in items.iter().enumerate() {
                prop_assert_eq!(item.sortorder as usize, index + 1);
                prop_assert!(!item.description.is_empty());
                prop_assert_eq!(item.description.trim(), item.description.as_str());
            }
            // Every valid code with a non-blank description made it, once.
            let mut expected: Vec<CriterionCode> = pairs
                .iter()
                .filter(|(_, d)| !d.trim().is_empty())
                .filter_map(|(c, _)| CriterionCode::parse(c))
                .collect();
            expected.sort();
            expected.dedup();
            prop_assert_eq!(parsed, expected);
        }
    }
}
