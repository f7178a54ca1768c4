//! The `scim` command-line tool.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;

/// SCIM 2.0 toolkit command line.
#[derive(Debug, Parser)]
#[command(name = "scim", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a SCIM 2.0 server.
    Serve(cmd::serve::ServeArgs),
    /// Parse and evaluate SCIM filters (RFC 7644 §3.4.2.2).
    Filter(cmd::filter::FilterArgs),
    /// Apply PATCH requests (RFC 7644 §3.5.2) and diff resources.
    Patch(cmd::patch::PatchArgs),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Serve(args) => match cmd::serve::run(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        Command::Filter(args) => cmd::filter::run(args),
        Command::Patch(args) => cmd::patch::run(args),
    }
}
