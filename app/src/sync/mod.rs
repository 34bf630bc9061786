//! The external opportunity sync (issue 15), built in slices. `normalize` says what a source's value is and
//! whether two records are the same opportunity; `snapshot` puts a record in the product's vocabulary and
//! says what changed between two versions and how much it matters; `ssr` holds the adapters (one per kind
//! of source, behind one trait), the outbound calls and the SQL that keeps every version.

pub mod changes;
pub mod changes_panel;
pub mod inbox;
mod inbox_page;
pub mod normalize;
pub mod snapshot;
pub mod sources;
mod sources_page;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use changes_panel::SourceChanges;
pub use inbox_page::{OpportunitiesPage, OpportunityPage};
pub use sources_page::SourcesPage;

use crate::closed_set;
use serde::{Deserialize, Serialize};

closed_set! {
    /// Which adapter reads a source (external_opportunity_sources.source_kind).
    pub enum SourceKind: "source kind" {
        /// SAM.gov's Get Opportunities Public API v2.
        SamGov = "sam_gov",
        /// The GWM opportunity feed v1, our own contract (README).
        GwmFeed = "gwm_feed",
    }
}

closed_set! {
    /// How a source is signed in to (external_opportunity_sources.authentication_type).
    pub enum AuthKind: "authentication type" {
        None = "none",
        ApiKey = "api_key",
        OAuth2 = "oauth2",
        BasicAuth = "basic_auth",
    }
}

closed_set! {
    /// A source's health, from its consecutive errors (external_opportunity_sources.connection_status).
    pub enum ConnectionStatus: "connection status" {
        Healthy = "healthy",
        Degraded = "degraded",
        Down = "down",
        Unknown = "unknown",
    }
}

impl ConnectionStatus {
    /// Consecutive failed polls at which a source is down (fewer, but some: degraded).
    pub const DOWN_AFTER: i32 = 3;

    pub fn after_errors(consecutive_errors: i32) -> ConnectionStatus {
        match consecutive_errors {
            0 => ConnectionStatus::Healthy,
            n if n < Self::DOWN_AFTER => ConnectionStatus::Degraded,
            _ => ConnectionStatus::Down,
        }
    }
}

/// What a source is asked for (external_opportunity_sources.search_criteria).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchCriteria {
    /// Notices posted this many days back from today (1–365: SAM.gov allows a year at most).
    pub posted_within_days: u16,
    pub naics_codes: Vec<String>,
    pub set_asides: Vec<String>,
    /// Notice type codes (SAM.gov's `ptype` letters: o, p, k, r, s, a …).
    pub notice_types: Vec<String>,
    /// Words the title must contain.
    pub keywords: Option<String>,
}

impl Default for SearchCriteria {
    fn default() -> Self {
        SearchCriteria {
            posted_within_days: 30,
            naics_codes: Vec::new(),
            set_asides: Vec::new(),
            notice_types: Vec::new(),
            keywords: None,
        }
    }
}

impl SearchCriteria {
    pub const MAX_DAYS: u16 = 365;
}

impl SearchCriteria {
    /// Whether a record answers the search. Sources filter on their side where they can (SAM.gov takes one
    /// NAICS code or set-aside per request); this applies every criterion after reading, so a source that
    /// ignores a parameter (SAM.gov ignores misspelled ones silently) never widens the inbox.
    pub fn matches(&self, s: &snapshot::Snapshot) -> bool {
        let naics = self.naics_codes.is_empty() || s.naics.iter().any(|n| self.naics_codes.contains(n));
        let set_aside = self.set_asides.is_empty()
            || s.set_aside.as_ref().is_some_and(|a| self.set_asides.iter().any(|w| w.eq_ignore_ascii_case(a)));
        let words = self.keywords.as_deref().unwrap_or("").to_lowercase();
        let title = s.title.as_deref().unwrap_or("").to_lowercase();
        let keywords = words.split_whitespace().all(|w| title.contains(w));
        naics && set_aside && keywords
    }
}

/// A source as an admin (or an operator's command) describes it. The secret travels only inward: it is
/// sealed on arrival and never sent back.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceInput {
    pub name: String,
    pub kind: String,
    pub endpoint: String,
    pub auth: String,
    /// Basic auth's user name.
    pub username: Option<String>,
    /// OAuth2 client credentials: token URL, client ID, scope.
    pub token_url: Option<String>,
    pub client_id: Option<String>,
    pub scope: Option<String>,
    pub rate_limit_per_hour: String,
    pub timeout_seconds: String,
    pub retry_attempts: String,
    /// Empty: the API's largest page.
    pub page_size: String,
    pub polling_frequency_minutes: String,
    pub posted_within_days: String,
    /// Comma- or space-separated lists.
    pub naics_codes: String,
    pub set_asides: String,
    pub notice_types: String,
    pub keywords: String,
}
