//! The process's exit codes (README, "Exit codes"), like cargo's and
//! uv's for failures, and like `diff`'s for a check whose answer is "no":
//! a script tells "the engine move is blocked" from "the index could not
//! be read" without parsing messages.

use std::process::ExitCode;

/// The command did what was asked; a check found nothing wrong.
pub(crate) const SUCCESS: u8 = 0;
/// The command failed: an error was printed (bad input, an unreachable or
/// refused index, a conflict, an I/O error).
pub(crate) const FAILURE: u8 = 1;
/// The command line was not understood: clap exits with it itself.
#[cfg_attr(
    not(test),
    expect(dead_code, reason = "clap exits with it; named for the table")
)]
pub(crate) const USAGE: u8 = 2;
/// A check ran and its answer is "no": `engine-check` found plugins that
/// block the engine version, `verify` found installed files that differ
/// from plugres.lock.
pub(crate) const CHECK_FAILED: u8 = 3;

pub(crate) fn code(code: u8) -> ExitCode {
    ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_usage_is_clap_s() {
        let all = [SUCCESS, FAILURE, USAGE, CHECK_FAILED];
        for (i, a) in all.iter().enumerate() {
            assert!(all[i + 1..].iter().all(|b| a != b));
        }
        let err = clap::Command::new("x")
            .try_get_matches_from(["x", "--nope"])
            .unwrap_err();
        assert_eq!(err.exit_code(), i32::from(USAGE));
    }
}
