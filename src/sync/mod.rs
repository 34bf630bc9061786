//! The sync scheduler, in every app server: claims due work (a source's search, or a pursued opportunity's
//! own poll) with `claim_sync_polls` (FOR UPDATE SKIP LOCKED, the lease is the due time moved ahead), reads
//! every page within the source's hourly budget (shared by all servers) with retries, and only then stores
//! what came, in one transaction that also records the poll's end. A poll whose fetch fails changes no
//! opportunity; a server that dies mid-poll leaves a claim that expires with its lease.

pub mod cli;

use app::{
    auth::ssr::door,
    ids::TenantId,
    state::{AppState, SecretKey},
    sync::ssr::{
        Adapter, Credentials, FeedError, FeedPage, Lookup, PageRequest,
        adapter::{check_page, page_count},
        adapter_for,
        call::{CallFailure, Connection, Exchange},
        queries::{self, Incoming, IngestReport, ProjectPoll, SourceRow},
    },
};
use chrono::{DateTime, Utc};
use rust_decimal::prelude::ToPrimitive;
use std::time::Duration;
use tokio::task::JoinHandle;
use uuid::Uuid;

/// What the sync needs of the server: the app role's pool, the sealing key, whether sources may be on
/// private addresses (local runs and tests).
#[derive(Debug, Clone)]
pub struct Ctx {
    pub pool: sqlx::PgPool,
    pub secret_key: SecretKey,
    pub allow_private: bool,
}

impl Ctx {
    pub fn of(state: &AppState) -> Ctx {
        Ctx {
            pool: state.pool.clone(),
            secret_key: state.settings.auth.secret_key.clone(),
            allow_private: state.settings.auth.allow_private_fetches,
        }
    }
}

/// The scheduler's knobs (tests shorten them).
#[derive(Debug, Clone)]
pub struct Tuning {
    /// How long a claim holds before another server may take the work (its server died): longer than a
    /// poll's calls, retries and waits.
    pub lease: Duration,
    pub batch: i32,
    /// The first retry's wait within a poll; each next one doubles it.
    pub retry_base: Duration,
    /// The wait when nothing was due.
    pub idle: Duration,
    /// The most pages one search may take (a search that needs more is refused: narrow it).
    pub max_pages: u64,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            lease: Duration::from_secs(900),
            batch: 4,
            retry_base: Duration::from_secs(2),
            idle: Duration::from_secs(15),
            max_pages: 100,
        }
    }
}

/// Work claimed by this server.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claimed {
    pub tenant_id: TenantId,
    pub external_source_id: Uuid,
    pub polling_configuration_id: Option<Uuid>,
    pub claim: Uuid,
}

/// How a poll ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Stored {
        report: IngestReport,
        skipped: Vec<String>,
    },
    /// The fetch failed: nothing was stored; the message is the source's health message.
    Failed(String),
    /// No call allowed before this (the hourly budget is spent, or a 429 said when).
    Deferred(DateTime<Utc>),
    /// The claim was taken over (its lease ran out): nothing was stored by this server.
    Superseded,
    /// A pursuit's own poll that needed no call: the source's search returned the opportunity at this time,
    /// within the poll's interval, which is as fresh as a lookup would be (SAM.gov's daily budget is small).
    Fresh(DateTime<Utc>),
}

pub fn spawn(state: Ctx, tuning: Tuning) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let pause = match run_once(&state, &tuning).await {
                Ok(polled) if polled.is_empty() => tuning.idle,
                Ok(_) => Duration::ZERO,
                Err(e) => {
                    tracing::warn!(error = %e, "the sync scheduler failed; retrying in 30 seconds");
                    Duration::from_secs(30)
                }
            };
            tokio::time::sleep(pause).await;
        }
    })
}

/// One poll this server made: the work, how it ended and how long it took (the benchmark reads these).
#[derive(Debug)]
pub struct Polled {
    pub work: Claimed,
    pub outcome: Outcome,
    pub took: Duration,
}

/// Claims a batch of due work and polls each, one after another.
pub async fn run_once(state: &Ctx, tuning: &Tuning) -> Result<Vec<Polled>, sqlx::Error> {
    let mut tx = state.pool.begin().await?;
    let claimed: Vec<Claimed> = sqlx::query_as("SELECT * FROM claim_sync_polls($1, make_interval(secs => $2))")
        .bind(tuning.batch)
        .bind(tuning.lease.as_secs_f64())
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    let mut polled = Vec::with_capacity(claimed.len());
    for work in claimed {
        let started = std::time::Instant::now();
        let outcome = poll(state, tuning, &work).await?;
        let took = started.elapsed();
        tracing::info!(source = %work.external_source_id, project_poll = ?work.polling_configuration_id, ?outcome, ?took, "sync poll");
        polled.push(Polled { work, outcome, took });
    }
    Ok(polled)
}

/// Why an operator's one-off sync did not run.
#[derive(Debug, thiserror::Error)]
pub enum OnceError {
    #[error("no source named {0:?} in this tenant")]
    UnknownSource(String),
    #[error("another server is polling this source right now; try again when it is done")]
    Busy,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Polls one source now, whether due or not (`gwm-crm sync --once`): it is claimed like any due work, so it
/// never runs beside another server's poll of the same source.
pub async fn sync_source_once(
    state: &Ctx,
    tuning: &Tuning,
    tenant: TenantId,
    name: &str,
) -> Result<Outcome, OnceError> {
    let mut tx = door::for_job(&state.pool, tenant).await?;
    let source = queries::source_by_name(&mut tx, name).await?.ok_or_else(|| OnceError::UnknownSource(name.into()))?;
    let claim: Option<Uuid> = sqlx::query_scalar(
        "UPDATE external_opportunity_sources SET next_poll_at = now() + make_interval(secs => $2), \
            poll_claim = gen_random_uuid() \
          WHERE id = $1 AND (poll_claim IS NULL OR next_poll_at <= now()) RETURNING poll_claim",
    )
    .bind(source.id)
    .bind(tuning.lease.as_secs_f64())
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    let claim = claim.ok_or(OnceError::Busy)?;
    let work = Claimed { tenant_id: tenant, external_source_id: source.id, polling_configuration_id: None, claim };
    Ok(poll(state, tuning, &work).await?)
}

/// Polls one claimed item to its end.
pub async fn poll(state: &Ctx, tuning: &Tuning, work: &Claimed) -> Result<Outcome, sqlx::Error> {
    let mut tx = door::for_job(&state.pool, work.tenant_id).await?;
    let source = queries::source(&mut tx, work.external_source_id).await?;
    let project = match work.polling_configuration_id {
        Some(id) => queries::project_poll(&mut tx, id).await?,
        None => None,
    };
    tx.commit().await?;
    let Some(source) = source else { return Ok(Outcome::Superseded) };
    let frequency = chrono::Duration::minutes(i64::from(match &project {
        Some(p) => p.polling_frequency_minutes,
        None => source.polling_frequency_minutes,
    }));
    if let Some(seen) = project.as_ref().and_then(|p| p.last_seen_at).filter(|seen| *seen > Utc::now() - frequency) {
        let mut tx = door::for_job(&state.pool, work.tenant_id).await?;
        let margin = chrono::Duration::minutes(i64::from(queries::FRESH_MARGIN_MINUTES));
        if !defer(&mut tx, work, seen + frequency + margin).await? {
            tx.rollback().await?;
            return Ok(Outcome::Superseded);
        }
        tx.commit().await?;
        return Ok(Outcome::Fresh(seen));
    }
    let adapter = adapter_for(source.source_kind);
    let started = std::time::Instant::now();
    let fetched = match (&project, work.polling_configuration_id) {
        (None, Some(_)) => return Ok(Outcome::Superseded),
        (None, None) => {
            let criteria = source.search_criteria.0.clone();
            fetch_all(state, tuning, work, &source, None, |page, size, today| {
                adapter.search(&criteria, page, size, today)
            })
            .await?
            .map(|(records, skipped)| {
                (records.into_iter().filter(|r| criteria.matches(&r.snapshot)).collect::<Vec<_>>(), skipped)
            })
        }
        (Some(p), _) => match lookup_of(p) {
            None => Err(Fetch::Failed("The project has no notice ID or solicitation number to look up.".into())),
            Some(lookup) => fetch_all(state, tuning, work, &source, Some(p), |page, size, today| {
                adapter.lookup(&lookup, page, size, today)
            })
            .await?
            .map(|(records, skipped)| (records.into_iter().filter(|r| belongs_to(p, r)).collect::<Vec<_>>(), skipped)),
        },
    };
    let elapsed_ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
    let mut tx = door::for_job(&state.pool, work.tenant_id).await?;
    let (outcome, error, next) = match fetched {
        Ok((records, skipped)) => {
            let run = format!("sync:{}", work.claim);
            let report = queries::ingest(&mut tx, adapter, source.id, &records, &run).await?;
            (Outcome::Stored { report, skipped }, None, Utc::now() + frequency)
        }
        Err(Fetch::Deferred(until)) => (Outcome::Deferred(until), None, until.max(Utc::now())),
        Err(Fetch::Failed(message)) => {
            let errors = project.as_ref().map_or(source.consecutive_errors, |p| p.consecutive_errors) + 1;
            let next = Utc::now() + backoff(frequency, errors, project.as_ref());
            (Outcome::Failed(message.clone()), Some(message), next)
        }
    };
    let current = match (&project, &outcome) {
        // A deferral is not a poll: the due time moves, health and counters stay.
        (_, Outcome::Deferred(_)) => defer(&mut tx, work, next).await?,
        (Some(p), _) => {
            queries::finish_project_poll(&mut tx, p, work.claim, error.as_deref(), next, elapsed_ms).await?
                && queries::source_health(&mut tx, source.id, error.as_deref()).await?
        }
        (None, _) => queries::finish_source_poll(&mut tx, source.id, work.claim, error.as_deref(), next).await?,
    };
    if !current {
        tx.rollback().await?;
        return Ok(Outcome::Superseded);
    }
    tx.commit().await?;
    Ok(outcome)
}

/// Moves claimed work's due time without recording a poll (a deferral, or a pursuit that needed no call).
async fn defer(tx: &mut app::db::Tx, work: &Claimed, next: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let done = match work.polling_configuration_id {
        Some(id) => sqlx::query(
            "UPDATE polling_configurations SET next_poll_timestamp = $2, poll_claim = NULL WHERE id = $1 AND poll_claim = $3",
        )
        .bind(id),
        None => sqlx::query(
            "UPDATE external_opportunity_sources SET next_poll_at = $2, poll_claim = NULL WHERE id = $1 AND poll_claim = $3",
        )
        .bind(work.external_source_id),
    }
    .bind(next)
    .bind(work.claim)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The wait after `errors` failed polls in a row: the frequency times the multiplier (2 for a source's
/// search) per error, the exponent capped at `max_retries` (6 for a search), never more than a day.
fn backoff(frequency: chrono::Duration, errors: i32, project: Option<&ProjectPoll>) -> chrono::Duration {
    let (multiplier, cap) =
        project.map(|p| (p.backoff_multiplier.to_f64().unwrap_or(2.0), p.max_retries)).unwrap_or((2.0, 6));
    let factor = multiplier.max(1.0).powi(errors.clamp(0, cap.max(0)));
    let seconds = (frequency.num_seconds() as f64 * factor).min(86_400.0);
    chrono::Duration::seconds(seconds as i64)
}

fn lookup_of(p: &ProjectPoll) -> Option<Lookup> {
    let notice_id = p.notice_id.clone().or_else(|| p.solicitation_number.clone())?;
    Some(Lookup { notice_id, solicitation_number: p.solicitation_number.clone(), posted: p.posted })
}

/// A lookup by solicitation number can return another office's opportunity with the same number: only the
/// pursued one's records are kept.
fn belongs_to(p: &ProjectPoll, r: &Incoming) -> bool {
    use app::sync::normalize::{OpportunityKey, solicitation_number};
    let ours = OpportunityKey {
        notice_id: p.notice_id.clone(),
        solicitation_number: solicitation_number(p.solicitation_number.as_deref()),
        office_path: p.office_path.clone(),
    };
    let theirs = OpportunityKey::new(
        Some(&r.snapshot.notice_id),
        r.snapshot.solicitation_number.as_deref(),
        r.snapshot.office.as_deref(),
    );
    ours.same_opportunity(&theirs)
}

enum Fetch {
    Failed(String),
    Deferred(DateTime<Utc>),
}

/// Reads every page of a search (or lookup), retrying what can be retried, before anything is stored.
/// `Ok(Err(..))`: the fetch failed or must wait; records that cannot be read are skipped and named.
async fn fetch_all(
    state: &Ctx,
    tuning: &Tuning,
    work: &Claimed,
    source: &SourceRow,
    project: Option<&ProjectPoll>,
    ask: impl Fn(u32, u32, chrono::NaiveDate) -> PageRequest,
) -> Result<Result<(Vec<Incoming>, Vec<String>), Fetch>, sqlx::Error> {
    let adapter = adapter_for(source.source_kind);
    let project_id = project.map(|p| p.opportunity_project_id);
    let credentials = match Credentials::open(state.secret_key.expose(), source.api_credentials_encrypted.as_deref()) {
        Ok(c) => c,
        Err(_) => {
            return Ok(Err(Fetch::Failed(
                "The stored credentials cannot be opened (was GWM_SECRET_KEY changed?): enter them again.".into(),
            )));
        }
    };
    let timeout = Duration::from_secs(u64::try_from(source.timeout_seconds).unwrap_or(30));
    let (connection, token_exchange) =
        Connection::open(&source.api_endpoint, adapter, &credentials, timeout, state.allow_private).await;
    if let Some(exchange) = &token_exchange {
        let mut tx = door::for_job(&state.pool, work.tenant_id).await?;
        queries::log_call(&mut tx, source.id, project_id, exchange, 1, None, None).await?;
        tx.commit().await?;
    }
    let connection = match connection {
        Ok(c) => c,
        Err(e) => return Ok(Err(Fetch::Failed(app::format::sentence(&e.to_string())))),
    };
    let page_size = u32::try_from(source.page_size).unwrap_or(1).clamp(1, adapter.max_page_size());
    let today = Utc::now().date_naive();
    let attempts = u32::try_from(source.retry_attempts).unwrap_or(0) + 1;
    let (mut read, mut skipped) = (Vec::new(), Vec::new());
    let mut total: Option<u64> = None;
    let mut page: u32 = 0;
    loop {
        let request = ask(page, page_size, today);
        let mut attempt = 1;
        let got = loop {
            match call_page(state, work, source, project_id, &connection, adapter, &request, attempt).await? {
                Ok(got) => break got,
                Err(Step::Wait(until)) => return Ok(Err(Fetch::Deferred(until))),
                Err(Step::Retry(_)) if attempt < attempts => {
                    tokio::time::sleep(tuning.retry_base * 2u32.saturating_pow(attempt - 1)).await;
                    attempt += 1;
                }
                Err(Step::Retry(message) | Step::Stop(message)) => return Ok(Err(Fetch::Failed(message))),
            }
        };
        let first_total = *total.get_or_insert(got.total);
        if page_count(first_total, page_size) > tuning.max_pages {
            return Ok(Err(Fetch::Failed(format!(
                "The search matches {first_total} records, more than {} pages of {page_size}: narrow it.",
                tuning.max_pages
            ))));
        }
        if let Err(e) = check_page(&got, u64::from(page), first_total, page_size) {
            // A count that contradicts the pages: the whole fetch is retried at the next poll.
            return Ok(Err(Fetch::Failed(app::format::sentence(&e.to_string()))));
        }
        // Read page by page, each record dropped once read: a poll never holds a page's parsed JSON twice.
        for record in got.records {
            match Incoming::read(adapter, record) {
                Ok(incoming) => read.push(incoming),
                Err(reason) => skipped.push(reason),
            }
        }
        page += 1;
        if u64::from(page) >= page_count(first_total, page_size) {
            break;
        }
    }
    if !skipped.is_empty() {
        tracing::warn!(source = %source.id, skipped = skipped.len(), first = %skipped[0], "records the source sent could not be read");
    }
    Ok(Ok((read, skipped)))
}

enum Step {
    Retry(String),
    Stop(String),
    Wait(DateTime<Utc>),
}

/// One page: the budget, the call, its log row; a page that is not usable is a retry.
#[allow(clippy::too_many_arguments)]
async fn call_page(
    state: &Ctx,
    work: &Claimed,
    source: &SourceRow,
    project: Option<app::ids::ProjectId>,
    connection: &Connection,
    adapter: &dyn Adapter,
    request: &PageRequest,
    attempt: u32,
) -> Result<Result<FeedPage, Step>, sqlx::Error> {
    let mut tx = door::for_job(&state.pool, work.tenant_id).await?;
    if let Some(until) = queries::take_call(&mut tx, source.id).await? {
        tx.commit().await?;
        return Ok(Err(Step::Wait(until)));
    }
    tx.commit().await?;
    let exchange: Exchange = connection.get(request).await;
    let (result, problem) = match &exchange.outcome {
        Ok(body) => match adapter.read_page(body) {
            Ok(page) => (Ok(page), None),
            Err(e @ FeedError::Malformed(_)) => {
                (Err(Step::Retry(app::format::sentence(&e.to_string()))), Some(e.to_string()))
            }
            Err(e @ FeedError::Refused(_)) => {
                (Err(Step::Stop(app::format::sentence(&e.to_string()))), Some(e.to_string()))
            }
        },
        Err(CallFailure::TooMany) => {
            let wait = exchange.retry_after.unwrap_or(Duration::from_secs(60));
            let until = Utc::now() + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::seconds(60));
            (Err(Step::Wait(until)), None)
        }
        Err(e) if e.retryable() => (Err(Step::Retry(app::format::sentence(&e.to_string()))), None),
        Err(e) => (Err(Step::Stop(app::format::sentence(&e.to_string()))), None),
    };
    let summary = result.as_ref().ok().map(|p| serde_json::json!({ "records": p.records.len(), "total": p.total }));
    let mut tx = door::for_job(&state.pool, work.tenant_id).await?;
    if let Err(Step::Wait(until)) = &result {
        queries::hold_calls(&mut tx, source.id, *until).await?;
    }
    queries::log_call(&mut tx, source.id, project, &exchange, attempt, problem.as_deref(), summary).await?;
    tx.commit().await?;
    Ok(result)
}
