//! `make bench`: the numbers behind `docs/PERFORMANCE.md`, printed as Markdown tables.
//!
//! Everything runs on this machine against loopback stand-ins: the Zoho simulator
//! (`tools/zoho-sim`, without its mint throttle), a stand-in Moodle answering with the responses
//! recorded from Moodle 4.5, a Lambda Runtime API emulator and, for the SSM variant, moto_server.
//! A live Moodle is used for the backfill when `MOODLE_URL` and `MOODLE_TOKEN` are set.
//!
//! Usage: `bench --bins <dir with the release binaries> [--starts 30] [--iterations 1000]
//!        [--moto <path to moto_server>] [--backfill 500] [--live-backfill 100] [--only SECTIONS]`
//!
//! `--only size,cold,ssm,first,rss,handler,breakdown,calls,critical,backfill` (comma-separated)
//! runs only those tables, so one budget can be re-measured without the whole run on a loaded
//! machine. `first` (cold starts with a real webhook) takes its ratio from `cold`'s floor.

mod floor;
mod inprocess;
mod relay;
mod runtime_api;
mod stats;
mod upstream;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use shared::webhook::{Endpoint, Function};

use crate::runtime_api::RuntimeApi;
use crate::stats::{Summary, ms};
use crate::upstream::StandInMoodle;

/// Class sizes of the remote-call and overhead tables.
pub const CLASS_SIZES: [usize; 4] = [1, 50, 450, 2000];

struct Args {
    bins: PathBuf,
    starts: usize,
    iterations: usize,
    moto: Option<PathBuf>,
    backfill: usize,
    live_backfill: usize,
    only: Sections,
}

/// Which tables to print (`--only`); every one when the option is absent.
#[derive(Clone, Default)]
pub struct Sections(Option<std::collections::BTreeSet<String>>);

impl Sections {
    pub const ALL: [&'static str; 10] =
        ["size", "cold", "ssm", "first", "rss", "handler", "breakdown", "calls", "critical", "backfill"];

    fn parse(list: &str) -> Option<Self> {
        let names: std::collections::BTreeSet<String> = list.split(',').map(|s| s.trim().to_owned()).collect();
        names.iter().all(|n| Self::ALL.contains(&n.as_str())).then_some(Self(Some(names)))
    }

    pub fn wants(&self, section: &str) -> bool {
        self.0.as_ref().is_none_or(|names| names.contains(section))
    }
}

fn usage() -> ! {
    eprintln!(
        "usage: bench --bins DIR [--starts 30] [--iterations 1000] [--moto PATH] [--backfill 500] [--live-backfill 100] [--only {}]",
        Sections::ALL.join(",")
    );
    std::process::exit(2)
}

fn args() -> Args {
    let mut args = Args {
        bins: PathBuf::new(),
        starts: 30,
        iterations: 1000,
        moto: None,
        backfill: 500,
        live_backfill: 100,
        only: Sections::default(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| usage());
        let number = |v: String| v.parse::<usize>().unwrap_or_else(|_| usage());
        match arg.as_str() {
            "--bins" => args.bins = PathBuf::from(value()),
            "--starts" => args.starts = number(value()),
            "--iterations" => args.iterations = number(value()),
            "--moto" => args.moto = Some(PathBuf::from(value())),
            "--backfill" => args.backfill = number(value()),
            "--live-backfill" => args.live_backfill = number(value()),
            "--only" => args.only = Sections::parse(&value()).unwrap_or_else(|| usage()),
            _ => usage(),
        }
    }
    if args.bins.as_os_str().is_empty() {
        usage();
    }
    args
}

/// The webhook each function's cold-start and memory runs handle: its heaviest endpoint.
fn largest_case(function: Function) -> (Endpoint, String) {
    match function {
        Function::DashboardSync => (Endpoint::StudentUpdated, upstream::SEED_STUDENT.into()),
        Function::Courses => (Endpoint::ClassUpdated, upstream::class_id(2000, true)),
        Function::Enrol => (Endpoint::EnrollmentUpdated, upstream::SEED_ENROLLMENT.into()),
        Function::BtecUnits => (Endpoint::BtecDefinitionUpdated, upstream::SEED_UNIT.into()),
    }
}

/// A recorded API Gateway v2 event from `events/`, with the body naming `zoho_id`.
pub fn webhook_event(root: &Path, endpoint: Endpoint, zoho_id: &str) -> Vec<u8> {
    let path = root.join("events").join(format!("{}.json", endpoint.name()));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut event: Value = serde_json::from_str(&text).expect("events are JSON");
    event["body"] = json!(json!({"zoho_id": zoho_id, "module": endpoint.module()}).to_string());
    if let Some(headers) = event["headers"].as_object_mut() {
        headers.remove("content-length");
    }
    serde_json::to_vec(&event).expect("serialisable")
}

fn health_event(root: &Path) -> Vec<u8> {
    std::fs::read(root.join("events/health.json")).expect("events/health.json")
}

fn main() {
    let args = args();
    let root = shared_root();
    let fixtures = root.join("fixtures");
    let workdir = std::env::temp_dir().join(format!("mzi-bench-{}", std::process::id()));
    std::fs::create_dir_all(&workdir).expect("work directory");

    // The stand-ins and the emulator run on their own threads, so that the in-process handler
    // measurements below can take the handler thread's CPU time alone.
    let upstream_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("upstream")
        .enable_all()
        .build()
        .expect("tokio runtime");
    let records = upstream::seed(&fixtures, &CLASS_SIZES, args.backfill.max(args.live_backfill)).expect("seed");
    let sim = upstream_rt.block_on(upstream::start_simulator(records));
    let moodle = upstream_rt.block_on(StandInMoodle::start(&fixtures));
    for size in CLASS_SIZES {
        moodle.link(&upstream::class_id(size, true), upstream::LINKED_COURSE);
    }
    let api = upstream_rt.block_on(RuntimeApi::start());

    if std::env::var_os("BENCH_PROFILE_CLASS").is_some() {
        inprocess::run(
            &upstream_rt,
            &root,
            &sim,
            &moodle,
            args.iterations,
            args.backfill,
            args.live_backfill,
            &args.only,
        );
        return;
    }
    let only = &args.only;
    println!("# make bench\n");
    machine();

    // Sizes.
    if only.wants("size") {
        println!("\n## Size (release binaries from {})\n", args.bins.display());
        println!("| function | binary (stripped) | zip -9 of `bootstrap` | budget ≤ 5 MB zipped |");
        println!("|---|---:|---:|---|");
        for function in Function::ALL {
            let binary = args.bins.join(function.name());
            let size = std::fs::metadata(&binary).map(|m| m.len()).unwrap_or(0);
            let zipped = zip_size(&binary, &workdir.join("zip").join(function.name()));
            println!(
                "| {} | {} | {} | {} |",
                function.name(),
                bytes(size),
                zipped.map(bytes).unwrap_or_else(|| "zip failed".into()),
                verdict(zipped.is_some_and(|z| z <= 5_000_000))
            );
        }
    }

    // Cold starts: every function and the floor (a bare lambda_http binary, same profile),
    // interleaved start by start so that the machine's load falls on all of them alike.
    let mut base_env = upstream::base_env(&sim.base_url());
    base_env.push(("MOODLE_URL".into(), moodle.base_url().to_owned()));
    base_env.push(("MOODLE_TOKEN".into(), upstream::MOODLE_TOKEN.into()));
    let health = health_event(&root);
    let floor_binary = args.bins.join(FLOOR_BINARY);
    let mut health_rss = Vec::new();
    let mut floor_median = None;
    let mut env_medians: Vec<Option<Duration>> = vec![None; Function::ALL.len()];
    if only.wants("cold") || only.wants("ssm") || only.wants("first") {
        println!("\n## Cold start ({} starts each, interleaved; ms from process spawn)\n", args.starts);
        println!(
            "Init = spawn → first `GET /next`; first response = spawn → response POSTed to the Runtime API. \
         Floor = `{FLOOR_BINARY}`, a bare `lambda_http` binary built with the same profile that answers `200 {{\"status\":\"ok\"}}`. \
         A start that fails (no answer, an error, a status other than 200) is counted in the failed column and fails the row's budget; it is never left out of the sample silently.\n"
        );
        println!(
            "| binary | configuration | first event | starts ok / failed | init median | **first response median** | p95 | max | ÷ floor (median) | budget |"
        );
        println!("|---|---|---|---|---:|---:|---:|---:|---:|---|");
    }
    if only.wants("cold") {
        let mut plan: Vec<StartPlan> = vec![StartPlan::new(&floor_binary, FLOOR_BINARY, &base_env, &health)];
        for function in Function::ALL {
            plan.push(StartPlan::new(&args.bins.join(function.name()), function.name(), &base_env, &health));
        }
        let sets = interleaved_starts(&api, &upstream_rt, &plan, args.starts, &workdir, None);
        floor_median = sets[0].first_response_median();
        print_cold_row(FLOOR_BINARY, "none", "health", &sets[0], None, Budget::Floor);
        for (function, set) in Function::ALL.into_iter().zip(&sets[1..]) {
            print_cold_row(function.name(), "environment", "health", set, floor_median, Budget::Ratio(1.3));
            health_rss.push((function, set.ok.iter().map(|s| s.peak_rss_kib).max().unwrap_or(0)));
        }
        env_medians = sets[1..].iter().map(StartSet::first_response_median).collect();
        trust_store_row(args.starts);
    }
    let ssm = args.moto.as_ref().filter(|_| only.wants("ssm")).and_then(|moto| {
        ssm_env(&upstream_rt, moto, &workdir, &base_env)
            .map_err(|e| println!("| (SSM variant skipped: {e}) | | | | | | | | | |"))
            .ok()
    });
    if let Some((_, ssm_env, relay)) = &ssm {
        // As template.yaml deploys them: secrets from SSM and the SQS failure sink
        // (RETRY_QUEUE_URL), whose client is built on the first failure.
        let endpoint =
            ssm_env.iter().find(|(k, _)| k == "AWS_ENDPOINT_URL_SSM").map(|(_, v)| v.clone()).unwrap_or_default();
        let mut production = ssm_env.clone();
        production.push(("AWS_ENDPOINT_URL_SQS".into(), endpoint.clone()));
        production.push(("RETRY_QUEUE_URL".into(), format!("{endpoint}/123456789012/mzi-retry")));
        production.push(("DEAD_LETTER_QUEUE_URL".into(), format!("{endpoint}/123456789012/mzi-dead")));
        for (configuration, env) in
            [("SSM (moto, 5 SecureStrings)", ssm_env), ("SSM + SQS sink (as template.yaml)", &production)]
        {
            let mut plan = vec![StartPlan::new(&floor_binary, FLOOR_BINARY, &base_env, &health)];
            for function in Function::ALL {
                plan.push(StartPlan::new(&args.bins.join(function.name()), function.name(), env, &health));
            }
            let sets = interleaved_starts(&api, &upstream_rt, &plan, args.starts, &workdir, Some(relay));
            let floor = sets[0].first_response_median();
            for ((function, set), env_median) in Function::ALL.into_iter().zip(&sets[1..]).zip(&env_medians) {
                print_cold_row(function.name(), configuration, "health", set, floor, Budget::OneSsmCall(*env_median));
            }
        }
    }
    if only.wants("first") {
        let mut plan = Vec::new();
        for function in Function::ALL {
            let (endpoint, id) = match function {
                Function::Courses => (Endpoint::ClassUpdated, upstream::class_id(1, true)),
                other => largest_case(other),
            };
            let event = webhook_event(&root, endpoint, &id);
            plan.push((
                function,
                endpoint,
                StartPlan::new(&args.bins.join(function.name()), function.name(), &base_env, &event),
            ));
        }
        let plans: Vec<StartPlan> = plan.iter().map(|(_, _, p)| p.clone()).collect();
        let sets = interleaved_starts(&api, &upstream_rt, &plans, args.starts, &workdir, None);
        for ((function, endpoint, _), set) in plan.iter().zip(&sets) {
            print_cold_row(function.name(), "environment", endpoint.name(), set, floor_median, Budget::Information);
        }
    }
    if let Some((mut moto, _, _)) = ssm {
        let _ = moto.kill();
        let _ = moto.wait();
    }

    // Memory.
    if only.wants("rss") {
        println!("\n## Peak RSS (VmHWM of the release binary under the Runtime API emulator, largest of 3 starts)\n");
        println!("| function | after `health` | largest case | starts ok / failed | VmHWM | budget |");
        println!("|---|---:|---|---|---:|---|");
        if health_rss.is_empty() {
            health_rss = Function::ALL.iter().map(|f| (*f, 0)).collect();
        }
        for (function, idle) in health_rss {
            let (endpoint, id) = largest_case(function);
            let event = webhook_event(&root, endpoint, &id);
            let plan = [StartPlan::new(&args.bins.join(function.name()), function.name(), &base_env, &event)];
            let set = interleaved_starts(&api, &upstream_rt, &plan, 3, &workdir, None).remove(0);
            let peak = set.ok.iter().map(|s| s.peak_rss_kib).max().unwrap_or(0);
            let (case, limit) = if function == Function::Courses {
                ("class_updated, 2,000 enrolments".to_owned(), 15.0)
            } else {
                (endpoint.name().to_owned(), 25.0)
            };
            let mb = peak as f64 / 1024.0;
            println!(
                "| {} | {:.1} MB | {case} | {} / {} | {mb:.1} MB | ≤ {limit} MB: {} |",
                function.name(),
                idle as f64 / 1024.0,
                set.ok.len(),
                set.failed.len(),
                verdict(set.failed.is_empty() && peak > 0 && mb <= limit)
            );
        }
    }

    inprocess::run(&upstream_rt, &root, &sim, &moodle, args.iterations, args.backfill, args.live_backfill, only);
    let _ = std::fs::remove_dir_all(&workdir);
}

/// The file name of the cold-start floor (`src/bin/floor_lambda.rs`).
const FLOOR_BINARY: &str = "floor_lambda";

/// One binary to start, with its environment and first event.
#[derive(Clone)]
struct StartPlan {
    binary: PathBuf,
    name: String,
    env: Vec<(String, String)>,
    event: Vec<u8>,
}

impl StartPlan {
    fn new(binary: &Path, name: &str, env: &[(String, String)], event: &[u8]) -> Self {
        Self { binary: binary.to_owned(), name: name.to_owned(), env: env.to_vec(), event: event.to_vec() }
    }
}

/// Every start of one binary: the successful ones and, one entry each, the failures.
#[derive(Default)]
struct StartSet {
    ok: Vec<runtime_api::Start>,
    failed: Vec<String>,
    /// SSM calls per successful start (when counted).
    ssm_calls: Vec<BTreeMap<String, u64>>,
}

impl StartSet {
    fn first_response_median(&self) -> Option<Duration> {
        (!self.ok.is_empty()).then(|| Summary::of(self.ok.iter().map(|s| s.first_response).collect()).median)
    }
}

/// `starts` starts of every plan, one of each in turn (after one unmeasured start each, which
/// brings the binary's pages into the page cache as Lambda's code cache does). A start that
/// does not answer 200 is a failure, kept as such.
fn interleaved_starts(
    api: &RuntimeApi,
    rt: &tokio::runtime::Runtime,
    plans: &[StartPlan],
    starts: usize,
    workdir: &Path,
    ssm: Option<&relay::Relay>,
) -> Vec<StartSet> {
    let mut sets: Vec<StartSet> = plans.iter().map(|_| StartSet::default()).collect();
    for plan in plans {
        let _ = api.start_once(rt, &plan.binary, &plan.name, &plan.env, &plan.event, workdir);
    }
    for _ in 0..starts {
        for (plan, set) in plans.iter().zip(sets.iter_mut()) {
            if let Some(relay) = ssm {
                relay.take_counts();
            }
            match api.start_once(rt, &plan.binary, &plan.name, &plan.env, &plan.event, workdir) {
                Ok(start) => {
                    let status = start.response["statusCode"].as_u64().unwrap_or(0);
                    if status == 200 {
                        if let Some(relay) = ssm {
                            set.ssm_calls.push(relay.take_counts());
                        }
                        set.ok.push(start);
                    } else {
                        set.failed.push(format!("{} answered {status}: {}", plan.name, start.response["body"]));
                    }
                }
                Err(error) => set.failed.push(error),
            }
        }
    }
    for (plan, set) in plans.iter().zip(&sets) {
        for failure in set.failed.iter().take(3) {
            eprintln!("warning: failed start of {}: {failure}", plan.name);
        }
    }
    sets
}

/// What a cold-start row is held to.
enum Budget {
    /// The floor itself.
    Floor,
    /// First response median ≤ this many times the floor's.
    Ratio(f64),
    /// With secrets in SSM: exactly one SSM call (a batched `GetParameters`) per start; the
    /// environment variant's median, for the extra time.
    OneSsmCall(Option<Duration>),
    Information,
}

fn print_cold_row(
    name: &str,
    configuration: &str,
    event: &str,
    set: &StartSet,
    floor: Option<Duration>,
    budget: Budget,
) {
    let counts = format!("{} / {}", set.ok.len(), set.failed.len());
    let failed = !set.failed.is_empty();
    if set.ok.is_empty() {
        println!(
            "| {name} | {configuration} | {event} | {counts} | failed | failed | | | | **NOT met**: no start succeeded |"
        );
        return;
    }
    let init = Summary::of(set.ok.iter().map(|s| s.init).collect());
    let first = Summary::of(set.ok.iter().map(|s| s.first_response).collect());
    let ratio = floor.map(|f| first.median.as_secs_f64() / f.as_secs_f64().max(1e-9));
    let ratio_text = ratio.map(|r| format!("{r:.2}×")).unwrap_or_else(|| "–".into());
    let failures = if failed { format!(" ({} failed starts)", set.failed.len()) } else { String::new() };
    let budget_text = match budget {
        Budget::Floor => format!("(the floor){failures}"),
        Budget::Ratio(limit) => {
            format!("≤ {limit}× floor: {}{failures}", verdict(!failed && ratio.is_some_and(|r| r <= limit)))
        }
        Budget::OneSsmCall(env_median) => {
            let per_start: Vec<u64> = set.ssm_calls.iter().map(|c| c.values().sum()).collect();
            let all_one = !per_start.is_empty() && per_start.iter().all(|n| *n == 1);
            let batched = set.ssm_calls.iter().all(|c| c.get("AmazonSSM.GetParameters") == Some(&1));
            let operations: std::collections::BTreeSet<&str> =
                set.ssm_calls.iter().flat_map(|c| c.keys().map(String::as_str)).collect();
            let extra = env_median
                .map(|m| format!("; +{:.2} ms over the environment", ms(first.median.saturating_sub(m))))
                .unwrap_or_default();
            format!(
                "1 SSM call per start: {} (calls per start {}–{}: {}){extra}{failures}",
                verdict(!failed && all_one && batched),
                per_start.iter().min().unwrap_or(&0),
                per_start.iter().max().unwrap_or(&0),
                operations.into_iter().collect::<Vec<_>>().join(", ")
            )
        }
        Budget::Information => format!("(for information){failures}"),
    };
    println!(
        "| {name} | {configuration} | {event} | {counts} | {:.2} | **{:.2}** | {:.2} | {:.2} | {ratio_text} | {budget_text} |",
        ms(init.median),
        ms(first.median),
        ms(first.p95),
        ms(first.max),
    );
}

/// What the functions no longer pay at cold start but on their first HTTPS handshake
/// (`shared::http`): loading the system's trust store, measured here in process because the
/// stand-ins of this harness speak plain HTTP on loopback, so no start above ever pays it.
fn trust_store_row(runs: usize) {
    let mut sample = Vec::new();
    for _ in 0..runs.max(5) {
        let verifier = shared::http::SystemRootsVerifier::default();
        let started = std::time::Instant::now();
        let loaded = verifier.verifier().is_ok();
        sample.push(started.elapsed());
        if !loaded {
            println!("| (trust store) | | | | | | | | | the system trust store could not be loaded |");
            return;
        }
    }
    let runs = sample.len();
    let load = Summary::of(sample);
    println!(
        "| (first HTTPS handshake) | system trust store | – | {} / 0 | – | **+{:.2}** | {:.2} | {:.2} | – | deferred from Init to the first Zoho or Moodle call over HTTPS, once per process (not in any row above: the stand-ins are plain HTTP) |",
        runs,
        ms(load.median),
        ms(load.p95),
        ms(load.max)
    );
}

/// moto_server, the functions' environment pointing at it, and the counting relay in front of it.
type SsmSetup = (std::process::Child, Vec<(String, String)>, relay::Relay);

/// Starts moto_server on a free loopback port, stores the secrets as SecureStrings, and returns
/// the environment that makes a function read them from there.
fn ssm_env(
    rt: &tokio::runtime::Runtime,
    moto: &Path,
    workdir: &Path,
    base_env: &[(String, String)],
) -> Result<SsmSetup, String> {
    let port =
        std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| e.to_string())?.port();
    let log = std::fs::File::create(workdir.join("moto.log")).map_err(|e| e.to_string())?;
    let mut child = Command::new(moto)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", moto.display()))?;
    let endpoint = format!("http://127.0.0.1:{port}");
    let secrets = ["WEBHOOK_SECRET", "ZOHO_CLIENT_ID", "ZOHO_CLIENT_SECRET", "ZOHO_REFRESH_TOKEN", "MOODLE_TOKEN"];
    let stored = rt.block_on(async {
        use aws_sdk_ssm::config::{Credentials, Region};
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(Region::new("eu-west-2"))
            .endpoint_url(&endpoint)
            .credentials_provider(Credentials::new("test", "test", None, None, "static"))
            .load()
            .await;
        let client = aws_sdk_ssm::Client::new(&config);
        let started = std::time::Instant::now();
        for name in secrets {
            let value = base_env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
            loop {
                let put = client
                    .put_parameter()
                    .name(format!("/mzi/bench/{name}"))
                    .value(&value)
                    .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
                    .overwrite(true)
                    .send()
                    .await;
                match put {
                    Ok(_) => break,
                    Err(_) if started.elapsed() < Duration::from_secs(60) => {
                        tokio::time::sleep(Duration::from_millis(200)).await
                    }
                    Err(e) => return Err(format!("moto did not accept parameters: {e}")),
                }
            }
        }
        // Warm moto's backend (its first GetParameters is slow), as a real SSM always is.
        let names: Vec<String> = secrets.iter().map(|n| format!("/mzi/bench/{n}")).collect();
        client.get_parameters().set_names(Some(names)).with_decryption(true).send().await.map_err(|e| e.to_string())?;
        Ok(())
    });
    if let Err(error) = stored {
        let _ = child.kill();
        let _ = child.wait();
        return Err(error);
    }
    // The functions reach moto through a counting relay, so every SSM call of a start is seen.
    let relay = match rt.block_on(relay::Relay::start(&endpoint)) {
        Ok(relay) => relay,
        Err(error) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("relay: {error}"));
        }
    };
    let endpoint = relay.base_url().to_owned();
    let mut env: Vec<(String, String)> =
        base_env.iter().filter(|(k, _)| !secrets.contains(&k.as_str())).cloned().collect();
    for name in secrets {
        env.push((format!("{name}_PARAM"), format!("/mzi/bench/{name}")));
    }
    for (k, v) in [
        ("AWS_ENDPOINT_URL_SSM", endpoint.as_str()),
        ("AWS_REGION", "eu-west-2"),
        ("AWS_DEFAULT_REGION", "eu-west-2"),
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_SESSION_TOKEN", "test"),
    ] {
        env.push((k.into(), v.into()));
    }
    Ok((child, env, relay))
}

/// `zip -9` of the binary renamed `bootstrap`, as Lambda's `provided.al2023` runtime expects.
fn zip_size(binary: &Path, dir: &Path) -> Option<u64> {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).ok()?;
    std::fs::copy(binary, dir.join("bootstrap")).ok()?;
    let status =
        Command::new("zip").args(["-9", "-q", "-X", "function.zip", "bootstrap"]).current_dir(dir).status().ok()?;
    status.success().then(|| std::fs::metadata(dir.join("function.zip")).ok().map(|m| m.len())).flatten()
}

fn machine() {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo.lines().find(|l| l.starts_with("model name")).and_then(|l| l.split(':').nth(1)).unwrap_or("");
    let cores = cpuinfo.lines().filter(|l| l.starts_with("processor")).count();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo.lines().find(|l| l.starts_with("MemTotal")).unwrap_or("").replace("MemTotal:", "");
    let os = std::fs::read_to_string("/etc/os-release")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("PRETTY_NAME="))
        .map(|l| l.trim_start_matches("PRETTY_NAME=").trim_matches('"').to_owned())
        .unwrap_or_default();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "Machine: {} × {}, {} RAM, {os}, kernel {}; load average at start {}",
        cores,
        model.trim(),
        memory.trim(),
        kernel.trim(),
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    );
}

fn bytes(n: u64) -> String {
    format!("{:.2} MB ({n} B)", n as f64 / 1_000_000.0)
}

pub fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "**NOT met**" }
}

/// The workspace root (this crate is `tools/bench`).
fn shared_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("workspace root")
}
