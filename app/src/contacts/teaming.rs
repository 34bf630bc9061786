//! Teaming on a pursuit, server side: the organizations on our team (one prime, any number of
//! subcontractors) with their share of the work, and the competitors we expect; where the NDA or teaming
//! agreement stands with each. Our team's shares never add up to more than 100%. Reading needs
//! `contacts.read` on the pursuit, writing `contacts.write` on it, as the pursuit's people do.

use crate::{
    closed_set,
    error::AppError,
    ids::{OrganizationId, ProjectId, PursuitOrganizationId},
};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

closed_set! {
    /// An organization's place on one pursuit (opportunity_project_organizations.teaming_role).
    pub enum TeamingRole: "teaming role" {
        Prime = "prime",
        Subcontractor = "subcontractor",
        Competitor = "competitor",
    }
}

impl TeamingRole {
    pub fn label(self) -> &'static str {
        match self {
            Self::Prime => "Prime",
            Self::Subcontractor => "Subcontractor",
            Self::Competitor => "Competitor",
        }
    }

    /// Prime and subcontractors are our team; competitors bid against it.
    pub fn on_our_team(self) -> bool {
        self != Self::Competitor
    }
}

closed_set! {
    /// Where the paperwork with a partner stands (opportunity_project_organizations.agreement_status).
    pub enum AgreementStatus: "agreement status" {
        None = "none",
        NdaInProgress = "nda_in_progress",
        NdaSigned = "nda_signed",
        TaInProgress = "ta_in_progress",
        TaSigned = "ta_signed",
        NotNeeded = "not_needed",
    }
}

impl AgreementStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::None => "No agreement yet",
            Self::NdaInProgress => "NDA in negotiation",
            Self::NdaSigned => "NDA signed",
            Self::TaInProgress => "Teaming agreement in negotiation",
            Self::TaSigned => "Teaming agreement signed",
            Self::NotNeeded => "Not needed",
        }
    }

    /// The badge's colour class.
    pub fn badge(self) -> &'static str {
        match self {
            Self::TaSigned | Self::NotNeeded => "badge badge--ok",
            Self::NdaSigned | Self::NdaInProgress | Self::TaInProgress => "badge badge--warn",
            Self::None => "badge badge--muted",
        }
    }
}

/// The teaming form as typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TeamingInput {
    pub organization: String,
    pub teaming_role: String,
    pub workshare_percent: String,
    pub agreement_status: String,
    pub notes: String,
}

/// A checked teaming entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValidTeaming {
    pub organization: OrganizationId,
    pub teaming_role: TeamingRole,
    pub workshare_percent: Option<Decimal>,
    pub agreement_status: AgreementStatus,
    pub notes: Option<String>,
}

/// The longest note on a teaming entry.
pub const MAX_TEAMING_NOTES: usize = 2000;

impl TeamingInput {
    pub fn check(&self) -> Result<ValidTeaming, AppError> {
        let mut problems = Vec::new();
        let organization = self
            .organization
            .trim()
            .parse::<OrganizationId>()
            .map_err(|_| problems.push("choose the organization from the list".to_string()))
            .ok();
        let teaming_role = match self.teaming_role.trim() {
            "" => {
                problems.push("choose prime, subcontractor or competitor".into());
                None
            }
            raw => raw.parse::<TeamingRole>().map_err(|e| problems.push(e.to_string())).ok(),
        };
        let workshare_percent = crate::input::percent("the workshare", &self.workshare_percent)
            .map_err(|e| problems.push(e))
            .ok()
            .flatten();
        if teaming_role == Some(TeamingRole::Competitor) && workshare_percent.is_some() {
            problems.push("a competitor has no workshare on our team; leave the workshare empty".into());
        }
        let agreement_status = match self.agreement_status.trim() {
            "" => Some(AgreementStatus::None),
            raw => raw.parse::<AgreementStatus>().map_err(|e| problems.push(e.to_string())).ok(),
        };
        let notes = crate::input::optional_text("The notes", &self.notes, MAX_TEAMING_NOTES)
            .map_err(|e| problems.push(crate::format::lower_first(&e.to_string())))
            .ok()
            .flatten();
        match (organization, teaming_role, agreement_status, problems.is_empty()) {
            (Some(organization), Some(teaming_role), Some(agreement_status), true) => {
                Ok(ValidTeaming { organization, teaming_role, workshare_percent, agreement_status, notes })
            }
            _ => Err(AppError::Validation(format!("Please fix: {}.", problems.join("; ")))),
        }
    }
}

/// One organization on the pursuit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamMember {
    pub id: PursuitOrganizationId,
    pub organization: OrganizationId,
    pub name: String,
    /// Size or program, for the small-business share ("Small business", "8(a)").
    pub business_size: Option<super::BusinessSize>,
    pub teaming_role: TeamingRole,
    pub workshare_percent: Option<Decimal>,
    pub agreement_status: AgreementStatus,
    pub notes: Option<String>,
    /// How many of its people have a role on this pursuit.
    pub people: i64,
    pub updated_by: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// What our team's shares add up to (prime and subcontractors).
pub fn team_workshare(team: &[TeamMember]) -> Decimal {
    team.iter().filter(|m| m.teaming_role.on_our_team()).filter_map(|m| m.workshare_percent).sum()
}

/// Puts an organization on the pursuit's team (or among its competitors).
#[server(prefix = "/api", endpoint = "projects/teaming/add")]
pub async fn add_pursuit_organization(
    project: ProjectId,
    input: TeamingInput,
) -> Result<PursuitOrganizationId, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let valid = input.check()?;
        let (caller, mut tx) = Caller::start(Permission::ContactsWrite, Resource::Project(project)).await?;
        let id = super::queries::teaming::add(&mut tx, &caller, project, &valid).await?;
        caller.commit(tx).await?;
        Ok(id)
    })
    .await
}

/// Changes an organization's place, share, agreement or notes (the organization stays).
#[server(prefix = "/api", endpoint = "projects/teaming/update")]
pub async fn update_pursuit_organization(
    project: ProjectId,
    entry: PursuitOrganizationId,
    input: TeamingInput,
) -> Result<(), AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let valid = input.check()?;
        let (caller, mut tx) = Caller::start(Permission::ContactsWrite, Resource::Project(project)).await?;
        super::queries::teaming::update(&mut tx, &caller, project, entry, &valid).await?;
        caller.commit(tx).await
    })
    .await
}

/// Takes an organization off the pursuit (the organization and its people stay).
#[server(prefix = "/api", endpoint = "projects/teaming/remove")]
pub async fn remove_pursuit_organization(project: ProjectId, entry: PursuitOrganizationId) -> Result<(), AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let (caller, mut tx) = Caller::start(Permission::ContactsWrite, Resource::Project(project)).await?;
        super::queries::teaming::remove(&mut tx, &caller, project, entry).await?;
        caller.commit(tx).await
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_teaming_entry_names_every_problem_at_once() {
        let bad = TeamingInput {
            organization: "northwind".into(),
            teaming_role: "ally".into(),
            workshare_percent: "120".into(),
            agreement_status: "handshake".into(),
            notes: "x".repeat(2001),
        };
        let message = bad.check().expect_err("invalid").to_string();
        for part in [
            "choose the organization from the list",
            "\"ally\" is not a valid teaming role",
            "the workshare must be a number from 0 to 100 (e.g. 45 or 62.5), not \"120\"",
            "\"handshake\" is not a valid agreement status",
            "at most 2000 characters",
        ] {
            assert!(message.contains(part), "{part} missing from: {message}");
        }
        let competitor = TeamingInput {
            organization: "6f1c2b8e-6a55-4f7e-9d7a-0c5b7a8e9f10".into(),
            teaming_role: "competitor".into(),
            workshare_percent: "10".into(),
            ..Default::default()
        };
        assert!(competitor.check().expect_err("share").to_string().contains("a competitor has no workshare"));
        let sub = TeamingInput {
            organization: "6f1c2b8e-6a55-4f7e-9d7a-0c5b7a8e9f10".into(),
            teaming_role: "subcontractor".into(),
            workshare_percent: " 32.5% ".into(),
            notes: "  NDA signed 3 Nov  ".into(),
            ..Default::default()
        }
        .check()
        .expect("valid");
        assert_eq!(
            (sub.workshare_percent, sub.agreement_status, sub.notes.as_deref()),
            (Some(Decimal::new(325, 1)), AgreementStatus::None, Some("NDA signed 3 Nov"))
        );
        for raw in ["-5", "1e2", "33.333", "abc", "$40"] {
            let input = TeamingInput { workshare_percent: raw.into(), ..sub_input() };
            assert!(input.check().is_err(), "{raw} accepted");
        }
    }

    fn sub_input() -> TeamingInput {
        TeamingInput {
            organization: "6f1c2b8e-6a55-4f7e-9d7a-0c5b7a8e9f10".into(),
            teaming_role: "subcontractor".into(),
            ..Default::default()
        }
    }

    #[test]
    fn the_team_share_counts_prime_and_subcontractors_only() {
        let member = |role, share: Option<i64>| TeamMember {
            id: PursuitOrganizationId::from_uuid(uuid::Uuid::nil()),
            organization: OrganizationId::from_uuid(uuid::Uuid::nil()),
            name: "X".into(),
            business_size: None,
            teaming_role: role,
            workshare_percent: share.map(Decimal::from),
            agreement_status: AgreementStatus::None,
            notes: None,
            people: 0,
            updated_by: None,
            updated_at: Utc::now(),
        };
        let team = [
            member(TeamingRole::Prime, Some(60)),
            member(TeamingRole::Subcontractor, Some(25)),
            member(TeamingRole::Subcontractor, None),
            member(TeamingRole::Competitor, None),
        ];
        assert_eq!(team_workshare(&team), Decimal::from(85));
    }
}
