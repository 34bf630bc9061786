//! Organizations, server side: the searchable list, one organization with its place in the hierarchy, its
//! people and pursuits, and the form to create or edit one. A second organization with the same UEI, CAGE
//! code or agency path is refused with a link to the first.

use super::{BusinessSize, Certification, OrganizationInput, OrganizationType, people::ContactRow};
use crate::{
    domain::{ActivityStatus, ActivityType, PipelineStage},
    error::AppError,
    ids::{OrganizationId, ProjectId},
};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The list's search, filters and page, as the address carries them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrganizationFilter {
    /// Words of the name, or a UEI, CAGE code or agency path code.
    pub q: String,
    pub kind: Option<OrganizationType>,
    /// Deactivated organizations too.
    pub inactive: bool,
    /// 0-based.
    pub page: u32,
}

impl OrganizationFilter {
    pub const PER_PAGE: u32 = 50;

    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> OrganizationFilter {
        OrganizationFilter {
            q: get("q").unwrap_or_default().trim().chars().take(200).collect(),
            kind: get("kind").and_then(|k| k.parse().ok()),
            inactive: get("inactive").is_some_and(|v| v == "1"),
            page: get("page")
                .and_then(|p| p.parse::<u32>().ok())
                .map(|p| p.saturating_sub(1).min(crate::input::MAX_PAGE))
                .unwrap_or(0),
        }
    }

    /// Refuses what the address could not have produced (a hand-made request).
    pub fn check(&self) -> Result<(), AppError> {
        if self.q.chars().count() > 200 {
            return Err(AppError::Validation("The search can have at most 200 characters.".into()));
        }
        if self.page > crate::input::MAX_PAGE {
            return Err(AppError::Validation(format!("The page number must be at most {}.", crate::input::MAX_PAGE)));
        }
        Ok(())
    }

    /// The query string ("" when everything is the default).
    pub fn query(&self) -> String {
        crate::format::query_string([
            ("q", self.q.clone()),
            ("kind", self.kind.map(|k| k.to_string()).unwrap_or_default()),
            ("inactive", if self.inactive { "1".into() } else { String::new() }),
            ("page", if self.page > 0 { (self.page + 1).to_string() } else { String::new() }),
        ])
    }
}

/// One row of the list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganizationRow {
    pub id: OrganizationId,
    pub name: String,
    pub kind: Option<OrganizationType>,
    pub parent: Option<(OrganizationId, String)>,
    pub sam_unique_id: Option<String>,
    pub cage_code: Option<String>,
    pub place: Option<String>,
    pub contacts: i64,
    pub offices: i64,
    pub is_active: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganizationList {
    pub rows: Vec<OrganizationRow>,
    pub total: i64,
    pub may_write: bool,
}

/// One organization below another in the tree (depth 1 = a direct child).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeNode {
    pub id: OrganizationId,
    pub name: String,
    pub depth: i32,
    pub kind: Option<OrganizationType>,
    pub contacts: i64,
    pub is_active: bool,
}

/// A pursuit the organization is part of, and how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PursuitLink {
    pub id: ProjectId,
    pub name: String,
    pub stage: PipelineStage,
    /// Who connects it ("Dana Okafor, contracting officer").
    pub through: String,
}

/// One activity on a timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityLine {
    pub kind: ActivityType,
    pub subject: String,
    pub at: Option<DateTime<Utc>>,
    pub status: ActivityStatus,
    /// What it is about, when not the page's own subject ("Army EIS recompete").
    pub about: Option<(String, String)>,
}

/// One organization's page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganizationDetail {
    pub id: OrganizationId,
    pub name: String,
    pub kind: Option<OrganizationType>,
    pub sam_unique_id: Option<String>,
    pub cage_code: Option<String>,
    pub duns_number: Option<String>,
    pub agency_path_code: Option<String>,
    pub business_size: Option<BusinessSize>,
    pub certifications: Vec<Certification>,
    /// The address as lines.
    pub address: Vec<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    pub is_active: bool,
    pub updated_at: DateTime<Utc>,
    /// From the top of the tree down to the parent.
    pub ancestors: Vec<(OrganizationId, String)>,
    /// Everything below it, depth first, by name.
    pub tree: Vec<TreeNode>,
    /// Its own people (not its offices').
    pub contacts: Vec<ContactRow>,
    pub pursuits: Vec<PursuitLink>,
    pub activities: Vec<ActivityLine>,
    pub may_write: bool,
}

/// What the form needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganizationForm {
    pub id: Option<OrganizationId>,
    pub input: OrganizationInput,
    /// Organizations it can be placed under (never itself or one of its own offices).
    pub parents: Vec<(OrganizationId, String)>,
}

#[server(prefix = "/api", endpoint = "organizations/list")]
pub async fn load_organizations(filter: OrganizationFilter) -> Result<OrganizationList, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        filter.check()?;
        let (caller, mut tx, held) = Caller::start_holding(Permission::ContactsRead, Resource::Tenant).await?;
        let (rows, total) = super::queries::organizations(&mut tx, &filter).await?;
        caller.commit(tx).await?;
        Ok(OrganizationList { rows, total, may_write: held.allows(Permission::ContactsWrite) })
    })
    .await
}

#[server(prefix = "/api", endpoint = "organizations/get")]
pub async fn load_organization(id: OrganizationId) -> Result<OrganizationDetail, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let (caller, mut tx, held) = Caller::start_holding(Permission::ContactsRead, Resource::Tenant).await?;
        let detail = super::queries::organization(&mut tx, id, held.allows(Permission::ContactsWrite))
            .await?
            .ok_or_else(|| AppError::NotFound("Organization".into()))?;
        caller.commit(tx).await?;
        Ok(detail)
    })
    .await
}

/// The form to create an organization (`id` empty; `parent` preselects where it goes) or edit one.
#[server(prefix = "/api", endpoint = "organizations/form")]
pub async fn load_organization_form(id: Option<String>, parent: Option<String>) -> Result<OrganizationForm, AppError> {
    use crate::input::parse_id;
    use crate::server_prelude::*;
    serve(async move {
        let id: Option<OrganizationId> =
            id.filter(|i| !i.trim().is_empty()).map(|raw| parse_id("Organization", &raw)).transpose()?;
        let (caller, mut tx) = Caller::start(Permission::ContactsWrite, Resource::Tenant).await?;
        let input = match id {
            Some(id) => super::queries::organization_input(&mut tx, id)
                .await?
                .ok_or_else(|| AppError::NotFound("Organization".into()))?,
            None => OrganizationInput {
                parent: parent.unwrap_or_default().trim().chars().take(40).collect(),
                ..Default::default()
            },
        };
        let parents = super::queries::possible_parents(&mut tx, id).await?;
        caller.commit(tx).await?;
        Ok(OrganizationForm { id, input, parents })
    })
    .await
}

/// Creates (`id` absent) or changes an organization; answers its id.
#[server(prefix = "/api", endpoint = "organizations/save")]
pub async fn save_organization(
    id: Option<OrganizationId>,
    input: OrganizationInput,
) -> Result<OrganizationId, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let valid = input.check()?;
        let (caller, mut tx) = Caller::start(Permission::ContactsWrite, Resource::Tenant).await?;
        let saved = super::queries::save_organization(&mut tx, &caller, id, &valid).await?;
        caller.commit(tx).await?;
        Ok(saved)
    })
    .await
}

/// Deactivates an organization (it leaves the pickers; its people and history stay) or brings it back.
#[server(prefix = "/api", endpoint = "organizations/active")]
pub async fn set_organization_active(id: OrganizationId, active: bool) -> Result<(), AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let (caller, mut tx) = Caller::start(Permission::ContactsWrite, Resource::Tenant).await?;
        super::queries::set_organization_active(&mut tx, &caller, id, active).await?;
        caller.commit(tx).await
    })
    .await
}
