//! The `scim` command-line tool.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => cmd::serve::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
