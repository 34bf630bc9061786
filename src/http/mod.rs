//! Routes that are not server functions, and the middleware around everything.

pub mod assets;
pub mod auth;
pub mod documents;
pub mod export;
pub mod health;
pub mod imports;
pub mod middleware;
pub mod page;
pub mod saml;
pub mod session_store;
