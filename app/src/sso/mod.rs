//! Single sign-on through each tenant's SAML 2.0 identity provider: the admin's settings, and (server
//! side) starting a sign-in and consuming the IdP's response.
// The settings form posts one argument per field; the server-function macro copies the signature into the
// browser-side function, where an `allow` on the function does not reach.
#![allow(clippy::too_many_arguments)]

mod page;
#[cfg(feature = "ssr")]
pub mod saml;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use page::SsoPage;

use crate::{admin::RoleSummary, error::AppError, ids::RoleId};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the SSO settings page shows: this app's service-provider details and the IdP configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SsoOverview {
    pub sp_entity_id: String,
    pub sp_acs_url: String,
    pub sp_metadata_url: String,
    pub config: Option<SsoConfig>,
    pub roles: Vec<RoleSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SsoConfig {
    pub idp_entity_id: String,
    pub idp_sso_url: String,
    pub idp_metadata_url: Option<String>,
    pub attribute_email: String,
    pub attribute_first_name: String,
    pub attribute_last_name: String,
    pub attribute_groups: String,
    pub default_role_id: Option<RoleId>,
    pub jit_provisioning: bool,
    pub sso_only: bool,
    pub is_enabled: bool,
    /// "group = Role name" lines.
    pub group_mappings: Vec<(String, String)>,
}

/// One "group = Role name" line of the mapping box, parsed.
pub fn parse_group_mappings(text: &str) -> Result<Vec<(String, String)>, AppError> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate().map(|(n, l)| (n + 1, l.trim())) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (group, role) = line
            .split_once('=')
            .map(|(g, r)| (g.trim(), r.trim()))
            .filter(|(g, r)| !g.is_empty() && !r.is_empty())
            .ok_or_else(|| {
                AppError::Validation(format!("Group mapping line {n} should read \"group name = Role name\"."))
            })?;
        out.push((group.to_string(), role.to_string()));
    }
    Ok(out)
}

#[server(prefix = "/api", endpoint = "admin/sso/get")]
pub async fn load_sso_settings() -> Result<SsoOverview, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let (caller, mut tx) = Caller::start(Permission::AdminSso, Resource::Tenant).await?;
        let overview = ssr::settings::overview(&caller, &mut tx).await?;
        caller.commit(tx).await?;
        Ok(overview)
    })
    .await
}

/// Saves the IdP configuration. The metadata comes pasted (`metadata_xml`) or from `metadata_url`; left
/// empty, the stored metadata is kept. Checkboxes arrive as "on" or not at all.
#[server(prefix = "/api", endpoint = "admin/sso/save")]
pub async fn save_sso_settings(
    metadata_xml: Option<String>,
    metadata_url: Option<String>,
    attribute_email: String,
    attribute_first_name: String,
    attribute_last_name: String,
    attribute_groups: String,
    default_role_id: Option<String>,
    group_mappings: Option<String>,
    jit_provisioning: Option<String>,
    sso_only: Option<String>,
    is_enabled: Option<String>,
) -> Result<(), AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let form = ssr::settings::SettingsForm {
            metadata_xml: metadata_xml.filter(|x| !x.trim().is_empty()),
            metadata_url: metadata_url.map(|u| u.trim().to_string()).filter(|u| !u.is_empty()),
            attribute_email,
            attribute_first_name,
            attribute_last_name,
            attribute_groups,
            default_role_id: default_role_id.filter(|r| !r.trim().is_empty()),
            group_mappings: parse_group_mappings(group_mappings.as_deref().unwrap_or_default())?,
            jit_provisioning: jit_provisioning.is_some(),
            sso_only: sso_only.is_some(),
            is_enabled: is_enabled.is_some(),
        };
        // Authorized first; the download then happens outside the transaction (no connection held).
        let (caller, tx) = Caller::start(Permission::AdminSso, Resource::Tenant).await?;
        caller.commit(tx).await?;
        let fetched = match (&form.metadata_xml, &form.metadata_url) {
            (None, Some(url)) => {
                Some(ssr::settings::fetch_metadata(url, caller.state.settings.auth.allow_private_fetches).await?)
            }
            _ => None,
        };
        let (mut tx, _) = caller.enter(Permission::AdminSso, Resource::Tenant).await?;
        ssr::settings::save(&caller, &mut tx, form, fetched).await?;
        caller.commit(tx).await
    })
    .await
}
