//! The project page's server functions: details, overrides of synced fields (typed, with a reason, both
//! values kept), history, permissions and other tenants' ids.

use crate::common::{TestApp, status_and_message};
use app::{
    domain::PipelineStage,
    projects::project::{ProjectDetail, SyncedField, SyncedValue},
};

fn synced(detail: &ProjectDetail, field: SyncedField) -> &SyncedValue {
    detail.synced.iter().find(|s| s.field == field).expect("field")
}

#[tokio::test]
async fn the_project_page_shows_everything_and_overrides_keep_both_values() {
    let app = TestApp::with_demo().await;
    app.add_tenant("acme", 1, true).await;
    let cm = app.demo_user("jordan.reyes").await;
    let id = app.id_of("SELECT p.id FROM opportunity_projects p JOIN external_opportunity_data e ON e.opportunity_project_id = p.id AND e.is_current_version WHERE p.pipeline_stage = 'phase_2' ORDER BY p.project_name LIMIT 1").await.to_string();
    let detail: ProjectDetail = cm.answer("/api/projects/detail", &[("project_id", &id)]).await;
    assert_eq!(detail.facts.pipeline_stage, PipelineStage::Phase2);
    assert!(detail.facts.source_name.is_some());
    assert!(detail.health.as_ref().is_some_and(|h| (0..=100).contains(&h.score)));
    assert!(detail.can_override);
    let source_title = synced(&detail, SyncedField::Title).external.clone().expect("synced title");

    let over = |form: Vec<(&'static str, String)>| {
        let cm = &cm;
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            status_and_message(cm.call("/api/projects/override", &pairs).await).await
        }
    };
    let base = |field: &str, value: &str, reason: &str| {
        vec![
            ("project_id", id.clone()),
            ("field", field.to_string()),
            ("value", value.to_string()),
            ("reason", reason.to_string()),
        ]
    };
    assert_eq!(over(base("budget", "1", "x")).await.0, 422);
    let (s, m) = over(base("response_due_date", "next week", "RFP slipped")).await;
    assert_eq!((s, m.contains("YYYY-MM-DD")), (422, true), "{m}");
    let (s, m) = over(base("title", "Better title", "  ")).await;
    assert_eq!((s, m.contains("reason")), (422, true), "{m}");
    let (s, _) = over(base("estimated_value_max", "-5", "why")).await;
    assert_eq!(s, 422);

    app.owner_exec(&format!(
        "UPDATE opportunity_projects SET updated_at = now() - interval '3 days' WHERE id = '{id}'"
    ))
    .await;
    let (s, m) =
        over(base("title", "Zero Trust Pilot (renamed by the CO)", "CO renamed it on the industry day call")).await;
    assert_eq!(s, 200, "{m}");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM opportunity_projects WHERE id = '{id}' AND updated_at > now() - interval '1 minute'"
        ))
        .await,
        1,
        "an override updates the pursuit (the table's Updated column)"
    );
    over(base("response_due_date", "2027-04-30", "Amendment 3 moves the date; not synced yet")).await;
    let detail: ProjectDetail = cm.answer("/api/projects/detail", &[("project_id", &id)]).await;
    let title = synced(&detail, SyncedField::Title);
    assert_eq!(title.external.as_deref(), Some(source_title.as_str()), "the source value stays visible");
    assert_eq!(title.override_value.as_deref(), Some("Zero Trust Pilot (renamed by the CO)"));
    assert_eq!(title.override_reason.as_deref(), Some("CO renamed it on the industry day call"));
    let due = synced(&detail, SyncedField::ResponseDueDate).override_value.clone().expect("date");
    assert!(due.starts_with("2027-04-30T21:00:00"), "{due}");
    // A second override replaces the first; the first stays in the record.
    over(base("title", "Zero Trust Pilot", "Shorter")).await;
    assert_eq!(app.count(&format!("SELECT count(*) FROM opportunity_project_overrides WHERE opportunity_project_id = '{id}' AND field_name = 'title'")).await, 2);
    assert_eq!(app.count(&format!("SELECT count(*) FROM opportunity_project_overrides WHERE opportunity_project_id = '{id}' AND field_name = 'title' AND is_active")).await, 1);
    cm.ok("/api/projects/remove-override", &[("project_id", &id), ("field", "title")]).await;
    assert_eq!(
        status_and_message(cm.call("/api/projects/remove-override", &[("project_id", &id), ("field", "title")]).await)
            .await,
        (404, "Override".into())
    );
    let detail: ProjectDetail = cm.answer("/api/projects/detail", &[("project_id", &id)]).await;
    assert_eq!(synced(&detail, SyncedField::Title).override_value, None);
    assert_eq!(detail.history.iter().filter(|h| h.field_name == "title").count(), 3, "{:?}", detail.history);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM change_history WHERE entity_id = '{id}' AND change_category = 'override'"
        ))
        .await,
        4
    );

    // A viewer reads but cannot override (recorded); another tenant's project is not found.
    let viewer = app.demo_user("taylor.brooks").await;
    assert!(!viewer.answer::<ProjectDetail>("/api/projects/detail", &[("project_id", &id)]).await.can_override);
    let (s, _) = status_and_message(
        viewer
            .call("/api/projects/override", &[("project_id", &id), ("field", "title"), ("value", "x"), ("reason", "y")])
            .await,
    )
    .await;
    assert_eq!(s, 403);
    assert_eq!(
        app.count("SELECT count(*) FROM permission_audit WHERE permission_checked = 'projects.override'").await,
        1
    );
    let foreign = app
        .id_of(
            "SELECT p.id FROM opportunity_projects p JOIN tenants t ON t.id = p.tenant_id WHERE t.subdomain = 'acme'",
        )
        .await
        .to_string();
    assert_eq!(
        status_and_message(cm.call("/api/projects/detail", &[("project_id", &foreign)]).await).await,
        (404, "Project".into())
    );
    assert_eq!(
        status_and_message(
            cm.call(
                "/api/projects/override",
                &[("project_id", &foreign), ("field", "title"), ("value", "x"), ("reason", "y")]
            )
            .await
        )
        .await
        .0,
        404
    );
    let (status, message) =
        status_and_message(cm.call("/api/projects/detail", &[("project_id", "garbage")]).await).await;
    assert_eq!((status, message.contains("\"garbage\" is not a valid project id")), (422, true), "{message}");
    // A project with no synced data has nothing to override.
    let acme_admin = app.signed_in(Some("acme"), "tenant_admin@acme.test", crate::common::TENANT_PASSWORD).await;
    let (s, m) = status_and_message(
        acme_admin
            .call(
                "/api/projects/override",
                &[("project_id", &foreign), ("field", "title"), ("value", "x"), ("reason", "y")],
            )
            .await,
    )
    .await;
    assert_eq!((s, m.contains("no synced data")), (422, true), "{m}");
}

/// Security finding (high): one out-of-range value must not take the tenant's pages down. Values are
/// range-checked where they enter, and the readers cannot fail on a row that got in anyway.
#[tokio::test]
async fn an_out_of_range_value_is_refused_and_a_stored_one_breaks_no_page() {
    let app = TestApp::with_demo().await;
    let cm = app.demo_user("jordan.reyes").await;
    let id = app.id_of("SELECT p.id FROM opportunity_projects p JOIN external_opportunity_data e ON e.opportunity_project_id = p.id AND e.is_current_version WHERE p.pipeline_stage = 'phase_2' ORDER BY p.project_name LIMIT 1").await.to_string();
    for (field, value, says) in [
        ("estimated_value_max", "10000000000000", "9,999,999,999,999.99"),
        ("estimated_value_max", "1e30", "not an amount"),
        ("response_due_date", "10000-01-01", "YYYY-MM-DD"),
        ("response_due_date", "2101-01-01", "between 1990-01-01 and 2100-12-31"),
        ("title", "a\u{0}b", "\"value\" contains a NUL"),
    ] {
        let form = [("project_id", id.as_str()), ("field", field), ("value", value), ("reason", "probe")];
        let (status, message) = status_and_message(cm.call("/api/projects/override", &form).await).await;
        assert_eq!((status, message.contains(says)), (422, true), "{field}={value:?}: {message}");
    }
    // Values that got in before the checks (or by any other path): the pages still answer, and the
    // source's value shows instead of the unreadable one.
    let user = app.id_of("SELECT id FROM users WHERE email = 'jordan.reyes@demo.gwm.test'").await;
    app.owner_exec(&format!(
        "INSERT INTO opportunity_project_overrides (tenant_id, opportunity_project_id, field_name, override_value, override_reason, created_by) \
         SELECT p.tenant_id, p.id, f.name, f.value, 'stored before the range checks', '{user}' FROM opportunity_projects p, \
         (VALUES ('estimated_value_max', '\"99999999999999999999\"'::jsonb), ('response_due_date', '\"+262143-01-01T00:00:00Z\"'::jsonb)) f(name, value) \
         WHERE p.id = '{id}'"
    ))
    .await;
    let dashboard = cm.call("/api/dashboard", &[]).await;
    assert_eq!(dashboard.status(), 200, "{}", dashboard.text().await.unwrap_or_default());
    cm.ok("/api/pipeline/board", &[]).await;
    let table = cm.ok("/api/projects/table", &[]).await;
    assert!(table.to_string().contains(&id), "the project is still listed");
    cm.ok("/api/projects/detail", &[("project_id", &id)]).await;
    for path in ["/pipeline", "/projects", "/", &format!("/projects/{id}")] {
        assert_eq!(cm.get(path).await.status(), 200, "{path}");
    }
    let export = cm.get("/projects/export.csv").await;
    assert_eq!(export.status(), 200);
    assert!(export.text().await.expect("csv").lines().count() > 10);
}
