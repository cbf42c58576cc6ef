//! The results, the targets of issue 3 judged against them, and a table.

use serde::Serialize;

use crate::measure::{SizeResult, Timing};

/// Fresh `plugres lock` on the main index, median.
const LOCK_LIMIT_S: f64 = 0.150;
/// No-op `plugres install` on the main index, median.
const NOOP_INSTALL_LIMIT_S: f64 = 0.015;
/// The big index may cost at most this much more than the main one.
const GROWTH_LIMIT: f64 = 1.2;

/// Everything the benchmark found.
#[derive(Debug, Serialize)]
pub(crate) struct Summary {
    /// Threads the machine offers (rayon's and the OS's view).
    pub(crate) threads: usize,
    pub(crate) runs: usize,
    /// `/proc/loadavg` (1, 5, 15 minutes) before and after: other work on
    /// the machine shows in the medians, much less in the minimums.
    pub(crate) load_before: Option<String>,
    pub(crate) load_after: Option<String>,
    /// The main index first, then the big one if measured.
    pub(crate) sizes: Vec<SizeResult>,
    pub(crate) targets: Vec<Target>,
}

/// One target and whether it was met.
#[derive(Debug, Serialize)]
pub(crate) struct Target {
    pub(crate) what: String,
    pub(crate) value: String,
    pub(crate) limit: String,
    pub(crate) met: bool,
}

impl Summary {
    pub(crate) fn new(runs: usize, load_before: Option<String>, sizes: Vec<SizeResult>) -> Summary {
        let targets = targets(&sizes);
        Summary {
            threads: std::thread::available_parallelism().map_or(1, usize::from),
            runs,
            load_before,
            load_after: load_average(),
            sizes,
            targets,
        }
    }
}

/// The first three fields of `/proc/loadavg`, where there is one.
pub(crate) fn load_average() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    Some(
        text.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
    )
}

fn targets(sizes: &[SizeResult]) -> Vec<Target> {
    let Some(main) = sizes.first() else {
        return Vec::new();
    };
    let mut out = vec![
        Target {
            what: format!("fresh `plugres lock`, {} plugins", thousands(main.plugins)),
            value: ms(main.lock_process.median_s),
            limit: format!("< {}", ms(LOCK_LIMIT_S)),
            met: main.lock_process.median_s < LOCK_LIMIT_S,
        },
        Target {
            what: format!(
                "no-op `plugres install`, {} plugins",
                thousands(main.plugins)
            ),
            value: ms(main.noop_install_process.median_s),
            limit: format!("< {}", ms(NOOP_INSTALL_LIMIT_S)),
            met: main.noop_install_process.median_s < NOOP_INSTALL_LIMIT_S,
        },
    ];
    for s in sizes {
        out.push(Target {
            what: format!(
                "plugin files read by lock, {} plugins",
                thousands(s.plugins)
            ),
            value: s.lock_files_read.to_string(),
            limit: format!("= solution ({})", s.solution),
            met: s.lock_files_read == s.solution,
        });
    }
    if let Some(big) = sizes.get(1) {
        let files = big.lock_files_read as f64 / main.lock_files_read.max(1) as f64;
        // Minimum against minimum: the runs least disturbed by other work,
        // so the ratio shows what the bigger index costs, not the noise.
        let time = big.lock_process.min_s / main.lock_process.min_s;
        let label = format!(
            "{} vs {} plugins",
            thousands(big.plugins),
            thousands(main.plugins)
        );
        out.push(Target {
            what: format!("files read by lock, {label}"),
            value: format!("x{files:.2}"),
            limit: format!("<= x{GROWTH_LIMIT:.2}"),
            met: files <= GROWTH_LIMIT,
        });
        out.push(Target {
            what: format!("fresh lock time (min), {label}"),
            value: format!("x{time:.2}"),
            limit: format!("<= x{GROWTH_LIMIT:.2}"),
            met: time <= GROWTH_LIMIT,
        });
    }
    out
}

/// The human-readable table.
pub(crate) fn print_table(s: &Summary) {
    println!(
        "plugres-bench: {} threads; {} timed runs after 1 warm-up; times are median (min)",
        s.threads, s.runs
    );
    let load = |l: &Option<String>| l.clone().unwrap_or_else(|| "?".to_string());
    println!(
        "load average before: {}, after: {}\n",
        load(&s.load_before),
        load(&s.load_after)
    );
    let header: Vec<String> = s
        .sizes
        .iter()
        .map(|r| format!("{} x {}", thousands(r.plugins), r.versions))
        .collect();
    row("index", &header);
    row(
        "  index files / size",
        &column(s, |r| {
            format!(
                "{} / {:.1} MB",
                thousands(r.index_files),
                r.index_bytes as f64 / 1e6
            )
        }),
    );
    row(
        "  generated in",
        &column(s, |r| match r.generate_s {
            Some(g) => format!("{g:.1} s"),
            None => "(reused)".to_string(),
        }),
    );
    row(
        "  roots / solution",
        &column(s, |r| format!("{} / {}", r.roots, r.solution)),
    );
    println!();
    row(
        "fresh lock, `plugres lock`",
        &column(s, |r| timing(&r.lock_process)),
    );
    row(
        "fresh lock, library call",
        &column(s, |r| timing(&r.lock_library)),
    );
    row(
        "  plugin files read",
        &column(s, |r| {
            format!(
                "{} ({:.2}% of index)",
                r.lock_files_read,
                100.0 * r.lock_files_read as f64 / r.plugins.max(1) as f64
            )
        }),
    );
    row(
        "first install (all plugins)",
        &column(s, |r| ms(r.first_install_s)),
    );
    row(
        "no-op `plugres install`",
        &column(s, |r| timing(&r.noop_install_process)),
    );
    row(
        "no-op install, library call",
        &column(s, |r| timing(&r.noop_install_library)),
    );
    println!("\n{:<46} {:>10} {:>14}", "target", "measured", "limit");
    for t in &s.targets {
        let verdict = if t.met { "ok" } else { "MISSED" };
        println!("{:<46} {:>10} {:>14}  {verdict}", t.what, t.value, t.limit);
    }
}

fn column(s: &Summary, f: impl Fn(&SizeResult) -> String) -> Vec<String> {
    s.sizes.iter().map(f).collect()
}

fn row(label: &str, cells: &[String]) {
    let cells: String = cells.iter().map(|c| format!(" {c:>22}")).collect();
    println!("{label:<30}{cells}");
}

fn timing(t: &Timing) -> String {
    format!("{} ({})", ms(t.median_s), ms(t.min_s))
}

fn ms(secs: f64) -> String {
    if secs < 1.0 {
        format!("{:.1} ms", secs * 1000.0)
    } else {
        format!("{secs:.2} s")
    }
}

/// `12345` as `12,345`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(7), "7");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(100_000), "100,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
