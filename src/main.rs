//! The `wecare` binary: parses the command line and turns the result into an exit code.
use std::process::ExitCode;

use clap::Parser as _;

/// mimalloc hands freed memory back to the system soon after it is freed (glibc's allocator
/// kept it: at 10,000 projects a stage started with the 3 GB its predecessor had freed still
/// resident), so a run's peak is that of its largest stages, not their sum.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
