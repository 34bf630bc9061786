//! The integration tests, one binary (each test binary is compiled and linked on its own, which costs more
//! than the tests take): the real server on port 0 with a fresh database per test, against the PostgreSQL,
//! s3s-fs and pgbouncer that scripts/test.sh starts.

// Test code: a failed expectation is a failed test (the workspace denies these everywhere else).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

mod admin;
mod assets;
mod auth;
mod changes;
mod contacts;
mod document_search;
mod documents;
mod http;
mod imports;
mod inbox;
mod isolation;
mod pgbench;
mod pipeline;
mod platform;
mod project;
mod projects;
mod schema;
mod search;
mod sources;
mod sso;
mod storage;
mod sync;
