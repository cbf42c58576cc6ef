//! "did you mean `hello-world`?": the names closest to a mistyped one.

/// Up to three of `candidates` within a small edit distance of `name`
/// (insertions, deletions, substitutions and swaps of neighbours, each
/// counting one), closest first. The allowed distance grows with the
/// name: 1 up to 4 characters, 2 up to 8, then 3.
pub(crate) fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let max = match name.chars().count() {
        0..=4 => 1,
        5..=8 => 2,
        _ => 3,
    };
    let mut near: Vec<(usize, &str)> = candidates
        .filter(|c| *c != name)
        .filter_map(|c| Some((distance(name, c, max)?, c)))
        .collect();
    near.sort();
    near.dedup();
    near.into_iter().take(3).map(|(_, c)| c).collect()
}

/// The optimal-string-alignment distance of `a` and `b` when at most
/// `max`, else `None`.
fn distance(a: &str, b: &str, max: usize) -> Option<usize> {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = d;
        }
    }
    let d = rows[a.len()][b.len()];
    (d <= max).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_swap_or_a_missing_letter_is_one_edit() {
        let names = [
            "hello-world",
            "hello-universe",
            "greeter-core",
            "acme-audit",
        ];
        assert_eq!(closest("hello-wrold", names.into_iter()), ["hello-world"]);
        assert_eq!(closest("greter-core", names.into_iter()), ["greeter-core"]);
        assert!(closest("zzz", names.into_iter()).is_empty());
        assert!(
            closest("hello-world", names.into_iter()).is_empty(),
            "not itself"
        );
    }
}
