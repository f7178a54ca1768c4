//! The `scim` command-line tool.

use clap::Parser;

/// SCIM 2.0 toolkit command line.
#[derive(Debug, Parser)]
#[command(name = "scim", version, about)]
struct Cli {}

fn main() {
    let _cli = Cli::parse();
}
