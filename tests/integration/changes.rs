//! A pursuit's changes from the source: listed with their fields, acknowledged one by one or all with a note
//! (the board's count clears), versions compared; bad input, other tenants and viewers refused.

use crate::{
    common::status_and_message,
    sync::{five, setup},
};
use app::{
    ids::ProjectId,
    roles::SystemRole,
    sync::{changes::ProjectChanges, snapshot::SyncField},
};
use serde_json::json;

#[tokio::test]
async fn a_pursuits_changes_are_shown_acknowledged_and_compared() {
    let s = setup(|_| {}).await;
    s.feed.publish(five());
    s.stored().await;
    let tenant = s.app.tenant_at("acme").await;
    let capture = tenant.with_user(SystemRole::CaptureManager).await;
    let viewer = tenant.with_user(SystemRole::Viewer).await;
    let page: app::sync::inbox::InboxPage =
        capture.answer("/api/opportunities/list", &[("filter[q]", "operations 1")]).await;
    let project: ProjectId = capture
        .answer("/api/opportunities/pursue", &[("id", &page.rows[0].id.to_string()), ("stage", "phase_2")])
        .await;
    let pid = project.to_string();
    // Two changes arrive: the deadline moves earlier (in another zone), then a point of contact changes.
    let mut records = five();
    records[0]["responseDeadLine"] = json!("2027-03-04T18:00:00+02:00");
    s.feed.publish(records.clone());
    assert_eq!(s.stored().await, (0, 1, 4));
    records[0]["pointOfContact"] = json!([{"fullName": "Sam Lee", "email": "sam.lee@example.mil"}]);
    s.feed.publish(records);
    assert_eq!(s.stored().await, (0, 1, 4));

    let changes: ProjectChanges = viewer.answer("/api/projects/source-changes", &[("project_id", &pid)]).await;
    assert_eq!((changes.changes.len(), changes.unacknowledged, changes.versions.len()), (2, 2, 3));
    assert!(!changes.can_acknowledge, "a viewer reads, never acknowledges");
    let deadline = &changes.changes[1];
    assert_eq!(deadline.impact, app::domain::ImpactLevel::Critical);
    let field = &deadline.fields[0];
    assert_eq!(
        (field.field, field.old.as_str(), field.new.as_str()),
        (Some(SyncField::ResponseDeadline), "Mar 4, 2027 22:00 UTC", "Mar 4, 2027 16:00 UTC")
    );
    assert!(field.old_at.is_some() && field.new_at.is_some());
    assert_eq!(changes.changes[0].fields[0].new, "Sam Lee <sam.lee@example.mil>");
    assert_eq!(
        s.scalar::<i64>(&format!(
            "SELECT unacknowledged_changes FROM opportunity_project_dashboard WHERE id = '{pid}'"
        ))
        .await,
        2
    );

    // The capture manager (who pursued it) was notified of each, once; the critical one is also a task.
    let unread: i64 = capture.answer("/api/notifications/unread", &[]).await;
    assert_eq!(unread, 2);
    let notes: Vec<app::notifications::Notification> = capture.answer("/api/notifications/list", &[]).await;
    assert!(notes[1].title.starts_with("Update (critical): Response deadline"), "{}", notes[1].title);
    assert_eq!(notes[1].link.as_deref(), Some(format!("/projects/{pid}").as_str()));
    assert_eq!(
        s.scalar::<i64>(&format!("SELECT count(*) FROM activities WHERE entity_id = '{pid}' AND triggered_by_external_change AND activity_type = 'task' AND priority = 'critical'")).await,
        1
    );
    assert_eq!(s.scalar::<i64>("SELECT count(*) FROM external_data_changes WHERE notification_sent").await, 2);
    let viewers: i64 = viewer.answer("/api/notifications/unread", &[]).await;
    assert_eq!(viewers, 0, "only the capture manager is told");
    let first = notes[0].id.to_string();
    let (status, message) =
        status_and_message(viewer.call("/api/notifications/read", &[("id", first.as_str())]).await).await;
    assert_eq!((status, message.as_str()), (404, "Notification"), "someone else's notification");
    let n: u64 = capture.answer("/api/notifications/read", &[("id", first.as_str())]).await;
    assert_eq!(n, 1);
    let n: u64 = capture.answer("/api/notifications/read", &[]).await;
    assert_eq!(n, 1);
    let unread: i64 = capture.answer("/api/notifications/unread", &[]).await;
    assert_eq!(unread, 0);

    // Bad input and the wrong people are refused, and nothing is acknowledged.
    let long = "x".repeat(100_000);
    let (status, message) = status_and_message(
        capture
            .call("/api/projects/acknowledge-changes", &[("project_id", pid.as_str()), ("note", long.as_str())])
            .await,
    )
    .await;
    assert_eq!(status, 422, "{message}");
    let stranger_id = uuid::Uuid::new_v4().to_string();
    let (status, message) = status_and_message(
        capture
            .call(
                "/api/projects/acknowledge-changes",
                &[("project_id", pid.as_str()), ("change_ids[0]", stranger_id.as_str()), ("note", "")],
            )
            .await,
    )
    .await;
    assert_eq!((status, message.as_str()), (404, "Change"));
    let (status, _) = status_and_message(
        viewer.call("/api/projects/acknowledge-changes", &[("project_id", pid.as_str()), ("note", "")]).await,
    )
    .await;
    assert_eq!(status, 403);
    let other = s.app.with_tenant("globex").await.with_user(SystemRole::TenantAdmin).await;
    for (path, form) in [
        ("/api/projects/source-changes", vec![("project_id", pid.as_str())]),
        ("/api/projects/acknowledge-changes", vec![("project_id", pid.as_str()), ("note", "")]),
        ("/api/projects/compare-versions", vec![("project_id", pid.as_str()), ("from", "1"), ("to", "2")]),
    ] {
        let (status, message) = status_and_message(other.call(path, &form).await).await;
        assert_eq!((status, message.as_str()), (404, "Project"), "{path}");
    }
    assert_eq!(
        s.scalar::<i64>("SELECT count(*) FROM external_data_changes WHERE acknowledged_at IS NOT NULL").await,
        0
    );

    // One, then the rest with a note.
    let one = changes.changes[1].id.to_string();
    let n: u64 = capture
        .answer(
            "/api/projects/acknowledge-changes",
            &[("project_id", pid.as_str()), ("change_ids[0]", one.as_str()), ("note", "")],
        )
        .await;
    assert_eq!(n, 1);
    let n: u64 = capture
        .answer(
            "/api/projects/acknowledge-changes",
            &[("project_id", pid.as_str()), ("note", "New contracting officer noted")],
        )
        .await;
    assert_eq!(n, 1);
    let changes: ProjectChanges = capture.answer("/api/projects/source-changes", &[("project_id", &pid)]).await;
    assert_eq!(changes.unacknowledged, 0);
    let ack = changes.changes[0].acknowledged.clone().unwrap();
    assert_eq!(ack.note.as_deref(), Some("New contracting officer noted"));
    assert_eq!(
        s.scalar::<i64>(&format!(
            "SELECT unacknowledged_changes FROM opportunity_project_dashboard WHERE id = '{pid}'"
        ))
        .await,
        0
    );
    assert_eq!(
        s.scalar::<i64>("SELECT count(*) FROM audit_logs WHERE operation_description LIKE 'Acknowledged%'").await,
        2
    );

    // Any two versions compared field by field.
    let diffs: Vec<app::sync::changes::FieldDiff> = viewer
        .answer("/api/projects/compare-versions", &[("project_id", pid.as_str()), ("from", "1"), ("to", "3")])
        .await;
    let fields: Vec<Option<SyncField>> = diffs.iter().map(|d| d.field).collect();
    assert_eq!(fields, [Some(SyncField::ResponseDeadline), Some(SyncField::PointsOfContact)]);
    let (status, message) = status_and_message(
        viewer
            .call("/api/projects/compare-versions", &[("project_id", pid.as_str()), ("from", "1"), ("to", "99")])
            .await,
    )
    .await;
    assert_eq!((status, message.as_str()), (404, "Version"));
    let (status, _) = status_and_message(
        viewer
            .call("/api/projects/compare-versions", &[("project_id", pid.as_str()), ("from", "one"), ("to", "2")])
            .await,
    )
    .await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn an_override_is_never_overwritten_and_a_changed_source_value_is_a_conflict_to_settle() {
    let s = setup(|_| {}).await;
    s.feed.publish(five());
    s.stored().await;
    let capture = s.app.tenant_at("acme").await.with_user(SystemRole::CaptureManager).await;
    let page: app::sync::inbox::InboxPage =
        capture.answer("/api/opportunities/list", &[("filter[q]", "operations 1")]).await;
    let project: ProjectId = capture
        .answer("/api/opportunities/pursue", &[("id", &page.rows[0].id.to_string()), ("stage", "phase_2")])
        .await;
    let pid = project.to_string();
    let set_aside = |d: &app::projects::project::ProjectDetail| {
        d.synced.iter().find(|v| v.field == app::projects::project::SyncedField::SetAsideType).cloned().unwrap()
    };
    capture
        .answer::<()>(
            "/api/projects/override",
            &[
                ("project_id", pid.as_str()),
                ("field", "set_aside_type"),
                ("value", "8A"),
                ("reason", "CO confirmed by phone"),
            ],
        )
        .await;
    let detail: app::projects::project::ProjectDetail =
        capture.answer("/api/projects/detail", &[("project_id", &pid)]).await;
    assert_eq!(set_aside(&detail).conflict, None, "no conflict while the source still says what it said");

    // The source changes the set-aside: the override stays in force, and the page shows the conflict.
    let mut records = five();
    records[0]["typeOfSetAside"] = json!("SDVOSBC");
    s.feed.publish(records.clone());
    s.stored().await;
    let detail: app::projects::project::ProjectDetail =
        capture.answer("/api/projects/detail", &[("project_id", &pid)]).await;
    let v = set_aside(&detail);
    assert_eq!(
        (v.override_value.as_deref(), v.external.as_deref(), v.conflict.as_deref()),
        (Some("8A"), Some("SDVOSBC"), Some("SBA"))
    );
    let effective: String =
        s.scalar(&format!("SELECT set_aside_type FROM opportunity_project_current WHERE id = '{pid}'")).await;
    assert_eq!(effective, "8A", "a sync never overwrites an override");

    // Keep mine: settled, audited; the override now answers the source's new value.
    capture
        .answer::<()>("/api/projects/keep-override", &[("project_id", pid.as_str()), ("field", "set_aside_type")])
        .await;
    let detail: app::projects::project::ProjectDetail =
        capture.answer("/api/projects/detail", &[("project_id", &pid)]).await;
    assert_eq!(set_aside(&detail).conflict, None);
    assert_eq!(
        s.scalar::<i64>("SELECT count(*) FROM audit_logs WHERE operation_description LIKE 'Kept the override of%'")
            .await,
        1
    );

    // It changes again; take the source's: the override ends (kept in history) and the source's value applies.
    records[0]["typeOfSetAside"] = json!("WOSB");
    s.feed.publish(records);
    s.stored().await;
    let detail: app::projects::project::ProjectDetail =
        capture.answer("/api/projects/detail", &[("project_id", &pid)]).await;
    assert_eq!(set_aside(&detail).conflict.as_deref(), Some("SDVOSBC"));
    capture
        .answer::<()>("/api/projects/remove-override", &[("project_id", pid.as_str()), ("field", "set_aside_type")])
        .await;
    let effective: String =
        s.scalar(&format!("SELECT set_aside_type FROM opportunity_project_current WHERE id = '{pid}'")).await;
    assert_eq!(effective, "WOSB");
    assert_eq!(s.scalar::<i64>("SELECT count(*) FROM opportunity_project_overrides WHERE NOT is_active").await, 1);
    let (status, message) = status_and_message(
        capture.call("/api/projects/keep-override", &[("project_id", pid.as_str()), ("field", "set_aside_type")]).await,
    )
    .await;
    assert_eq!((status, message.as_str()), (422, "Set-aside has no override to keep."));
    let (status, _) = status_and_message(
        capture.call("/api/projects/keep-override", &[("project_id", pid.as_str()), ("field", "colour")]).await,
    )
    .await;
    assert_eq!(status, 422);
}
