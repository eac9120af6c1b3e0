//! `mzi reconcile`: exit codes and counts that tell the truth, against the simulator and a
//! stand-in Moodle.

mod common;

use common::{assert_no_secrets, mzi, simulator, source};
use shared::capture::{FailureSink, SpoolSink, Store};
use shared::testkit::{Reply, StandInMoodle};

fn spool_source(sim: &zoho_sim::Simulator, moodle: &StandInMoodle, spool: &std::path::Path) -> shared::config::Source {
    let mut source = source(sim, Some(moodle.base_url()));
    source.set("SPOOL_DIR", spool.display().to_string());
    source
}

/// The numbers of the closing line: done, failed, kept for retry, kept dead, not kept.
fn closing_counts(out: &str) -> [usize; 5] {
    let line =
        out.lines().find(|l| l.contains(" record(s) done, ")).unwrap_or_else(|| panic!("no closing line:\n{out}"));
    let numbers: Vec<usize> =
        line.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty()).map(|s| s.parse().unwrap()).collect();
    [numbers[0], numbers[1], numbers[2], numbers[3], numbers[4]]
}

#[tokio::test]
async fn moodle_down_fails_the_run_and_every_failure_is_counted_once_and_kept() {
    let sim = simulator().await;
    let moodle = StandInMoodle::start().await;
    moodle.set_fault(Some(Reply::raw(503, "text/html", "<html>down for maintenance</html>")));
    let spool = tempdir("moodle-down");
    let run = mzi(&["reconcile", "--concurrency", "4"], spool_source(&sim, &moodle, &spool)).await;

    let error = run.result.as_ref().expect_err("a run where every record failed must not succeed");
    assert_eq!(error.exit_code(), 1);
    let [done, failed, pending, dead, not_kept] = closing_counts(&run.out);
    assert_eq!(done, 0, "{}", run.out);
    assert!(failed >= 4, "every seeded record fails: {}", run.out);
    assert_eq!(failed, pending + dead + not_kept, "{}", run.out);
    // Concurrent records of one chunk all failed and were all captured: each is counted.
    let kept = SpoolSink::new(&spool).list(Store::Pending, 1000).await.unwrap();
    assert_eq!(kept.len(), pending, "the spool holds exactly what the report says was kept:\n{}", run.out);
    assert!(error.to_string().contains(&format!("{failed} record(s) failed")), "{error}");
    assert_no_secrets(&run.printed());
}

#[tokio::test]
async fn zoho_unreadable_fails_the_run_even_though_no_record_failed() {
    let sim = simulator().await;
    sim.set_faults(zoho_sim::Faults { api_status: Some(500), ..zoho_sim::Faults::default() });
    let moodle = StandInMoodle::start().await;
    let spool = tempdir("zoho-down");
    let run = mzi(&["reconcile"], spool_source(&sim, &moodle, &spool)).await;

    let error = run.result.as_ref().expect_err("nothing could be read: the run did not do its job");
    assert_eq!(error.exit_code(), 1);
    assert!(error.to_string().contains("could not be reconciled"), "{error}");
    let [done, failed, ..] = closing_counts(&run.out);
    assert_eq!((done, failed), (0, 0), "{}", run.out);
    assert_no_secrets(&run.printed());
}

#[tokio::test]
async fn a_clean_run_succeeds_and_counts_what_it_did() {
    let sim = simulator().await;
    let moodle = StandInMoodle::start().await;
    let spool = tempdir("clean");
    let run = mzi(&["reconcile", "--dry-run"], spool_source(&sim, &moodle, &spool)).await;
    assert!(run.result.is_ok(), "{:?}\n{}\n{}", run.result, run.out, run.err);
    let [done, failed, pending, dead, not_kept] = closing_counts(&run.out);
    assert!(done > 0, "{}", run.out);
    assert_eq!([failed, pending, dead, not_kept], [0, 0, 0, 0], "{}", run.out);
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mzi-reconcile-{name}-{:08x}", fastrand::u32(..)));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
