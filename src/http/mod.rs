//! Routes that are not server functions, and the middleware around everything.

pub mod auth;
pub mod documents;
pub mod export;
pub mod health;
pub mod housekeeping;
pub mod saml;
pub mod session_store;
pub mod middleware;
pub mod page;
