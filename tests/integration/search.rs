//! Find anything: one query over pursuits, organizations, contacts and documents, ranked, in the caller's
//! tenant only, each kind only for people who may read it; bad input refused with what to fix.

use crate::common::{TestApp, status_and_message};
use app::{
    domain::PipelineStage,
    roles::SystemRole,
    search::{Hit, HitKind},
};

#[tokio::test]
async fn one_box_finds_every_kind_ranked_within_the_tenant_and_what_the_caller_may_read() {
    let app = TestApp::new().await;
    let tenant = app.with_tenant("acme").await;
    let capture = tenant.with_user(SystemRole::CaptureManager).await;
    let [pursuit] = tenant.with_projects(1, PipelineStage::Phase2).await.try_into().unwrap();
    app.owner_exec(&format!(
        "UPDATE opportunity_projects SET project_name = 'Harbor Logistics Modernization', solicitation_number = 'N00024-27-R-4410' WHERE id = '{pursuit}'"
    ))
    .await;
    let save = |path: &'static str, pairs: Vec<(&'static str, &'static str)>| {
        let capture = &capture;
        async move {
            let form: Vec<(String, &str)> = pairs.iter().map(|(k, v)| (format!("input[{k}]"), *v)).collect();
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), *v)).collect();
            assert_eq!(capture.call(path, &form).await.status(), 200);
        }
    };
    save("/api/organizations/save", vec![("name", "Harbor Systems Group"), ("organization_type", "competitor")]).await;
    save("/api/contacts/save", vec![("first_name", "Dana"), ("last_name", "Harbor"), ("email", "dana@navsea.mil")])
        .await;
    save(
        "/api/contacts/save",
        vec![("first_name", "Lee"), ("last_name", "Park"), ("email", "lee.harbormaster@navy.mil")],
    )
    .await;

    let find = |who: &crate::common::Browser, q: &str| {
        let (who, q) = (who.clone(), q.to_string());
        async move { who.answer::<Vec<Hit>>("/api/search", &[("q", &q)]).await }
    };
    let hits = find(&capture, "  HARBOR ").await;
    let kinds: Vec<(HitKind, &str)> = hits.iter().map(|h| (h.kind, h.title.as_str())).collect();
    for expected in [
        (HitKind::Pursuit, "Harbor Logistics Modernization"),
        (HitKind::Organization, "Harbor Systems Group"),
        (HitKind::Contact, "Dana Harbor"),
        (HitKind::Contact, "Lee Park"),
    ] {
        assert!(kinds.contains(&expected), "{expected:?} missing from {kinds:?}");
    }
    // Names that start with the query come before those that only contain it (Lee Park matched by e-mail).
    let at = |title: &str| kinds.iter().position(|(_, t)| *t == title).unwrap();
    assert!(at("Harbor Logistics Modernization") < at("Lee Park") && at("Harbor Systems Group") < at("Lee Park"));
    let pursuit_hit = hits.iter().find(|h| h.kind == HitKind::Pursuit).unwrap();
    assert_eq!(pursuit_hit.href, format!("/projects/{pursuit}"));
    assert!(pursuit_hit.detail.as_deref().unwrap_or_default().contains("N00024-27-R-4410"));
    // A solicitation number finds its pursuit; a wildcard is a character, not a pattern.
    assert_eq!(find(&capture, "r-4410").await.len(), 1);
    assert!(find(&capture, "%%").await.is_empty());
    assert!(find(&capture, "h").await.is_empty(), "one letter asks nothing");

    // Another tenant finds none of it.
    let other = app.with_tenant("initech").await;
    let theirs = other.with_user(SystemRole::TenantAdmin).await;
    assert!(find(&theirs, "harbor").await.is_empty());

    // Bad input: named, 4xx.
    let long = "x".repeat(101);
    for (q, says) in [(long.as_str(), "at most 100 characters"), ("a\u{0}b", "NUL character")] {
        let (status, message) = status_and_message(capture.call("/api/search", &[("q", q)]).await).await;
        assert_eq!((status, message.contains(says)), (422, true), "{message}");
    }
    let (status, _) = status_and_message(app.call(Some("acme"), "/api/search", &[("q", "harbor")]).await).await;
    assert_eq!(status, 401, "signed out");
}
