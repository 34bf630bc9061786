//! Display formatting shared by the server render and the browser (same input, same text: no hydration
//! mismatch).

use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, prelude::ToPrimitive};

/// "$1.2B", "$12.5M", "$850K", "$900".
pub fn money_compact(value: Decimal) -> String {
    let v = value.to_f64().unwrap_or(0.0);
    let (scaled, suffix) = if v.abs() >= 1e9 {
        (v / 1e9, "B")
    } else if v.abs() >= 1e6 {
        (v / 1e6, "M")
    } else if v.abs() >= 1e3 {
        (v / 1e3, "K")
    } else {
        return format!("${v:.0}");
    };
    if scaled >= 100.0 { format!("${scaled:.0}{suffix}") } else { format!("${scaled:.1}{suffix}") }
}

/// "$40,440,000" (whole dollars, grouped).
pub fn money_full(value: Decimal) -> String {
    let digits = value.round_dp(0).abs().to_string();
    let grouped: Vec<String> =
        digits.as_bytes().rchunks(3).rev().map(|c| String::from_utf8_lossy(c).into_owned()).collect();
    format!("{}${}", if value.is_sign_negative() && !value.is_zero() { "-" } else { "" }, grouped.join(","))
}

/// "42%".
pub fn percent(value: Decimal) -> String {
    format!("{}%", value.round_dp(0))
}

/// "Mar 3, 2027".
pub fn date(value: DateTime<Utc>) -> String {
    value.format("%b %-d, %Y").to_string()
}

/// "Mar 3, 2027 14:05 UTC": for events such as sign-ins.
pub fn date_time(value: DateTime<Utc>) -> String {
    value.format("%b %-d, %Y %H:%M UTC").to_string()
}

/// A message as a sentence: capitalised, ending in one full stop ("the source answered HTTP 503" →
/// "The source answered HTTP 503.").
pub fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    let first = chars.next().map(|c| c.to_uppercase().collect::<String>()).unwrap_or_default();
    format!("{first}{}.", chars.as_str().trim_end_matches('.'))
}

/// "1 user", "3 users".
pub fn count(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// How close a due date is, for highlighting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    Overdue,
    /// Within 14 days.
    Soon,
    Later,
}

impl Urgency {
    /// The CSS modifier of a due date: `due--overdue`, `card-due--soon` ...
    pub const fn modifier(self) -> &'static str {
        match self {
            Self::Overdue => "overdue",
            Self::Soon => "soon",
            Self::Later => "later",
        }
    }
}

/// "due today", "in 5 days", "3 days ago", with its urgency, relative to `now`.
pub fn due_in(due: DateTime<Utc>, now: DateTime<Utc>) -> (String, Urgency) {
    let days = (due.date_naive() - now.date_naive()).num_days();
    match days {
        d if d < -1 => (format!("{} days ago", -d), Urgency::Overdue),
        -1 => ("yesterday".to_string(), Urgency::Overdue),
        0 => ("due today".to_string(), Urgency::Soon),
        1 => ("tomorrow".to_string(), Urgency::Soon),
        d if d <= 14 => (format!("in {d} days"), Urgency::Soon),
        d => (format!("in {d} days"), Urgency::Later),
    }
}

/// A file size as people read it.
pub fn file_size(bytes: i64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// A message to follow a colon or join a list: its first letter lower-cased, its final period dropped.
pub fn lower_first(message: &str) -> String {
    let message = message.trim_end_matches('.');
    let mut chars = message.chars();
    chars.next().map(|c| c.to_lowercase().chain(chars).collect()).unwrap_or_default()
}

/// The text with its first letter in capitals ("the same name" → "The same name").
pub fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// The byte-order mark Excel reads as "this file is UTF-8" (without it, it guesses the local code page).
pub const UTF8_BOM: &str = "\u{feff}";

/// A CSV cell that a spreadsheet would run as a formula (=, +, -, @, tab, CR) gets a leading apostrophe: an
/// exported value must never execute on someone's machine (CSV injection).
pub fn defuse_formula(value: &str) -> std::borrow::Cow<'_, str> {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}").into() } else { value.into() }
}

/// A query-string value (or a path to come back to), percent-encoded.
pub fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// "?k=v&…" from the pairs whose value is not empty, or "" when none is.
pub fn query_string<'a>(pairs: impl IntoIterator<Item = (&'a str, String)>) -> String {
    let encoded: Vec<String> =
        pairs.into_iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={}", url_encode(&v))).collect();
    if encoded.is_empty() { String::new() } else { format!("?{}", encoded.join("&")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_a_file_manager() {
        assert_eq!(file_size(512), "512 B");
        assert_eq!(file_size(1536), "1.5 KB");
        assert_eq!(file_size(5 * 1024 * 1024), "5.0 MB");
    }

    #[test]
    fn full_money_is_grouped() {
        assert_eq!(money_full(Decimal::from_str("40440000.00").expect("n")), "$40,440,000");
        assert_eq!(money_full(Decimal::from(950)), "$950");
        assert_eq!(money_full(Decimal::ZERO), "$0");
    }
    use chrono::TimeZone;
    use std::str::FromStr;

    #[test]
    fn money_is_compact() {
        assert_eq!(money_compact(Decimal::from_str("12500000").expect("dec")), "$12.5M");
        assert_eq!(money_compact(Decimal::from_str("1250000000").expect("dec")), "$1.2B");
        assert_eq!(money_compact(Decimal::from_str("850000").expect("dec")), "$850K");
        assert_eq!(money_compact(Decimal::from_str("900").expect("dec")), "$900");
        assert_eq!(money_compact(Decimal::from_str("250000000").expect("dec")), "$250M");
    }

    #[test]
    fn due_dates_are_relative_to_the_given_clock() {
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 15, 0, 0).single().expect("time");
        let at = |d: u32| Utc.with_ymd_and_hms(2026, 12, d, 9, 0, 0).single().expect("time");
        assert_eq!(due_in(at(2), now), ("in 10 days".to_string(), Urgency::Soon));
        assert_eq!(due_in(at(31), now), ("in 39 days".to_string(), Urgency::Later));
        let past = Utc.with_ymd_and_hms(2026, 11, 19, 9, 0, 0).single().expect("time");
        assert_eq!(due_in(past, now), ("3 days ago".to_string(), Urgency::Overdue));
        assert_eq!(due_in(now, now).1, Urgency::Soon);
    }

    #[test]
    fn dates_are_short_and_unambiguous() {
        let d = Utc.with_ymd_and_hms(2027, 3, 3, 0, 0, 0).single().expect("time");
        assert_eq!(date(d), "Mar 3, 2027");
    }
}
