//! The running server over HTTP: health, the server-rendered project list, the list server function,
//! tenant resolution, bad input, and the demo data.

use crate::common::TestApp;
use app::projects::ProjectTable;
use serde_json::Value;

#[tokio::test]
async fn health_reports_the_database() {
    let app = TestApp::spawn(crate::common::TestDb::new().await, &[]).await;
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
    let spoofed =
        reqwest::Client::new().get(app.url("/healthz")).header("x-request-id", "forged-id").send().await.expect("get");
    assert_ne!(spoofed.headers()["x-request-id"], "forged-id");
    let html = res.text().await.expect("html");
    assert!(html.contains("Opportunity projects"), "{html}");
    assert!(html.contains("Demo Federal Solutions"));
    let pursuits = app.count("SELECT count(*) FROM opportunity_projects WHERE project_status <> 'archived'").await;
    assert!(html.contains(&format!("1–50 of {pursuits} pursuits")), "the first page of the table");
    assert_eq!(html.matches("<tr>").count(), 51, "50 rows plus the header");
    // The bundle's name is the build's (fingerprinted when a site was built, plain when none was).
    let bundle = app.state.leptos_options.output_name.to_string();
    assert!(bundle.starts_with("gwm_crm"), "{bundle}");
    assert!(html.contains(&format!("/pkg/{bundle}.js")), "hydration script missing");
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
    let table: ProjectTable = browser.answer("/api/projects/table", &[("query[page]", "2")]).await;
    let pursuits = app.count("SELECT count(*) FROM opportunity_projects WHERE project_status <> 'archived'").await;
    assert!(pursuits > 50, "the demo fills a second page");
    assert_eq!((table.rows.len() as i64, table.total), ((pursuits - 50).min(50), pursuits));

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

    let acme = app.signed_in(Some("acme"), "viewer@acme.test", crate::common::TENANT_PASSWORD).await;
    let body: Value = acme.ok("/api/projects/table", &[]).await;
    assert_eq!(acme.ok("/api/dashboard", &[]).await["tenant_name"], "acme Corp");
    assert_eq!(body["total"], 3);
    let names: Vec<&str> =
        body["rows"].as_array().expect("array").iter().filter_map(|p| p["project_name"].as_str()).collect();
    assert!(names.iter().all(|n| n.starts_with("acme pursuit")), "{names:?}");

    let demo_user = app.signed_in(Some("demo"), "admin@demo.gwm.test", crate::common::DEMO_PASSWORD).await;
    let demo: ProjectTable = demo_user.answer("/api/projects/table", &[]).await;
    let demo_only = "SELECT count(*) FROM opportunity_projects \
                     WHERE project_status <> 'archived' AND tenant_id = (SELECT id FROM tenants WHERE subdomain = 'demo')";
    assert_eq!(demo.total, app.count(demo_only).await);
    // acme's session cookie means nothing at demo's address, and acme's users do not exist there.
    let crossed = app.browser(Some("demo"));
    let res = crossed.sign_in(None, "viewer@acme.test", crate::common::TENANT_PASSWORD).await;
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
    let db = crate::common::TestDb::new().await;
    let app = TestApp::spawn(db, &[("GWM_SEED_DEMO", "if-empty"), ("GWM_DEFAULT_TENANT", "-")]).await;
    let res = app.call(None, "/api/projects/table", &[]).await;
    assert_eq!(res.status(), 401);
    // Signing in at the bare address needs the organization field.
    let browser = app.browser(None);
    let res = browser.sign_in(None, "admin@demo.gwm.test", crate::common::DEMO_PASSWORD).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.expect("body").contains("organization"));
    let res = browser.sign_in(Some("nosuch"), "admin@demo.gwm.test", crate::common::DEMO_PASSWORD).await;
    assert_eq!(res.status(), 401);
    assert!(res.text().await.expect("body").contains("No active organization"));
    let res = browser.sign_in(Some("demo"), "admin@demo.gwm.test", crate::common::DEMO_PASSWORD).await;
    assert_eq!(res.status(), 200);
    let table: ProjectTable = browser.answer("/api/projects/table", &[]).await;
    assert_eq!(
        table.total,
        app.count("SELECT count(*) FROM opportunity_projects WHERE project_status <> 'archived'").await
    );
}

#[tokio::test]
async fn the_demo_tenant_is_complete_and_created_once() {
    let app = TestApp::with_demo().await;
    let owner = app.db.owner_pool().await;
    let tenant: uuid::Uuid = sqlx::query_scalar("SELECT id FROM tenants WHERE subdomain = 'demo'")
        .fetch_one(&owner)
        .await
        .expect("demo tenant");
    let mut tx = crate::common::owner_tx(&owner, tenant).await;
    let stages: Vec<(String, i64)> =
        sqlx::query_as("SELECT pipeline_stage, count(*) FROM opportunity_projects GROUP BY 1 ORDER BY 1")
            .fetch_all(&mut *tx)
            .await
            .expect("stages");
    assert_eq!(stages.len(), 9, "every stage has projects: {stages:?}");
    assert_eq!(stages.iter().map(|(_, n)| n).sum::<i64>(), 60);
    let roles: i64 =
        sqlx::query_scalar("SELECT count(DISTINCT role_id) FROM user_roles").fetch_one(&mut *tx).await.expect("roles");
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
    // Teaming on the pursuits (the influence map's left side) and one person typed in twice (to merge).
    let (teamed, twice): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(DISTINCT opportunity_project_id) FROM opportunity_project_organizations), \
                (SELECT count(*) FROM (SELECT 1 FROM contacts GROUP BY lower(first_name), lower(last_name) HAVING count(*) > 1) d)",
    )
    .fetch_one(&mut *tx)
    .await
    .expect("teaming");
    assert!(teamed >= 50 && twice >= 1, "{teamed} {twice}");
    assert_eq!(hashed, 7);
    tx.rollback().await.expect("rollback");

    // Seeding again changes nothing.
    assert!(
        gwm_crm::demo::seed_if_missing(&owner, "x", &gwm_crm::config::DEV_SECRET_KEY, "127.0.0.1:9")
            .await
            .expect("seed")
            .is_none()
    );
    assert!(
        gwm_crm::demo::seed_if_empty(&owner, "x", &gwm_crm::config::DEV_SECRET_KEY, "127.0.0.1:9")
            .await
            .expect("seed")
            .is_none()
    );
    let tenants: i64 = sqlx::query_scalar("SELECT count(*) FROM tenants").fetch_one(&owner).await.expect("tenants");
    assert_eq!(tenants, 1);
}

#[tokio::test]
async fn the_user_menu_is_answered_from_the_session() {
    let app = TestApp::with_demo().await;
    let me = app.demo_user("jordan.reyes").await.ok("/api/auth/signed-in-as", &[]).await;
    assert_eq!(
        (me["name"].as_str(), me["organization"].as_str()),
        (Some("Jordan Reyes"), Some("Demo Federal Solutions"))
    );
    assert_eq!(app.call(Some("demo"), "/api/auth/signed-in-as", &[]).await.status(), 401, "signed out: nobody");
}

/// Security finding (bad input): every server function and route, given values out of every range (NUL
/// characters, 10,000-character strings, negative and huge numbers, dates past year 9999, garbage), answers
/// with a 4xx that says what to fix: never a 500, never a panic. The list of server functions comes from
/// the server's own registry, so a new one is swept without touching this test.
#[tokio::test]
async fn the_bad_input_sweep_finds_no_500_anywhere() {
    // The sweep signs in with bad values many times from one address: the per-address limit is not its subject.
    let app = TestApp::spawn(
        crate::common::TestDb::with_demo().await,
        &[("GWM_SEED_DEMO", "if-empty"), ("GWM_SIGN_IN_RATE_PER_MINUTE", "100000")],
    )
    .await;
    let admin = app.demo_user("admin").await;
    let project = app.id_of("SELECT id FROM opportunity_projects ORDER BY project_name LIMIT 1").await.to_string();
    let sam = app.id_of("SELECT id FROM users WHERE email = 'sam.okafor@demo.gwm.test'").await.to_string();
    let role = app.id_of("SELECT id FROM roles WHERE name = 'Viewer'").await.to_string();
    // Every argument name the server functions take, with a value that passes on its own (ids of real rows),
    // so that a bad value elsewhere reaches the code behind the first checks.
    let ids: Vec<(&str, String)> = vec![
        ("project_id", project.clone()),
        ("user_id", sam.clone()),
        ("role_id", role.clone()),
        ("default_role_id", role.clone()),
        ("document_id", uuid::Uuid::new_v4().to_string()),
        ("assignment_id", uuid::Uuid::new_v4().to_string()),
        ("session_id", uuid::Uuid::new_v4().to_string()),
        ("category_id", uuid::Uuid::new_v4().to_string()),
        ("entity_id", uuid::Uuid::new_v4().to_string()),
        ("link_id", uuid::Uuid::new_v4().to_string()),
        ("view_id", uuid::Uuid::new_v4().to_string()),
    ];
    let texts = [
        "name",
        "description",
        "email",
        "password",
        "current_password",
        "new_password",
        "code",
        "first_name",
        "last_name",
        "title",
        "organization",
        "next",
        "stage",
        "outcome",
        "offset",
        "page",
        "field",
        "value",
        "reason",
        "mfa_required",
        "metadata_xml",
        "metadata_url",
        "attribute_email",
        "attribute_first_name",
        "attribute_last_name",
        "attribute_groups",
        "group_mappings",
        "active",
        "expires_on",
        "kind",
        "role",
        "parent",
        "archived",
        "version",
        "category",
        "tags",
        "access_level",
        "document_type",
        "permissions[0]",
        "project_name",
        "estimated_value",
        "response_due_date",
        "naics_codes",
        "set_aside_type",
        "win_probability_score",
        "strategic_value_score",
        "capture_manager",
        "proposal_manager",
        "team_members[0]",
        "internal_reference_number",
        "solicitation_number",
        "agency_name",
        "priority_level",
        "filter[q]",
        "filter[agency]",
        "filter[naics]",
        "filter[due_within]",
        "filter[min_value]",
        "filter[max_value]",
        "filter[manager]",
        "filter[priority]",
        "filter[set_aside]",
        "query[page]",
        "query[sort]",
        "query[q]",
        "query[from]",
        "query[to]",
        "query[tag]",
        "query[filter][q]",
        "query[filter][due_within]",
        "query[filter][min_value]",
        "sso_only",
        "jit_provisioning",
        "is_enabled",
        "mfa",
        "remember",
        "recovery_code",
    ];
    let long = "x".repeat(10_000);
    let bad_values = [
        "a\u{0}b",
        long.as_str(),
        "-1",
        "-99999999999999999999",
        "99999999999999999999999999999",
        "+275760-09-13",
        "9999-12-31",
        "0000-00-00",
        "1e308",
        "NaN",
        "%%%",
        "",
        " ",
        "\u{202e}\u{fffd}",
    ];
    let mut paths: Vec<(&str, axum::http::Method)> = leptos::server_fn::axum::server_fn_paths().collect();
    paths.sort_by_key(|(p, _)| *p);
    assert!(paths.len() >= 50, "the registry lists the server functions: {}", paths.len());
    let mut signed_in = admin;
    let mut failures = Vec::new();
    let mut calls = 0;
    for (path, _) in &paths {
        if path.ends_with("/auth/sign-out") {
            continue; // swept last, below
        }
        for bad in bad_values {
            for with_ids in [true, false] {
                let mut form: Vec<(String, String)> = texts.iter().map(|t| (t.to_string(), bad.to_string())).collect();
                form.extend(
                    ids.iter().map(|(k, v)| (k.to_string(), if with_ids { v.clone() } else { bad.to_string() })),
                );
                let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                let res = signed_in.call(path, &pairs).await;
                calls += 1;
                let status = res.status().as_u16();
                if status >= 500 {
                    failures.push(format!(
                        "{path} with {:?}: {status} {}",
                        bad.chars().take(20).collect::<String>(),
                        res.text().await.unwrap_or_default()
                    ));
                } else if status == 401 {
                    // Wrong current passwords lock the account and end the session (as they must): unlock,
                    // sign in again and go on.
                    app.owner_exec("DELETE FROM sign_in_failures WHERE email = 'admin@demo.gwm.test'").await;
                    signed_in = app.demo_user("admin").await;
                }
            }
        }
    }
    // Routes and pages, with bad query values.
    for route in [
        "/projects/export.csv?page=-1&due=99999999999&min=-5&max=1e400&q=%00",
        "/projects/export.csv?due=-1&sort=%FF%FE&dir=sideways",
        "/projects?page=-1",
        "/projects?page=99999999999999999999&sort=value",
        "/pipeline?due=99999999999&min=99999999999999999999999",
        "/documents?page=-1&q=a",
        "/documents?page=9223372036854775807&from=9999-99-99&to=+275760-01-01",
        "/documents?q=%00",
        &format!("/documents/{}/download", "x".repeat(500)),
        "/documents/00000000-0000-0000-0000-000000000000/download?inline=%00",
        "/saml/login?next=%00",
        &format!("/projects/{}", "9".repeat(400)),
        &format!("/settings/users/{}", "%FF".repeat(50)),
    ] {
        let res = signed_in.get(route).await;
        calls += 1;
        if res.status().as_u16() >= 500 {
            failures.push(format!("GET {route}: {}", res.status()));
        }
    }
    for query in [
        "project=%00&name=a.txt&type=other",
        "name=a%00.txt&type=other",
        "name=a.txt&type=other&access=%00",
        "name=a.txt&type=other&replaces=-1",
        &format!("name={}.txt&type=other", "n".repeat(5000)),
    ] {
        let res = signed_in.upload(query, b"text".to_vec()).await;
        calls += 1;
        if res.status().as_u16() >= 500 {
            failures.push(format!("upload {query}: {}", res.status()));
        }
    }
    for bad in bad_values {
        let res = app
            .browser(None)
            .call("/api/auth/sign-in", &[("email", bad), ("password", bad), ("organization", bad), ("next", bad)])
            .await;
        calls += 1;
        if res.status().as_u16() >= 500 {
            failures.push(format!("sign-in with {:?}: {}", bad.chars().take(20).collect::<String>(), res.status()));
        }
    }
    assert!(failures.is_empty(), "{} of {calls} answers were 5xx:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(app.get_as(None, "/healthz").await.status(), 200, "the server is still up");
    let res = signed_in.call("/api/auth/sign-out", &[("next", "\u{0}")]).await;
    assert!(res.status().as_u16() < 500);
}

/// Security finding (caching): pages and answers carry people's data and are never stored; HSTS over HTTPS.
#[tokio::test]
async fn private_answers_are_never_cached_and_https_is_strict() {
    let app = TestApp::with_demo().await;
    let admin = app.demo_user("admin").await;
    for res in
        [admin.get("/projects").await, admin.call("/api/projects/table", &[]).await, app.get_as(None, "/sign-in").await]
    {
        assert_eq!(res.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"), "{}", res.url());
        assert!(!res.headers().contains_key("strict-transport-security"), "not over plain HTTP");
    }
    let secure = TestApp::spawn(crate::common::TestDb::new().await, &[("GWM_PUBLIC_SCHEME", "https")]).await;
    let res = secure.get_as(None, "/healthz").await;
    assert_eq!(
        res.headers().get("strict-transport-security").and_then(|v| v.to_str().ok()),
        Some("max-age=31536000; includeSubDomains")
    );
    // A NUL in any server function's argument is refused at the door with the field's name.
    let res = admin.call("/api/projects/create", &[("project_name", "a\u{0}b")]).await;
    let (status, message) = crate::common::status_and_message(res).await;
    assert_eq!((status, message.contains("\"project_name\" contains a NUL")), (422, true), "{message}");
}
