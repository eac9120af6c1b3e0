//! The measurements that run the shared code in this process: handler overhead per endpoint,
//! remote calls per endpoint and per class size, and the backfill's throughput.
//!
//! Method for the overhead: the handler runs on this thread, on a current-thread tokio runtime;
//! the Zoho simulator and the stand-in Moodle run on the other runtime's threads. While the
//! handler waits for an answer its thread sleeps in `epoll_wait` and consumes no CPU, so the
//! thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`) around one invocation is exactly the time the
//! function spends outside waiting for Zoho and Moodle: event parsing, routing, authentication,
//! mapping, JSON and form encoding, HTTP client work and the socket system calls, decoding the
//! answers, the log line, and the response. Wall-clock time with the loopback upstreams is shown
//! next to it.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use shared::sync::{Entity, Synced, Trail};
use shared::webhook::{Endpoint, Function, Processor};
use shared::{App, ZohoId};
use zoho_sim::{RequestKind, Simulator};

use crate::stats::{Summary, ms, thread_cpu};
use crate::upstream::{self, StandInMoodle};
use crate::{CLASS_SIZES, verdict, webhook_event};

fn processor(function: Function) -> &'static dyn Processor {
    match function {
        Function::DashboardSync => &dashboard_sync::DashboardSync,
        Function::Courses => &courses::Courses,
        Function::Enrol => &enrol::Enrol,
        Function::BtecUnits => &btec_units::BtecUnits,
    }
}

/// The record each single-record endpoint is sent for.
fn seed_id(endpoint: Endpoint) -> &'static str {
    match endpoint {
        Endpoint::StudentUpdated | Endpoint::StudentDeleted => upstream::SEED_STUDENT,
        Endpoint::RegistrationCreated | Endpoint::RegistrationDeleted => upstream::SEED_REGISTRATION,
        Endpoint::PaymentRecorded | Endpoint::PaymentDeleted => upstream::SEED_PAYMENT,
        Endpoint::GradeSubmitted | Endpoint::GradeDeleted => upstream::SEED_GRADE,
        Endpoint::RequestStatusChanged | Endpoint::SubmitStudentRequest | Endpoint::RequestDeleted => {
            upstream::SEED_REQUEST
        }
        Endpoint::ClassUpdated | Endpoint::ClassDeleted => upstream::SEED_CLASS,
        Endpoint::EnrollmentUpdated | Endpoint::EnrollmentDeleted => upstream::SEED_ENROLLMENT,
        Endpoint::BtecDefinitionUpdated | Endpoint::BtecDefinitionDeleted => upstream::SEED_UNIT,
    }
}

/// One invocation as `shared::webhook::run` performs it: the event bytes parsed, handled, and
/// the API Gateway response serialised. Returns the HTTP status.
async fn invoke(app: &App, endpoint: Endpoint, event: &[u8]) -> u16 {
    let function = endpoint.function();
    // As the runtime hands it over: the event's text checked to be JSON, and the answer written.
    let payload: Box<serde_json::value::RawValue> = serde_json::from_slice(event).expect("event JSON");
    let answer = shared::webhook::handle_event(app, function, processor(function), payload.get(), None).await;
    let text = serde_json::to_vec(&answer).expect("serialisable");
    std::hint::black_box(text);
    answer.response.status().as_u16()
}

/// The production log format (JSON lines at INFO), written nowhere, so formatting is counted.
fn quiet_production_logging() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
        .with_target(false)
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .without_time()
        .with_writer(std::io::sink)
        .try_init();
}

#[allow(clippy::too_many_arguments)]
pub fn run(
    upstream_rt: &tokio::runtime::Runtime,
    root: &Path,
    sim: &Simulator,
    moodle: &StandInMoodle,
    iterations: usize,
    backfill: usize,
    live_backfill: usize,
    only: &crate::Sections,
) {
    let _ = upstream_rt;
    quiet_production_logging();
    let profile_only = std::env::var("BENCH_PROFILE_CLASS").ok().and_then(|v| v.parse::<usize>().ok());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let app = rt.block_on(async {
        App::new(upstream::settings(&sim.base_url(), Some((moodle.base_url(), upstream::MOODLE_TOKEN))))
    });

    if let Some(runs) = profile_only {
        // For `perf record`: only class_updated with 2,000 enrolments, `runs` times.
        let event = webhook_event(root, Endpoint::ClassUpdated, &upstream::class_id(2000, true));
        for _ in 0..runs {
            rt.block_on(invoke(&app, Endpoint::ClassUpdated, &event));
        }
        return;
    }

    // Which cases: every endpoint with its seed record, and class_updated for each class size
    // (linked classes: the steady state, the course exists and Zoho knows it).
    let mut cases: Vec<(Endpoint, String, String)> = Endpoint::ALL
        .into_iter()
        .filter(|e| *e != Endpoint::ClassUpdated)
        .map(|e| (e, seed_id(e).to_owned(), e.name().to_owned()))
        .collect();
    for size in CLASS_SIZES {
        cases.push((
            Endpoint::ClassUpdated,
            upstream::class_id(size, true),
            format!("class_updated, {size} enrolments"),
        ));
    }

    // BENCH_CASES="student_updated;2000 enrolments" keeps only the cases whose label contains
    // one of the `;`-separated parts (to re-measure one row on a loaded machine).
    if let Ok(filter) = std::env::var("BENCH_CASES") {
        let parts: Vec<&str> = filter.split(';').map(str::trim).filter(|p| !p.is_empty()).collect();
        cases.retain(|(_, _, label)| parts.iter().any(|p| label.contains(p)));
    }

    // Warm up: the token is minted once, connections are open, as in a warm container.
    for (endpoint, id, _) in &cases {
        let _gone = DeletedInZoho::new(sim, *endpoint, id);
        let event = webhook_event(root, *endpoint, id);
        for _ in 0..3 {
            let status = rt.block_on(invoke(&app, *endpoint, &event));
            if status != 200 {
                eprintln!("warning: {} answered {status} during warm-up", endpoint.name());
            }
        }
    }

    // The floors, on the same stand-ins, with a client configured like the functions' own.
    let floor = rt.block_on(async {
        let http = crate::floor::http_client();
        let token = crate::floor::mint(&http, &sim.base_url()).await;
        crate::floor::RecordFloor {
            http,
            token,
            zoho_base: sim.base_url(),
            moodle_url: format!("{}{}", moodle.base_url(), shared::moodle::REST_PATH),
        }
    });
    let class_query = format!(
        "select {} from BTEC_Enrollments where Classes = '{}'",
        <shared::zoho::Enrollment as shared::zoho::Module>::COQL_FIELDS,
        upstream::class_id(2000, true)
    );
    let class_floor =
        rt.block_on(crate::floor::ClassFloor::prepare(&floor.http, &floor.zoho_base, &floor.token, &class_query));

    if only.wants("handler") {
        println!("\n## Handler overhead (warm, in process; Zoho and Moodle answer instantly on loopback)\n");
        println!(
            "CPU = the handler thread's CPU time per invocation (network waits excluded); wall = elapsed time with the loopback upstreams. \
         Floor = the same event through `floor::RecordFloor` (parse the event and body, one Zoho GET of the record when the endpoint reads one, the same Moodle form body posted, both answers checked, a response serialised), run alternately with the handler. \
         The class of 2,000 is divided by `floor::ClassFloor` ({} COQL pages decoded into typed borrowed rows, the form bodies written into one reused buffer, no HTTP).\n",
            class_floor.page_count()
        );
        println!(
            "| endpoint | function | runs | CPU median | **CPU p99** | floor CPU median | floor CPU p99 | **÷ floor** | wall median | wall p99 | budget |"
        );
        println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        let mut class_floor_body = String::new();
        // Its own buffer: `run_over_http` hands each body over, the floor without HTTP reuses one.
        let mut class_http_body = String::new();
        let mut class_http_note = None;
        for (endpoint, id, label) in &cases {
            let _gone = DeletedInZoho::new(sim, *endpoint, id);
            let event = webhook_event(root, *endpoint, id);
            let size = if *endpoint == Endpoint::ClassUpdated { label_size(label) } else { 1 };
            let runs = match size {
                0..=1 => iterations,
                2..=99 => iterations / 2,
                100..=999 => (iterations / 10).max(30),
                _ => (iterations / 10).max(30),
            };
            // What the floor of this endpoint does: its Zoho read (if any) and its Moodle body.
            let (_, calls) = measure_calls(&rt, &app, sim, moodle, *endpoint, &event);
            let zoho_get = calls.get > 0;
            let moodle_body = if calls.moodle_total() > 0 { moodle.last_body() } else { None };
            let single = *endpoint != Endpoint::ClassUpdated;
            let class_2000 = *endpoint == Endpoint::ClassUpdated && size == 2000;
            let mut cpu = Vec::with_capacity(runs);
            let mut wall = Vec::with_capacity(runs);
            let mut floor_cpu = Vec::with_capacity(runs);
            let mut floor_http_cpu = Vec::new();
            let mut failures = 0;
            for _ in 0..runs {
                let c0 = thread_cpu();
                let w0 = Instant::now();
                let status = rt.block_on(invoke(&app, *endpoint, &event));
                wall.push(w0.elapsed());
                cpu.push(thread_cpu().saturating_sub(c0));
                if status != 200 {
                    failures += 1;
                }
                if single {
                    let c0 = thread_cpu();
                    std::hint::black_box(rt.block_on(floor.invoke(&event, zoho_get, moodle_body.as_ref())));
                    floor_cpu.push(thread_cpu().saturating_sub(c0));
                } else if class_2000 {
                    let c0 = thread_cpu();
                    std::hint::black_box(class_floor.run(upstream::MOODLE_TOKEN, &mut class_floor_body));
                    floor_cpu.push(thread_cpu().saturating_sub(c0));
                    let c0 = thread_cpu();
                    std::hint::black_box(rt.block_on(crate::floor::ClassFloor::run_over_http(
                        &floor.http,
                        &floor.zoho_base,
                        &floor.token,
                        &class_query,
                        &floor.moodle_url,
                        upstream::MOODLE_TOKEN,
                        &mut class_http_body,
                    )));
                    floor_http_cpu.push(thread_cpu().saturating_sub(c0));
                }
            }
            let cpu = Summary::of(cpu);
            let wall = Summary::of(wall);
            let floor_summary = (!floor_cpu.is_empty()).then(|| Summary::of(floor_cpu));
            // The budgets: a single-record webhook at p99, the class of 2,000 at the median.
            let (ratio, budget) = match (single, class_2000, floor_summary) {
                (true, _, Some(f)) => {
                    let r = cpu.p99.as_secs_f64() / f.p99.as_secs_f64().max(1e-9);
                    (Some(r), format!("≤ 1.5× at p99: {}", verdict(failures == 0 && r <= 1.5)))
                }
                (_, true, Some(f)) => {
                    let r = cpu.median.as_secs_f64() / f.median.as_secs_f64().max(1e-9);
                    (Some(r), format!("≤ 1.5× at the median: {}", verdict(failures == 0 && r <= 1.5)))
                }
                _ => (None, "(for information)".to_owned()),
            };
            let failed = if failures > 0 { format!(" ({failures} answers not 200)") } else { String::new() };
            println!(
                "| {label} | {} | {runs} | {:.3} ms | **{:.3} ms** | {} | {} | **{}** | {:.3} ms | {:.3} ms | {budget}{failed} |",
                endpoint.function().name(),
                ms(cpu.median),
                ms(cpu.p99),
                floor_summary.map(|f| format!("{:.3} ms", ms(f.median))).unwrap_or_else(|| "–".into()),
                floor_summary.map(|f| format!("{:.3} ms", ms(f.p99))).unwrap_or_else(|| "–".into()),
                ratio.map(|r| format!("{r:.2}×")).unwrap_or_else(|| "–".into()),
                ms(wall.median),
                ms(wall.p99),
            );
            if let (false, Some(f)) = (floor_http_cpu.is_empty(), floor_summary) {
                class_http_note = Some((cpu.median, f.median, Summary::of(floor_http_cpu)));
            }
        }
        if let Some((handler, floor, with_http)) = class_http_note {
            println!(
                "\nFor information, the class of 2,000 against the same floor **with the function's HTTP transfers** \
                 (`ClassFloor::run_over_http`: the {} pages fetched over HTTP, the 7 bodies posted, the answers read and checked to be JSON; \
                 run alternately with the handler and the floor above): {:.3} ms median, {:.3} ms p99. \
                 The transfers alone: {:.3} ms over the floor without HTTP; the handler ÷ this floor: **{:.2}×**.",
                class_floor.page_count(),
                ms(with_http.median),
                ms(with_http.p99),
                ms(with_http.median.saturating_sub(floor)),
                handler.as_secs_f64() / with_http.median.as_secs_f64().max(1e-9),
            );
        }
    }

    if only.wants("breakdown") {
        class_breakdown(&rt, &app, sim, &class_floor);
    }
    if only.wants("calls") {
        remote_calls(&rt, &app, root, sim, moodle, &cases);
    }
    if only.wants("critical") {
        critical_path_section(&rt, &app, root, sim, moodle, &cases, &floor);
    }
    if only.wants("backfill") {
        backfill_section(&rt, sim, moodle, backfill, live_backfill);
    }
}

/// A delete webhook is acted on only once Zoho confirms the record is gone (issue 18), so while a
/// delete endpoint is measured its record is in the simulator's recycle bin; it is restored
/// afterwards for the endpoints that read it.
struct DeletedInZoho<'a> {
    sim: &'a Simulator,
    module: &'static str,
    id: String,
    deleted: bool,
}

impl<'a> DeletedInZoho<'a> {
    fn new(sim: &'a Simulator, endpoint: Endpoint, id: &str) -> Self {
        let deleted = endpoint.is_delete() && sim.delete_record(endpoint.module(), id);
        Self { sim, module: endpoint.module(), id: id.to_owned(), deleted }
    }
}

impl Drop for DeletedInZoho<'_> {
    fn drop(&mut self) {
        if self.deleted {
            self.sim.restore_record(self.module, &self.id);
        }
    }
}

fn label_size(label: &str) -> usize {
    label.split(", ").nth(1).and_then(|s| s.split(' ').next()).and_then(|n| n.parse().ok()).unwrap_or(1)
}

/// Zoho and Moodle requests of one invocation.
struct Calls {
    token: usize,
    get: usize,
    coql: usize,
    update: usize,
    moodle: BTreeMap<String, u64>,
    /// The stand-ins' own time per call (Zoho simulator, stand-in Moodle), inside any latency.
    zoho_server: Vec<Duration>,
    moodle_server: Vec<Duration>,
}

impl Calls {
    fn zoho(&self) -> usize {
        self.get + self.coql + self.update
    }

    /// API credits (`docs/zoho-crm.md` §4.5, §4.8): 1 per get by id, 1 per COQL call with
    /// LIMIT ≤ 200, 1 per update of up to 10 records; the OAuth token endpoint costs none.
    fn credits(&self) -> usize {
        self.get + self.coql + self.update
    }

    fn moodle_total(&self) -> u64 {
        self.moodle.values().sum()
    }

    fn moodle_text(&self) -> String {
        self.moodle
            .iter()
            .map(|(f, n)| format!("{}×{n}", f.trim_start_matches("local_mzi_")))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn measure_calls(
    rt: &tokio::runtime::Runtime,
    app: &App,
    sim: &Simulator,
    moodle: &StandInMoodle,
    endpoint: Endpoint,
    event: &[u8],
) -> (u16, Calls) {
    sim.reset_log();
    moodle.reset_calls();
    let status = rt.block_on(invoke(app, endpoint, event));
    let requests = sim.requests();
    let count = |kind: RequestKind| requests.iter().filter(|r| r.kind == kind).count();
    let calls = Calls {
        token: count(RequestKind::Token),
        get: count(RequestKind::Get),
        coql: count(RequestKind::Coql),
        update: count(RequestKind::Update),
        moodle: moodle.calls(),
        zoho_server: sim.stats().server_time.iter().map(|s| Duration::from_micros(s.micros)).collect(),
        moodle_server: moodle.server_time().into_iter().map(|(_, d)| d).collect(),
    };
    (status, calls)
}

fn remote_calls(
    rt: &tokio::runtime::Runtime,
    app: &App,
    root: &Path,
    sim: &Simulator,
    moodle: &StandInMoodle,
    cases: &[(Endpoint, String, String)],
) {
    println!("\n## Remote calls per webhook (warm container: the access token is cached)\n");
    println!("A cold container adds one token request to the first webhook (no API credits).\n");
    println!("| endpoint | status | Zoho calls (get/COQL/update) | Zoho credits | Moodle calls | Moodle functions |");
    println!("|---|---:|---|---:|---:|---|");
    for (endpoint, id, label) in cases {
        let _gone = DeletedInZoho::new(sim, *endpoint, id);
        let event = webhook_event(root, *endpoint, id);
        let (status, calls) = measure_calls(rt, app, sim, moodle, *endpoint, &event);
        println!(
            "| {label} | {status} | {} ({}/{}/{}) | {} | {} | {} |",
            calls.zoho(),
            calls.get,
            calls.coql,
            calls.update,
            calls.credits(),
            calls.moodle_total(),
            calls.moodle_text()
        );
        debug_assert_eq!(calls.token, 0);
    }

    println!("\n## class_updated as the class grows\n");
    println!(
        "First sync: no course yet (create it, write `Moodle_Class_ID` back). Repeat: the same webhook again (course linked). Batches: ≤ 300 items and ≤ 4,500 form fields per `local_mzi_update_enrollment` call (plugin-api.md §3.5, PHP max_input_vars = 5000); COQL pages of 200 rows.\n"
    );
    println!(
        "| enrolments | run | Zoho calls | of which COQL pages | Zoho credits | Moodle calls | update_enrollment calls | CPU (1 run) | wall (1 run) |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
    for size in CLASS_SIZES {
        let id = upstream::class_id(size, false);
        moodle.unlink(&id);
        let event = webhook_event(root, Endpoint::ClassUpdated, &id);
        for run in ["first sync", "repeat"] {
            let c0 = thread_cpu();
            let w0 = Instant::now();
            let (status, calls) = measure_calls(rt, app, sim, moodle, Endpoint::ClassUpdated, &event);
            let (wall, cpu) = (w0.elapsed(), thread_cpu().saturating_sub(c0));
            if status != 200 {
                eprintln!("warning: class_updated {size} {run} answered {status}");
            }
            println!(
                "| {size} | {run} | {} | {} | {} | {} | {} | {:.2} ms | {:.2} ms |",
                calls.zoho(),
                calls.coql,
                calls.credits(),
                calls.moodle_total(),
                calls.moodle.get("local_mzi_update_enrollment").copied().unwrap_or(0),
                ms(cpu),
                ms(wall)
            );
        }
    }
}

/// What a backfill run did.
struct BackfillRun {
    records: usize,
    wall: Duration,
    cpu: Duration,
    statuses: BTreeMap<String, usize>,
    errors: usize,
}

/// The backfill loop: `shared::sync::sync_by_id` for every record, `concurrency` at a time (on
/// this one thread, so the thread's CPU time is still the sync's own work).
fn backfill(rt: &tokio::runtime::Runtime, app: Arc<App>, ids: &[ZohoId], concurrency: usize) -> BackfillRun {
    let ids: Arc<Vec<ZohoId>> = Arc::new(ids.to_vec());
    let next = Arc::new(AtomicUsize::new(0));
    let c0 = thread_cpu();
    let w0 = Instant::now();
    let results = rt.block_on(async {
        let mut workers = tokio::task::JoinSet::new();
        for _ in 0..concurrency {
            let (app, ids, next) = (app.clone(), ids.clone(), next.clone());
            workers.spawn(async move {
                let mut out: Vec<Result<String, String>> = Vec::new();
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(id) = ids.get(index) else { break };
                    let mut trail = Trail::new();
                    out.push(match shared::sync::sync_by_id(&app, Entity::Student, id, &mut trail).await {
                        Ok(Synced::Applied(result)) => Ok(result.status_text().to_owned()),
                        Ok(Synced::MissingInZoho) => Ok("missing_in_zoho".to_owned()),
                        Err(error) => Err(error.code().to_owned()),
                    });
                }
                out
            });
        }
        let mut all = Vec::new();
        while let Some(done) = workers.join_next().await {
            all.extend(done.unwrap_or_default());
        }
        all
    });
    let (wall, cpu) = (w0.elapsed(), thread_cpu().saturating_sub(c0));
    let mut statuses = BTreeMap::new();
    let mut errors = 0;
    for result in &results {
        match result {
            Ok(status) => *statuses.entry(status.clone()).or_default() += 1,
            Err(code) => {
                errors += 1;
                *statuses.entry(format!("error {code}")).or_default() += 1;
            }
        }
    }
    BackfillRun { records: results.len(), wall, cpu, statuses, errors }
}

fn backfill_section(
    rt: &tokio::runtime::Runtime,
    sim: &Simulator,
    moodle: &StandInMoodle,
    count: usize,
    live_count: usize,
) {
    let mzi = crate::shared_root().join("tools/mzi/Cargo.toml");
    println!("\n## Backfill throughput (BTEC_Students, re-read from Zoho and upserted)\n");
    if mzi.exists() {
        println!(
            "tools/mzi exists; this table measures the loop it runs per record, `shared::sync::sync_by_id`, directly.\n"
        );
    } else {
        println!(
            "`mzi backfill` (tools/mzi) is not in the workspace yet: this is the equivalent loop over `shared::sync::sync_by_id`.\n"
        );
    }
    println!(
        "| Zoho | Moodle | concurrency | records | records/s | wall per record | own CPU per record | waiting per record | errors | outcomes |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---|");
    let ids: Vec<ZohoId> = (0..count).map(|n| ZohoId::parse(&upstream::student_id(n)).expect("id")).collect();
    let zoho = sim.base_url();
    let standin = App::new(upstream::settings(&zoho, Some((moodle.base_url(), upstream::MOODLE_TOKEN))));
    let plan = App::new(upstream::settings(&zoho, None));
    let mut rows: Vec<(String, String, usize, BackfillRun)> = Vec::new();
    // Warm both clients (token, connections) before timing.
    let _ = backfill(rt, standin.clone(), &ids[..ids.len().min(5)], 1);
    let _ = backfill(rt, plan.clone(), &ids[..ids.len().min(5)], 1);
    for concurrency in [1, 4] {
        rows.push((
            "simulator".into(),
            "none (plan mode)".into(),
            concurrency,
            backfill(rt, plan.clone(), &ids, concurrency),
        ));
        rows.push((
            "simulator".into(),
            "stand-in".into(),
            concurrency,
            backfill(rt, standin.clone(), &ids, concurrency),
        ));
    }
    let live = ["MOODLE_URL", "MOODLE_TOKEN"].map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()));
    if let [Some(url), Some(token)] = live {
        let app = App::new(upstream::settings(&zoho, Some((&url, &token))));
        let ids = &ids[..live_count.min(ids.len())];
        let _ = backfill(rt, app.clone(), &ids[..ids.len().min(3)], 1);
        for concurrency in [1, 4] {
            rows.push((
                "simulator".into(),
                format!("live {url}"),
                concurrency,
                backfill(rt, app.clone(), ids, concurrency),
            ));
        }
    } else {
        println!("(no live Moodle: set MOODLE_URL and MOODLE_TOKEN to add it)\n");
    }
    for (zoho, moodle, concurrency, run) in rows {
        let per = |d: Duration| ms(d) / run.records.max(1) as f64;
        let outcomes = run.statuses.iter().map(|(s, n)| format!("{s} {n}")).collect::<Vec<_>>().join(", ");
        println!(
            "| {zoho} | {moodle} | {concurrency} | {} | **{:.0}** | {:.3} ms | {:.3} ms | {:.3} ms | {} | {outcomes} |",
            run.records,
            run.records as f64 / run.wall.as_secs_f64(),
            per(run.wall),
            per(run.cpu),
            per(run.wall.saturating_sub(run.cpu)),
            run.errors,
        );
    }
}

/// Where the CPU of `class_updated` with 2,000 enrolments goes, through the public pieces the
/// courses function is made of, next to the floor's (medians of 20 runs each).
fn class_breakdown(rt: &tokio::runtime::Runtime, app: &App, sim: &Simulator, class_floor: &crate::floor::ClassFloor) {
    use shared::sync::enrollment;
    use shared::zoho::Enrollment;
    let class = ZohoId::parse(&upstream::class_id(2000, true)).expect("id");
    let plan = App::new(upstream::settings(&sim.base_url(), None));
    let records: Vec<Enrollment> =
        rt.block_on(app.zoho.list_by_lookup::<Enrollment>("Classes", &class)).expect("the class's enrolments");
    let cpu_of = |f: &mut dyn FnMut()| {
        let mut sample = Vec::new();
        for _ in 0..20 {
            let c0 = thread_cpu();
            f();
            sample.push(thread_cpu().saturating_sub(c0));
        }
        Summary::of(sample).median
    };
    let listing = cpu_of(&mut || {
        let rows = rt.block_on(app.zoho.list_by_lookup::<Enrollment>("Classes", &class)).expect("listing");
        std::hint::black_box(rows);
    });
    let listing_raw = cpu_of(&mut || {
        let query = format!(
            "select {} from BTEC_Enrollments where Classes = '{class}'",
            <Enrollment as shared::zoho::Module>::COQL_FIELDS
        );
        let rows = rt.block_on(app.zoho.coql_raw(&query)).expect("listing");
        std::hint::black_box(rows);
    });
    let batch = cpu_of(&mut || {
        let mut trail = Trail::new();
        std::hint::black_box(rt.block_on(enrollment::sync_batch(app, &records, &mut trail)).expect("batch"));
    });
    let batch_plan = cpu_of(&mut || {
        let mut trail = Trail::new();
        std::hint::black_box(rt.block_on(enrollment::sync_batch(&plan, &records, &mut trail)).expect("batch"));
    });
    let mut body = String::new();
    let floor = cpu_of(&mut || {
        std::hint::black_box(class_floor.run(upstream::MOODLE_TOKEN, &mut body));
    });
    println!("\n### Where the CPU of class_updated with 2,000 enrolments goes (medians of 20)\n");
    println!("| piece | CPU |");
    println!("|---|---:|");
    println!(
        "| floor: the {} COQL pages decoded into typed rows, the form bodies written (no HTTP) | {:.2} ms |",
        class_floor.page_count(),
        ms(floor)
    );
    println!("| Zoho: the COQL pages fetched and parsed to JSON values (`coql_raw`) | {:.2} ms |", ms(listing_raw));
    println!("| Zoho: the same, decoded to `Enrollment` records (`list_by_lookup`) | {:.2} ms |", ms(listing));
    println!("| the batch in plan mode (items and chunking, no HTTP) | {:.2} ms |", ms(batch_plan));
    println!(
        "| the batch against the stand-in (items, encoding, the POSTs, 2,000 results decoded) | {:.2} ms |",
        ms(batch)
    );
}

/// The fixed latencies of the critical-path table: every Zoho call (the simulator's
/// `latency_ms`) and every Moodle call (the stand-in's latency) takes this long, measured from
/// the arrival of the request to the answer leaving, the stand-in's own work included (the table
/// prints that work per call, to show it stays inside the latency).
const ZOHO_LATENCY: Duration = Duration::from_millis(50);
const MOODLE_LATENCY: Duration = Duration::from_millis(20);

/// The shortest time the calls of one webhook can take, given what each call needs from the
/// others (`docs/PERFORMANCE.md`, "Wall time on the critical path"). Single-record webhooks
/// are one chain (the record is read before it is written). `class_updated`:
/// - the class record and Moodle's view of the class are independent reads;
/// - the programme read, and the teacher read followed by the teacher's upsert, need the class
///   record; the course (`local_mzi_create_class`) needs both;
/// - the write-back needs the course;
/// - the enrolment listing needs the decision (the class record and Moodle's view): its COQL
///   pages follow one another (each says whether there is a next); the last enrolment batch
///   needs the last page and the course.
fn critical_path(endpoint: Endpoint, calls: &Calls) -> Duration {
    let (z, m) = (ZOHO_LATENCY, MOODLE_LATENCY);
    let times = |d: Duration, n: usize| d * n as u32;
    if endpoint != Endpoint::ClassUpdated {
        return times(z, calls.zoho()) + times(m, calls.moodle_total() as usize);
    }
    let moodle = |f: &str| calls.moodle.get(f).copied().unwrap_or(0) as usize;
    let ids = moodle("local_mzi_get_moodle_ids");
    let teacher_sync = moodle("local_mzi_sync_teacher");
    let create = moodle("local_mzi_create_class");
    let batches = moodle("local_mzi_update_enrollment");
    let decision = z.max(times(m, ids));
    // Reads beyond the class record: the programme and the teacher.
    let parents = calls.get.saturating_sub(1);
    let programme = if parents >= 1 { z } else { Duration::ZERO };
    let teacher = if parents >= 2 { z + times(m, teacher_sync) } else { times(m, teacher_sync) };
    let course = decision + programme.max(teacher) + times(m, create);
    let write_back = course + times(z, calls.update);
    let listing = decision + times(z, calls.coql);
    let enrolments = if batches > 0 { course.max(listing) + m } else { listing };
    course.max(write_back).max(enrolments)
}

/// Wall time, the sum of the round trips and the critical path per webhook kind, with every
/// Zoho call taking 50 ms and every Moodle call 20 ms.
#[allow(clippy::too_many_arguments)]
fn critical_path_section(
    rt: &tokio::runtime::Runtime,
    app: &App,
    root: &Path,
    sim: &Simulator,
    moodle: &StandInMoodle,
    cases: &[(Endpoint, String, String)],
    floor: &crate::floor::RecordFloor,
) {
    const RUNS: usize = 5;
    println!(
        "\n## Wall time on the critical path (every Zoho call {} ms, every Moodle call {} ms; median of {RUNS})\n",
        ZOHO_LATENCY.as_millis(),
        MOODLE_LATENCY.as_millis()
    );
    println!(
        "Sum = the webhook's round trips one after another; critical path = the shortest possible wall time given what each call needs from the others (see `critical_path` in tools/bench/src/inprocess.rs). First sync: a class without a course, so `Moodle_Class_ID` is written back. \
         Each stand-in answers a call {} ms (Zoho) or {} ms (Moodle) after the request began to arrive, its own work included; \
         \"stand-ins' own time\" is that work for the slowest call of the webhook's last run (Zoho / Moodle), which must stay under the latency for the model to hold.\n",
        ZOHO_LATENCY.as_millis(),
        MOODLE_LATENCY.as_millis()
    );
    println!(
        "| webhook | Zoho calls | Moodle calls | sum of round trips | critical path | **wall** | wall ÷ critical path | stand-ins' own time, slowest call | budget ≤ 1.1× |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---|");
    sim.set_faults(zoho_sim::Faults { latency_ms: ZOHO_LATENCY.as_millis() as u64, ..zoho_sim::Faults::default() });
    moodle.set_latency(MOODLE_LATENCY);
    let mut rows: Vec<(String, Endpoint, String, bool)> =
        cases.iter().map(|(e, id, label)| (label.clone(), *e, id.clone(), false)).collect();
    for size in [50, 2000] {
        rows.push((
            format!("class_updated, {size} enrolments, first sync"),
            Endpoint::ClassUpdated,
            upstream::class_id(size, false),
            true,
        ));
    }
    for (label, endpoint, id, first_sync) in rows {
        let _gone = DeletedInZoho::new(sim, endpoint, &id);
        let event = webhook_event(root, endpoint, &id);
        let mut walls = Vec::new();
        let mut last_calls = None;
        let mut failures = 0;
        for _ in 0..if first_sync { 3 } else { RUNS } {
            if first_sync {
                // A class without a course: unlinked in Moodle, no Moodle_Class_ID in Zoho.
                moodle.unlink(&id);
                rt.block_on(clear_moodle_class_id(floor, &id));
            }
            let w0 = Instant::now();
            let (status, calls) = measure_calls(rt, app, sim, moodle, endpoint, &event);
            walls.push(w0.elapsed());
            if status != 200 {
                failures += 1;
            }
            last_calls = Some(calls);
        }
        let Some(calls) = last_calls else { continue };
        let wall = Summary::of(walls).median;
        let sum = ZOHO_LATENCY * calls.zoho() as u32 + MOODLE_LATENCY * calls.moodle_total() as u32;
        let critical = critical_path(endpoint, &calls);
        let ratio = wall.as_secs_f64() / critical.as_secs_f64().max(1e-9);
        let slowest = |times: &[Duration]| times.iter().max().copied().unwrap_or_default();
        println!(
            "| {label} | {} | {} | {:.0} ms | {:.0} ms | **{:.0} ms** | {ratio:.2}× | {:.2} / {:.2} ms | {}{} |",
            calls.zoho(),
            calls.moodle_total(),
            ms(sum),
            ms(critical),
            ms(wall),
            ms(slowest(&calls.zoho_server)),
            ms(slowest(&calls.moodle_server)),
            verdict(failures == 0 && ratio <= 1.1),
            if failures > 0 { format!(" ({failures} answers not 200)") } else { String::new() }
        );
    }
    sim.set_faults(zoho_sim::Faults::default());
    moodle.set_latency(Duration::ZERO);
}

/// Empties a class's `Moodle_Class_ID` in the simulator (as before its first sync).
async fn clear_moodle_class_id(floor: &crate::floor::RecordFloor, class_id: &str) {
    let body = serde_json::json!({"data": [{"Moodle_Class_ID": ""}], "trigger": []});
    let _ = floor
        .http
        .put(format!("{}/crm/v8/BTEC_Classes/{class_id}", floor.zoho_base))
        .header("authorization", format!("Zoho-oauthtoken {}", floor.token))
        .json(&body)
        .send()
        .await;
}
