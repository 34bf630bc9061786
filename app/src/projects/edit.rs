//! Creating, editing, archiving and restoring a pursuit. The form sends what was typed; the server checks it
//! all and names every problem at once. Each change writes change_history (field by field) and audit.

use crate::{
    domain::{PipelineStage, Priority, ProjectStatus},
    error::AppError,
    ids::{ProjectId, UserId},
    input::{FieldProblem, Problems},
    projects::project::SyncedField,
};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The project form as typed. Text everywhere, so that what is wrong can be said about what was entered.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProjectInput {
    pub project_name: String,
    pub internal_reference_number: String,
    pub solicitation_number: String,
    pub agency_name: String,
    pub contracting_office: String,
    pub description: String,
    /// Where a new pursuit starts (phase 0 to 6); later moves go through the board.
    pub pipeline_stage: String,
    pub project_status: String,
    pub priority_level: String,
    pub win_probability_score: String,
    pub strategic_value_score: String,
    pub capture_manager: String,
    pub proposal_manager: String,
    pub team_members: Vec<String>,
    /// For a pursuit with no linked source, the values a sync would bring, typed in by hand (kept as
    /// overrides of the synced fields, so a later link to a source never loses them).
    pub estimated_value: String,
    pub response_due_date: String,
    pub naics_codes: String,
    pub set_aside_type: String,
    /// The `updated_at` the form was loaded at: an edit made meanwhile by someone else is not overwritten.
    pub version: String,
}

/// A checked form.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidProject {
    pub project_name: String,
    pub internal_reference_number: Option<String>,
    pub solicitation_number: Option<String>,
    pub agency_name: Option<String>,
    pub contracting_office: Option<String>,
    pub description: Option<String>,
    pub pipeline_stage: PipelineStage,
    pub project_status: ProjectStatus,
    pub priority_level: Priority,
    pub win_probability_score: Option<Decimal>,
    pub strategic_value_score: Option<Decimal>,
    pub capture_manager: Option<UserId>,
    pub proposal_manager: Option<UserId>,
    pub team_members: Vec<UserId>,
    pub hand_values: Vec<(SyncedField, Option<serde_json::Value>)>,
    pub version: Option<DateTime<Utc>>,
}

impl ProjectInput {
    /// Checks everything and reports every problem in one message.
    pub fn check(&self) -> Result<ValidProject, AppError> {
        self.check_fields().map_err(|found| crate::input::problems_error(&found))
    }

    /// Checks everything; every problem with the field it is about (an import names the column from it).
    pub fn check_fields(&self) -> Result<ValidProject, Vec<FieldProblem>> {
        let mut problems = Problems::default();
        let project_name = problems.at("project_name").text("The project name", &self.project_name, 255);
        let internal_reference_number = problems.at("internal_reference_number").text(
            "The internal reference",
            &self.internal_reference_number,
            100,
        );
        let solicitation_number =
            problems.at("solicitation_number").text("The solicitation number", &self.solicitation_number, 100);
        let agency_name = problems.at("agency_name").text("The agency", &self.agency_name, 255);
        let contracting_office =
            problems.at("contracting_office").text("The contracting office", &self.contracting_office, 255);
        let description = problems.at("description").text("The description", &self.description, 20_000);
        if self.project_name.trim().is_empty() {
            problems.at("project_name").push("the project name is required".into());
        }
        let pipeline_stage =
            parse_or(&self.pipeline_stage, PipelineStage::Phase0, "stage", problems.at("pipeline_stage"));
        if pipeline_stage.is_closed() {
            problems.push(
                "a new pursuit starts in phase 0 to 6; move it to awarded or lost on the board, with the outcome"
                    .into(),
            );
        }
        let project_status =
            parse_or(&self.project_status, ProjectStatus::Active, "status", problems.at("project_status"));
        if project_status == ProjectStatus::Archived {
            problems.push("archive a project with its Archive button, which asks for the reason".into());
        }
        let priority_level =
            parse_or(&self.priority_level, Priority::Medium, "priority", problems.at("priority_level"));
        let win_probability_score = problems
            .at("win_probability_score")
            .checked(crate::input::percent("Win probability", &self.win_probability_score))
            .flatten();
        let strategic_value_score = problems
            .at("strategic_value_score")
            .checked(crate::input::percent("Strategic value", &self.strategic_value_score))
            .flatten();
        let capture_manager = person("capture manager", &self.capture_manager, problems.at("capture_manager"));
        let proposal_manager = person("proposal manager", &self.proposal_manager, problems.at("proposal_manager"));
        let mut team_members = Vec::new();
        for raw in self.team_members.iter().filter(|m| !m.trim().is_empty()) {
            if let Some(id) = person("team member", raw, problems.at("team_members"))
                && !team_members.contains(&id)
            {
                team_members.push(id);
            }
        }
        let mut hand_values = Vec::new();
        for (field, key, raw) in [
            (SyncedField::EstimatedValueMax, "estimated_value", &self.estimated_value),
            (SyncedField::ResponseDueDate, "response_due_date", &self.response_due_date),
            (SyncedField::NaicsCodes, "naics_codes", &self.naics_codes),
            (SyncedField::SetAsideType, "set_aside_type", &self.set_aside_type),
        ] {
            if raw.trim().is_empty() {
                hand_values.push((field, None));
            } else {
                match field.parse_value(raw) {
                    Ok(value) => hand_values.push((field, Some(value))),
                    Err(e) => problems.at(key).push(crate::format::lower_first(&e.to_string())),
                }
            }
        }
        let version = problems.at("version").version(&self.version);
        // Without a name there is a problem, so `finish` never builds the project.
        problems.finish(|| ValidProject {
            project_name: project_name.unwrap_or_default(),
            internal_reference_number,
            solicitation_number,
            agency_name,
            contracting_office,
            description,
            pipeline_stage,
            project_status,
            priority_level,
            win_probability_score,
            strategic_value_score,
            capture_manager,
            proposal_manager,
            team_members,
            hand_values,
            version,
        })
    }
}

fn parse_or<T: std::str::FromStr<Err = crate::closed_set::UnknownVariant>>(
    raw: &str,
    default: T,
    what: &str,
    problems: &mut Problems,
) -> T {
    if raw.trim().is_empty() {
        return default;
    }
    raw.parse().unwrap_or_else(|e: crate::closed_set::UnknownVariant| {
        problems.push(format!("the {what} \"{}\" is not one of: {}", e.value, e.expected));
        default
    })
}

fn person(role: &str, raw: &str, problems: &mut Problems) -> Option<UserId> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    raw.parse().map_err(|_| problems.push(format!("choose the {role} from the list"))).ok()
}

/// What the form needs: the values to start from and whom it can name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectForm {
    pub id: Option<ProjectId>,
    pub input: ProjectInput,
    /// Active people of the tenant, for the manager and team pickers.
    pub people: Vec<(UserId, String)>,
    /// The linked source, when the synced fields come from one (then they are overridden on the project page).
    pub source_name: Option<String>,
    pub open_projects: i64,
    pub max_projects: i64,
}

/// The form to create a project (no id) or edit one.
#[server(prefix = "/api", endpoint = "projects/form")]
pub async fn load_project_form(project_id: Option<String>) -> Result<ProjectForm, AppError> {
    use super::writes;
    use crate::input::parse_id;
    use crate::server_prelude::*;
    serve(async move {
        let id: Option<ProjectId> = project_id.as_deref().map(|raw| parse_id("Project", raw)).transpose()?;
        let (permission, resource) = match id {
            Some(id) => (Permission::ProjectsUpdate, Resource::Project(id)),
            None => (Permission::ProjectsCreate, Resource::Tenant),
        };
        let (caller, mut tx) = Caller::start(permission, resource).await?;
        let (input, source_name) = match id {
            Some(id) => {
                writes::current_input(&mut tx, id).await?.ok_or_else(|| AppError::NotFound("Project".into()))?
            }
            None => (ProjectInput { capture_manager: caller.user.id.to_string(), ..Default::default() }, None),
        };
        let people = writes::active_people(&mut tx).await?;
        let (open_projects, max_projects) = writes::plan_usage(&mut tx).await?;
        caller.commit(tx).await?;
        Ok(ProjectForm { id, input, people, source_name, open_projects, max_projects })
    })
    .await
}

#[server(prefix = "/api", endpoint = "projects/create")]
pub async fn create_project(input: ProjectInput) -> Result<ProjectId, AppError> {
    use super::writes;
    use crate::server_prelude::*;
    serve(async move {
        let valid = input.check()?;
        let (caller, mut tx) = Caller::start(Permission::ProjectsCreate, Resource::Tenant).await?;
        let id = writes::create(&mut tx, caller.user.id, &valid, None, None).await?;
        let event = AuditEvent::new(
            AuditAction::Create,
            "opportunity_project",
            Some(id.as_uuid()),
            format!("Created \u{201c}{}\u{201d}", valid.project_name),
        )
        .after(writes::snapshot_json(&valid));
        caller.audit(&mut tx, event).await?;
        caller.commit(tx).await?;
        super::queries::forget_choices(&caller);
        Ok(id)
    })
    .await
}

#[server(prefix = "/api", endpoint = "projects/update")]
pub async fn update_project(project_id: ProjectId, input: ProjectInput) -> Result<(), AppError> {
    use super::writes;
    use crate::server_prelude::*;
    serve(async move {
        let id = project_id;
        let valid = input.check()?;
        let (caller, mut tx) = Caller::start(Permission::ProjectsUpdate, Resource::Project(id)).await?;
        writes::update(&mut tx, &caller, id, &valid).await?;
        caller.commit(tx).await?;
        super::queries::forget_choices(&caller);
        Ok(())
    })
    .await
}

/// Archives a pursuit: nothing is deleted; it leaves the board, the table and the plan count.
#[server(prefix = "/api", endpoint = "projects/archive")]
pub async fn archive_project(project_id: ProjectId, reason: String) -> Result<(), AppError> {
    use super::writes;
    use crate::input::required_text;
    use crate::server_prelude::*;
    serve(async move {
        let id = project_id;
        let reason = required_text("The reason for archiving", &reason, 500)?;
        let (caller, mut tx) = Caller::start(Permission::ProjectsArchive, Resource::Project(id)).await?;
        writes::archive(&mut tx, &caller, id, &reason).await?;
        caller.commit(tx).await?;
        super::queries::forget_choices(&caller);
        Ok(())
    })
    .await
}

/// Brings an archived pursuit back with the status it had, if the plan has room.
#[server(prefix = "/api", endpoint = "projects/restore")]
pub async fn restore_project(project_id: ProjectId) -> Result<(), AppError> {
    use super::writes;
    use crate::server_prelude::*;
    serve(async move {
        let id = project_id;
        let (caller, mut tx) = Caller::start(Permission::ProjectsArchive, Resource::Project(id)).await?;
        writes::restore(&mut tx, &caller, id).await?;
        caller.commit(tx).await?;
        super::queries::forget_choices(&caller);
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(name: &str) -> ProjectInput {
        ProjectInput { project_name: name.into(), ..Default::default() }
    }

    #[test]
    fn a_name_is_all_a_new_pursuit_needs() {
        let valid = named("  Army EIS recompete ").check().expect("valid");
        assert_eq!(valid.project_name, "Army EIS recompete");
        assert_eq!(valid.pipeline_stage, PipelineStage::Phase0);
        assert_eq!(valid.priority_level, Priority::Medium);
        assert!(valid.hand_values.iter().all(|(_, v)| v.is_none()));
    }

    #[test]
    fn every_problem_is_named_at_once() {
        let input = ProjectInput {
            win_probability_score: "140".into(),
            strategic_value_score: "high".into(),
            response_due_date: "next friday".into(),
            estimated_value: "-3".into(),
            capture_manager: "bob".into(),
            pipeline_stage: "awarded".into(),
            ..Default::default()
        };
        let message = input.check().expect_err("invalid").to_string();
        for part in [
            "project name is required",
            "Win probability must be a number from 0 to 100",
            "Strategic value must be",
            "not a date; use YYYY-MM-DD",
            "not an amount in dollars",
            "choose the capture manager",
            "starts in phase 0 to 6",
        ] {
            assert!(message.contains(part), "{part} missing from: {message}");
        }
    }

    #[test]
    fn scores_take_percent_signs_and_two_decimals() {
        let valid = ProjectInput { win_probability_score: "62.5%".into(), ..named("X") }.check().expect("valid");
        assert_eq!(valid.win_probability_score, Some(Decimal::new(625, 1)));
        assert!(ProjectInput { win_probability_score: "33.333".into(), ..named("X") }.check().is_err());
        assert!(
            ProjectInput { project_status: "archived".into(), ..named("X") }
                .check()
                .expect_err("archived")
                .to_string()
                .contains("Archive button")
        );
    }
}
