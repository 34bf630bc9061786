//! SAML SSO over HTTP: settings validation and isolation, SP metadata, sign-in start, and the ACS refusing
//! what it must (unknown or reused RelayState, tampered responses), with audit rows. The full sign-in
//! through a real IdP is the Playwright test end2end/tests/sso.spec.ts.

use crate::common::{Browser, TestApp, status_and_message};
use serde_json::Value;

const IDP_METADATA: &str = include_str!("../../app/tests/fixtures/saml/simplesamlphp-idp-metadata.xml");

async fn configure(admin: &Browser, extra: &[(&str, &str)]) -> (u16, String) {
    let mut form = vec![
        ("metadata_xml", IDP_METADATA),
        ("attribute_email", "email"),
        ("attribute_first_name", "givenName"),
        ("attribute_last_name", "sn"),
        ("attribute_groups", "groups"),
        ("group_mappings", "capture-team = Capture manager"),
        ("jit_provisioning", "on"),
        ("is_enabled", "on"),
    ];
    for (key, value) in extra {
        form.retain(|(k, _)| k != key);
        form.push((key, value));
    }
    status_and_message(admin.call("/api/admin/sso/save", &form).await).await
}

#[tokio::test]
async fn sso_settings_refuse_what_cannot_be_verified_and_explain() {
    let app = TestApp::with_demo().await;
    app.add_tenant("acme", 0, true).await;
    let admin = app.demo_user("admin").await;
    let no_cert = IDP_METADATA.replace("use=\"signing\"", "use=\"encryption\"");
    let (s, m) = status_and_message(
        admin
            .call(
                "/api/admin/sso/save",
                &[
                    ("metadata_xml", no_cert.as_str()),
                    ("attribute_email", "email"),
                    ("attribute_first_name", "a"),
                    ("attribute_last_name", "b"),
                    ("attribute_groups", "g"),
                    ("group_mappings", "x = Viewer"),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(s, 422);
    assert!(m.contains("signing certificate"), "{m}");
    let (s, m) = status_and_message(
        admin
            .call(
                "/api/admin/sso/save",
                &[
                    ("metadata_xml", "<md:EntityDescriptor xmlns:md=\"x\"><unclosed>"),
                    ("attribute_email", "email"),
                    ("attribute_first_name", "a"),
                    ("attribute_last_name", "b"),
                    ("attribute_groups", "g"),
                ],
            )
            .await,
    )
    .await;
    assert_eq!((s, m.contains("metadata was refused")), (422, true), "{m}");
    let (s, m) = configure(&admin, &[("group_mappings", "capture-team = Astronaut")]).await;
    assert_eq!((s, m.contains("Astronaut")), (422, true), "{m}");
    let (s, m) = configure(&admin, &[("group_mappings", "just a group")]).await;
    assert_eq!((s, m.contains("line 1")), (422, true), "{m}");
    // Security finding (SSRF): other schemes, plain http and private addresses are refused unless the operator
    // allows them explicitly (GWM_ALLOW_PRIVATE_FETCHES), whatever the mode.
    for (url, says) in [
        ("ftp://idp.example/metadata", "https://"),
        ("http://127.0.0.1:9/metadata", "https://"),
        ("https://[::ffff:127.0.0.1]:9/metadata", "internal address"),
    ] {
        let form = [
            ("metadata_url", url),
            ("attribute_email", "email"),
            ("attribute_first_name", "a"),
            ("attribute_last_name", "b"),
            ("attribute_groups", "g"),
        ];
        let (s, m) = status_and_message(admin.call("/api/admin/sso/save", &form).await).await;
        assert_eq!((s, m.contains(says)), (422, true), "{url}: {m}");
    }
    // Another tenant's role as the default: not found.
    let acme = app.signed_in(Some("acme"), "tenant_admin@acme.test", crate::common::TENANT_PASSWORD).await;
    let acme_roles = acme.ok("/api/admin/roles/list", &[]).await;
    let foreign_role = acme_roles[0]["id"].as_str().expect("id").to_string();
    let (s, _) = configure(&admin, &[("default_role_id", &foreign_role)]).await;
    assert_eq!(s, 404);
    // A viewer may not see or change SSO; the refusal is recorded.
    let viewer = app.demo_user("taylor.brooks").await;
    assert_eq!(configure(&viewer, &[]).await.0, 403);
    assert_eq!(viewer.call("/api/admin/sso/get", &[]).await.status(), 403);

    assert_eq!(configure(&admin, &[]).await.0, 200);
    let settings = admin.ok("/api/admin/sso/get", &[]).await;
    assert_eq!(settings["config"]["idp_entity_id"], "http://127.0.0.1:18124/saml2/idp/metadata.php");
    assert_eq!(settings["config"]["group_mappings"][0], serde_json::json!(["capture-team", "Capture manager"]));
    // Acme sees none of demo's configuration.
    assert_eq!(acme.ok("/api/admin/sso/get", &[]).await["config"], Value::Null);
    // Each tenant's SP metadata names its own address.
    let metadata = app.browser(Some("acme")).get("/saml/metadata").await;
    assert_eq!(metadata.status(), 200);
    let xml = metadata.text().await.expect("xml");
    assert!(xml.contains(&format!("http://acme.localhost:{}/saml/acs", app.addr.port())), "{xml}");
    // The sign-in page offers SSO at demo, not at acme.
    assert_eq!(app.browser(None).ok("/api/auth/options", &[]).await["sso_available"], true);
    assert_eq!(app.browser(Some("acme")).ok("/api/auth/options", &[]).await["sso_available"], false);
}

#[tokio::test]
async fn the_acs_refuses_unknown_reused_and_forged_responses() {
    let app = TestApp::with_demo().await;
    let admin = app.demo_user("admin").await;
    let browser = app.browser(None);
    // Not configured yet: a clear page, no redirect.
    let res = browser.get("/saml/login").await;
    assert_eq!(res.status(), 401);
    assert!(res.text().await.expect("html").contains("not set up"));
    assert_eq!(configure(&admin, &[]).await.0, 200);

    let res = browser.get("/saml/login?next=/projects").await;
    assert_eq!(res.status(), 303);
    let binding = res.headers()["set-cookie"].to_str().expect("cookie").to_string();
    assert!(
        binding.starts_with("gwm_sso_binding=") && binding.contains("HttpOnly") && binding.contains("Path=/saml/acs"),
        "{binding}"
    );
    let location = res.headers()["location"].to_str().expect("location").to_string();
    assert!(location.starts_with("http://127.0.0.1:18124/saml2/idp/SSOService.php?SAMLRequest="), "{location}");
    let relay =
        location.split("RelayState=").nth(1).expect("relay state").split('&').next().expect("relay").to_string();

    let acs = |form: Vec<(&'static str, String)>| {
        let browser = &browser;
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            // Cross-site, as an IdP's POST is: no Origin of ours.
            let res = browser.call_from(Some("http://127.0.0.1:18124"), "/saml/acs", &pairs).await;
            (res.status().as_u16(), res.text().await.expect("html"))
        }
    };
    let forged = base64_of(include_str!("../../app/tests/fixtures/saml/simplesamlphp-response.b64"));
    let (s, html) = acs(vec![("SAMLResponse", forged.clone()), ("RelayState", "0".repeat(64))]).await;
    assert_eq!(s, 400, "{html}");
    assert!(html.contains("expired, was already used"));
    // Security finding (login CSRF): the RelayState posted from another browser (an attacker's page, with
    // the attacker's own response) signs nobody in there and does not use the sign-in up.
    let other = app.browser(None);
    let res = other
        .call_from(
            Some("http://127.0.0.1:18124"),
            "/saml/acs",
            &[("SAMLResponse", forged.as_str()), ("RelayState", relay.as_str())],
        )
        .await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.expect("html").contains("another browser"));
    // A real IdP response, but for another request (and long expired): refused, audited.
    let (s, html) = acs(vec![("SAMLResponse", forged.clone()), ("RelayState", relay.clone())]).await;
    assert_eq!(s, 401, "{html}");
    assert!(html.contains("Single sign-on failed"));
    // The RelayState was consumed by that attempt.
    let (s, _) = acs(vec![("SAMLResponse", forged), ("RelayState", relay)]).await;
    assert_eq!(s, 400);
    let (s, _) = acs(vec![("RelayState", "x".into())]).await;
    assert_eq!(s, 400);
    // An oversized post is refused too, and both are on record.
    let (s, _) = acs(vec![("SAMLResponse", "A".repeat(3 * 1024 * 1024)), ("RelayState", "x".into())]).await;
    assert_eq!(s, 413);
    assert_eq!(app.count("SELECT count(*) FROM audit_logs WHERE entity_type = 'saml_request' AND (operation_description LIKE '%missing' OR operation_description LIKE '%could not be read%')").await, 2);
    let refused = app.count("SELECT count(*) FROM audit_logs WHERE action_type = 'login_failed' AND entity_type = 'saml_assertion' AND risk_level = 'high' AND NOT access_granted \
                             AND after_values->'response'->>'issuer' IS NOT NULL AND jsonb_array_length(after_values->'trusted_certificates_sha256') = 1").await;
    assert_eq!(refused, 1);
    // Each refusal is on record with what the response claimed: unknown, other browser, already used.
    let unbound = app.count("SELECT count(*) FROM audit_logs WHERE action_type = 'login_failed' AND entity_type = 'saml_request' AND NOT access_granted AND after_values->'response'->>'issuer' IS NOT NULL").await;
    assert_eq!(unbound, 3);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_logs WHERE after_values->>'reason' LIKE '%another browser%'").await,
        1
    );
    // Only SSO admins may run the test sign-in.
    assert_eq!(app.demo_user("jordan.reyes").await.get("/saml/login?test=1").await.status(), 403);
    assert_eq!(
        app.count(
            "SELECT count(*) FROM permission_audit WHERE permission_checked = 'admin.sso' AND NOT permission_granted"
        )
        .await,
        1
    );
    assert_eq!(admin.get("/saml/login?test=1").await.status(), 303);
}

/// The fixture is stored base64-encoded already; trim the newline.
fn base64_of(stored: &str) -> String {
    stored.trim().to_string()
}

/// Security finding: roles from IdP groups are reconciled at every sign-in (taken away when the person
/// leaves the group, audited), hand-given roles and an admin's deliberate removal hold, and the last holder
/// of an admin permission keeps it.
#[tokio::test]
async fn sso_roles_follow_the_groups_and_respect_what_admins_decide() {
    use app::{
        audit::Actor,
        ids::{RoleId, TenantId, UserId},
        sso::ssr::acs::reconcile_roles,
    };
    let app = TestApp::with_demo().await;
    let admin = app.demo_user("admin").await;
    let tenant = TenantId::from_uuid(app.id_of("SELECT id FROM tenants WHERE subdomain = 'demo'").await);
    app.owner_exec(
        "INSERT INTO users (tenant_id, email, first_name, last_name, is_saml_user, saml_id) \
         VALUES (app_current_tenant_id(), 'sso.person@example.gov', 'Sso', 'Person', true, 'sso-person')",
    )
    .await;
    let person = UserId::from_uuid(app.id_of("SELECT id FROM users WHERE email = 'sso.person@example.gov'").await);
    let mut roles = std::collections::HashMap::new();
    for name in ["Capture manager", "Viewer", "Proposal manager", "Tenant admin"] {
        roles.insert(name, RoleId::from_uuid(app.id_of(&format!("SELECT id FROM roles WHERE name = '{name}'")).await));
    }
    let actor = Actor {
        tenant_id: tenant,
        system_actor: None,
        user_id: Some(person),
        session_id: None,
        ip: None,
        user_agent: None,
        request_id: "sso-test".into(),
    };
    let sign_in = |groups_give: Vec<&'static str>| {
        let (pool, actor, roles) = (app.state.pool.clone(), actor.clone(), roles.clone());
        async move {
            let wanted: Vec<(RoleId, String)> = groups_give.iter().map(|n| (roles[n], n.to_string())).collect();
            let mut tx = crate::common::tenant_tx(&pool, tenant, None).await;
            reconcile_roles(&mut tx, person, &wanted, &actor).await.expect("reconcile");
            tx.commit().await.expect("commit");
        }
    };
    let held = || async {
        let mut tx = crate::common::tenant_tx(&app.state.pool, tenant, None).await;
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = $1 ORDER BY r.name",
        )
        .bind(person)
        .fetch_all(&mut *tx)
        .await
        .expect("roles");
        names
    };
    let person_id = person.to_string();
    let assignment_of = |role: &'static str| {
        let admin = &admin;
        let person_id = person_id.clone();
        async move {
            let detail = admin.ok("/api/admin/users/detail", &[("user_id", &person_id)]).await;
            detail["assignments"]
                .as_array()
                .expect("assignments")
                .iter()
                .find(|a| a["role_name"] == role)
                .expect("assignment")["id"]
                .as_str()
                .expect("id")
                .to_string()
        }
    };

    sign_in(vec!["Capture manager"]).await;
    assert_eq!(held().await, ["Capture manager"]);
    admin
        .ok(
            "/api/admin/users/assign-role",
            &[("user_id", &person_id), ("role_id", &roles["Proposal manager"].to_string())],
        )
        .await;
    // They leave the capture group: its role goes, the hand-given one stays.
    sign_in(vec!["Viewer"]).await;
    assert_eq!(held().await, ["Proposal manager", "Viewer"]);
    assert_eq!(app.count("SELECT count(*) FROM audit_logs WHERE operation_description LIKE 'SSO sign-in took away the role Capture manager%'").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM audit_logs WHERE operation_description = 'SSO sign-in gave the role Viewer from the person''s groups'").await, 1);
    // An admin takes the SSO role away: the next sign-in does not give it back.
    admin
        .ok(
            "/api/admin/users/remove-role",
            &[("user_id", &person_id), ("assignment_id", &assignment_of("Viewer").await)],
        )
        .await;
    sign_in(vec!["Viewer"]).await;
    assert_eq!(held().await, ["Proposal manager"]);
    // Given back by hand, it is the admin's: a sign-in without the group leaves it.
    admin
        .ok("/api/admin/users/assign-role", &[("user_id", &person_id), ("role_id", &roles["Viewer"].to_string())])
        .await;
    sign_in(vec![]).await;
    assert_eq!(held().await, ["Proposal manager", "Viewer"]);
    // The last holder of the admin permissions keeps them, on record, when the group no longer gives them.
    sign_in(vec!["Tenant admin"]).await;
    app.owner_exec("UPDATE users SET is_active = false WHERE email = 'admin@demo.gwm.test'").await;
    sign_in(vec![]).await;
    assert!(held().await.contains(&"Tenant admin".to_string()));
    assert_eq!(app.count("SELECT count(*) FROM audit_logs WHERE operation_description LIKE 'SSO sign-in kept the role Tenant admin%' AND risk_level = 'high'").await, 1);
}
