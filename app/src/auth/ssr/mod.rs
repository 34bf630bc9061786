//! Server side of identity: passwords, sessions, MFA, throttling, and the caller/authorization door.

pub mod caller;
pub mod door;
pub mod lockout;
pub mod mfa;
pub mod password;
pub mod queries;
pub mod scope;
pub mod session;
pub mod throttle;
pub mod visitor;

pub use caller::{Caller, Held, Resource, Unchecked};
pub use scope::Scope;
pub use visitor::{SignedIn, TenantAtAddress, UserRef, Visitor};
pub mod enrollment;
pub mod sign_in;

use crate::error::AppError;

/// The request's server-side session (the session layer wraps every route).
pub async fn current_session() -> Result<tower_sessions::Session, AppError> {
    leptos_axum::extract::<tower_sessions::Session>().await.map_err(|e| {
        tracing::error!(error = %e, "no session on the request: the session layer must wrap every route");
        AppError::Unavailable
    })
}
