//! CSV downloads: GET /projects/export.csv?<table view> (the table's current view) and
//! GET /contacts/export.csv?<list filter> and GET /organizations/export.csv?<list filter> (the lists' current
//! filters, streamed).

use super::auth::error_response;
use app::{
    auth::ssr::{Caller, Visitor},
    contacts::{
        export::{contacts_csv, organizations_csv},
        organizations::OrganizationFilter,
        people::ContactFilter,
    },
    projects::{TableQuery, export::projects_csv},
    state::AppState,
};
use axum::{
    Extension,
    body::Body,
    extract::{Query, State},
    http::header,
    response::{IntoResponse, Response},
};
use std::collections::HashMap;

/// A CSV attachment named for what it holds and today ("contacts-2026-12-01.csv"), never cached.
pub(super) fn download(what: &str, body: Body) -> Response {
    let name = format!("{what}-{}.csv", chrono::Utc::now().format("%Y-%m-%d"));
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response()
}

pub async fn projects(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let query = TableQuery::from_query(|k| params.get(k).cloned());
    let result = async {
        let caller = Caller::of_visitor(state, visitor)?;
        projects_csv(caller, query).await
    };
    match result.await {
        Ok(stream) => download("projects", Body::from_stream(stream)),
        Err(e) => error_response("/projects/export.csv", e),
    }
}

/// GET /contacts/export.csv?<list filter>: the contacts list's current filter as a streamed CSV download.
pub async fn contacts(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let filter = ContactFilter::from_query(|k| params.get(k).cloned());
    let result = async {
        let caller = Caller::of_visitor(state, visitor)?;
        contacts_csv(caller, filter).await
    };
    match result.await {
        Ok(stream) => download("contacts", Body::from_stream(stream)),
        Err(e) => error_response("/contacts/export.csv", e),
    }
}

/// GET /organizations/export.csv?<list filter>: the organizations list's current filter as a streamed CSV.
pub async fn organizations(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let filter = OrganizationFilter::from_query(|k| params.get(k).cloned());
    let result = async {
        let caller = Caller::of_visitor(state, visitor)?;
        organizations_csv(caller, filter).await
    };
    match result.await {
        Ok(stream) => download("organizations", Body::from_stream(stream)),
        Err(e) => error_response("/organizations/export.csv", e),
    }
}
