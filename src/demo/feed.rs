//! `gwm-crm demo-feed`: a scripted, SAM.gov-shaped opportunity feed on this machine (no internet), so the
//! demo tenant's source shows amendments, deadline moves, new notices and awards arriving minutes after the
//! first start. It answers `GET /opportunities/v2/search` as SAM.gov does (`totalRecords`, `limit`, `offset`
//! as a page index, `opportunitiesData`), with SAM.gov's untidiness (padded strings, "null", money as text).
//!
//! The feed is a pure function of its step (`step = minutes since it started / GWM_DEMO_FEED_STEP_MINUTES`):
//! at each step one notice is amended (a new notice id under the same solicitation number, its deadline
//! moved earlier or later, sometimes its set-aside), every third step a notice is posted, every fifth an
//! award is announced.
//!
//! With `GWM_DEMO_FEED_CONTROL=1` (the browser tests only) `POST /_control/amend` amends one solicitation
//! on demand: `{"solicitation_number": "...", "deadline_days": -3, "set_aside": "HZC"}`.

use super::catalog::{AGENCIES, NAICS, PLACES, TITLES};
use axum::{
    Json, Router,
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use serde_json::{Value, json};
use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
};

/// The key the demo tenant's source signs in with (a demo, not a secret).
pub const DEMO_FEED_KEY: &str = "demo-feed-key-2026";
/// Where `scripts/run.sh` serves the feed and the demo source looks for it.
pub const DEMO_FEED_ADDR: &str = "127.0.0.1:3090";
/// Opportunities the feed starts with.
const BASE: usize = 40;

struct Feed {
    started: DateTime<Utc>,
    step: Duration,
    /// Amendments asked for through the control (solicitation number → amendment).
    amended: Mutex<HashMap<String, Amended>>,
}

/// What the control did to one solicitation, cumulatively.
#[derive(Debug, Clone, Default)]
struct Amended {
    times: u32,
    deadline_days: i64,
    set_aside: Option<String>,
}

#[derive(serde::Deserialize)]
struct Amend {
    solicitation_number: String,
    #[serde(default)]
    deadline_days: i64,
    set_aside: Option<String>,
}

/// Serves the feed until the process ends; `control` adds the test-only amend endpoint.
pub async fn serve(addr: SocketAddr, step_minutes: i64, control: bool) -> std::io::Result<()> {
    let feed = Arc::new(Feed {
        started: Utc::now(),
        step: Duration::minutes(step_minutes.max(1)),
        amended: Mutex::new(HashMap::new()),
    });
    let mut router = Router::new().route("/opportunities/v2/search", get(search));
    if control {
        router = router.route("/_control/amend", post(amend));
    }
    let router = router.with_state(feed);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(%addr, "demo opportunity feed on http://{addr}/opportunities/v2/search");
    axum::serve(listener, router).await
}

async fn search(State(feed): State<Arc<Feed>>, Query(q): Query<HashMap<String, String>>) -> Response {
    if q.get("api_key").map(String::as_str) != Some(DEMO_FEED_KEY) {
        let body = json!({"error": {"code": "API_KEY_INVALID", "message": "An invalid api_key was supplied."}});
        return (StatusCode::FORBIDDEN, Json(body)).into_response();
    }
    let Ok(limit) = q.get("limit").map_or(Ok(1000), |l| l.parse::<usize>()) else {
        return (StatusCode::BAD_REQUEST, Json(json!({"errorCode": "400", "errorMessage": "limit must be a number"})))
            .into_response();
    };
    if limit > 1000 {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"errorCode": "400", "errorMessage": "Limit cannot exceed 1000"})),
        )
            .into_response();
    }
    let offset: usize = q.get("offset").and_then(|o| o.parse().ok()).unwrap_or(0);
    let step = u32::try_from((Utc::now() - feed.started).num_seconds() / feed.step.num_seconds().max(1)).unwrap_or(0);
    let mut records = notices(feed.started.date_naive(), step);
    if let Ok(amended) = feed.amended.lock() {
        for r in &mut records {
            let number = r["solicitationNumber"].as_str().unwrap_or("").trim().to_string();
            if let Some(a) = amended.get(&number) {
                apply(r, &number, a);
            }
        }
    }
    let has = |r: &Value, key: &str, wanted: &str| {
        r.get(key).and_then(Value::as_str).is_some_and(|v| v.trim().eq_ignore_ascii_case(wanted.trim()))
    };
    if let Some(n) = q.get("ncode") {
        records.retain(|r| has(r, "naicsCode", n));
    }
    if let Some(s) = q.get("solnum") {
        records.retain(|r| has(r, "solicitationNumber", s));
    }
    if let Some(id) = q.get("noticeid") {
        records.retain(|r| has(r, "noticeId", id));
    }
    let total = records.len();
    let page: Vec<Value> = records.into_iter().skip(offset * limit).take(limit).collect();
    Json(json!({"totalRecords": total, "limit": limit, "offset": offset, "opportunitiesData": page, "links": []}))
        .into_response()
}

async fn amend(State(feed): State<Arc<Feed>>, Json(a): Json<Amend>) -> StatusCode {
    let Ok(mut amended) = feed.amended.lock() else { return StatusCode::INTERNAL_SERVER_ERROR };
    let entry = amended.entry(a.solicitation_number.trim().to_string()).or_default();
    entry.times += 1;
    entry.deadline_days += a.deadline_days;
    if a.set_aside.is_some() {
        entry.set_aside = a.set_aside;
    }
    StatusCode::NO_CONTENT
}

/// An amendment on demand: a new notice id, the deadline moved, perhaps another set-aside.
fn apply(r: &mut Value, number: &str, a: &Amended) {
    let seed = number.bytes().fold(7usize, |h, b| h.wrapping_mul(31).wrapping_add(usize::from(b)));
    r["noticeId"] = json!(notice_id(seed, 1000 + a.times));
    if let Some(due) = r["responseDeadLine"].as_str().and_then(|d| DateTime::parse_from_rfc3339(d).ok()) {
        r["responseDeadLine"] = json!((due + Duration::days(a.deadline_days)).to_rfc3339());
    }
    if let Some(code) = &a.set_aside {
        r["typeOfSetAside"] = json!(code);
        r["typeOfSetAsideDescription"] = Value::Null;
    }
}

/// A notice id: 32 hex digits from the opportunity and its notice number.
fn notice_id(opportunity: usize, notice: u32) -> String {
    let mut x = (opportunity as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ u64::from(notice).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    x ^= x >> 31;
    format!("{:016x}{:016x}", x, x.rotate_left(17) ^ 0x5DEE_CE66_D1CE_4E5B)
}

/// One opportunity's state at a step.
struct Opportunity {
    index: usize,
    notice: u32,
    deadline: DateTime<Utc>,
    set_aside: Option<(&'static str, &'static str)>,
    awarded: bool,
    posted: NaiveDate,
}

const SET_ASIDES: &[Option<(&str, &str)>] = &[
    Some(("SBA", "Total Small Business Set-Aside (FAR 19.5)")),
    Some(("8A", "8(a) Set-Aside (FAR 19.8)")),
    Some(("SDVOSBC", "Service-Disabled Veteran-Owned Small Business (SDVOSB) Set-Aside (FAR 19.14)")),
    None,
    Some(("WOSB", "Women-Owned Small Business (WOSB) Program Set-Aside (FAR 19.15)")),
];

/// Every notice the feed holds at `step`, oldest first.
pub fn notices(day: NaiveDate, step: u32) -> Vec<Value> {
    let start = Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default());
    let new = |index: usize, posted_days_ago: i64| Opportunity {
        index,
        notice: 0,
        // 17:00 Eastern (22:00 UTC) on a day 10 to 60 days out.
        deadline: start + Duration::days(10 + (index as i64 * 7) % 50) + Duration::hours(22),
        set_aside: SET_ASIDES[index % SET_ASIDES.len()],
        awarded: false,
        posted: day - Duration::days(posted_days_ago),
    };
    let mut all: Vec<Opportunity> = (0..BASE).map(|i| new(i, 1 + (i as i64 * 3) % 25)).collect();
    for s in 1..=step {
        let s = s as usize;
        let open: Vec<usize> = (0..all.len()).filter(|i| !all[*i].awarded).collect();
        if let Some(&target) = open.get((s * 7) % open.len().max(1)) {
            let o = &mut all[target];
            o.notice += 1;
            // Alternately earlier (critical) and later (important), by 2 to 5 days.
            let days = 2 + (s % 4) as i64;
            o.deadline += if s % 2 == 1 { -Duration::days(days) } else { Duration::days(days) };
            if s.is_multiple_of(4) {
                o.set_aside = SET_ASIDES[(o.index + s) % SET_ASIDES.len()];
            }
        }
        if s.is_multiple_of(3) {
            let index = all.len();
            all.push(new(index, 0));
        }
        if s.is_multiple_of(5)
            && let Some(&target) = open.get((s * 3) % open.len().max(1))
        {
            all[target].awarded = true;
            all[target].notice += 1;
        }
    }
    all.iter().map(record).collect()
}

/// The SAM.gov office path code (fullParentPathCode) of the office issuing opportunity `index`: the demo's
/// organizations carry the same codes.
pub fn office_code(index: usize) -> String {
    let (_, office, prefix) = AGENCIES[index % AGENCIES.len()];
    format!(
        "0{:02}.{prefix}.{}",
        10 + index % AGENCIES.len(),
        office.split_whitespace().next().unwrap_or("HQ").to_uppercase()
    )
}

fn record(o: &Opportunity) -> Value {
    let (agency, office, prefix) = AGENCIES[o.index % AGENCIES.len()];
    let title = TITLES[o.index % TITLES.len()];
    let naics = NAICS[o.index % NAICS.len()];
    let solicitation =
        format!("{prefix}-27-{}-{:04}", if o.index.is_multiple_of(3) { "Q" } else { "R" }, 100 + o.index);
    let id = notice_id(o.index, o.notice);
    let office_code = office_code(o.index);
    // Eastern or Pacific offices: the same instant written in another zone.
    let deadline = o.deadline.with_timezone(&zone(if o.index.is_multiple_of(2) { 5 } else { 8 })).to_rfc3339();
    let (notice_type, response_deadline, award) = if o.awarded {
        let amount = format!("{}.00", 1_250_000 + o.index * 730_000);
        (
            "Award Notice",
            Value::Null,
            json!({"date": o.posted.to_string(), "number": format!("{prefix}27C{:04}", o.index), "amount": amount,
                   "awardee": {"name": "Northwind Federal LLC ", "ueiSAM": "NWF1234ABCD5"}}),
        )
    } else {
        ("Solicitation", json!(deadline), Value::Null)
    };
    let (set_aside, set_aside_description) = match o.set_aside {
        Some((code, description)) => (json!(code), json!(description)),
        None => (json!("NONE"), Value::Null),
    };
    json!({
        "noticeId": id,
        "title": format!("{title} "),
        "solicitationNumber": solicitation,
        "fullParentPathName": format!("{}.{office}", agency.to_uppercase()),
        "fullParentPathCode": office_code,
        "postedDate": o.posted.to_string(),
        "type": notice_type,
        "baseType": "Solicitation",
        "archiveType": "auto15",
        "archiveDate": "null",
        "typeOfSetAsideDescription": set_aside_description,
        "typeOfSetAside": set_aside,
        "responseDeadLine": response_deadline,
        "naicsCode": naics,
        "naicsCodes": [naics],
        "classificationCode": "D399",
        "active": "Yes",
        "award": award,
        "pointOfContact": [{"type": "primary", "title": "Contracting Officer", "fullName": "Jordan Avery",
                            "email": format!("jordan.avery@{}.example.gov", prefix.to_lowercase()), "phone": "555-0142", "fax": "null"}],
        "description": format!("https://api.sam.gov/prod/opportunities/v1/noticedesc?noticeid={id}"),
        "organizationType": "OFFICE",
        "placeOfPerformance": {"city": {"name": PLACES[o.index % PLACES.len()]}, "country": {"code": "USA", "name": "UNITED STATES"}},
        "uiLink": format!("https://sam.gov/opp/{id}/view"),
        "resourceLinks": (0..=o.notice).map(|n| format!("https://sam.gov/api/prod/opps/v3/opportunities/resources/files/{}/download", notice_id(o.index, n))).collect::<Vec<_>>(),
    })
}

/// A zone `hours` west of UTC (Eastern 5, Pacific 8).
fn zone(hours: i32) -> chrono::FixedOffset {
    chrono::FixedOffset::west_opt(hours * 3600).unwrap_or_else(|| chrono::Offset::fix(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_step_amends_posts_or_awards_something_and_the_same_step_is_the_same_feed() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let first = notices(day, 0);
        assert_eq!(first.len(), BASE);
        assert_eq!(notices(day, 0), first, "a pure function of the step");
        let later = notices(day, 6);
        assert_eq!(later.len(), BASE + 2, "a new notice every third step");
        let changed = first.iter().zip(&later).filter(|(a, b)| a != b).count();
        assert!(changed >= 6, "{changed} changed");
        assert!(later.iter().any(|r| r["type"] == "Award Notice"));
        let ids: std::collections::HashSet<&str> = later.iter().filter_map(|r| r["noticeId"].as_str()).collect();
        assert_eq!(ids.len(), later.len(), "notice ids are unique");
    }
}
