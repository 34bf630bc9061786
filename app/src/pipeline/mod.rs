//! The pipeline board: one column per Shipley stage with its count, total and PWin-weighted value, cards
//! loaded a page at a time, and moving a pursuit between stages (recorded in change_history and audit).

mod page;
#[cfg(feature = "ssr")]
pub mod queries;

pub use page::PipelinePage;

use crate::{
    domain::{PipelineStage, Priority},
    error::AppError,
    ids::ProjectId,
    projects::{FilterChoices, ProjectFilter, ProjectRow},
};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Cards per column per page: a screenful or two; the column header counts them all.
pub const CARDS_PER_PAGE: i64 = 25;

/// One stage's column: totals over all its pursuits (matching the filter), and the first cards. Decided
/// columns (awarded, lost) open folded, so their cards are not sent with the page: they are fetched when
/// the column is opened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoardColumn {
    pub stage: PipelineStage,
    pub count: i64,
    pub total_value: Decimal,
    pub weighted_value: Decimal,
    pub cards: Vec<BoardCard>,
}

/// What a card shows, and nothing else: the board's page carries its cards twice (as HTML and as the data
/// it hydrates from), so every field here costs 225 times. Sent as a JSON array, not an object, for the
/// same reason (the names of the fields are not repeated on every card).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "CardFields", from = "CardFields")]
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

/// `BoardCard` on the wire, in field order.
type CardFields = (
    ProjectId,
    String,
    Option<String>,
    Option<String>,
    PipelineStage,
    Priority,
    Option<Decimal>,
    Option<Decimal>,
    Option<DateTime<Utc>>,
    Option<String>,
    i64,
);

impl From<BoardCard> for CardFields {
    fn from(c: BoardCard) -> CardFields {
        (
            c.id,
            c.project_name,
            c.agency_name,
            c.solicitation_number,
            c.pipeline_stage,
            c.priority_level,
            c.win_probability_score,
            c.estimated_value,
            c.response_due_date,
            c.capture_manager_name,
            c.unacknowledged_changes,
        )
    }
}

impl From<CardFields> for BoardCard {
    fn from(f: CardFields) -> BoardCard {
        BoardCard {
            id: f.0,
            project_name: f.1,
            agency_name: f.2,
            solicitation_number: f.3,
            pipeline_stage: f.4,
            priority_level: f.5,
            win_probability_score: f.6,
            estimated_value: f.7,
            response_due_date: f.8,
            capture_manager_name: f.9,
            unacknowledged_changes: f.10,
        }
    }
}

impl From<ProjectRow> for BoardCard {
    fn from(r: ProjectRow) -> BoardCard {
        BoardCard {
            id: r.id,
            project_name: r.project_name,
            agency_name: r.agency_name,
            solicitation_number: r.solicitation_number,
            pipeline_stage: r.pipeline_stage,
            priority_level: r.priority_level,
            win_probability_score: r.win_probability_score,
            estimated_value: r.estimated_value,
            response_due_date: r.response_due_date,
            capture_manager_name: r.capture_manager_name,
            unacknowledged_changes: r.unacknowledged_changes,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Board {
    pub columns: Vec<BoardColumn>,
    pub can_move: bool,
    pub as_of: DateTime<Utc>,
    pub choices: FilterChoices,
    /// The caller's saved views, loaded with the board (one transaction for the whole page).
    pub views: Vec<SavedView>,
}

#[server(prefix = "/api", endpoint = "pipeline/board")]
pub async fn load_board(#[server(default)] filter: ProjectFilter) -> Result<Board, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        filter.check()?;
        let (caller, mut tx, held) = Caller::start_holding(Permission::ProjectsRead, Resource::Tenant).await?;
        let mut columns = queries::board(&mut tx, &filter, filter.manager_for(caller.user.id)).await?;
        for column in columns.iter_mut().filter(|c| c.stage.is_closed()) {
            column.cards.clear();
        }
        let choices = crate::projects::queries::cached_choices(&mut tx, &caller).await?;
        let views = queries::views(&mut tx, caller.user.id).await?;
        caller.commit(tx).await?;
        Ok(Board { columns, can_move: held.allows(Permission::ProjectsMove), as_of: Utc::now(), choices, views })
    })
    .await
}

/// The next page of one column's cards.
#[server(prefix = "/api", endpoint = "pipeline/more")]
pub async fn more_cards(
    #[server(default)] filter: ProjectFilter,
    stage: PipelineStage,
    offset: i64,
) -> Result<Vec<BoardCard>, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        filter.check()?;
        if !(0..=100_000).contains(&offset) {
            return Err(AppError::Validation(format!("offset must be between 0 and 100000, not {offset}.")));
        }
        let (caller, mut tx) = Caller::start(Permission::ProjectsRead, Resource::Tenant).await?;
        let cards = queries::cards(&mut tx, &filter, filter.manager_for(caller.user.id), stage, offset).await?;
        caller.commit(tx).await?;
        Ok(cards.into_iter().map(BoardCard::from).collect())
    })
    .await
}

/// Moves a pursuit to another stage. Awarded and lost need the outcome (what happened, in a sentence).
#[server(prefix = "/api", endpoint = "pipeline/move")]
pub async fn move_project(
    project_id: crate::ids::ProjectId,
    stage: String,
    outcome: Option<String>,
) -> Result<BoardCard, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let id = project_id;
        let to: PipelineStage = stage.parse()?;
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
        let from = queries::stage_for_update(&mut tx, id).await?.ok_or_else(|| AppError::NotFound("Project".into()))?;
        if from != to {
            queries::set_stage(&mut tx, id, from, to, caller.user.id).await?;
            let mut event = AuditEvent::new(
                AuditAction::Update,
                "opportunity_project",
                Some(id.as_uuid()),
                format!("Moved from {} to {}", from.label(), to.label()),
            )
            .before(serde_json::json!({ "pipeline_stage": from }))
            .after(serde_json::json!({ "pipeline_stage": to, "outcome": outcome }));
            event.permission_used = Some(Permission::ProjectsMove.as_str());
            caller.audit(&mut tx, event).await?;
        }
        let card = queries::card(&mut tx, id).await?.ok_or_else(|| AppError::NotFound("Project".into()))?;
        caller.commit(tx).await?;
        Ok(card.into())
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
    use crate::server_prelude::*;
    serve(async move {
        let (caller, mut tx) = Caller::start(Permission::ProjectsRead, Resource::Tenant).await?;
        let views = queries::views(&mut tx, caller.user.id).await?;
        caller.commit(tx).await?;
        Ok(views)
    })
    .await
}

/// Saves the current filter under a name (the same name again replaces it).
#[server(prefix = "/api", endpoint = "pipeline/save-view")]
pub async fn save_view(name: String, #[server(default)] filter: ProjectFilter) -> Result<SavedView, AppError> {
    use crate::input::required_text;
    use crate::server_prelude::*;
    serve(async move {
        let name = required_text("The view's name", &name, 100)?;
        filter.check()?;
        let (caller, mut tx) = Caller::start(Permission::ProjectsRead, Resource::Tenant).await?;
        // Stored in its canonical form, rebuilt from the checked filter, never as typed.
        let view = queries::save_view(&mut tx, caller.user.id, &name, &filter.to_query()).await?;
        caller.commit(tx).await?;
        Ok(view)
    })
    .await
}

#[server(prefix = "/api", endpoint = "pipeline/delete-view")]
pub async fn delete_view(view_id: uuid::Uuid) -> Result<(), AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let id = view_id;
        let (caller, mut tx) = Caller::start(Permission::ProjectsRead, Resource::Tenant).await?;
        if !queries::delete_view(&mut tx, caller.user.id, id).await? {
            return Err(AppError::NotFound("Saved view".into()));
        }
        caller.commit(tx).await
    })
    .await
}
