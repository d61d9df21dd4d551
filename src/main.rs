//! The `wecare` binary: parses the command line and turns the result into an exit code.
use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    wecare::main_with(wecare::cli::Cli::parse())
}
