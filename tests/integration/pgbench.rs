//! The pages benchmark's SQL (`gwm-crm pgbench-script`) is the app's own: every statement of every page
//! prepares with its declared parameter types and runs on the app role against the demo tenant, in the
//! transaction shape the scripts use.

use crate::common::{TestApp, tenant_tx};
use app::ids::{TenantId, UserId};
use gwm_crm::pgbench::{PAGES, script, statements};

#[tokio::test]
async fn every_benchmarked_statement_prepares_and_runs_as_the_app() {
    let app = TestApp::with_demo().await;
    let tenant = TenantId::from_uuid(app.id_of("SELECT id FROM tenants WHERE subdomain = 'demo'").await);
    let admin = app.id_of("SELECT id FROM users WHERE email = 'admin@demo.gwm.test'").await;
    let project = app.id_of("SELECT id FROM opportunity_projects ORDER BY id LIMIT 1").await;
    for page in PAGES {
        let text = script(page).expect("a script");
        assert!(text.contains("EXECUTE") && text.ends_with("COMMIT;\n"), "{text}");
        let mut tx = tenant_tx(&app.state.pool, tenant, Some(UserId::from_uuid(admin))).await;
        for s in statements(page).expect("statements") {
            assert!(!s.sql.contains(';'), "{page}/{}: pgbench ends a command at a semicolon", s.name);
            let prepare = format!("PREPARE {}_{page}({}) AS {}", s.name, s.params.join(", "), s.sql);
            sqlx::raw_sql(&prepare).execute(&mut *tx).await.unwrap_or_else(|e| panic!("{page}/{}: {e}", s.name));
            let args = s
                .args
                .replace("(:users::uuid[])[:t]", &format!("'{admin}'::uuid"))
                .replace("md5((:tenants::text[])[:t] || ':' || :p)::uuid", &format!("'{project}'::uuid"))
                .replace("[:q]", "[1]");
            assert!(!args.replace("::", "").contains(':'), "{page}/{}: unreplaced variable in {args}", s.name);
            sqlx::raw_sql(&format!("EXECUTE {}_{page}({args})", s.name))
                .execute(&mut *tx)
                .await
                .unwrap_or_else(|e| panic!("{page}/{} ({args}): {e}", s.name));
        }
        tx.rollback().await.expect("rollback");

        // And pgbench itself runs the script (its meta-commands, one command per line) as the app role.
        let file = std::env::temp_dir().join(format!("{}-{page}.sql", app.db.name));
        std::fs::write(&file, &text).expect("script file");
        let pgbench = std::path::Path::new(&std::env::var("PG_BIN").unwrap_or("/usr/lib/postgresql/15/bin".into()))
            .join("pgbench");
        let out = std::process::Command::new(pgbench)
            .args(["-h", &std::env::var("TEST_PG_SOCKET").expect("socket"), "-U", "gwm_app", "-n", "-t", "3"])
            .args(["-D", "prepared=0", "-D", "ntenants=1", "-D", "projects=5"])
            .arg("-D")
            .arg(format!("tenants='{{{tenant}}}'"))
            .arg("-D")
            .arg(format!("users='{{{admin}}}'"))
            .arg("-f")
            .arg(&file)
            .arg(&app.db.name)
            .output()
            .expect("pgbench runs");
        std::fs::remove_file(&file).expect("remove the script");
        let said = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success() && said.contains("number of failed transactions: 0"), "{page}: {said}");
    }
    assert!(script("nope").is_none());
}
