//! /settings/sources' server functions: an admin adds, edits, tests, polls, pauses and deletes sources; bad
//! input is refused with what to fix and writes nothing; secrets never come back; other tenants' sources are
//! not found; people without `admin.sources` are refused.

use crate::{
    common::{Browser, status_and_message},
    sync::{API_KEY, Feed, five, setup},
};
use app::{
    ids::SourceId,
    roles::SystemRole,
    sync::sources::{ConnectionTest, SourceView},
};

const SAVE: &str = "/api/admin/sources/save";

fn form<'a>(base: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("name", "SAM.gov production"),
        ("kind", "sam_gov"),
        ("endpoint", base),
        ("auth", "api_key"),
        ("secret", API_KEY),
        ("page_size", "2"),
        ("retry_attempts", "0"),
        ("timeout_seconds", "2"),
        ("polling_frequency_minutes", "120"),
        ("naics_codes", "541512"),
    ];
    for (k, v) in extra {
        f.retain(|(name, _)| name != k);
        f.push((k, v));
    }
    f
}

async fn list(admin: &Browser) -> Vec<SourceView> {
    admin.answer("/api/admin/sources/list", &[]).await
}

#[tokio::test]
async fn an_admin_adds_tests_edits_polls_pauses_and_deletes_a_source_and_never_sees_its_secret() {
    let s = setup(|_| {}).await;
    s.feed.publish(five());
    let tenant = s.app.with_tenant("initech").await;
    let admin = tenant.with_user(SystemRole::TenantAdmin).await;
    assert!(list(&admin).await.is_empty());
    let feed = Feed::start().await;
    feed.publish(five());
    let id: SourceId = admin.answer(SAVE, &form(&feed.base, &[])).await;
    let raw = admin.call("/api/admin/sources/list", &[]).await.text().await.unwrap();
    assert!(!raw.contains(API_KEY) && !raw.contains("0123456789"), "the secret came back: {raw}");
    let [source] = list(&admin).await.try_into().unwrap();
    assert_eq!(
        (source.id, source.name.as_str(), source.credential_hint.as_deref()),
        (id, "SAM.gov production", Some("WERTY"[1..].as_ref()))
    );
    assert_eq!(
        (source.page_size, source.polling_frequency_minutes, source.criteria.naics_codes.clone()),
        (2, 120, vec!["541512".to_string()])
    );

    // Test connection: one logged call, nothing stored.
    let test: ConnectionTest = admin.answer("/api/admin/sources/test", &[("id", &id.to_string())]).await;
    assert!(test.ok, "{test:?}");
    assert_eq!(test.total, Some(5));
    assert_eq!(test.sample.as_ref().map(|(_, t)| t.as_str()), Some("Network operations 1"));
    assert_eq!(feed.requests().len(), 1);
    assert_eq!(feed.requests()[0].get("limit").map(String::as_str), Some("1"));
    let [source] = list(&admin).await.try_into().unwrap();
    assert_eq!(source.calls.len(), 1);
    assert!(!source.unused(), "a logged call is history");

    // Edited without a secret: the stored one is kept (the next test still signs in).
    let id_text = id.to_string();
    let renamed = form(&feed.base, &[("id", &id_text), ("name", "SAM.gov"), ("secret", "")]);
    let again: SourceId = admin.answer(SAVE, &renamed).await;
    assert_eq!(again, id);
    let test: ConnectionTest = admin.answer("/api/admin/sources/test", &[("id", &id.to_string())]).await;
    assert!(test.ok, "the kept key still works: {test:?}");
    // A wrong key is what the source refused, in our words.
    let wrong = form(&feed.base, &[("id", &id_text), ("name", "SAM.gov"), ("secret", "wrong-key-wrong-key")]);
    admin.answer::<SourceId>(SAVE, &wrong).await;
    let test: ConnectionTest = admin.answer("/api/admin/sources/test", &[("id", &id.to_string())]).await;
    assert_eq!((test.ok, test.message.as_str()), (false, "The source refused the credentials (HTTP 403)."));

    // Poll now, pause, resume; delete refused (it has history), and allowed for an unused source.
    admin.answer::<()>("/api/admin/sources/poll", &[("id", &id.to_string())]).await;
    admin.answer::<()>("/api/admin/sources/active", &[("id", &id.to_string()), ("active", "false")]).await;
    let [source] = list(&admin).await.try_into().unwrap();
    assert!(!source.is_active && source.next_poll.is_none());
    let (status, message) =
        status_and_message(admin.call("/api/admin/sources/poll", &[("id", &id.to_string())]).await).await;
    assert_eq!((status, message.as_str()), (422, "The source is paused: resume it first."));
    admin.answer::<()>("/api/admin/sources/active", &[("id", &id.to_string()), ("active", "true")]).await;
    let (status, message) =
        status_and_message(admin.call("/api/admin/sources/delete", &[("id", &id.to_string())]).await).await;
    assert_eq!(status, 409);
    assert!(message.contains("pause it instead"), "{message}");
    let unused: SourceId = admin
        .answer(SAVE, &form("https://feeds.example.com", &[("name", "Spare"), ("kind", "gwm_feed"), ("auth", "none")]))
        .await;
    admin.answer::<()>("/api/admin/sources/delete", &[("id", &unused.to_string())]).await;
    assert_eq!(list(&admin).await.len(), 1);

    // Audited, without the secret.
    let owner = s.app.db.owner_pool().await;
    let mut tx = crate::common::owner_tx(&owner, tenant.id.as_uuid()).await;
    let audit: String = sqlx::query_scalar(
        "SELECT string_agg(coalesce(after_values::text, '') || coalesce(before_values::text, ''), ' ') \
           FROM audit_logs WHERE entity_type = 'external_opportunity_source'",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(
        audit.contains("\"credentials_replaced\": true") && !audit.contains(API_KEY) && !audit.contains("wrong-key"),
        "{audit}"
    );
}

#[tokio::test]
async fn bad_input_is_refused_with_what_to_fix_and_writes_nothing() {
    let s = setup(|_| {}).await;
    let tenant = s.app.with_tenant("initech").await;
    let admin = tenant.with_user(SystemRole::TenantAdmin).await;
    let huge = "x".repeat(100_000);
    for (field, value, says) in [
        ("page_size", "5000", "page size must be a whole number from 1 to 1000"),
        ("page_size", "ten", "page size"),
        ("timeout_seconds", "0", "timeout must be a whole number from 1 to 600"),
        ("retry_attempts", "11", "retry attempts"),
        ("rate_limit_per_hour", "99999999999", "rate limit"),
        ("polling_frequency_minutes", "2", "polling frequency"),
        ("posted_within_days", "400", "posted window"),
        ("naics_codes", "54-1512", "NAICS"),
        ("endpoint", "javascript:alert(1)", "http(s) URL"),
        ("endpoint", huge.as_str(), "http(s) URL"),
        ("name", huge.as_str(), "1 to 100 characters"),
        ("name", "   ", "1 to 100 characters"),
        ("kind", "rss", "kind of source"),
        ("auth", "kerberos", "how to sign in"),
        ("secret", "short", "8 to 500 characters"),
        ("keywords", huge.as_str(), "200 characters"),
        ("id", "not-an-id", "not a valid source id"),
    ] {
        let (status, message) =
            status_and_message(admin.call(SAVE, &form("https://api.sam.gov", &[(field, value)])).await).await;
        assert!((400..500).contains(&status), "{field}: {status} {message}");
        assert!(message.contains(says), "{field}: {message}");
    }
    assert!(list(&admin).await.is_empty(), "nothing was written");
    // A second source under the same name.
    admin.answer::<SourceId>(SAVE, &form("https://api.sam.gov", &[])).await;
    let (status, message) = status_and_message(admin.call(SAVE, &form("https://api.sam.gov", &[])).await).await;
    assert_eq!(status, 409);
    assert!(message.contains("exists already"), "{message}");
}

#[tokio::test]
async fn other_tenants_sources_are_not_found_and_only_admins_may_touch_sources() {
    let s = setup(|_| {}).await;
    let tenant = s.app.with_tenant("initech").await;
    let admin = tenant.with_user(SystemRole::TenantAdmin).await;
    let theirs = s.source.to_string();
    for path in ["test", "poll", "delete"] {
        let (status, message) =
            status_and_message(admin.call(&format!("/api/admin/sources/{path}"), &[("id", &theirs)]).await).await;
        assert_eq!((status, message.as_str()), (404, "Source"), "{path}");
    }
    let (status, _) =
        status_and_message(admin.call("/api/admin/sources/active", &[("id", &theirs), ("active", "false")]).await)
            .await;
    assert_eq!(status, 404);
    let (status, _) =
        status_and_message(admin.call(SAVE, &form("https://api.sam.gov", &[("id", &theirs)])).await).await;
    assert_eq!(status, 404);
    assert!(list(&admin).await.is_empty());
    for role in [SystemRole::CaptureManager, SystemRole::Viewer] {
        let person = tenant.with_user(role).await;
        let (status, _) = status_and_message(person.call("/api/admin/sources/list", &[]).await).await;
        assert_eq!(status, 403, "{role:?}");
        let (status, _) = status_and_message(person.call(SAVE, &form("https://api.sam.gov", &[])).await).await;
        assert_eq!(status, 403, "{role:?}");
    }
}
