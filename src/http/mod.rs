//! Routes that are not server functions, and the middleware around everything.

pub mod health;
pub mod middleware;
