//! Points of contact from the sync: the people a pursuit's synced notice names (SAM.gov's `pointOfContact`)
//! are offered on its Contacts tab as contacts of the notice's office (the organization whose office path
//! code is the notice's `fullParentPathCode`). Matched by e-mail: someone already in the contacts is never
//! added twice and nothing typed on their record is overwritten; they only get a role on the pursuit.

use super::{ContactType, RelationshipType};
use crate::{
    error::AppError,
    ids::{ContactId, OrganizationId, ProjectId},
};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One point of contact of the pursuit's notice, and who they are in our contacts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncedContact {
    pub full_name: String,
    pub title: Option<String>,
    /// Lower-cased; a point of contact without one is not offered (nothing to match on).
    pub email: String,
    pub phone: Option<String>,
    /// "primary" or "secondary", as the notice says.
    pub kind: Option<String>,
    /// The contact with this e-mail, when there is one.
    pub existing: Option<(ContactId, String)>,
    /// Whether that contact already has a role on the pursuit.
    pub has_role: bool,
}

/// The notice's points of contact and the office they would be filed under.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncedContacts {
    pub source: String,
    pub people: Vec<SyncedContact>,
    /// The organization whose office path code is the notice's.
    pub office: Option<(OrganizationId, String)>,
    /// The notice's office path code, to say what to add when no organization has it.
    pub office_code: Option<String>,
}

/// "Jordan Avery", "AVERY, JORDAN" or "jordan q. avery" as (first, last), capitalised when the source
/// shouts; None for a single word (which part is which cannot be told).
pub fn split_full_name(full: &str) -> Option<(String, String)> {
    let full = full.split_whitespace().collect::<Vec<_>>().join(" ");
    let (first, last) = match full.split_once(',') {
        Some((last, first)) => (first.trim().to_string(), last.trim().to_string()),
        None => {
            let (first, last) = full.rsplit_once(' ')?;
            (first.to_string(), last.to_string())
        }
    };
    if first.is_empty() || last.is_empty() || first.chars().count() > 100 || last.chars().count() > 100 {
        return None;
    }
    let shouting = |s: &str| s.chars().any(char::is_alphabetic) && !s.chars().any(char::is_lowercase);
    let tidy = |s: String| {
        if shouting(&s) {
            s.split(' ')
                .map(|w| {
                    let mut chars = w.chars();
                    chars
                        .next()
                        .map(|c| c.to_uppercase().chain(chars.flat_map(char::to_lowercase)).collect::<String>())
                        .unwrap_or_default()
                })
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            s
        }
    };
    Some((tidy(first), tidy(last)))
}

/// What a notice's title says about a person: their role on the pursuit and their kind of contact.
pub fn role_from_title(title: Option<&str>) -> (RelationshipType, ContactType) {
    let title = title.unwrap_or_default().to_lowercase();
    if title.contains("contracting officer") || title.contains("contracting offcr") {
        (RelationshipType::ContractingOfficer, ContactType::ContractingOfficer)
    } else if title.contains("contract specialist") {
        (RelationshipType::ContractSpecialist, ContactType::ContractingOfficer)
    } else {
        (RelationshipType::GovernmentPoc, ContactType::GovernmentPoc)
    }
}

/// Makes the notice's point of contact with this e-mail a contact (of the office, when one has its code)
/// unless someone already has that e-mail, and gives them a role on the pursuit unless they have one.
/// Doing it twice changes nothing.
#[server(prefix = "/api", endpoint = "projects/contacts/from_sync")]
pub async fn add_synced_contact(project: ProjectId, email: String) -> Result<ContactId, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let email = email.trim().to_lowercase();
        if email.is_empty() || email.chars().count() > 255 {
            return Err(AppError::Validation("Choose a point of contact of the notice.".into()));
        }
        let (caller, mut tx) = Caller::start(Permission::ContactsWrite, Resource::Project(project)).await?;
        let id = super::queries::from_sync::add(&mut tx, &caller, project, &email).await?;
        caller.commit(tx).await?;
        Ok(id)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_split_as_people_write_them() {
        let split = |s: &str| split_full_name(s).map(|(f, l)| format!("{f}|{l}"));
        assert_eq!(split("Jordan Avery").as_deref(), Some("Jordan|Avery"));
        assert_eq!(split("  JORDAN  Q. AVERY ").as_deref(), Some("Jordan Q.|Avery"));
        assert_eq!(split("Avery, Jordan").as_deref(), Some("Jordan|Avery"));
        assert_eq!(split("McDONALD, ann-marie").as_deref(), Some("ann-marie|McDONALD"));
        assert_eq!(split("O'NEIL, SEAN").as_deref(), Some("Sean|O'neil"));
        assert_eq!(split("Dana"), None);
        assert_eq!(split(", Dana"), None);
        assert_eq!(split(&format!("A {}", "b".repeat(101))), None);
    }

    #[test]
    fn titles_give_the_role() {
        assert_eq!(role_from_title(Some("Contracting Officer")).0, RelationshipType::ContractingOfficer);
        assert_eq!(role_from_title(Some("CONTRACT SPECIALIST")).0, RelationshipType::ContractSpecialist);
        assert_eq!(role_from_title(None), (RelationshipType::GovernmentPoc, ContactType::GovernmentPoc));
    }
}
