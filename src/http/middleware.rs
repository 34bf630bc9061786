//! Request ids, request logging and security headers.

use app::{error::AppError, request::RequestScope};
use axum::{
    Router,
    body::Body,
    extract::State,
    http::{Extensions, HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode, Version, header},
    middleware::{Next, from_fn},
    response::{IntoResponse, Response},
};
use leptos::server_fn::error::FromServerFnError;
use tower_http::{
    CompressionLevel,
    compression::{
        CompressionLayer,
        predicate::{Predicate, SizeAbove},
    },
    request_id::PropagateRequestIdLayer,
    set_header::{SetRequestHeaderLayer, SetResponseHeaderLayer},
    trace::{DefaultOnResponse, TraceLayer},
};
use tracing::Level;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

// Responses that are not rendered pages (errors, JSON, assets) get the policy without any inline script;
// rendered pages set their own with the response's nonce (app::shell) and this one is not added over it.
fn default_csp() -> HeaderValue {
    HeaderValue::from_str(&app::content_security_policy(None))
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"))
}

/// The largest server-function body read (arguments are small; files go to the upload route).
const MAX_CALL_BODY: usize = 2 * 1024 * 1024;

/// An error answered as a server function's would be (its status and its JSON), so pages show it.
fn refused(err: AppError) -> Response {
    (err.status(), [(header::CONTENT_TYPE, "application/json")], err.ser()).into_response()
}

/// Text that PostgreSQL cannot store (a NUL character) is refused at the door with a message that names the
/// field, for every route's query and every server function's arguments: one check instead of a 500 from
/// whichever statement meets it first.
async fn refuse_unstorable_text(req: Request<Body>, next: Next) -> Response {
    let nul = |field: &str| {
        refused(AppError::Validation(format!("\"{field}\" contains a NUL character (\\0); remove it and try again.")))
    };
    if let Some(query) = req.uri().query()
        && query.to_ascii_lowercase().contains("%00")
    {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
        let field = pairs
            .iter()
            .find(|(k, v)| k.contains('\0') || v.contains('\0'))
            .map_or("the address", |(k, _)| k.as_str())
            .to_string();
        return nul(&field);
    }
    if req.method() != Method::POST || !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let content_type =
        req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_ascii_lowercase();
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_CALL_BODY).await else {
        return refused(AppError::TooLarge(format!(
            "The request is too large: at most {} MiB.",
            MAX_CALL_BODY / 1024 / 1024
        )));
    };
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        if let Some((field, _)) = pairs.iter().find(|(k, v)| k.contains('\0') || v.contains('\0')) {
            return nul(field);
        }
    } else if bytes.contains(&0) || bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000")) {
        return nul("a text field");
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// Answers "try again" at once while the database is down (see `app::db::DbGate`), lets one request probe
/// when the pause is over, and turns a 500 that an outage caused (the session store's) into that answer.
pub async fn database_gate(State(state): State<app::state::AppState>, req: Request<Body>, next: Next) -> Response {
    use app::db::GatePass;
    if super::auth::is_static(req.uri().path()) {
        return next.run(req).await;
    }
    let pass = state.db_gate.pass();
    if pass == GatePass::Closed {
        return unavailable();
    }
    let trips = state.db_gate.trips();
    // Errors met anywhere in the request (`?` on a query) find its id and this gate through the scope.
    let request_id = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-").to_string();
    let scope = RequestScope { request_id, db_gate: state.db_gate.clone() };
    let res = scope.run(next.run(req)).await;
    let tripped = state.db_gate.trips() != trips;
    if pass == GatePass::Probe && !tripped {
        state.db_gate.probe_succeeded();
    }
    if tripped && res.status() == StatusCode::INTERNAL_SERVER_ERROR {
        return unavailable();
    }
    res
}

fn unavailable() -> Response {
    let mut res = refused(AppError::Unavailable);
    res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("3"));
    res
}

/// Pages, server-function answers and exports compressed on the way out (brotli or gzip, at a level that costs
/// little CPU: a board page of ~350 KiB travels as a tenth of that). Files people uploaded are sent as stored.
pub fn compression() -> CompressionLayer<impl Predicate> {
    let textual = |_: StatusCode, _: Version, headers: &HeaderMap, _: &Extensions| {
        let kind = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let attachment = headers.contains_key(header::CONTENT_DISPOSITION);
        !attachment && (kind.starts_with("text/html") || kind.starts_with("application/json"))
    };
    CompressionLayer::new().quality(CompressionLevel::Precise(4)).compress_when(SizeAbove::new(1024).and(textual))
}

/// Pages and answers carry people's data: never stored by a browser or a proxy. The site's files set their
/// own policy (`assets`).
async fn cache_policy(req: Request<Body>, next: Next) -> Response {
    let mut res = next.run(req).await;
    if !res.headers().contains_key(header::CACHE_CONTROL) {
        res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// Wraps the router: every request gets an id (kept if the client or proxy sent one), a log span carrying
/// it, and every response carries the id, the security headers and a cache policy. Over HTTPS, browsers are
/// told to use nothing else (HSTS).
pub fn wrap<S: Clone + Send + Sync + 'static>(router: Router<S>, https: bool) -> Router<S> {
    let mut router = router
        .layer(from_fn(refuse_unstorable_text))
        .layer(from_fn(cache_policy))
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, default_csp()));
    if https {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        ));
    }
    let headers: [(HeaderName, &'static str); 4] = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
        (HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=()"),
    ];
    for (name, value) in headers {
        router = router.layer(SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value)));
    }
    router
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<_>| {
                    let request_id = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id)
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        // Always our own id: a client-sent x-request-id would otherwise be written into audit rows.
        .layer(SetRequestHeaderLayer::overriding(REQUEST_ID, |_: &Request<_>| {
            HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()).ok()
        }))
}
