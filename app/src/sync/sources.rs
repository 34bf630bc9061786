//! /settings/sources, server side: the tenant's external data sources with their health and recent calls;
//! add, edit, pause, delete-if-unused, test the connection, poll now. Permission `admin.sources`.
// The source form posts one argument per field; the server-function macro copies the signature into the
// browser-side function, where an `allow` on the function does not reach.
#![allow(clippy::too_many_arguments)]

use super::{AuthKind, ConnectionStatus, SearchCriteria, SourceKind};
use crate::{error::AppError, ids::SourceId};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One source as the page shows it (never its secret: the last four characters of it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceView {
    pub id: SourceId,
    pub name: String,
    pub kind: SourceKind,
    pub endpoint: String,
    pub auth: AuthKind,
    pub credential_hint: Option<String>,
    pub username: Option<String>,
    pub token_url: Option<String>,
    pub client_id: Option<String>,
    pub scope: Option<String>,
    pub rate_limit_per_hour: i32,
    pub timeout_seconds: i32,
    pub retry_attempts: i32,
    pub page_size: i32,
    pub polling_frequency_minutes: i32,
    pub criteria: SearchCriteria,
    pub is_active: bool,
    pub status: ConnectionStatus,
    pub consecutive_errors: i32,
    pub last_success: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub last_poll: Option<DateTime<Utc>>,
    pub next_poll: Option<DateTime<Utc>>,
    pub opportunities: i64,
    pub projects: i64,
    pub calls: Vec<CallView>,
    pub logged_calls: i64,
}

impl SourceView {
    /// Nothing refers to it: it may be deleted (otherwise it is paused, and its history kept).
    pub fn unused(&self) -> bool {
        self.opportunities == 0 && self.projects == 0 && self.logged_calls == 0
    }
}

/// One logged call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallView {
    pub at: DateTime<Utc>,
    pub method: String,
    pub endpoint: String,
    pub status: Option<i32>,
    pub elapsed_ms: Option<i32>,
    pub success: bool,
    pub error: Option<String>,
    pub attempt: i32,
}

/// What "Test connection" found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectionTest {
    pub ok: bool,
    /// In a sentence: what the source answered.
    pub message: String,
    pub status: Option<u16>,
    pub elapsed_ms: i32,
    /// How many records the source's search matches.
    pub total: Option<u64>,
    /// The first record, read: (notice id, title).
    pub sample: Option<(String, String)>,
}

#[server(prefix = "/api", endpoint = "admin/sources/list")]
pub async fn load_sources() -> Result<Vec<SourceView>, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let (caller, mut tx) = Caller::start(Permission::AdminSources, Resource::Tenant).await?;
        let views = super::ssr::views::sources(&caller, &mut tx).await?;
        caller.commit(tx).await?;
        Ok(views)
    })
    .await
}

/// Adds (`id` empty) or changes a source. A blank `secret` keeps the stored one (when the way of signing in
/// still needs one).
#[server(prefix = "/api", endpoint = "admin/sources/save")]
pub async fn save_source(
    id: Option<String>,
    name: String,
    kind: String,
    endpoint: String,
    auth: String,
    username: Option<String>,
    token_url: Option<String>,
    client_id: Option<String>,
    scope: Option<String>,
    secret: Option<String>,
    rate_limit_per_hour: Option<String>,
    timeout_seconds: Option<String>,
    retry_attempts: Option<String>,
    page_size: Option<String>,
    polling_frequency_minutes: Option<String>,
    posted_within_days: Option<String>,
    naics_codes: Option<String>,
    set_asides: Option<String>,
    notice_types: Option<String>,
    keywords: Option<String>,
) -> Result<SourceId, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let id: Option<SourceId> = id
            .filter(|i| !i.trim().is_empty())
            .map(|i| i.parse())
            .transpose()
            .map_err(|e: crate::ids::InvalidId| AppError::Validation(e.to_string()))?;
        let input = super::SourceInput {
            name,
            kind,
            endpoint,
            auth,
            username,
            token_url,
            client_id,
            scope,
            rate_limit_per_hour: rate_limit_per_hour.unwrap_or_default(),
            timeout_seconds: timeout_seconds.unwrap_or_default(),
            retry_attempts: retry_attempts.unwrap_or_default(),
            page_size: page_size.unwrap_or_default(),
            polling_frequency_minutes: polling_frequency_minutes.unwrap_or_default(),
            posted_within_days: posted_within_days.unwrap_or_default(),
            naics_codes: naics_codes.unwrap_or_default(),
            set_asides: set_asides.unwrap_or_default(),
            notice_types: notice_types.unwrap_or_default(),
            keywords: keywords.unwrap_or_default(),
        };
        let (caller, mut tx) = Caller::start(Permission::AdminSources, Resource::Tenant).await?;
        let saved = super::ssr::views::save(&caller, &mut tx, id, &input, secret.filter(|s| !s.is_empty())).await?;
        caller.commit(tx).await?;
        Ok(saved)
    })
    .await
}

/// Pauses or resumes a source's polling.
#[server(prefix = "/api", endpoint = "admin/sources/active")]
pub async fn set_source_active(id: SourceId, active: bool) -> Result<(), AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let (caller, mut tx) = Caller::start(Permission::AdminSources, Resource::Tenant).await?;
        super::ssr::views::set_active(&caller, &mut tx, id, active).await?;
        caller.commit(tx).await
    })
    .await
}

/// Deletes a source that nothing refers to.
#[server(prefix = "/api", endpoint = "admin/sources/delete")]
pub async fn delete_source(id: SourceId) -> Result<(), AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let (caller, mut tx) = Caller::start(Permission::AdminSources, Resource::Tenant).await?;
        super::ssr::views::delete(&caller, &mut tx, id).await?;
        caller.commit(tx).await
    })
    .await
}

/// Makes a source due now: the next scheduler pass (within seconds) polls it.
#[server(prefix = "/api", endpoint = "admin/sources/poll")]
pub async fn poll_source_now(id: SourceId) -> Result<(), AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let (caller, mut tx) = Caller::start(Permission::AdminSources, Resource::Tenant).await?;
        super::ssr::views::poll_now(&caller, &mut tx, id).await?;
        caller.commit(tx).await
    })
    .await
}

/// Asks the source for the first record of its search and says what it answered. The call is logged and
/// counts against the hourly budget; nothing is stored.
#[server(prefix = "/api", endpoint = "admin/sources/test")]
pub async fn test_source(id: SourceId) -> Result<ConnectionTest, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let (caller, tx, held) = Caller::start_holding(Permission::AdminSources, Resource::Tenant).await?;
        super::ssr::views::test(&caller, tx, &held, id).await
    })
    .await
}
