//! Storing and loading a tenant's IdP configuration. A configuration without a signing certificate is
//! refused (samael would otherwise accept unsigned responses).

use super::service_provider;
use crate::{
    admin::queries as admin_q,
    audit::{AuditAction, AuditEvent, RiskLevel},
    auth::ssr::Caller,
    db::Tx,
    error::AppError,
    ids::RoleId,
    input::parse_id,
    sso::{SsoConfig, SsoOverview, saml},
};

pub struct SettingsForm {
    pub metadata_xml: Option<String>,
    pub metadata_url: Option<String>,
    pub attribute_email: String,
    pub attribute_first_name: String,
    pub attribute_last_name: String,
    pub attribute_groups: String,
    pub default_role_id: Option<String>,
    pub group_mappings: Vec<(String, String)>,
    pub jit_provisioning: bool,
    pub sso_only: bool,
    pub is_enabled: bool,
}

#[derive(sqlx::FromRow)]
pub struct StoredConfig {
    pub idp_metadata_xml: String,
    pub idp_metadata_url: Option<String>,
    pub idp_entity_id: String,
    pub idp_sso_url: String,
    pub attribute_email: String,
    pub attribute_first_name: String,
    pub attribute_last_name: String,
    pub attribute_groups: String,
    pub default_role_id: Option<RoleId>,
    pub jit_provisioning: bool,
    pub sso_only: bool,
    pub is_enabled: bool,
}

pub async fn stored(tx: &mut Tx) -> Result<Option<StoredConfig>, sqlx::Error> {
    sqlx::query_as(
        "SELECT idp_metadata_xml, idp_metadata_url, idp_entity_id, idp_sso_url, attribute_email, attribute_first_name, \
                attribute_last_name, attribute_groups, default_role_id, jit_provisioning, sso_only, is_enabled \
           FROM saml_configurations FOR UPDATE",
    )
    .fetch_optional(&mut **tx)
    .await
}

/// group -> role name, and group -> role id.
pub async fn group_mappings(tx: &mut Tx) -> Result<Vec<(String, String, RoleId)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT m.group_name, r.name, r.id FROM saml_group_role_mappings m \
           JOIN roles r ON r.tenant_id = m.tenant_id AND r.id = m.role_id ORDER BY m.group_name, r.name",
    )
    .fetch_all(&mut **tx)
    .await
}

pub async fn overview(caller: &Caller, tx: &mut Tx) -> Result<SsoOverview, AppError> {
    let sp = service_provider(&caller.request, caller.state.settings.auth.https);
    let config = stored(tx).await?;
    let mappings = group_mappings(tx).await?;
    Ok(SsoOverview {
        sp_metadata_url: sp.entity_id.clone(),
        sp_entity_id: sp.entity_id,
        sp_acs_url: sp.acs_url,
        config: config.map(|c| SsoConfig {
            idp_entity_id: c.idp_entity_id,
            idp_sso_url: c.idp_sso_url,
            idp_metadata_url: c.idp_metadata_url,
            attribute_email: c.attribute_email,
            attribute_first_name: c.attribute_first_name,
            attribute_last_name: c.attribute_last_name,
            attribute_groups: c.attribute_groups,
            default_role_id: c.default_role_id,
            jit_provisioning: c.jit_provisioning,
            sso_only: c.sso_only,
            is_enabled: c.is_enabled,
            group_mappings: mappings.into_iter().map(|(g, r, _)| (g, r)).collect(),
        }),
        roles: admin_q::list_roles(tx).await?,
    })
}

const MAX_METADATA_BYTES: usize = 1024 * 1024;

/// Downloads IdP metadata: https to a public address (http and internal addresses only in local runs and
/// tests), no redirects, 10 s, 1 MiB at most. The address checked is the one connected to.
pub async fn fetch_metadata(url: &str, allow_private: bool) -> Result<String, AppError> {
    let bad = |m: &str| AppError::Validation(format!("The metadata could not be fetched from {url}: {m}."));
    let parsed =
        reqwest::Url::parse(url).map_err(|_| AppError::Validation("The metadata URL is not a valid URL.".into()))?;
    match parsed.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => return Err(AppError::Validation("The metadata URL must start with https://.".into())),
    }
    let client = crate::outbound::client_for(&parsed, allow_private, std::time::Duration::from_secs(10))
        .await
        .map_err(|e| match e {
            crate::outbound::Refused::Internal => {
                AppError::Validation("The metadata URL points to an internal address, which is not allowed.".into())
            }
            e => bad(&e.to_string()),
        })?;
    let mut res = client.get(parsed).send().await.map_err(|_| bad("the server could not be reached"))?;
    if !res.status().is_success() {
        return Err(bad(&format!("the server answered {}", res.status().as_u16())));
    }
    let mut body = Vec::new();
    while let Some(chunk) = res.chunk().await.map_err(|_| bad("the download was interrupted"))? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_METADATA_BYTES {
            return Err(bad("the document is larger than 1 MiB"));
        }
    }
    String::from_utf8(body).map_err(|_| bad("the document is not UTF-8 text"))
}

fn attribute(label: &str, value: &str) -> Result<String, AppError> {
    crate::input::required_text(label, value, 255)
}

pub async fn save(caller: &Caller, tx: &mut Tx, form: SettingsForm, fetched: Option<String>) -> Result<(), AppError> {
    let before = stored(tx).await?;
    let metadata = match (form.metadata_xml.clone(), fetched, &before) {
        (Some(xml), _, _) | (None, Some(xml), _) => xml,
        (None, None, Some(b)) => b.idp_metadata_xml.clone(),
        (None, None, None) => {
            return Err(AppError::Validation(
                "Paste your identity provider's metadata XML or give its metadata URL.".into(),
            ));
        }
    };
    let idp = saml::parse_idp_metadata(&metadata).map_err(|e| AppError::Validation(e.to_string()))?;
    let default_role: Option<RoleId> = form.default_role_id.as_deref().map(|r| parse_id("Role", r)).transpose()?;
    let roles = admin_q::list_roles(tx).await?;
    if let Some(id) = default_role
        && !roles.iter().any(|r| r.id == id)
    {
        return Err(AppError::NotFound("Role".into()));
    }
    if form.jit_provisioning && default_role.is_none() && form.group_mappings.is_empty() {
        return Err(AppError::Validation(
            "New SSO users need a role: choose a default role or map groups to roles.".into(),
        ));
    }
    let mut mapped = Vec::new();
    for (group, role_name) in &form.group_mappings {
        let role = roles.iter().find(|r| r.name.eq_ignore_ascii_case(role_name)).ok_or_else(|| {
            AppError::Validation(format!("Group \"{group}\" is mapped to \"{role_name}\", which is not a role here."))
        })?;
        mapped.push((group.clone(), role.id));
    }
    // "No more than you hold": a default role or a group mapping that is new must not hand SSO users
    // permissions the admin does not hold (what another admin set up before may stay as it is).
    let before_mappings = group_mappings(tx).await?;
    let before_default = before.as_ref().and_then(|b| b.default_role_id);
    let mut granted: Vec<crate::auth::Permission> = Vec::new();
    let newly_pointed = mapped
        .iter()
        .filter(|(group, role)| !before_mappings.iter().any(|(g, _, r)| g == group && r == role))
        .map(|(_, role)| *role)
        .chain(default_role.filter(|d| Some(*d) != before_default));
    for role in newly_pointed {
        granted.extend(roles.iter().filter(|r| r.id == role).flat_map(|r| r.permissions.iter().copied()));
    }
    crate::admin::ensure_within_own_permissions(
        caller,
        tx,
        &granted,
        "map SSO users to a role with permissions you do not hold yourself",
    )
    .await?;
    let (email, first, last, groups) = (
        attribute("Email attribute", &form.attribute_email)?,
        attribute("First name attribute", &form.attribute_first_name)?,
        attribute("Last name attribute", &form.attribute_last_name)?,
        attribute("Groups attribute", &form.attribute_groups)?,
    );
    sqlx::query(
        "INSERT INTO saml_configurations (tenant_id, idp_metadata_xml, idp_metadata_url, idp_entity_id, idp_sso_url, \
            attribute_email, attribute_first_name, attribute_last_name, attribute_groups, default_role_id, \
            jit_provisioning, sso_only, is_enabled, updated_by) \
         VALUES (app_current_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
         ON CONFLICT (tenant_id) DO UPDATE SET idp_metadata_xml = EXCLUDED.idp_metadata_xml, \
            idp_metadata_url = EXCLUDED.idp_metadata_url, idp_entity_id = EXCLUDED.idp_entity_id, \
            idp_sso_url = EXCLUDED.idp_sso_url, attribute_email = EXCLUDED.attribute_email, \
            attribute_first_name = EXCLUDED.attribute_first_name, attribute_last_name = EXCLUDED.attribute_last_name, \
            attribute_groups = EXCLUDED.attribute_groups, default_role_id = EXCLUDED.default_role_id, \
            jit_provisioning = EXCLUDED.jit_provisioning, sso_only = EXCLUDED.sso_only, \
            is_enabled = EXCLUDED.is_enabled, updated_by = EXCLUDED.updated_by",
    )
    .bind(&metadata)
    .bind(form.metadata_url.clone().or_else(|| {
        if form.metadata_xml.is_some() { None } else { before.as_ref().and_then(|b| b.idp_metadata_url.clone()) }
    }))
    .bind(&idp.entity_id)
    .bind(&idp.sso_url)
    .bind(&email)
    .bind(&first)
    .bind(&last)
    .bind(&groups)
    .bind(default_role)
    .bind(form.jit_provisioning)
    .bind(form.sso_only)
    .bind(form.is_enabled)
    .bind(caller.user.id)
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM saml_group_role_mappings").execute(&mut **tx).await?;
    for (group, role) in &mapped {
        sqlx::query("INSERT INTO saml_group_role_mappings (tenant_id, group_name, role_id) VALUES (app_current_tenant_id(), $1, $2) ON CONFLICT DO NOTHING")
            .bind(group)
            .bind(role)
            .execute(&mut **tx)
            .await
            ?;
    }
    let snapshot = |entity: &str, sso_only: bool, enabled: bool, jit: bool| serde_json::json!({ "idp_entity_id": entity, "sso_only": sso_only, "is_enabled": enabled, "jit_provisioning": jit });
    let mut event = AuditEvent::new(
        AuditAction::ConfigChange,
        "saml_configuration",
        None,
        format!("SAML SSO settings saved (IdP {})", idp.entity_id),
    )
    .after({
        let mut after = snapshot(&idp.entity_id, form.sso_only, form.is_enabled, form.jit_provisioning);
        after["group_mappings"] = serde_json::json!(form.group_mappings);
        after
    })
    .risk(RiskLevel::High);
    if let Some(b) = before {
        event = event.before(snapshot(&b.idp_entity_id, b.sso_only, b.is_enabled, b.jit_provisioning));
    }
    caller.audit(tx, event).await
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn production_refuses_http_and_internal_addresses() {
        let err = super::fetch_metadata("http://idp.example.com/metadata", false)
            .await
            .expect_err("must be refused")
            .to_string();
        assert!(err.contains("https://"), "{err}");
        let err = super::fetch_metadata("https://127.0.0.1:9/metadata", false)
            .await
            .expect_err("must be refused")
            .to_string();
        assert!(err.contains("internal address"), "{err}");
        let err = super::fetch_metadata("https://169.254.169.254/latest/meta-data", false)
            .await
            .expect_err("must be refused")
            .to_string();
        assert!(err.contains("internal address"), "{err}");
    }
}
