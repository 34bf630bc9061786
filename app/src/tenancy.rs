//! Which tenant a request is for: the subdomain of the address (`acme.gwm.example`); where no subdomain is
//! in use, the signed-in session's tenant, the organization typed on the sign-in page, or (local runs) the
//! configured default tenant.

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
    use super::TenantRef;
    use crate::cache::TtlCache;
    use crate::ids::TenantId;
    use sqlx::PgPool;
    use std::time::Duration;

    #[derive(sqlx::FromRow)]
    struct TenantRow {
        id: TenantId,
        name: String,
        is_active: bool,
        subscription_status: crate::domain::SubscriptionStatus,
    }

    /// The active tenant with this subdomain. Inactive, suspended and cancelled tenants are not served.
    pub async fn active_tenant(pool: &PgPool, subdomain: &str) -> Result<Option<TenantRef>, sqlx::Error> {
        let subdomain = subdomain.trim().to_ascii_lowercase();
        let mut tx = pool.begin().await?;
        let row: Option<TenantRow> =
            sqlx::query_as("SELECT id, name, is_active, subscription_status FROM tenant_by_subdomain($1)")
                .bind(&subdomain)
                .fetch_optional(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(row.filter(|t| t.is_active && t.subscription_status.is_served()).map(|t| TenantRef {
            id: t.id,
            name: t.name,
            subdomain,
        }))
    }

    /// Tenants by subdomain, remembered for a few seconds. Every request first asks which tenant its address
    /// is, and the answer almost never changes. Signed-in requests check their tenant's status again with
    /// the session on every request, so a suspension still ends sessions at once; only a just-suspended
    /// tenant's sign-in page can show for a few seconds more (and signing in there ends on the next request).
    pub struct TenantDirectory(TtlCache<String, Option<TenantRef>>);

    impl Default for TenantDirectory {
        fn default() -> TenantDirectory {
            // Unknown subdomains are remembered too, within the bound.
            TenantDirectory(TtlCache::new(Duration::from_secs(5), 10_000))
        }
    }

    impl TenantDirectory {
        /// `active_tenant`, answered from memory when asked within the last few seconds.
        pub async fn active(&self, pool: &PgPool, subdomain: &str) -> Result<Option<TenantRef>, sqlx::Error> {
            let key = subdomain.trim().to_ascii_lowercase();
            if let Some(known) = self.0.get(&key) {
                return Ok(known);
            }
            let found = active_tenant(pool, &key).await?;
            self.0.insert(key, found.clone());
            Ok(found)
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
