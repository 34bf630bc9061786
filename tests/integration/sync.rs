//! The external sync against a real HTTP server: a SAM.gov-shaped feed that each test starts on port 0 and
//! scripts (the records it publishes, the faults it answers with), polled by the real scheduler code.

use crate::common::{TestApp, tenant_tx};
use app::{
    domain::{ImpactLevel, SystemActor},
    ids::TenantId,
    sync::{
        SourceInput,
        snapshot::ChangeType,
        ssr::{queries, sources},
    },
};
use axum::{
    Router,
    body::Body,
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
};
use gwm_crm::sync::{Claimed, Ctx, Outcome, Tuning, poll, run_once, sync_source_once};
use serde_json::{Value, json};
use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
    time::Duration,
};
use uuid::Uuid;

pub const API_KEY: &str = "sam-test-key-0123456789-QWERTY";

/// What the feed answers instead of the records, once each, in order.
#[derive(Debug, Clone)]
pub enum Fault {
    Status(u16),
    TooMany {
        retry_after: u64,
    },
    /// Answers after the client's timeout.
    Slow,
    /// Starts the body, then drops the connection.
    Reset,
    Html,
    Truncated,
    ErrorObject,
    /// Claims one record more than it has.
    CountMismatch,
}

#[derive(Default)]
struct FeedState {
    records: Vec<Value>,
    /// One per request, in order: a fault, or `None` to answer normally.
    faults: VecDeque<Option<Fault>>,
    requests: Vec<HashMap<String, String>>,
}

/// A SAM.gov-shaped feed: `GET /opportunities/v2/search` with `api_key`, `limit` and `offset` (a page index).
#[derive(Clone)]
pub struct Feed {
    pub base: String,
    state: Arc<Mutex<FeedState>>,
}

impl Feed {
    pub async fn start() -> Feed {
        let state = Arc::new(Mutex::new(FeedState::default()));
        let router = Router::new().route("/opportunities/v2/search", get(search)).with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind feed");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, router).await.expect("feed server") });
        Feed { base, state }
    }

    pub fn publish(&self, records: Vec<Value>) {
        self.state.lock().unwrap().records = records;
    }

    /// The next requests' answers: a fault, or `None` for the records.
    pub fn script(&self, answers: impl IntoIterator<Item = Option<Fault>>) {
        self.state.lock().unwrap().faults.extend(answers);
    }

    pub fn requests(&self) -> Vec<HashMap<String, String>> {
        self.state.lock().unwrap().requests.clone()
    }
}

async fn search(State(state): State<Arc<Mutex<FeedState>>>, Query(q): Query<HashMap<String, String>>) -> Response {
    let (fault, records) = {
        let mut s = state.lock().unwrap();
        s.requests.push(q.clone());
        (s.faults.pop_front().flatten(), s.records.clone())
    };
    if q.get("api_key").map(String::as_str) != Some(API_KEY) {
        let body = json!({"error": {"code": "API_KEY_INVALID", "message": "An invalid api_key was supplied."}});
        return (StatusCode::FORBIDDEN, axum::Json(body)).into_response();
    }
    let limit: usize = q.get("limit").and_then(|l| l.parse().ok()).unwrap_or(1000);
    let offset: usize = q.get("offset").and_then(|o| o.parse().ok()).unwrap_or(0);
    let page: Vec<Value> = records.iter().skip(offset * limit).take(limit).cloned().collect();
    let mut body = json!({"totalRecords": records.len(), "limit": limit, "offset": offset, "opportunitiesData": page});
    match fault {
        None => {}
        Some(Fault::Status(code)) => {
            return (StatusCode::from_u16(code).unwrap(), "upstream trouble").into_response();
        }
        Some(Fault::TooMany { retry_after }) => {
            return (StatusCode::TOO_MANY_REQUESTS, [("retry-after", retry_after.to_string())], "slow down")
                .into_response();
        }
        Some(Fault::Slow) => tokio::time::sleep(Duration::from_millis(2500)).await,
        Some(Fault::Reset) => {
            let chunks: Vec<Result<&'static str, std::io::Error>> = vec![
                Ok("{\"totalRecords\": 5, \"opportunitiesData\": [{\"noticeId\":"),
                Err(std::io::Error::other("reset")),
            ];
            return Response::builder()
                .header("content-type", "application/json")
                .body(Body::from_stream(futures::stream::iter(chunks)))
                .unwrap();
        }
        Some(Fault::Html) => {
            return (
                StatusCode::OK,
                [("content-type", "text/html")],
                "<!DOCTYPE html><html><body>Maintenance</body></html>",
            )
                .into_response();
        }
        Some(Fault::Truncated) => {
            let text = body.to_string();
            return (StatusCode::OK, [("content-type", "application/json")], text[..text.len() / 2].to_string())
                .into_response();
        }
        Some(Fault::ErrorObject) => {
            body = json!({"error": {"code": "OVER_RATE_LIMIT", "message": "The API key has exceeded its rate limit."}});
        }
        Some(Fault::CountMismatch) => body["totalRecords"] = json!(records.len() + 1),
    }
    axum::Json(body).into_response()
}

/// A SAM.gov record as real responses have it.
pub fn notice(n: u32, solicitation: &str, office: &str, title: &str, deadline: &str) -> Value {
    json!({
        "noticeId": format!("{n:032x}"), "title": title, "solicitationNumber": solicitation,
        "fullParentPathName": "DEPT OF DEFENSE.DEFENSE INFORMATION SYSTEMS AGENCY.DITCO",
        "fullParentPathCode": office, "postedDate": "2026-11-02", "type": "Solicitation", "baseType": "Solicitation",
        "archiveType": "auto15", "archiveDate": null, "typeOfSetAside": "SBA",
        "typeOfSetAsideDescription": "Total Small Business Set-Aside (FAR 19.5)", "responseDeadLine": deadline,
        "naicsCode": "541512", "naicsCodes": ["541512"], "classificationCode": "D302", "active": "Yes", "award": null,
        "pointOfContact": [{"type": "primary", "fullName": "Dana Ortiz", "email": "dana.ortiz@example.mil", "phone": "555-0100"}],
        "description": format!("https://api.sam.gov/prod/opportunities/v1/noticedesc?noticeid={n:032x}"),
        "uiLink": format!("https://sam.gov/opp/{n:032x}/view"), "resourceLinks": ["https://sam.gov/api/a/1/download"]
    })
}

const DISA: &str = "097.DISA.DITCO";

pub fn five() -> Vec<Value> {
    (1..=5)
        .map(|n| {
            notice(
                n,
                &format!("HC1028-27-R-000{n}"),
                DISA,
                &format!("Network operations {n}"),
                "2027-03-04T17:00:00-05:00",
            )
        })
        .collect()
}

pub struct Setup {
    pub app: TestApp,
    pub tenant: TenantId,
    pub ctx: Ctx,
    pub feed: Feed,
    pub source: Uuid,
}

pub fn tuning() -> Tuning {
    Tuning {
        lease: Duration::from_secs(60),
        batch: 8,
        retry_base: Duration::from_millis(10),
        idle: Duration::from_secs(1),
        max_pages: 100,
    }
}

/// A server, a tenant, a feed and a SAM.gov source on it (2 records a page, no retries, 1 s timeout) that the
/// server's own scheduler leaves alone (not due) unless a test makes it due.
pub async fn setup(tweak: impl FnOnce(&mut SourceInput)) -> Setup {
    // Sources on this machine: the feed listens on 127.0.0.1, which production refuses.
    let app = TestApp::spawn(crate::common::TestDb::new().await, &[("GWM_ALLOW_PRIVATE_FETCHES", "1")]).await;
    let tenant = app.with_tenant("acme").await.id;
    let feed = Feed::start().await;
    let ctx = Ctx {
        pool: app.state.pool.clone(),
        secret_key: app.state.settings.auth.secret_key.clone(),
        allow_private: true,
    };
    let source = add_source(&ctx, tenant, "SAM.gov", &feed.base, tweak).await;
    Setup { app, tenant, ctx, feed, source }
}

pub async fn add_source(
    ctx: &Ctx,
    tenant: TenantId,
    name: &str,
    base: &str,
    tweak: impl FnOnce(&mut SourceInput),
) -> Uuid {
    let mut input = SourceInput {
        name: name.into(),
        kind: "sam_gov".into(),
        endpoint: base.into(),
        auth: "api_key".into(),
        page_size: "2".into(),
        retry_attempts: "0".into(),
        timeout_seconds: "1".into(),
        ..SourceInput::default()
    };
    tweak(&mut input);
    let new = sources::check(&input, Some(API_KEY), ctx.secret_key.expose()).expect("valid source");
    let mut tx = tenant_tx(&ctx.pool, tenant, None).await;
    let id = queries::insert_source(&mut tx, &new, None, Some(SystemActor::PlatformAdmin)).await.unwrap().unwrap();
    sqlx::query("UPDATE external_opportunity_sources SET next_poll_at = NULL WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

impl Setup {
    pub fn source_id(&self) -> app::ids::SourceId {
        app::ids::SourceId::from_uuid(self.source)
    }

    pub async fn sync(&self) -> Outcome {
        sync_source_once(&self.ctx, &tuning(), self.tenant, "SAM.gov").await.expect("poll")
    }

    pub async fn stored(&self) -> (usize, usize, usize) {
        match self.sync().await {
            Outcome::Stored { report, skipped } => {
                assert!(skipped.is_empty(), "{skipped:?}");
                (report.new, report.changed, report.unchanged)
            }
            other => panic!("expected a stored poll, got {other:?}"),
        }
    }

    pub async fn scalar<T>(&self, sql: &str) -> T
    where
        T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send + Unpin,
    {
        let mut tx = tenant_tx(&self.ctx.pool, self.tenant, None).await;
        let v = sqlx::query_scalar(sql).fetch_one(&mut *tx).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        tx.commit().await.unwrap();
        v
    }

    /// Everything the sync keeps, as one comparable text.
    pub async fn data(&self) -> String {
        self.scalar::<String>(
            "SELECT concat_ws(' | ', \
               (SELECT string_agg(notice_id || ':' || current_version, ',' ORDER BY notice_id) FROM external_opportunities), \
               (SELECT string_agg(notice_id || '@' || version_number || '=' || version_hash || ':' || is_current_version, ',' \
                                  ORDER BY notice_id, version_number) FROM external_opportunity_data), \
               (SELECT count(*)::text FROM external_data_changes), \
               (SELECT string_agg(notice_id, ',' ORDER BY notice_id) FROM external_opportunity_notices))",
        )
        .await
    }
}

#[tokio::test]
async fn a_search_of_several_pages_keeps_every_opportunity_and_a_poll_that_changes_nothing_writes_nothing() {
    let s = setup(|_| {}).await;
    s.feed.publish(five());
    assert_eq!(s.stored().await, (5, 0, 0));
    let requests = s.feed.requests();
    assert_eq!(requests.len(), 3, "five records at two a page: three pages");
    for (i, q) in requests.iter().enumerate() {
        assert_eq!((q["limit"].as_str(), q["offset"].clone()), ("2", i.to_string()), "offset is a page index");
        assert!(q.contains_key("postedFrom") && q.contains_key("postedTo"));
    }
    let after_first = s.data().await;
    assert_eq!(s.scalar::<i64>("SELECT count(*) FROM external_opportunity_data WHERE version_number = 1").await, 5);

    // The same records, padded, with "null" spellings and keys in another order: no version, no change.
    let untidy: Vec<Value> = five()
        .into_iter()
        .map(|mut r| {
            let title = r["title"].as_str().unwrap().to_string();
            r["title"] = json!(format!("  {title} "));
            r["solicitationNumber"] = json!(format!("{} ", r["solicitationNumber"].as_str().unwrap()));
            r["archiveDate"] = json!("null");
            let reordered: serde_json::Map<String, Value> = r.as_object().unwrap().clone().into_iter().rev().collect();
            Value::Object(reordered)
        })
        .collect();
    s.feed.publish(untidy);
    let versions_before = s.scalar::<i64>("SELECT count(*) FROM external_opportunity_data").await;
    let history_before = s.scalar::<i64>("SELECT count(*) FROM change_history").await;
    assert_eq!(s.stored().await, (0, 0, 5));
    assert_eq!(s.data().await, after_first, "a poll that changes nothing stores nothing");
    assert_eq!(s.scalar::<i64>("SELECT count(*) FROM external_opportunity_data").await, versions_before);
    assert_eq!(s.scalar::<i64>("SELECT count(*) FROM change_history").await, history_before);

    // Absence from a poll is not a change: nothing deleted, cancelled or versioned.
    s.feed.publish(five().into_iter().take(2).collect());
    assert_eq!(s.stored().await, (0, 0, 2));
    assert_eq!(s.data().await, after_first);

    // Logged, without the key, with the records counted.
    let logged: String = s.scalar("SELECT string_agg(endpoint_called || ' ' || coalesce(response_payload::text, ''), '\n') FROM api_integration_logs").await;
    assert!(!logged.contains(API_KEY) && !logged.contains("api_key"), "{logged}");
    assert!(logged.contains("offset=2") && logged.contains("\"records\": 1"), "{logged}");
    let health: (String, i32) = {
        let mut tx = tenant_tx(&s.ctx.pool, s.tenant, None).await;
        sqlx::query_as("SELECT connection_status, consecutive_errors FROM external_opportunity_sources")
            .fetch_one(&mut *tx)
            .await
            .unwrap()
    };
    assert_eq!(health, ("healthy".into(), 0));
}

#[tokio::test]
async fn an_amendment_under_a_new_notice_id_is_the_same_opportunity_and_an_earlier_instant_is_critical() {
    let s = setup(|_| {}).await;
    let mut records = five();
    // The same solicitation number at another agency is another opportunity.
    records.push(notice(9, "HC1028-27-R-0001", "070.CISA.OCPO", "Another agency's reuse", "2027-03-04T17:00:00-05:00"));
    s.feed.publish(records.clone());
    assert_eq!(s.stored().await, (6, 0, 0));

    // Notice 1 is amended: a new notice id, the same number (spelled otherwise) and office; the deadline's
    // wall-clock time is later (18:00 > 17:00) but in another zone it is an earlier instant.
    let mut amended =
        notice(101, " hc1028-27-r-0001", "097.DISA.DITCO", "Network operations 1", "2027-03-04T18:00:00+02:00");
    amended["typeOfSetAside"] = json!("NONE");
    amended["typeOfSetAsideDescription"] = json!(null);
    records[0] = amended;
    s.feed.publish(records.clone());
    assert_eq!(s.stored().await, (0, 1, 5));
    let change: (String, String, Value, Value, Value, i32, i32) = {
        let mut tx = tenant_tx(&s.ctx.pool, s.tenant, None).await;
        sqlx::query_as(
            "SELECT change_type, impact_level, changed_fields, previous_values, new_values, from_version, to_version \
               FROM external_data_changes",
        )
        .fetch_one(&mut *tx)
        .await
        .unwrap()
    };
    assert_eq!(
        (change.0.as_str(), change.1.as_str()),
        (ChangeType::Amendment.as_str(), ImpactLevel::Critical.as_str())
    );
    assert_eq!(change.2, json!(["notice_id", "response_deadline", "set_aside", "description", "link"]));
    assert_eq!(change.3["response_deadline"], json!("2027-03-04T22:00:00+00:00"));
    assert_eq!(change.4["response_deadline"], json!("2027-03-04T16:00:00+00:00"));
    assert_eq!(change.4["set_aside"], json!(null));
    assert_eq!((change.5, change.6), (1, 2));
    // Both notice ids lead to it; the other agency's opportunity is untouched.
    assert_eq!(s.scalar::<i64>("SELECT count(*) FROM external_opportunities").await, 6);
    assert_eq!(
        s.scalar::<i64>("SELECT count(DISTINCT external_opportunity_id) FROM external_opportunity_notices WHERE notice_id IN ('00000000000000000000000000000001', '00000000000000000000000000000065')").await,
        1
    );
    let (amendment, status): (i32, String) = {
        let mut tx = tenant_tx(&s.ctx.pool, s.tenant, None).await;
        sqlx::query_as("SELECT amendment_number, solicitation_status FROM external_opportunity_data WHERE is_current_version AND notice_id = '00000000000000000000000000000065'")
            .fetch_one(&mut *tx)
            .await
            .unwrap()
    };
    assert_eq!((amendment, status.as_str()), (1, "amended"));
    // Recorded as the sync: change_history by the system actor, one audit row per poll that stored something.
    assert_eq!(
        s.scalar::<i64>("SELECT count(*) FROM change_history WHERE changed_by_system_process = 'external_sync' AND change_source = 'external_sync'").await,
        5
    );
    assert_eq!(
        s.scalar::<i64>(
            "SELECT count(*) FROM audit_logs WHERE system_actor = 'external_sync' AND action_type = 'sync'"
        )
        .await,
        2
    );

    // The deadline moves later again: important, and the earlier version stays.
    records[0]["responseDeadLine"] = json!("2027-03-10T17:00:00-05:00");
    s.feed.publish(records);
    assert_eq!(s.stored().await, (0, 1, 5));
    let impacts: Vec<String> = {
        let mut tx = tenant_tx(&s.ctx.pool, s.tenant, None).await;
        sqlx::query_scalar("SELECT impact_level FROM external_data_changes ORDER BY to_version")
            .fetch_all(&mut *tx)
            .await
            .unwrap()
    };
    assert_eq!(impacts, ["critical", "important"]);
    assert_eq!(s.scalar::<i64>("SELECT count(*) FROM external_opportunity_data WHERE notice_id IN ('00000000000000000000000000000001', '00000000000000000000000000000065')").await, 3);
}

#[tokio::test]
async fn every_fault_fails_the_fetch_and_leaves_the_data_exactly_as_a_clean_run_would() {
    let s = setup(|_| {}).await;
    s.feed.publish(five());
    s.stored().await;
    let clean = s.data().await;
    let mut changed = five();
    changed[2]["title"] = json!("Network operations 3 (revised)");
    s.feed.publish(changed);
    for (i, fault) in [
        Fault::Status(500),
        Fault::Slow,
        Fault::Reset,
        Fault::Html,
        Fault::Truncated,
        Fault::ErrorObject,
        Fault::CountMismatch,
    ]
    .into_iter()
    .enumerate()
    {
        // On the last page, so two pages were read and then thrown away.
        let pages_before = s.feed.requests().len();
        s.feed.script([None, None, Some(fault.clone())]);
        let outcome = s.sync().await;
        assert!(matches!(outcome, Outcome::Failed(_)), "{fault:?}: {outcome:?}");
        assert_eq!(s.data().await, clean, "{fault:?} changed the data");
        assert!(s.feed.requests().len() > pages_before, "{fault:?} was not fetched");
        let status: (String, i32) = {
            let mut tx = tenant_tx(&s.ctx.pool, s.tenant, None).await;
            sqlx::query_as("SELECT connection_status, consecutive_errors FROM external_opportunity_sources")
                .fetch_one(&mut *tx)
                .await
                .unwrap()
        };
        let expected = if i + 1 >= 3 { "down" } else { "degraded" };
        assert_eq!(status, (expected.to_string(), i as i32 + 1), "{fault:?}");
    }
    // Nothing of the key in any log or message.
    let logs: String = s.scalar("SELECT string_agg(concat_ws(' ', endpoint_called, error_message, response_payload::text), '\n') FROM api_integration_logs").await;
    assert!(!logs.contains(API_KEY), "{logs}");
    let last_error: String = s.scalar("SELECT last_error_message FROM external_opportunity_sources").await;
    assert!(last_error.contains("count") || last_error.contains("page"), "{last_error}");

    // A clean poll then stores the change, once.
    assert_eq!(s.stored().await, (0, 1, 4));
    assert_eq!(s.scalar::<i64>("SELECT count(*) FROM external_data_changes").await, 1);
    let status: String = s.scalar("SELECT connection_status FROM external_opportunity_sources").await;
    assert_eq!(status, "healthy");
}

#[tokio::test]
async fn a_fault_that_passes_is_retried_within_the_poll_and_a_429_is_honoured_by_every_server() {
    let s = setup(|i| i.retry_attempts = "2".into()).await;
    s.feed.publish(five());
    s.feed.script([Some(Fault::Status(503)), Some(Fault::Reset), None, None, None]);
    assert_eq!(s.stored().await, (5, 0, 0), "two failures, then the page");
    let attempts: Vec<i32> = {
        let mut tx = tenant_tx(&s.ctx.pool, s.tenant, None).await;
        sqlx::query_scalar("SELECT retry_attempt FROM api_integration_logs ORDER BY api_call_timestamp, retry_attempt")
            .fetch_all(&mut *tx)
            .await
            .unwrap()
    };
    assert_eq!(attempts, [1, 2, 3, 1, 1]);

    // 429 with Retry-After: the poll waits, nothing is stored, and no server calls before the time.
    let mut changed = five();
    changed[0]["title"] = json!("Renamed");
    s.feed.publish(changed);
    s.feed.script([Some(Fault::TooMany { retry_after: 120 })]);
    let before = s.data().await;
    let calls = s.feed.requests().len();
    let Outcome::Deferred(until) = s.sync().await else { panic!("a 429 defers the poll") };
    let wait = until - chrono::Utc::now();
    assert!(wait > chrono::Duration::seconds(100) && wait <= chrono::Duration::seconds(120), "{wait}");
    assert_eq!(s.data().await, before);
    let other_server = Ctx { pool: s.app.db.app_pool().await, ..s.ctx.clone() };
    let again = sync_source_once(&other_server, &tuning(), s.tenant, "SAM.gov").await.expect("poll");
    assert!(matches!(again, Outcome::Deferred(_)), "{again:?}");
    assert_eq!(s.feed.requests().len(), calls + 1, "no call while Retry-After holds");
    let next: chrono::DateTime<chrono::Utc> = s.scalar("SELECT next_poll_at FROM external_opportunity_sources").await;
    assert!(next >= until - chrono::Duration::seconds(1), "the source is due again only after Retry-After");
}

#[tokio::test]
async fn two_servers_poll_each_due_source_once_and_share_one_hourly_budget() {
    let s = setup(|_| {}).await;
    s.feed.publish(five());
    for n in 2..=4 {
        add_source(&s.ctx, s.tenant, &format!("SAM.gov {n}"), &s.feed.base, |_| {}).await;
    }
    let due = "UPDATE external_opportunity_sources SET next_poll_at = now() - interval '1 second'";
    {
        let mut tx = tenant_tx(&s.ctx.pool, s.tenant, None).await;
        sqlx::query(due).execute(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();
    }
    let a = s.ctx.clone();
    let b = Ctx { pool: s.app.db.app_pool().await, ..s.ctx.clone() };
    let (ta, tb) = (tuning(), tuning());
    let (na, nb) = tokio::join!(run_once(&a, &ta), run_once(&b, &tb));
    let (na, nb) = (na.unwrap().len(), nb.unwrap().len());
    // The server under test may have claimed some too (its scheduler runs): every source once in total.
    let requests = s.feed.requests().len();
    assert_eq!(requests, 4 * 3, "four sources, three pages each, once ({na} + {nb} claimed here)");
    assert_eq!(s.scalar::<i64>("SELECT count(*) FROM external_opportunity_data").await, 20, "no version twice");
    assert_eq!(
        s.scalar::<i64>(
            "SELECT count(*) FROM external_opportunity_sources WHERE next_poll_at > now() + interval '50 minutes'"
        )
        .await,
        4
    );

    // One budget for all servers: 4 calls an hour, a search of 3 pages.
    let mut tx = tenant_tx(&s.ctx.pool, s.tenant, None).await;
    sqlx::query("UPDATE external_opportunity_sources SET rate_limit_per_hour = 4, rate_window_started_at = NULL, rate_window_calls = 0 WHERE source_name = 'SAM.gov'")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let before = s.feed.requests().len();
    assert!(matches!(sync_source_once(&a, &ta, s.tenant, "SAM.gov").await.unwrap(), Outcome::Stored { .. }));
    let Outcome::Deferred(until) = sync_source_once(&b, &tb, s.tenant, "SAM.gov").await.unwrap() else {
        panic!("the second server finds the budget spent after one more page")
    };
    assert_eq!(s.feed.requests().len(), before + 4, "3 pages, then 1 call left, then none");
    assert!(until > chrono::Utc::now() + chrono::Duration::minutes(55));
}

#[tokio::test]
async fn a_server_that_dies_mid_poll_loses_nothing_and_its_lease_expires() {
    let s = setup(|_| {}).await;
    s.feed.publish(five());
    let mut tx = tenant_tx(&s.ctx.pool, s.tenant, None).await;
    sqlx::query("UPDATE external_opportunity_sources SET next_poll_at = now() - interval '1 second'")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // The dying server claims with a one-second lease and never finishes.
    let stale: Claimed = {
        let mut conn = s.ctx.pool.begin().await.unwrap();
        let c: Claimed = sqlx::query_as("SELECT * FROM claim_sync_polls(8, make_interval(secs => 1))")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        conn.commit().await.unwrap();
        c
    };
    assert_eq!(stale.external_source_id, s.source);
    let other = Ctx { pool: s.app.db.app_pool().await, ..s.ctx.clone() };
    assert_eq!(run_once(&other, &tuning()).await.unwrap().len(), 0, "claimed work is not taken while its lease holds");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(run_once(&other, &tuning()).await.unwrap().len(), 1, "the lease expired: another server polls it");
    assert_eq!(s.scalar::<i64>("SELECT count(*) FROM external_opportunity_data").await, 5);
    // The dead server's late finish is refused: its claim was taken over.
    assert_eq!(poll(&s.ctx, &tuning(), &stale).await.unwrap(), Outcome::Superseded);
    assert_eq!(s.scalar::<i64>("SELECT count(*) FROM external_opportunity_data").await, 5);
    assert_eq!(s.scalar::<i64>("SELECT count(*) FROM external_data_changes").await, 0);
}

#[tokio::test]
async fn credentials_are_sealed_and_never_in_plain_text_and_another_tenants_sources_are_not_found() {
    let s = setup(|_| {}).await;
    s.feed.publish(five());
    s.stored().await;
    // A wrong key: refused, in our words.
    let wrong = add_source(&s.ctx, s.tenant, "Wrong key", &s.feed.base, |_| {}).await;
    {
        let mut tx = tenant_tx(&s.ctx.pool, s.tenant, None).await;
        let sealed = app::sync::ssr::Credentials::ApiKey { key: "not-the-right-key-9999".into() }
            .seal(s.ctx.secret_key.expose())
            .unwrap();
        sqlx::query("UPDATE external_opportunity_sources SET api_credentials_encrypted = $2 WHERE id = $1")
            .bind(wrong)
            .bind(sealed)
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    let refused = sync_source_once(&s.ctx, &tuning(), s.tenant, "Wrong key").await.unwrap();
    assert_eq!(refused, Outcome::Failed("The source refused the credentials (HTTP 403).".into()));
    // Nowhere in the database in plain text: every text and bytea column of every table, as the owner.
    let owner = s.app.db.owner_pool().await;
    let mut tx = crate::common::owner_tx(&owner, s.tenant.as_uuid()).await;
    let hits: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM external_opportunity_sources s WHERE position($1::bytea IN coalesce(s.api_credentials_encrypted, '')) > 0 \
                   OR s::text LIKE '%' || $2 || '%') \
              + (SELECT count(*) FROM api_integration_logs l WHERE l::text LIKE '%' || $2 || '%') \
              + (SELECT count(*) FROM audit_logs a WHERE a::text LIKE '%' || $2 || '%')",
    )
    .bind(API_KEY.as_bytes())
    .bind(API_KEY)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!(hits, 0);
    let hint: String =
        sqlx::query_scalar("SELECT credential_hint FROM external_opportunity_sources WHERE source_name = 'SAM.gov'")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    assert_eq!(hint, "WERTY"[1..].to_string());
    tx.commit().await.unwrap();
    owner.close().await;

    // Another tenant finds neither the source nor its opportunities.
    let other = s.app.with_tenant("globex").await.id;
    let mut tx = tenant_tx(&s.ctx.pool, other, None).await;
    assert!(queries::source(&mut tx, s.source).await.unwrap().is_none());
    let seen: i64 =
        sqlx::query_scalar("SELECT count(*) FROM external_opportunities").fetch_one(&mut *tx).await.unwrap();
    assert_eq!(seen, 0);
    tx.commit().await.unwrap();
    let foreign = sync_source_once(&s.ctx, &tuning(), other, "SAM.gov").await;
    assert!(matches!(foreign, Err(gwm_crm::sync::OnceError::UnknownSource(_))), "{foreign:?}");
}

#[tokio::test]
async fn a_pursued_opportunitys_own_poll_versions_it_and_keeps_the_project_in_step() {
    let s = setup(|_| {}).await;
    let mut records = five();
    s.feed.publish(records.clone());
    s.stored().await;
    // Pursued: a project linked to opportunity 2, with its own poll due now.
    let project: Uuid = {
        let mut tx = tenant_tx(&s.ctx.pool, s.tenant, None).await;
        let p: Uuid = sqlx::query_scalar(
            "INSERT INTO opportunity_projects (tenant_id, project_name, external_source_id, external_opportunity_id, \
                solicitation_number, created_by_system) \
             VALUES (app_current_tenant_id(), 'Network operations 2', $1, '00000000000000000000000000000002', 'HC1028-27-R-0002', 'workflow') RETURNING id",
        )
        .bind(s.source)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        // Not returned by a search within its interval (30 minutes): its own poll calls.
        sqlx::query("UPDATE external_opportunities SET opportunity_project_id = $1, last_seen_at = now() - interval '1 hour' WHERE notice_id = '00000000000000000000000000000002'")
            .bind(p)
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query("UPDATE external_opportunity_data d SET opportunity_project_id = $1 FROM external_opportunities o WHERE o.id = d.external_opportunity_id AND o.opportunity_project_id = $1")
            .bind(p)
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO polling_configurations (tenant_id, opportunity_project_id, external_source_id, polling_frequency_minutes, \
                next_poll_timestamp, created_by_system) VALUES (app_current_tenant_id(), $1, $2, 30, now() - interval '1 second', 'workflow')",
        )
        .bind(p)
        .bind(s.source)
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
        p
    };
    let updated_before: chrono::DateTime<chrono::Utc> =
        s.scalar(&format!("SELECT updated_at FROM opportunity_projects WHERE id = '{project}'")).await;
    // The feed now has the amendment of 2 (and, under the same number, another office's notice).
    records[1] = notice(202, "HC1028-27-R-0002", DISA, "Network operations 2", "2027-02-20T17:00:00-05:00");
    records.push(notice(303, "HC1028-27-R-0002", "070.CISA.OCPO", "Not ours", "2027-02-20T17:00:00-05:00"));
    s.feed.publish(records);
    let before = s.feed.requests().len();
    let claimed = run_once(&s.ctx, &tuning()).await.unwrap();
    assert!(!claimed.is_empty());
    let q = &s.feed.requests()[before];
    assert_eq!(q.get("solnum").map(String::as_str), Some("HC1028-27-R-0002"), "looked up by solicitation number");
    let (versions, status, hash): (i64, String, Option<String>) = {
        let mut tx = tenant_tx(&s.ctx.pool, s.tenant, None).await;
        sqlx::query_as(&format!(
            "SELECT (SELECT count(*) FROM external_opportunity_data WHERE opportunity_project_id = '{project}'), sync_status, version_hash \
               FROM opportunity_projects WHERE id = '{project}'"
        ))
        .fetch_one(&mut *tx)
        .await
        .unwrap()
    };
    assert_eq!((versions, status.as_str()), (2, "synced"));
    assert!(hash.is_some());
    assert_eq!(
        s.scalar::<i64>(
            "SELECT count(*) FROM external_opportunities WHERE notice_id = '0000000000000000000000000000012f'"
        )
        .await,
        0,
        "another office's notice is not ours"
    );
    let change: (String, Option<Uuid>) = {
        let mut tx = tenant_tx(&s.ctx.pool, s.tenant, None).await;
        sqlx::query_as("SELECT impact_level, opportunity_project_id FROM external_data_changes")
            .fetch_one(&mut *tx)
            .await
            .unwrap()
    };
    assert_eq!(change, ("critical".into(), Some(project)), "the deadline moved earlier");
    assert_eq!(
        s.scalar::<i64>(&format!(
            "SELECT count(*) FROM change_history WHERE entity_id = '{project}' AND change_source = 'external_sync'"
        ))
        .await,
        4
    );
    // The board reads the new deadline through the effective values.
    let due: chrono::DateTime<chrono::Utc> =
        s.scalar(&format!("SELECT response_due_date FROM opportunity_project_current WHERE id = '{project}'")).await;
    assert_eq!(due.to_rfc3339(), "2027-02-20T22:00:00+00:00");
    let updated_after: chrono::DateTime<chrono::Utc> =
        s.scalar(&format!("SELECT updated_at FROM opportunity_projects WHERE id = '{project}'")).await;
    assert!(updated_after > updated_before, "a synced change is an update of the pursuit");

    // An unchanged poll stamps the sync time and leaves "Updated" alone.
    let due = "UPDATE external_opportunities SET last_seen_at = now() - interval '1 hour'; \
               UPDATE polling_configurations SET next_poll_timestamp = now() - interval '1 second'";
    let mut tx = tenant_tx(&s.ctx.pool, s.tenant, None).await;
    sqlx::raw_sql(due).execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    let before = s.feed.requests().len();
    run_once(&s.ctx, &tuning()).await.unwrap();
    assert!(s.feed.requests().len() > before, "the poll called");
    let updated_last: chrono::DateTime<chrono::Utc> =
        s.scalar(&format!("SELECT updated_at FROM opportunity_projects WHERE id = '{project}'")).await;
    assert_eq!(updated_last, updated_after);
    let rate: rust_decimal::Decimal = s.scalar("SELECT success_rate_percentage FROM polling_configurations").await;
    assert_eq!(rate, rust_decimal::Decimal::new(10000, 2));

    // Returned by the source's search within its interval, the pursuit needs no call of its own: its poll is
    // moved to an interval (and a margin) after the search saw it, and counts no call.
    let mut tx = tenant_tx(&s.ctx.pool, s.tenant, None).await;
    sqlx::raw_sql(
        "UPDATE external_opportunities SET last_seen_at = now() - interval '10 minutes'; \
         UPDATE polling_configurations SET next_poll_timestamp = now() - interval '1 second'",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let calls = s.scalar::<i64>("SELECT count(*) FROM api_integration_logs").await;
    let before = s.feed.requests().len();
    let polled = run_once(&s.ctx, &tuning()).await.unwrap();
    assert!(matches!(polled.as_slice(), [p] if matches!(p.outcome, Outcome::Fresh(_))), "{polled:?}");
    assert_eq!(s.feed.requests().len(), before, "no call");
    assert_eq!(s.scalar::<i64>("SELECT count(*) FROM api_integration_logs").await, calls);
    let next_in: f64 =
        s.scalar("SELECT extract(epoch FROM next_poll_timestamp - now())::float8 FROM polling_configurations").await;
    assert!(
        (1450.0..1520.0).contains(&next_in),
        "due 30 + 5 minutes after the search saw it, not {next_in} s from now"
    );

    // The source's search returning it moves its poll on, so none is even due while the search returns it.
    let mut tx = tenant_tx(&s.ctx.pool, s.tenant, None).await;
    sqlx::query("UPDATE polling_configurations SET next_poll_timestamp = now() + interval '1 minute'")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(matches!(s.sync().await, Outcome::Stored { .. }));
    let next_in: f64 =
        s.scalar("SELECT extract(epoch FROM next_poll_timestamp - now())::float8 FROM polling_configurations").await;
    assert!((2050.0..2110.0).contains(&next_in), "due 30 + 5 minutes after the search, not {next_in} s from now");
}

#[tokio::test]
async fn operators_add_list_and_sync_sources_from_the_command_line() {
    let s = setup(|_| {}).await;
    s.feed.publish(five());
    let args = |a: &str| a.split(' ').map(str::to_string).collect::<Vec<_>>();
    let bad = gwm_crm::sync::cli::sources(
        &s.ctx,
        &args("add --tenant acme --name Feed --kind gwm_feed --endpoint http://127.0.0.1:9 --page-size 5000"),
    )
    .await;
    assert!(bad.unwrap_err().to_string().contains("page size must be a whole number from 1 to 1000"));
    gwm_crm::sync::cli::sources(&s.ctx, &args("add --tenant acme --name Feed --kind gwm_feed --endpoint http://127.0.0.1:9 --page-size 50 --naics 541512,541519"))
        .await
        .unwrap();
    let again = gwm_crm::sync::cli::sources(
        &s.ctx,
        &args("add --tenant acme --name Feed --kind gwm_feed --endpoint http://127.0.0.1:9"),
    )
    .await;
    assert!(again.unwrap_err().to_string().contains("already has a source named"));
    gwm_crm::sync::cli::sources(&s.ctx, &args("list --tenant acme")).await.unwrap();
    gwm_crm::sync::cli::sources(&s.ctx, &args(&format!("list --tenant {}", s.tenant))).await.unwrap();
    let nobody = gwm_crm::sync::cli::sources(&s.ctx, &args(&format!("list --tenant {}", Uuid::new_v4()))).await;
    assert!(nobody.unwrap_err().to_string().contains("no active tenant has the ID or subdomain"));
    assert_eq!(s.scalar::<i64>("SELECT count(*) FROM external_opportunity_sources WHERE page_size = 50 AND search_criteria -> 'naics_codes' = '[\"541512\", \"541519\"]'").await, 1);
    assert_eq!(s.scalar::<i64>("SELECT count(*) FROM audit_logs WHERE system_actor = 'platform_admin' AND entity_type = 'external_opportunity_source'").await, 1);
    gwm_crm::sync::cli::sync(&s.ctx, &args("--tenant acme --source SAM.gov --once")).await.unwrap();
    assert_eq!(s.scalar::<i64>("SELECT count(*) FROM external_opportunities").await, 5);
    let unknown = gwm_crm::sync::cli::sync(&s.ctx, &args("--tenant acme --source Nope --once")).await;
    assert!(unknown.unwrap_err().to_string().contains("no source named"));
}

#[tokio::test]
async fn healthz_details_count_every_tenants_sources_by_health_without_naming_them() {
    let s = setup(|_| {}).await;
    s.feed.publish(five());
    s.stored().await;
    let other = s.app.with_tenant("globex").await.id;
    add_source(&s.ctx, other, "Broken", "http://127.0.0.1:9", |_| {}).await;
    assert!(matches!(sync_source_once(&s.ctx, &tuning(), other, "Broken").await.unwrap(), Outcome::Failed(_)));
    let plain: Value = s.app.get_as(None, "/healthz").await.json().await.unwrap();
    assert!(plain.get("sources").is_none(), "a load balancer's probe stays cheap");
    let res = s.app.get_as(None, "/healthz?details=1").await;
    assert_eq!(res.status(), 200, "a source that is down does not make the server unhealthy");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["sources"], json!({"healthy": 1, "degraded": 1, "down": 0, "unknown": 0, "paused": 0}));
    let text = body.to_string();
    assert!(!text.contains("Broken") && !text.contains("127.0.0.1") && !text.contains("acme"), "{text}");
}
