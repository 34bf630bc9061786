//! Test helpers: a fresh database per test on the cluster scripts/test.sh starts, and the real server on
//! port 0 with a cookie-keeping client.

use gwm_crm::{config::Config, startup::Application};
use sqlx::{ConnectOptions, Connection, Executor, PgConnection, PgPool, postgres::PgConnectOptions};
use std::{collections::HashMap, sync::OnceLock};
use uuid::Uuid;

pub struct TestDb {
    pub name: String,
    socket: String,
    /// A template outlives the test that made it (the rest of the run copies it).
    keep: bool,
}

impl Drop for TestDb {
    /// A test's database goes when the test ends, so the cluster holds only the databases of running tests.
    fn drop(&mut self) {
        if self.keep {
            return;
        }
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        // Drop runs inside the test's runtime, which must not block on async work: a thread of its own.
        let dropped = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread().enable_all().build().map(|rt| rt.block_on(as_superuser(&sql)))
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test database {}", self.name);
        }
    }
}

/// The databases tests start from, made once per test run: every migration applied, and the same with the
/// demo tenant seeded. A test's database is a copy (`CREATE DATABASE ... TEMPLATE`), which takes a fraction
/// of the time of migrating and seeding it again.
static MIGRATED_TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
static DEMO_TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

fn test_socket() -> String {
    std::env::var("TEST_PG_SOCKET")
        .expect("TEST_PG_SOCKET is not set: run the tests with scripts/test.sh, which starts PostgreSQL")
}

/// Runs one statement as the cluster's superuser.
pub async fn as_superuser(sql: &str) {
    let mut admin = PgConnectOptions::new()
        .host(&test_socket())
        .username("postgres")
        .database("postgres")
        .connect()
        .await
        .expect("connect as postgres");
    admin.execute(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    admin.close().await.expect("close");
}

async fn template(demo: bool) -> String {
    let cell = if demo { &DEMO_TEMPLATE } else { &MIGRATED_TEMPLATE };
    cell.get_or_init(|| async move {
        let mut db = TestDb::empty().await;
        db.keep = true;
        let owner = db.owner_pool().await;
        gwm_crm::database::migrate(&owner).await.expect("migrate the template");
        if demo {
            gwm_crm::demo::seed_if_empty(&owner, DEMO_PASSWORD, &gwm_crm::config::DEV_SECRET_KEY, "127.0.0.1:9")
                .await
                .expect("seed the template");
        }
        owner.close().await;
        db.name.clone()
    })
    .await
    .clone()
}

impl TestDb {
    /// An empty database owned by gwm_owner (no migrations).
    pub async fn empty() -> TestDb {
        let name = format!("gwm_test_{}", Uuid::new_v4().simple());
        as_superuser(&format!("CREATE DATABASE {name} OWNER gwm_owner")).await;
        TestDb { name, socket: test_socket(), keep: false }
    }

    /// A database with every migration applied (a copy of the run's template).
    pub async fn new() -> TestDb {
        TestDb::copy_of(&template(false).await).await
    }

    /// A migrated database holding the demo tenant (a copy of the run's template).
    pub async fn with_demo() -> TestDb {
        TestDb::copy_of(&template(true).await).await
    }

    async fn copy_of(template: &str) -> TestDb {
        let name = format!("gwm_test_{}", Uuid::new_v4().simple());
        as_superuser(&format!("CREATE DATABASE {name} TEMPLATE {template} OWNER gwm_owner")).await;
        TestDb { name, socket: test_socket(), keep: false }
    }

    pub fn owner_options(&self) -> PgConnectOptions {
        PgConnectOptions::new().host(&self.socket).username("gwm_owner").database(&self.name)
    }

    pub fn app_options(&self) -> PgConnectOptions {
        self.owner_options().username("gwm_app")
    }

    pub fn owner_url(&self) -> String {
        format!("postgres://gwm_owner@localhost/{}?host={}", self.name, self.socket)
    }

    pub async fn owner_pool(&self) -> PgPool {
        PgPool::connect_with(self.owner_options()).await.expect("owner pool")
    }

    pub async fn app_pool(&self) -> PgPool {
        PgPool::connect_with(self.app_options()).await.expect("app pool")
    }

    pub async fn app_connection(&self) -> PgConnection {
        self.app_options().connect().await.expect("app connection")
    }

    /// A migrated database (the same as `new`).
    pub async fn migrated() -> TestDb {
        TestDb::new().await
    }

    /// A configuration for a server on this database, on a free port.
    pub fn config(&self, extra: &[(&str, &str)]) -> Config {
        let mut vars: HashMap<String, String> = HashMap::from([
            ("DATABASE_URL".to_string(), self.owner_url()),
            ("LEPTOS_SITE_ADDR".to_string(), "127.0.0.1:0".to_string()),
            ("GWM_FILES_DIR".to_string(), std::env::temp_dir().join(&self.name).display().to_string()),
            // The real extraction child: this package's server binary.
            ("GWM_EXTRACTOR".to_string(), env!("CARGO_BIN_EXE_gwm-crm").to_string()),
        ]);
        for (k, v) in extra {
            vars.insert(k.to_string(), v.to_string());
        }
        Config::from_lookup(|k| vars.get(k).cloned()).expect("test config")
    }
}

pub const DEMO_PASSWORD: &str = "Capture-Demo-2026!";
pub const TENANT_PASSWORD: &str = "Tenant-Test-Password-1";

fn new_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        // A page that never finishes must fail the test, not hang the run.
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("client")
}

/// One browser: a cookie jar and the address it talks to. Sends the Origin a same-site page would.
#[derive(Clone)]
pub struct Browser {
    pub client: reqwest::Client,
    base: String,
    pub host: String,
}

impl Browser {
    pub fn origin(&self) -> String {
        format!("http://{}", self.host)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{path}", self.base)).header("host", &self.host).send().await.expect("request")
    }

    /// Calls a server function (form-encoded arguments, JSON answer) as a page of this site would.
    pub async fn call(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.call_from(Some(&self.origin()), path, form).await
    }

    /// Calls a server function from a given client address (the server must trust X-Forwarded-For).
    pub async fn call_from_address(&self, address: &str, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.base))
            .form(form)
            .header("accept", "application/json")
            .header("host", &self.host)
            .header("origin", self.origin())
            .header("x-forwarded-for", address)
            .send()
            .await
            .expect("request")
    }

    /// Calls with a chosen Origin header (None: no Origin and no Referer).
    pub async fn call_from(&self, origin: Option<&str>, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let mut req = self
            .client
            .post(format!("{}{path}", self.base))
            .form(form)
            .header("accept", "application/json")
            .header("host", &self.host);
        if let Some(origin) = origin {
            req = req.header("origin", origin);
        }
        req.send().await.expect("request")
    }

    /// Uploads `body` as a page of this site would (POST /documents/upload?<query>, the file as the body).
    pub async fn upload(&self, query: &str, body: impl Into<reqwest::Body>) -> reqwest::Response {
        self.post_file(&format!("/documents/upload?{query}"), body).await
    }

    /// POSTs a file as the raw body (as the browser's uploader does).
    pub async fn post_file(&self, path: &str, body: impl Into<reqwest::Body>) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.base))
            .header("host", &self.host)
            .header("origin", self.origin())
            .header("accept", "application/json")
            .header("content-type", "application/octet-stream")
            .body(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn sign_in(&self, organization: Option<&str>, email: &str, password: &str) -> reqwest::Response {
        let mut form = vec![("email", email), ("password", password)];
        if let Some(org) = organization {
            form.push(("organization", org));
        }
        self.call("/api/auth/sign-in", &form).await
    }

    /// The answer of a call that must succeed, decoded into the app's own type (what the page renders).
    pub async fn answer<T: serde::de::DeserializeOwned>(&self, path: &str, form: &[(&str, &str)]) -> T {
        let res = self.call(path, form).await;
        let status = res.status();
        let body = res.text().await.expect("body");
        assert!(status.is_success(), "{path} answered {status}: {body}");
        serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("{path} answered what its type does not hold: {e}: {body}"))
    }

    /// The JSON answer of a call that must succeed.
    pub async fn ok(&self, path: &str, form: &[(&str, &str)]) -> serde_json::Value {
        let res = self.call(path, form).await;
        let status = res.status();
        let body = res.text().await.expect("body");
        assert!(status.is_success(), "{path} answered {status}: {body}");
        serde_json::from_str(&body).unwrap_or(serde_json::Value::Null)
    }
}

/// An error answer's status and the message inside its JSON (`{"Variant": "message"}`).
pub async fn status_and_message(res: reqwest::Response) -> (u16, String) {
    let status = res.status().as_u16();
    let body: serde_json::Value = res.json().await.unwrap_or(serde_json::Value::Null);
    let message =
        body.as_object().and_then(|o| o.values().next()).and_then(serde_json::Value::as_str).unwrap_or_default();
    (status, message.to_string())
}

fn server_runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("server runtime")
    })
}

/// The real server, on the shared server runtime.
pub struct TestApp {
    pub addr: std::net::SocketAddr,
    /// The server's own state (its pool, storage and settings), for tests that drive background jobs.
    pub state: app::state::AppState,
    pub db: TestDb,
    pub client: reqwest::Client,
}

/// A transaction as the owner, scoped to `tenant` (the owner is subject to the forced RLS policies too).
pub async fn owner_tx(owner: &PgPool, tenant: Uuid) -> sqlx::Transaction<'static, sqlx::Postgres> {
    let mut tx = owner.begin().await.expect("tx");
    app::auth::ssr::door::scope_for_job(&mut tx, app::ids::TenantId::from_uuid(tenant)).await.expect("scope");
    tx
}

/// A tenant made for one test: its system roles and only what the test adds (`with_user`, `with_projects`),
/// so that a test states the data it counts on instead of pinning the demo tenant's numbers.
pub struct TestTenant<'a> {
    app: &'a TestApp,
    pub id: app::ids::TenantId,
    pub subdomain: String,
    roles: Vec<(app::roles::SystemRole, app::ids::RoleId)>,
}

impl TestTenant<'_> {
    /// A user `email` holding `role` tenant-wide, with TENANT_PASSWORD.
    pub async fn add_user(&self, email: &str, role: app::roles::SystemRole) {
        let role_id = self.roles.iter().find(|(r, _)| *r == role).map(|(_, id)| *id).expect("system role");
        let hash = app::auth::ssr::password::hash(TENANT_PASSWORD.to_string()).await.expect("hash");
        let owner = self.app.db.owner_pool().await;
        let mut tx = owner_tx(&owner, self.id.as_uuid()).await;
        let user: Uuid = sqlx::query_scalar(
            "INSERT INTO users (tenant_id, email, password_hash, first_name, last_name) \
             VALUES ($1, $2, $3, $4, 'User') RETURNING id",
        )
        .bind(self.id)
        .bind(email)
        .bind(&hash)
        .bind(role.label())
        .fetch_one(&mut *tx)
        .await
        .expect("user");
        sqlx::query(
            "INSERT INTO user_roles (tenant_id, user_id, role_id, assigned_by_system) \
             VALUES ($1, $2, $3, 'platform_admin')",
        )
        .bind(self.id)
        .bind(user)
        .bind(role_id)
        .execute(&mut *tx)
        .await
        .expect("role");
        tx.commit().await.expect("commit");
        owner.close().await;
    }

    /// A new user holding `role` tenant-wide (`<role>-<n>@<subdomain>.test`, TENANT_PASSWORD), signed in at
    /// the tenant's address.
    pub async fn with_user(&self, role: app::roles::SystemRole) -> Browser {
        let email = format!("{}-{}@{}.test", role.as_str(), &Uuid::new_v4().simple().to_string()[..8], self.subdomain);
        self.add_user(&email, role).await;
        self.app.signed_in(Some(&self.subdomain), &email, TENANT_PASSWORD).await
    }

    /// `n` pursuits in `stage`, named "<subdomain> pursuit <i>" (created by hand: no synced values).
    pub async fn with_projects(&self, n: usize, stage: app::domain::PipelineStage) -> Vec<app::ids::ProjectId> {
        let owner = self.app.db.owner_pool().await;
        let mut tx = owner_tx(&owner, self.id.as_uuid()).await;
        let mut ids = Vec::with_capacity(n);
        for i in 0..n {
            ids.push(
                sqlx::query_scalar(
                    "INSERT INTO opportunity_projects (tenant_id, project_name, pipeline_stage, created_by_system) \
                     VALUES ($1, $2, $3, 'platform_admin') RETURNING id",
                )
                .bind(self.id)
                .bind(format!("{} pursuit {i}", self.subdomain))
                .bind(stage)
                .fetch_one(&mut *tx)
                .await
                .expect("project"),
            );
        }
        tx.commit().await.expect("commit");
        owner.close().await;
        ids
    }
}

impl TestApp {
    /// A server on a fresh migrated database with no tenant yet (make them with `with_tenant`).
    pub async fn new() -> TestApp {
        TestApp::spawn(TestDb::new().await, &[]).await
    }

    /// The tenant made earlier at `subdomain` (by `with_tenant`), to add people to it.
    pub async fn tenant_at(&self, subdomain: &str) -> TestTenant<'_> {
        let owner = self.db.owner_pool().await;
        let id: Uuid = sqlx::query_scalar("SELECT id FROM tenant_by_subdomain($1)")
            .bind(subdomain)
            .fetch_one(&owner)
            .await
            .expect("tenant");
        let mut tx = owner_tx(&owner, id).await;
        let mut roles = Vec::new();
        for role in app::roles::SystemRole::ALL {
            let role_id: Uuid = sqlx::query_scalar("SELECT id FROM roles WHERE name = $1")
                .bind(role.label())
                .fetch_one(&mut *tx)
                .await
                .expect("role");
            roles.push((*role, app::ids::RoleId::from_uuid(role_id)));
        }
        tx.commit().await.expect("commit");
        owner.close().await;
        TestTenant { app: self, id: app::ids::TenantId::from_uuid(id), subdomain: subdomain.to_string(), roles }
    }

    /// An active tenant at `subdomain` with its system roles, no users and no projects.
    pub async fn with_tenant(&self, subdomain: &str) -> TestTenant<'_> {
        self.insert_tenant(subdomain, true).await
    }

    async fn insert_tenant(&self, subdomain: &str, active: bool) -> TestTenant<'_> {
        let owner = self.db.owner_pool().await;
        let id = app::ids::TenantId::new_random();
        let mut tx = owner_tx(&owner, id.as_uuid()).await;
        sqlx::query(
            "INSERT INTO tenants (id, name, subdomain, is_active, deactivated_at) \
             VALUES ($1, $2, $3, $4, CASE WHEN $4 THEN NULL ELSE now() END)",
        )
        .bind(id)
        .bind(format!("{subdomain} Corp"))
        .bind(subdomain)
        .bind(active)
        .execute(&mut *tx)
        .await
        .expect("tenant");
        let roles = gwm_crm::platform::insert_system_roles(&mut tx, id).await.expect("roles");
        tx.commit().await.expect("commit");
        owner.close().await;
        TestTenant { app: self, id, subdomain: subdomain.to_string(), roles }
    }

    /// A server on a fresh database holding the demo tenant.
    pub async fn with_demo() -> TestApp {
        TestApp::spawn(TestDb::with_demo().await, &[("GWM_SEED_DEMO", "if-empty")]).await
    }

    pub async fn spawn(db: TestDb, extra: &[(&str, &str)]) -> TestApp {
        let config = db.config(extra);
        // Servers run on one runtime that lives as long as the test process, as in production: each
        // #[tokio::test] has its own runtime, which ends with its test, and Leptos' task spawner is global.
        let (addr, state) = server_runtime()
            .spawn(async move {
                let app = Application::build(config).await.expect("build app");
                let (addr, state) = (app.addr, app.state.clone());
                tokio::spawn(app.run_until_stopped());
                (addr, state)
            })
            .await
            .expect("server task");
        TestApp { addr, state, db, client: new_client() }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// The Host a browser at `subdomain` (None: the bare address) sends.
    pub fn host(&self, subdomain: Option<&str>) -> String {
        match subdomain {
            Some(sub) => format!("{sub}.localhost:{}", self.addr.port()),
            None => self.addr.to_string(),
        }
    }

    /// A browser with its own cookie jar, at `subdomain`.
    pub fn browser(&self, subdomain: Option<&str>) -> Browser {
        Browser { client: new_client(), base: format!("http://{}", self.addr), host: self.host(subdomain) }
    }

    /// A browser signed in as `email` with `password` (asserts that sign-in succeeds).
    pub async fn signed_in(&self, subdomain: Option<&str>, email: &str, password: &str) -> Browser {
        let browser = self.browser(subdomain);
        let res = browser.sign_in(None, email, password).await;
        assert_eq!(res.status(), 200, "sign-in of {email} failed: {}", res.text().await.unwrap_or_default());
        browser
    }

    /// A demo-tenant user (demo password), signed in at the bare address.
    pub async fn demo_user(&self, local_part: &str) -> Browser {
        self.signed_in(None, &format!("{local_part}@demo.gwm.test"), DEMO_PASSWORD).await
    }

    /// GET from the shared signed-out client.
    pub async fn get_as(&self, subdomain: Option<&str>, path: &str) -> reqwest::Response {
        Browser { client: self.client.clone(), base: format!("http://{}", self.addr), host: self.host(subdomain) }
            .get(path)
            .await
    }

    /// Calls a server function from the shared signed-out client.
    pub async fn call(&self, subdomain: Option<&str>, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        Browser { client: self.client.clone(), base: format!("http://{}", self.addr), host: self.host(subdomain) }
            .call(path, form)
            .await
    }

    /// Runs `sql` as the owner once in each tenant (the owner is subject to the forced RLS policies too).
    pub async fn owner_exec(&self, sql: &str) {
        self.each_tenant(sql, |tx, sql| {
            Box::pin(async move {
                sqlx::query(sql).execute(&mut **tx).await.expect(sql);
                0
            })
        })
        .await;
    }

    /// Sums a `SELECT count(*)` over every tenant.
    pub async fn count(&self, sql: &str) -> i64 {
        self.each_tenant(sql, |tx, sql| {
            Box::pin(async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(&mut **tx).await.expect(sql) })
        })
        .await
    }

    /// The first id `sql` finds in any tenant.
    pub async fn id_of(&self, sql: &str) -> Uuid {
        let owner = self.db.owner_pool().await;
        let tenants: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM tenants").fetch_all(&owner).await.expect("tenants");
        for t in tenants {
            let mut tx = owner_tx(&owner, t).await;
            if let Some(id) = sqlx::query_scalar::<_, Uuid>(sql).fetch_optional(&mut *tx).await.expect(sql) {
                return id;
            }
        }
        panic!("no row for {sql}");
    }

    async fn each_tenant<F>(&self, sql: &str, run: F) -> i64
    where
        F: for<'a> Fn(
            &'a mut sqlx::Transaction<'static, sqlx::Postgres>,
            &'a str,
        ) -> std::pin::Pin<Box<dyn std::future::Future<Output = i64> + Send + 'a>>,
    {
        let owner = self.db.owner_pool().await;
        let tenants: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM tenants").fetch_all(&owner).await.expect("tenants");
        let mut total = 0;
        for t in tenants {
            let mut tx = owner_tx(&owner, t).await;
            total += run(&mut tx, sql).await;
            tx.commit().await.expect("commit");
        }
        owner.close().await;
        total
    }

    /// Adds a tenant with `projects` projects in phase 0, the system roles and one user per role
    /// (`tenant_admin@<sub>.test`, `viewer@<sub>.test` ..., password TENANT_PASSWORD), as the platform would.
    pub async fn add_tenant(&self, subdomain: &str, projects: usize, active: bool) -> Uuid {
        let tenant = self.insert_tenant(subdomain, active).await;
        for role in app::roles::SystemRole::ALL {
            tenant.add_user(&format!("{}@{subdomain}.test", role.as_str()), *role).await;
        }
        tenant.with_projects(projects, app::domain::PipelineStage::Phase0).await;
        tenant.id.as_uuid()
    }
}

/// The server's settings for the S3 test bucket (s3s-fs, started by scripts/test.sh).
pub fn s3_vars() -> Vec<(&'static str, String)> {
    let var = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run the tests through scripts/test.sh"))
    };
    vec![
        ("GWM_STORAGE", "s3".to_string()),
        ("GWM_S3_ENDPOINT", var("TEST_S3_ENDPOINT")),
        ("GWM_S3_BUCKET", var("TEST_S3_BUCKET")),
        ("GWM_S3_ACCESS_KEY_ID", var("TEST_S3_ACCESS_KEY")),
        ("GWM_S3_SECRET_ACCESS_KEY", var("TEST_S3_SECRET_KEY")),
    ]
}

/// A transaction on the app role scoped to `tenant` (and `user`), to call the app's query functions
/// directly: the door's job entry, with the acting user set as a request's would be.
pub async fn tenant_tx(pool: &PgPool, tenant: app::ids::TenantId, user: Option<app::ids::UserId>) -> app::db::Tx {
    let mut tx = app::auth::ssr::door::for_job(pool, tenant).await.expect("tenant transaction");
    if let Some(user) = user {
        sqlx::query("SELECT set_config('app.current_user_id', $1, true)")
            .bind(user.to_string())
            .execute(&mut *tx)
            .await
            .expect("acting user");
    }
    tx
}
