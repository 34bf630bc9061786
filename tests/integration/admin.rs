//! Tenant administration and self-service account server functions: permissions, bad input, plan
//! limits, and other tenants' ids (always "not found").

use crate::common::{Browser, DEMO_PASSWORD, TENANT_PASSWORD, TestApp, status_and_message};

async fn admin(app: &TestApp) -> Browser {
    app.demo_user("admin").await
}

#[tokio::test]
async fn a_viewer_calling_admin_functions_is_refused_and_recorded() {
    let app = TestApp::with_demo().await;
    let viewer = app.demo_user("taylor.brooks").await;
    for (path, form) in [
        ("/api/admin/users/list", vec![]),
        ("/api/admin/roles/list", vec![]),
        ("/api/admin/security/set", vec![("mfa_required", "off")]),
    ] {
        let (status, message) = status_and_message(viewer.call(path, &form).await).await;
        assert_eq!(status, 403, "{path}");
        assert!(!message.is_empty(), "{path}");
    }
    assert_eq!(
        app.count(
            "SELECT count(*) FROM permission_audit WHERE permission_checked = 'admin.users' AND NOT permission_granted"
        )
        .await,
        1
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM permission_audit WHERE permission_checked = 'admin.roles' AND NOT permission_granted"
        )
        .await,
        1
    );
    // The users page itself says so instead of showing anything.
    let html = viewer.get("/settings/users").await.text().await.expect("html");
    assert!(html.contains("You are not allowed to manage users"), "{html}");
}

#[tokio::test]
async fn creating_users_validates_every_field_and_the_plan_limit() {
    let app = TestApp::with_demo().await;
    app.add_tenant("acme", 0, true).await;
    let admin = admin(&app).await;
    let viewer_role = app.id_of("SELECT r.id FROM roles r JOIN tenants t ON t.id = r.tenant_id WHERE t.subdomain = 'demo' AND r.name = 'Viewer'").await;
    let foreign_role = app.id_of("SELECT r.id FROM roles r JOIN tenants t ON t.id = r.tenant_id WHERE t.subdomain = 'acme' AND r.name = 'Viewer'").await;
    let role = viewer_role.to_string();
    let base = |email: &'static str, pw: &'static str, role: String| {
        vec![
            ("email", email.to_string()),
            ("first_name", "Dana".into()),
            ("last_name", "Lee".into()),
            ("role_id", role),
            ("password", pw.into()),
        ]
    };
    let call = |form: Vec<(&'static str, String)>| {
        let admin = &admin;
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            status_and_message(admin.call("/api/admin/users/create", &pairs).await).await
        }
    };
    let (s, m) = call(base("not-an-email", "Long enough password 1", role.clone())).await;
    assert_eq!((s, m.contains("not a valid email")), (422, true), "{m}");
    let (s, m) = call(base("dana@acme.com", "short", role.clone())).await;
    assert_eq!((s, m.contains("at least 12")), (422, true), "{m}");
    let (s, _) = call(base("dana@acme.com", "Long enough password 1", foreign_role.to_string())).await;
    assert_eq!(s, 404, "another tenant's role is not found");
    let (s, m) = call(base("dana@acme.com", "Long enough password 1", "garbage".into())).await;
    assert_eq!((s, m.contains("\"garbage\" is not a valid role id")), (422, true), "{m}");
    let mut no_name = base("dana@acme.com", "Long enough password 1", role.clone());
    no_name[1].1 = "  ".into();
    let (s, m) = call(no_name).await;
    assert_eq!((s, m.as_str()), (422, "First name is required."));
    let (s, _) = call(base("dana@acme.com", "Long enough password 1", role.clone())).await;
    assert_eq!(s, 200);
    let (s, m) = call(base("DANA@acme.com", "Long enough password 1", role.clone())).await;
    assert_eq!((s, m.contains("already exists")), (409, true), "{m}");
    // The new user can sign in.
    app.signed_in(None, "dana@acme.com", "Long enough password 1").await;
    // The list is in name order whatever the case people typed ("de Vries" among the D's, not after "Z").
    let mut lower = base("hugo@acme.com", "Long enough password 1", role.clone());
    (lower[1].1, lower[2].1) = ("hugo".into(), "de vries".into());
    assert_eq!(call(lower).await.0, 200);
    let users: Vec<app::admin::UserSummary> = admin.answer("/api/admin/users/list", &[]).await;
    let active: Vec<String> = users.iter().filter(|u| u.is_active).map(|u| u.last_name.to_lowercase()).collect();
    let mut sorted = active.clone();
    sorted.sort();
    assert_eq!(active, sorted, "users in name order");
    // Plan limit: demo has 9 active users now; set max_users to 9.
    let owner = app.db.owner_pool().await;
    sqlx::query("UPDATE tenants SET max_users = 9 WHERE subdomain = 'demo'").execute(&owner).await.expect("limit");
    let (s, m) = call(base("eve@acme.com", "Long enough password 1", role.clone())).await;
    assert_eq!((s, m.contains("plan allows 9 active users")), (409, true), "{m}");
}

#[tokio::test]
async fn another_tenants_user_ids_are_not_found_anywhere() {
    let app = TestApp::with_demo().await;
    app.add_tenant("acme", 1, true).await;
    let admin = admin(&app).await;
    let foreign = app.id_of("SELECT id FROM users WHERE email = 'viewer@acme.test'").await.to_string();
    let role = app.id_of("SELECT r.id FROM roles r JOIN tenants t ON t.id = r.tenant_id WHERE t.subdomain = 'demo' AND r.name = 'Viewer'").await.to_string();
    let calls: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("/api/admin/users/detail", vec![("user_id", &foreign)]),
        ("/api/admin/users/update", vec![("user_id", &foreign), ("first_name", "X"), ("last_name", "Y")]),
        ("/api/admin/users/set-active", vec![("user_id", &foreign), ("active", "false")]),
        ("/api/admin/users/unlock", vec![("user_id", &foreign)]),
        ("/api/admin/users/reset-password", vec![("user_id", &foreign), ("password", "Another long password 9")]),
        ("/api/admin/users/assign-role", vec![("user_id", &foreign), ("role_id", &role)]),
        ("/api/admin/users/end-sessions", vec![("user_id", &foreign)]),
    ];
    for (path, form) in calls {
        let (status, message) = status_and_message(admin.call(path, &form).await).await;
        assert_eq!(status, 404, "{path}: {message}");
        assert_eq!(message, "User", "{path}");
    }
    // And nothing changed over there.
    app.signed_in(Some("acme"), "viewer@acme.test", TENANT_PASSWORD).await;
}

#[tokio::test]
async fn deactivating_or_resetting_ends_sessions_and_unlock_clears_the_lock() {
    let app = TestApp::with_demo().await;
    let admin = admin(&app).await;
    let sam = app.demo_user("sam.okafor").await;
    let sam_id = app.id_of("SELECT id FROM users WHERE email = 'sam.okafor@demo.gwm.test'").await.to_string();
    let me = app.id_of("SELECT id FROM users WHERE email = 'admin@demo.gwm.test'").await.to_string();

    let (s, m) =
        status_and_message(admin.call("/api/admin/users/set-active", &[("user_id", &me), ("active", "false")]).await)
            .await;
    assert_eq!((s, m.contains("your own account")), (422, true));
    admin.ok("/api/admin/users/set-active", &[("user_id", &sam_id), ("active", "false")]).await;
    assert_eq!(sam.get("/projects").await.status(), 303, "deactivation ends the session at once");
    admin.ok("/api/admin/users/set-active", &[("user_id", &sam_id), ("active", "true")]).await;

    let sam = app.demo_user("sam.okafor").await;
    let (s, _) = status_and_message(
        admin.call("/api/admin/users/reset-password", &[("user_id", &sam_id), ("password", "short")]).await,
    )
    .await;
    assert_eq!(s, 422);
    admin.ok("/api/admin/users/reset-password", &[("user_id", &sam_id), ("password", "Brand new password 42")]).await;
    assert_eq!(sam.get("/projects").await.status(), 303);
    assert_eq!(app.browser(None).sign_in(None, "sam.okafor@demo.gwm.test", DEMO_PASSWORD).await.status(), 401);
    app.signed_in(None, "sam.okafor@demo.gwm.test", "Brand new password 42").await;

    let b = app.browser(None);
    for _ in 0..5 {
        b.sign_in(None, "sam.okafor@demo.gwm.test", "wrong wrong wrong").await;
    }
    assert_eq!(b.sign_in(None, "sam.okafor@demo.gwm.test", "Brand new password 42").await.status(), 401);
    let detail: app::admin::UserProfile = admin.answer("/api/admin/users/detail", &[("user_id", &sam_id)]).await;
    assert!(detail.user.locked);
    admin.ok("/api/admin/users/unlock", &[("user_id", &sam_id)]).await;
    assert_eq!(b.sign_in(None, "sam.okafor@demo.gwm.test", "Brand new password 42").await.status(), 200);
}

#[tokio::test]
async fn role_assignments_are_checked_and_the_last_admin_stays() {
    let app = TestApp::with_demo().await;
    app.add_tenant("acme", 1, true).await;
    let admin = admin(&app).await;
    let sam = app.id_of("SELECT id FROM users WHERE email = 'sam.okafor@demo.gwm.test'").await.to_string();
    let me = app.id_of("SELECT id FROM users WHERE email = 'admin@demo.gwm.test'").await.to_string();
    let cm = app.id_of("SELECT r.id FROM roles r JOIN tenants t ON t.id = r.tenant_id WHERE t.subdomain = 'demo' AND r.name = 'Capture manager'").await.to_string();
    let project = app.id_of("SELECT p.id FROM opportunity_projects p JOIN tenants t ON t.id = p.tenant_id WHERE t.subdomain = 'demo' LIMIT 1").await.to_string();
    let foreign_project = app.id_of("SELECT p.id FROM opportunity_projects p JOIN tenants t ON t.id = p.tenant_id WHERE t.subdomain = 'acme' LIMIT 1").await.to_string();
    let assign = |extra: Vec<(&'static str, String)>| {
        let admin = &admin;
        let (sam, cm) = (sam.clone(), cm.clone());
        async move {
            let mut form = vec![("user_id", sam), ("role_id", cm)];
            form.extend(extra);
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            status_and_message(admin.call("/api/admin/users/assign-role", &pairs).await).await
        }
    };
    assert_eq!(assign(vec![("expires_on", "next tuesday".into())]).await.0, 422);
    assert_eq!(assign(vec![("expires_on", "2020-01-01".into())]).await.0, 422);
    assert_eq!(assign(vec![("project_id", foreign_project)]).await, (404, "Project".to_string()));
    assert_eq!(assign(vec![("project_id", project.clone()), ("expires_on", "2099-12-31".into())]).await.0, 200);
    assert_eq!(assign(vec![("project_id", project.clone()), ("expires_on", "2099-12-31".into())]).await.0, 409);
    let detail = admin.ok("/api/admin/users/detail", &[("user_id", &sam)]).await;
    let scoped = detail["assignments"]
        .as_array()
        .expect("assignments")
        .iter()
        .find(|a| a["project_id"].as_str() == Some(project.as_str()))
        .expect("project role");
    assert_eq!(scoped["role_name"], "Capture manager");
    assert!(scoped["expires_at"].as_str().expect("expiry").starts_with("2099-12-31T23:59:59"));
    let assignment = scoped["id"].as_str().expect("id").to_string();
    admin.ok("/api/admin/users/remove-role", &[("user_id", &sam), ("assignment_id", &assignment)]).await;
    assert_eq!(
        status_and_message(
            admin.call("/api/admin/users/remove-role", &[("user_id", &sam), ("assignment_id", &assignment)]).await
        )
        .await
        .0,
        404
    );

    // Taking away the only admin's role is refused.
    let mine = admin.ok("/api/admin/users/detail", &[("user_id", &me)]).await;
    let admin_assignment = mine["assignments"][0]["id"].as_str().expect("id").to_string();
    let (s, m) = status_and_message(
        admin.call("/api/admin/users/remove-role", &[("user_id", &me), ("assignment_id", &admin_assignment)]).await,
    )
    .await;
    assert_eq!((s, m.contains("leave nobody who can manage users")), (409, true), "{m}");
    assert_eq!(app.count("SELECT count(*) FROM audit_logs WHERE action_type = 'permission_change'").await, 2);
}

#[tokio::test]
async fn custom_roles_can_be_made_changed_and_deleted_but_system_roles_cannot() {
    let app = TestApp::with_demo().await;
    app.add_tenant("acme", 0, true).await;
    let admin = admin(&app).await;
    let save = |form: Vec<(&'static str, &'static str)>| {
        let admin = &admin;
        async move { status_and_message(admin.call("/api/admin/roles/save", &form).await).await }
    };
    assert_eq!(save(vec![("name", "Pricing"), ("permissions[0]", "projects.fly")]).await.0, 422);
    assert_eq!(save(vec![("name", "Pricing")]).await.0, 422);
    assert_eq!(save(vec![("name", " "), ("permissions[0]", "projects.read")]).await.0, 422);
    assert_eq!(save(vec![("name", "Viewer"), ("permissions[0]", "projects.read")]).await.0, 409);
    let created = admin
        .ok(
            "/api/admin/roles/save",
            &[("name", "Pricing analyst"), ("permissions[0]", "projects.read"), ("permissions[1]", "documents.read")],
        )
        .await;
    let id = created.as_str().expect("id").to_string();
    admin
        .ok(
            "/api/admin/roles/save",
            &[("role_id", &id), ("name", "Pricing analyst"), ("permissions[0]", "projects.read")],
        )
        .await;
    let roles = admin.ok("/api/admin/roles/list", &[]).await;
    let pricing = roles.as_array().expect("roles").iter().find(|r| r["name"] == "Pricing analyst").expect("role");
    assert_eq!(pricing["permissions"], serde_json::json!(["projects.read"]));
    let viewer = roles.as_array().expect("roles").iter().find(|r| r["name"] == "Viewer").expect("viewer")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let (s, m) = status_and_message(
        admin
            .call(
                "/api/admin/roles/save",
                &[("role_id", &viewer), ("name", "Viewer"), ("permissions[0]", "admin.users")],
            )
            .await,
    )
    .await;
    assert_eq!((s, m.contains("system role")), (422, true));
    assert_eq!(status_and_message(admin.call("/api/admin/roles/delete", &[("role_id", &viewer)]).await).await.0, 422);
    let foreign = app
        .id_of("SELECT r.id FROM roles r JOIN tenants t ON t.id = r.tenant_id WHERE t.subdomain = 'acme' LIMIT 1")
        .await
        .to_string();
    assert_eq!(
        status_and_message(admin.call("/api/admin/roles/delete", &[("role_id", &foreign)]).await).await,
        (404, "Role".into())
    );
    assert_eq!(
        status_and_message(
            admin
                .call(
                    "/api/admin/roles/save",
                    &[("role_id", &foreign), ("name", "X"), ("permissions[0]", "projects.read")]
                )
                .await
        )
        .await
        .0,
        404
    );
    admin.ok("/api/admin/roles/delete", &[("role_id", &id)]).await;
}

#[tokio::test]
async fn the_security_policy_makes_admins_enroll() {
    let app = TestApp::with_demo().await;
    let admin = admin(&app).await;
    assert_eq!(
        status_and_message(admin.call("/api/admin/security/set", &[("mfa_required", "sometimes")]).await).await.0,
        422
    );
    admin.ok("/api/admin/security/set", &[("mfa_required", "admins")]).await;
    assert_eq!(admin.ok("/api/admin/security/get", &[]).await, "admins");
    let fresh = app.browser(None);
    let step = fresh.ok("/api/auth/sign-in", &[("email", "admin@demo.gwm.test"), ("password", DEMO_PASSWORD)]).await;
    assert!(step.get("NeedsEnrollment").is_some(), "{step}");
    // Non-admins are not asked.
    let viewer = app
        .browser(None)
        .ok("/api/auth/sign-in", &[("email", "taylor.brooks@demo.gwm.test"), ("password", DEMO_PASSWORD)])
        .await;
    assert_eq!(viewer["SignedIn"]["next"], "/");
}

/// Security finding: the MFA policy reaches live sessions. Requiring it, or giving someone a role it covers,
/// ends their sessions signed in without a second factor (audited); others' sessions go on.
#[tokio::test]
async fn the_mfa_policy_reaches_sessions_already_signed_in() {
    let app = TestApp::with_demo().await;
    let admin = admin(&app).await;
    let sam = app.id_of("SELECT id FROM users WHERE email = 'sam.okafor@demo.gwm.test'").await.to_string();
    let tenant_admin = app.id_of("SELECT id FROM roles WHERE name = 'Tenant admin'").await.to_string();
    admin.ok("/api/admin/users/assign-role", &[("user_id", &sam), ("role_id", &tenant_admin)]).await;
    let sam_session = app.demo_user("sam.okafor").await;
    let viewer = app.demo_user("taylor.brooks").await;
    admin.ok("/api/admin/security/set", &[("mfa_required", "admins")]).await;
    assert_eq!(sam_session.call("/api/projects/table", &[]).await.status(), 401, "an admin's session without MFA ends");
    assert_eq!(viewer.call("/api/projects/table", &[]).await.status(), 200, "a viewer is not covered");
    assert_eq!(admin.call("/api/projects/table", &[]).await.status(), 200, "the admin who changed it stays signed in");
    assert_eq!(app.count("SELECT count(*) FROM audit_logs WHERE action_type = 'session_end' AND after_values->>'reason' = 'mfa_policy'").await, 1);
    // The viewer becomes an admin: their session without MFA ends too.
    let taylor = app.id_of("SELECT id FROM users WHERE email = 'taylor.brooks@demo.gwm.test'").await.to_string();
    admin.ok("/api/admin/users/assign-role", &[("user_id", &taylor), ("role_id", &tenant_admin)]).await;
    assert_eq!(viewer.call("/api/projects/table", &[]).await.status(), 401);
    // Their next sign-in asks them to enroll.
    let step = app
        .browser(None)
        .ok("/api/auth/sign-in", &[("email", "taylor.brooks@demo.gwm.test"), ("password", DEMO_PASSWORD)])
        .await;
    assert!(step.get("NeedsEnrollment").is_some(), "{step}");
}

#[tokio::test]
async fn people_change_their_password_and_end_their_own_sessions_only() {
    let app = TestApp::with_demo().await;
    let laptop = app.demo_user("elena.fischer").await;
    let phone = app.demo_user("elena.fischer").await;
    let (s, m) = status_and_message(
        laptop
            .call(
                "/api/account/change-password",
                &[("current_password", "wrong"), ("new_password", "Fresh password 2026")],
            )
            .await,
    )
    .await;
    assert_eq!((s, m.as_str()), (422, "Your current password is not correct."));
    let (s, m) = status_and_message(
        laptop
            .call(
                "/api/account/change-password",
                &[("current_password", DEMO_PASSWORD), ("new_password", "elena.fischer 2026!")],
            )
            .await,
    )
    .await;
    assert_eq!((s, m.contains("email")), (422, true));

    let overview = laptop.ok("/api/account/overview", &[]).await;
    let sessions = overview["sessions"].as_array().expect("sessions");
    assert_eq!(sessions.len(), 2);
    let other =
        sessions.iter().find(|s| s["current"] == false).expect("other session")["id"].as_str().expect("id").to_string();
    let someone_else = app.demo_user("sam.okafor").await.ok("/api/account/overview", &[]).await["sessions"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(
        status_and_message(laptop.call("/api/account/end-session", &[("session_id", &someone_else)]).await).await,
        (404, "Session".into())
    );
    laptop.ok("/api/account/end-session", &[("session_id", &other)]).await;
    assert_eq!(phone.call("/api/projects/table", &[]).await.status(), 401);

    let tablet = app.demo_user("elena.fischer").await;
    laptop
        .ok(
            "/api/account/change-password",
            &[("current_password", DEMO_PASSWORD), ("new_password", "Fresh password 2026")],
        )
        .await;
    assert_eq!(tablet.call("/api/projects/table", &[]).await.status(), 401, "other sessions end");
    assert_eq!(laptop.call("/api/projects/table", &[]).await.status(), 200, "this one stays");
}

#[tokio::test]
async fn project_roles_apply_to_their_project_only_and_expire() {
    use app::{
        auth::ssr::queries::grants,
        ids::{ProjectId, TenantId, UserId},
    };
    let app = TestApp::with_demo().await;
    let admin = admin(&app).await;
    let taylor = app.id_of("SELECT id FROM users WHERE email = 'taylor.brooks@demo.gwm.test'").await;
    let tenant = app.id_of("SELECT id FROM tenants WHERE subdomain = 'demo'").await;
    let cm = app.id_of("SELECT id FROM roles WHERE name = 'Capture manager'").await.to_string();
    let projects: Vec<uuid::Uuid> = {
        let owner = app.db.owner_pool().await;
        let mut tx = crate::common::owner_tx(&owner, tenant).await;
        sqlx::query_scalar("SELECT id FROM opportunity_projects ORDER BY project_name LIMIT 2")
            .fetch_all(&mut *tx)
            .await
            .expect("projects")
    };
    let (mine, other) = (projects[0], projects[1]);
    admin
        .ok(
            "/api/admin/users/assign-role",
            &[("user_id", &taylor.to_string()), ("role_id", &cm), ("project_id", &mine.to_string())],
        )
        .await;

    let pool = app.db.app_pool().await;
    let can_move = |project: Option<uuid::Uuid>| {
        let pool = pool.clone();
        async move {
            let mut tx = crate::common::tenant_tx(&pool, TenantId::from_uuid(tenant), None).await;
            let found =
                grants(&mut tx, UserId::from_uuid(taylor), project.map(ProjectId::from_uuid)).await.expect("grants");
            found.iter().any(|g| g.permissions.0.iter().any(|p| p == "projects.move"))
        }
    };
    assert!(can_move(Some(mine)).await, "the project role applies on its project");
    assert!(!can_move(Some(other)).await, "not on another project");
    assert!(!can_move(None).await, "not tenant-wide");
    app.owner_exec("UPDATE user_roles SET assigned_at = now() - interval '2 days', expires_at = now() - interval '1 day' WHERE opportunity_project_id IS NOT NULL").await;
    assert!(!can_move(Some(mine)).await, "an expired assignment grants nothing");
}

#[tokio::test]
async fn people_turn_mfa_on_and_off_from_their_account() {
    use app::auth::ssr::mfa;
    let app = TestApp::with_demo().await;
    let me = app.demo_user("priya.natarajan").await;
    let (s, _) =
        status_and_message(me.call("/api/account/mfa/start", &[("current_password", "wrong one")]).await).await;
    assert_eq!(s, 422, "a borrowed session alone cannot swap the authenticator");
    let other_device = app.demo_user("priya.natarajan").await;
    let started = me.ok("/api/account/mfa/start", &[("current_password", DEMO_PASSWORD)]).await;
    let secret = mfa::secret_from_base32(started["secret"].as_str().expect("secret")).expect("base32");
    let (s, m) = status_and_message(me.call("/api/account/mfa/confirm", &[("code", "12345")]).await).await;
    assert_eq!((s, m.contains("does not match")), (422, true), "{m}");
    let code = mfa::code_at(&secret, chrono::Utc::now().timestamp() as u64).expect("code");
    let codes = me.ok("/api/account/mfa/confirm", &[("code", &code)]).await;
    assert_eq!(codes["codes"].as_array().map(Vec::len), Some(10));
    assert_eq!(me.ok("/api/account/overview", &[]).await["recovery_codes_left"], 10);
    assert_eq!(
        other_device.call("/api/projects/table", &[]).await.status(),
        401,
        "other sessions end with a new authenticator"
    );
    // The next sign-in asks for a code.
    let step = app
        .browser(None)
        .ok("/api/auth/sign-in", &[("email", "priya.natarajan@demo.gwm.test"), ("password", DEMO_PASSWORD)])
        .await;
    assert_eq!(step, "NeedsCode");
    let (s, _) = status_and_message(me.call("/api/account/mfa/disable", &[("current_password", "not it")]).await).await;
    assert_eq!(s, 422);
    me.ok("/api/account/mfa/disable", &[("current_password", DEMO_PASSWORD)]).await;
    let step = app
        .browser(None)
        .ok("/api/auth/sign-in", &[("email", "priya.natarajan@demo.gwm.test"), ("password", DEMO_PASSWORD)])
        .await;
    assert_eq!(step["SignedIn"]["next"], "/");
    // Where policy requires MFA, it cannot be turned off.
    me.ok("/api/account/mfa/start", &[("current_password", DEMO_PASSWORD)]).await;
    app.owner_exec("INSERT INTO tenant_security_policies (tenant_id, mfa_required) SELECT id, 'everyone' FROM tenants")
        .await;
    let (s, m) =
        status_and_message(me.call("/api/account/mfa/disable", &[("current_password", DEMO_PASSWORD)]).await).await;
    assert_eq!((s, m.contains("requires two-step verification")), (422, true), "{m}");
}

#[tokio::test]
async fn managing_users_is_no_path_to_more_permissions() {
    let app = TestApp::with_demo().await;
    let admin = admin(&app).await;
    let mut form = vec![("name", "User manager".to_string())];
    for (i, p) in
        ["admin.users", "projects.read", "documents.read", "contacts.read", "activities.read", "dashboard.read"]
            .iter()
            .enumerate()
    {
        form.push((Box::leak(format!("permissions[{i}]").into_boxed_str()), p.to_string()));
    }
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let manager_role = admin.ok("/api/admin/roles/save", &pairs).await.as_str().expect("id").to_string();
    let sam = app.id_of("SELECT id FROM users WHERE email = 'sam.okafor@demo.gwm.test'").await.to_string();
    let me = app.id_of("SELECT id FROM users WHERE email = 'admin@demo.gwm.test'").await.to_string();
    admin.ok("/api/admin/users/assign-role", &[("user_id", &sam), ("role_id", &manager_role)]).await;

    let sam_browser = app.demo_user("sam.okafor").await;
    let tenant_admin = app.id_of("SELECT id FROM roles WHERE name = 'Tenant admin'").await.to_string();
    let viewer = app.id_of("SELECT id FROM roles WHERE name = 'Viewer'").await.to_string();
    let (s, m) = status_and_message(
        sam_browser.call("/api/admin/users/assign-role", &[("user_id", &sam), ("role_id", &tenant_admin)]).await,
    )
    .await;
    assert_eq!((s, m.contains("permissions you do not hold")), (403, true), "{m}");
    let (s, m) = status_and_message(
        sam_browser
            .call("/api/admin/users/reset-password", &[("user_id", &me), ("password", "Take over the admin 1")])
            .await,
    )
    .await;
    assert_eq!((s, m.contains("reset the password")), (403, true), "{m}");
    // Within their own permissions they can work.
    let taylor = app.id_of("SELECT id FROM users WHERE email = 'taylor.brooks@demo.gwm.test'").await.to_string();
    let elena = app.id_of("SELECT id FROM users WHERE email = 'elena.fischer@demo.gwm.test'").await.to_string();
    let (s, m) = status_and_message(
        sam_browser.call("/api/admin/users/assign-role", &[("user_id", &elena), ("role_id", &viewer)]).await,
    )
    .await;
    assert_eq!(s, 200, "{m}");
    sam_browser
        .ok("/api/admin/users/reset-password", &[("user_id", &taylor), ("password", "Viewer reset password 7")])
        .await;
}

/// Saves a custom role with `permissions` as `who`; the answer's status and message (or the new id).
async fn save_role(who: &Browser, role_id: Option<&str>, name: &str, permissions: &[&str]) -> (u16, String) {
    let mut form: Vec<(String, String)> = vec![("name".into(), name.into())];
    if let Some(id) = role_id {
        form.push(("role_id".into(), id.into()));
    }
    for (i, p) in permissions.iter().enumerate() {
        form.push((format!("permissions[{i}]"), p.to_string()));
    }
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let res = who.call("/api/admin/roles/save", &pairs).await;
    if res.status() == 200 {
        return (200, res.json::<String>().await.expect("id"));
    }
    status_and_message(res).await
}

const READS: [&str; 5] = ["dashboard.read", "projects.read", "documents.read", "contacts.read", "activities.read"];

/// Security finding: `admin.roles` (and `admin.sso`) must not be a path to permissions one does not hold.
#[tokio::test]
async fn keeping_roles_or_sso_is_no_path_to_more_permissions() {
    let app = TestApp::with_demo().await;
    let admin = admin(&app).await;
    let keeper_perms: Vec<&str> = READS.iter().copied().chain(["admin.roles", "admin.sso"]).collect();
    let (s, keeper) = save_role(&admin, None, "Role keeper", &keeper_perms).await;
    assert_eq!(s, 200, "{keeper}");
    let (_, mighty) = save_role(&admin, None, "Mighty", &["projects.read", "admin.users"]).await;
    let sam = app.id_of("SELECT id FROM users WHERE email = 'sam.okafor@demo.gwm.test'").await.to_string();
    admin.ok("/api/admin/users/assign-role", &[("user_id", &sam), ("role_id", &keeper)]).await;
    let sam_browser = app.demo_user("sam.okafor").await;

    let (s, m) = save_role(&sam_browser, None, "Backdoor", &["projects.read", "admin.users"]).await;
    assert_eq!((s, m.contains("admin.users")), (403, true), "a new role: {m}");
    let with_more: Vec<&str> = keeper_perms.iter().copied().chain(["admin.users"]).collect();
    let (s, m) = save_role(&sam_browser, Some(&keeper), "Role keeper", &with_more).await;
    assert_eq!((s, m.contains("admin.users")), (403, true), "their own role: {m}");
    let (s, m) = save_role(&sam_browser, Some(&mighty), "Mighty", &["projects.read"]).await;
    assert_eq!((s, m.contains("change a role that holds permissions you do not")), (403, true), "{m}");
    let (s, m) = status_and_message(sam_browser.call("/api/admin/roles/delete", &[("role_id", &mighty)]).await).await;
    assert_eq!((s, m.contains("delete a role")), (403, true), "{m}");
    // Within what they hold, they work.
    let (s, m) = save_role(&sam_browser, None, "Readers", &["projects.read", "documents.read"]).await;
    assert_eq!(s, 200, "{m}");

    // SSO: a group mapping or default role that is new must stay within what the admin holds.
    let metadata = include_str!("../../app/tests/fixtures/saml/simplesamlphp-idp-metadata.xml");
    let sso = |mappings: &'static str, default_role: String| {
        let sam_browser = &sam_browser;
        async move {
            let form = [
                ("metadata_xml", metadata),
                ("attribute_email", "email"),
                ("attribute_first_name", "givenName"),
                ("attribute_last_name", "sn"),
                ("attribute_groups", "groups"),
                ("group_mappings", mappings),
                ("default_role_id", default_role.as_str()),
                ("jit_provisioning", "on"),
            ];
            status_and_message(sam_browser.call("/api/admin/sso/save", &form).await).await
        }
    };
    let tenant_admin = app.id_of("SELECT id FROM roles WHERE name = 'Tenant admin'").await.to_string();
    let viewer = app.id_of("SELECT id FROM roles WHERE name = 'Viewer'").await.to_string();
    let (s, m) = sso("admins = Tenant admin", viewer.clone()).await;
    assert_eq!((s, m.contains("map SSO users to a role")), (403, true), "{m}");
    let (s, m) = sso("", tenant_admin).await;
    assert_eq!((s, m.contains("map SSO users to a role")), (403, true), "{m}");
    let (s, m) = sso("readers = Viewer", viewer).await;
    assert_eq!(s, 200, "{m}");
}

/// Security finding: the last-admin guard holds for every admin permission, on every path that removes
/// one, and under concurrency.
#[tokio::test]
async fn every_admin_permission_keeps_a_holder_on_every_path_and_under_concurrency() {
    let app = TestApp::with_demo().await;
    let admin = admin(&app).await;
    let me = app.id_of("SELECT id FROM users WHERE email = 'admin@demo.gwm.test'").await.to_string();
    let sam = app.id_of("SELECT id FROM users WHERE email = 'sam.okafor@demo.gwm.test'").await.to_string();
    let tenant_admin = app.id_of("SELECT id FROM roles WHERE name = 'Tenant admin'").await.to_string();
    // The only admin keeps admin.users through a custom role: dropping Tenant admin would leave nobody
    // who can edit roles (the old guard only counted admin.users).
    let users_only: Vec<&str> = READS.iter().copied().chain(["admin.users"]).collect();
    let (_, users_role) = save_role(&admin, None, "User keeper", &users_only).await;
    admin.ok("/api/admin/users/assign-role", &[("user_id", &me), ("role_id", &users_role)]).await;
    let assignment_of = |detail: &serde_json::Value, role: &str| {
        detail["assignments"]
            .as_array()
            .expect("assignments")
            .iter()
            .find(|a| a["role_id"] == role)
            .expect("assignment")["id"]
            .as_str()
            .expect("id")
            .to_string()
    };
    let mine = admin.ok("/api/admin/users/detail", &[("user_id", &me)]).await;
    let my_admin_role = assignment_of(&mine, &tenant_admin);
    let (s, m) = status_and_message(
        admin.call("/api/admin/users/remove-role", &[("user_id", &me), ("assignment_id", &my_admin_role)]).await,
    )
    .await;
    assert_eq!((s, m.contains("create and edit roles")), (409, true), "{m}");
    // A custom role that is the only holder of admin.sso (held by the admin too, so no escalation is
    // involved) cannot lose it or be deleted; one of its two holders may give it up.
    let sso_perms: Vec<&str> = READS.iter().copied().chain(["admin.sso"]).collect();
    let (_, sso_role) = save_role(&admin, None, "SSO keeper", &sso_perms).await;
    admin.ok("/api/admin/users/assign-role", &[("user_id", &sam), ("role_id", &sso_role)]).await;
    admin.ok("/api/admin/users/assign-role", &[("user_id", &me), ("role_id", &sso_role)]).await;
    app.owner_exec("UPDATE roles SET permissions = permissions - 'admin.sso' WHERE name = 'Tenant admin'").await;
    let (s, m) = save_role(&admin, Some(&sso_role), "SSO keeper", &READS).await;
    assert_eq!((s, m.contains("single sign-on")), (409, true), "change: {m}");
    let (s, m) = status_and_message(admin.call("/api/admin/roles/delete", &[("role_id", &sso_role)]).await).await;
    assert_eq!((s, m.contains("single sign-on")), (409, true), "delete: {m}");
    let mine = admin.ok("/api/admin/users/detail", &[("user_id", &me)]).await;
    admin
        .ok("/api/admin/users/remove-role", &[("user_id", &me), ("assignment_id", &assignment_of(&mine, &sso_role))])
        .await;
    app.owner_exec("UPDATE roles SET permissions = permissions || '[\"admin.sso\"]' WHERE name = 'Tenant admin'").await;

    // Two admins remove each other's admin role at the same moment: one removal wins, one admin stays.
    admin.ok("/api/admin/users/assign-role", &[("user_id", &sam), ("role_id", &tenant_admin)]).await;
    let sam_browser = app.demo_user("sam.okafor").await;
    let theirs = admin.ok("/api/admin/users/detail", &[("user_id", &sam)]).await;
    let sams_admin_role = assignment_of(&theirs, &tenant_admin);
    app.owner_exec(&format!("DELETE FROM user_roles WHERE role_id IN ('{users_role}', '{sso_role}')")).await;
    let remove_sams = [("user_id", sam.as_str()), ("assignment_id", sams_admin_role.as_str())];
    let remove_mine = [("user_id", me.as_str()), ("assignment_id", my_admin_role.as_str())];
    let (a, b) = tokio::join!(
        admin.call("/api/admin/users/remove-role", &remove_sams),
        sam_browser.call("/api/admin/users/remove-role", &remove_mine),
    );
    let statuses = [a.status().as_u16(), b.status().as_u16()];
    // The loser is refused by the guard (409) or, if the winner committed first, no longer allowed (403).
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "one wins: {statuses:?}");
    let holders = "SELECT count(DISTINCT ur.user_id) FROM user_roles ur JOIN roles r ON r.id = ur.role_id JOIN users u ON u.id = ur.user_id \
                   WHERE r.permissions ? 'admin.roles' AND u.is_active AND ur.opportunity_project_id IS NULL";
    assert_eq!(app.count(holders).await, 1);
}

/// The guard's turn-taking, made deterministic: two transactions each remove one of two admins; the second
/// guard waits for the first removal to commit and then sees that nobody would be left.
#[tokio::test]
async fn concurrent_removals_of_the_last_two_admins_take_turns() {
    use app::{
        admin::queries::unheld_permissions,
        auth::Permission,
        ids::{TenantId, UserId},
    };
    let app = TestApp::with_demo().await;
    let admin = admin(&app).await;
    let me = app.id_of("SELECT id FROM users WHERE email = 'admin@demo.gwm.test'").await;
    let sam = app.id_of("SELECT id FROM users WHERE email = 'sam.okafor@demo.gwm.test'").await;
    let tenant_admin = app.id_of("SELECT id FROM roles WHERE name = 'Tenant admin'").await;
    admin
        .ok("/api/admin/users/assign-role", &[("user_id", &sam.to_string()), ("role_id", &tenant_admin.to_string())])
        .await;
    let tenant = TenantId::from_uuid(app.id_of("SELECT id FROM tenants WHERE subdomain = 'demo'").await);
    let pool = app.state.pool.clone();
    let remove = |user: uuid::Uuid| {
        let pool = pool.clone();
        async move {
            let mut tx = crate::common::tenant_tx(&pool, tenant, Some(UserId::from_uuid(me))).await;
            sqlx::query("DELETE FROM user_roles WHERE user_id = $1 AND role_id = $2")
                .bind(user)
                .bind(tenant_admin)
                .execute(&mut *tx)
                .await
                .expect("delete");
            tx
        }
    };
    let mut first = remove(me).await;
    let mut second = remove(sam).await;
    let admin_perms = [Permission::AdminUsers, Permission::AdminRoles];
    assert!(
        unheld_permissions(&mut first, &admin_perms).await.expect("first guard").is_empty(),
        "sam is still there for the first"
    );
    let waiting = tokio::spawn(async move {
        let unheld = unheld_permissions(&mut second, &admin_perms).await.expect("second guard");
        second.rollback().await.expect("rollback");
        unheld
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "the second guard waits for the first removal");
    first.commit().await.expect("commit");
    let unheld = waiting.await.expect("second");
    assert_eq!(unheld, admin_perms.to_vec(), "after the first removal, the second would leave nobody");
}
