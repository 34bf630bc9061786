//! The opportunity inbox (/opportunities), server side: every opportunity the tenant's sources returned,
//! pursued or not, newest change first, a page at a time; what is new or changed since the person's previous
//! visit is marked; "Pursue" makes a pursuit linked to it, "Dismiss" hides it with a reason.

use crate::{
    domain::{ImpactLevel, PipelineStage},
    error::AppError,
    ids::{OpportunityId, ProjectId, SourceId},
};
use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

crate::closed_set! {
    /// Which opportunities the inbox lists.
    pub enum InboxShow: "inbox view" {
        /// Neither pursued nor dismissed: still to decide.
        Open = "open",
        New = "new",
        Changed = "changed",
        Pursued = "pursued",
        Dismissed = "dismissed",
        All = "all",
    }
}

impl InboxShow {
    pub const fn label(self) -> &'static str {
        match self {
            InboxShow::Open => "To decide",
            InboxShow::New => "New",
            InboxShow::Changed => "Changed",
            InboxShow::Pursued => "Pursued",
            InboxShow::Dismissed => "Dismissed",
            InboxShow::All => "All",
        }
    }
}

/// The inbox's filter, as the address carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InboxFilter {
    pub show: InboxShow,
    pub source: Option<SourceId>,
    pub agency: String,
    pub naics: String,
    pub set_aside: String,
    pub notice_type: String,
    /// Response due within this many days (1–365).
    pub due_within: Option<u16>,
    /// Words in the title, solicitation number or agency.
    pub q: String,
    /// From 0.
    pub page: u32,
}

impl Default for InboxFilter {
    fn default() -> Self {
        InboxFilter {
            show: InboxShow::Open,
            source: None,
            agency: String::new(),
            naics: String::new(),
            set_aside: String::new(),
            notice_type: String::new(),
            due_within: None,
            q: String::new(),
            page: 0,
        }
    }
}

impl InboxFilter {
    pub const PER_PAGE: u32 = 25;
    pub const MAX_TEXT: usize = 200;
    pub const MAX_PAGE: u32 = 10_000;

    /// Reads the address's query; what cannot be read is left at its default (an address is not a form).
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> InboxFilter {
        let text = |k: &str| get(k).map(|v| v.trim().chars().take(Self::MAX_TEXT).collect()).unwrap_or_default();
        InboxFilter {
            show: get("show").and_then(|s| s.parse().ok()).unwrap_or(InboxShow::Open),
            source: get("source").and_then(|s| s.parse().ok()),
            agency: text("agency"),
            naics: text("naics"),
            set_aside: text("set_aside"),
            notice_type: text("notice_type"),
            due_within: get("due_within").and_then(|d| d.parse().ok()).filter(|d| (1..=365).contains(d)),
            q: text("q"),
            page: get("page").and_then(|p| p.parse().ok()).unwrap_or(0).min(Self::MAX_PAGE),
        }
    }

    /// The address of this filter (defaults left out).
    pub fn query(&self) -> String {
        let mut parts: Vec<(String, String)> = Vec::new();
        if self.show != InboxShow::Open {
            parts.push(("show".into(), self.show.as_str().into()));
        }
        if let Some(s) = self.source {
            parts.push(("source".into(), s.to_string()));
        }
        for (k, v) in [
            ("agency", &self.agency),
            ("naics", &self.naics),
            ("set_aside", &self.set_aside),
            ("notice_type", &self.notice_type),
            ("q", &self.q),
        ] {
            if !v.is_empty() {
                parts.push((k.into(), v.clone()));
            }
        }
        if let Some(d) = self.due_within {
            parts.push(("due_within".into(), d.to_string()));
        }
        if self.page > 0 {
            parts.push(("page".into(), self.page.to_string()));
        }
        if parts.is_empty() {
            return String::new();
        }
        let encoded: Vec<String> = parts.iter().map(|(k, v)| format!("{k}={}", crate::format::url_encode(v))).collect();
        format!("?{}", encoded.join("&"))
    }

    /// Refuses what the address could not have produced (a hand-made request).
    pub fn check(&self) -> Result<(), AppError> {
        for (label, v) in [
            ("The agency", &self.agency),
            ("The NAICS code", &self.naics),
            ("The set-aside", &self.set_aside),
            ("The notice type", &self.notice_type),
            ("The search", &self.q),
        ] {
            if v.chars().count() > Self::MAX_TEXT {
                return Err(AppError::Validation(format!("{label} can have at most {} characters.", Self::MAX_TEXT)));
            }
        }
        if self.due_within.is_some_and(|d| !(1..=365).contains(&d)) {
            return Err(AppError::Validation("\u{201c}Due within\u{201d} is 1 to 365 days.".into()));
        }
        if self.page > Self::MAX_PAGE {
            return Err(AppError::Validation(format!("The page is at most {}.", Self::MAX_PAGE)));
        }
        Ok(())
    }
}

/// Percent-encodes a query value.
/// One opportunity in the inbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboxRow {
    pub id: OpportunityId,
    pub title: String,
    pub solicitation_number: Option<String>,
    pub agency: Option<String>,
    pub notice_type: Option<String>,
    pub set_aside: Option<String>,
    pub naics: Option<String>,
    pub posted: Option<NaiveDate>,
    pub response_due: Option<DateTime<Utc>>,
    pub status: Option<String>,
    pub source: String,
    pub versions: i32,
    pub first_seen: DateTime<Utc>,
    pub last_changed: DateTime<Utc>,
    pub is_new: bool,
    pub is_changed: bool,
    pub last_impact: Option<ImpactLevel>,
    pub project: Option<(ProjectId, String)>,
    pub dismissed: Option<String>,
}

/// One page of the inbox, with the count of each view under the same filters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboxPage {
    pub rows: Vec<InboxRow>,
    /// Matching the whole filter (every page).
    pub total: i64,
    pub counts: Vec<(InboxShow, i64)>,
    pub sources: Vec<(SourceId, String)>,
    /// The previous visit: "new" and "changed" are since then.
    pub since: Option<DateTime<Utc>>,
    pub may_pursue: bool,
    /// The sources whose new opportunities the person is told about.
    pub following: Vec<SourceId>,
}

/// One opportunity as its source describes it now, with every version and change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpportunityDetail {
    pub id: OpportunityId,
    pub title: String,
    pub source: String,
    /// Every field the source gives, as a person reads it: (label, value, the instant for dates).
    pub fields: Vec<(String, String, Option<DateTime<Utc>>)>,
    pub link: Option<String>,
    pub solicitation_number: Option<String>,
    pub project: Option<(ProjectId, String)>,
    pub dismissed: Option<String>,
    pub history: super::changes::ProjectChanges,
    /// Whether the reader may pursue it (or link it to a pursuit).
    pub may_pursue: bool,
    /// Open pursuits made by hand it can be linked to (only for readers who may edit pursuits).
    pub candidates: Vec<LinkCandidate>,
}

/// A pursuit that follows no source yet, offered for linking to an opportunity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkCandidate {
    pub id: ProjectId,
    pub name: String,
    pub solicitation_number: Option<String>,
    /// Its solicitation number is the opportunity's.
    pub suggested: bool,
}

#[server(prefix = "/api", endpoint = "opportunities/detail")]
pub async fn load_opportunity(id: OpportunityId) -> Result<OpportunityDetail, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let (caller, mut tx, held) = Caller::start_holding(Permission::ProjectsRead, Resource::Tenant).await?;
        let mut detail = super::ssr::inbox::detail(&mut tx, id).await?;
        detail.may_pursue = held.allows(Permission::ProjectsCreate);
        if detail.project.is_none() && held.allows(Permission::ProjectsUpdate) {
            detail.candidates =
                super::ssr::inbox::link_candidates(&mut tx, detail.solicitation_number.as_deref()).await?;
        }
        caller.commit(tx).await?;
        Ok(detail)
    })
    .await
}

/// The fields that differ between two versions of an opportunity.
#[server(prefix = "/api", endpoint = "opportunities/compare")]
pub async fn compare_opportunity_versions(
    id: OpportunityId,
    from: i32,
    to: i32,
) -> Result<Vec<super::changes::FieldDiff>, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let (caller, mut tx) = Caller::start(Permission::ProjectsRead, Resource::Tenant).await?;
        let diffs =
            super::ssr::changes::compare(&mut tx, super::ssr::changes::Owner::Opportunity(id), from, to).await?;
        caller.commit(tx).await?;
        Ok(diffs)
    })
    .await
}

#[server(prefix = "/api", endpoint = "opportunities/list")]
pub async fn load_inbox(filter: InboxFilter) -> Result<InboxPage, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        filter.check()?;
        let (caller, mut tx, held) = Caller::start_holding(Permission::ProjectsRead, Resource::Tenant).await?;
        let page =
            super::ssr::inbox::page(&mut tx, caller.user.id, &filter, held.allows(Permission::ProjectsCreate)).await?;
        caller.commit(tx).await?;
        Ok(page)
    })
    .await
}

/// Follows (or stops following) a source's search: its new opportunities are notified after each poll.
#[server(prefix = "/api", endpoint = "opportunities/follow")]
pub async fn follow_source(source: SourceId, follow: bool) -> Result<(), AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let (caller, mut tx) = Caller::start(Permission::ProjectsRead, Resource::Tenant).await?;
        super::ssr::inbox::follow(&mut tx, caller.user.id, source, follow).await?;
        caller.commit(tx).await
    })
    .await
}

/// Makes a pursuit of an opportunity, in `stage`, linked to it (its versions, changes and polls follow
/// it). A second pursuit of the same opportunity is refused.
#[server(prefix = "/api", endpoint = "opportunities/pursue")]
pub async fn pursue_opportunity(id: OpportunityId, stage: PipelineStage) -> Result<ProjectId, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        if stage.is_closed() {
            return Err(AppError::Validation("A pursuit starts in phase 0 to 6; it is won or lost later.".into()));
        }
        let (caller, mut tx) = Caller::start(Permission::ProjectsCreate, Resource::Tenant).await?;
        let project = super::ssr::inbox::pursue(&caller, &mut tx, id, stage).await?;
        caller.commit(tx).await?;
        Ok(project)
    })
    .await
}

/// Links an opportunity to a pursuit made by hand (it keeps its values; the source's arrive beside them).
/// Refused when either is linked already.
#[server(prefix = "/api", endpoint = "opportunities/link")]
pub async fn link_opportunity(id: OpportunityId, project: ProjectId) -> Result<ProjectId, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let (caller, mut tx) = Caller::start(Permission::ProjectsUpdate, Resource::Project(project)).await?;
        super::ssr::inbox::link(&caller, &mut tx, id, project).await?;
        caller.commit(tx).await?;
        Ok(project)
    })
    .await
}

/// Hides an opportunity from "To decide", with the reason (1 to 1,000 characters).
#[server(prefix = "/api", endpoint = "opportunities/dismiss")]
pub async fn dismiss_opportunity(id: OpportunityId, reason: String) -> Result<(), AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let reason = crate::input::required_text("The reason", &reason, 1000)?;
        let (caller, mut tx) = Caller::start(Permission::ProjectsCreate, Resource::Tenant).await?;
        super::ssr::inbox::dismiss(&caller, &mut tx, id, Some(reason)).await?;
        caller.commit(tx).await
    })
    .await
}

/// Brings a dismissed opportunity back to "To decide".
#[server(prefix = "/api", endpoint = "opportunities/restore")]
pub async fn restore_opportunity(id: OpportunityId) -> Result<(), AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let (caller, mut tx) = Caller::start(Permission::ProjectsCreate, Resource::Tenant).await?;
        super::ssr::inbox::dismiss(&caller, &mut tx, id, None).await?;
        caller.commit(tx).await
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_goes_to_the_address_and_back() {
        let f = InboxFilter {
            show: InboxShow::Changed,
            naics: "541512".into(),
            q: "cloud & AI".into(),
            due_within: Some(30),
            page: 2,
            ..InboxFilter::default()
        };
        let q = f.query();
        assert_eq!(q, "?show=changed&naics=541512&q=cloud%20%26%20AI&due_within=30&page=2");
        let pairs: std::collections::HashMap<String, String> =
            [("show", "changed"), ("naics", "541512"), ("q", "cloud & AI"), ("due_within", "30"), ("page", "2")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        assert_eq!(InboxFilter::from_query(|k| pairs.get(k).cloned()), f);
        assert_eq!(InboxFilter::default().query(), "");
        let odd = InboxFilter::from_query(|k| match k {
            "due_within" => Some("9999".into()),
            "page" => Some("-1".into()),
            "show" => Some("everything".into()),
            _ => None,
        });
        assert_eq!(odd, InboxFilter::default(), "what cannot be read is left at its default");
        assert!(InboxFilter { q: "x".repeat(201), ..InboxFilter::default() }.check().is_err());
        assert!(InboxFilter { due_within: Some(0), ..InboxFilter::default() }.check().is_err());
    }
}
