//! The `plugres-index` binary: see `cli` for the command line and
//! [`plugres_index::ops`] for what each command does.

mod cli;

fn main() {
    cli::main()
}
