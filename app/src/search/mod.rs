//! Find anything (Ctrl-K / Cmd-K on every page): one box over pursuits, opportunities in the inbox,
//! organizations, contacts and documents, ranked best first with the kind of each hit, answered by
//! PostgreSQL's trigram and full-text indexes under the caller's RLS. Each kind is searched only when the
//! caller may read it. The box follows WAI-ARIA's combobox pattern: arrows move through the results, Enter
//! opens one, Escape closes and gives focus back.

mod finder;
#[cfg(feature = "ssr")]
pub mod queries;

pub use finder::FindAnything;

use crate::{closed_set, error::AppError};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

closed_set! {
    /// What a hit is.
    pub enum HitKind: "kind of result" {
        Pursuit = "pursuit",
        Opportunity = "opportunity",
        Organization = "organization",
        Contact = "contact",
        Document = "document",
    }
}

impl HitKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Pursuit => "Pursuit",
            Self::Opportunity => "Opportunity",
            Self::Organization => "Organization",
            Self::Contact => "Contact",
            Self::Document => "Document",
        }
    }
}

/// One result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    pub kind: HitKind,
    pub title: String,
    /// What tells two hits of one name apart (solicitation number, organization, title).
    pub detail: Option<String>,
    pub href: String,
}

/// The shortest and longest searches (one letter finds everything and nothing useful).
pub const MIN_QUERY: usize = 2;
pub const MAX_QUERY: usize = 100;
/// Hits of each kind, and in all.
pub const PER_KIND: i64 = 5;

/// The query as searched: trimmed, inner spaces single, lower case; refused when too long or unprintable.
pub fn normalise(q: &str) -> Result<Option<String>, AppError> {
    let q = q.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    if q.chars().count() > MAX_QUERY {
        return Err(AppError::Validation(format!("Search for at most {MAX_QUERY} characters.")));
    }
    crate::input::plain_text("The search", &q)?;
    Ok((q.chars().count() >= MIN_QUERY).then_some(q))
}

#[server(prefix = "/api", endpoint = "search")]
pub async fn find_anything(q: String) -> Result<Vec<Hit>, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let Some(q) = normalise(&q)? else { return Ok(Vec::new()) };
        let (caller, mut tx, held) = Caller::start_holding(Permission::ProjectsRead, Resource::Tenant).await?;
        let hits = queries::find(
            &mut tx,
            &q,
            queries::Kinds {
                contacts: held.allows(Permission::ContactsRead),
                documents: held.allows(Permission::DocumentsRead),
            },
        )
        .await?;
        caller.commit(tx).await?;
        Ok(hits)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_is_tidied_and_bounded() {
        assert_eq!(normalise("  Dana   WHIT ").unwrap().as_deref(), Some("dana whit"));
        assert_eq!(normalise("d").unwrap(), None);
        assert_eq!(normalise("   ").unwrap(), None);
        assert!(normalise(&"x".repeat(101)).is_err());
        assert!(normalise("a\u{0}b").is_err());
    }
}
