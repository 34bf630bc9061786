//! Sign-in, lockout, sessions (cycling, hashing, idle and absolute expiry, revocation), CSRF, rate limiting,
//! MFA and authorization refusals, against the real server.

use crate::common::{DEMO_PASSWORD, TestApp, status_and_message};
use app::auth::ssr::mfa;
use serde_json::Value;
use sha2::{Digest, Sha256};

fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.cookies().find(|c| c.name() == "gwm_session").map(|c| c.value().to_string())
}

async fn message(res: reqwest::Response) -> String {
    crate::common::status_and_message(res).await.1
}

#[tokio::test]
async fn wrong_passwords_and_unknown_users_get_the_same_answer_and_are_audited() {
    let app = TestApp::with_demo().await;
    let browser = app.browser(None);
    let wrong = browser.sign_in(None, "jordan.reyes@demo.gwm.test", "wrong password!").await;
    assert_eq!(wrong.status(), 401);
    let unknown = browser.sign_in(None, "nobody@demo.gwm.test", "wrong password!").await;
    assert_eq!(unknown.status(), 401);
    assert_eq!(message(wrong).await, "The email or password is not correct.");
    assert_eq!(message(unknown).await, "The email or password is not correct.");
    let empty = browser.sign_in(None, "", "").await;
    assert_eq!(empty.status(), 422);
    assert!(message(empty).await.contains("Enter your email"));
    assert_eq!(app.count("SELECT count(*) FROM audit_logs WHERE action_type = 'login_failed'").await, 2);
    assert_eq!(app.count("SELECT count(*) FROM audit_logs WHERE action_type = 'login_failed' AND ip_address IS NOT NULL AND request_id <> '-'").await, 2);
    // Email is case-insensitive.
    let ok = browser.sign_in(None, "  Jordan.Reyes@Demo.GWM.test ", DEMO_PASSWORD).await;
    assert_eq!(ok.status(), 200);
    assert_eq!(app.count("SELECT count(*) FROM users WHERE email = 'jordan.reyes@demo.gwm.test' AND failed_login_attempts = 0 AND last_login_at IS NOT NULL").await, 1);
}

#[tokio::test]
async fn five_failures_lock_the_account_until_the_lock_runs_out() {
    let app = TestApp::with_demo().await;
    let browser = app.browser(None);
    for _ in 0..4 {
        assert_eq!(browser.sign_in(None, "marcus.webb@demo.gwm.test", "nope nope nope").await.status(), 401);
    }
    let fifth = browser.sign_in(None, "marcus.webb@demo.gwm.test", "nope nope nope").await;
    assert!(message(fifth).await.contains("locked after too many failed sign-ins"));
    // Locked: even the right password is refused, with the reason.
    let right = browser.sign_in(None, "marcus.webb@demo.gwm.test", DEMO_PASSWORD).await;
    assert_eq!(right.status(), 401);
    assert!(message(right).await.contains("Try again in 15 minutes"));
    assert_eq!(
        app.count("SELECT count(*) FROM audit_logs WHERE action_type = 'lockout' AND risk_level = 'high'").await,
        1
    );
    // The lock runs out: the right password works and the counter starts again.
    app.owner_exec("UPDATE sign_in_failures SET failed_at = failed_at - interval '16 minutes'").await;
    assert_eq!(browser.sign_in(None, "marcus.webb@demo.gwm.test", DEMO_PASSWORD).await.status(), 200);
    assert_eq!(app.count("SELECT count(*) FROM users WHERE email = 'marcus.webb@demo.gwm.test' AND failed_login_attempts = 0 AND locked_until IS NULL").await, 1);
}

#[tokio::test]
async fn sign_in_cycles_the_session_id_and_only_hashes_are_stored() {
    let app = TestApp::with_demo().await;
    let browser = app.browser(None);
    let first = browser.sign_in(None, "sam.okafor@demo.gwm.test", DEMO_PASSWORD).await;
    let token_a = session_cookie(&first).expect("session cookie");
    let set_cookie = first.headers()["set-cookie"].to_str().expect("cookie").to_string();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    assert!(!set_cookie.contains("Secure"), "plain-HTTP dev server must not mark the cookie Secure: {set_cookie}");
    let second = browser.sign_in(None, "sam.okafor@demo.gwm.test", DEMO_PASSWORD).await;
    let token_b = session_cookie(&second).expect("session cookie");
    assert_ne!(token_a, token_b, "signing in must issue a new session id");

    let hash_b = hex::encode(Sha256::digest(token_b.as_bytes()));
    assert_eq!(
        app.count(&format!("SELECT count(*) FROM user_sessions WHERE session_token_hash = '{hash_b}' AND is_active"))
            .await,
        1
    );
    let owner = app.db.owner_pool().await;
    let raw: i64 =
        sqlx::query_scalar("SELECT count(*) FROM http_sessions WHERE id_hash = $1 OR data::text LIKE '%' || $1 || '%'")
            .bind(&token_b)
            .fetch_one(&owner)
            .await
            .expect("count");
    assert_eq!(raw, 0, "the raw token must not be stored");
    // The old id no longer opens anything.
    let old = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let res =
        old.get(app.url("/projects")).header("cookie", format!("gwm_session={token_a}")).send().await.expect("get");
    assert_eq!(res.status(), 303);
    let res =
        old.get(app.url("/projects")).header("cookie", format!("gwm_session={token_b}")).send().await.expect("get");
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn idle_and_expired_sessions_end_and_are_audited() {
    let app = TestApp::with_demo().await;
    let idle = app.demo_user("priya.natarajan").await;
    let old = app.demo_user("elena.fischer").await;
    assert_eq!(idle.get("/projects").await.status(), 200);
    app.owner_exec("UPDATE user_sessions s SET last_activity_at = now() - interval '31 minutes' FROM users u WHERE u.id = s.user_id AND u.email LIKE 'priya%'").await;
    app.owner_exec("UPDATE user_sessions s SET expires_at = now() - interval '1 second', created_at = now() - interval '13 hours', last_activity_at = now() - interval '13 hours' FROM users u WHERE u.id = s.user_id AND u.email LIKE 'elena%'").await;
    assert_eq!(idle.get("/projects").await.status(), 303);
    assert_eq!(old.call("/api/projects/table", &[]).await.status(), 401);
    assert_eq!(app.count("SELECT count(*) FROM user_sessions WHERE termination_reason = 'timeout'").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM user_sessions WHERE termination_reason = 'expired'").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM audit_logs WHERE action_type = 'session_end'").await, 2);
}

#[tokio::test]
async fn housekeeping_ends_abandoned_sessions_in_every_tenant() {
    let app = TestApp::with_demo().await;
    app.add_tenant("acme", 0, true).await;
    let _a = app.demo_user("sam.okafor").await;
    let _b = app.signed_in(Some("acme"), "viewer@acme.test", crate::common::TENANT_PASSWORD).await;
    app.owner_exec("UPDATE user_sessions SET last_activity_at = now() - interval '2 hours'").await;
    let pool = app.db.app_pool().await;
    let ended: i32 = sqlx::query_scalar("SELECT auth_housekeeping(interval '30 minutes', interval '10 minutes')")
        .fetch_one(&pool)
        .await
        .expect("housekeeping");
    assert_eq!(ended, 2);
    assert_eq!(app.count("SELECT count(*) FROM user_sessions WHERE is_active").await, 0);
    assert_eq!(
        app.count(
            "SELECT count(*) FROM audit_logs WHERE action_type = 'session_end' AND system_actor = 'session_monitor'"
        )
        .await,
        2
    );
}

#[tokio::test]
async fn deactivating_a_user_ends_their_sessions_at_once() {
    let app = TestApp::with_demo().await;
    let browser = app.demo_user("marcus.webb").await;
    assert_eq!(browser.get("/projects").await.status(), 200);
    app.owner_exec("UPDATE users SET is_active = false WHERE email = 'marcus.webb@demo.gwm.test'").await;
    assert_eq!(browser.get("/projects").await.status(), 303);
    assert_eq!(app.count("SELECT count(*) FROM user_sessions WHERE termination_reason = 'user_deactivated'").await, 1);
    assert_eq!(browser.sign_in(None, "marcus.webb@demo.gwm.test", DEMO_PASSWORD).await.status(), 401);
}

#[tokio::test]
async fn cross_site_requests_are_refused() {
    let app = TestApp::with_demo().await;
    let browser = app.demo_user("admin").await;
    let evil = browser.call_from(Some("http://evil.example"), "/api/projects/table", &[]).await;
    assert_eq!(evil.status(), 403);
    assert!(message(evil).await.contains("outside GWM CRM"));
    let bare = browser.call_from(None, "/api/auth/sign-out", &[]).await;
    assert_eq!(bare.status(), 403);
    // A look-alike host is not the same origin.
    let lookalike =
        browser.call_from(Some(&format!("{}.evil.example", browser.origin())), "/api/auth/sign-out", &[]).await;
    assert_eq!(lookalike.status(), 403);
    // Still signed in after all of that.
    assert_eq!(browser.call("/api/projects/table", &[("query[page]", "1")]).await.status(), 200);
}

#[tokio::test]
async fn sign_in_is_rate_limited_per_address() {
    let db = crate::common::TestDb::new().await;
    let app = TestApp::spawn(db, &[("GWM_SEED_DEMO", "if-empty"), ("GWM_SIGN_IN_RATE_PER_MINUTE", "3")]).await;
    let browser = app.browser(None);
    for _ in 0..3 {
        assert_eq!(browser.sign_in(None, "admin@demo.gwm.test", "bad password x").await.status(), 401);
    }
    let limited = browser.sign_in(None, "admin@demo.gwm.test", DEMO_PASSWORD).await;
    assert_eq!(limited.status(), 429);
    assert!(message(limited).await.contains("Wait a minute"));
}

#[tokio::test]
async fn a_user_without_the_permission_is_refused_and_it_is_recorded() {
    let app = TestApp::with_demo().await;
    let browser = app.demo_user("taylor.brooks").await;
    app.owner_exec(
        "DELETE FROM user_roles ur USING users u WHERE u.id = ur.user_id AND u.email = 'taylor.brooks@demo.gwm.test'",
    )
    .await;
    let res = browser.call("/api/projects/table", &[]).await;
    assert_eq!(res.status(), 403);
    assert_eq!(message(res).await, "see projects and the pipeline");
    assert_eq!(app.count("SELECT count(*) FROM permission_audit WHERE permission_checked = 'projects.read' AND NOT permission_granted AND denial_reason = 'no role assigned'").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM audit_logs WHERE action_type = 'access_denied' AND permission_used = 'projects.read' AND NOT access_granted").await, 1);
}

#[tokio::test]
async fn an_sso_only_tenant_refuses_passwords() {
    let app = TestApp::with_demo().await;
    app.owner_exec("INSERT INTO saml_configurations (tenant_id, idp_metadata_xml, idp_entity_id, idp_sso_url, sso_only, updated_by) \
        SELECT tenant_id, '<x/>', 'https://idp.test', 'https://idp.test/sso', true, id FROM users WHERE email = 'admin@demo.gwm.test'").await;
    let res = app.browser(None).sign_in(None, "admin@demo.gwm.test", DEMO_PASSWORD).await;
    assert_eq!(res.status(), 401);
    assert!(message(res).await.contains("single sign-on only"));
}

fn code_for(secret_shown: &str) -> String {
    let secret = mfa::secret_from_base32(secret_shown).expect("base32 secret");
    let now = chrono::Utc::now().timestamp() as u64;
    mfa::code_at(&secret, now).expect("code")
}

#[tokio::test]
async fn mfa_required_by_policy_enrolls_then_asks_for_a_code_every_time() {
    let app = TestApp::with_demo().await;
    app.owner_exec("INSERT INTO tenant_security_policies (tenant_id, mfa_required) SELECT id, 'everyone' FROM tenants")
        .await;
    let browser = app.browser(None);
    let step =
        browser.ok("/api/auth/sign-in", &[("email", "jordan.reyes@demo.gwm.test"), ("password", DEMO_PASSWORD)]).await;
    let enrollment = &step["NeedsEnrollment"];
    let secret = enrollment["secret"].as_str().expect("secret shown once").to_string();
    assert!(enrollment["qr_svg"].as_str().expect("qr").contains("<svg"));
    // Not signed in yet.
    assert_eq!(browser.call("/api/projects/table", &[]).await.status(), 401);
    let wrong = browser.call("/api/auth/enroll", &[("code", "000000")]).await;
    assert_eq!(wrong.status(), 422);
    let codes = browser.ok("/api/auth/enroll", &[("code", &code_for(&secret))]).await;
    let recovery: Vec<String> =
        codes["codes"].as_array().expect("codes").iter().map(|c| c.as_str().expect("code").to_string()).collect();
    assert_eq!(recovery.len(), 10);
    assert_eq!(browser.call("/api/projects/table", &[]).await.status(), 200);
    assert_eq!(app.count("SELECT count(*) FROM users WHERE mfa_enabled AND mfa_secret_encrypted IS NOT NULL AND mfa_pending_secret_encrypted IS NULL").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM user_sessions WHERE mfa_verified AND is_active").await, 1);

    // Next time: password, then a code. The code just used is not accepted again; a wrong one counts as a failure.
    let again = app.browser(None);
    let step =
        again.ok("/api/auth/sign-in", &[("email", "jordan.reyes@demo.gwm.test"), ("password", DEMO_PASSWORD)]).await;
    assert_eq!(step, Value::String("NeedsCode".into()));
    let (status, said) = status_and_message(again.call("/api/auth/code", &[("code", &code_for(&secret))]).await).await;
    assert_eq!((status, said.contains("already used")), (401, true), "a reused code is told so: {said}");
    assert_eq!(
        app.count(
            "SELECT count(*) FROM users WHERE email = 'jordan.reyes@demo.gwm.test' AND failed_login_attempts = 1"
        )
        .await,
        1
    );
    // A recovery code works once.
    let by_recovery = again.ok("/api/auth/code", &[("code", &recovery[0].to_uppercase())]).await;
    assert_eq!(by_recovery["SignedIn"]["next"], "/");
    let third = app.browser(None);
    third.ok("/api/auth/sign-in", &[("email", "jordan.reyes@demo.gwm.test"), ("password", DEMO_PASSWORD)]).await;
    assert_eq!(third.call("/api/auth/code", &[("code", &recovery[0])]).await.status(), 401);
    // Without the password step there is nothing to verify.
    let stranger = app.browser(None);
    let res = stranger.call("/api/auth/code", &[("code", "123456")]).await;
    assert_eq!(res.status(), 401);
    assert!(message(res).await.contains("expired"));
}

#[tokio::test]
async fn over_https_the_session_cookie_is_secure() {
    let db = crate::common::TestDb::new().await;
    let app = TestApp::spawn(db, &[("GWM_SEED_DEMO", "if-empty"), ("GWM_PUBLIC_SCHEME", "https")]).await;
    let browser = app.browser(None);
    let form = [("email", "admin@demo.gwm.test"), ("password", DEMO_PASSWORD)];
    // Behind TLS the browser's origin is https: a plain-http origin is another site.
    assert_eq!(browser.call_from(Some(&browser.origin()), "/api/auth/sign-in", &form).await.status(), 403);
    let res = browser.call_from(Some(&format!("https://{}", browser.host)), "/api/auth/sign-in", &form).await;
    assert_eq!(res.status(), 200);
    let cookie = res.headers()["set-cookie"].to_str().expect("cookie").to_string();
    assert!(cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
}

/// Security finding: no row lock is held while Argon2 runs, and the lockout cannot be raced: each attempt
/// reserves its failure before verifying, so of twelve concurrent wrong passwords from one address exactly
/// five are verified and the rest find the account locked.
#[tokio::test]
async fn concurrent_wrong_passwords_each_count_and_lock_once() {
    let app = TestApp::with_demo().await;
    let attempts: Vec<_> = (0..12).map(|_| app.browser(None)).collect();
    let answers = futures::future::join_all(
        attempts.iter().map(|b| b.sign_in(None, "marcus.webb@demo.gwm.test", "nope nope nope")),
    )
    .await;
    // Past the threshold, an attempt is told the account is locked or (while five are still being
    // verified) to wait a moment: never verified.
    assert!(
        answers.iter().all(|r| r.status() == 401 || r.status() == 429),
        "{:?}",
        answers.iter().map(|r| r.status()).collect::<Vec<_>>()
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_logs WHERE operation_description = 'Sign-in failed: wrong password'")
            .await,
        5
    );
    assert_eq!(app.count("SELECT count(*) FROM sign_in_failures WHERE NOT pending").await, 5);
    assert_eq!(app.count("SELECT count(*) FROM users WHERE email = 'marcus.webb@demo.gwm.test' AND failed_login_attempts = 5 AND locked_until > now()").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM audit_logs WHERE action_type = 'lockout'").await, 1);
    let right = app.browser(None).sign_in(None, "marcus.webb@demo.gwm.test", DEMO_PASSWORD).await;
    assert!(message(right).await.contains("locked"), "now locked from this address");
    // The credentials read that precedes Argon2 takes no row lock: another transaction can lock the row
    // while it is open.
    let pool = app.state.pool.clone();
    let tenant = app::ids::TenantId::from_uuid(app.id_of("SELECT id FROM tenants WHERE subdomain = 'demo'").await);
    let mut reading = crate::common::tenant_tx(&pool, tenant, None).await;
    app::auth::ssr::queries::credentials_by_email(&mut reading, "marcus.webb@demo.gwm.test")
        .await
        .expect("read")
        .expect("user");
    let mut other = crate::common::tenant_tx(&pool, tenant, None).await;
    sqlx::query("SELECT 1 FROM users WHERE email = 'marcus.webb@demo.gwm.test' FOR UPDATE NOWAIT")
        .execute(&mut *other)
        .await
        .expect("not locked by the read");
}

/// Security finding: unknown accounts answer exactly like known ones, lockout included; and a lockout from
/// one address never keeps the person out from their own.
#[tokio::test]
async fn lockout_tells_nothing_about_accounts_and_cannot_keep_a_person_out() {
    let app = TestApp::spawn(
        crate::common::TestDb::with_demo().await,
        &[("GWM_SEED_DEMO", "if-empty"), ("GWM_TRUST_FORWARDED_FOR", "true")],
    )
    .await;
    let attacker = app.browser(None);
    let mut last = std::collections::HashMap::new();
    for email in ["marcus.webb@demo.gwm.test", "nobody.here@demo.gwm.test"] {
        for i in 0..6 {
            let res = attacker
                .call_from_address(
                    "203.0.113.9",
                    "/api/auth/sign-in",
                    &[("email", email), ("password", "guess guess guess")],
                )
                .await;
            let (status, message) = crate::common::status_and_message(res).await;
            last.insert((email, i), (status, message));
        }
    }
    for i in 0..6 {
        assert_eq!(
            last[&("marcus.webb@demo.gwm.test", i)],
            last[&("nobody.here@demo.gwm.test", i)],
            "attempt {i}: the same answer"
        );
    }
    assert!(last[&("nobody.here@demo.gwm.test", 4)].1.contains("locked"), "the fifth failure locks, known or not");
    // The real person, from their own network, signs in.
    let person = app.browser(None);
    let res = person
        .call_from_address(
            "198.51.100.7",
            "/api/auth/sign-in",
            &[("email", "marcus.webb@demo.gwm.test"), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
    // An administrator's unlock clears every address.
    let res = attacker
        .call_from_address(
            "203.0.113.9",
            "/api/auth/sign-in",
            &[("email", "marcus.webb@demo.gwm.test"), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 401, "still locked from the attacker's address");
    let admin = app.demo_user("admin").await;
    let marcus = app.id_of("SELECT id FROM users WHERE email = 'marcus.webb@demo.gwm.test'").await.to_string();
    admin.ok("/api/admin/users/unlock", &[("user_id", &marcus)]).await;
    assert_eq!(app.count("SELECT count(*) FROM sign_in_failures WHERE email = 'marcus.webb@demo.gwm.test'").await, 0);
}

/// Security finding: guesses of the current password (change password, set up or turn off MFA) count
/// toward the lockout like sign-in failures, are audited, and the lock ends the guessing session.
#[tokio::test]
async fn current_password_guesses_count_toward_the_lockout() {
    let app = TestApp::with_demo().await;
    let borrowed = app.demo_user("marcus.webb").await;
    let guesses: [(&str, Vec<(&str, &str)>); 5] = [
        (
            "/api/account/change-password",
            vec![("current_password", "guess 1"), ("new_password", "Another password 2026")],
        ),
        ("/api/account/mfa/start", vec![("current_password", "guess 2")]),
        (
            "/api/account/change-password",
            vec![("current_password", "guess 3"), ("new_password", "Another password 2026")],
        ),
        ("/api/account/mfa/start", vec![("current_password", "guess 4")]),
        (
            "/api/account/change-password",
            vec![("current_password", "guess 5"), ("new_password", "Another password 2026")],
        ),
    ];
    let mut last = (0, String::new());
    for (path, form) in &guesses {
        last = crate::common::status_and_message(borrowed.call(path, form).await).await;
    }
    assert_eq!((last.0, last.1.contains("locked")), (401, true), "{last:?}");
    assert_eq!(app.count("SELECT count(*) FROM audit_logs WHERE action_type = 'login_failed' AND operation_description LIKE 'Wrong current password%'").await, 5);
    assert_eq!(app.count("SELECT count(*) FROM audit_logs WHERE action_type = 'lockout'").await, 1);
    assert_eq!(borrowed.call("/api/projects/table", &[]).await.status(), 401, "the guessing session ended");
    let right = app.browser(None).sign_in(None, "marcus.webb@demo.gwm.test", DEMO_PASSWORD).await;
    assert!(message(right).await.contains("locked"), "the account is locked for sign-in too");
}
