//! `zoho-sim`: a local Zoho CRM for `make dev` and manual runs.
//!
//! Usage: `zoho-sim [--port 8787] [--seed-dir fixtures/zoho] [--token-lifetime 3600]`

use std::time::Duration;

use zoho_sim::{SimConfig, Simulator, load_seed_dir};

fn usage() -> ! {
    eprintln!("usage: zoho-sim [--port 8787] [--seed-dir fixtures/zoho] [--token-lifetime SECONDS]");
    std::process::exit(2)
}

#[tokio::main]
async fn main() {
    let mut port: u16 = 8787;
    let mut seed_dir = String::from("fixtures/zoho");
    let mut config = SimConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage());
        match arg.as_str() {
            "--port" => port = value().parse().unwrap_or_else(|_| usage()),
            "--seed-dir" => seed_dir = value(),
            "--token-lifetime" => {
                let secs: u64 = value().parse().unwrap_or_else(|_| usage());
                config.token_lifetime = Duration::from_secs(secs);
            }
            "-h" | "--help" => usage(),
            _ => usage(),
        }
    }
    let records = match load_seed_dir(&seed_dir) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("zoho-sim: {e}");
            std::process::exit(1);
        }
    };
    let counts: Vec<String> = records.iter().map(|(m, rows)| format!("{m}={}", rows.len())).collect();
    let sim = match Simulator::start_with(records, config, &format!("127.0.0.1:{port}")).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("zoho-sim: cannot listen on 127.0.0.1:{port}: {e}");
            std::process::exit(1);
        }
    };
    let base = sim.base_url();
    println!("zoho-sim listening on {base}");
    println!("  seeded from {seed_dir}: {}", counts.join(", "));
    println!("  ZOHO_ACCOUNTS_URL={base}");
    println!("  ZOHO_API_DOMAIN={base}");
    println!("  credentials: any non-empty ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET and ZOHO_REFRESH_TOKEN");
    println!("  (10 token mints per refresh token per 10 minutes, then Access Denied)");
    println!("  admin: GET {base}/__sim/log, POST {base}/__sim/faults, POST {base}/__sim/reset");
    let _ = tokio::signal::ctrl_c().await;
    drop(sim);
}
