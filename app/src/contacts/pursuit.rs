//! Roles on a pursuit (the project's Contacts tab), server side: the people around one pursuit with who they
//! are to it, their influence (1–5), where they stand toward us, notes and who added them; add, change and
//! remove a role. The same person may hold two roles; the same role twice is refused. Reading needs
//! `contacts.read` on the pursuit, writing `contacts.write` on it (a project role can grant either).

use super::{RelationshipType, Stance};
use crate::{
    error::AppError,
    ids::{ContactId, OrganizationId, ProjectId, PursuitContactId},
};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The role form as typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RoleInput {
    pub contact: String,
    pub relationship_type: String,
    pub influence_level: String,
    pub stance: String,
    pub notes: String,
}

/// A checked role.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValidRole {
    pub contact: ContactId,
    pub relationship_type: RelationshipType,
    pub influence_level: Option<i32>,
    pub stance: Stance,
    pub notes: Option<String>,
}

/// The longest note on a role.
pub const MAX_ROLE_NOTES: usize = 2000;

impl RoleInput {
    pub fn check(&self) -> Result<ValidRole, AppError> {
        let mut problems = Vec::new();
        let contact = self
            .contact
            .trim()
            .parse::<ContactId>()
            .map_err(|_| problems.push("choose the person from the list".to_string()))
            .ok();
        let relationship_type = match self.relationship_type.trim() {
            "" => {
                problems.push("choose their role on this pursuit".into());
                None
            }
            raw => raw.parse::<RelationshipType>().map_err(|e| problems.push(e.to_string())).ok(),
        };
        let influence_level = match self.influence_level.trim() {
            "" => None,
            raw => match raw.parse::<i32>() {
                Ok(n) if (1..=5).contains(&n) => Some(n),
                _ => {
                    problems
                        .push(format!("the influence must be a whole number from 1 to 5, not \u{201c}{raw}\u{201d}"));
                    None
                }
            },
        };
        let stance = match self.stance.trim() {
            "" => Some(Stance::Unknown),
            raw => raw.parse::<Stance>().map_err(|e| problems.push(e.to_string())).ok(),
        };
        let notes = crate::input::optional_text("The notes", &self.notes, MAX_ROLE_NOTES)
            .map_err(|e| problems.push(crate::format::lower_first(&e.to_string())))
            .ok()
            .flatten();
        match (contact, relationship_type, stance, problems.is_empty()) {
            (Some(contact), Some(relationship_type), Some(stance), true) => {
                Ok(ValidRole { contact, relationship_type, influence_level, stance, notes })
            }
            _ => Err(AppError::Validation(format!("Please fix: {}.", problems.join("; ")))),
        }
    }
}

/// One person's role on the pursuit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PursuitRole {
    pub id: PursuitContactId,
    pub contact: ContactId,
    pub name: String,
    pub title: Option<String>,
    pub organization: Option<(OrganizationId, String)>,
    pub organization_type: Option<super::OrganizationType>,
    /// How far below the top of its tree the organization sits (0 for a department or a company).
    pub organization_depth: Option<i32>,
    pub relationship_type: Option<RelationshipType>,
    pub influence_level: Option<i32>,
    pub stance: Stance,
    /// Our relationship strength with the person (from their contact record).
    pub strength: Option<i32>,
    pub notes: Option<String>,
    pub added_by: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// The Contacts tab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PursuitContacts {
    pub project: ProjectId,
    pub project_name: String,
    pub roles: Vec<PursuitRole>,
    /// Active people to add, "Name — Organization", by name.
    pub choices: Vec<(ContactId, String)>,
    /// Organizations on our team and against it.
    pub team: Vec<super::teaming::TeamMember>,
    /// Active companies to put on the team, by name.
    pub organization_choices: Vec<(OrganizationId, String)>,
    /// The points of contact of the pursuit's synced notice, when it has one.
    pub synced: Option<super::from_sync::SyncedContacts>,
    pub may_write: bool,
}

#[server(prefix = "/api", endpoint = "projects/contacts")]
pub async fn load_pursuit_contacts(project: ProjectId) -> Result<PursuitContacts, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let (caller, mut tx, held) =
            Caller::start_holding(Permission::ContactsRead, Resource::Project(project)).await?;
        let may_write = held.allows(Permission::ContactsWrite);
        let found = super::queries::pursuit_contacts(&mut tx, project, may_write).await?;
        caller.commit(tx).await?;
        found.ok_or_else(|| AppError::NotFound("Project".into()))
    })
    .await
}

/// Gives a person a role on the pursuit.
#[server(prefix = "/api", endpoint = "projects/contacts/add")]
pub async fn add_pursuit_contact(project: ProjectId, input: RoleInput) -> Result<PursuitContactId, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let valid = input.check()?;
        let (caller, mut tx) = Caller::start(Permission::ContactsWrite, Resource::Project(project)).await?;
        let id = super::queries::add_pursuit_contact(&mut tx, &caller, project, &valid).await?;
        caller.commit(tx).await?;
        Ok(id)
    })
    .await
}

/// Changes a role (the person stays; their role, influence, stance and notes change).
#[server(prefix = "/api", endpoint = "projects/contacts/update")]
pub async fn update_pursuit_contact(
    project: ProjectId,
    role: PursuitContactId,
    input: RoleInput,
) -> Result<(), AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let valid = input.check()?;
        let (caller, mut tx) = Caller::start(Permission::ContactsWrite, Resource::Project(project)).await?;
        super::queries::update_pursuit_contact(&mut tx, &caller, project, role, &valid).await?;
        caller.commit(tx).await
    })
    .await
}

/// Takes a role away (the person and their record stay).
#[server(prefix = "/api", endpoint = "projects/contacts/remove")]
pub async fn remove_pursuit_contact(project: ProjectId, role: PursuitContactId) -> Result<(), AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let (caller, mut tx) = Caller::start(Permission::ContactsWrite, Resource::Project(project)).await?;
        super::queries::remove_pursuit_contact(&mut tx, &caller, project, role).await?;
        caller.commit(tx).await
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_names_every_problem_at_once() {
        let bad = RoleInput {
            contact: "dana".into(),
            relationship_type: "spy".into(),
            influence_level: "6".into(),
            stance: "hostile".into(),
            notes: "x".repeat(2001),
        };
        let message = bad.check().expect_err("invalid").to_string();
        for part in [
            "choose the person from the list",
            "\"spy\" is not a valid relationship type",
            "from 1 to 5, not \u{201c}6\u{201d}",
            "\"hostile\" is not a valid stance",
            "at most 2000 characters",
        ] {
            assert!(message.contains(part), "{part} missing from: {message}");
        }
        let valid = RoleInput {
            contact: "6f1c2b8e-6a55-4f7e-9d7a-0c5b7a8e9f10".into(),
            relationship_type: "program_manager".into(),
            influence_level: "4".into(),
            notes: "  Writes the PWS  ".into(),
            ..Default::default()
        }
        .check()
        .expect("valid");
        assert_eq!(
            (valid.stance, valid.influence_level, valid.notes.as_deref()),
            (Stance::Unknown, Some(4), Some("Writes the PWS"))
        );
    }
}
