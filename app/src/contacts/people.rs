//! Contacts, server side: search, filters, sort and paging (all in the address); one person's page with their
//! pursuits, documents and activity; create and edit with duplicate warnings (the same e-mail, or the same
//! name at the same organization), deactivate and restore.

use super::{Clearance, ContactInput, ContactType, InteractionFrequency, organizations::ActivityLine};
use crate::{
    closed_set,
    domain::PipelineStage,
    error::AppError,
    ids::{ContactId, OrganizationId, ProjectId},
};
use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

closed_set! {
    /// The contact list's orders.
    pub enum ContactSort: "sort" {
        Name = "name",
        Organization = "organization",
        LastContacted = "last_contacted",
        Strength = "strength",
        Updated = "updated",
    }
}

impl ContactSort {
    pub fn label(self) -> &'static str {
        match self {
            Self::Name => "Name",
            Self::Organization => "Organization",
            Self::LastContacted => "Last contacted (longest ago first)",
            Self::Strength => "Relationship (strongest first)",
            Self::Updated => "Recently updated",
        }
    }
}

closed_set! {
    /// When we were last in touch.
    pub enum Contacted: "last contacted" {
        Within30 = "30",
        Within90 = "90",
        Within365 = "365",
        OverAYear = "over_365",
        Never = "never",
    }
}

impl Contacted {
    pub fn label(self) -> &'static str {
        match self {
            Self::Within30 => "In the last 30 days",
            Self::Within90 => "In the last 90 days",
            Self::Within365 => "In the last year",
            Self::OverAYear => "More than a year ago",
            Self::Never => "Never",
        }
    }
}

/// The list's search, filters, order and page, as the address carries them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContactFilter {
    /// Words of the name, e-mail, title or organization.
    pub q: String,
    pub kind: Option<ContactType>,
    pub organization: Option<OrganizationId>,
    pub clearance: Option<Clearance>,
    /// At least this strong (1–5).
    pub strength: Option<i32>,
    pub contacted: Option<Contacted>,
    pub sort: ContactSort,
    /// Deactivated people too.
    pub inactive: bool,
    /// 0-based.
    pub page: u32,
}

impl Default for ContactFilter {
    fn default() -> Self {
        ContactFilter {
            q: String::new(),
            kind: None,
            organization: None,
            clearance: None,
            strength: None,
            contacted: None,
            sort: ContactSort::Name,
            inactive: false,
            page: 0,
        }
    }
}

impl ContactFilter {
    pub const PER_PAGE: u32 = 50;
    pub const MAX_TEXT: usize = 200;

    /// From the address; what it could not have produced is dropped.
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> ContactFilter {
        ContactFilter {
            q: get("q").unwrap_or_default().trim().chars().take(Self::MAX_TEXT).collect(),
            kind: get("kind").and_then(|k| k.parse().ok()),
            organization: get("organization").and_then(|o| o.parse().ok()),
            clearance: get("clearance").and_then(|c| c.parse().ok()),
            strength: get("strength").and_then(|s| s.parse().ok()).filter(|s| (1..=5).contains(s)),
            contacted: get("contacted").and_then(|c| c.parse().ok()),
            sort: get("sort").and_then(|s| s.parse().ok()).unwrap_or(ContactSort::Name),
            inactive: get("inactive").is_some_and(|v| v == "1"),
            page: get("page")
                .and_then(|p| p.parse::<u32>().ok())
                .map(|p| p.saturating_sub(1).min(crate::input::MAX_PAGE))
                .unwrap_or(0),
        }
    }

    /// The query string ("" when everything is the default).
    pub fn query(&self) -> String {
        let some = |v: Option<String>| v.unwrap_or_default();
        crate::format::query_string([
            ("q", self.q.clone()),
            ("kind", some(self.kind.map(|k| k.to_string()))),
            ("organization", some(self.organization.map(|o| o.to_string()))),
            ("clearance", some(self.clearance.map(|c| c.to_string()))),
            ("strength", some(self.strength.map(|s| s.to_string()))),
            ("contacted", some(self.contacted.map(|c| c.to_string()))),
            ("sort", if self.sort == ContactSort::Name { String::new() } else { self.sort.to_string() }),
            ("inactive", if self.inactive { "1".into() } else { String::new() }),
            ("page", if self.page > 0 { (self.page + 1).to_string() } else { String::new() }),
        ])
    }

    /// Refuses what the address could not have produced (a hand-made request).
    pub fn check(&self) -> Result<(), AppError> {
        if self.q.chars().count() > Self::MAX_TEXT {
            return Err(AppError::Validation(format!("The search can have at most {} characters.", Self::MAX_TEXT)));
        }
        crate::input::plain_text("The search", &self.q)?;
        if self.strength.is_some_and(|s| !(1..=5).contains(&s)) {
            return Err(AppError::Validation("The relationship strength filter goes from 1 to 5.".into()));
        }
        if self.page > crate::input::MAX_PAGE {
            return Err(AppError::Validation(format!("The page number must be at most {}.", crate::input::MAX_PAGE)));
        }
        Ok(())
    }
}

/// One person in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactRow {
    pub id: ContactId,
    pub name: String,
    pub title: Option<String>,
    pub organization: Option<(OrganizationId, String)>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub kind: Option<ContactType>,
    pub clearance: Option<Clearance>,
    pub strength: Option<i32>,
    pub last_contact_date: Option<NaiveDate>,
    pub is_active: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactList {
    pub rows: Vec<ContactRow>,
    pub total: i64,
    /// For the organization filter: the chosen one's name (the picker lists the rest as one types).
    pub organizations: Vec<(OrganizationId, String)>,
    pub may_write: bool,
}

/// A pursuit the person is on, with their role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactPursuit {
    pub id: ProjectId,
    pub name: String,
    pub stage: PipelineStage,
    pub relationship: Option<String>,
    pub influence: Option<i32>,
}

/// A document linked to the person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactDocument {
    pub id: uuid::Uuid,
    pub title: String,
    pub link: Option<String>,
}

/// One person's page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactDetail {
    pub id: ContactId,
    pub first_name: String,
    pub last_name: String,
    pub title: Option<String>,
    /// Their organization, from the top of its tree down.
    pub organization_path: Vec<(OrganizationId, String)>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub linkedin_url: Option<String>,
    pub kind: Option<ContactType>,
    pub decision_maker_level: Option<i32>,
    pub clearance: Option<Clearance>,
    pub last_contact_date: Option<NaiveDate>,
    pub interaction_frequency: Option<InteractionFrequency>,
    pub relationship_strength: Option<i32>,
    pub notes: Option<String>,
    pub tags: Vec<String>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub pursuits: Vec<ContactPursuit>,
    pub documents: Vec<ContactDocument>,
    pub activities: Vec<ActivityLine>,
    /// Where this record went, when it was merged into another.
    pub merged_into: Option<super::merge::MergedInto>,
    /// Records merged into this one (their history stays on their own pages).
    pub merged_from: Vec<super::merge::MergedRecord>,
    /// Others who may be the same person (for people who may write).
    pub duplicates: Vec<super::merge::DuplicateCandidate>,
    pub may_write: bool,
}

/// What the contact form needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactForm {
    pub id: Option<ContactId>,
    pub input: ContactInput,
    /// Active organizations, by name with their parent's, for the picker.
    pub organizations: Vec<(OrganizationId, String)>,
}

#[server(prefix = "/api", endpoint = "contacts/list")]
pub async fn load_contacts(filter: ContactFilter) -> Result<ContactList, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        filter.check()?;
        let (caller, mut tx, held) = Caller::start_holding(Permission::ContactsRead, Resource::Tenant).await?;
        let (rows, total) = super::queries::contacts(&mut tx, &filter).await?;
        let organizations = match filter.organization {
            Some(id) => {
                super::queries::organization_name(&mut tx, id).await?.map(|n| vec![(id, n)]).unwrap_or_default()
            }
            None => Vec::new(),
        };
        caller.commit(tx).await?;
        Ok(ContactList { rows, total, organizations, may_write: held.allows(Permission::ContactsWrite) })
    })
    .await
}

#[server(prefix = "/api", endpoint = "contacts/get")]
pub async fn load_contact(id: ContactId) -> Result<ContactDetail, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let (caller, mut tx, held) = Caller::start_holding(Permission::ContactsRead, Resource::Tenant).await?;
        let detail = super::queries::contact(&mut tx, id, held.allows(Permission::ContactsWrite))
            .await?
            .ok_or_else(|| AppError::NotFound("Contact".into()))?;
        caller.commit(tx).await?;
        Ok(detail)
    })
    .await
}

/// The form to create a contact (`id` empty; `organization` preselects theirs) or edit one.
#[server(prefix = "/api", endpoint = "contacts/form")]
pub async fn load_contact_form(id: Option<String>, organization: Option<String>) -> Result<ContactForm, AppError> {
    use crate::input::parse_id;
    use crate::server_prelude::*;
    serve(async move {
        let id: Option<ContactId> =
            id.filter(|i| !i.trim().is_empty()).map(|raw| parse_id("Contact", &raw)).transpose()?;
        let (caller, mut tx) = Caller::start(Permission::ContactsWrite, Resource::Tenant).await?;
        let input = match id {
            Some(id) => {
                super::queries::contact_input(&mut tx, id).await?.ok_or_else(|| AppError::NotFound("Contact".into()))?
            }
            None => ContactInput {
                organization: organization.unwrap_or_default().trim().chars().take(40).collect(),
                ..Default::default()
            },
        };
        let organizations = super::queries::organization_choices(&mut tx).await?;
        caller.commit(tx).await?;
        Ok(ContactForm { id, input, organizations })
    })
    .await
}

/// Creates (`id` absent) or changes a contact. A likely duplicate (the same e-mail, or the same name at the
/// same organization) is refused with a link to it unless `allow_duplicate` says they are two people.
#[server(prefix = "/api", endpoint = "contacts/save")]
pub async fn save_contact(
    id: Option<ContactId>,
    input: ContactInput,
    allow_duplicate: Option<bool>,
) -> Result<ContactId, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let valid = input.check(Utc::now().date_naive())?;
        let (caller, mut tx) = Caller::start(Permission::ContactsWrite, Resource::Tenant).await?;
        let saved =
            super::queries::save_contact(&mut tx, &caller, id, &valid, allow_duplicate.unwrap_or(false)).await?;
        caller.commit(tx).await?;
        Ok(saved)
    })
    .await
}

/// Deactivates a person (they leave searches by default; every link and note stays) or brings them back.
#[server(prefix = "/api", endpoint = "contacts/active")]
pub async fn set_contact_active(id: ContactId, active: bool) -> Result<(), AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let (caller, mut tx) = Caller::start(Permission::ContactsWrite, Resource::Tenant).await?;
        super::queries::set_contact_active(&mut tx, &caller, id, active).await?;
        caller.commit(tx).await
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_round_trips_through_the_address() {
        let filter = ContactFilter {
            q: "dana okafor".into(),
            kind: Some(ContactType::ContractingOfficer),
            clearance: Some(Clearance::Secret),
            strength: Some(3),
            contacted: Some(Contacted::OverAYear),
            sort: ContactSort::Strength,
            inactive: true,
            page: 2,
            ..Default::default()
        };
        let query = filter.query();
        assert_eq!(
            query,
            "?q=dana%20okafor&kind=contracting_officer&clearance=secret&strength=3&contacted=over_365&sort=strength&inactive=1&page=3"
        );
        let pairs: Vec<(String, String)> = query[1..]
            .split('&')
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (k.to_string(), v.replace("%20", " ")))
            .collect();
        let back = ContactFilter::from_query(|k| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()));
        assert_eq!(back, filter);
        assert_eq!(ContactFilter::default().query(), "");
        let junk = ContactFilter::from_query(|k| match k {
            "strength" => Some("9".into()),
            "kind" => Some("spy".into()),
            "page" => Some("-4".into()),
            _ => None,
        });
        assert_eq!(junk, ContactFilter::default());
    }
}
