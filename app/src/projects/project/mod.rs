//! The project page: every field of a pursuit and of its current external snapshot, where synced values
//! come from and the overrides laid over them, team, scores (with pursuit health), and the change history.

mod health;
mod page;
#[cfg(feature = "ssr")]
pub mod queries;

pub use health::{Health, HealthInputs, pursuit_health};
pub use page::ProjectPage;

use crate::{
    closed_set,
    domain::{PipelineStage, Priority, ProjectStatus},
    error::AppError,
    ids::ProjectId,
};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

closed_set! {
    /// Fields synced from the external source that a person may override.
    pub enum SyncedField: "synced field" {
        Title = "title",
        SetAsideType = "set_aside_type",
        NaicsCodes = "naics_codes",
        EstimatedValueMax = "estimated_value_max",
        ResponseDueDate = "response_due_date",
        PlaceOfPerformance = "place_of_performance",
    }
}

impl SyncedField {
    pub const fn label(self) -> &'static str {
        match self {
            Self::Title => "Title",
            Self::SetAsideType => "Set-aside",
            Self::NaicsCodes => "NAICS codes",
            Self::EstimatedValueMax => "Estimated value (max)",
            Self::ResponseDueDate => "Response due",
            Self::PlaceOfPerformance => "Place of performance",
        }
    }

    /// A stored value as people read it: amounts in dollars, dates as dates.
    pub fn display(self, raw: &str) -> String {
        match self {
            Self::EstimatedValueMax => {
                raw.parse::<Decimal>().map(crate::format::money_full).unwrap_or_else(|_| raw.to_string())
            }
            Self::ResponseDueDate => {
                raw.parse::<DateTime<Utc>>().map(crate::format::date_time).unwrap_or_else(|_| raw.to_string())
            }
            _ => raw.to_string(),
        }
    }

    /// Reads a typed value from the override form, or says what to type. Every value is range-checked here,
    /// where it enters: amounts from $0 to $9,999,999,999,999.99 (rounded to cents), response dates from
    /// 1990-01-01 to 2100-12-31, up to 20 NAICS codes of 2-6 digits, text up to 500 characters.
    pub fn parse_value(self, raw: &str) -> Result<serde_json::Value, AppError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(AppError::Validation(format!("Enter the value to use for {}.", self.label().to_lowercase())));
        }
        crate::input::plain_text(self.label(), raw)?;
        match self {
            Self::EstimatedValueMax => {
                let amount = crate::input::amount(self.label(), raw)?;
                Ok(serde_json::json!(amount.normalize().to_string()))
            }
            Self::ResponseDueDate => {
                let date = crate::input::date_in_range("The response due date", raw)?;
                let at = date.and_hms_opt(21, 0, 0).map(|t| t.and_utc());
                at.map(|t| serde_json::json!(t))
                    .ok_or_else(|| AppError::Validation(format!("\"{raw}\" is not a date; use YYYY-MM-DD.")))
            }
            Self::NaicsCodes => {
                let codes: Vec<&str> =
                    raw.split(|c: char| c == ',' || c.is_whitespace()).filter(|c| !c.is_empty()).collect();
                if codes.iter().all(|c| (2..=6).contains(&c.len()) && c.chars().all(|d| d.is_ascii_digit()))
                    && codes.len() <= 20
                {
                    Ok(serde_json::json!(codes.join(", ")))
                } else {
                    Err(AppError::Validation(format!(
                        "\"{raw}\" is not a list of NAICS codes: use up to 20 codes of 2-6 digits, e.g. 541512, 541519."
                    )))
                }
            }
            _ if raw.chars().count() > 500 => {
                Err(AppError::Validation(format!("{} can have at most 500 characters.", self.label())))
            }
            _ => Ok(serde_json::json!(raw)),
        }
    }
}

/// A synced field as the page shows it: the source's value, and the override if there is one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncedValue {
    pub field: SyncedField,
    /// When the source changed the field since the override was made: the source's value then (the current
    /// one is `external`). Settled by keeping the override or taking the source's value.
    pub conflict: Option<String>,
    pub external: Option<String>,
    pub override_value: Option<String>,
    pub override_reason: Option<String>,
    pub override_by: Option<String>,
    pub override_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub who: String,
    pub field_name: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub change_source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ProjectFacts {
    pub id: ProjectId,
    pub project_name: String,
    pub internal_reference_number: Option<String>,
    pub solicitation_number: Option<String>,
    pub agency_name: Option<String>,
    pub contracting_office: Option<String>,
    pub description: Option<String>,
    pub external_opportunity_url: Option<String>,
    pub project_status: ProjectStatus,
    pub pipeline_stage: PipelineStage,
    pub stage_entered_at: DateTime<Utc>,
    pub priority_level: Priority,
    pub win_probability_score: Option<Decimal>,
    pub strategic_value_score: Option<Decimal>,
    pub capture_manager: Option<String>,
    pub proposal_manager: Option<String>,
    pub team: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub snapshot_version: Option<i32>,
    pub snapshot_at: Option<DateTime<Utc>>,
    pub opportunity_type: Option<String>,
    pub solicitation_status: Option<String>,
    pub amendment_number: Option<i32>,
    pub source_name: Option<String>,
    pub unacknowledged_changes: i64,
    pub overdue_activities: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectDetail {
    pub facts: ProjectFacts,
    pub synced: Vec<SyncedValue>,
    pub health: Option<Health>,
    pub history: Vec<HistoryEntry>,
    pub project_roles: Vec<(String, String, Option<DateTime<Utc>>)>,
    pub can_override: bool,
    pub can_edit: bool,
    pub can_archive: bool,
}

#[server(prefix = "/api", endpoint = "projects/detail")]
pub async fn load_project(project_id: ProjectId) -> Result<ProjectDetail, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let id = project_id;
        let (caller, mut tx, held) = Caller::start_holding(Permission::ProjectsRead, Resource::Project(id)).await?;
        let facts = queries::facts(&mut tx, id).await?.ok_or_else(|| AppError::NotFound("Project".into()))?;
        let synced = queries::synced_values(&mut tx, id).await?;
        let history = queries::history(&mut tx, id).await?;
        let project_roles = queries::project_roles(&mut tx, id).await?;
        let may = |wanted: Permission| held.allows(wanted);
        let (can_override, can_edit, can_archive) =
            (may(Permission::ProjectsOverride), may(Permission::ProjectsUpdate), may(Permission::ProjectsArchive));
        caller.commit(tx).await?;
        let response_due = synced
            .iter()
            .find(|s| s.field == SyncedField::ResponseDueDate)
            .and_then(|s| s.override_value.as_ref().or(s.external.as_ref()))
            .and_then(|d| d.parse().ok());
        let health = pursuit_health(
            &HealthInputs {
                stage: facts.pipeline_stage,
                response_due,
                stage_entered_at: facts.stage_entered_at,
                overdue_activities: facts.overdue_activities,
                unacknowledged_changes: facts.unacknowledged_changes,
            },
            Utc::now(),
        );
        Ok(ProjectDetail { facts, synced, health, history, project_roles, can_override, can_edit, can_archive })
    })
    .await
}

/// Lays a person's value over a synced field, with the reason. Syncs never overwrite it.
#[server(prefix = "/api", endpoint = "projects/override")]
pub async fn override_field(
    project_id: ProjectId,
    field: String,
    value: String,
    reason: String,
) -> Result<(), AppError> {
    use crate::input::required_text;
    use crate::server_prelude::*;
    serve(async move {
        let id = project_id;
        let field: SyncedField = field.parse()?;
        let value = field.parse_value(&value)?;
        let reason = required_text("The reason for the override", &reason, 500)?;
        let (caller, mut tx) = Caller::start(Permission::ProjectsOverride, Resource::Project(id)).await?;
        let external =
            queries::external_value(&mut tx, id, field).await?.ok_or_else(|| AppError::NotFound("Project".into()))?;
        let Some(external) = external else {
            return Err(AppError::Validation(
                "This project has no synced data yet, so there is nothing to override; edit the project instead."
                    .into(),
            ));
        };
        let previous = queries::deactivate_override(&mut tx, id, field, caller.user.id).await?;
        queries::insert_override(&mut tx, id, field, &external, &value, &reason, caller.user.id).await?;
        queries::record_override_history(
            &mut tx,
            id,
            field,
            previous.as_ref().unwrap_or(&external),
            Some(&value),
            caller.user.id,
        )
        .await?;
        let event = AuditEvent::new(
            AuditAction::Update,
            "opportunity_project",
            Some(id.as_uuid()),
            format!("Overrode {}: {reason}", field.label()),
        )
        .before(serde_json::json!({ field.as_str(): previous.unwrap_or(external) }))
        .after(serde_json::json!({ field.as_str(): value }));
        caller.audit(&mut tx, event).await?;
        caller.commit(tx).await?;
        crate::projects::queries::forget_choices(&caller);
        Ok(())
    })
    .await
}

/// Keeps a person's override over a value the source changed since (the conflict is settled; audited).
#[server(prefix = "/api", endpoint = "projects/keep-override")]
pub async fn keep_override(project_id: ProjectId, field: String) -> Result<(), AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let id = project_id;
        let field: SyncedField = field.parse()?;
        let (caller, mut tx) = Caller::start(Permission::ProjectsOverride, Resource::Project(id)).await?;
        let external = queries::external_value(&mut tx, id, field)
            .await?
            .ok_or_else(|| AppError::NotFound("Project".into()))?
            .unwrap_or(serde_json::Value::Null);
        let before = queries::keep_override(&mut tx, id, field, &external)
            .await?
            .ok_or_else(|| AppError::Validation(format!("{} has no override to keep.", field.label())))?;
        let event = AuditEvent::new(
            AuditAction::Update,
            "opportunity_project",
            Some(id.as_uuid()),
            format!("Kept the override of {} over the source's new value", field.label()),
        )
        .before(serde_json::json!({ "source_value_overridden": before }))
        .after(serde_json::json!({ "source_value_overridden": external }));
        caller.audit(&mut tx, event).await?;
        caller.commit(tx).await
    })
    .await
}

/// Removes an override: the source's value applies again (the override stays in the history).
#[server(prefix = "/api", endpoint = "projects/remove-override")]
pub async fn remove_override(project_id: ProjectId, field: String) -> Result<(), AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let id = project_id;
        let field: SyncedField = field.parse()?;
        let (caller, mut tx) = Caller::start(Permission::ProjectsOverride, Resource::Project(id)).await?;
        let external =
            queries::external_value(&mut tx, id, field).await?.ok_or_else(|| AppError::NotFound("Project".into()))?;
        let removed = queries::deactivate_override(&mut tx, id, field, caller.user.id).await?;
        let Some(removed) = removed else { return Err(AppError::NotFound("Override".into())) };
        queries::record_override_history(&mut tx, id, field, &removed, external.as_ref(), caller.user.id).await?;
        let event = AuditEvent::new(
            AuditAction::Update,
            "opportunity_project",
            Some(id.as_uuid()),
            format!("Removed the override of {}", field.label()),
        )
        .before(serde_json::json!({ field.as_str(): removed }))
        .after(serde_json::json!({ field.as_str(): external }));
        caller.audit(&mut tx, event).await?;
        caller.commit(tx).await?;
        crate::projects::queries::forget_choices(&caller);
        Ok(())
    })
    .await
}

/// A JSON value as people read it.
pub fn display_json(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "—".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn override_values_are_typed_and_explained() {
        assert_eq!(
            SyncedField::EstimatedValueMax.parse_value("$12,500,000").expect("amount"),
            serde_json::json!("12500000")
        );
        assert!(
            SyncedField::EstimatedValueMax
                .parse_value("lots")
                .expect_err("must be refused")
                .to_string()
                .contains("dollars")
        );
        assert!(
            SyncedField::ResponseDueDate
                .parse_value("2027-03-15")
                .expect("date")
                .as_str()
                .expect("text")
                .starts_with("2027-03-15T21:00:00")
        );
        assert!(
            SyncedField::ResponseDueDate
                .parse_value("15/03/2027")
                .expect_err("must be refused")
                .to_string()
                .contains("YYYY-MM-DD")
        );
        assert!(
            SyncedField::Title.parse_value("  ").expect_err("must be refused").to_string().contains("Enter the value")
        );
        assert_eq!(display_json(&serde_json::json!("8(a)")), "8(a)");
        assert_eq!(
            SyncedField::NaicsCodes.parse_value("541512,541519 ").expect("codes"),
            serde_json::json!("541512, 541519")
        );
        assert!(
            SyncedField::NaicsCodes.parse_value("54-15").expect_err("must be refused").to_string().contains("NAICS")
        );
    }

    #[test]
    fn override_values_stay_within_what_every_reader_can_hold() {
        let amount = SyncedField::EstimatedValueMax;
        assert_eq!(
            amount.parse_value("9999999999999.99").expect("the largest amount"),
            serde_json::json!("9999999999999.99")
        );
        assert_eq!(
            amount.parse_value("1250.005").expect("rounded to cents"),
            serde_json::json!("1250.01"),
            "half away from zero, as PostgreSQL rounds"
        );
        for too_big in ["10000000000000", "1e20", "99999999999999999999999999"] {
            let err = amount.parse_value(too_big).expect_err(too_big).to_string();
            assert!(err.contains("9,999,999,999,999.99") || err.contains("not an amount"), "{too_big}: {err}");
        }
        let due = SyncedField::ResponseDueDate;
        for out_of_range in ["10000-01-01", "+262143-01-01", "1989-12-31", "2101-01-01"] {
            let err = due.parse_value(out_of_range).expect_err(out_of_range).to_string();
            assert!(err.contains("1990-01-01") || err.contains("YYYY-MM-DD"), "{out_of_range}: {err}");
        }
        assert!(due.parse_value("2100-12-31").is_ok());
        assert!(SyncedField::Title.parse_value("a\0b").expect_err("NUL").to_string().contains("control character"));
    }
}
