//! BTEC units as grading definitions of `gradingform_btec` (`docs/plugin-api.md` §3.12).
//!
//! A unit's criteria live in three places in Zoho: `P1…P10_description` on the `BTEC` record,
//! `P11…P20_description` in the rows of subform `BTEC_Grading_Template_P1` (the predecessor lost
//! them, B11), then `M1…M9` and `D1…D6`. The definition is keyed by the Zoho unit id, never by its
//! name, and the plugin updates criteria in place by short name so marking keeps pointing at them
//! (B13). Its answer is the truth: an exception or an answer that does not hold what was sent is
//! a failure here, never "success" (B12).

use std::fmt;

use serde::Serialize;
use serde_json::{Value, json};

use super::Context;
use super::params::modified_time;
use super::{Entity, PluginResult, Synced, Trail, delete, fetch, upsert};
use crate::error::SyncError;
use crate::ids::ZohoId;
use crate::moodle::MoodleError;
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

impl fmt::Display for CriterionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.level.prefix(), self.number)
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
        .into_iter()
        .zip(1..)
        .map(|((code, description), sortorder)| CriterionItem {
            shortname: code.to_string(),
            description: description.to_owned(),
            sortorder,
        })
        .collect()
}

/// The criteria of a unit: the record's P1–P10, the subform's P11–P20, M1–M9, D1–D6.
pub fn unit_criteria(unit: &zoho::Unit) -> Vec<CriterionItem> {
    build_criteria(unit.criteria())
}

/// The parameters of `local_mzi_create_btec_definition` for a unit, or why it cannot be sent.
pub fn definition_params(unit: &zoho::Unit) -> Result<Value, SyncError> {
    let name = unit.name.as_deref().map(str::trim).filter(|n| !n.is_empty()).ok_or_else(|| {
        SyncError::invalid_record("unit_name_missing", "the BTEC unit has no Name; the grading definition needs one")
    })?;
    let modified = modified_time("BTEC", &unit.modified_time)?;
    let criteria = unit_criteria(unit);
    if criteria.is_empty() {
        return Err(SyncError::invalid_record(
            "no_criteria",
            "the BTEC unit has no criteria (every P, M and D description is empty); nothing was sent to Moodle. \
             Fill at least one criterion description in Zoho",
        ));
    }
    // The criteria's texts are moved into the parameters, not copied (the same value as
    // serialising `CriterionItem`, key order included).
    let criteria: Vec<Value> = criteria
        .into_iter()
        .map(|c| {
            let mut item = serde_json::Map::with_capacity(3);
            item.insert("shortname".to_owned(), Value::String(c.shortname));
            item.insert("description".to_owned(), Value::String(c.description));
            item.insert("sortorder".to_owned(), Value::from(c.sortorder));
            Value::Object(item)
        })
        .collect();
    Ok(json!({
        "zoho_unit_id": unit.id.to_string(),
        "name": name,
        // The module has no description field; the unit name is what the grading form shows.
        "description": name,
        "zoho_modified_time": modified,
        "criteria": criteria,
    }))
}

/// Re-reads the unit from Zoho and creates or updates its grading definition.
pub async fn sync_unit(app: &Context, id: &ZohoId, trail: &mut Trail) -> Result<Synced, SyncError> {
    let Some(unit) = fetch::<zoho::Unit>(app, id, trail).await? else { return Ok(Synced::MissingInZoho) };
    let params = definition_params(&unit)?;
    // The short names sent, kept apart so the parameters themselves go to `upsert` uncopied.
    let sent: Vec<String> = params["criteria"]
        .as_array()
        .map(|items| items.iter().filter_map(|c| c["shortname"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    let sent: Vec<&str> = sent.iter().map(String::as_str).collect();
    let mut result = upsert(app, CREATE_FUNCTION, params, trail).await.map_err(refusal)?;
    if !app.moodle.is_plan_mode() && !result.is_stale() {
        check_answer(&result, &sent)?;
    }
    trail.push(definition_action(CREATE_FUNCTION, &mut result, &sent));
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
fn check_answer(result: &PluginResult, sent: &[&str]) -> Result<(), SyncError> {
    let unexpected = |reason: String| {
        SyncError::Moodle(MoodleError::UnexpectedResponse { function: CREATE_FUNCTION.to_owned(), reason })
    };
    if !matches!(result.status.as_str(), "created" | "updated" | "unchanged") {
        return Err(unexpected(format!("status {:?} is not a result of a definition upsert", result.status)));
    }
    let stored: Vec<(&str, i64)> = result
        .extra
        .get("criteria")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|c| (c["shortname"].as_str().unwrap_or(""), c["sortorder"].as_i64().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default();
    let names: Vec<&str> = stored.iter().map(|(name, _)| *name).collect();
    if names != sent {
        return Err(unexpected(format!("Moodle holds criteria {names:?} after being sent {sent:?}")));
    }
    if stored.iter().zip(1..).any(|((_, sortorder), expected)| *sortorder != expected) {
        return Err(unexpected("the criteria's sortorder is not 1..n".to_owned()));
    }
    if result.int("definition_id") <= 0 {
        return Err(unexpected("no definition_id".to_owned()));
    }
    Ok(())
}

/// The action that reports the definition. What Moodle stored (ids, short names, sortorder) is
/// the truth, and what was sent is beside it; the stored criteria are moved from the result into
/// the action (nothing after this reads them from the result), not copied.
fn definition_action(function: &str, result: &mut PluginResult, sent: &[&str]) -> Action {
    let stored = result.extra.shift_remove("criteria").unwrap_or(Value::Null);
    Action::new(format!("{function} criteria"), result.status_text()).with_detail(json!({
        "zoho_id": result.zoho_id,
        "definition_id": result.int("definition_id"),
        "areaid": result.int("areaid"),
        "criteria_sent": sent,
        "criteria_stored": stored,
    }))
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
        let answer = |criteria: Value| -> PluginResult {
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
        let mut failed = good.clone();
        failed.status = "failed".into();
        assert_eq!(check_answer(&failed, &["P1", "M1"]).unwrap_err().http_status(), 503);
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
