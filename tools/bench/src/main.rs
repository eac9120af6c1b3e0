//! `make bench`: the numbers behind `docs/PERFORMANCE.md`, printed as Markdown tables.
//!
//! Everything runs on this machine against loopback stand-ins: the Zoho simulator
//! (`tools/zoho-sim`, without its mint throttle), a stand-in Moodle answering with the responses
//! recorded from Moodle 4.5, a Lambda Runtime API emulator and, for the SSM variant, moto_server.
//! A live Moodle is used for the backfill when `MOODLE_URL` and `MOODLE_TOKEN` are set.
//!
//! Usage: `bench --bins <dir with the release binaries> [--starts 30] [--iterations 1000]
//!        [--moto <path to moto_server>] [--backfill 500] [--live-backfill 100]`

mod inprocess;
mod runtime_api;
mod stats;
mod upstream;

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
}

fn usage() -> ! {
    eprintln!(
        "usage: bench --bins DIR [--starts 30] [--iterations 1000] [--moto PATH] [--backfill 500] [--live-backfill 100]"
    );
    std::process::exit(2)
}

fn args() -> Args {
    let mut args =
        Args { bins: PathBuf::new(), starts: 30, iterations: 1000, moto: None, backfill: 500, live_backfill: 100 };
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
        inprocess::run(&upstream_rt, &root, &sim, &moodle, args.iterations, args.backfill, args.live_backfill);
        return;
    }
    println!("# make bench\n");
    machine();

    // Sizes.
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

    // Cold starts.
    let mut base_env = upstream::base_env(&sim.base_url());
    base_env.push(("MOODLE_URL".into(), moodle.base_url().to_owned()));
    base_env.push(("MOODLE_TOKEN".into(), upstream::MOODLE_TOKEN.into()));
    let health = health_event(&root);
    println!("\n## Cold start ({} starts each; ms from process spawn)\n", args.starts);
    println!("Init = spawn → first `GET /next`; first response = spawn → response POSTed to the Runtime API.\n");
    println!("| function | configuration | first event | init median | first response median | p95 | max | budget |");
    println!("|---|---|---|---:|---:|---:|---:|---|");
    let mut health_rss = Vec::new();
    for function in Function::ALL {
        let starts = cold_starts(&api, &upstream_rt, &args, function, &base_env, &health, &workdir);
        print_cold_row(function, "environment", "health", &starts, Some(10.0));
        health_rss.push((function, starts.iter().map(|s| s.peak_rss_kib).max().unwrap_or(0)));
    }
    let ssm = args.moto.as_ref().and_then(|moto| {
        ssm_env(&upstream_rt, moto, &workdir, &base_env)
            .map_err(|e| println!("| (SSM variant skipped: {e}) | | | | | | | |"))
            .ok()
    });
    if let Some((_, ssm_env)) = &ssm {
        for function in Function::ALL {
            let starts = cold_starts(&api, &upstream_rt, &args, function, ssm_env, &health, &workdir);
            print_cold_row(function, "SSM (moto, 5 SecureStrings)", "health", &starts, Some(15.0));
        }
        // As template.yaml deploys them: secrets from SSM and the SQS failure sink
        // (RETRY_QUEUE_URL), whose client is built at cold start.
        let endpoint =
            ssm_env.iter().find(|(k, _)| k == "AWS_ENDPOINT_URL_SSM").map(|(_, v)| v.clone()).unwrap_or_default();
        let mut production = ssm_env.clone();
        production.push(("AWS_ENDPOINT_URL_SQS".into(), endpoint.clone()));
        production.push(("RETRY_QUEUE_URL".into(), format!("{endpoint}/123456789012/mzi-retry")));
        production.push(("DEAD_LETTER_QUEUE_URL".into(), format!("{endpoint}/123456789012/mzi-dead")));
        for function in Function::ALL {
            let starts = cold_starts(&api, &upstream_rt, &args, function, &production, &health, &workdir);
            print_cold_row(function, "SSM + SQS sink (as template.yaml)", "health", &starts, Some(15.0));
        }
    }
    for function in Function::ALL {
        let (endpoint, id) = match function {
            Function::Courses => (Endpoint::ClassUpdated, upstream::class_id(1, true)),
            other => largest_case(other),
        };
        let event = webhook_event(&root, endpoint, &id);
        let starts = cold_starts(&api, &upstream_rt, &args, function, &base_env, &event, &workdir);
        print_cold_row(function, "environment", endpoint.name(), &starts, None);
    }
    if let Some((mut moto, _)) = ssm {
        let _ = moto.kill();
        let _ = moto.wait();
    }

    // Memory.
    println!("\n## Peak RSS (VmHWM of the release binary under the Runtime API emulator)\n");
    println!("| function | after `health` | largest case | VmHWM | budget ≤ 25 MB |");
    println!("|---|---:|---|---:|---|");
    for (function, idle) in health_rss {
        let (endpoint, id) = largest_case(function);
        let event = webhook_event(&root, endpoint, &id);
        let binary = args.bins.join(function.name());
        let peak = (0..3)
            .filter_map(|_| api.start_once(&upstream_rt, &binary, function.name(), &base_env, &event, &workdir).ok())
            .inspect(|s| check_ok(function, s))
            .map(|s| s.peak_rss_kib)
            .max()
            .unwrap_or(0);
        let case = if function == Function::Courses {
            "class_updated, 2,000 enrolments".to_owned()
        } else {
            endpoint.name().to_owned()
        };
        println!(
            "| {} | {:.1} MB | {case} | {:.1} MB | {} |",
            function.name(),
            idle as f64 / 1024.0,
            peak as f64 / 1024.0,
            verdict(peak > 0 && peak as f64 / 1024.0 <= 25.0)
        );
    }

    inprocess::run(&upstream_rt, &root, &sim, &moodle, args.iterations, args.backfill, args.live_backfill);
    let _ = std::fs::remove_dir_all(&workdir);
}

fn check_ok(function: Function, start: &runtime_api::Start) {
    let status = start.response["statusCode"].as_u64().unwrap_or(0);
    if status != 200 {
        eprintln!("warning: {} answered {status}: {}", function.name(), start.response["body"]);
    }
}

#[allow(clippy::too_many_arguments)]
fn cold_starts(
    api: &RuntimeApi,
    rt: &tokio::runtime::Runtime,
    args: &Args,
    function: Function,
    env: &[(String, String)],
    event: &[u8],
    workdir: &Path,
) -> Vec<runtime_api::Start> {
    let binary = args.bins.join(function.name());
    let mut starts = Vec::with_capacity(args.starts);
    // One unmeasured start: the binary's pages into the page cache, as Lambda's code cache does.
    let _ = api.start_once(rt, &binary, function.name(), env, event, workdir);
    for _ in 0..args.starts {
        match api.start_once(rt, &binary, function.name(), env, event, workdir) {
            Ok(start) => {
                check_ok(function, &start);
                starts.push(start);
            }
            Err(error) => {
                eprintln!("warning: {error}");
                break;
            }
        }
    }
    starts
}

fn print_cold_row(
    function: Function,
    configuration: &str,
    event: &str,
    starts: &[runtime_api::Start],
    budget: Option<f64>,
) {
    if starts.is_empty() {
        println!("| {} | {configuration} | {event} | failed | | | | |", function.name());
        return;
    }
    let init = Summary::of(starts.iter().map(|s| s.init).collect());
    let first = Summary::of(starts.iter().map(|s| s.first_response).collect());
    let budget_text = match budget {
        Some(limit) => format!("≤ {limit} ms median: {}", verdict(ms(first.median) <= limit)),
        None => "(for information)".into(),
    };
    println!(
        "| {} | {configuration} | {event} | {:.2} | **{:.2}** | {:.2} | {:.2} | {budget_text} |",
        function.name(),
        ms(init.median),
        ms(first.median),
        ms(first.p95),
        ms(first.max),
    );
}

/// Starts moto_server on a free loopback port, stores the secrets as SecureStrings, and returns
/// the environment that makes a function read them from there.
fn ssm_env(
    rt: &tokio::runtime::Runtime,
    moto: &Path,
    workdir: &Path,
    base_env: &[(String, String)],
) -> Result<(std::process::Child, Vec<(String, String)>), String> {
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
    Ok((child, env))
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
