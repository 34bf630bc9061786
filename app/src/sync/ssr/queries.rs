//! The sync's SQL: sources and their call budget, the integration log, and ingestion, which keeps every
//! opportunity a source returns with all its versions and writes a change (with its impact) for each new
//! version. Every function takes the caller's transaction; ingestion runs as the system actor
//! `external_sync`, with change_history and audit rows in the same transaction.

use super::{
    adapter::Adapter,
    call::{CallFailure, Exchange},
};
use crate::{
    audit::{Actor, AuditAction, AuditEvent, ssr::record},
    db::Tx,
    domain::{ImpactLevel, SystemActor},
    ids::{ProjectId, TenantId, UserId},
    sync::{
        AuthKind, ConnectionStatus, SearchCriteria, SourceKind,
        normalize::{self, canonical},
        snapshot::{Assessment, Snapshot, SolicitationStatus, SyncField, assess},
    },
};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sqlx::types::Json;
use std::collections::HashSet;
use uuid::Uuid;

/// A source as the sync reads it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SourceRow {
    pub id: Uuid,
    pub tenant_id: TenantId,
    pub source_name: String,
    pub source_kind: SourceKind,
    pub api_endpoint: String,
    pub authentication_type: AuthKind,
    pub api_credentials_encrypted: Option<Vec<u8>>,
    pub credential_hint: Option<String>,
    pub rate_limit_per_hour: i32,
    pub timeout_seconds: i32,
    pub retry_attempts: i32,
    pub page_size: i32,
    pub search_criteria: Json<SearchCriteria>,
    pub polling_frequency_minutes: i32,
    pub is_active: bool,
    pub connection_status: ConnectionStatus,
    pub consecutive_errors: i32,
    pub last_successful_call: Option<DateTime<Utc>>,
    pub last_error_message: Option<String>,
    pub last_poll_at: Option<DateTime<Utc>>,
    pub next_poll_at: Option<DateTime<Utc>>,
}

const SOURCE_COLUMNS: &str = "id, tenant_id, source_name, source_kind, api_endpoint, authentication_type, \
    api_credentials_encrypted, credential_hint, rate_limit_per_hour, timeout_seconds, retry_attempts, page_size, \
    search_criteria, polling_frequency_minutes, is_active, connection_status, consecutive_errors, last_successful_call, \
    last_error_message, last_poll_at, next_poll_at";

pub async fn source(tx: &mut Tx, id: Uuid) -> Result<Option<SourceRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {SOURCE_COLUMNS} FROM external_opportunity_sources WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
}

pub async fn source_by_name(tx: &mut Tx, name: &str) -> Result<Option<SourceRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {SOURCE_COLUMNS} FROM external_opportunity_sources WHERE source_name = $1"))
        .bind(name)
        .fetch_optional(&mut **tx)
        .await
}

pub async fn sources(tx: &mut Tx) -> Result<Vec<SourceRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {SOURCE_COLUMNS} FROM external_opportunity_sources WHERE tenant_id = app_current_tenant_id() \
          ORDER BY lower(source_name)"
    ))
    .fetch_all(&mut **tx)
    .await
}

/// A new source, its credentials already sealed.
#[derive(Debug, Clone)]
pub struct NewSource {
    pub name: String,
    pub kind: SourceKind,
    pub endpoint: String,
    pub auth: AuthKind,
    pub sealed_credentials: Option<Vec<u8>>,
    pub credential_hint: Option<String>,
    pub rate_limit_per_hour: i32,
    pub timeout_seconds: i32,
    pub retry_attempts: i32,
    pub page_size: i32,
    pub criteria: SearchCriteria,
    pub polling_frequency_minutes: i32,
}

/// Inserts a source, due for its first poll now. `None` when the name is taken.
pub async fn insert_source(
    tx: &mut Tx,
    s: &NewSource,
    created_by: Option<UserId>,
    created_by_system: Option<SystemActor>,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO external_opportunity_sources (tenant_id, source_name, source_kind, api_endpoint, api_version, \
            authentication_type, api_credentials_encrypted, credential_hint, rate_limit_per_hour, timeout_seconds, \
            retry_attempts, page_size, search_criteria, polling_frequency_minutes, next_poll_at, created_by, created_by_system) \
         VALUES (app_current_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, now(), $14, $15::system_actor) \
         ON CONFLICT (tenant_id, source_name) DO NOTHING RETURNING id",
    )
    .bind(&s.name)
    .bind(s.kind)
    .bind(&s.endpoint)
    .bind(match s.kind {
        SourceKind::SamGov => "v2",
        SourceKind::GwmFeed => "v1",
    })
    .bind(s.auth)
    .bind(&s.sealed_credentials)
    .bind(&s.credential_hint)
    .bind(s.rate_limit_per_hour)
    .bind(s.timeout_seconds)
    .bind(s.retry_attempts)
    .bind(s.page_size)
    .bind(Json(&s.criteria))
    .bind(s.polling_frequency_minutes)
    .bind(created_by)
    .bind(created_by_system)
    .fetch_optional(&mut **tx)
    .await
}

/// Takes one call from the source's hourly budget, shared by every app server (the row is the counter).
/// `Ok(None)`: go ahead. `Ok(Some(t))`: no call before `t` (budget spent, or a 429's Retry-After).
pub async fn take_call(tx: &mut Tx, source: Uuid) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    let granted: Option<bool> = sqlx::query_scalar(
        "UPDATE external_opportunity_sources \
            SET rate_window_calls = CASE WHEN fresh THEN 1 ELSE rate_window_calls + 1 END, \
                rate_window_started_at = CASE WHEN fresh THEN now() ELSE rate_window_started_at END \
           FROM (SELECT rate_window_started_at IS NULL OR rate_window_started_at <= now() - interval '1 hour' AS fresh \
                   FROM external_opportunity_sources WHERE id = $1 FOR UPDATE) w \
          WHERE id = $1 AND (w.fresh OR rate_window_calls < rate_limit_per_hour) \
            AND (retry_not_before IS NULL OR retry_not_before <= now()) \
         RETURNING true",
    )
    .bind(source)
    .fetch_optional(&mut **tx)
    .await?;
    if granted.is_some() {
        return Ok(None);
    }
    sqlx::query_scalar(
        "SELECT greatest(CASE WHEN rate_window_calls >= rate_limit_per_hour THEN rate_window_started_at + interval '1 hour' END, \
                         retry_not_before) \
           FROM external_opportunity_sources WHERE id = $1",
    )
    .bind(source)
    .fetch_one(&mut **tx)
    .await
    .map(|at: Option<DateTime<Utc>>| Some(at.unwrap_or_else(Utc::now)))
}

/// Honours a 429: no call to this source from any server before `until`.
pub async fn hold_calls(tx: &mut Tx, source: Uuid, until: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE external_opportunity_sources SET retry_not_before = greatest(retry_not_before, $2) WHERE id = $1",
    )
    .bind(source)
    .bind(until)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The most of a failed answer kept in the log.
const LOG_EXCERPT_CHARS: usize = 2000;

/// Writes one api_integration_logs row: the endpoint without credentials, status, time, rate-limit headers,
/// the error in our words, the attempt; of the answer, a bounded excerpt when it failed and counts when not.
pub async fn log_call(
    tx: &mut Tx,
    source: Uuid,
    project: Option<ProjectId>,
    exchange: &Exchange,
    attempt: u32,
    problem: Option<&str>,
    summary: Option<Value>,
) -> Result<(), sqlx::Error> {
    let excerpt = match (&exchange.outcome, problem) {
        (Ok(body), Some(_)) => {
            Some(json!({ "excerpt": String::from_utf8_lossy(&body[..body.len().min(LOG_EXCERPT_CHARS)]) }))
        }
        _ => summary,
    };
    let error = problem.map(str::to_string).or_else(|| exchange.outcome.as_ref().err().map(CallFailure::to_string));
    sqlx::query(
        "INSERT INTO api_integration_logs (tenant_id, external_source_id, opportunity_project_id, endpoint_called, \
            http_method, http_status, request_headers, response_payload, error_message, processing_time_ms, \
            rate_limit_remaining, rate_limit_reset_at, success, retry_attempt) \
         VALUES (app_current_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(source)
    .bind(project)
    .bind(&exchange.endpoint)
    .bind(exchange.method)
    .bind(exchange.status.map(i32::from))
    .bind(json!({ "accept": "application/json" }))
    .bind(excerpt)
    .bind(error)
    .bind(exchange.elapsed_ms.max(0))
    .bind(exchange.rate_limit_remaining)
    .bind(exchange.rate_limit_reset_at)
    .bind(exchange.outcome.is_ok() && problem.is_none())
    .bind(i32::try_from(attempt.max(1)).unwrap_or(i32::MAX))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records how a poll of the source ended, if `claim` is still the source's claim (a claim whose lease ran
/// out was taken over: the newer one decides). `next` is when the source is due again.
pub async fn finish_source_poll(
    tx: &mut Tx,
    source: Uuid,
    claim: Uuid,
    error: Option<&str>,
    next: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE external_opportunity_sources SET \
            next_poll_at = $3, poll_claim = NULL, last_poll_at = now(), \
            consecutive_errors = CASE WHEN $2::text IS NULL THEN 0 ELSE consecutive_errors + 1 END, \
            last_successful_call = CASE WHEN $2::text IS NULL THEN now() ELSE last_successful_call END, \
            last_error_message = coalesce($2, last_error_message), \
            connection_status = CASE WHEN $2::text IS NULL THEN 'healthy' \
                                     WHEN consecutive_errors + 1 >= $4 THEN 'down' ELSE 'degraded' END \
          WHERE id = $1 AND poll_claim = $5",
    )
    .bind(source)
    .bind(error)
    .bind(next)
    .bind(ConnectionStatus::DOWN_AFTER)
    .bind(claim)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a source's health after a pursued opportunity's poll (which holds no claim on the source).
pub async fn source_health(tx: &mut Tx, source: Uuid, error: Option<&str>) -> Result<bool, sqlx::Error> {
    sqlx::query(
        "UPDATE external_opportunity_sources SET \
            consecutive_errors = CASE WHEN $2::text IS NULL THEN 0 ELSE consecutive_errors + 1 END, \
            last_successful_call = CASE WHEN $2::text IS NULL THEN now() ELSE last_successful_call END, \
            last_error_message = coalesce($2, last_error_message), \
            connection_status = CASE WHEN $2::text IS NULL THEN 'healthy' \
                                     WHEN consecutive_errors + 1 >= $3 THEN 'down' ELSE 'degraded' END \
          WHERE id = $1",
    )
    .bind(source)
    .bind(error)
    .bind(ConnectionStatus::DOWN_AFTER)
    .execute(&mut **tx)
    .await?;
    Ok(true)
}

/// A pursued opportunity's own poll, as claimed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProjectPoll {
    pub id: Uuid,
    pub opportunity_project_id: ProjectId,
    pub polling_frequency_minutes: i32,
    pub consecutive_errors: i32,
    pub max_retries: i32,
    pub backoff_multiplier: rust_decimal::Decimal,
    pub average_response_time_ms: Option<i32>,
    pub notice_id: Option<String>,
    pub solicitation_number: Option<String>,
    pub posted: Option<chrono::NaiveDate>,
    pub office_path: Option<String>,
    /// When any poll of the source (its search included) last returned the opportunity.
    pub last_seen_at: Option<DateTime<Utc>>,
}

pub async fn project_poll(tx: &mut Tx, id: Uuid) -> Result<Option<ProjectPoll>, sqlx::Error> {
    sqlx::query_as(
        "SELECT pc.id, pc.opportunity_project_id, pc.polling_frequency_minutes, pc.consecutive_errors, pc.max_retries, \
                pc.backoff_multiplier, pc.average_response_time_ms, \
                coalesce(o.notice_id, op.external_opportunity_id) AS notice_id, \
                coalesce(d.solicitation_number, op.solicitation_number) AS solicitation_number, d.posting_date AS posted, \
                o.office_path, o.last_seen_at \
           FROM polling_configurations pc \
           JOIN opportunity_projects op ON op.id = pc.opportunity_project_id \
           LEFT JOIN external_opportunities o ON o.opportunity_project_id = op.id \
           LEFT JOIN external_opportunity_data d ON d.external_opportunity_id = o.id AND d.is_current_version \
          WHERE pc.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
}

/// Records how a project's poll ended (if `claim` is still its claim): the next due time (backed off by
/// `backoff_multiplier` per consecutive error), the running average response time and success rate.
pub async fn finish_project_poll(
    tx: &mut Tx,
    poll: &ProjectPoll,
    claim: Uuid,
    error: Option<&str>,
    next: DateTime<Utc>,
    elapsed_ms: i32,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE polling_configurations SET \
            next_poll_timestamp = $3, poll_claim = NULL, last_poll_timestamp = now(), \
            consecutive_errors = CASE WHEN $2::text IS NULL THEN 0 ELSE consecutive_errors + 1 END, \
            average_response_time_ms = CASE WHEN average_response_time_ms IS NULL THEN $4 \
                                            ELSE (average_response_time_ms * 4 + $4) / 5 END, \
            success_rate_percentage = round(coalesce(success_rate_percentage, 100) * 0.9 \
                                            + CASE WHEN $2::text IS NULL THEN 10 ELSE 0 END, 2) \
          WHERE id = $1 AND poll_claim = $5",
    )
    .bind(poll.id)
    .bind(error)
    .bind(next)
    .bind(elapsed_ms.max(0))
    .bind(claim)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 1 {
        sqlx::query(
            "UPDATE opportunity_projects SET sync_status = CASE WHEN $2::text IS NULL THEN 'synced' ELSE 'error' END, \
                sync_error_message = $2, last_synced_at = CASE WHEN $2::text IS NULL THEN now() ELSE last_synced_at END \
              WHERE id = $1",
        )
        .bind(poll.opportunity_project_id)
        .bind(error)
        .execute(&mut **tx)
        .await?;
    }
    Ok(done.rows_affected() == 1)
}

/// How long after its interval a pursuit's own poll waits once a search returned it, so that the search
/// (on the same schedule) comes first and the pursuit needs no call of its own while the search returns it.
pub const FRESH_MARGIN_MINUTES: i32 = 5;

/// A record ready to be compared and stored: in the product's vocabulary, canonical, hashed.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub snapshot: Snapshot,
    /// The canonical record as JSON text: what is hashed and what a new version stores. Text, not a
    /// `Value`: a thousand records held for one poll take half the memory.
    pub raw_json: String,
    pub hash: String,
}

impl Incoming {
    pub fn read(adapter: &dyn Adapter, record: Value) -> Result<Incoming, String> {
        let raw = canonical(record);
        let snapshot = adapter.snapshot(&raw)?;
        let raw_json = raw.to_string();
        let hash = hex::encode(Sha256::digest(raw_json.as_bytes()));
        Ok(Incoming { snapshot, raw_json, hash })
    }

    fn key(&self) -> (Option<String>, Option<String>) {
        (normalize::solicitation_number(self.snapshot.solicitation_number.as_deref()), self.snapshot.office.clone())
    }
}

/// What one ingestion did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IngestReport {
    pub new: usize,
    pub changed: usize,
    pub unchanged: usize,
    /// The changes written: (change id, impact, the pursuit if there is one).
    pub changes: Vec<(Uuid, ImpactLevel, Option<ProjectId>)>,
}

#[derive(sqlx::FromRow)]
struct Current {
    id: Uuid,
    opportunity_project_id: Option<ProjectId>,
    current_version: i32,
    data_id: Uuid,
    version_hash: Option<String>,
    raw_json_data: Value,
    amendment_number: i32,
}

/// Stores what a complete, checked fetch returned: new opportunities get version 1, changed ones a new
/// version and a change row, unchanged ones only "last seen". Opportunities absent from the fetch are not
/// touched (absence is not a change). Serialised per source, so two servers never version one record twice.
pub async fn ingest(
    tx: &mut Tx,
    adapter: &dyn Adapter,
    source: Uuid,
    records: &[Incoming],
    run: &str,
) -> Result<IngestReport, sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('sync:' || $1::text, 0))")
        .bind(source)
        .execute(&mut **tx)
        .await?;
    let now = Utc::now();
    let mut report = IngestReport::default();
    let mut seen: Vec<Uuid> = Vec::new();
    let mut seen_projects: Vec<ProjectId> = Vec::new();
    let mut new_titles: Vec<String> = Vec::new();
    let known = known(tx, source, records).await?;
    // Opportunities created or versioned by this ingestion: a later record of the same one (SAM.gov lists an
    // amendment beside its original notice) is matched again, one by one, against what was just written.
    let mut touched: HashSet<Uuid> = HashSet::new();
    for (incoming, known) in records.iter().zip(known) {
        if let Some(k) = known.filter(|k| !touched.contains(&k.id) && k.version_hash.as_ref() == Some(&incoming.hash)) {
            seen.push(k.id);
            seen_projects.extend(k.opportunity_project_id);
            report.unchanged += 1;
            continue;
        }
        let (solicitation_key, office) = incoming.key();
        let current: Option<Current> = sqlx::query_as(
            "SELECT o.id, o.opportunity_project_id, o.current_version, d.id AS data_id, d.version_hash, d.raw_json_data, \
                    d.amendment_number \
               FROM external_opportunities o \
               JOIN external_opportunity_data d ON d.external_opportunity_id = o.id AND d.is_current_version \
              WHERE o.id = coalesce( \
                      (SELECT n.external_opportunity_id FROM external_opportunity_notices n \
                        WHERE n.external_source_id = $1 AND n.notice_id = $2), \
                      (SELECT m.id FROM external_opportunities m \
                        WHERE m.external_source_id = $1 AND m.solicitation_key = $3 AND m.office_path = $4 \
                        ORDER BY m.first_seen_at LIMIT 1)) \
              FOR UPDATE OF o",
        )
        .bind(source)
        .bind(&incoming.snapshot.notice_id)
        .bind(&solicitation_key)
        .bind(&office)
        .fetch_optional(&mut **tx)
        .await?;
        match current {
            None => {
                let id: Uuid = sqlx::query_scalar(
                    "INSERT INTO external_opportunities (tenant_id, external_source_id, notice_id, solicitation_key, \
                        office_path, current_version) VALUES (app_current_tenant_id(), $1, $2, $3, $4, 1) RETURNING id",
                )
                .bind(source)
                .bind(&incoming.snapshot.notice_id)
                .bind(&solicitation_key)
                .bind(&office)
                .fetch_one(&mut **tx)
                .await?;
                add_notice(tx, source, id, &incoming.snapshot.notice_id).await?;
                insert_version(tx, id, None, 1, 0, incoming, None).await?;
                touched.insert(id);
                report.new += 1;
                new_titles.push(incoming.snapshot.title.clone().unwrap_or_else(|| incoming.snapshot.notice_id.clone()));
            }
            Some(current) if current.version_hash.as_deref() == Some(incoming.hash.as_str()) => {
                seen.push(current.id);
                seen_projects.extend(current.opportunity_project_id);
                report.unchanged += 1;
            }
            Some(current) => {
                let previous = adapter.snapshot(&current.raw_json_data).unwrap_or_default();
                let Some(assessment) = assess(&previous, &incoming.snapshot, true, now) else {
                    continue;
                };
                let amendment = current.amendment_number + i32::from(assessment.fields.contains(&SyncField::NoticeId));
                let version = current.current_version + 1;
                sqlx::query("UPDATE external_opportunity_data SET is_current_version = false WHERE id = $1")
                    .bind(current.data_id)
                    .execute(&mut **tx)
                    .await?;
                insert_version(
                    tx,
                    current.id,
                    current.opportunity_project_id,
                    version,
                    amendment,
                    incoming,
                    Some(&assessment),
                )
                .await?;
                sqlx::query(
                    "UPDATE external_opportunities SET notice_id = $2, solicitation_key = $3, office_path = $4, \
                        current_version = $5, last_seen_at = now(), last_changed_at = now() WHERE id = $1",
                )
                .bind(current.id)
                .bind(&incoming.snapshot.notice_id)
                .bind(&solicitation_key)
                .bind(&office)
                .bind(version)
                .execute(&mut **tx)
                .await?;
                add_notice(tx, source, current.id, &incoming.snapshot.notice_id).await?;
                let change = insert_change(tx, source, &current, version, &assessment).await?;
                history(tx, &current, &assessment, change).await?;
                if let Some(project) = current.opportunity_project_id {
                    notify(tx, project, change, &assessment).await?;
                }
                if let Some(project) = current.opportunity_project_id {
                    sqlx::query(
                        "UPDATE opportunity_projects SET last_synced_at = now(), sync_status = 'synced', \
                            sync_error_message = NULL, version_hash = $2, updated_at = now() WHERE id = $1",
                    )
                    .bind(project)
                    .bind(&incoming.hash)
                    .execute(&mut **tx)
                    .await?;
                }
                touched.insert(current.id);
                report.changed += 1;
                report.changes.push((change, assessment.impact, current.opportunity_project_id));
            }
        }
    }
    if !seen.is_empty() {
        sqlx::query("UPDATE external_opportunities SET last_seen_at = now() WHERE id = ANY($1)")
            .bind(&seen)
            .execute(&mut **tx)
            .await?;
    }
    if !seen_projects.is_empty() {
        sqlx::query(
            "UPDATE opportunity_projects SET last_synced_at = now(), sync_status = 'synced', sync_error_message = NULL \
              WHERE id = ANY($1)",
        )
        .bind(seen_projects.iter().map(|p| p.as_uuid()).collect::<Vec<_>>())
        .execute(&mut **tx)
        .await?;
    }
    // Pursuits this fetch returned are as fresh as their own lookup would make them: their polls (not the one
    // running now, which is claimed) wait an interval, and the margin, so the search keeps coming first.
    seen_projects.extend(report.changes.iter().filter_map(|(_, _, project)| *project));
    if !seen_projects.is_empty() {
        sqlx::query(
            "UPDATE polling_configurations \
                SET next_poll_timestamp = now() + make_interval(mins => polling_frequency_minutes + $2) \
              WHERE opportunity_project_id = ANY($1) AND is_active AND poll_claim IS NULL",
        )
        .bind(seen_projects.iter().map(|p| p.as_uuid()).collect::<Vec<_>>())
        .bind(FRESH_MARGIN_MINUTES)
        .execute(&mut **tx)
        .await?;
    }
    if !new_titles.is_empty() {
        tell_followers(tx, source, &new_titles).await?;
    }
    if report.new + report.changed > 0 {
        let tenant: TenantId = sqlx::query_scalar("SELECT app_current_tenant_id()").fetch_one(&mut **tx).await?;
        let actor = Actor::system(tenant, SystemActor::ExternalSync, run);
        let event = AuditEvent::new(
            AuditAction::Sync,
            "external_opportunity_source",
            Some(source),
            format!("Sync: {} new, {} changed, {} unchanged", report.new, report.changed, report.unchanged),
        )
        .after(json!({ "new": report.new, "changed": report.changed, "unchanged": report.unchanged }));
        record(tx, &actor, event).await?;
    }
    Ok(report)
}

/// What the source already holds for one incoming record, found as `ingest` matches it.
#[derive(sqlx::FromRow)]
struct Known {
    idx: i64,
    id: Uuid,
    opportunity_project_id: Option<ProjectId>,
    version_hash: Option<String>,
}

/// Matches every incoming record in one query (by notice id, else solicitation number and office path), so a
/// poll that changes nothing costs a query, not one per record. The answer is in the records' order.
async fn known(tx: &mut Tx, source: Uuid, records: &[Incoming]) -> Result<Vec<Option<Known>>, sqlx::Error> {
    let (mut notices, mut keys, mut offices) = (Vec::new(), Vec::new(), Vec::new());
    for incoming in records {
        let (key, office) = incoming.key();
        notices.push(incoming.snapshot.notice_id.as_str());
        keys.push(key);
        offices.push(office);
    }
    let found: Vec<Known> = sqlx::query_as(
        "SELECT i.idx, o.id, o.opportunity_project_id, d.version_hash \
           FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS i(notice_id, solicitation_key, office_path, idx) \
           JOIN LATERAL (SELECT coalesce( \
                  (SELECT n.external_opportunity_id FROM external_opportunity_notices n \
                    WHERE n.external_source_id = $1 AND n.notice_id = i.notice_id), \
                  (SELECT m.id FROM external_opportunities m \
                    WHERE m.external_source_id = $1 AND m.solicitation_key = i.solicitation_key \
                      AND m.office_path = i.office_path \
                    ORDER BY m.first_seen_at LIMIT 1)) AS id) k ON true \
           JOIN external_opportunities o ON o.id = k.id \
           JOIN external_opportunity_data d ON d.external_opportunity_id = o.id AND d.is_current_version",
    )
    .bind(source)
    .bind(&notices)
    .bind(&keys)
    .bind(&offices)
    .fetch_all(&mut **tx)
    .await?;
    let mut by_position: Vec<Option<Known>> = (0..records.len()).map(|_| None).collect();
    for k in found {
        if let Some(slot) = usize::try_from(k.idx - 1).ok().and_then(|i| by_position.get_mut(i)) {
            *slot = Some(k);
        }
    }
    Ok(by_position)
}

/// Tells the people who follow the source what it newly returned, in one notification each per poll.
async fn tell_followers(tx: &mut Tx, source: Uuid, titles: &[String]) -> Result<(), sqlx::Error> {
    let name: String = sqlx::query_scalar("SELECT source_name FROM external_opportunity_sources WHERE id = $1")
        .bind(source)
        .fetch_one(&mut **tx)
        .await?;
    let title =
        format!("{} from {name}", crate::format::count(titles.len() as i64, "new opportunity", "new opportunities"));
    let mut body: String = titles.iter().take(3).cloned().collect::<Vec<_>>().join("; ");
    if titles.len() > 3 {
        body.push_str(&format!(" and {} more", titles.len() - 3));
    }
    sqlx::query(
        "INSERT INTO notifications (tenant_id, user_id, kind, title, body, link) \
         SELECT app_current_tenant_id(), f.user_id, 'search_match', $2, $3, $4 \
           FROM source_follows f JOIN users u ON u.id = f.user_id AND u.is_active \
          WHERE f.external_source_id = $1",
    )
    .bind(source)
    .bind(title.chars().take(300).collect::<String>())
    .bind(body)
    .bind(format!("/opportunities?show=new&source={source}"))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Tells a pursuit's capture manager about a change (once per person and change, whatever server stores
/// it), and for a critical one gives them a task due within a day.
async fn notify(tx: &mut Tx, project: ProjectId, change: Uuid, a: &Assessment) -> Result<(), sqlx::Error> {
    let what: Vec<&str> = a.fields.iter().map(|f| f.label()).collect();
    let title = format!("{} ({}): {}", a.change_type.label(), a.impact.label().to_lowercase(), what.join(", "));
    let title: String = title.chars().take(300).collect();
    let sent = sqlx::query(
        "INSERT INTO notifications (tenant_id, user_id, kind, title, body, link, impact_level, external_change_id) \
         SELECT app_current_tenant_id(), p.assigned_capture_manager, 'source_change', $2, p.project_name, \
                '/projects/' || p.id, $3, $4 \
           FROM opportunity_projects p JOIN users u ON u.id = p.assigned_capture_manager AND u.is_active \
          WHERE p.id = $1 \
         ON CONFLICT (tenant_id, user_id, external_change_id) DO NOTHING",
    )
    .bind(project)
    .bind(&title)
    .bind(a.impact)
    .bind(change)
    .execute(&mut **tx)
    .await?;
    if sent.rows_affected() > 0 {
        sqlx::query("UPDATE external_data_changes SET notification_sent = true WHERE id = $1")
            .bind(change)
            .execute(&mut **tx)
            .await?;
    }
    if a.impact == ImpactLevel::Critical {
        let subject: String =
            format!("Review the source's critical change: {}", what.join(", ")).chars().take(255).collect();
        sqlx::query(
            "INSERT INTO activities (tenant_id, entity_type, entity_id, activity_type, subject, description, due_date, \
                assigned_to, priority, triggered_by_external_change, external_change_reference, created_by_system) \
             SELECT app_current_tenant_id(), 'opportunity_project', p.id, 'task', $2, \
                    'Created by the sync: the source made a critical change to this opportunity.', now() + interval '1 day', \
                    p.assigned_capture_manager, 'critical', true, $3, 'external_sync' \
               FROM opportunity_projects p WHERE p.id = $1",
        )
        .bind(project)
        .bind(subject)
        .bind(change)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn add_notice(tx: &mut Tx, source: Uuid, opportunity: Uuid, notice: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO external_opportunity_notices (tenant_id, external_source_id, notice_id, external_opportunity_id) \
         VALUES (app_current_tenant_id(), $1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(source)
    .bind(notice)
    .bind(opportunity)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_version(
    tx: &mut Tx,
    opportunity: Uuid,
    project: Option<ProjectId>,
    version: i32,
    amendment: i32,
    incoming: &Incoming,
    assessment: Option<&Assessment>,
) -> Result<(), sqlx::Error> {
    let s = &incoming.snapshot;
    let status = match s.status {
        Some(SolicitationStatus::Open) if amendment > 0 => Some(SolicitationStatus::Amended),
        other => other,
    };
    // Values beyond a column's limit are cut, never refused: one odd record must not stop a tenant's sync.
    let cut = |v: &Option<String>, n: usize| v.as_ref().map(|v| v.chars().take(n).collect::<String>());
    let (min, max) = match (s.estimated_value_min, s.estimated_value_max) {
        (Some(a), Some(b)) if a > b => (Some(b), Some(a)),
        other => other,
    };
    let money = |d: Option<rust_decimal::Decimal>| {
        d.filter(|d| *d >= rust_decimal::Decimal::ZERO && *d < crate::input::MAX_AMOUNT)
    };
    sqlx::query(
        "INSERT INTO external_opportunity_data (tenant_id, opportunity_project_id, external_opportunity_id, \
            data_snapshot_timestamp, version_number, is_current_version, title, description, opportunity_type, \
            set_aside_type, naics_codes, estimated_value_min, estimated_value_max, posting_date, response_due_date, \
            place_of_performance, solicitation_status, amendment_number, raw_json_data, changed_fields, notice_id, \
            solicitation_number, agency_path_name, office_path_code, archive_date, award_amount, awardee_name, source_url, \
            version_hash) \
         VALUES (app_current_tenant_id(), $1, $2, now(), $3, true, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
            $15, $16::text::jsonb, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26)",
    )
    .bind(project)
    .bind(opportunity)
    .bind(version)
    .bind(cut(&s.title, 500))
    .bind(&s.description)
    .bind(cut(&s.notice_type, 100))
    .bind(cut(&s.set_aside, 100))
    .bind(cut(&s.naics_text(), 200))
    .bind(money(min))
    .bind(money(max))
    .bind(s.posted_at.map(|t| t.date_naive()))
    .bind(s.response_deadline)
    .bind(&s.place_of_performance)
    .bind(status)
    .bind(amendment)
    .bind(&incoming.raw_json)
    .bind(assessment.map(|a| json!(a.fields)))
    .bind(cut(&Some(s.notice_id.clone()), 255))
    .bind(cut(&s.solicitation_number, 100))
    .bind(cut(&s.agency, 500))
    .bind(cut(&s.office, 500))
    .bind(s.archive_date)
    .bind(money(s.award.as_ref().and_then(|a| a.amount)))
    .bind(cut(&s.award.as_ref().and_then(|a| a.awardee.clone()), 255))
    .bind(cut(&s.link, 1000))
    .bind(&incoming.hash)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_change(
    tx: &mut Tx,
    source: Uuid,
    current: &Current,
    version: i32,
    a: &Assessment,
) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO external_data_changes (tenant_id, opportunity_project_id, external_opportunity_id, changed_fields, \
            previous_values, new_values, change_type, impact_level, external_source_id, from_version, to_version) \
         VALUES (app_current_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(current.opportunity_project_id)
    .bind(current.id)
    .bind(json!(a.fields))
    .bind(&a.previous)
    .bind(&a.new)
    .bind(a.change_type)
    .bind(a.impact)
    .bind(source)
    .bind(current.current_version)
    .bind(version)
    .fetch_one(&mut **tx)
    .await
}

/// One change_history row per changed field, by the system actor `external_sync`, in one batch.
async fn history(tx: &mut Tx, current: &Current, a: &Assessment, batch: Uuid) -> Result<(), sqlx::Error> {
    let (entity_type, entity) = match current.opportunity_project_id {
        Some(project) => ("opportunity_project", project.as_uuid()),
        None => ("external_opportunity", current.id),
    };
    let fields: Vec<&str> = a.fields.iter().map(|f| f.as_str()).collect();
    let old: Vec<Value> = a.fields.iter().map(|f| a.previous[f.as_str()].clone()).collect();
    let new: Vec<Value> = a.fields.iter().map(|f| a.new[f.as_str()].clone()).collect();
    let categories: Vec<&str> = a
        .fields
        .iter()
        .map(|f| if matches!(f, SyncField::Status | SyncField::Active) { "status_change" } else { "data_update" })
        .collect();
    sqlx::query(
        "INSERT INTO change_history (tenant_id, entity_type, entity_id, field_name, old_value, new_value, \
            changed_by_system_process, change_source, change_category, change_impact_level, change_batch_id) \
         SELECT app_current_tenant_id(), $1, $2, f, o, n, 'external_sync', 'external_sync', c, $6, $7 \
           FROM unnest($3::text[], $4::jsonb[], $5::jsonb[], $8::text[]) AS t(f, o, n, c)",
    )
    .bind(entity_type)
    .bind(entity)
    .bind(&fields)
    .bind(&old)
    .bind(&new)
    .bind(a.impact)
    .bind(batch)
    .bind(&categories)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// What refers to each of the tenant's sources: opportunities kept, pursuits linked, calls logged.
pub async fn source_usage(tx: &mut Tx) -> Result<Vec<(Uuid, i64, i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT s.id, \
                (SELECT count(*) FROM external_opportunities o WHERE o.external_source_id = s.id), \
                (SELECT count(*) FROM opportunity_projects p WHERE p.external_source_id = s.id), \
                (SELECT count(*) FROM api_integration_logs l WHERE l.external_source_id = s.id) \
           FROM external_opportunity_sources s WHERE s.tenant_id = app_current_tenant_id()",
    )
    .fetch_all(&mut **tx)
    .await
}

/// One logged call, as the sources page lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CallRow {
    pub external_source_id: Uuid,
    pub api_call_timestamp: DateTime<Utc>,
    pub http_method: String,
    pub endpoint_called: String,
    pub http_status: Option<i32>,
    pub processing_time_ms: Option<i32>,
    pub success: bool,
    pub error_message: Option<String>,
    pub retry_attempt: i32,
}

/// The last `per_source` calls of each source, newest first.
pub async fn recent_calls(tx: &mut Tx, per_source: i64) -> Result<Vec<CallRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.* FROM external_opportunity_sources s \
           CROSS JOIN LATERAL ( \
             SELECT l.external_source_id, l.api_call_timestamp, l.http_method, l.endpoint_called, l.http_status, \
                    l.processing_time_ms, l.success, l.error_message, l.retry_attempt \
               FROM api_integration_logs l \
              WHERE l.tenant_id = s.tenant_id AND l.external_source_id = s.id \
              ORDER BY l.api_call_timestamp DESC LIMIT $1) c \
          WHERE s.tenant_id = app_current_tenant_id() \
          ORDER BY c.external_source_id, c.api_call_timestamp DESC",
    )
    .bind(per_source)
    .fetch_all(&mut **tx)
    .await
}

/// Changes a source's settings (the credentials already sealed). `Ok(false)`: no such source. A name that
/// another source has is a unique violation for the caller to explain.
pub async fn update_source(tx: &mut Tx, id: Uuid, s: &NewSource) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE external_opportunity_sources SET source_name = $2, source_kind = $3, api_endpoint = $4, \
            authentication_type = $5, api_credentials_encrypted = $6, credential_hint = $7, rate_limit_per_hour = $8, \
            timeout_seconds = $9, retry_attempts = $10, page_size = $11, search_criteria = $12, \
            polling_frequency_minutes = $13, \
            next_poll_at = CASE WHEN is_active AND poll_claim IS NULL THEN now() ELSE next_poll_at END \
          WHERE id = $1",
    )
    .bind(id)
    .bind(&s.name)
    .bind(s.kind)
    .bind(&s.endpoint)
    .bind(s.auth)
    .bind(&s.sealed_credentials)
    .bind(&s.credential_hint)
    .bind(s.rate_limit_per_hour)
    .bind(s.timeout_seconds)
    .bind(s.retry_attempts)
    .bind(s.page_size)
    .bind(Json(&s.criteria))
    .bind(s.polling_frequency_minutes)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Pauses or resumes a source's polling; resumed, it is due at once.
pub async fn set_active(tx: &mut Tx, id: Uuid, active: bool) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE external_opportunity_sources SET is_active = $2, \
            next_poll_at = CASE WHEN $2 THEN now() ELSE NULL END, poll_claim = CASE WHEN $2 THEN poll_claim END \
          WHERE id = $1",
    )
    .bind(id)
    .bind(active)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Makes an active source due now, unless a poll of it is running.
pub async fn poll_now(tx: &mut Tx, id: Uuid) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE external_opportunity_sources SET next_poll_at = now() \
          WHERE id = $1 AND is_active AND (poll_claim IS NULL OR next_poll_at <= now())",
    )
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes a source nothing refers to (the foreign keys refuse the rest; the caller checks first so it
/// can say why).
pub async fn delete_source(tx: &mut Tx, id: Uuid) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("DELETE FROM external_opportunity_sources WHERE id = $1").bind(id).execute(&mut **tx).await?;
    Ok(done.rows_affected() == 1)
}
