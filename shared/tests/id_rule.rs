//! One id-length rule for the functions and the Moodle plugin: `shared::ids::MAX_ZOHO_ID_LEN` must
//! be what the plugin's validator (`ws::zoho_id` → `field_check::zoho_id`) allows and must fit every Zoho id column of its
//! schema. The plugin is PHP, so its side is read from the source files; this test fails as soon
//! as either side changes alone.

use shared::ids::{MAX_ZOHO_ID_LEN, ZohoId};
use shared::testkit::workspace_root;

fn read(path: &str) -> String {
    let full = workspace_root().join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

#[test]
fn the_plugin_validator_allows_exactly_our_length() {
    // ws::zoho_id() delegates to field_check::zoho_id(), which refuses anything longer than
    // field_check::ZOHO_ID_MAX (and anything but digits).
    let ws = read("moodle_plugin/classes/local/ws.php");
    assert!(ws.contains("field_check::zoho_id("), "ws::zoho_id no longer delegates to field_check::zoho_id");
    let check = read("moodle_plugin/classes/local/field_check.php");
    let max: usize = check
        .lines()
        .find_map(|l| l.trim().strip_prefix("const ZOHO_ID_MAX = "))
        .and_then(|rest| rest.trim_end_matches(';').trim().parse().ok())
        .expect("field_check::ZOHO_ID_MAX is a number");
    assert_eq!(max, MAX_ZOHO_ID_LEN, "the plugin allows {max} characters, the functions {MAX_ZOHO_ID_LEN}");
    assert!(check.contains("strlen($value) > self::ZOHO_ID_MAX"), "field_check::zoho_id no longer uses ZOHO_ID_MAX");
    assert!(check.contains("ctype_digit($value)"), "field_check::zoho_id no longer allows digits only");
}

#[test]
fn every_zoho_id_column_holds_the_longest_id() {
    let schema = read("moodle_plugin/db/install.xml");
    let mut columns = 0;
    for field in schema.split("<FIELD ").skip(1) {
        let attribute = |name: &str| {
            field.split(&format!("{name}=\"")).nth(1).and_then(|rest| rest.split('"').next()).unwrap_or_default()
        };
        let name = attribute("NAME");
        if !(name.contains("zoho") && name.ends_with("_id")) {
            continue;
        }
        columns += 1;
        let length: usize = attribute("LENGTH").parse().unwrap_or(0);
        assert!(length >= MAX_ZOHO_ID_LEN, "column {name} holds {length} characters, ids have up to {MAX_ZOHO_ID_LEN}");
    }
    assert!(columns >= 10, "expected the plugin's zoho id columns, found {columns}");
}

#[test]
fn the_longest_id_is_accepted_and_one_more_digit_is_not() {
    assert!(ZohoId::parse(&"9".repeat(MAX_ZOHO_ID_LEN)).is_ok());
    assert!(ZohoId::parse(&"9".repeat(MAX_ZOHO_ID_LEN + 1)).is_err());
}
