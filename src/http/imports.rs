//! The import routes that stream bodies: POST /imports/upload?kind=…&name=… (the raw CSV file as the body)
//! and GET /imports/{id}/rejected.csv (the rejected rows with what to fix).

use super::{
    auth::error_response,
    documents::{declared_length, json_error},
    export::download,
};
use app::{
    auth::ssr::{Caller, Visitor},
    imports::ssr::{
        rejected::rejected_csv,
        upload::{ImportUpload, upload as receive},
    },
    state::AppState,
};
use axum::{
    Extension, Json,
    body::Body,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use futures::TryStreamExt;
use std::collections::HashMap;

pub async fn upload(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let limit = state.settings.upload_max_bytes;
    let caller = match Caller::of_visitor(state, visitor) {
        Ok(caller) => caller,
        Err(e) => return json_error(e),
    };
    let request = match ImportUpload::parse(&params) {
        Ok(request) => request,
        Err(e) => return json_error(e),
    };
    let declared = match declared_length(&headers, limit, &caller) {
        Ok(declared) => declared,
        Err(e) => return json_error(e),
    };
    let stream = body.into_data_stream().map_err(std::io::Error::other);
    match receive(&caller, request, Box::pin(stream), declared).await {
        Ok(id) => (StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response(),
        Err(e) => json_error(e),
    }
}

pub async fn rejected(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<String>,
) -> Response {
    let path = format!("/imports/{id}/rejected.csv");
    let result = async {
        let caller = Caller::of_visitor(state, visitor)?;
        let id = app::input::parse_id("Import", &id)?;
        rejected_csv(caller, id).await
    };
    match result.await {
        Ok((name, stream)) => download(&name, Body::from_stream(stream)),
        Err(e) => error_response(&path, e),
    }
}
