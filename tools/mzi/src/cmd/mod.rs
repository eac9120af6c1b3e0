//! The command line: one module per subcommand, each with its `Args` (clap derive) and a
//! `run` that writes its report to the [`Console`] it is given.
//!
//! Adding a subcommand (e.g. `replay`, `reconcile`): write `src/cmd/<name>.rs` with `Args` and
//! `run`, declare the module below, add a variant to [`Command`] and an arm to [`run`]. Nothing
//! else changes.

pub mod backfill;
pub mod reconcile;
pub mod replay;
pub mod setup_rules;
pub mod status;
pub mod zoho_authorize;

use std::io::{BufRead, Write};

use clap::{Parser, Subcommand};
use shared::config::Source;

use crate::MziError;

/// Where a command reads and writes: the report on `out`, progress and prompts on `err`, the
/// answers to prompts from `input`.
pub struct Console<'a> {
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
    pub input: &'a mut dyn BufRead,
}

#[derive(Debug, Parser)]
#[command(
    name = "mzi",
    version,
    about = "The operator's tool of the Zoho CRM → Moodle sync",
    long_about = "The operator's tool of the Zoho CRM → Moodle sync.\n\n\
        Configuration comes from the environment and ./.env, exactly as the Lambda functions read it \
        (MOODLE_URL, MOODLE_TOKEN, WEBHOOK_SECRET, ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET, ZOHO_REFRESH_TOKEN, \
        ZOHO_ACCOUNTS_URL, ZOHO_API_DOMAIN; X_PARAM names an SSM SecureString instead of X). \
        Secrets are never printed.\n\nStart with `mzi status` when something is wrong."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Zoho CRM: authorise the integration, set up the workflow rules and webhooks.
    #[command(subcommand)]
    Zoho(ZohoCommand),
    /// Load every Zoho record into Moodle, in dependency order, resumably.
    Backfill(backfill::Args),
    /// Check the configuration, Zoho and Moodle; prints a pass/fail table (exit 1 on failure).
    Status(status::Args),
    /// List and replay captured webhooks (the dead-letter store with --dead).
    Replay(replay::Args),
    /// Apply what changed or was deleted in Zoho since the cursor (what webhooks missed).
    Reconcile(reconcile::Args),
}

#[derive(Debug, Subcommand)]
pub enum ZohoCommand {
    /// Exchange a Self Client grant token for a refresh token, verify it, and store it.
    Authorize(zoho_authorize::Args),
    /// Create or correct the sixteen webhooks and workflow rules (idempotent).
    SetupRules(setup_rules::Args),
}

/// Runs a parsed command line against the configuration in `source`.
pub async fn run(cli: Cli, source: Source, console: &mut Console<'_>) -> Result<(), MziError> {
    match cli.command {
        Command::Zoho(ZohoCommand::Authorize(args)) => zoho_authorize::run(&args, source, console).await,
        Command::Zoho(ZohoCommand::SetupRules(args)) => setup_rules::run(&args, &source, console).await,
        Command::Backfill(args) => backfill::run(&args, &source, console).await,
        Command::Status(args) => status::run(&args, &source, console).await,
        Command::Replay(args) => replay::run(&args, &source, console).await,
        Command::Reconcile(args) => reconcile::run(&args, &source, console).await,
    }
}
