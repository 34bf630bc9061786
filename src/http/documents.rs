//! The document routes that stream bodies, which server functions cannot: POST /documents/upload (the raw
//! file as the body, its name and filing in the query) and GET /documents/{id}/download (and `?inline=1`
//! to view it in the browser). Every download, view and refusal is written to document_access_logs.

use super::auth::error_response;
use app::{
    auth::{
        Permission,
        ssr::{Caller, Resource, Visitor},
    },
    documents::{
        queries::{self, Logged},
        upload::{self, UploadRequest},
    },
    error::AppError,
    state::AppState,
    storage::StorageKey,
};
use axum::{
    Extension, Json,
    body::Body,
    extract::{Path, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use futures::TryStreamExt;
use leptos::server_fn::error::FromServerFnError;
use std::collections::HashMap;

/// Uploads come from script (XMLHttpRequest), so their errors are JSON like a server function's. The body
/// may not have been read to its end, so the connection is closed rather than reused mid-body.
pub(super) fn json_error(err: AppError) -> Response {
    (err.status(), [(header::CONTENT_TYPE, "application/json"), (header::CONNECTION, "close")], err.ser())
        .into_response()
}

/// The body's declared length; one past the limit is refused before any of it is read.
pub(super) fn declared_length(headers: &HeaderMap, limit: u64, caller: &Caller) -> Result<Option<u64>, AppError> {
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(n) if n > limit => {
            Err(app::storage::StorageError::TooLarge { limit }.user_error(&caller.request.request_id))
        }
        declared => Ok(declared),
    }
}

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
    let request = match UploadRequest::parse(&params) {
        Ok(request) => request,
        Err(e) => return json_error(e),
    };
    let declared = match declared_length(&headers, limit, &caller) {
        Ok(declared) => declared,
        Err(e) => return json_error(e),
    };
    let stream = body.into_data_stream().map_err(std::io::Error::other);
    match upload::upload(&caller, request, Box::pin(stream), declared).await {
        Ok(row) => (StatusCode::CREATED, Json(row)).into_response(),
        Err(e) => json_error(e),
    }
}

/// Downloads (or with `?inline=1` shows) one version of a document.
pub async fn download(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let path = format!("/documents/{id}/download");
    let inline = params.get("inline").is_some_and(|v| v == "1" || v == "true");
    match serve_file(state, visitor, &id, inline).await {
        Ok(response) => response,
        Err(e) => error_response(&path, e),
    }
}

async fn serve_file(state: AppState, visitor: Visitor, id: &str, inline: bool) -> Result<Response, AppError> {
    let caller = Caller::of_visitor(state, visitor)?;
    let id: uuid::Uuid = app::input::parse_id("Document", id)?;
    let access = if inline { "view" } else { "download" };
    let mut lookup = caller.look_up().await?;
    let file = queries::stored_file(lookup.reads(), id).await?.filter(|f| !f.is_deleted);
    let Some(file) = file else {
        // Not one the caller may see: an unknown id, another tenant's, deleted, or above their access level.
        let mut tx = lookup.for_refusal_record();
        let logged = if queries::in_tenant(&mut tx, id).await? { Logged::Document(id) } else { Logged::Requested(id) };
        queries::log_access(&mut tx, &caller, logged, access, Some("not found or not visible to this user")).await?;
        caller.commit(tx).await?;
        return Err(AppError::NotFound("Document".into()));
    };
    let resource = file.project_id.map_or(Resource::Tenant, Resource::Project);
    let mut tx = match lookup.authorize(Permission::DocumentsRead, resource).await {
        Ok((tx, _)) => tx,
        Err(refused) => {
            let mut tx = caller.look_up().await?.for_refusal_record();
            queries::log_access(&mut tx, &caller, Logged::Document(id), access, Some("documents.read not granted"))
                .await?;
            caller.commit(tx).await?;
            return Err(refused);
        }
    };
    let key = StorageKey::parse(&file.storage_key).map_err(|e| AppError::internal(&e, &caller.request.request_id))?;
    let (size, bytes) =
        caller.state.storage.get(&key).await.map_err(|e| e.user_error_reading(&caller.request.request_id))?;
    queries::log_access(&mut tx, &caller, Logged::Document(id), access, None).await?;
    caller.commit(tx).await?;

    let disposition = content_disposition(if inline { "inline" } else { "attachment" }, &file.original_filename);
    let mut response = Body::from_stream(bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&file.mime_type).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    // Shown inline, a file runs no script and cannot be framed by another site.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"),
    );
    Ok(response)
}

/// `attachment; filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 6266): every browser gets a usable
/// name, and no quote or line break in a name can end the header early.
fn content_disposition(kind: &str, name: &str) -> String {
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::content_disposition;

    #[test]
    fn names_cannot_break_the_header_and_keep_their_letters() {
        assert_eq!(
            content_disposition("attachment", "Plan v2.pdf"),
            "attachment; filename=\"Plan v2.pdf\"; filename*=UTF-8''Plan%20v2.pdf"
        );
        let header = content_disposition("inline", "a\"b\r\nc.txt");
        assert!(header.starts_with("inline; filename=\"a_b__c.txt\""), "{header}");
        assert!(content_disposition("attachment", "提案.pdf").ends_with("filename*=UTF-8''%E6%8F%90%E6%A1%88.pdf"));
    }
}
