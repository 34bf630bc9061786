//! Configuration from environment variables, with defaults that work for a local run.

use crate::extract::Extractor;
use app::{
    state::AuthSettings,
    storage::{S3Settings, kinds::FileKind},
};
use base64::Engine;
use sqlx::postgres::PgConnectOptions;
use std::{net::SocketAddr, path::PathBuf, str::FromStr};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} is not set. {hint}")]
    Missing { name: &'static str, hint: &'static str },
    #[error("{name} has an invalid value {value:?}: {reason}")]
    Invalid { name: &'static str, value: String, reason: String },
}

/// Whether the server creates the demo tenant when the database has no tenant yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedDemo {
    IfEmpty,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Where document files are kept.
#[derive(Debug, Clone)]
pub enum StorageConfig {
    /// Files under this folder (the embedded default: `GWM_FILES_DIR`).
    Local(PathBuf),
    /// An S3-protocol bucket.
    S3(S3Settings),
}

#[derive(Clone)]
pub struct Config {
    /// The owner's connection: migrations and platform work (creating tenants).
    pub owner_db: PgConnectOptions,
    /// The application role's connection: everything a request does.
    pub app_db: PgConnectOptions,
    pub db_max_connections: u32,
    pub bind: SocketAddr,
    pub site_root: PathBuf,
    pub base_domain: String,
    pub default_tenant: Option<String>,
    pub files_dir: PathBuf,
    pub storage: StorageConfig,
    /// The largest file an upload may carry.
    pub upload_max_bytes: u64,
    /// The kinds of file uploads may carry (all that GWM CRM knows, unless narrowed).
    pub upload_kinds: Vec<FileKind>,
    /// The program that extracts documents' text for search, in a child process.
    pub extractor: Extractor,
    pub seed_demo: SeedDemo,
    /// Whether this server runs CSV imports (`GWM_IMPORT_WORKER=off`: others do; tests drive them by hand).
    pub import_worker: bool,
    pub demo_password: String,
    /// Where the demo tenant's source finds `gwm-crm demo-feed` (GWM_DEMO_FEED_ADDR).
    pub demo_feed_addr: String,
    pub log_format: LogFormat,
    pub production: bool,
    pub auth: AuthSettings,
}

/// Never prints a secret: the databases by user, host and name only; the sealing key and the S3 secret
/// redact themselves.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let db =
            |o: &PgConnectOptions| format!("{}@{}/{}", o.get_username(), o.get_host(), o.get_database().unwrap_or("-"));
        f.debug_struct("Config")
            .field("owner_db", &db(&self.owner_db))
            .field("app_db", &db(&self.app_db))
            .field("db_max_connections", &self.db_max_connections)
            .field("bind", &self.bind)
            .field("site_root", &self.site_root)
            .field("base_domain", &self.base_domain)
            .field("default_tenant", &self.default_tenant)
            .field("storage", &self.storage)
            .field("upload_max_bytes", &self.upload_max_bytes)
            .field("seed_demo", &self.seed_demo)
            .field("log_format", &self.log_format)
            .field("production", &self.production)
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    }

    /// Reads configuration through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let database_url = lookup("DATABASE_URL").ok_or(ConfigError::Missing {
            name: "DATABASE_URL",
            hint: "Set it to the database owner's connection URL, or start the server with scripts/run.sh, \
                   which runs a private PostgreSQL cluster.",
        })?;
        let owner_db = parse_db_url("DATABASE_URL", &database_url)?;
        let app_db = match lookup("APP_DATABASE_URL") {
            Some(url) => parse_db_url("APP_DATABASE_URL", &url)?,
            None => {
                let derived = owner_db.clone().username("gwm_app");
                match lookup("APP_DATABASE_PASSWORD") {
                    Some(password) => derived.password(&password),
                    None => derived.password(""),
                }
            }
        };
        // Behind a transaction-mode pooler (pgbouncer pool_mode=transaction, with server_reset_query =
        // DEALLOCATE ALL and server_reset_query_always = 1): no statement is cached across transactions, and
        // extra_float_digits (which pgbouncer refuses as a startup parameter) is not sent. Every query the app
        // role runs is inside a transaction, so a statement's parse and execution reach the same server.
        let app_db = if lookup("GWM_DB_TRANSACTION_POOLER").is_some_and(|v| v == "true" || v == "1") {
            app_db.statement_cache_capacity(0).extra_float_digits(None)
        } else {
            app_db
        };
        let production = lookup("LEPTOS_ENV").is_some_and(|v| v.eq_ignore_ascii_case("prod"));
        let log_format = match lookup("GWM_LOG_FORMAT").as_deref() {
            None if production => LogFormat::Json,
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => return Err(invalid("GWM_LOG_FORMAT", other, "use \"pretty\" or \"json\"")),
        };
        let seed_demo = match lookup("GWM_SEED_DEMO").as_deref() {
            None | Some("never") => SeedDemo::Never,
            Some("if-empty") => SeedDemo::IfEmpty,
            Some(other) => return Err(invalid("GWM_SEED_DEMO", other, "use \"if-empty\" or \"never\"")),
        };
        let import_worker = match lookup("GWM_IMPORT_WORKER").as_deref() {
            None | Some("on") => true,
            Some("off") => false,
            Some(other) => return Err(invalid("GWM_IMPORT_WORKER", other, "use \"on\" or \"off\"")),
        };
        let bind_raw = lookup("LEPTOS_SITE_ADDR").unwrap_or_else(|| "127.0.0.1:3000".to_string());
        let bind = SocketAddr::from_str(&bind_raw).map_err(|e| {
            invalid("LEPTOS_SITE_ADDR", &bind_raw, &format!("{e}; expected host:port like 127.0.0.1:3000"))
        })?;
        let db_max_raw = lookup("GWM_DB_MAX_CONNECTIONS").unwrap_or_else(|| "20".to_string());
        let db_max_connections = db_max_raw
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| invalid("GWM_DB_MAX_CONNECTIONS", &db_max_raw, "expected a number from 1 to 1000"))?;
        let base_domain = lookup("GWM_BASE_DOMAIN").unwrap_or_else(|| "localhost".to_string()).to_ascii_lowercase();
        let default_tenant = match lookup("GWM_DEFAULT_TENANT") {
            Some(t) if t == "-" => None,
            Some(t) => Some(t.to_ascii_lowercase()),
            None if production => None,
            None => Some("demo".to_string()),
        };
        let auth = auth_settings(&lookup, production)?;
        let files_dir = PathBuf::from(lookup("GWM_FILES_DIR").unwrap_or_else(|| "data/files".to_string()));
        let storage = storage_config(&lookup, &files_dir)?;
        let upload_max_raw = lookup("GWM_UPLOAD_MAX_MB").unwrap_or_else(|| "2048".to_string());
        let upload_max_bytes = upload_max_raw
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|mb| (1..=102_400).contains(mb))
            .map(|mb| mb * 1024 * 1024)
            .ok_or_else(|| {
                invalid("GWM_UPLOAD_MAX_MB", &upload_max_raw, "expected megabytes, a whole number from 1 to 102400")
            })?;
        let upload_kinds = upload_kinds(lookup("GWM_UPLOAD_TYPES"))?;
        let extractor = Extractor {
            program: lookup("GWM_EXTRACTOR")
                .map(PathBuf::from)
                .or_else(|| std::env::current_exe().ok())
                .unwrap_or_else(|| PathBuf::from("gwm-crm")),
            timeout: std::time::Duration::from_secs(120),
            memory_limit_bytes: 2 * 1024 * 1024 * 1024,
        };
        Ok(Config {
            upload_kinds,
            extractor,
            auth,
            owner_db,
            app_db,
            db_max_connections,
            bind,
            site_root: PathBuf::from(lookup("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".to_string())),
            base_domain,
            default_tenant,
            files_dir,
            storage,
            upload_max_bytes,
            seed_demo,
            import_worker,
            demo_password: lookup("GWM_DEMO_PASSWORD").unwrap_or_else(|| "Capture-Demo-2026!".to_string()),
            demo_feed_addr: lookup("GWM_DEMO_FEED_ADDR")
                .unwrap_or_else(|| crate::demo::feed::DEMO_FEED_ADDR.to_string()),
            log_format,
            production,
        })
    }
}

/// A fixed key for local runs and tests only; production must bring its own (GWM_SECRET_KEY).
pub const DEV_SECRET_KEY: [u8; 32] = *b"gwm-crm-local-development-key-00";

fn auth_settings(lookup: &impl Fn(&str) -> Option<String>, production: bool) -> Result<AuthSettings, ConfigError> {
    let secret_key = match lookup("GWM_SECRET_KEY") {
        Some(raw) => base64::engine::general_purpose::STANDARD
            .decode(raw.trim())
            .ok()
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .ok_or_else(|| ConfigError::Invalid {
                name: "GWM_SECRET_KEY",
                value: "<redacted>".to_string(),
                reason: "expected 32 bytes in base64 (make one with: openssl rand -base64 32)".to_string(),
            })?,
        None if production => {
            return Err(ConfigError::Missing {
                name: "GWM_SECRET_KEY",
                hint: "It seals MFA secrets. Make one with `openssl rand -base64 32` and keep it safe: \
                       losing it disables every enrolled authenticator.",
            });
        }
        None => DEV_SECRET_KEY,
    };
    let mut auth = AuthSettings::with_secret_key(secret_key);
    let number = |name: &'static str, default: i64, range: std::ops::RangeInclusive<i64>| -> Result<i64, ConfigError> {
        match lookup(name) {
            None => Ok(default),
            Some(raw) => raw.trim().parse::<i64>().ok().filter(|n| range.contains(n)).ok_or_else(|| {
                invalid(name, &raw, &format!("expected a whole number from {} to {}", range.start(), range.end()))
            }),
        }
    };
    auth.lockout_threshold = number("GWM_LOCKOUT_THRESHOLD", 5, 1..=100)? as i32;
    auth.lockout_duration = chrono::Duration::minutes(number("GWM_LOCKOUT_MINUTES", 15, 1..=1440)?);
    auth.idle_timeout = chrono::Duration::minutes(number("GWM_SESSION_IDLE_MINUTES", 30, 1..=1440)?);
    auth.session_lifetime = chrono::Duration::hours(number("GWM_SESSION_LIFETIME_HOURS", 12, 1..=168)?);
    auth.password_min_length = number("GWM_PASSWORD_MIN_LENGTH", 12, 8..=128)? as usize;
    auth.sign_in_attempts_per_minute = number("GWM_SIGN_IN_RATE_PER_MINUTE", 30, 1..=100_000)?;
    auth.https = match lookup("GWM_PUBLIC_SCHEME").as_deref() {
        None => production,
        Some("https") => true,
        Some("http") => false,
        Some(other) => return Err(invalid("GWM_PUBLIC_SCHEME", other, "use \"https\" or \"http\"")),
    };
    auth.trust_forwarded_for = lookup("GWM_TRUST_FORWARDED_FOR").is_some_and(|v| v == "true" || v == "1");
    // An explicit choice, never implied by the mode: a development server can be exposed too.
    auth.allow_private_fetches = lookup("GWM_ALLOW_PRIVATE_FETCHES").is_some_and(|v| v == "true" || v == "1");
    if auth.allow_private_fetches && production {
        return Err(invalid(
            "GWM_ALLOW_PRIVATE_FETCHES",
            "1",
            "private addresses are never fetched in production (LEPTOS_ENV=PROD)",
        ));
    }
    Ok(auth)
}

/// `GWM_STORAGE=local` (the default: files under `GWM_FILES_DIR`) or `s3`, which needs the bucket's
/// endpoint, name and keys.
/// `GWM_UPLOAD_TYPES`: the extensions uploads may carry, comma-separated (`pdf,docx,xlsx`); every kind
/// GWM CRM knows when unset.
fn upload_kinds(raw: Option<String>) -> Result<Vec<FileKind>, ConfigError> {
    let Some(raw) = raw else {
        return Ok(FileKind::ALL.to_vec());
    };
    let mut kinds = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let kind = FileKind::of_extension(part.trim_start_matches('.')).ok_or_else(|| {
            let known: Vec<&str> = FileKind::ALL.iter().map(|k| k.as_str()).collect();
            invalid(
                "GWM_UPLOAD_TYPES",
                &raw,
                &format!("{part:?} is not a kind GWM CRM accepts; choose from {}", known.join(", ")),
            )
        })?;
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    if kinds.is_empty() {
        return Err(invalid("GWM_UPLOAD_TYPES", &raw, "name at least one extension, like pdf,docx,xlsx"));
    }
    Ok(kinds)
}

fn storage_config(
    lookup: &impl Fn(&str) -> Option<String>,
    files_dir: &std::path::Path,
) -> Result<StorageConfig, ConfigError> {
    match lookup("GWM_STORAGE").as_deref() {
        None | Some("local") => Ok(StorageConfig::Local(files_dir.to_path_buf())),
        Some("s3") => {
            let required =
                |name: &'static str, hint: &'static str| lookup(name).ok_or(ConfigError::Missing { name, hint });
            let endpoint = required(
                "GWM_S3_ENDPOINT",
                "GWM_STORAGE=s3 needs the S3 endpoint URL, e.g. https://s3.us-gov-west-1.amazonaws.com.",
            )?;
            if !(endpoint.starts_with("https://") || endpoint.starts_with("http://")) {
                return Err(invalid("GWM_S3_ENDPOINT", &endpoint, "expected an http:// or https:// URL"));
            }
            let force_path_style = match lookup("GWM_S3_FORCE_PATH_STYLE").as_deref() {
                None | Some("true") | Some("1") => true,
                Some("false") | Some("0") => false,
                Some(other) => return Err(invalid("GWM_S3_FORCE_PATH_STYLE", other, "use \"true\" or \"false\"")),
            };
            Ok(StorageConfig::S3(S3Settings {
                endpoint,
                region: lookup("GWM_S3_REGION").unwrap_or_else(|| "us-east-1".to_string()),
                bucket: required("GWM_S3_BUCKET", "GWM_STORAGE=s3 needs the bucket that holds document files.")?,
                access_key_id: required(
                    "GWM_S3_ACCESS_KEY_ID",
                    "GWM_STORAGE=s3 needs the access key id of a key that may read and write the bucket.",
                )?,
                secret_access_key: required(
                    "GWM_S3_SECRET_ACCESS_KEY",
                    "GWM_STORAGE=s3 needs the secret of that access key.",
                )?,
                force_path_style,
            }))
        }
        Some(other) => Err(invalid("GWM_STORAGE", other, "use \"local\" or \"s3\"")),
    }
}

fn parse_db_url(name: &'static str, url: &str) -> Result<PgConnectOptions, ConfigError> {
    // The URL may hold a password: never echo it back.
    PgConnectOptions::from_str(url).map_err(|e| ConfigError::Invalid {
        name,
        value: "<redacted>".to_string(),
        reason: format!("{e}; expected postgres://user[:password]@host[:port]/database"),
    })
}

fn invalid(name: &'static str, value: &str, reason: &str) -> ConfigError {
    ConfigError::Invalid { name, value: value.to_string(), reason: reason.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn local_defaults() {
        let c = config(&[("DATABASE_URL", "postgres://gwm_owner@localhost/gwm")]).expect("config");
        assert_eq!(c.bind.to_string(), "127.0.0.1:3000");
        assert_eq!(c.app_db.get_username(), "gwm_app");
        assert_eq!(c.default_tenant.as_deref(), Some("demo"));
        assert_eq!(c.seed_demo, SeedDemo::Never);
        assert_eq!(c.log_format, LogFormat::Pretty);
    }

    #[test]
    fn production_has_no_default_tenant_and_logs_json() {
        let key = base64::engine::general_purpose::STANDARD.encode([1u8; 32]);
        let c = config(&[("DATABASE_URL", "postgres://o@db/gwm"), ("LEPTOS_ENV", "PROD"), ("GWM_SECRET_KEY", &key)])
            .expect("config");
        assert_eq!(c.default_tenant, None);
        assert_eq!(c.log_format, LogFormat::Json);
    }

    #[test]
    fn missing_database_url_says_what_to_do() {
        let err = config(&[]).expect_err("must be refused").to_string();
        assert!(err.contains("DATABASE_URL is not set"), "{err}");
        assert!(err.contains("scripts/run.sh"), "{err}");
    }

    #[test]
    fn bad_values_are_named_and_passwords_never_echoed() {
        let err =
            config(&[("DATABASE_URL", "postgres://u:hunter2@x:notaport/y")]).expect_err("must be refused").to_string();
        assert!(!err.contains("hunter2"), "{err}");
        let err = config(&[("DATABASE_URL", "postgres://o@db/gwm"), ("LEPTOS_SITE_ADDR", "nope")])
            .expect_err("must be refused")
            .to_string();
        assert!(err.contains("LEPTOS_SITE_ADDR"), "{err}");
        let err = config(&[("DATABASE_URL", "postgres://o@db/gwm"), ("GWM_DB_MAX_CONNECTIONS", "0")])
            .expect_err("must be refused")
            .to_string();
        assert!(err.contains("1 to 1000"), "{err}");
    }

    #[test]
    fn auth_defaults_and_limits() {
        let c = config(&[("DATABASE_URL", "postgres://o@db/gwm")]).expect("config");
        assert_eq!(c.auth.lockout_threshold, 5);
        assert_eq!(c.auth.lockout_duration, chrono::Duration::minutes(15));
        assert_eq!(c.auth.idle_timeout, chrono::Duration::minutes(30));
        assert_eq!(c.auth.session_lifetime, chrono::Duration::hours(12));
        assert!(!c.auth.https);
        let err = config(&[("DATABASE_URL", "postgres://o@db/gwm"), ("GWM_LOCKOUT_THRESHOLD", "0")])
            .expect_err("must be refused")
            .to_string();
        assert!(err.contains("GWM_LOCKOUT_THRESHOLD") && err.contains("1 to 100"), "{err}");
    }

    #[test]
    fn storage_is_local_by_default_and_s3_needs_its_settings() {
        let c = config(&[("DATABASE_URL", "postgres://o@db/gwm")]).expect("config");
        assert!(matches!(&c.storage, StorageConfig::Local(dir) if dir == &PathBuf::from("data/files")));
        assert_eq!(c.upload_max_bytes, 2048 * 1024 * 1024);
        let err = config(&[("DATABASE_URL", "postgres://o@db/gwm"), ("GWM_STORAGE", "s3")])
            .expect_err("must be refused")
            .to_string();
        assert!(err.contains("GWM_S3_ENDPOINT"), "{err}");
        let s3 = [
            ("DATABASE_URL", "postgres://o@db/gwm"),
            ("GWM_STORAGE", "s3"),
            ("GWM_S3_ENDPOINT", "http://127.0.0.1:9000"),
            ("GWM_S3_BUCKET", "docs"),
            ("GWM_S3_ACCESS_KEY_ID", "AKIA1"),
            ("GWM_S3_SECRET_ACCESS_KEY", "hunter2-secret"),
        ];
        let c = config(&s3).expect("config");
        let StorageConfig::S3(settings) = &c.storage else { panic!("expected S3") };
        assert_eq!(
            (settings.bucket.as_str(), settings.region.as_str(), settings.force_path_style),
            ("docs", "us-east-1", true)
        );
        assert!(!format!("{c:?}").contains("hunter2-secret"), "the secret must not be printable");
        let err = config(&[("DATABASE_URL", "postgres://o@db/gwm"), ("GWM_STORAGE", "ftp")])
            .expect_err("must be refused")
            .to_string();
        assert!(err.contains("GWM_STORAGE"), "{err}");
        let err = config(&[("DATABASE_URL", "postgres://o@db/gwm"), ("GWM_UPLOAD_MAX_MB", "0")])
            .expect_err("must be refused")
            .to_string();
        assert!(err.contains("GWM_UPLOAD_MAX_MB"), "{err}");
    }

    #[test]
    fn production_needs_a_secret_key_and_never_echoes_it() {
        let err = config(&[("DATABASE_URL", "postgres://o@db/gwm"), ("LEPTOS_ENV", "PROD")])
            .expect_err("must be refused")
            .to_string();
        assert!(err.contains("GWM_SECRET_KEY"), "{err}");
        let err = config(&[("DATABASE_URL", "postgres://o@db/gwm"), ("GWM_SECRET_KEY", "c2hvcnQ=")])
            .expect_err("must be refused")
            .to_string();
        assert!(err.contains("32 bytes") && !err.contains("c2hvcnQ="), "{err}");
        let key = base64::engine::general_purpose::STANDARD.encode([9u8; 32]);
        let c = config(&[("DATABASE_URL", "postgres://o@db/gwm"), ("LEPTOS_ENV", "PROD"), ("GWM_SECRET_KEY", &key)])
            .expect("config");
        assert_eq!(c.auth.secret_key.expose(), &[9u8; 32]);
        assert!(!format!("{c:?}").contains("9, 9, 9"), "the key is never printed");
        assert!(c.auth.https);
        let c = config(&[("DATABASE_URL", "postgres://o:hunter2@db/gwm"), ("GWM_SECRET_KEY", &key)]).expect("config");
        assert!(!format!("{c:?}").contains("hunter2"), "nor a database password: {c:?}");
    }
}
