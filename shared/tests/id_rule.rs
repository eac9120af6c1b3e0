//! One id-length rule for the functions and the Moodle plugin: `shared::ids::MAX_ZOHO_ID_LEN` must
//! be what the plugin's validator (`ws::zoho_id`) allows and must fit every Zoho id column of its
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
    let ws = read("moodle_plugin/classes/local/ws.php");
    let signature =
        ws.lines().find(|l| l.contains("public static function zoho_id(")).expect("ws::zoho_id exists in the plugin");
    let max: usize = signature
        .split("$max = ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|digits| digits.parse().ok())
        .unwrap_or_else(|| panic!("no default $max in {signature:?}"));
    assert_eq!(max, MAX_ZOHO_ID_LEN, "ws::zoho_id allows {max} characters, the functions {MAX_ZOHO_ID_LEN}");
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
