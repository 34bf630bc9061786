//! The operator's create-tenant command: validation with clear messages, all-or-nothing creation, and a
//! first admin who can sign in at the new subdomain and administer it.

mod common;

use common::{TestApp, TestDb};
use gwm_crm::platform::{create_tenant, NewTenant, PlatformError};

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
        (NewTenant { plan: "platinum".into(), ..acme() }, "starter, professional or enterprise"),
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
