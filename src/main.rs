//! The `wecare` binary: parses the command line and turns the result into an exit code.
use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    // A bug must still not print a backtrace at the user: one line saying where, then the
    // caller (the runner) turns the panic into a failed stage.
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("internal error{at}: a bug in wecare, please report it");
    }));
    wecare::main_with(wecare::cli::Cli::parse())
}
