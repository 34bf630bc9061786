//! The GWM CRM server: configuration, startup, HTTP routes and middleware, demo data and the CLI.
#![recursion_limit = "512"]

pub mod config;
pub mod database;
pub mod demo;
pub mod extract;
pub mod housekeeping;
pub mod http;
pub mod imports;
pub mod pgbench;
pub mod platform;
pub mod startup;
pub mod sync;
pub mod telemetry;
