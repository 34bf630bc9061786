//! The running server over HTTP: health, the server-rendered project list, the list server function,
//! tenant resolution, bad input, and the demo data.

mod common;

use common::TestApp;
use serde_json::Value;

#[tokio::test]
async fn health_reports_the_database() {
    let app = TestApp::spawn(common::TestDb::new().await, &[]).await;
    let res = app.get_as(None, "/healthz").await;
    assert_eq!(res.status(), 200);
    assert!(res.headers().contains_key("x-request-id"));
    let body: Value = res.json().await.expect("json");
    assert_eq!(body, serde_json::json!({ "status": "ok", "database": "ok", "storage": "ok" }));
}

#[tokio::test]
async fn the_project_list_is_rendered_on_the_server_with_security_headers() {
    let app = TestApp::with_demo().await;
    let signed_out = app.get_as(None, "/projects").await;
    assert_eq!(signed_out.status(), 303);
    assert_eq!(signed_out.headers()["location"], "/sign-in?next=/projects");
    let res = app.demo_user("admin").await.get("/projects").await;
    assert_eq!(res.status(), 200);
    let headers = res.headers().clone();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let csp = headers["content-security-policy"].to_str().expect("csp").to_string();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    // Inline scripts only with this response's nonce, which the page's scripts carry.
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let nonce = csp.split("'nonce-").nth(1).and_then(|r| r.split('\'').next()).expect("a nonce in the CSP").to_string();
    assert_eq!(headers["x-frame-options"], "DENY");
    assert!(headers.contains_key("x-request-id"));
    // The id is always the server's own, whatever the client sends.
    let spoofed = reqwest::Client::new().get(app.url("/healthz")).header("x-request-id", "forged-id").send().await.expect("get");
    assert_ne!(spoofed.headers()["x-request-id"], "forged-id");
    let html = res.text().await.expect("html");
    assert!(html.contains("Opportunity projects"), "{html}");
    assert!(html.contains("Demo Federal Solutions"));
    assert!(html.contains("1–50 of 60 pursuits"), "the first page of the table");
    assert_eq!(html.matches("<tr>").count(), 51, "50 rows plus the header");
    assert!(html.contains("/pkg/gwm_crm.js"), "hydration script missing");
    assert!(html.contains(&format!("nonce=\"{nonce}\"")), "the hydration script must carry the CSP nonce");
    // Another page load, another nonce.
    let again = app.demo_user("admin").await.get("/projects").await;
    assert!(!again.headers()["content-security-policy"].to_str().expect("csp").contains(&nonce));
}

#[tokio::test]
async fn the_root_is_the_dashboard_and_unknown_pages_are_404() {
    let app = TestApp::with_demo().await;
    let browser = app.demo_user("taylor.brooks").await;
    let res = browser.get("/").await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.expect("html").contains("Pipeline value by stage"));
    let res = browser.get("/no/such/page").await;
    assert_eq!(res.status(), 404);
    assert!(res.text().await.expect("html").contains("This page does not exist"));
}

#[tokio::test]
async fn the_table_server_function_pages_and_validates() {
    let app = TestApp::with_demo().await;
    let browser = app.demo_user("sam.okafor").await;
    let body = browser.ok("/api/projects/table", &[("query[page]", "2")]).await;
    assert_eq!(body["rows"].as_array().map(Vec::len), Some(10));
    assert_eq!(body["total"], 60);

    for bad in ["0", "10001", "-3"] {
        let res = browser.call("/api/projects/table", &[("query[page]", bad)]).await;
        let status = res.status();
        let body: Value = res.json().await.expect("json error");
        assert_eq!(status, 422, "page={bad}: {body}");
        let message = body["Validation"].as_str().unwrap_or_default();
        assert!(message.contains("1 to 10000"), "{body}");
    }
    // Not a number at all: a clear client error, never a 500.
    let res = browser.call("/api/projects/table", &[("query[page]", "lots")]).await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.expect("json error");
    assert!(body["Validation"].as_str().unwrap_or_default().starts_with("The request was malformed"), "{body}");
}

#[tokio::test]
async fn each_subdomain_sees_only_its_own_tenant() {
    let app = TestApp::with_demo().await;
    app.add_tenant("acme", 3, true).await;
    app.add_tenant("gone", 2, false).await;

    let acme = app.signed_in(Some("acme"), "viewer@acme.test", common::TENANT_PASSWORD).await;
    let body: Value = acme.ok("/api/projects/table", &[]).await;
    assert_eq!(acme.ok("/api/dashboard", &[]).await["tenant_name"], "acme Corp");
    assert_eq!(body["total"], 3);
    let names: Vec<&str> = body["rows"].as_array().expect("array").iter().filter_map(|p| p["project_name"].as_str()).collect();
    assert!(names.iter().all(|n| n.starts_with("acme pursuit")), "{names:?}");

    let demo_user = app.signed_in(Some("demo"), "admin@demo.gwm.test", common::DEMO_PASSWORD).await;
    let demo: Value = demo_user.ok("/api/projects/table", &[]).await;
    assert_eq!(demo["total"], 60);
    // acme's session cookie means nothing at demo's address, and acme's users do not exist there.
    let crossed = app.browser(Some("demo"));
    let res = crossed.sign_in(None, "viewer@acme.test", common::TENANT_PASSWORD).await;
    assert_eq!(res.status(), 401);

    for missing in ["nope", "gone"] {
        let res = app.call(Some(missing), "/api/projects/table", &[]).await;
        assert_eq!(res.status(), 404, "{missing}");
        let body: Value = res.json().await.expect("json");
        assert_eq!(body["UnknownTenant"], missing);
        let page = app.get_as(Some(missing), "/projects").await.text().await.expect("html");
        assert!(page.contains("No active organization is available"), "{missing}");
    }
}

#[tokio::test]
async fn without_a_default_tenant_the_bare_address_serves_no_data() {
    let db = common::TestDb::new().await;
    let app = TestApp::spawn(db, &[("GWM_SEED_DEMO", "if-empty"), ("GWM_DEFAULT_TENANT", "-")]).await;
    let res = app.call(None, "/api/projects/table", &[]).await;
    assert_eq!(res.status(), 401);
    // Signing in at the bare address needs the organization field.
    let browser = app.browser(None);
    let res = browser.sign_in(None, "admin@demo.gwm.test", common::DEMO_PASSWORD).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.expect("body").contains("organization"));
    let res = browser.sign_in(Some("nosuch"), "admin@demo.gwm.test", common::DEMO_PASSWORD).await;
    assert_eq!(res.status(), 401);
    assert!(res.text().await.expect("body").contains("No active organization"));
    let res = browser.sign_in(Some("demo"), "admin@demo.gwm.test", common::DEMO_PASSWORD).await;
    assert_eq!(res.status(), 200);
    let ok: Value = browser.ok("/api/projects/table", &[]).await;
    assert_eq!(ok["total"], 60);
}

#[tokio::test]
async fn the_demo_tenant_is_complete_and_created_once() {
    let app = TestApp::with_demo().await;
    let owner = app.db.owner_pool().await;
    let tenant: uuid::Uuid = sqlx::query_scalar("SELECT id FROM tenants WHERE subdomain = 'demo'")
        .fetch_one(&owner)
        .await
        .expect("demo tenant");
    let mut tx = owner.begin().await.expect("tx");
    sqlx::query("SELECT set_config('app.current_tenant_id', $1, true)").bind(tenant.to_string()).execute(&mut *tx).await.expect("set");
    let stages: Vec<(String, i64)> =
        sqlx::query_as("SELECT pipeline_stage, count(*) FROM opportunity_projects GROUP BY 1 ORDER BY 1")
            .fetch_all(&mut *tx)
            .await
            .expect("stages");
    assert_eq!(stages.len(), 9, "every stage has projects: {stages:?}");
    assert_eq!(stages.iter().map(|(_, n)| n).sum::<i64>(), 60);
    let roles: i64 = sqlx::query_scalar("SELECT count(DISTINCT role_id) FROM user_roles").fetch_one(&mut *tx).await.expect("roles");
    assert_eq!(roles, 5, "a user in each system role");
    let (with_solicitation, with_snapshot, orgs, contacts, activities, hashed): (i64, i64, i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM opportunity_projects WHERE solicitation_number IS NOT NULL AND agency_name IS NOT NULL), \
                (SELECT count(*) FROM external_opportunity_data WHERE is_current_version AND naics_codes IS NOT NULL \
                   AND set_aside_type IS NOT NULL AND estimated_value_max > 0 AND response_due_date IS NOT NULL), \
                (SELECT count(*) FROM organizations), (SELECT count(*) FROM contacts), (SELECT count(*) FROM activities), \
                (SELECT count(*) FROM users WHERE password_hash LIKE '$argon2id$%')",
    )
    .fetch_one(&mut *tx)
    .await
    .expect("counts");
    assert_eq!((with_solicitation, with_snapshot), (60, 60));
    assert!(orgs >= 12 && contacts >= 24 && activities >= 150, "{orgs} {contacts} {activities}");
    assert_eq!(hashed, 7);
    tx.rollback().await.expect("rollback");

    // Seeding again changes nothing.
    assert!(gwm_crm::demo::seed_if_missing(&owner, "x").await.expect("seed").is_none());
    assert!(gwm_crm::demo::seed_if_empty(&owner, "x").await.expect("seed").is_none());
    let tenants: i64 = sqlx::query_scalar("SELECT count(*) FROM tenants").fetch_one(&owner).await.expect("tenants");
    assert_eq!(tenants, 1);
}

#[tokio::test]
async fn the_user_menu_is_answered_from_the_session() {
    let app = TestApp::with_demo().await;
    let me = app.demo_user("jordan.reyes").await.ok("/api/auth/signed-in-as", &[]).await;
    assert_eq!((me["name"].as_str(), me["organization"].as_str()), (Some("Jordan Reyes"), Some("Demo Federal Solutions")));
    assert_eq!(app.call(Some("demo"), "/api/auth/signed-in-as", &[]).await.status(), 401, "signed out: nobody");
}
