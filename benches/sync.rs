//! The external sync at scale, release build: 20 tenants, each with a SAM.gov source whose search returns
//! 1,000 opportunities (one ~5 MB page), all 1,000 pursued (each with its own poll), against a SAM.gov-shaped
//! feed this benchmark serves on 127.0.0.1 (pre-rendered answers, so the feed costs next to nothing).
//! The scheduler's own code runs the cycles: `gwm_crm::sync::run_once` in `BENCH_SERVERS` loops (each one
//! app server's scheduler; default 1), claiming with `claim_sync_polls` as servers do.
//!
//! Cycles, each timed from "everything due" until nothing is left to claim:
//!   first      the 20 searches, every record new (1,000 opportunities, versions and notices per tenant)
//!   unchanged  the 20 searches and the 20,000 pursuits' own polls, nothing changed at the source (a pursuit
//!              the search has just returned needs no call of its own: its poll is rescheduled)
//!   pursuits   the pursuits' own polls only, every one calling (as if no search returned them), after the
//!              feed amended 10% of the notices (each amendment moves a deadline earlier: a critical change,
//!              a notification and a task for its capture manager)
//!   full       everything due after another 10% were amended: the searches store the changes
//! Per cycle: wall time, polls per second, per-poll p50/p95 by kind (search or pursuit poll; new, changed,
//! unchanged or fresh), and rows written (inserted, updated or deleted, by table, from pg_stat_user_tables).
//! Memory: the release server binary itself, `gwm-crm sync --once` of a fresh tenant's source (one answer of
//! 1,000 records, ~5 MB): new, then all changed, then unchanged; its peak resident size (GNU time's %M) beside
//! that of `gwm-crm sources list` (the same start, pools and configuration, no poll) as the idle size.
//! Setup (tenants, sources, and the 20,000 pursuits inserted by SQL rather than one by one through
//! "Pursue") is not timed.
//!
//! Run: `bash scripts/bench.sh sync` (knobs: BENCH_TENANTS=20 BENCH_OPPORTUNITIES=1000 BENCH_SERVERS=1).

// Leptos views nest deeply: the release build needs the same limit as the library.
#![recursion_limit = "512"]
// Test code: a failed expectation is a failed benchmark (the workspace denies these everywhere else).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use app::{
    auth::ssr::door,
    ids::TenantId,
    sync::{
        SourceInput,
        ssr::{queries, sources},
    },
};
use axum::{
    Router,
    extract::{Query, State},
    response::{IntoResponse, Response},
    routing::get,
};
use bytes::Bytes;
use gwm_crm::{
    config::Config,
    platform::{NewTenant, create_tenant},
    startup::Application,
    sync::{Ctx, Outcome, Polled, Tuning, run_once},
};
use serde_json::json;
use sqlx::PgPool;
use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

fn knob(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// One notice of the feed at a generation: every tenth notice (by its number) is amended once every ten
/// generations, its deadline a day earlier each time.
fn record(n: usize, generation: usize) -> serde_json::Value {
    let amendments = (1..=generation).filter(|g| g % 10 == n % 10).count();
    let deadline = chrono::NaiveDate::from_ymd_opt(2027, 6, 30).unwrap() - chrono::Days::new(amendments as u64);
    let id = format!("{:032x}", 0xbe00_0000_u64 + n as u64);
    let links: Vec<String> = (1..=28)
        .map(|k| format!("https://sam.gov/api/prod/opps/v3/opportunities/resources/files/{id}{k:04}/download"))
        .collect();
    json!({
        "noticeId": id,
        "title": format!("Enterprise IT modernization and cloud operations support, lot {n}"),
        "solicitationNumber": format!("W91QUZ-27-R-{n:05}"),
        "fullParentPathName": "DEPT OF THE ARMY.ARMY CONTRACTING COMMAND.ACC-APG.W6QK ACC-APG ADELPHI",
        "fullParentPathCode": "021.2100.W6QK",
        "postedDate": "2026-11-02",
        "type": "Solicitation", "baseType": "Combined Synopsis/Solicitation", "archiveType": "auto15", "archiveDate": null,
        "typeOfSetAside": "SBA", "typeOfSetAsideDescription": "Total Small Business Set-Aside (FAR 19.5)",
        "responseDeadLine": format!("{deadline}T14:00:00-04:00"),
        "naicsCode": "541512", "naicsCodes": ["541512"], "classificationCode": "D302", "active": "Yes", "award": null,
        "pointOfContact": [
            {"type": "primary", "fullName": "Dana Ortiz", "title": "Contracting Officer", "email": "dana.ortiz@army.mil",
             "phone": "410-555-0100", "fax": null},
            {"type": "secondary", "fullName": "Lee Chang", "title": "Contract Specialist", "email": "lee.chang@army.mil",
             "phone": "410-555-0101", "fax": null}
        ],
        "description": format!("https://api.sam.gov/prod/opportunities/v1/noticedesc?noticeid={id}"),
        "department": "DEPT OF THE ARMY", "subTier": "ARMY CONTRACTING COMMAND", "office": "W6QK ACC-APG ADELPHI",
        "organizationType": "OFFICE",
        "officeAddress": {"zipcode": "20783", "city": "ADELPHI", "countryCode": "USA", "state": "MD"},
        "placeOfPerformance": {"streetAddress": "2800 Powder Mill Road", "city": {"code": "00125", "name": "Adelphi"},
            "state": {"code": "MD", "name": "Maryland"}, "zip": "20783", "country": {"code": "USA", "name": "UNITED STATES"}},
        "additionalInfoLink": null,
        "uiLink": format!("https://sam.gov/opp/{id}/view"),
        "links": [{"rel": "self", "href": format!("https://api.sam.gov/prod/opportunities/v2/search?noticeid={id}&limit=1")}],
        "resourceLinks": links
    })
}

/// The feed's answers at one generation, rendered once: the search (every record on page 0) and each
/// solicitation number's lookup.
struct Answers {
    search: Bytes,
    by_number: HashMap<String, Bytes>,
}

impl Answers {
    fn render(count: usize, generation: usize) -> Answers {
        let records: Vec<serde_json::Value> = (0..count).map(|n| record(n, generation)).collect();
        let page = |records: &[serde_json::Value]| {
            Bytes::from(
                serde_json::to_vec(&json!({
                    "totalRecords": records.len(), "limit": 1000, "offset": 0, "opportunitiesData": records, "links": []
                }))
                .unwrap(),
            )
        };
        let by_number = records
            .iter()
            .map(|r| (r["solicitationNumber"].as_str().unwrap().to_string(), page(std::slice::from_ref(r))))
            .collect();
        Answers { search: page(&records), by_number }
    }
}

#[derive(Clone)]
struct Feed(Arc<RwLock<Arc<Answers>>>);

async fn search(State(feed): State<Feed>, Query(q): Query<HashMap<String, String>>) -> Response {
    let answers = feed.0.read().unwrap().clone();
    assert_eq!(q.get("offset").map(String::as_str), Some("0"), "one page per search");
    let body = match q.get("solnum") {
        Some(number) => answers.by_number.get(number).cloned().expect("a known solicitation number"),
        None => answers.search.clone(),
    };
    ([("content-type", "application/json")], body).into_response()
}

/// One run of the release server binary (`gwm-crm ARGS`): its peak resident size in KiB and what it printed.
fn peak_of(args: &[&str], env: &HashMap<String, String>) -> (u64, String) {
    let out = std::process::Command::new("/usr/bin/time")
        .args(["-f", "%M", env!("CARGO_BIN_EXE_gwm-crm")])
        .args(args)
        .envs(env)
        .env("RUST_LOG", "warn")
        .output()
        .expect("GNU time (scripts/bench.sh installs it)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "gwm-crm {args:?} failed: {stderr}");
    let kib = stderr.lines().last().and_then(|l| l.trim().parse().ok()).expect("the peak size");
    (kib, String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Every table's rows written so far (inserted, updated or deleted), from PostgreSQL's statistics, once every
/// connection has reported them (a backend reports at most once a second, or 10 s after it went idle).
async fn rows_written(admin: &PgPool) -> BTreeMap<String, i64> {
    tokio::time::sleep(Duration::from_secs(11)).await;
    sqlx::query_as(
        "SELECT relname::text, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables \
          WHERE schemaname = 'public' AND n_tup_ins + n_tup_upd + n_tup_del > 0",
    )
    .fetch_all(admin)
    .await
    .unwrap()
    .into_iter()
    .collect()
}

/// Runs every tenant's statement as the owner in the tenant's scope (row-level security is forced).
async fn each_tenant(owner: &PgPool, tenants: &[TenantId], sql: &str) {
    for tenant in tenants {
        let mut tx = owner.begin().await.unwrap();
        door::scope_for_job(&mut tx, *tenant).await.unwrap();
        sqlx::raw_sql(sql).execute(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Runs the scheduler in `servers` loops until nothing is left to claim; every poll it made.
async fn cycle(ctx: &Ctx, servers: usize) -> (Vec<Polled>, Duration) {
    let started = Instant::now();
    let loops: Vec<_> = (0..servers)
        .map(|_| {
            let ctx = ctx.clone();
            tokio::spawn(async move {
                let tuning = Tuning::default();
                let mut all = Vec::new();
                loop {
                    let polled = run_once(&ctx, &tuning).await.expect("a scheduler round");
                    if polled.is_empty() {
                        return all;
                    }
                    all.extend(polled);
                }
            })
        })
        .collect();
    let mut polled = Vec::new();
    for l in loops {
        polled.extend(l.await.unwrap());
    }
    (polled, started.elapsed())
}

fn kind_of(p: &Polled) -> String {
    let what = if p.work.polling_configuration_id.is_some() { "pursuit poll" } else { "search" };
    match &p.outcome {
        Outcome::Fresh(_) => format!("{what}, fresh (no call)"),
        Outcome::Stored { report, .. } if report.new > 0 && report.changed == 0 && report.unchanged == 0 => {
            format!("{what}, all new")
        }
        Outcome::Stored { report, .. } if report.changed == 0 && report.new == 0 => format!("{what}, unchanged"),
        Outcome::Stored { report, .. } if report.changed > 0 && report.unchanged == 0 && report.new == 0 => {
            format!("{what}, changed")
        }
        Outcome::Stored { .. } => format!("{what}, some changed"),
        other => panic!("a poll did not store: {other:?}"),
    }
}

async fn report(label: &str, admin: &PgPool, before: &BTreeMap<String, i64>, polled: Vec<Polled>, wall: Duration) {
    let (mut new, mut changed, mut unchanged) = (0, 0, 0);
    let mut by_kind: BTreeMap<String, Vec<Duration>> = BTreeMap::new();
    for p in &polled {
        if let Outcome::Stored { report, .. } = &p.outcome {
            new += report.new;
            changed += report.changed;
            unchanged += report.unchanged;
        }
        by_kind.entry(kind_of(p)).or_default().push(p.took);
    }
    println!(
        "\n## {label}: {} polls in {:.1} s ({:.0} polls/s); records {new} new, {changed} changed, {unchanged} unchanged",
        polled.len(),
        wall.as_secs_f64(),
        polled.len() as f64 / wall.as_secs_f64()
    );
    for (kind, mut took) in by_kind {
        took.sort();
        println!(
            "   {kind:<28} n={:<6} p50={:>8.1} ms  p95={:>8.1} ms  max={:>8.1} ms",
            took.len(),
            ms(percentile(&took, 0.5)),
            ms(percentile(&took, 0.95)),
            ms(*took.last().unwrap())
        );
    }
    let written: BTreeMap<String, i64> = rows_written(admin)
        .await
        .into_iter()
        .map(|(table, n)| (n - before.get(&table).copied().unwrap_or(0), table))
        .filter(|(n, _)| *n > 0)
        .map(|(n, table)| (table, n))
        .collect();
    let total: i64 = written.values().sum();
    println!(
        "   rows written: {total} ({:.2} per poll): {}",
        total as f64 / polled.len().max(1) as f64,
        written.iter().map(|(t, n)| format!("{t} {n}")).collect::<Vec<_>>().join(", ")
    );
}

/// A tenant with a SAM.gov source on the feed, due now.
async fn tenant_with_source(owner: &PgPool, ctx: &Ctx, subdomain: &str, base: &str) -> TenantId {
    let (tenant, _) = create_tenant(
        owner,
        &NewTenant {
            name: format!("Contractor {subdomain}"),
            subdomain: subdomain.into(),
            plan: "enterprise".into(),
            max_users: 100,
            admin_email: format!("capture@{subdomain}.test"),
            admin_first_name: "Casey".into(),
            admin_last_name: "Capture".into(),
            admin_password: "Bench-Password-2026!".into(),
        },
    )
    .await
    .expect("tenant");
    let input = SourceInput {
        name: "SAM.gov".into(),
        kind: "sam_gov".into(),
        endpoint: base.into(),
        auth: "api_key".into(),
        rate_limit_per_hour: "100000".into(),
        retry_attempts: "0".into(),
        posted_within_days: "90".into(),
        ..SourceInput::default()
    };
    let new = sources::check(&input, Some("BENCHKEY-0000-1111-2222"), ctx.secret_key.expose()).expect("source");
    let mut tx = door::for_job(&ctx.pool, tenant).await.unwrap();
    queries::insert_source(&mut tx, &new, None, Some(app::domain::SystemActor::PlatformAdmin))
        .await
        .unwrap()
        .expect("a new source");
    tx.commit().await.unwrap();
    tenant
}

fn main() {
    let socket = std::env::var("BENCH_PG_SOCKET").expect("BENCH_PG_SOCKET: run with scripts/bench.sh sync");
    let database = std::env::var("BENCH_DATABASE").unwrap_or_else(|_| "gwm_bench".into());
    let tenants = knob("BENCH_TENANTS", 20);
    let per_tenant = knob("BENCH_OPPORTUNITIES", 1000).clamp(1, 1000);
    let servers = knob("BENCH_SERVERS", 1).max(1);
    let vars: HashMap<String, String> = HashMap::from([
        ("DATABASE_URL".into(), format!("postgres://gwm_owner@localhost/{database}?host={socket}")),
        ("LEPTOS_SITE_ADDR".into(), "127.0.0.1:0".into()),
        ("GWM_ALLOW_PRIVATE_FETCHES".into(), "1".into()),
        ("GWM_FILES_DIR".into(), std::env::temp_dir().join("gwm-bench-files").display().to_string()),
    ]);
    let config = Config::from_lookup(|k| vars.get(k).cloned()).expect("config");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let vars_for_children = vars.clone();
    runtime.block_on(async move {
        let vars = vars_for_children;
        // Migrates; the server itself is not run (its scheduler would race the measured loops).
        let app = Application::build(config.clone()).await.expect("server");
        let ctx = Ctx::of(&app.state);
        let owner = gwm_crm::database::connect(&config.owner_db, 4).await.expect("owner pool");
        let admin = sqlx::postgres::PgPoolOptions::new()
            .max_connections(2)
            .connect_with(config.owner_db.clone().username("postgres"))
            .await
            .expect("superuser pool");

        let feed = Feed(Arc::new(RwLock::new(Arc::new(Answers::render(per_tenant, 0)))));
        let search_bytes = feed.0.read().unwrap().search.len();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let router = Router::new().route("/opportunities/v2/search", get(search)).with_state(feed.clone());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

        println!(
            "sync benchmark, release build, {} cores: {tenants} tenants x {per_tenant} opportunities, {servers} scheduler \
             loop(s); the search answer is {:.1} MB ({:.1} KB a record)",
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            search_bytes as f64 / 1e6,
            search_bytes as f64 / per_tenant as f64 / 1e3
        );
        let mut ids = Vec::new();
        for t in 0..tenants {
            ids.push(tenant_with_source(&owner, &ctx, &format!("bench{t}"), &base).await);
        }
        // first: every search stores 1,000 new opportunities.
        let before = rows_written(&admin).await;
        let (polled, wall) = cycle(&ctx, servers).await;
        report("first (searches, all new)", &admin, &before, polled, wall).await;

        // Every opportunity pursued, by its tenant's admin, each with its own poll (not due yet).
        each_tenant(
            &owner,
            &ids,
            "WITH o AS (SELECT o.id, o.notice_id, o.external_source_id, d.title, d.solicitation_number, d.source_url, \
                               d.version_hash \
                          FROM external_opportunities o \
                          JOIN external_opportunity_data d ON d.external_opportunity_id = o.id AND d.is_current_version), \
                  p AS (INSERT INTO opportunity_projects (tenant_id, project_name, solicitation_number, agency_name, \
                          assigned_capture_manager, external_source_id, external_opportunity_id, external_opportunity_url, \
                          created_by, sync_status, last_synced_at, version_hash) \
                        SELECT app_current_tenant_id(), o.title, o.solicitation_number, 'DEPT OF THE ARMY', u.id, \
                               o.external_source_id, o.notice_id, o.source_url, u.id, 'synced', now(), o.version_hash \
                          FROM o, (SELECT id FROM users LIMIT 1) u \
                        RETURNING id, external_opportunity_id, external_source_id, created_by), \
                  linked AS (UPDATE external_opportunities e SET opportunity_project_id = p.id FROM p \
                              WHERE e.notice_id = p.external_opportunity_id RETURNING e.id, p.id AS project) \
             INSERT INTO polling_configurations (tenant_id, opportunity_project_id, external_source_id, \
                 polling_frequency_minutes, next_poll_timestamp, created_by) \
             SELECT app_current_tenant_id(), p.id, p.external_source_id, 60, now() + interval '1 day', p.created_by FROM p",
        )
        .await;
        each_tenant(
            &owner,
            &ids,
            "UPDATE external_opportunity_data d SET opportunity_project_id = o.opportunity_project_id \
               FROM external_opportunities o WHERE o.id = d.external_opportunity_id",
        )
        .await;
        let everything_due = "UPDATE external_opportunity_sources SET next_poll_at = now(); \
                              UPDATE polling_configurations SET next_poll_timestamp = now()";

        // unchanged: every search and every pursuit's own poll, nothing new at the source.
        each_tenant(&owner, &ids, everything_due).await;
        let before = rows_written(&admin).await;
        let (polled, wall) = cycle(&ctx, servers).await;
        report("unchanged (searches and pursuits' polls)", &admin, &before, polled, wall).await;

        // pursuits: 10% amended, only the pursuits' own polls due, none returned by a search lately.
        *feed.0.write().unwrap() = Arc::new(Answers::render(per_tenant, 1));
        each_tenant(
            &owner,
            &ids,
            "UPDATE external_opportunities SET last_seen_at = now() - interval '1 day'; \
             UPDATE polling_configurations SET next_poll_timestamp = now()",
        )
        .await;
        let before = rows_written(&admin).await;
        let (polled, wall) = cycle(&ctx, servers).await;
        report("pursuits (their own polls, 10% amended)", &admin, &before, polled, wall).await;

        // full: another 10% amended, everything due.
        *feed.0.write().unwrap() = Arc::new(Answers::render(per_tenant, 2));
        each_tenant(&owner, &ids, everything_due).await;
        let before = rows_written(&admin).await;
        let (polled, wall) = cycle(&ctx, servers).await;
        report("full (searches store 10% amended)", &admin, &before, polled, wall).await;

        // Memory of the server binary while it stores one ~5 MB answer of 1,000 records.
        let tenant = tenant_with_source(&owner, &ctx, "benchmem", &base).await.to_string();
        let mib = |kib: u64| kib as f64 / 1024.0;
        let (idle, _) = peak_of(&["sources", "list", "--tenant", &tenant], &vars);
        println!("\n## memory of `gwm-crm sync --once` (one answer of {:.1} MB): idle (`sources list`) {:.1} MiB", search_bytes as f64 / 1e6, mib(idle));
        for (label, generation) in [("all new", 2), ("all changed", 12), ("unchanged", 12)] {
            *feed.0.write().unwrap() = Arc::new(Answers::render(per_tenant, generation));
            let (peak, printed) = peak_of(&["sync", "--tenant", &tenant, "--source", "SAM.gov", "--once"], &vars);
            println!("   {label:<12} peak {:>6.1} MiB, {:>5.1} MiB above idle: {printed}", mib(peak), mib(peak.saturating_sub(idle)));
        }
    });
}
