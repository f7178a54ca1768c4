//! The `scim` command-line tool.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;

// A faster allocator than the system's for a server that allocates on every request.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Print intermediate forms: filter syntax trees and resolutions, PATCH plans.
    Debug(cmd::debug::DebugArgs),
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
        Command::Debug(args) => cmd::debug::run(args),
    }
}
