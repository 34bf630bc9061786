//! What a source says, made comparable before anything is compared or stored, and when two records are the
//! same opportunity. Sources are untidy (SAM-GOV.md): strings carry spaces, the string "null" means null,
//! "no set-aside" has four spellings, dates come in three formats, money arrives as a string. Everything the
//! sync decides (same opportunity? changed? which fields?) goes through these functions, so one rule holds.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use rust_decimal::Decimal;
use serde_json::{Map, Value};

/// A text value as stored: trimmed; empty or the string "null" (any case) is no value. Unicode is kept as it
/// came (no case folding, no normalisation form changes).
pub fn text(raw: Option<&str>) -> Option<String> {
    let trimmed = raw?.trim();
    (!trimmed.is_empty() && !trimmed.eq_ignore_ascii_case("null")).then(|| trimmed.to_string())
}

/// A record in its canonical form: every string cleaned as `text` does (an empty one becomes null), objects
/// with their keys in order, arrays in their order (order is meaningful in a list of contacts or links). Two
/// records that differ only in key order, padding or "null" spellings are equal after this. It takes the
/// record (a search's thousand records are made canonical without copying them first).
pub fn canonical(value: Value) -> Value {
    match value {
        Value::String(s) => text(Some(&s)).map_or(Value::Null, Value::String),
        Value::Array(items) => Value::Array(items.into_iter().map(canonical).collect()),
        Value::Object(fields) => {
            // Sorted here rather than trusting the map's own order (a `preserve_order` feature anywhere in the
            // build would keep the source's order, and the version hash with it).
            let mut entries: Vec<(String, Value)> = fields.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(key, v)| (key, canonical(v))).collect::<Map<_, _>>())
        }
        other => other,
    }
}

/// A notice id as compared: trimmed, lower case (SAM.gov's are 32 hex digits).
pub fn notice_id(raw: Option<&str>) -> Option<String> {
    text(raw).map(|id| id.to_ascii_lowercase())
}

/// A solicitation number as compared: its letters and digits only, upper case ("w912dy-27-r-0049 " and
/// "W912DY27R0049" are the same number, written twice).
pub fn solicitation_number(raw: Option<&str>) -> Option<String> {
    let key: String = text(raw)?.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_uppercase).collect();
    (!key.is_empty()).then_some(key)
}

/// An issuing office's path as compared (`fullParentPathCode`, department.sub-tier.office): each part
/// trimmed and upper case, empty parts dropped.
pub fn office_path(raw: Option<&str>) -> Option<String> {
    let parts: Vec<String> = text(raw)?.split('.').map(|p| p.trim().to_uppercase()).filter(|p| !p.is_empty()).collect();
    (!parts.is_empty()).then(|| parts.join("."))
}

/// What identifies an opportunity across polls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpportunityKey {
    pub notice_id: Option<String>,
    pub solicitation_number: Option<String>,
    pub office_path: Option<String>,
}

impl OpportunityKey {
    pub fn new(notice_id: Option<&str>, solicitation_number: Option<&str>, office_path: Option<&str>) -> Self {
        OpportunityKey {
            notice_id: self::notice_id(notice_id),
            solicitation_number: self::solicitation_number(solicitation_number),
            office_path: self::office_path(office_path),
        }
    }

    /// The same opportunity: the same notice id, or else the same solicitation number issued by the same
    /// office (an amendment or award arrives under a new notice id). Never by solicitation number alone:
    /// agencies reuse them ("RFI-2026-001" at two agencies is two opportunities).
    pub fn same_opportunity(&self, other: &OpportunityKey) -> bool {
        if let (Some(a), Some(b)) = (&self.notice_id, &other.notice_id)
            && a == b
        {
            return true;
        }
        matches!(
            (&self.solicitation_number, &other.solicitation_number, &self.office_path, &other.office_path),
            (Some(s1), Some(s2), Some(o1), Some(o2)) if s1 == s2 && o1 == o2
        )
    }
}

/// An instant from the formats sources use: RFC 3339 with an offset (`2026-03-04T17:00:00-05:00`), SQL-style
/// with a short offset (`2018-05-09 23:45:22+00`), or a bare date (`2026-02-02`, taken as its start in UTC).
/// Compared and stored in UTC; anything else is no value (the caller reports it, nothing guesses).
pub fn instant(raw: Option<&str>) -> Option<DateTime<Utc>> {
    let raw = text(raw)?;
    if let Ok(at) = DateTime::parse_from_rfc3339(&raw) {
        return Some(at.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%d %H:%M:%S%#z", "%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M:%S%#z"] {
        if let Ok(at) = DateTime::parse_from_str(&raw, format) {
            return Some(at.with_timezone(&Utc));
        }
    }
    if let Ok(at) = NaiveDateTime::parse_from_str(&raw, "%Y-%m-%dT%H:%M:%S") {
        return Some(Utc.from_utc_datetime(&at));
    }
    NaiveDate::parse_from_str(&raw, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| Utc.from_utc_datetime(&t))
}

/// An amount of money, exactly: from a string ("350567.00", "$1,250,000") or a JSON number, whose decimal
/// text is read as it was written, never through a float. The same rule as amounts people type
/// (`input::plain_decimal`: no sign, no exponent).
pub fn money(raw: &Value) -> Option<Decimal> {
    match raw {
        Value::String(s) => crate::input::plain_decimal(&text(Some(s))?),
        Value::Number(n) => crate::input::plain_decimal(&n.to_string()),
        _ => None,
    }
}

/// A set-aside as stored: its code, or no value for the spellings of "none" (null, "", "NONE",
/// "No Set aside used").
pub fn set_aside(code: Option<&str>, description: Option<&str>) -> Option<String> {
    let none = |v: &str| {
        let v = v.to_ascii_lowercase();
        v == "none" || v.starts_with("no set aside") || v.starts_with("no set-aside")
    };
    match (text(code), text(description)) {
        (Some(code), _) if !none(&code) => Some(code),
        (None, Some(description)) if !none(&description) => Some(description),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_is_trimmed_and_null_spellings_are_no_value() {
        assert_eq!(text(Some("  W912DY-27-R-0049 ")), Some("W912DY-27-R-0049".into()));
        for nothing in [None, Some(""), Some("   "), Some("null"), Some(" NULL "), Some("Null")] {
            assert_eq!(text(nothing), None, "{nothing:?}");
        }
        assert_eq!(
            text(Some(" Café – Señor Ünïcode 試験 ")),
            Some("Café – Señor Ünïcode 試験".into()),
            "unicode untouched"
        );
        assert_eq!(text(Some("nullable")), Some("nullable".into()));
    }

    #[test]
    fn records_compare_structurally_whatever_the_key_order_padding_or_null_spelling() {
        let a = json!({"title": " Cloud ", "award": {"amount": "10.00", "date": null}, "naicsCodes": ["541512"], "x": "null"});
        let b =
            json!({"x": null, "naicsCodes": ["541512"], "award": {"date": "", "amount": "10.00"}, "title": "Cloud"});
        assert_eq!(canonical(a.clone()), canonical(b.clone()));
        let reordered_list = json!({"title": "Cloud", "award": {"amount": "10.00", "date": null}, "naicsCodes": ["541519", "541512"], "x": null});
        assert_ne!(canonical(a), canonical(reordered_list), "a list's order is content");
        let keys: Vec<String> = canonical(b).as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["award", "naicsCodes", "title", "x"], "stored with sorted keys");
    }

    #[test]
    fn the_same_opportunity_by_notice_id_or_by_solicitation_and_office_never_by_solicitation_alone() {
        let office = Some("097.DISA.DITCO SCOTT");
        let original = OpportunityKey::new(Some("0a1b2c3d4e5f60718293a4b5c6d7e8f9"), Some("HC1028-26-R-0001"), office);
        let amendment = OpportunityKey::new(
            Some("ffffffffffffffffffffffffffffffff"),
            Some(" hc1028-26-r-0001"),
            Some("097. DISA .DITCO SCOTT"),
        );
        assert!(original.same_opportunity(&amendment), "an amendment: new notice id, same number and office");
        let same_notice = OpportunityKey::new(Some(" 0A1B2C3D4E5F60718293A4B5C6D7E8F9 "), None, None);
        assert!(original.same_opportunity(&same_notice));
        let other_agency = OpportunityKey::new(
            Some("11111111111111111111111111111111"),
            Some("HC1028-26-R-0001"),
            Some("070.CISA.OCPO"),
        );
        assert!(!original.same_opportunity(&other_agency), "a reused number at another office is another opportunity");
        let no_office = OpportunityKey::new(Some("22222222222222222222222222222222"), Some("HC1028-26-R-0001"), None);
        assert!(!original.same_opportunity(&no_office), "never by solicitation number alone");
        let nothing = OpportunityKey::new(Some("null"), Some(" "), Some(""));
        assert!(!nothing.same_opportunity(&nothing.clone()), "no identity, no match");
    }

    #[test]
    fn instants_from_every_format_compare_in_utc() {
        let deadline = instant(Some("2026-03-04T17:00:00-05:00")).unwrap();
        assert_eq!(deadline, instant(Some("2026-03-04T22:00:00Z")).unwrap(), "the same instant in another zone");
        assert_eq!(instant(Some("2018-05-09 23:45:22+00")), Utc.with_ymd_and_hms(2018, 5, 9, 23, 45, 22).single());
        assert_eq!(instant(Some("2026-02-02")), Utc.with_ymd_and_hms(2026, 2, 2, 0, 0, 0).single());
        assert_eq!(instant(Some(" 2026-02-02 ")), Utc.with_ymd_and_hms(2026, 2, 2, 0, 0, 0).single());
        for junk in [None, Some("null"), Some("next Friday"), Some("2026-13-01"), Some("02/02/2026")] {
            assert_eq!(instant(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn money_is_exact_and_never_a_float() {
        assert_eq!(money(&json!("350567.00")), Some(Decimal::new(35_056_700, 2)));
        assert_eq!(money(&json!(" $1,250,000.10 ")), Some(Decimal::new(125_000_010, 2)));
        assert_eq!(money(&json!(0.1)), Some(Decimal::new(1, 1)), "0.1 stays 0.1");
        assert_eq!(money(&json!(12345678901234567_u64)), Some(Decimal::from(12_345_678_901_234_567_u64)));
        for junk in [json!(null), json!("null"), json!(""), json!("1e20"), json!("ten"), json!(true), json!({})] {
            assert_eq!(money(&junk), None, "{junk}");
        }
    }

    #[test]
    fn every_spelling_of_no_set_aside_is_no_value() {
        assert_eq!(set_aside(Some("SBA"), Some("Total Small Business Set-Aside (FAR 19.5)")), Some("SBA".into()));
        assert_eq!(set_aside(None, Some("8(a) Set-Aside")), Some("8(a) Set-Aside".into()));
        for (code, description) in [
            (None, None),
            (Some(""), None),
            (Some("NONE"), None),
            (None, Some("No Set aside used")),
            (Some("null"), Some(" ")),
        ] {
            assert_eq!(set_aside(code, description), None, "{code:?} {description:?}");
        }
    }
}
