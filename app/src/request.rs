//! The request being served: the facts audit rows and logs need, and the scope that an error met deep in a
//! query reports to (the request's id for the user's reference, the database gate an outage trips).
//! Foundation code: it never imports a domain.

use crate::db::DbGate;
use axum::http::HeaderMap;
use std::{future::Future, net::IpAddr, sync::Arc};

/// Facts about the HTTP request that audit rows and logs need.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub request_id: String,
    pub host: String,
    pub user_agent: Option<String>,
    /// The client's address (the peer, or the first X-Forwarded-For hop when configured to trust it).
    pub ip: Option<IpAddr>,
}

impl RequestContext {
    pub fn from_headers(headers: &HeaderMap, ip: Option<IpAddr>) -> RequestContext {
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        RequestContext {
            request_id: text("x-request-id").unwrap_or_else(|| "-".to_string()),
            host: text("host").unwrap_or_default(),
            user_agent: text("user-agent"),
            ip,
        }
    }
}

/// What an error met anywhere while serving a request needs: the request's id, which the user is given as
/// the reference of an internal error, and the database gate, which an outage closes.
#[derive(Debug, Clone)]
pub struct RequestScope {
    pub request_id: String,
    pub db_gate: Arc<DbGate>,
}

tokio::task_local! {
    static CURRENT: RequestScope;
}

impl RequestScope {
    /// Runs `serve` (the rest of the request) with this scope current (the database-gate middleware does,
    /// for every request).
    pub async fn run<F: Future>(self, serve: F) -> F::Output {
        CURRENT.scope(self, serve).await
    }

    /// The scope of the request being served: the task's (routes and server-function calls), else the
    /// Leptos context's (a page's resources may load on another task), else none (background jobs).
    pub fn current() -> Option<RequestScope> {
        CURRENT.try_with(Clone::clone).ok().or_else(leptos::prelude::use_context::<RequestScope>)
    }
}
