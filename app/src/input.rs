//! Reading what people type: every text, number and date that enters gets a range here, and a message
//! that names the field and says what to fix. Foundation code: it never imports a domain.

use crate::error::AppError;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

/// The largest amount of money a pursuit holds: amounts are stored as `numeric(15, 2)`.
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(2_764_472_319, 232_830, 0, false, 2);

/// Dates people enter (due dates, end dates) fall in this window, which every reader (PostgreSQL, chrono,
/// the browser) holds and a pursuit plausibly needs.
pub const FIRST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(1990, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};
pub const LAST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2100, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MAX,
};

/// The highest page number a paged list accepts (far past any real list; keeps offsets from overflowing).
pub const MAX_PAGE: u32 = 10_000;

/// A number as people type it: digits with at most one decimal point, grouping commas and a leading "$"
/// allowed; no sign and no exponent ("1e20" parses as a decimal, but it is not an amount anyone typed on
/// purpose). None when it is not such a number.
pub fn plain_decimal(raw: &str) -> Option<Decimal> {
    let cleaned: String = raw.trim().trim_start_matches('$').chars().filter(|c| *c != ',').collect();
    let (whole, fraction) = cleaned.split_once('.').unwrap_or((cleaned.as_str(), ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !digits(whole) || !digits(fraction) || whole.len() > 18 {
        return None;
    }
    cleaned.parse().ok()
}

/// A percentage from 0 to 100 with at most two decimals, as people type it ("45", "62.5", "62.5%"); None
/// when left empty. The message names the field and what was typed.
pub fn percent(label: &str, raw: &str) -> Result<Option<Decimal>, String> {
    let raw = raw.trim().trim_end_matches('%').trim();
    if raw.is_empty() {
        return Ok(None);
    }
    match plain_decimal(raw) {
        Some(v) if v <= Decimal::from(100) && v.scale() <= 2 && !raw.starts_with('$') => Ok(Some(v)),
        _ => Err(format!("{label} must be a number from 0 to 100 (e.g. 45 or 62.5), not \"{raw}\"")),
    }
}

/// An amount of money in dollars, rounded to cents, from $0 up to `MAX_AMOUNT`.
pub fn amount(label: &str, raw: &str) -> Result<Decimal, AppError> {
    let value = plain_decimal(raw).ok_or_else(|| {
        AppError::Validation(format!(
            "{label}: \"{}\" is not an amount in dollars, e.g. 12500000 or $12,500,000.",
            raw.trim()
        ))
    })?;
    let value = value.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    if value > MAX_AMOUNT {
        return Err(AppError::Validation(format!(
            "{label}: \"{}\" is too large: amounts go up to $9,999,999,999,999.99.",
            raw.trim()
        )));
    }
    Ok(value)
}

/// Refuses control characters (NUL above all, which PostgreSQL cannot store in text); tabs and line
/// breaks are fine.
pub fn plain_text(label: &str, value: &str) -> Result<(), AppError> {
    if value.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(AppError::Validation(format!("{label} contains a control character; remove it and try again.")));
    }
    Ok(())
}

/// A required, trimmed text field with a length limit.
pub fn required_text(label: &str, value: &str, max: usize) -> Result<String, AppError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AppError::Validation(format!("{label} is required.")));
    }
    optional_text(label, value, max).map(|v| v.unwrap_or_default())
}

/// An optional, trimmed text field with a length limit (empty is None).
pub fn optional_text(label: &str, value: &str, max: usize) -> Result<Option<String>, AppError> {
    let value = value.trim();
    plain_text(label, value)?;
    if value.chars().count() > max {
        return Err(AppError::Validation(format!("{label} can have at most {max} characters.")));
    }
    Ok((!value.is_empty()).then(|| value.to_string()))
}

/// A date typed as YYYY-MM-DD, between FIRST_DATE and LAST_DATE.
pub fn date_in_range(label: &str, raw: &str) -> Result<NaiveDate, AppError> {
    let raw = raw.trim();
    let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| AppError::Validation(format!("\"{raw}\" is not a date; use YYYY-MM-DD.")))?;
    if !(FIRST_DATE..=LAST_DATE).contains(&date) {
        return Err(AppError::Validation(format!("{label} must be between {FIRST_DATE} and {LAST_DATE}.")));
    }
    Ok(date)
}

/// A 1-based page number from a URL or form: 1 to MAX_PAGE.
pub fn page_number(page: i64) -> Result<u32, AppError> {
    u32::try_from(page)
        .ok()
        .filter(|p| (1..=MAX_PAGE).contains(p))
        .ok_or_else(|| AppError::Validation(format!("The page number must be between 1 and {MAX_PAGE}.")))
}

/// An email address, lower-cased, with a message that says what is wrong.
pub fn parse_email(value: &str) -> Result<String, AppError> {
    let email = value.trim().to_lowercase();
    let valid = email.len() <= 255
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
        })
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid {
        Ok(email)
    } else {
        Err(AppError::Validation(format!("\"{}\" is not a valid email address.", value.trim().escape_debug())))
    }
}

/// An id from an optional form field or a route's own parameters, with a not-found answer for garbage (the
/// same answer another tenant's id gets). Server functions take typed ids instead: a malformed one is
/// refused before the function runs (422, "\"…\" is not a valid project id").
pub fn parse_id<T: std::str::FromStr>(what: &str, raw: &str) -> Result<T, AppError> {
    raw.parse().map_err(|_| AppError::NotFound(what.to_string()))
}

/// One problem of a form, with the field it is about (an import names the column from it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: &'static str,
    pub message: String,
}

/// Every problem as one message for a form.
pub fn problems_error(problems: &[FieldProblem]) -> AppError {
    let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    AppError::Validation(format!("Please fix: {}.", messages.join("; ")))
}

/// Collects every problem of one form, each with the field being checked when it was found.
#[derive(Default)]
pub struct Problems {
    field: &'static str,
    found: Vec<FieldProblem>,
}

impl Problems {
    /// The field the next checks are about.
    pub fn at(&mut self, field: &'static str) -> &mut Self {
        self.field = field;
        self
    }

    pub fn push(&mut self, message: String) {
        self.found.push(FieldProblem { field: self.field, message });
    }

    /// A trimmed text of at most `max` characters, without control characters; empty is None.
    pub fn text(&mut self, label: &str, raw: &str, max: usize) -> Option<String> {
        let value = raw.trim();
        if value.chars().count() > max {
            self.push(format!("{label} can have at most {max} characters"));
            return None;
        }
        if value.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
            self.push(format!("{label} contains a control character"));
            return None;
        }
        (!value.is_empty()).then(|| value.to_string())
    }

    pub fn one_line(&mut self, label: &str, raw: &str, max: usize) -> Option<String> {
        if raw.trim().contains(['\n', '\r']) {
            self.push(format!("{label} must fit on one line"));
            return None;
        }
        self.text(label, raw, max)
    }

    pub fn required(&mut self, label: &str, raw: &str, max: usize) -> Option<String> {
        let value = self.one_line(label, raw, max);
        if raw.trim().is_empty() {
            self.push(format!("{label} is required"));
        }
        value
    }

    pub fn choice<T: std::str::FromStr<Err = crate::closed_set::UnknownVariant>>(&mut self, raw: &str) -> Option<T> {
        if raw.trim().is_empty() {
            return None;
        }
        raw.parse().map_err(|e: crate::closed_set::UnknownVariant| self.push(e.to_string())).ok()
    }

    pub fn checked<T>(&mut self, result: Result<T, String>) -> Option<T> {
        result.map_err(|e| self.push(e)).ok()
    }

    pub fn version(&mut self, raw: &str) -> Option<DateTime<Utc>> {
        match raw.trim() {
            "" => None,
            raw => raw.parse().map_err(|_| self.push("the form is out of date: reload the page".into())).ok(),
        }
    }

    pub fn finish<T>(self, valid: impl FnOnce() -> T) -> Result<T, Vec<FieldProblem>> {
        if self.found.is_empty() { Ok(valid()) } else { Err(self.found) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_plain_numbers_in_range() {
        assert_eq!(plain_decimal("12500000"), Some(Decimal::from(12_500_000)));
        assert_eq!(plain_decimal(" $12,500,000.50 "), Some(Decimal::new(1_250_000_050, 2)));
        assert_eq!(plain_decimal(".5"), Some(Decimal::new(5, 1)));
        for bad in ["1e20", "1E5", "-5", "+5", "", "$", ".", "12.5.1", "0x10", "NaN", "inf", "1 000"] {
            assert_eq!(plain_decimal(bad), None, "{bad}");
        }
        assert_eq!(amount("Value", "1,234.567").ok(), Some(Decimal::new(123_457, 2)));
        let too_big = amount("Value", "10000000000000").unwrap_err().to_string();
        assert!(too_big.contains("too large"), "{too_big}");
        let exponent = amount("Value", "1e20").unwrap_err().to_string();
        assert!(exponent.contains("not an amount in dollars"), "{exponent}");
    }

    #[test]
    fn emails_and_required_texts_are_checked_with_clear_messages() {
        assert_eq!(parse_email(" Dana@Acme.COM ").expect("valid"), "dana@acme.com");
        for bad in ["", "dana", "dana@", "@acme.com", "dana@acme", "da na@acme.com"] {
            assert!(parse_email(bad).is_err(), "{bad}");
        }
        assert!(required_text("Name", "  ", 10).is_err());
        assert!(
            required_text("Name", "abcdefghijk", 10).expect_err("must be refused").to_string().contains("at most 10")
        );
    }

    #[test]
    fn ranges_are_what_the_database_holds() {
        assert_eq!(MAX_AMOUNT.to_string(), "9999999999999.99");
        assert_eq!(FIRST_DATE.to_string(), "1990-01-01");
        assert_eq!(LAST_DATE.to_string(), "2100-12-31");
        assert!(date_in_range("Due", "2100-12-31").is_ok());
        assert!(
            date_in_range("Due", "2101-01-01")
                .expect_err("late")
                .to_string()
                .contains("between 1990-01-01 and 2100-12-31")
        );
        assert!(date_in_range("Due", "+10000-01-01").is_err());
        assert_eq!(page_number(1).expect("first"), 1);
        for bad in [0, -1, i64::from(MAX_PAGE) + 1, i64::MAX, i64::MIN] {
            assert!(page_number(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn text_has_no_control_characters_and_a_length() {
        assert!(required_text("Name", "a\0b", 10).expect_err("NUL").to_string().contains("control character"));
        assert_eq!(required_text("Name", " line\none ", 20).expect("newlines are fine"), "line\none");
        assert_eq!(optional_text("Title", "  ", 5).expect("empty"), None);
        assert!(optional_text("Title", "abcdef", 5).expect_err("long").to_string().contains("at most 5"));
        assert!(parse_email("a\0@b.com").is_err());
    }
}
