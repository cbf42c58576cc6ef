//! The `plugres` binary: see `cli` for the command line and
//! [`plugres::ops`] for what each command does.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
