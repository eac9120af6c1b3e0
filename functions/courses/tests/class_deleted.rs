//! `class_deleted` through the handler: confirmed with Zoho first (a class Zoho still has is
//! refused with 409), then a soft delete that keeps the course, idempotent.

mod common;

use common::*;
use shared::testkit::Reply;
use shared::webhook::Endpoint;

#[tokio::test]
async fn class_deleted_twice_keeps_the_course_and_succeeds_both_times() {
    let h = Harness::start().await;
    h.plugin.link(CLASS_ACTIVE, 3);

    let (status, refused) = h.send(Endpoint::ClassDeleted, CLASS_ACTIVE).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (409, Some("record_still_exists")), "{refused}");
    assert!(h.moodle.calls().is_empty(), "a class Zoho still has is not cancelled by a delete webhook");
    assert!(h.sim.delete_record("BTEC_Classes", CLASS_ACTIVE));
    h.sim.reset_log();

    let confirm = ("zoho.confirm_deleted BTEC_Classes".to_owned(), "not_found".to_owned());
    let (status, first) = h.send(Endpoint::ClassDeleted, CLASS_ACTIVE).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["status"], "ok");
    assert_eq!(steps(&first), [confirm.clone(), (DELETE.to_owned(), "deleted".to_owned())]);
    assert!(first["reason"].as_str().unwrap().contains("Moodle course 3 is kept"), "{first}");

    let (status, second) = h.send(Endpoint::ClassDeleted, CLASS_ACTIVE).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(steps(&second), [confirm, (DELETE.to_owned(), "unchanged".to_owned())]);
    let reason = second["reason"].as_str().unwrap();
    assert!(reason.contains("already cancelled") && reason.contains("Moodle course 3 is kept"), "{reason}");

    let calls = h.moodle.calls_to(DELETE);
    assert_eq!(calls.len(), 2);
    assert!(calls.iter().all(|c| c.fields == [("zoho_class_id".to_owned(), CLASS_ACTIVE.to_owned())]));
    assert_eq!(h.moodle_functions(), [DELETE, DELETE], "no course call: the course is kept");
    let crm: Vec<_> = h.sim.requests().into_iter().filter(|r| r.path.starts_with("/crm/")).map(|r| r.path).collect();
    assert_eq!(crm, vec![format!("/crm/v8/BTEC_Classes/{CLASS_ACTIVE}"); 2], "one Zoho read per delete");
}

#[tokio::test]
async fn deleting_a_class_moodle_never_had_is_success() {
    let h = Harness::start().await;
    let (status, answer) = h.send(Endpoint::ClassDeleted, NOT_IN_ZOHO).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        steps(&answer),
        [
            ("zoho.confirm_deleted BTEC_Classes".to_owned(), "not_found".to_owned()),
            (DELETE.to_owned(), "absent".to_owned())
        ]
    );
    assert!(answer["reason"].as_str().unwrap().contains("never synced"));
}

#[tokio::test]
async fn a_moodle_fault_on_delete_is_retryable() {
    let h = Harness::start().await;
    assert!(h.sim.delete_record("BTEC_Classes", CLASS_ACTIVE));
    h.moodle.set_fault(Some(Reply::raw(503, "text/html", "<html>maintenance</html>")));
    let (status, answer) = h.send(Endpoint::ClassDeleted, CLASS_ACTIVE).await;
    assert_eq!(status, 502, "{answer}");
    assert_eq!(answer["error"]["retryable"], true);
}
