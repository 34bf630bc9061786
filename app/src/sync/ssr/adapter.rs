//! One interface for every kind of source: how to ask for a page (a search, or one opportunity), how to
//! read a page, and how a record reads in the product's vocabulary. A third kind of source is a file that
//! implements `Adapter` and a line in `adapter_for`.

use super::{gwm_feed::GwmFeed, sam::SamGov};
use crate::sync::{SearchCriteria, SourceKind, snapshot::Snapshot};
use chrono::NaiveDate;
use serde_json::Value;

/// A page to ask for: a path below the source's base address and its query (no credentials: the call adds
/// them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub path: String,
    pub query: Vec<(String, String)>,
}

/// One opportunity to look up (a pursued one's own poll).
#[derive(Debug, Clone)]
pub struct Lookup {
    pub notice_id: String,
    pub solicitation_number: Option<String>,
    /// When it was first posted, if known: the posted window starts there (SAM.gov requires one).
    pub posted: Option<NaiveDate>,
}

/// One page as read: the total the source claims and this page's records.
#[derive(Debug, Clone)]
pub struct FeedPage {
    pub total: u64,
    pub records: Vec<Value>,
}

/// Why a fetch failed. Every kind changes nothing; `retryable` ones are tried again.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedError {
    /// Not complete, consistent, well-formed JSON of the expected shape (an HTML page, a truncated body, an
    /// error object with status 200, a count that contradicts the pages).
    #[error("the response was not usable: {0}")]
    Malformed(String),
    /// The source said no in its body (an error object): its own words, which never carry our secrets.
    #[error("the source answered with an error: {0}")]
    Refused(String),
}

pub trait Adapter: Send + Sync {
    fn kind(&self) -> SourceKind;
    /// The largest page the API serves.
    fn max_page_size(&self) -> u32;
    /// Where an API key goes.
    fn api_key_placement(&self) -> KeyPlacement;
    /// Page `page` (from 0) of the source's search.
    fn search(&self, criteria: &SearchCriteria, page: u32, page_size: u32, today: NaiveDate) -> PageRequest;
    /// Page `page` of one opportunity's notices.
    fn lookup(&self, lookup: &Lookup, page: u32, page_size: u32, today: NaiveDate) -> PageRequest;
    /// Reads one page's body.
    fn read_page(&self, body: &[u8]) -> Result<FeedPage, FeedError>;
    /// A record in the product's vocabulary; an error names what is missing or wrong.
    fn snapshot(&self, record: &Value) -> Result<Snapshot, String>;
}

/// Where an API key travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPlacement {
    Query(&'static str),
    Header(&'static str),
}

pub fn adapter_for(kind: SourceKind) -> &'static dyn Adapter {
    match kind {
        SourceKind::SamGov => &SamGov,
        SourceKind::GwmFeed => &GwmFeed,
    }
}

/// How many pages a search of `total` records takes at `page_size`.
pub fn page_count(total: u64, page_size: u32) -> u64 {
    total.div_ceil(u64::from(page_size.max(1)))
}

/// Checks one page against the first page's total and the page size: every page but the last is full, the
/// last holds the rest, and the total never moves while the pages are read.
pub fn check_page(page: &FeedPage, index: u64, first_total: u64, page_size: u32) -> Result<(), FeedError> {
    if page.total != first_total {
        return Err(FeedError::Malformed(format!(
            "the record count changed from {first_total} to {} while its pages were read",
            page.total
        )));
    }
    let size = u64::from(page_size);
    let expected = first_total.saturating_sub(index * size).min(size);
    if page.records.len() as u64 != expected {
        return Err(FeedError::Malformed(format!(
            "page {} holds {} records where a count of {first_total} at {size} a page means {expected}",
            index + 1,
            page.records.len()
        )));
    }
    Ok(())
}

/// Reads a body as a JSON object, or says what it is instead.
pub fn json_object(body: &[u8]) -> Result<serde_json::Map<String, Value>, FeedError> {
    let start = body.iter().position(|b| !b.is_ascii_whitespace()).map(|i| body[i]);
    if start == Some(b'<') {
        return Err(FeedError::Malformed("an HTML page came instead of JSON".into()));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(FeedError::Malformed("the JSON is not an object".into())),
        Err(e) if e.is_eof() => Err(FeedError::Malformed("the JSON ends before it is complete (truncated)".into())),
        Err(_) => Err(FeedError::Malformed("the body is not valid JSON".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn page(total: u64, n: usize) -> FeedPage {
        FeedPage { total, records: vec![json!({}); n] }
    }

    #[test]
    fn pages_must_agree_with_the_count() {
        assert_eq!(page_count(0, 100), 0);
        assert_eq!(page_count(250, 100), 3);
        assert!(check_page(&page(250, 100), 0, 250, 100).is_ok());
        assert!(check_page(&page(250, 50), 2, 250, 100).is_ok());
        assert!(check_page(&page(250, 99), 1, 250, 100).is_err(), "a short middle page");
        assert!(check_page(&page(251, 100), 1, 250, 100).is_err(), "the count moved");
        assert!(check_page(&page(250, 60), 2, 250, 100).is_err(), "more records than the count says");
    }

    #[test]
    fn bodies_that_are_not_json_objects_are_named() {
        for (body, says) in [
            (&b"<!DOCTYPE html><html>Maintenance</html>"[..], "HTML"),
            (b"{\"totalRecords\": 3, \"opportunitiesData\": [", "truncated"),
            (b"[1, 2]", "not an object"),
            (b"totalRecords", "not valid JSON"),
        ] {
            let e = json_object(body).unwrap_err().to_string();
            assert!(e.contains(says), "{e}");
        }
    }
}
