//! The sources page's work on the server: views of the tenant's sources (credentials opened only to show
//! their non-secret parts), saving with audit (the secret never in it), pausing, deleting what nothing refers
//! to, polling now, and testing a connection with one logged call.

use super::{
    adapter_for,
    call::{CallFailure, Connection},
    credentials::Credentials,
    queries::{self, SourceRow},
    sources::check,
};
use crate::{
    audit::{AuditAction, AuditEvent, RiskLevel},
    auth::ssr::{Caller, caller::Held},
    db::Tx,
    error::AppError,
    ids::SourceId,
    sync::{
        SourceInput,
        sources::{CallView, ConnectionTest, SourceView},
    },
};
use serde_json::{Value, json};
use std::time::Duration;

fn not_found() -> AppError {
    AppError::NotFound("Source".into())
}

fn key(caller: &Caller) -> &[u8; 32] {
    caller.state.settings.auth.secret_key.expose()
}

pub async fn sources(caller: &Caller, tx: &mut Tx) -> Result<Vec<SourceView>, AppError> {
    let rows = queries::sources(tx).await?;
    let usage = queries::source_usage(tx).await?;
    let calls = queries::recent_calls(tx, 8).await?;
    Ok(rows
        .into_iter()
        .map(|s| {
            let (_, opportunities, projects, logged_calls) =
                usage.iter().find(|u| u.0 == s.id).copied().unwrap_or((s.id, 0, 0, 0));
            // Only the parts that are not secret; a credential that does not open shows none.
            let (username, token_url, client_id, scope) =
                match Credentials::open(key(caller), s.api_credentials_encrypted.as_deref()) {
                    Ok(Credentials::Basic { username, .. }) => (Some(username), None, None, None),
                    Ok(Credentials::OAuth2 { token_url, client_id, scope, .. }) => {
                        (None, Some(token_url), Some(client_id), scope)
                    }
                    _ => (None, None, None, None),
                };
            SourceView {
                id: SourceId::from_uuid(s.id),
                calls: calls
                    .iter()
                    .filter(|c| c.external_source_id == s.id)
                    .map(|c| CallView {
                        at: c.api_call_timestamp,
                        method: c.http_method.clone(),
                        endpoint: c.endpoint_called.clone(),
                        status: c.http_status,
                        elapsed_ms: c.processing_time_ms,
                        success: c.success,
                        error: c.error_message.clone(),
                        attempt: c.retry_attempt,
                    })
                    .collect(),
                name: s.source_name,
                kind: s.source_kind,
                endpoint: s.api_endpoint,
                auth: s.authentication_type,
                credential_hint: s.credential_hint,
                username,
                token_url,
                client_id,
                scope,
                rate_limit_per_hour: s.rate_limit_per_hour,
                timeout_seconds: s.timeout_seconds,
                retry_attempts: s.retry_attempts,
                page_size: s.page_size,
                polling_frequency_minutes: s.polling_frequency_minutes,
                criteria: s.search_criteria.0,
                is_active: s.is_active,
                status: s.connection_status,
                consecutive_errors: s.consecutive_errors,
                last_success: s.last_successful_call,
                last_error: s.last_error_message,
                last_poll: s.last_poll_at,
                next_poll: s.next_poll_at,
                opportunities,
                projects,
                logged_calls,
            }
        })
        .collect())
}

/// What the audit records of a source: its settings, never its credentials.
fn audited(name: &str, s: &queries::NewSource) -> Value {
    json!({
        "name": name, "kind": s.kind, "endpoint": s.endpoint, "authentication_type": s.auth,
        "rate_limit_per_hour": s.rate_limit_per_hour, "timeout_seconds": s.timeout_seconds,
        "retry_attempts": s.retry_attempts, "page_size": s.page_size,
        "polling_frequency_minutes": s.polling_frequency_minutes, "search": s.criteria,
    })
}

fn audited_row(s: &SourceRow) -> Value {
    json!({
        "name": s.source_name, "kind": s.source_kind, "endpoint": s.api_endpoint,
        "authentication_type": s.authentication_type, "rate_limit_per_hour": s.rate_limit_per_hour,
        "timeout_seconds": s.timeout_seconds, "retry_attempts": s.retry_attempts, "page_size": s.page_size,
        "polling_frequency_minutes": s.polling_frequency_minutes, "search": s.search_criteria.0,
        "active": s.is_active,
    })
}

fn name_taken(name: &str) -> AppError {
    AppError::Conflict(format!("A source named \u{201c}{name}\u{201d} exists already: choose another name."))
}

pub async fn save(
    caller: &Caller,
    tx: &mut Tx,
    id: Option<SourceId>,
    input: &SourceInput,
    secret: Option<String>,
) -> Result<SourceId, AppError> {
    let before = match id {
        Some(id) => Some(queries::source(tx, id.as_uuid()).await?.ok_or_else(not_found)?),
        None => None,
    };
    // A blank secret keeps the stored one.
    let kept = match (&secret, &before) {
        (None, Some(b)) => Credentials::open(key(caller), b.api_credentials_encrypted.as_deref())
            .ok()
            .and_then(|c| c.secret().map(str::to_string)),
        _ => None,
    };
    let new = check(input, secret.as_deref().or(kept.as_deref()), key(caller))?;
    let credentials_changed = secret.is_some() || before.as_ref().is_some_and(|b| b.authentication_type != new.auth);
    match before {
        None => {
            let created = queries::insert_source(tx, &new, Some(caller.user.id), None)
                .await?
                .ok_or_else(|| name_taken(&new.name))?;
            let event = AuditEvent::new(
                AuditAction::Create,
                "external_opportunity_source",
                Some(created),
                format!("Added the source {}", new.name),
            )
            .after(audited(&new.name, &new))
            .risk(RiskLevel::Medium);
            caller.audit(tx, event).await?;
            Ok(SourceId::from_uuid(created))
        }
        Some(before) => {
            match queries::update_source(tx, before.id, &new).await {
                Ok(true) => {}
                Ok(false) => return Err(not_found()),
                Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("23505") => {
                    return Err(name_taken(&new.name));
                }
                Err(e) => return Err(e.into()),
            }
            let mut after = audited(&new.name, &new);
            after["active"] = json!(before.is_active);
            after["credentials_replaced"] = json!(credentials_changed);
            let mut was = audited_row(&before);
            was["credentials_replaced"] = json!(false);
            let event = AuditEvent::new(
                AuditAction::ConfigChange,
                "external_opportunity_source",
                Some(before.id),
                format!("Changed the source {}", new.name),
            )
            .before(was)
            .after(after)
            .risk(if credentials_changed { RiskLevel::High } else { RiskLevel::Medium });
            caller.audit(tx, event).await?;
            Ok(SourceId::from_uuid(before.id))
        }
    }
}

pub async fn set_active(caller: &Caller, tx: &mut Tx, id: SourceId, active: bool) -> Result<(), AppError> {
    let before = queries::source(tx, id.as_uuid()).await?.ok_or_else(not_found)?;
    queries::set_active(tx, id.as_uuid(), active).await?;
    let verb = if active { "Resumed" } else { "Paused" };
    let event = AuditEvent::new(
        AuditAction::ConfigChange,
        "external_opportunity_source",
        Some(id.as_uuid()),
        format!("{verb} the source {}", before.source_name),
    )
    .before(json!({ "active": before.is_active }))
    .after(json!({ "active": active }));
    caller.audit(tx, event).await
}

pub async fn delete(caller: &Caller, tx: &mut Tx, id: SourceId) -> Result<(), AppError> {
    let before = queries::source(tx, id.as_uuid()).await?.ok_or_else(not_found)?;
    let usage = queries::source_usage(tx).await?;
    let (_, opportunities, projects, calls) =
        usage.into_iter().find(|u| u.0 == before.id).unwrap_or((before.id, 0, 0, 0));
    if opportunities + projects + calls > 0 {
        return Err(AppError::Conflict(format!(
            "\u{201c}{}\u{201d} has {opportunities} opportunities, {projects} pursuits and {calls} logged calls: pause it instead, which keeps its history.",
            before.source_name
        )));
    }
    queries::delete_source(tx, before.id).await?;
    let event = AuditEvent::new(
        AuditAction::Delete,
        "external_opportunity_source",
        Some(before.id),
        format!("Deleted the unused source {}", before.source_name),
    )
    .before(audited_row(&before))
    .risk(RiskLevel::Medium);
    caller.audit(tx, event).await
}

pub async fn poll_now(_caller: &Caller, tx: &mut Tx, id: SourceId) -> Result<(), AppError> {
    let source = queries::source(tx, id.as_uuid()).await?.ok_or_else(not_found)?;
    if !source.is_active {
        return Err(AppError::Validation("The source is paused: resume it first.".into()));
    }
    if !queries::poll_now(tx, id.as_uuid()).await? {
        return Err(AppError::Conflict("A poll of this source is running now; it will be done shortly.".into()));
    }
    Ok(())
}

/// One call for the first record of the source's search, logged; the caller's transaction is committed
/// before the call (no connection is held while the source answers).
pub async fn test(caller: &Caller, mut tx: Tx, held: &Held, id: SourceId) -> Result<ConnectionTest, AppError> {
    let source = queries::source(&mut tx, id.as_uuid()).await?.ok_or_else(not_found)?;
    if let Some(until) = queries::take_call(&mut tx, source.id).await? {
        caller.commit(tx).await?;
        return Ok(ConnectionTest {
            ok: false,
            message: format!(
                "No call is allowed before {} UTC (the hourly limit is spent, or the source asked us to wait).",
                until.format("%H:%M")
            ),
            status: None,
            elapsed_ms: 0,
            total: None,
            sample: None,
        });
    }
    caller.commit(tx).await?;
    let adapter = adapter_for(source.source_kind);
    let failed =
        |message: String| ConnectionTest { ok: false, message, status: None, elapsed_ms: 0, total: None, sample: None };
    let Ok(credentials) = Credentials::open(key(caller), source.api_credentials_encrypted.as_deref()) else {
        return Ok(failed("The stored credentials cannot be opened: enter the secret again and save.".into()));
    };
    let timeout = Duration::from_secs(u64::try_from(source.timeout_seconds).unwrap_or(30));
    let allow_private = caller.state.settings.auth.allow_private_fetches;
    let (connection, token) =
        Connection::open(&source.api_endpoint, adapter, &credentials, timeout, allow_private).await;
    let connection = match connection {
        Ok(c) => Some(c),
        Err(e) => {
            if let Some(token) = &token {
                let mut tx = caller.again(held).await?;
                queries::log_call(&mut tx, source.id, None, token, 1, None, None).await?;
                caller.commit(tx).await?;
            }
            return Ok(failed(crate::format::sentence(&e.to_string())));
        }
    };
    let Some(connection) = connection else { return Ok(failed("The source cannot be reached.".into())) };
    let request = adapter.search(&source.search_criteria.0, 0, 1, chrono::Utc::now().date_naive());
    let exchange = connection.get(&request).await;
    let read = exchange.outcome.as_ref().map(|body| adapter.read_page(body));
    let (result, problem) = match &read {
        Ok(Ok(page)) => {
            let sample =
                page.records.first().and_then(|r| adapter.snapshot(&crate::sync::normalize::canonical(r.clone())).ok());
            let total = page.total;
            (
                ConnectionTest {
                    ok: true,
                    message: format!(
                        "Connected: the source answered HTTP {} in {} ms, and its search matches {total} {}.",
                        exchange.status.unwrap_or(200),
                        exchange.elapsed_ms,
                        if total == 1 { "opportunity" } else { "opportunities" }
                    ),
                    status: exchange.status,
                    elapsed_ms: exchange.elapsed_ms,
                    total: Some(total),
                    sample: sample.map(|s| (s.notice_id, s.title.unwrap_or_default())),
                },
                None,
            )
        }
        Ok(Err(e)) => (failed(crate::format::sentence(&e.to_string())), Some(e.to_string())),
        Err(e) => {
            let mut message = crate::format::sentence(&e.to_string());
            if matches!(e, CallFailure::TooMany) {
                message.push_str(" No call is made before the time it gave.");
            }
            (failed(message), None)
        }
    };
    let mut tx = caller.again(held).await?;
    if let Some(token) = &token {
        queries::log_call(&mut tx, source.id, None, token, 1, None, None).await?;
    }
    if let (Err(CallFailure::TooMany), Some(wait)) = (&exchange.outcome, exchange.retry_after) {
        let until = chrono::Utc::now() + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::seconds(60));
        queries::hold_calls(&mut tx, source.id, until).await?;
    }
    let summary = result.total.map(|t| json!({ "test": true, "total": t }));
    queries::log_call(&mut tx, source.id, None, &exchange, 1, problem.as_deref(), summary).await?;
    caller.commit(tx).await?;
    Ok(ConnectionTest { status: exchange.status, elapsed_ms: exchange.elapsed_ms, ..result })
}
