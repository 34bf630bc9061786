//! Request ids, request logging and security headers.

use axum::{
    http::{header, HeaderName, HeaderValue, Request},
    Router,
};
use tower_http::{
    request_id::PropagateRequestIdLayer,
    set_header::{SetRequestHeaderLayer, SetResponseHeaderLayer},
    trace::{DefaultOnResponse, TraceLayer},
};
use tracing::Level;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

// Responses that are not rendered pages (errors, JSON, assets) get the policy without any inline script;
// rendered pages set their own with the response's nonce (app::shell) and this one is not added over it.
fn default_csp() -> HeaderValue {
    HeaderValue::from_str(&app::content_security_policy(None)).unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"))
}

/// Wraps the router: every request gets an id (kept if the client or proxy sent one), a log span carrying
/// it, and every response carries the id and the security headers.
pub fn wrap<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    let mut router = router.layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, default_csp()));
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
