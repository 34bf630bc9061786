//! The server's shared state, handed to server functions through context and to routes through axum State.

use leptos::prelude::LeptosOptions;
use sqlx::PgPool;
use std::{path::PathBuf, sync::Arc};

/// Settings that request handling needs (the server's full configuration lives in the server crate).
#[derive(Debug, Clone)]
pub struct Settings {
    /// The domain tenants are subdomains of: `acme.<base_domain>`.
    pub base_domain: String,
    /// The tenant served when the address has no tenant subdomain (local use); `None` in production.
    pub default_tenant: Option<String>,
    /// Root folder of the local-disk file store.
    pub files_dir: PathBuf,
    /// The largest file an upload may carry, in bytes.
    pub upload_max_bytes: u64,
    /// The kinds of file uploads may carry (`GWM_UPLOAD_TYPES`).
    pub upload_kinds: Vec<crate::storage::kinds::FileKind>,
    pub auth: AuthSettings,
}

/// Sign-in and session rules (FedRAMP AC-7, AC-12), from configuration.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// Failed sign-ins in a row that lock the account.
    pub lockout_threshold: i32,
    pub lockout_duration: chrono::Duration,
    /// A session unused this long ends.
    pub idle_timeout: chrono::Duration,
    /// A session ends this long after sign-in, however active.
    pub session_lifetime: chrono::Duration,
    pub password_min_length: usize,
    /// Sign-in attempts allowed per client address per minute (all tenants together).
    pub sign_in_attempts_per_minute: i64,
    /// Served over HTTPS: cookies get `Secure`, SAML URLs use https.
    pub https: bool,
    /// Take the client address from X-Forwarded-For (only behind a proxy that sets it).
    pub trust_forwarded_for: bool,
    /// AES-256-GCM key that seals MFA secrets (never printed: see `SecretKey`'s Debug).
    pub secret_key: SecretKey,
    /// Outbound fetches an admin can point (IdP metadata URLs) may reach loopback/private addresses and
    /// plain http: local runs and tests only, never in production.
    pub allow_private_fetches: bool,
}

impl AuthSettings {
    /// The defaults the issue sets: 5 failures lock for 15 minutes; 30 minutes idle; 12 hours at most.
    pub fn with_secret_key(secret_key: [u8; 32]) -> AuthSettings {
        AuthSettings {
            lockout_threshold: 5,
            lockout_duration: chrono::Duration::minutes(15),
            idle_timeout: chrono::Duration::minutes(30),
            session_lifetime: chrono::Duration::hours(12),
            password_min_length: 12,
            sign_in_attempts_per_minute: 30,
            https: false,
            trust_forwarded_for: false,
            secret_key: SecretKey(secret_key),
            allow_private_fetches: false,
        }
    }
}

/// The server's sealing key. Its Debug says only that it is there, so no log, panic message or `{:?}` of
/// the settings can carry it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey([u8; 32]);

impl SecretKey {
    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

#[derive(Clone, axum::extract::FromRef)]
pub struct AppState {
    /// Connections as the application role: RLS applies to everything read or written through it.
    pub pool: PgPool,
    pub settings: Arc<Settings>,
    pub leptos_options: LeptosOptions,
    /// Which tenant each address is (remembered for a few seconds).
    pub tenants: Arc<crate::tenancy::ssr::TenantDirectory>,
    /// Answers about a tenant that domains keep for a few seconds (the filter menus of the board and table).
    pub tenant_memo: Arc<crate::cache::TenantMemo>,
    /// Where document files are kept (local disk or S3).
    pub storage: Arc<dyn crate::storage::ObjectStore>,
    /// Fails requests fast while the database is down.
    pub db_gate: Arc<crate::db::DbGate>,
}

impl AppState {
    /// The state provided by the server for this request.
    pub fn from_context() -> Result<AppState, crate::error::AppError> {
        leptos::prelude::use_context::<AppState>().ok_or_else(|| {
            tracing::error!(
                "AppState missing from the Leptos context: routes must be built with leptos_routes_with_context"
            );
            crate::error::AppError::Unavailable
        })
    }
}
