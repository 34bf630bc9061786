//! Per-request identity: the session layer, the visitor (tenant, signed-in user, client address) resolved
//! once for every route, the sign-in gate for pages, and the cross-site request check.

use app::{
    auth::ssr::{TenantAtAddress, Visitor, session},
    error::AppError,
    request::RequestContext,
    state::AppState,
    tenancy::subdomain_of,
};
use axum::{
    extract::{ConnectInfo, Request, State},
    http::{HeaderMap, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use leptos::server_fn::error::FromServerFnError;
use std::net::{IpAddr, SocketAddr};
use tower_sessions::{Expiry, Session, SessionManagerLayer, cookie::SameSite};

use super::{
    page::{card_page, html_escape},
    session_store::PgSessionStore,
};

pub const SESSION_COOKIE: &str = "gwm_session";

/// The session layer: an HttpOnly, SameSite=Lax cookie (Secure over HTTPS) that ends after the idle timeout.
pub fn session_layer(state: &AppState) -> SessionManagerLayer<PgSessionStore> {
    let idle = time::Duration::seconds(state.settings.auth.idle_timeout.num_seconds());
    SessionManagerLayer::new(PgSessionStore::new(state.pool.clone(), state.db_gate.clone()))
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.settings.auth.https)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(idle))
}

/// The health check needs no tenant or session (the site's files never reach these layers: see `assets`).
pub(crate) fn is_static(path: &str) -> bool {
    path == "/healthz"
}

/// Paths anyone may open without being signed in.
fn is_public_page(path: &str) -> bool {
    path == "/sign-in" || path.starts_with("/saml/")
}

fn client_ip(req: &Request, trust_forwarded_for: bool) -> Option<IpAddr> {
    let forwarded = trust_forwarded_for
        // The rightmost hop is the one our own proxy appended; earlier ones are the client's to invent.
        .then(|| req.headers().get("x-forwarded-for")?.to_str().ok()?.rsplit(',').next()?.trim().parse().ok())
        .flatten();
    forwarded.or_else(|| req.extensions().get::<ConnectInfo<SocketAddr>>().map(|ci| ci.0.ip()))
}

async fn tenant_at(state: &AppState, host: &str) -> Result<Option<TenantAtAddress>, sqlx::Error> {
    match subdomain_of(host, &state.settings.base_domain) {
        Some(sub) => Ok(Some(match state.tenants.active(&state.pool, &sub).await? {
            Some(t) => TenantAtAddress::Known(t),
            None => TenantAtAddress::Unknown(sub),
        })),
        None => Ok(None),
    }
}

/// Resolves the visitor and attaches it to the request; sends signed-out visitors of pages to sign in.
pub async fn resolve_visitor(
    State(state): State<AppState>,
    session: Session,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_string();
    if is_static(&path) {
        return next.run(req).await;
    }
    let ip = client_ip(&req, state.settings.auth.trust_forwarded_for);
    let request = RequestContext::from_headers(req.headers(), ip);
    let address = match tenant_at(&state, &request.host).await {
        Ok(address) => address,
        Err(e) => return error_response(&path, AppError::from(e)),
    };
    if let Some(TenantAtAddress::Unknown(sub)) = &address {
        return error_response(&path, AppError::UnknownTenant(sub.clone()));
    }
    let address_tenant = match &address {
        Some(TenantAtAddress::Known(t)) => Some(t),
        _ => None,
    };
    let signed_in = match session::resume(&state, &session, address_tenant, &request).await {
        Ok(signed_in) => signed_in,
        Err(e) => return error_response(&path, e),
    };
    let tenant = match (address, &signed_in) {
        (Some(known), _) => known,
        (None, Some(s)) => TenantAtAddress::Known(s.tenant.clone()),
        (None, None) => match &state.settings.default_tenant {
            Some(default) => match state.tenants.active(&state.pool, default).await {
                Ok(Some(t)) => TenantAtAddress::Known(t),
                Ok(None) => TenantAtAddress::Unspecified,
                Err(e) => return error_response(&path, AppError::from(e)),
            },
            None => TenantAtAddress::Unspecified,
        },
    };
    let is_page = matches!(*req.method(), Method::GET | Method::HEAD) && !path.starts_with("/api/");
    let signed_in_now = signed_in.is_some();
    req.extensions_mut().insert(Visitor { request, tenant, signed_in });
    if is_page && !signed_in_now && !is_public_page(&path) {
        let target = req.uri().path_and_query().map(|pq| pq.as_str()).unwrap_or("/");
        return Redirect::to(&format!("/sign-in?next={}", app::format::url_encode(target))).into_response();
    }
    if is_page && signed_in_now && path == "/sign-in" {
        return Redirect::to("/").into_response();
    }
    next.run(req).await
}

pub(crate) fn error_response(path: &str, err: AppError) -> Response {
    let status = err.status();
    if path.starts_with("/api/") {
        return (status, [(header::CONTENT_TYPE, "application/json")], err.ser()).into_response();
    }
    let title = if status == StatusCode::NOT_FOUND { "Nothing here" } else { "Something went wrong" };
    card_page(status, title, &format!("<p>{}</p>", html_escape(&err.to_string())), false)
}

/// The origin (scheme://host[:port]) a request came from, by its Origin or else its Referer header.
fn request_origin(headers: &HeaderMap) -> Option<String> {
    let value = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let raw = value(header::ORIGIN).filter(|o| o != "null").or_else(|| value(header::REFERER))?;
    let (scheme, rest) = raw.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    Some(format!("{}://{}", scheme.to_ascii_lowercase(), authority.to_ascii_lowercase()))
}

/// Refuses state-changing requests that did not come from this site's own pages (CSRF). The SAML ACS is
/// the one cross-site POST accepted: the IdP's signature and the one-time InResponseTo protect it.
pub async fn refuse_cross_site(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || req.uri().path() == "/saml/acs" {
        return next.run(req).await;
    }
    let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default().to_ascii_lowercase();
    let scheme = if state.settings.auth.https { "https" } else { "http" };
    let expected = format!("{scheme}://{host}");
    match request_origin(req.headers()) {
        Some(origin) if origin == expected => next.run(req).await,
        seen => {
            tracing::warn!(origin = seen.as_deref().unwrap_or("none"), %expected, path = req.uri().path(), "cross-site request refused");
            let err = AppError::Forbidden(
                "send this request from outside GWM CRM's own pages. Reload the page and try again".into(),
            );
            error_response(req.uri().path(), err)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_from_either_header() {
        let mut h = HeaderMap::new();
        h.insert(header::REFERER, "http://Acme.localhost:3000/projects?x=1".parse().expect("value"));
        assert_eq!(request_origin(&h).as_deref(), Some("http://acme.localhost:3000"));
        h.insert(header::ORIGIN, "https://evil.example".parse().expect("value"));
        assert_eq!(request_origin(&h).as_deref(), Some("https://evil.example"));
        assert_eq!(request_origin(&HeaderMap::new()), None);
    }
}
