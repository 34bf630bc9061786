//! The pipeline board: one column per Shipley stage with its count, total and PWin-weighted value, cards
//! loaded a page at a time, and moving a pursuit between stages (recorded in change_history and audit).

mod page;
#[cfg(feature = "ssr")]
pub mod queries;

pub use page::PipelinePage;

use crate::{
    domain::{PipelineStage, Priority},
    error::AppError,
    ids::{ProjectId, UserId},
};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Cards per column per page.
pub const CARDS_PER_PAGE: i64 = 50;

/// A pursuit as its card shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct BoardCard {
    pub id: ProjectId,
    pub project_name: String,
    pub agency_name: Option<String>,
    pub solicitation_number: Option<String>,
    pub pipeline_stage: PipelineStage,
    pub priority_level: Priority,
    pub win_probability_score: Option<Decimal>,
    pub estimated_value: Option<Decimal>,
    pub response_due_date: Option<DateTime<Utc>>,
    pub capture_manager_name: Option<String>,
    pub unacknowledged_changes: i64,
}

/// One stage's column: totals over all its pursuits (matching the filter), and the first cards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoardColumn {
    pub stage: PipelineStage,
    pub count: i64,
    pub total_value: Decimal,
    pub weighted_value: Decimal,
    pub cards: Vec<BoardCard>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Board {
    pub columns: Vec<BoardColumn>,
    pub can_move: bool,
    pub as_of: DateTime<Utc>,
    pub managers: Vec<(UserId, String)>,
    pub agencies: Vec<String>,
    pub set_asides: Vec<String>,
}

/// The board's filters, as they appear in the URL.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BoardFilter {
    pub q: Option<String>,
    pub manager: Option<UserId>,
    pub mine: bool,
    pub priority: Option<Priority>,
    pub agency: Option<String>,
    pub set_aside: Option<String>,
    /// A NAICS code or its prefix, e.g. "5415".
    pub naics: Option<String>,
    /// Response due within this many days from today.
    pub due_within: Option<i32>,
    pub min_value: Option<Decimal>,
    pub max_value: Option<Decimal>,
}

impl BoardFilter {
    /// Reads the filter from URL query values; unknown values are ignored rather than failing the page.
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> BoardFilter {
        let text = |k: &str| get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        BoardFilter {
            q: text("q"),
            manager: get("manager").and_then(|m| m.parse().ok()),
            mine: get("mine").is_some_and(|m| m == "1" || m == "true"),
            priority: get("priority").and_then(|p| p.parse().ok()),
            agency: text("agency"),
            set_aside: text("set_aside"),
            naics: text("naics"),
            due_within: get("due_within").and_then(|d| d.parse().ok()),
            min_value: get("min_value").and_then(|v| v.parse().ok()),
            max_value: get("max_value").and_then(|v| v.parse().ok()),
        }
    }

    /// The URL query for this filter ("" when empty).
    pub fn to_query(&self) -> String {
        let mut parts = Vec::new();
        if let Some(q) = &self.q {
            parts.push(format!("q={}", crate::auth::urlencode(q)));
        }
        if let Some(m) = self.manager {
            parts.push(format!("manager={m}"));
        }
        if self.mine {
            parts.push("mine=1".to_string());
        }
        if let Some(p) = self.priority {
            parts.push(format!("priority={p}"));
        }
        for (key, value) in [("agency", &self.agency), ("set_aside", &self.set_aside), ("naics", &self.naics)] {
            if let Some(v) = value {
                parts.push(format!("{key}={}", crate::auth::urlencode(v)));
            }
        }
        if let Some(d) = self.due_within {
            parts.push(format!("due_within={d}"));
        }
        if let Some(v) = self.min_value {
            parts.push(format!("min_value={v}"));
        }
        if let Some(v) = self.max_value {
            parts.push(format!("max_value={v}"));
        }
        if parts.is_empty() { String::new() } else { format!("?{}", parts.join("&")) }
    }

    /// What is wrong with the filter, said so the person can fix it.
    pub fn check(&self) -> Result<(), AppError> {
        let long = |v: &Option<String>, max: usize| v.as_ref().is_some_and(|v| v.chars().count() > max);
        if long(&self.q, 200) || long(&self.agency, 255) || long(&self.set_aside, 100) || long(&self.naics, 20) {
            return Err(AppError::Validation("A filter value is too long (search: at most 200 characters).".into()));
        }
        if self.naics.as_ref().is_some_and(|n| !n.chars().all(|c| c.is_ascii_digit())) {
            return Err(AppError::Validation("A NAICS code has digits only, e.g. 541512 or 5415.".into()));
        }
        if self.due_within.is_some_and(|d| !(1..=365).contains(&d)) {
            return Err(AppError::Validation("\"Due within\" must be 1 to 365 days.".into()));
        }
        if self.min_value.is_some_and(|v| v < Decimal::ZERO) || self.max_value.is_some_and(|v| v < Decimal::ZERO) {
            return Err(AppError::Validation("Values cannot be negative.".into()));
        }
        if let (Some(min), Some(max)) = (self.min_value, self.max_value)
            && min > max
        {
            return Err(AppError::Validation(format!("The minimum value ({min}) is above the maximum ({max}).")));
        }
        Ok(())
    }
}

#[server(prefix = "/api", endpoint = "pipeline/board")]
pub async fn load_board(#[server(default)] filter: BoardFilter) -> Result<Board, AppError> {
    use crate::{auth::{ssr::{Caller, Resource}, Permission}, error::ssr::serve};
    serve(async move {
        filter.check()?;
        let (caller, mut tx) = Caller::start(Permission::ProjectsRead, Resource::Tenant).await?;
        let db = |e| caller.db_error(e);
        let manager = if filter.mine { Some(caller.user.id) } else { filter.manager };
        let columns = queries::board(&mut tx, &filter, manager).await.map_err(db)?;
        let managers = queries::capture_managers(&mut tx).await.map_err(db)?;
        let (agencies, set_asides) = queries::filter_choices(&mut tx).await.map_err(db)?;
        let can_move = caller.permissions(&mut tx, Resource::Tenant).await?.iter().any(|(_, p)| p.contains(&Permission::ProjectsMove));
        caller.commit(tx).await?;
        Ok(Board { columns, can_move, as_of: Utc::now(), managers, agencies, set_asides })
    })
    .await
}

/// The next page of one column's cards.
#[server(prefix = "/api", endpoint = "pipeline/more")]
pub async fn more_cards(#[server(default)] filter: BoardFilter, stage: PipelineStage, offset: i64) -> Result<Vec<BoardCard>, AppError> {
    use crate::{auth::{ssr::{Caller, Resource}, Permission}, error::ssr::serve};
    serve(async move {
        filter.check()?;
        if !(0..=100_000).contains(&offset) {
            return Err(AppError::Validation(format!("offset must be between 0 and 100000, not {offset}.")));
        }
        let (caller, mut tx) = Caller::start(Permission::ProjectsRead, Resource::Tenant).await?;
        let manager = if filter.mine { Some(caller.user.id) } else { filter.manager };
        let cards = queries::cards(&mut tx, &filter, manager, stage, offset).await.map_err(|e| caller.db_error(e))?;
        caller.commit(tx).await?;
        Ok(cards)
    })
    .await
}

/// Moves a pursuit to another stage. Awarded and lost need the outcome (what happened, in a sentence).
#[server(prefix = "/api", endpoint = "pipeline/move")]
pub async fn move_project(project_id: String, stage: String, outcome: Option<String>) -> Result<BoardCard, AppError> {
    use crate::{
        admin::parse_id,
        audit::{AuditAction, AuditEvent},
        auth::{ssr::{Caller, Resource}, Permission},
        error::ssr::serve,
    };
    serve(async move {
        let id: ProjectId = parse_id("Project", &project_id)?;
        let to: PipelineStage = stage.parse().map_err(|e: crate::closed_set::UnknownVariant| AppError::Validation(e.to_string()))?;
        let outcome = outcome.map(|o| o.trim().to_string()).filter(|o| !o.is_empty());
        if matches!(to, PipelineStage::Awarded | PipelineStage::Lost) && outcome.is_none() {
            return Err(AppError::Validation(format!(
                "Moving a pursuit to {} needs the outcome: say in a sentence what was decided.",
                to.label()
            )));
        }
        if outcome.as_ref().is_some_and(|o| o.chars().count() > 255) {
            return Err(AppError::Validation("The outcome can have at most 255 characters.".into()));
        }
        let (caller, mut tx) = Caller::start(Permission::ProjectsMove, Resource::Project(id)).await?;
        let db = |e| caller.db_error(e);
        let from = queries::stage_for_update(&mut tx, id).await.map_err(db)?.ok_or_else(|| AppError::NotFound("Project".into()))?;
        if from != to {
            queries::set_stage(&mut tx, id, from, to, caller.user.id).await.map_err(db)?;
            let mut event = AuditEvent::new(AuditAction::Update, "opportunity_project", Some(id.as_uuid()), format!("Moved from {} to {}", from.label(), to.label()))
                .before(serde_json::json!({ "pipeline_stage": from }))
                .after(serde_json::json!({ "pipeline_stage": to, "outcome": outcome }));
            event.permission_used = Some(Permission::ProjectsMove.as_str());
            caller.audit(&mut tx, event).await?;
        }
        let card = queries::card(&mut tx, id).await.map_err(db)?.ok_or_else(|| AppError::NotFound("Project".into()))?;
        caller.commit(tx).await?;
        Ok(card)
    })
    .await
}

/// A view someone saved: its name and the URL query it stands for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct SavedView {
    pub id: uuid::Uuid,
    pub name: String,
    pub query: String,
}

#[server(prefix = "/api", endpoint = "pipeline/views")]
pub async fn list_views() -> Result<Vec<SavedView>, AppError> {
    use crate::{auth::{ssr::{Caller, Resource}, Permission}, error::ssr::serve};
    serve(async move {
        let (caller, mut tx) = Caller::start(Permission::ProjectsRead, Resource::Tenant).await?;
        let views = queries::views(&mut tx, caller.user.id).await.map_err(|e| caller.db_error(e))?;
        caller.commit(tx).await?;
        Ok(views)
    })
    .await
}

/// Saves the current filter under a name (the same name again replaces it).
#[server(prefix = "/api", endpoint = "pipeline/save-view")]
pub async fn save_view(name: String, #[server(default)] filter: BoardFilter) -> Result<SavedView, AppError> {
    use crate::{admin::required_text, auth::{ssr::{Caller, Resource}, Permission}, error::ssr::serve};
    serve(async move {
        let name = required_text("The view's name", &name, 100)?;
        filter.check()?;
        let (caller, mut tx) = Caller::start(Permission::ProjectsRead, Resource::Tenant).await?;
        // Stored in its canonical form, rebuilt from the checked filter, never as typed.
        let view = queries::save_view(&mut tx, caller.user.id, &name, &filter.to_query()).await.map_err(|e| caller.db_error(e))?;
        caller.commit(tx).await?;
        Ok(view)
    })
    .await
}

#[server(prefix = "/api", endpoint = "pipeline/delete-view")]
pub async fn delete_view(view_id: String) -> Result<(), AppError> {
    use crate::{admin::parse_id, auth::{ssr::{Caller, Resource}, Permission}, error::ssr::serve};
    serve(async move {
        let id: uuid::Uuid = parse_id("Saved view", &view_id)?;
        let (caller, mut tx) = Caller::start(Permission::ProjectsRead, Resource::Tenant).await?;
        if !queries::delete_view(&mut tx, caller.user.id, id).await.map_err(|e| caller.db_error(e))? {
            return Err(AppError::NotFound("Saved view".into()));
        }
        caller.commit(tx).await
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_round_trip_through_the_url() {
        let filter = BoardFilter { q: Some("cyber ops".into()), mine: true, priority: Some(Priority::High), ..Default::default() };
        let query = filter.to_query();
        assert_eq!(query, "?q=cyber%20ops&mine=1&priority=high");
        let parsed: std::collections::HashMap<&str, String> =
            [("q", "cyber ops".to_string()), ("mine", "1".into()), ("priority", "high".into())].into_iter().collect();
        assert_eq!(BoardFilter::from_query(|k| parsed.get(k).cloned()), filter);
        assert_eq!(BoardFilter::from_query(|k| (k == "priority").then(|| "urgent".to_string())), BoardFilter::default());
        let all = BoardFilter {
            agency: Some("Department of the Army".into()),
            set_aside: Some("8(a)".into()),
            naics: Some("5415".into()),
            due_within: Some(30),
            min_value: Some(Decimal::from(1_000_000)),
            max_value: Some(Decimal::from(50_000_000)),
            ..Default::default()
        };
        let query = all.to_query();
        let pairs: std::collections::HashMap<String, String> = query
            .trim_start_matches('?')
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), v.replace("%20", " ").replace("%28", "(").replace("%29", ")")))
            .collect();
        assert_eq!(BoardFilter::from_query(|k| pairs.get(k).cloned()), all);
    }

    #[test]
    fn bad_filters_say_what_to_fix() {
        let check = |f: BoardFilter| f.check().err().map(|e| e.to_string()).unwrap_or_default();
        assert!(check(BoardFilter { naics: Some("54x".into()), ..Default::default() }).contains("digits only"));
        assert!(check(BoardFilter { due_within: Some(0), ..Default::default() }).contains("1 to 365"));
        assert!(check(BoardFilter { min_value: Some(Decimal::from(5)), max_value: Some(Decimal::from(2)), ..Default::default() }).contains("above the maximum"));
        assert!(check(BoardFilter { min_value: Some(Decimal::from(-1)), ..Default::default() }).contains("negative"));
        assert_eq!(check(BoardFilter::default()), "");
    }
}
