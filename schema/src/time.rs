//! UTC times and durations as index files write them, without a date crate:
//! `2026-11-29T02:44:00Z` and `7d` / `12h` / `30m` / `45s`.

/// Seconds since the Unix epoch now, by the system clock (0 before 1970).
/// The one reading of the clock both tools share; the rules themselves
/// take the time as an argument, so tests choose it.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Seconds since the Unix epoch of an RFC 3339 UTC time
/// `YYYY-MM-DDTHH:MM:SSZ` (fractions of a second are ignored).
pub fn parse_utc(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let tail = &s[19..];
    let tail = tail
        .strip_prefix('.')
        .map_or(tail, |f| f.trim_start_matches(|c: char| c.is_ascii_digit()));
    if !matches!(tail, "Z" | "z" | "+00:00") {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1970..=9999).contains(&y) || !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo)
    {
        return None;
    }
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec)
}

/// `YYYY-MM-DDTHH:MM:SSZ` for `secs` since the Unix epoch.
pub fn format_utc(secs: u64) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Seconds in a duration written `<n>d`, `<n>h`, `<n>m` or `<n>s`.
pub fn parse_duration(s: &str) -> Result<u64, String> {
    let err = || {
        format!(
            "`{s}` is not a duration; write a whole number and a unit: `7d`, `12h`, `30m` or `45s`"
        )
    };
    let (n, unit) = s.split_at(s.len().saturating_sub(1));
    if n.is_empty() || !n.bytes().all(|c| c.is_ascii_digit()) {
        return Err(err());
    }
    let n: u64 = n.parse().map_err(|_| err())?;
    let mult = match unit {
        "d" => 86_400,
        "h" => 3600,
        "m" => 60,
        "s" => 1,
        _ => return Err(err()),
    };
    let secs = n.checked_mul(mult).filter(|v| *v > 0).ok_or_else(err)?;
    if secs > MAX_DURATION {
        return Err(format!(
            "`{s}` is too long: at most `36500d` (100 years); dates past the year 9999 cannot be written"
        ));
    }
    Ok(secs)
}

/// The longest duration [`parse_duration`] accepts: 100 years, so that
/// now plus it is always a date [`format_utc`] writes with four digits.
pub const MAX_DURATION: u64 = 36_500 * 86_400;

/// A duration in the largest whole unit, for messages: `3d`, `5h`, `40s`.
pub fn format_duration(secs: u64) -> String {
    match secs {
        s if s >= 86_400 && s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s >= 86_400 => format!("{}d {}h", s / 86_400, s % 86_400 / 3600),
        s if s >= 3600 => format!("{}h {}m", s / 3600, s % 3600 / 60),
        s if s >= 60 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// A duration in one exact unit, as `timestamp-expiry` is written:
/// `7d`, `36h`, `90m`, `45s`.
pub fn format_duration_exact(secs: u64) -> String {
    match secs {
        s if s > 0 && s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s > 0 && s % 3600 == 0 => format!("{}h", s / 3600),
        s if s > 0 && s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

fn is_leap(y: u64) -> bool {
    y.is_multiple_of(4) && (!y.is_multiple_of(100) || y.is_multiple_of(400))
}

fn days_in_month(y: u64, m: u64) -> u64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`, years ≥ 1970).
fn days_from_civil(y: u64, m: u64, d: u64) -> u64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: u64) -> (u64, u64, u64) {
    let z = z + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_round_trips_and_matches_known_instants() {
        assert_eq!(parse_utc("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_utc("2026-11-22T02:44:08Z"), Some(1_795_315_448));
        assert_eq!(parse_utc("2000-02-29T12:00:00.123Z"), Some(951_825_600));
        for secs in [
            0,
            951_825_600,
            1_795_315_448,
            4_102_444_800,
            253_402_300_799,
        ] {
            assert_eq!(parse_utc(&format_utc(secs)), Some(secs), "{secs}");
        }
    }

    #[test]
    fn utc_refuses_what_is_not_utc_rfc3339() {
        for bad in [
            "",
            "2026-11-22",
            "2026-11-22T02:44:08",
            "2026-11-22T02:44:08+01:00",
            "2026-02-30T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "1969-12-31T23:59:59Z",
            "2026-11-22T24:00:00Z",
            "2026-1a-22T02:44:08Z",
            "+026-11-22T02:44:08Z",
        ] {
            assert_eq!(parse_utc(bad), None, "{bad}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("7d"), Ok(604_800));
        assert_eq!(parse_duration("12h"), Ok(43_200));
        assert_eq!(parse_duration("30m"), Ok(1800));
        assert_eq!(parse_duration("45s"), Ok(45));
        for bad in [
            "",
            "d",
            "7",
            "7w",
            "-1d",
            "0d",
            "1.5d",
            "99999999999999999999d",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(format_duration(604_800), "7d");
        assert_eq!(format_duration(90_000), "1d 1h");
        assert_eq!(format_duration(3_900), "1h 5m");
        assert_eq!(format_duration(59), "59s");
    }
}
