//! Structured logging. RUST_LOG filters (default: info for the app, warn for dependencies).

use crate::config::LogFormat;
use tracing_subscriber::{EnvFilter, fmt};

pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("warn,gwm_crm=info,app=info,tower_http=info"));
    let builder = fmt().with_env_filter(filter).with_target(true);
    // A second init (tests spawn many servers in one process) is harmless: the first subscriber stays.
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Pretty => builder.compact().try_init(),
    };
}
