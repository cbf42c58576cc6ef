//! The `plugres` binary: see `cli` for the command line and
//! [`plugres::ops`] for what each command does.

mod cli;

/// mimalloc rather than the system allocator: resolution allocates and frees
/// many small version ranges, and glibc's malloc spent about a fifth of a
/// large lock in malloc, free and fresh-page faults (README "Benchmarks").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
