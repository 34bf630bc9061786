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

/// The point of `search_words`: under the app role's RLS, a search is index range scans, never a read of
/// every contact (PostgreSQL would not use an index for LIKE or pg_trgm there). Checked on the plans of the
/// contacts list's search and of find anything, with enough people for a scan to cost.
#[tokio::test]
async fn searches_are_index_range_scans_under_rls_not_reads_of_the_tenant() {
    use app::contacts::{people::ContactFilter, queries::contacts_page_sql};
    let app = TestApp::new().await;
    let tenant = app.with_tenant("acme").await;
    tenant.with_user(SystemRole::TenantAdmin).await;
    app.owner_exec(
        "INSERT INTO contacts (tenant_id, first_name, last_name, email, title, created_by_system) \
         SELECT app_current_tenant_id(), 'Person' || g, 'Surname' || (g % 997), 'p' || g || '@agency.example.gov', \
                'Program Manager', 'demo_seed' FROM generate_series(1, 20000) g",
    )
    .await;
    app.owner_exec(
        "INSERT INTO organizations (tenant_id, name, created_by_system) \
         SELECT app_current_tenant_id(), 'Agency ' || g || ' Contracting Command', 'demo_seed' FROM generate_series(1, 400) g",
    )
    .await;
    app.owner_exec("UPDATE contacts SET last_name = 'Whitaker' WHERE first_name = 'Person77'").await;
    let owner = app.db.owner_pool().await;
    sqlx::raw_sql("ANALYZE contacts; ANALYZE organizations; ANALYZE search_words").execute(&owner).await.unwrap();
    let tenant_id = app::ids::TenantId::from_uuid(app.id_of("SELECT id FROM tenants WHERE subdomain = 'acme'").await);
    let mut tx = crate::common::tenant_tx(&app.state.pool, tenant_id, None).await;
    let plan = |sql: String| format!("EXPLAIN (FORMAT JSON) {sql}");
    let list = ContactFilter { q: "whit".into(), ..ContactFilter::default() };
    let list_plan: serde_json::Value = sqlx::query_scalar(&plan(contacts_page_sql(&list)))
        .bind(false)
        .bind("whit")
        .bind(None::<uuid::Uuid>)
        .bind(None::<String>)
        .bind(None::<String>)
        .bind(None::<i32>)
        .bind(25_i64)
        .bind(0_i64)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    let find_plan: serde_json::Value = sqlx::query_scalar(&plan(app::search::queries::FIND_SQL.to_string()))
        .bind("whit")
        .bind("whit%")
        .bind(5_i64)
        .bind(true)
        .bind(false)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    for (name, plan) in [("contacts list", list_plan), ("find anything", find_plan)] {
        let mut nodes = Vec::new();
        plan_nodes(&plan, &mut nodes);
        let scans = |relation: &str| nodes.iter().filter(|n| n["Relation Name"] == relation).collect::<Vec<_>>();
        assert!(scans("contacts").iter().all(|n| n["Node Type"] != "Seq Scan"), "{name} reads every contact: {plan}");
        // Each word of the query is a range of the index, not a filter over the tenant's words (of the kinds
        // with many: with none, reading a kind's words is as cheap and the planner may).
        fn cond(n: &serde_json::Value) -> &str {
            n["Index Cond"].as_str().or(n["Recheck Cond"].as_str()).unwrap_or_default()
        }
        let words = scans("search_words");
        let populous: Vec<_> =
            words.into_iter().filter(|n| cond(n).contains("'contact'") || cond(n).contains("'organization'")).collect();
        assert_eq!(populous.len(), 2, "{name}: {plan}");
        for n in populous {
            let cond = cond(n);
            assert!(cond.contains("(word >= q") && cond.contains(".lo)") && cond.contains(".hi)"), "{name}: {n}");
        }
    }
    tx.rollback().await.unwrap();
}

/// Every node of an EXPLAIN (FORMAT JSON) plan.
fn plan_nodes<'a>(value: &'a serde_json::Value, out: &mut Vec<&'a serde_json::Value>) {
    match value {
        serde_json::Value::Array(items) => items.iter().for_each(|v| plan_nodes(v, out)),
        serde_json::Value::Object(map) => {
            if map.contains_key("Node Type") {
                out.push(value);
            }
            map.values().for_each(|v| plan_nodes(v, out));
        }
        _ => {}
    }
}
