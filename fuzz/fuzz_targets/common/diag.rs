//! The invariant every diagnostic must keep, shared by the file targets.

use plugres_schema::Diagnostic;

/// Asserts that each diagnostic points inside `input`: either at the file as
/// a whole (line and column 0), or at a line that exists and a column at
/// most one past that line's last byte (a span may start at end of input).
pub fn assert_within(input: &[u8], diags: &[Diagnostic]) {
    assert!(
        !diags.is_empty(),
        "an Err must carry at least one diagnostic"
    );
    let lines: Vec<&[u8]> = input.split(|&b| b == b'\n').collect();
    for d in diags {
        if d.line == 0 {
            assert_eq!(d.column, 0, "file-level diagnostic with a column: {d}");
            continue;
        }
        assert!(
            d.line <= lines.len(),
            "line {} past the last line {}: {d}",
            d.line,
            lines.len()
        );
        let len = lines[d.line - 1].len();
        assert!(
            d.column >= 1 && d.column <= len + 1,
            "column {} outside line {} of {} bytes: {d}",
            d.column,
            d.line,
            len
        );
    }
}
