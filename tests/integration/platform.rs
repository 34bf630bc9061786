//! The operator's create-tenant command: validation with clear messages, all-or-nothing creation, and a
//! first admin who can sign in at the new subdomain and administer it.

use crate::common::{TestApp, TestDb};
use gwm_crm::platform::{NewTenant, PlatformError, create_tenant};

fn acme() -> NewTenant {
    NewTenant {
        name: "Acme Federal".into(),
        subdomain: "acme".into(),
        plan: "professional".into(),
        max_users: 25,
        admin_email: "Ada@Acme.com".into(),
        admin_first_name: "Ada".into(),
        admin_last_name: "Lovelace".into(),
        admin_password: "Analytical Engine 1843".into(),
    }
}

#[tokio::test]
async fn create_tenant_validates_and_creates_everything_or_nothing() {
    let db = TestDb::migrated().await;
    let owner = db.owner_pool().await;
    let cases: Vec<(NewTenant, &str)> = vec![
        (NewTenant { subdomain: "Acme Corp".into(), ..acme() }, "DNS label"),
        (NewTenant { subdomain: "-acme".into(), ..acme() }, "DNS label"),
        (NewTenant { name: " ".into(), ..acme() }, "name is required"),
        (NewTenant { plan: "platinum".into(), ..acme() }, "expected one of: starter, professional, enterprise"),
        (NewTenant { admin_email: "ada".into(), ..acme() }, "email address is not valid"),
        (NewTenant { admin_password: "short".into(), ..acme() }, "at least 12"),
        (NewTenant { max_users: 0, ..acme() }, "at least 1"),
    ];
    for (bad, expected) in cases {
        let err = create_tenant(&owner, &bad).await.expect_err("must be refused").to_string();
        assert!(err.contains(expected), "{err} should mention {expected}");
    }
    let tenants: i64 = sqlx::query_scalar("SELECT count(*) FROM tenants").fetch_one(&owner).await.expect("count");
    assert_eq!(tenants, 0, "refused input leaves nothing behind");

    create_tenant(&owner, &acme()).await.expect("created");
    let again = create_tenant(&owner, &NewTenant { name: "Other".into(), ..acme() }).await;
    assert!(matches!(again, Err(PlatformError::SubdomainTaken(ref s)) if s == "acme"), "{again:?}");
    owner.close().await;

    let app = TestApp::spawn(db, &[]).await;
    let admin = app.signed_in(Some("acme"), "ada@acme.com", "Analytical Engine 1843").await;
    let roles = admin.ok("/api/admin/roles/list", &[]).await;
    assert_eq!(roles.as_array().map(Vec::len), Some(5), "the five system roles exist");
    let users = admin.ok("/api/admin/users/list", &[]).await;
    assert_eq!(users[0]["role_names"], serde_json::json!(["Tenant admin"]));
    assert_eq!(app.count("SELECT count(*) FROM audit_logs WHERE action_type = 'create' AND entity_type = 'tenant' AND system_actor = 'platform_admin'").await, 1);
}

/// Security finding (pooler): the server works behind Debian's pgbouncer in transaction mode
/// (scripts/test.sh starts it with pool_mode=transaction, 4 server connections, DEALLOCATE ALL after each
/// transaction): two tenants interleaving sign-ins, reads and writes from 40 clients get every answer right,
/// each write lands in its own tenant, and migrations (which go direct) run again without harm.
#[tokio::test]
async fn the_server_works_behind_a_transaction_mode_pooler_with_tenants_interleaving() {
    let socket = std::env::var("TEST_PGBOUNCER_SOCKET")
        .expect("TEST_PGBOUNCER_SOCKET: run through scripts/test.sh, which starts pgbouncer");
    let port = std::env::var("TEST_PGBOUNCER_PORT").expect("TEST_PGBOUNCER_PORT");
    let db = TestDb::new().await;
    let app_url = format!("postgres://gwm_app@localhost:{port}/{}?host={socket}", db.name);
    let app = TestApp::spawn(
        db,
        &[
            ("GWM_SEED_DEMO", "if-empty"),
            ("APP_DATABASE_URL", &app_url),
            ("GWM_DB_TRANSACTION_POOLER", "true"),
            ("GWM_SIGN_IN_RATE_PER_MINUTE", "100000"),
        ],
    )
    .await;
    app.add_tenant("acme", 3, true).await;
    // Sign-ins, one tenant beside the other (several at once for one account and address would be told to
    // wait: the lockout reserves each attempt), then every browser's reads and writes all at once.
    let sign_in_all = |tenant: Option<&'static str>, email: &'static str, password: &'static str| {
        let app = &app;
        async move {
            let mut browsers = Vec::new();
            for _ in 0..20 {
                browsers.push(app.signed_in(tenant, email, password).await);
            }
            browsers
        }
    };
    let (demo, acme) = tokio::join!(
        sign_in_all(None, "jordan.reyes@demo.gwm.test", crate::common::DEMO_PASSWORD),
        sign_in_all(Some("acme"), "capture_manager@acme.test", crate::common::TENANT_PASSWORD),
    );
    let work = |browser: &crate::common::Browser, tenant: &'static str, n: usize| {
        let browser = browser.clone();
        async move {
            let name = format!("{tenant} pooled pursuit {n:02}");
            let form = [("input[project_name]", name.as_str()), ("input[pipeline_stage]", "phase_1")];
            let created = browser.call("/api/projects/create", &form).await;
            assert_eq!(created.status(), 200, "{name}: {}", created.text().await.unwrap_or_default());
            let table = browser.ok("/api/projects/table", &[("query[filter][q]", &name)]).await;
            assert_eq!(table["total"], 1, "{name}: {table}");
            browser.ok("/api/dashboard", &[]).await;
            let res = browser.call("/api/auth/sign-out", &[]).await;
            assert!(res.status().is_success() || res.status().is_redirection(), "{}", res.status());
        }
    };
    let runs = demo
        .iter()
        .enumerate()
        .map(|(n, b)| work(b, "demo", n))
        .chain(acme.iter().enumerate().map(|(n, b)| work(b, "acme", n)));
    futures::future::join_all(runs).await;
    // Each write in its own tenant, none lost, none crossed.
    assert_eq!(app.count("SELECT count(*) FROM opportunity_projects p JOIN tenants t ON t.id = p.tenant_id WHERE t.subdomain = 'demo' AND p.project_name LIKE 'demo pooled pursuit %'").await, 20);
    assert_eq!(app.count("SELECT count(*) FROM opportunity_projects p JOIN tenants t ON t.id = p.tenant_id WHERE t.subdomain = 'acme' AND p.project_name LIKE 'acme pooled pursuit %'").await, 20);
    assert_eq!(
        app.count("SELECT count(*) FROM opportunity_projects WHERE project_name LIKE '%pooled pursuit%'").await,
        40
    );
    // Migrations go straight to PostgreSQL: a second run changes nothing and does not fail.
    let owner = app.db.owner_pool().await;
    gwm_crm::database::migrate(&owner).await.expect("migrations again");
}

/// Outage finding: while the database is out of reach, requests are answered at once with 503 "try again"
/// (never 500, never a wait for the pool's timeout), and service comes back by itself when it returns.
/// The outage is real: pgbouncer's admin console disables and kills this test's database.
#[tokio::test]
async fn a_database_outage_is_answered_at_once_with_try_again_and_passes() {
    use sqlx::{ConnectOptions, Executor};
    let socket = std::env::var("TEST_PGBOUNCER_SOCKET")
        .expect("TEST_PGBOUNCER_SOCKET: run through scripts/test.sh, which starts pgbouncer");
    let port: u16 = std::env::var("TEST_PGBOUNCER_PORT").expect("TEST_PGBOUNCER_PORT").parse().expect("port");
    let db = TestDb::new().await;
    let name = db.name.clone();
    let app_url = format!("postgres://gwm_app@localhost:{port}/{name}?host={socket}");
    let site = crate::assets::FakeSite::new();
    let app = TestApp::spawn(
        db,
        &[
            ("GWM_SEED_DEMO", "if-empty"),
            ("APP_DATABASE_URL", &app_url),
            ("GWM_DB_TRANSACTION_POOLER", "true"),
            ("LEPTOS_SITE_ROOT", &site.root()),
        ],
    )
    .await;
    let cm = app.demo_user("jordan.reyes").await;
    assert_eq!(cm.call("/api/projects/table", &[]).await.status(), 200);
    let mut console = sqlx::postgres::PgConnectOptions::new()
        .host(&socket)
        .port(port)
        .username("postgres")
        .database("pgbouncer")
        .extra_float_digits(None)
        .statement_cache_capacity(0)
        .connect()
        .await
        .expect("pgbouncer console");
    console.execute(format!("DISABLE {name}").as_str()).await.expect("disable");
    console.execute(format!("KILL {name}").as_str()).await.expect("kill");
    let res = cm.call("/api/projects/table", &[]).await;
    assert_eq!(res.status(), 503, "an outage is 'try again', not a failure: {}", res.text().await.unwrap_or_default());
    assert!(app.state.db_gate.is_closed(), "the gate closed");
    let res = cm.get("/projects").await;
    assert_eq!(res.status(), 503, "pages too, answered by the gate");
    assert_eq!(res.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("3"));
    // A failing page never changes another response: the site's files come from memory, outside the gate.
    let wasm = format!("/pkg/gwm_crm.{}.wasm", crate::assets::HASH);
    for _ in 0..15 {
        assert_eq!(cm.get(&wasm).await.status(), 200, "the wasm loads during the outage");
        assert_eq!(cm.get("/projects").await.status(), 503);
    }
    // The database comes back: after the pause, one request probes and service resumes.
    console.execute(format!("ENABLE {name}").as_str()).await.expect("enable");
    console.execute(format!("RESUME {name}").as_str()).await.expect("resume");
    let mut status = 0;
    for _ in 0..40 {
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        status = cm.call("/api/projects/table", &[]).await.status().as_u16();
        if status == 200 {
            break;
        }
    }
    assert_eq!(status, 200, "service resumes by itself");
    assert!(!app.state.db_gate.is_closed());
}
