//! Which tenant a request is for: the subdomain of the address (`acme.gwm.example`), or the configured
//! default tenant where no subdomain is in use (local runs).

use crate::ids::TenantId;
use serde::{Deserialize, Serialize};

/// The tenant a request is served for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantRef {
    pub id: TenantId,
    pub name: String,
    pub subdomain: String,
}

/// The tenant subdomain in `host` (which may carry a port), if `host` is a subdomain of `base_domain`.
/// Only one label deep: `a.b.base` is not a tenant address.
pub fn subdomain_of(host: &str, base_domain: &str) -> Option<String> {
    let host = host.trim().trim_end_matches('.');
    let host = match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    };
    let host = host.to_ascii_lowercase();
    let base = base_domain.trim().trim_end_matches('.').to_ascii_lowercase();
    let label = host.strip_suffix(&base)?.strip_suffix('.')?;
    let valid = !label.is_empty()
        && label.len() <= 63
        && !label.contains('.')
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    valid.then(|| label.to_string())
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{subdomain_of, TenantRef};
    use crate::{error::AppError, ids::TenantId, state::Settings};
    use sqlx::PgPool;

    #[derive(sqlx::FromRow)]
    struct TenantRow {
        id: TenantId,
        name: String,
        is_active: bool,
        subscription_status: String,
    }

    /// Resolves the request's tenant. Inactive, suspended and cancelled tenants are not served.
    pub async fn resolve_tenant(
        pool: &PgPool,
        settings: &Settings,
        host: &str,
        request_id: &str,
    ) -> Result<TenantRef, AppError> {
        let subdomain = subdomain_of(host, &settings.base_domain)
            .or_else(|| settings.default_tenant.clone())
            .ok_or_else(|| AppError::UnknownTenant(host.to_string()))?;
        let row: Option<TenantRow> =
            sqlx::query_as("SELECT id, name, is_active, subscription_status FROM tenant_by_subdomain($1)")
                .bind(&subdomain)
                .fetch_optional(pool)
                .await
                .map_err(|e| AppError::from_db(e, request_id))?;
        match row {
            Some(t) if t.is_active && matches!(t.subscription_status.as_str(), "trial" | "active") => {
                Ok(TenantRef { id: t.id, name: t.name, subdomain })
            }
            _ => Err(AppError::UnknownTenant(subdomain)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::subdomain_of;

    #[test]
    fn finds_the_tenant_label() {
        assert_eq!(subdomain_of("acme.gwm.example", "gwm.example").as_deref(), Some("acme"));
        assert_eq!(subdomain_of("Acme.LOCALHOST:3000", "localhost").as_deref(), Some("acme"));
    }

    #[test]
    fn bare_base_domain_and_ip_addresses_have_no_tenant() {
        assert_eq!(subdomain_of("localhost:3000", "localhost"), None);
        assert_eq!(subdomain_of("127.0.0.1:3000", "localhost"), None);
        assert_eq!(subdomain_of("gwm.example", "gwm.example"), None);
    }

    #[test]
    fn refuses_nested_and_lookalike_hosts() {
        assert_eq!(subdomain_of("a.b.gwm.example", "gwm.example"), None);
        assert_eq!(subdomain_of("acmegwm.example", "gwm.example"), None);
        assert_eq!(subdomain_of("-acme.gwm.example", "gwm.example"), None);
        assert_eq!(subdomain_of("ac_me.gwm.example", "gwm.example"), None);
    }
}
