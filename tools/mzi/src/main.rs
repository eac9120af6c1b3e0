//! `mzi`: parse the command line, run the command, map the result to an exit code.

use std::process::ExitCode;

use clap::Parser;
use mzi::cmd::{self, Cli, Console};
use shared::config::Source;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("mzi: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
    let mut input = std::io::stdin().lock();
    let mut console = Console { out: &mut out, err: &mut err, input: &mut input };
    match runtime.block_on(cmd::run(cli, Source::from_environment(), &mut console)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("mzi: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}
