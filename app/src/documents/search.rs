//! The document library's search: PostgreSQL full-text search over names and extracted text, ranked,
//! with highlighted snippets, filtered by project, type, category (and its subcategories), tag and date.
//! Only documents the caller may see are found (the access-level policy, migration 0013).

use super::{DocumentType, ProcessingStatus};
use crate::{error::AppError, ids::ProjectId};
use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Results per page.
pub const PAGE_SIZE: i64 = 25;

/// What the library shows, as it appears in the URL (`/documents?q=…&project=…`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DocumentQuery {
    pub q: Option<String>,
    pub project: Option<ProjectId>,
    pub document_type: Option<DocumentType>,
    pub category: Option<Uuid>,
    pub tag: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub page: i64,
}

impl DocumentQuery {
    /// Reads the query from URL values; values that do not parse are left out rather than failing the page.
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> DocumentQuery {
        let text = |k: &str| get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        DocumentQuery {
            q: text("q").map(|q| q.chars().take(200).collect()),
            project: text("project").and_then(|p| p.parse().ok()),
            document_type: text("type").and_then(|t| t.parse().ok()),
            category: text("category").and_then(|c| c.parse().ok()),
            tag: text("tag").map(|t| t.to_lowercase()),
            from: text("from").and_then(|d| d.parse().ok()),
            to: text("to").and_then(|d| d.parse().ok()),
            page: text("page").and_then(|p| p.parse().ok()).filter(|p: &i64| (0..10_000).contains(p)).unwrap_or(0),
        }
    }

    /// Refuses what a page would never send: a page outside 0..10000, overlong words or tag, control
    /// characters, dates outside the years people enter, a range that ends before it starts.
    pub fn check(&self) -> Result<(), AppError> {
        if !(0..i64::from(crate::input::MAX_PAGE)).contains(&self.page) {
            return Err(AppError::Validation(format!(
                "The page must be between 0 and {}.",
                crate::input::MAX_PAGE - 1
            )));
        }
        if let Some(q) = &self.q {
            crate::input::optional_text("The search", q, 200)?;
        }
        if let Some(tag) = &self.tag {
            crate::input::optional_text("The tag", tag, 50)?;
        }
        for date in [self.from, self.to].into_iter().flatten() {
            if !(crate::input::FIRST_DATE..=crate::input::LAST_DATE).contains(&date) {
                return Err(AppError::Validation(format!(
                    "Dates must be between {} and {}.",
                    crate::input::FIRST_DATE,
                    crate::input::LAST_DATE
                )));
            }
        }
        if let (Some(from), Some(to)) = (self.from, self.to)
            && from > to
        {
            return Err(AppError::Validation(
                "The \u{201c}from\u{201d} date is after the \u{201c}to\u{201d} date.".into(),
            ));
        }
        Ok(())
    }

    /// The URL query of this search at another page.
    pub fn to_query(&self, page: i64) -> String {
        let mut parts = Vec::new();
        let mut add = |k: &str, v: String| parts.push(format!("{k}={}", crate::format::url_encode(&v)));
        if let Some(q) = &self.q {
            add("q", q.clone())
        }
        if let Some(p) = self.project {
            add("project", p.to_string())
        }
        if let Some(t) = self.document_type {
            add("type", t.as_str().to_string())
        }
        if let Some(c) = self.category {
            add("category", c.to_string())
        }
        if let Some(t) = &self.tag {
            add("tag", t.clone())
        }
        if let Some(d) = self.from {
            add("from", d.to_string())
        }
        if let Some(d) = self.to {
            add("to", d.to_string())
        }
        if page > 0 {
            add("page", page.to_string())
        }
        parts.join("&")
    }
}

/// A run of snippet text, highlighted where it matched the search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnippetPart {
    pub text: String,
    pub hit: bool,
}

/// One found document (its current version).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentHit {
    pub id: Uuid,
    pub name: String,
    pub project_id: Option<ProjectId>,
    pub project_name: Option<String>,
    pub document_type: Option<DocumentType>,
    pub category_name: Option<String>,
    pub tags: Vec<String>,
    pub file_size_bytes: i64,
    pub version_number: i32,
    pub page_count: Option<i32>,
    pub processing_status: ProcessingStatus,
    pub created_at: DateTime<Utc>,
    pub snippet: Vec<SnippetPart>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    pub total: i64,
    pub hits: Vec<DocumentHit>,
}

/// Marks that `ts_headline` puts around matches: private-use characters, which no document text carries
/// meaningfully, so the snippet is split into text runs and never rendered as HTML.
pub const HIT_START: char = '\u{E000}';
pub const HIT_END: char = '\u{E001}';

/// Splits a headline into plain and highlighted runs.
pub fn snippet_parts(headline: &str) -> Vec<SnippetPart> {
    let mut parts = Vec::new();
    let mut hit = false;
    let mut current = String::new();
    for c in headline.chars() {
        if c == HIT_START || c == HIT_END {
            if !current.is_empty() {
                parts.push(SnippetPart { text: std::mem::take(&mut current), hit });
            }
            hit = c == HIT_START;
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        parts.push(SnippetPart { text: current, hit });
    }
    parts
}

#[server(prefix = "/api", endpoint = "documents/search")]
pub async fn search_documents(#[server(default)] query: DocumentQuery) -> Result<SearchResults, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        query.check()?;
        let (caller, mut tx) = Caller::start(Permission::DocumentsRead, Resource::Tenant).await?;
        let results = super::search_queries::search(&mut tx, &query).await?;
        caller.commit(tx).await?;
        Ok(results)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_split_into_plain_and_highlighted_runs() {
        let parts = snippet_parts("the \u{E000}cyber\u{E001} range and \u{E000}range\u{E001}");
        let shown: Vec<(&str, bool)> = parts.iter().map(|p| (p.text.as_str(), p.hit)).collect();
        assert_eq!(shown, [("the ", false), ("cyber", true), (" range and ", false), ("range", true)]);
    }

    #[test]
    fn queries_round_trip_through_the_url_and_ignore_nonsense() {
        let url = |k: &str| match k {
            "q" => Some(" zero trust ".into()),
            "type" => Some("proposal".into()),
            "from" => Some("2026-01-31".into()),
            "to" => Some("yesterday".into()),
            "page" => Some("-3".into()),
            _ => None,
        };
        let query = DocumentQuery::from_query(url);
        assert_eq!(query.q.as_deref(), Some("zero trust"));
        assert_eq!(query.document_type, Some(DocumentType::Proposal));
        assert_eq!(query.to, None);
        assert_eq!(query.page, 0);
        assert_eq!(query.to_query(2), "q=zero%20trust&type=proposal&from=2026-01-31&page=2");
    }
}
