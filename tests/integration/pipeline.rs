//! The pipeline board's server functions: totals, filters, paging, moves (history and audit), refusals and
//! other tenants' ids.

use crate::common::{TENANT_PASSWORD, TestApp, status_and_message};
use app::{
    domain::PipelineStage,
    pipeline::{Board, BoardCard},
    roles::SystemRole,
};
use rust_decimal::Decimal;

/// Every pursuit on the board, counted per column (cards beyond the first page included).
fn total(board: &Board) -> i64 {
    board.columns.iter().map(|c| c.count).sum()
}

/// The cards the board shows.
fn cards(board: &Board) -> Vec<&BoardCard> {
    board.columns.iter().flat_map(|c| &c.cards).collect()
}

#[tokio::test]
async fn the_board_counts_and_totals_each_stage_and_pages_its_cards() {
    let app = TestApp::new().await;
    let acme = app.with_tenant("acme").await;
    acme.with_projects(27, PipelineStage::Phase0).await;
    acme.with_projects(2, PipelineStage::Phase2).await;
    let cm = acme.with_user(SystemRole::CaptureManager).await;
    let board: Board = cm.answer("/api/pipeline/board", &[]).await;
    let counts: Vec<(PipelineStage, i64, usize)> =
        board.columns.iter().map(|c| (c.stage, c.count, c.cards.len())).collect();
    let expected: Vec<(PipelineStage, i64, usize)> = PipelineStage::ALL
        .iter()
        .map(|&s| match s {
            PipelineStage::Phase0 => (s, 27, 25),
            PipelineStage::Phase2 => (s, 2, 2),
            _ => (s, 0, 0),
        })
        .collect();
    assert_eq!(counts, expected, "every stage, 25 cards at most");
    let phase2 = board.columns.iter().find(|c| c.stage == PipelineStage::Phase2).expect("phase 2");
    assert_eq!(phase2.total_value, Decimal::ZERO, "no values typed in yet");
    assert!(board.can_move);
    let more: Vec<BoardCard> = cm.answer("/api/pipeline/more", &[("stage", "phase_0"), ("offset", "25")]).await;
    assert_eq!(more.len(), 2, "the rest of the column");
}

#[tokio::test]
async fn the_board_totals_every_stage_and_filters() {
    let app = TestApp::with_demo().await;
    let cm = app.demo_user("jordan.reyes").await;
    let board: Board = cm.answer("/api/pipeline/board", &[]).await;
    let all = total(&board);
    assert_eq!(all, app.count("SELECT count(*) FROM opportunity_projects WHERE project_status <> 'archived'").await);
    let phase2 = board.columns.iter().find(|c| c.stage == PipelineStage::Phase2).expect("phase 2");
    let (value, weighted) = (phase2.total_value, phase2.weighted_value);
    assert!(value > Decimal::ZERO && weighted > Decimal::ZERO && weighted < value, "{value} {weighted}");
    assert!(board.can_move);

    let mine: Board = cm.answer("/api/pipeline/board", &[("filter[mine]", "true")]).await;
    assert!(total(&mine) > 0 && total(&mine) < all, "{}", total(&mine));
    for card in cards(&mine) {
        assert_eq!(card.capture_manager_name.as_deref(), Some("Jordan Reyes"));
    }
    let nothing: Board = cm.answer("/api/pipeline/board", &[("filter[q]", "100%_no_such")]).await;
    assert_eq!(total(&nothing), 0);
    let (s, m) = status_and_message(cm.call("/api/pipeline/board", &[("filter[q]", &"x".repeat(201))]).await).await;
    assert_eq!((s, m.contains("200 characters")), (422, true));
    let (s, _) =
        status_and_message(cm.call("/api/pipeline/more", &[("stage", "phase_0"), ("offset", "-1")]).await).await;
    assert_eq!(s, 422);
}

#[tokio::test]
async fn moving_a_pursuit_is_recorded_and_checked() {
    let app = TestApp::with_demo().await;
    app.add_tenant("acme", 1, true).await;
    let cm = app.demo_user("jordan.reyes").await;
    let board: Board = cm.answer("/api/pipeline/board", &[]).await;
    let count_of = |board: &Board, stage: PipelineStage| {
        board.columns.iter().find(|c| c.stage == stage).map(|c| c.count).expect("column")
    };
    let card = board.columns.iter().find(|c| c.stage == PipelineStage::Phase1).expect("phase 1").cards[0].clone();
    let id = card.id.to_string();
    let decided = board.columns.iter().filter(|c| c.stage.is_closed());
    assert!(
        decided.clone().any(|c| c.count > 0) && decided.clone().all(|c| c.cards.is_empty()),
        "decided columns open folded: counts, no cards"
    );

    let (s, m) =
        status_and_message(cm.call("/api/pipeline/move", &[("project_id", &id), ("stage", "phase_9")]).await).await;
    assert_eq!((s, m.contains("phase_0")), (422, true), "{m}");
    let (s, m) =
        status_and_message(cm.call("/api/pipeline/move", &[("project_id", &id), ("stage", "lost")]).await).await;
    assert_eq!((s, m.contains("outcome")), (422, true), "{m}");
    let foreign = app
        .id_of(
            "SELECT p.id FROM opportunity_projects p JOIN tenants t ON t.id = p.tenant_id WHERE t.subdomain = 'acme'",
        )
        .await
        .to_string();
    assert_eq!(
        status_and_message(cm.call("/api/pipeline/move", &[("project_id", &foreign), ("stage", "phase_2")]).await)
            .await,
        (404, "Project".into())
    );
    let (status, message) =
        status_and_message(cm.call("/api/pipeline/move", &[("project_id", "nope"), ("stage", "phase_2")]).await).await;
    assert_eq!((status, message.contains("\"nope\" is not a valid project id")), (422, true), "{message}");

    let moved: BoardCard = cm.answer("/api/pipeline/move", &[("project_id", &id), ("stage", "phase_2")]).await;
    assert_eq!(
        (moved.id, moved.pipeline_stage, moved.project_name),
        (card.id, PipelineStage::Phase2, card.project_name)
    );
    cm.ok(
        "/api/pipeline/move",
        &[("project_id", &id), ("stage", "lost"), ("outcome", "Lost on price to Northwind; debrief Dec 3")],
    )
    .await;
    assert_eq!(app.count(&format!("SELECT count(*) FROM change_history WHERE entity_id = '{id}' AND field_name = 'pipeline_stage' AND change_category = 'stage_change'")).await, 2);
    assert_eq!(app.count(&format!("SELECT count(*) FROM audit_logs WHERE entity_id = '{id}' AND after_values->>'outcome' LIKE 'Lost on price%'")).await, 1);
    let after: Board = cm.answer("/api/pipeline/board", &[]).await;
    assert_eq!(count_of(&after, PipelineStage::Lost), count_of(&board, PipelineStage::Lost) + 1);
    assert_eq!(count_of(&after, PipelineStage::Phase1), count_of(&board, PipelineStage::Phase1) - 1);
    let lost: Vec<BoardCard> = cm.answer("/api/pipeline/more", &[("stage", "lost"), ("offset", "0")]).await;
    assert!(lost.iter().any(|c| c.id == card.id), "a decided column's cards come when it is opened");

    // A viewer sees the board but cannot move; the refusal is recorded.
    let viewer = app.demo_user("taylor.brooks").await;
    assert_eq!(viewer.ok("/api/pipeline/board", &[]).await["can_move"], false);
    let (s, _) =
        status_and_message(viewer.call("/api/pipeline/move", &[("project_id", &id), ("stage", "phase_3")]).await).await;
    assert_eq!(s, 403);
    assert_eq!(app.count("SELECT count(*) FROM permission_audit WHERE permission_checked = 'projects.move' AND NOT permission_granted").await, 1);
    // Acme's people see only acme's pursuit.
    let acme = app.signed_in(Some("acme"), "viewer@acme.test", TENANT_PASSWORD).await;
    assert_eq!(total(&acme.answer::<Board>("/api/pipeline/board", &[]).await), 1);
}

#[tokio::test]
async fn every_filter_narrows_the_board_and_bad_values_are_explained() {
    let app = TestApp::with_demo().await;
    let cm = app.demo_user("priya.natarajan").await;
    let board = |form: &[(&str, &str)]| {
        let (cm, form): (_, Vec<(String, String)>) =
            (cm.clone(), form.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect());
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            cm.answer::<Board>("/api/pipeline/board", &pairs).await
        }
    };
    let all = board(&[]).await;
    let everything = total(&all);
    assert_eq!(
        everything,
        app.count("SELECT count(*) FROM opportunity_projects WHERE project_status <> 'archived'").await
    );
    let agency = all.choices.agencies.first().expect("an agency").clone();
    let by_agency = board(&[("filter[agency]", &agency)]).await;
    assert!(total(&by_agency) > 0 && total(&by_agency) < everything);
    assert!(cards(&by_agency).iter().all(|c| c.agency_name.as_deref() == Some(agency.as_str())));
    let soon = board(&[("filter[due_within]", "30")]).await;
    let now = chrono::Utc::now();
    for card in cards(&soon) {
        let due = card.response_due_date.expect("due");
        assert!(due >= now - chrono::Duration::minutes(1) && due <= now + chrono::Duration::days(30), "{card:?}");
    }
    let big = board(&[("filter[min_value]", "100000000")]).await;
    assert!(cards(&big).iter().all(|c| c.estimated_value.is_some_and(|v| v >= Decimal::from(100_000_000))));
    let small = board(&[("filter[max_value]", "100000000")]).await;
    assert!(total(&big) + total(&small) <= everything);
    let set_aside = all.choices.set_asides.first().expect("a set-aside").clone();
    assert!(total(&board(&[("filter[set_aside]", &set_aside)]).await) > 0);
    assert_eq!(total(&board(&[("filter[naics]", "999999")]).await), 0);
    for (key, value, expected) in [
        ("filter[naics]", "54x5", "digits only"),
        ("filter[due_within]", "0", "1 to 365"),
        ("filter[min_value]", "-5", "negative"),
    ] {
        let (s, m) = status_and_message(cm.call("/api/pipeline/board", &[(key, value)]).await).await;
        assert_eq!((s, m.contains(expected)), (422, true), "{key}={value}: {m}");
    }
    let (s, m) = status_and_message(
        cm.call("/api/pipeline/board", &[("filter[min_value]", "9"), ("filter[max_value]", "1")]).await,
    )
    .await;
    assert_eq!((s, m.contains("above the maximum")), (422, true), "{m}");
}

#[tokio::test]
async fn saved_views_are_personal_checked_and_replaceable() {
    let app = TestApp::with_demo().await;
    let priya = app.demo_user("priya.natarajan").await;
    let (s, _) = status_and_message(priya.call("/api/pipeline/save-view", &[("name", "  ")]).await).await;
    assert_eq!(s, 422);
    let (s, m) = status_and_message(
        priya.call("/api/pipeline/save-view", &[("name", "Bad"), ("filter[due_within]", "999")]).await,
    )
    .await;
    assert_eq!((s, m.contains("1 to 365")), (422, true));
    let view = priya
        .ok(
            "/api/pipeline/save-view",
            &[("name", "Critical, mine"), ("filter[mine]", "true"), ("filter[priority]", "critical")],
        )
        .await;
    assert_eq!(view["query"], "?mine=1&priority=critical");
    // The same name again replaces the filter.
    priya.ok("/api/pipeline/save-view", &[("name", "Critical, mine"), ("filter[priority]", "critical")]).await;
    let views = priya.ok("/api/pipeline/views", &[]).await;
    assert_eq!(views.as_array().map(Vec::len), Some(1));
    assert_eq!(views[0]["query"], "?priority=critical");
    // Someone else sees none of them and cannot delete them.
    let jordan = app.demo_user("jordan.reyes").await;
    assert_eq!(jordan.ok("/api/pipeline/views", &[]).await, serde_json::json!([]));
    let id = views[0]["id"].as_str().expect("id").to_string();
    assert_eq!(
        status_and_message(jordan.call("/api/pipeline/delete-view", &[("view_id", &id)]).await).await,
        (404, "Saved view".into())
    );
    priya.ok("/api/pipeline/delete-view", &[("view_id", &id)]).await;
    assert_eq!(priya.ok("/api/pipeline/views", &[]).await, serde_json::json!([]));
}
