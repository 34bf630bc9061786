//! The opportunity inbox: every opportunity the sources returned, filtered and paged on the server, new and
//! changed since the person's previous visit, pursued into the pipeline (once) or dismissed with a reason.

use crate::{
    common::{Browser, status_and_message, tenant_tx},
    sync::{Setup, five, setup},
};
use app::{
    ids::ProjectId,
    roles::SystemRole,
    sync::inbox::{InboxPage, InboxShow, OpportunityDetail},
};
use serde_json::json;

const LIST: &str = "/api/opportunities/list";

async fn inbox(person: &Browser, filter: &[(&str, &str)]) -> InboxPage {
    // An address without a view is "To decide" (the browser always sends the whole filter).
    let mut form: Vec<(String, &str)> = filter.iter().map(|(k, v)| (format!("filter[{k}]"), *v)).collect();
    if !filter.iter().any(|(k, _)| *k == "show") {
        form.push(("filter[show]".into(), "open"));
    }
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    person.answer(LIST, &form).await
}

fn count(page: &InboxPage, show: InboxShow) -> i64 {
    page.counts.iter().find(|(s, _)| *s == show).map(|(_, n)| *n).unwrap()
}

async fn synced() -> Setup {
    let s = setup(|_| {}).await;
    s.feed.publish(five());
    s.stored().await;
    s
}

#[tokio::test]
async fn the_inbox_lists_filters_and_pages_on_the_server_and_refuses_what_an_address_cannot_say() {
    let s = synced().await;
    let capture = s.app.tenant_at("acme").await.with_user(SystemRole::CaptureManager).await;
    let page = inbox(&capture, &[]).await;
    assert_eq!((page.rows.len(), page.total, count(&page, InboxShow::Open)), (5, 5, 5));
    assert!(page.since.is_none() && page.rows.iter().all(|r| r.is_new), "a first visit: everything is new");
    assert!(page.may_pursue);
    assert_eq!(page.rows[0].agency.as_deref(), Some("DEPT OF DEFENSE.DEFENSE INFORMATION SYSTEMS AGENCY.DITCO"));
    for (filter, expected) in [
        (vec![("q", "operations 3")], 1),
        (vec![("q", "HC1028-27-R-0004")], 1),
        (vec![("q", "100%_")], 0),
        (vec![("naics", "541512")], 5),
        (vec![("set_aside", "SBA")], 5),
        (vec![("agency", "information systems")], 5),
        (vec![("due_within", "7")], 0),
        (vec![("source", &s.source.to_string())], 5),
        (vec![("source", "6f1c2b8e-6a55-4f7e-9d7a-0c5b7a8e9f10")], 0),
        (vec![("show", "dismissed")], 0),
        (vec![("page", "1")], 5),
    ] {
        let page = inbox(&capture, &filter).await;
        assert_eq!(page.total, expected, "{filter:?}");
    }
    assert!(inbox(&capture, &[("page", "1")]).await.rows.is_empty(), "25 a page: page 2 is empty");
    let long = "x".repeat(201);
    for (field, value, says) in [
        ("q", long.as_str(), "at most 200 characters"),
        ("page", "10001", "The page is at most"),
        ("due_within", "0", "1 to 365 days"),
        ("show", "everything", "unknown variant `everything`, expected one of `open`"),
        ("source", "nope", "not a valid source id"),
    ] {
        let key = format!("filter[{field}]");
        let (status, message) = status_and_message(capture.call(LIST, &[(key.as_str(), value)]).await).await;
        assert!((400..500).contains(&status), "{field}: {status} {message}");
        assert!(message.contains(says), "{field}: {message}");
    }
}

#[tokio::test]
async fn pursuing_makes_one_linked_pursuit_and_dismissing_needs_a_reason() {
    let s = synced().await;
    let capture = s.app.tenant_at("acme").await.with_user(SystemRole::CaptureManager).await;
    let page = inbox(&capture, &[]).await;
    let row = page.rows.iter().find(|r| r.title == "Network operations 2").unwrap().clone();
    let id = row.id.to_string();
    let (status, message) =
        status_and_message(capture.call("/api/opportunities/pursue", &[("id", &id), ("stage", "awarded")]).await).await;
    assert_eq!(status, 422, "{message}");
    let project: ProjectId = capture.answer("/api/opportunities/pursue", &[("id", &id), ("stage", "phase_1")]).await;
    let (status, message) =
        status_and_message(capture.call("/api/opportunities/pursue", &[("id", &id), ("stage", "phase_1")]).await).await;
    assert_eq!(status, 409, "a second pursuit of the same opportunity: {message}");
    let (name, stage, solicitation, linked, polls, versions): (String, String, Option<String>, i64, i64, i64) = {
        let mut tx = tenant_tx(&s.ctx.pool, s.tenant, None).await;
        sqlx::query_as(&format!(
            "SELECT project_name, pipeline_stage, solicitation_number, \
                    (SELECT count(*) FROM external_opportunities WHERE opportunity_project_id = '{project}'), \
                    (SELECT count(*) FROM polling_configurations WHERE opportunity_project_id = '{project}' AND is_active), \
                    (SELECT count(*) FROM external_opportunity_data WHERE opportunity_project_id = '{project}') \
               FROM opportunity_projects WHERE id = '{project}'"
        ))
        .fetch_one(&mut *tx)
        .await
        .unwrap()
    };
    assert_eq!(
        (name.as_str(), stage.as_str(), solicitation.as_deref(), linked, polls, versions),
        ("Network operations 2", "phase_1", Some("HC1028-27-R-0002"), 1, 1, 1)
    );
    // The board reads the synced values through the project.
    let due: Option<chrono::DateTime<chrono::Utc>> =
        s.scalar(&format!("SELECT response_due_date FROM opportunity_project_current WHERE id = '{project}'")).await;
    assert_eq!(due.map(|d| d.to_rfc3339()).as_deref(), Some("2027-03-04T22:00:00+00:00"));
    let page = inbox(&capture, &[]).await;
    assert_eq!((count(&page, InboxShow::Open), count(&page, InboxShow::Pursued)), (4, 1));
    let pursued = inbox(&capture, &[("show", "pursued")]).await;
    assert_eq!(pursued.rows[0].project.as_ref().map(|(p, _)| *p), Some(project));

    // Dismissing: a reason is required and bounded; a pursued one is archived instead.
    let other = page.rows[0].id.to_string();
    for reason in ["", "   ", &"x".repeat(100_001)] {
        let (status, _) =
            status_and_message(capture.call("/api/opportunities/dismiss", &[("id", &other), ("reason", reason)]).await)
                .await;
        assert_eq!(status, 422);
    }
    let (status, _) =
        status_and_message(capture.call("/api/opportunities/dismiss", &[("id", &id), ("reason", "No")]).await).await;
    assert_eq!(status, 409);
    capture.answer::<()>("/api/opportunities/dismiss", &[("id", &other), ("reason", "Outside our NAICS codes")]).await;
    let page = inbox(&capture, &[]).await;
    assert_eq!((count(&page, InboxShow::Open), count(&page, InboxShow::Dismissed)), (3, 1));
    let dismissed = inbox(&capture, &[("show", "dismissed")]).await;
    assert_eq!(dismissed.rows[0].dismissed.as_deref(), Some("Outside our NAICS codes"));
    capture.answer::<()>("/api/opportunities/restore", &[("id", &other)]).await;
    assert_eq!(count(&inbox(&capture, &[]).await, InboxShow::Open), 4);
    assert_eq!(s.scalar::<i64>("SELECT count(*) FROM audit_logs WHERE entity_type = 'external_opportunity'").await, 2);
    assert_eq!(
        s.scalar::<i64>("SELECT count(*) FROM audit_logs WHERE entity_type = 'opportunity_project' AND operation_description LIKE 'Pursued%'").await,
        1
    );
}

#[tokio::test]
async fn a_pursuit_made_by_hand_is_linked_keeping_what_was_typed_and_follows_the_source_from_then_on() {
    let s = synced().await;
    let tenant = s.app.tenant_at("acme").await;
    let capture = tenant.with_user(SystemRole::CaptureManager).await;
    let viewer = tenant.with_user(SystemRole::Viewer).await;
    // Made by hand before the source had it: the number respelled, a deadline and a NAICS code typed.
    let made: serde_json::Value = capture
        .answer(
            "/api/projects/create",
            &[
                ("input[project_name]", "DISA network ops recompete"),
                ("input[solicitation_number]", "hc1028 27 r 0003"),
                ("input[pipeline_stage]", "phase_2"),
                ("input[response_due_date]", "2027-03-01"),
                ("input[naics_codes]", "541519"),
            ],
        )
        .await;
    let project: ProjectId = made.as_str().unwrap().parse().unwrap();
    let other: serde_json::Value =
        capture.answer("/api/projects/create", &[("input[project_name]", "Unrelated pursuit")]).await;
    let page = inbox(&capture, &[]).await;
    let row = |title: &str| page.rows.iter().find(|r| r.title == title).unwrap().id.to_string();
    let (three, four) = (row("Network operations 3"), row("Network operations 4"));

    // The opportunity offers the pursuits made by hand, the one with its number first.
    let detail: OpportunityDetail = capture.answer("/api/opportunities/detail", &[("id", &three)]).await;
    assert!(detail.may_pursue);
    let offered: Vec<(String, bool)> = detail.candidates.iter().map(|c| (c.name.clone(), c.suggested)).collect();
    assert_eq!(offered, [("DISA network ops recompete".to_string(), true), ("Unrelated pursuit".to_string(), false)]);
    let seen: OpportunityDetail = viewer.answer("/api/opportunities/detail", &[("id", &three)]).await;
    assert!(!seen.may_pursue && seen.candidates.is_empty(), "a viewer is offered nothing to do");

    // Refusals write nothing: a viewer, unknown or malformed ids, another tenant's.
    let link = |who: &'static str, id: String, project: String| (who, id, project);
    let stranger = s.app.with_tenant("globex").await.with_user(SystemRole::CaptureManager).await;
    let p = project.to_string();
    let cases = [
        (link("viewer", three.clone(), p.clone()), 403),
        (link("capture", uuid::Uuid::new_v4().to_string(), p.clone()), 404),
        (link("capture", three.clone(), uuid::Uuid::new_v4().to_string()), 404),
        (link("capture", "not-an-id".into(), p.clone()), 422),
        (link("stranger", three.clone(), p.clone()), 404),
    ];
    for ((who, id, project), expected) in cases {
        let person = match who {
            "viewer" => &viewer,
            "stranger" => &stranger,
            _ => &capture,
        };
        let (status, message) = status_and_message(
            person.call("/api/opportunities/link", &[("id", id.as_str()), ("project", project.as_str())]).await,
        )
        .await;
        assert_eq!(status, expected, "{who} linking {id} to {project}: {message}");
    }
    assert_eq!(s.scalar::<i64>("SELECT count(*) FROM polling_configurations").await, 0, "nothing written");

    let linked: ProjectId =
        capture.answer("/api/opportunities/link", &[("id", &three), ("project", &project.to_string())]).await;
    assert_eq!(linked, project);
    // Either side linked already: refused.
    for (id, to) in [(three.clone(), other.as_str().unwrap().to_string()), (four.clone(), project.to_string())] {
        let (status, message) =
            status_and_message(capture.call("/api/opportunities/link", &[("id", &id), ("project", &to)]).await).await;
        assert_eq!(status, 409, "{message}");
    }
    let (stage, name, versions, polls, reason): (String, String, i64, i64, String) = {
        let mut tx = tenant_tx(&s.ctx.pool, s.tenant, None).await;
        sqlx::query_as(&format!(
            "SELECT pipeline_stage, project_name, \
                    (SELECT count(*) FROM external_opportunity_data WHERE opportunity_project_id = '{project}'), \
                    (SELECT count(*) FROM polling_configurations WHERE opportunity_project_id = '{project}' AND is_active), \
                    (SELECT string_agg(DISTINCT override_reason, '; ') FROM opportunity_project_overrides \
                      WHERE opportunity_project_id = '{project}' AND is_active) \
               FROM opportunity_projects WHERE id = '{project}'"
        ))
        .fetch_one(&mut *tx)
        .await
        .unwrap()
    };
    assert_eq!(
        (stage.as_str(), name.as_str(), versions, polls, reason.as_str()),
        ("phase_2", "DISA network ops recompete", 1, 1, "Entered by hand before the source was linked")
    );
    // What was typed stays in force; what was not comes from the source.
    let (due, naics, set_aside): (Option<chrono::DateTime<chrono::Utc>>, Option<String>, Option<String>) = {
        let mut tx = tenant_tx(&s.ctx.pool, s.tenant, None).await;
        sqlx::query_as(&format!(
            "SELECT response_due_date, naics_codes, set_aside_type FROM opportunity_project_current WHERE id = '{project}'"
        ))
        .fetch_one(&mut *tx)
        .await
        .unwrap()
    };
    assert_eq!(due.map(|d| d.date_naive().to_string()).as_deref(), Some("2027-03-01"));
    assert_eq!(naics.as_deref(), Some("541519"));
    assert_eq!(set_aside.as_deref(), Some("SBA"), "the source's set-aside, not typed by hand");
    let pursued = inbox(&capture, &[("show", "pursued")]).await;
    assert_eq!(pursued.rows[0].project.as_ref().map(|(p, _)| *p), Some(project));
    assert_eq!(
        s.scalar::<i64>(&format!(
            "SELECT count(*) FROM audit_logs WHERE entity_id = '{project}' AND operation_description LIKE 'Linked%'"
        ))
        .await,
        1
    );
    assert_eq!(
        s.scalar::<i64>(&format!(
            "SELECT count(*) FROM change_history WHERE entity_id = '{project}' \
               AND field_name IN ('external_source_id', 'external_opportunity_id')"
        ))
        .await,
        2
    );
}

#[tokio::test]
async fn what_changed_since_the_previous_visit_is_marked_with_its_impact() {
    let s = synced().await;
    let capture = s.app.tenant_at("acme").await.with_user(SystemRole::CaptureManager).await;
    inbox(&capture, &[]).await;
    // An hour later, the source moved a deadline earlier and posted a new notice.
    {
        let mut tx = tenant_tx(&s.ctx.pool, s.tenant, None).await;
        sqlx::query("UPDATE opportunity_inbox_visits SET last_visit_at = now() - interval '1 hour'")
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query("UPDATE external_opportunities SET first_seen_at = now() - interval '2 hours', last_changed_at = now() - interval '2 hours'")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    let mut records = five();
    records[3]["responseDeadLine"] = json!("2027-02-01T17:00:00-05:00");
    records.push(crate::sync::notice(
        77,
        "HC1028-27-R-0077",
        "097.DISA.DITCO",
        "Cloud brokerage",
        "2027-04-01T17:00:00-05:00",
    ));
    s.feed.publish(records);
    assert_eq!(s.stored().await, (1, 1, 4));
    let page = inbox(&capture, &[("show", "all")]).await;
    assert!(page.since.is_some());
    assert_eq!((count(&page, InboxShow::New), count(&page, InboxShow::Changed)), (1, 1));
    let changed = inbox(&capture, &[("show", "changed")]).await;
    assert_eq!(changed.rows[0].title, "Network operations 4");
    assert!(changed.rows[0].is_changed && !changed.rows[0].is_new);
    assert_eq!(changed.rows[0].last_impact, Some(app::domain::ImpactLevel::Critical));
    assert_eq!(changed.rows[0].versions, 2);
    let new = inbox(&capture, &[("show", "new")]).await;
    assert_eq!(new.rows[0].title, "Cloud brokerage");
}

#[tokio::test]
async fn viewers_only_read_and_other_tenants_opportunities_are_not_found() {
    let s = synced().await;
    let viewer = s.app.tenant_at("acme").await.with_user(SystemRole::Viewer).await;
    let page = inbox(&viewer, &[]).await;
    assert_eq!(page.total, 5);
    assert!(!page.may_pursue);
    let id = page.rows[0].id.to_string();
    for (path, form) in [
        ("/api/opportunities/pursue", vec![("id", id.as_str()), ("stage", "phase_0")]),
        ("/api/opportunities/dismiss", vec![("id", id.as_str()), ("reason", "no")]),
        ("/api/opportunities/restore", vec![("id", id.as_str())]),
    ] {
        let (status, _) = status_and_message(viewer.call(path, &form).await).await;
        assert_eq!(status, 403, "{path}");
    }
    let other = s.app.with_tenant("globex").await;
    let stranger = other.with_user(SystemRole::CaptureManager).await;
    assert_eq!(inbox(&stranger, &[]).await.total, 0);
    for (path, form) in [
        ("/api/opportunities/pursue", vec![("id", id.as_str()), ("stage", "phase_0")]),
        ("/api/opportunities/dismiss", vec![("id", id.as_str()), ("reason", "no")]),
        ("/api/opportunities/restore", vec![("id", id.as_str())]),
    ] {
        let (status, message) = status_and_message(stranger.call(path, &form).await).await;
        assert_eq!((status, message.as_str()), (404, "Opportunity"), "{path}");
    }
    let (status, message) =
        status_and_message(stranger.call("/api/opportunities/pursue", &[("id", "x"), ("stage", "phase_0")]).await)
            .await;
    assert_eq!(status, 422);
    assert!(message.contains("not a valid opportunity id"), "{message}");
}

#[tokio::test]
async fn an_opportunity_shows_every_field_version_and_change_and_stays_in_its_tenant() {
    let s = synced().await;
    let mut records = five();
    records[1]["responseDeadLine"] = json!("2027-02-01T17:00:00-05:00");
    records[1]["title"] = json!("Network operations 2 (amended)");
    s.feed.publish(records);
    s.stored().await;
    let viewer = s.app.tenant_at("acme").await.with_user(SystemRole::Viewer).await;
    let page = inbox(&viewer, &[("q", "amended")]).await;
    let id = page.rows[0].id.to_string();
    let detail: app::sync::inbox::OpportunityDetail =
        viewer.answer("/api/opportunities/detail", &[("id", id.as_str())]).await;
    assert_eq!(detail.title, "Network operations 2 (amended)");
    let deadline = detail.fields.iter().find(|(label, _, _)| label == "Response deadline").unwrap();
    assert_eq!(
        (deadline.1.as_str(), deadline.2.map(|t| t.to_rfc3339())),
        ("Feb 1, 2027 22:00 UTC", Some("2027-02-01T22:00:00+00:00".into()))
    );
    assert!(detail.fields.iter().any(|(label, value, _)| label == "Points of contact" && value.contains("Dana Ortiz")));
    assert_eq!((detail.history.versions.len(), detail.history.changes.len()), (2, 1));
    assert_eq!(detail.history.changes[0].impact, app::domain::ImpactLevel::Critical);
    let diffs: Vec<app::sync::changes::FieldDiff> =
        viewer.answer("/api/opportunities/compare", &[("id", id.as_str()), ("from", "1"), ("to", "2")]).await;
    let labels: Vec<&str> = diffs.iter().map(|d| d.label.as_str()).collect();
    assert_eq!(labels, ["Title", "Response deadline"]);
    let stranger = s.app.with_tenant("globex").await.with_user(SystemRole::TenantAdmin).await;
    for (path, form) in [
        ("/api/opportunities/detail", vec![("id", id.as_str())]),
        ("/api/opportunities/compare", vec![("id", id.as_str()), ("from", "1"), ("to", "2")]),
    ] {
        let (status, message) = status_and_message(stranger.call(path, &form).await).await;
        assert_eq!((status, message.as_str()), (404, "Opportunity"), "{path}");
    }
    let (status, _) = status_and_message(viewer.call("/api/opportunities/detail", &[("id", "nope")]).await).await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn people_who_follow_a_source_are_told_of_its_new_opportunities_once_a_poll() {
    let s = synced().await;
    let tenant = s.app.tenant_at("acme").await;
    let capture = tenant.with_user(SystemRole::CaptureManager).await;
    let other = tenant.with_user(SystemRole::Viewer).await;
    let source = s.source.to_string();
    capture.answer::<()>("/api/opportunities/follow", &[("source", source.as_str()), ("follow", "true")]).await;
    capture.answer::<()>("/api/opportunities/follow", &[("source", source.as_str()), ("follow", "true")]).await;
    assert_eq!(inbox(&capture, &[]).await.following, vec![s.source_id()]);
    let mut records = five();
    records.push(crate::sync::notice(
        81,
        "HC1028-27-R-0081",
        "097.DISA.DITCO",
        "Cloud brokerage",
        "2027-04-01T17:00:00-05:00",
    ));
    records.push(crate::sync::notice(
        82,
        "HC1028-27-R-0082",
        "097.DISA.DITCO",
        "Edge computing",
        "2027-04-02T17:00:00-05:00",
    ));
    s.feed.publish(records.clone());
    assert_eq!(s.stored().await, (2, 0, 5));
    let notes: Vec<app::notifications::Notification> = capture.answer("/api/notifications/list", &[]).await;
    assert_eq!(notes.len(), 1, "one notification for the poll, not one per opportunity");
    assert_eq!(notes[0].title, "2 new opportunities from SAM.gov");
    assert_eq!(notes[0].body.as_deref(), Some("Cloud brokerage; Edge computing"));
    assert_eq!(notes[0].link.as_deref(), Some(format!("/opportunities?show=new&source={source}").as_str()));
    let others: Vec<app::notifications::Notification> = other.answer("/api/notifications/list", &[]).await;
    assert!(others.is_empty(), "only followers are told");
    // A poll with nothing new tells nobody; after unfollowing, new ones tell nobody either.
    assert_eq!(s.stored().await, (0, 0, 7));
    capture.answer::<()>("/api/opportunities/follow", &[("source", source.as_str()), ("follow", "false")]).await;
    records.push(crate::sync::notice(
        83,
        "HC1028-27-R-0083",
        "097.DISA.DITCO",
        "Data fabric",
        "2027-04-03T17:00:00-05:00",
    ));
    s.feed.publish(records);
    assert_eq!(s.stored().await, (1, 0, 7));
    let notes: Vec<app::notifications::Notification> = capture.answer("/api/notifications/list", &[]).await;
    assert_eq!(notes.len(), 1);
    // Another tenant's source cannot be followed.
    let stranger = s.app.with_tenant("globex").await.with_user(SystemRole::CaptureManager).await;
    let (status, message) = status_and_message(
        stranger.call("/api/opportunities/follow", &[("source", source.as_str()), ("follow", "true")]).await,
    )
    .await;
    assert_eq!((status, message.as_str()), (404, "Source"));
}
