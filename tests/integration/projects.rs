//! The table view, CSV export, and creating, editing, archiving and restoring projects: paging and sorting on
//! the server, every refusal with a message, history and audit rows, the plan limit, other tenants' ids.

use crate::common::{TENANT_PASSWORD, TestApp, status_and_message};
use app::{domain::PipelineStage, ids::ProjectId, projects::ProjectTable, roles::SystemRole};
use rust_decimal::Decimal;
use serde_json::Value;

#[tokio::test]
async fn the_table_sorts_and_pages_on_the_server() {
    let app = TestApp::new().await;
    let acme = app.with_tenant("acme").await;
    acme.with_projects(57, PipelineStage::Phase1).await;
    let viewer = acme.with_user(SystemRole::Viewer).await;
    let table = |form: &'static [(&'static str, &'static str)]| {
        let viewer = viewer.clone();
        async move { viewer.answer::<ProjectTable>("/api/projects/table", form).await }
    };
    let first = table(&[]).await;
    assert_eq!((first.total, first.rows.len(), first.pages()), (57, 50, 2), "50 rows a page");
    let second = table(&[("query[page]", "2")]).await;
    assert_eq!(second.rows.len(), 7);
    let mut all: Vec<ProjectId> = first.rows.iter().chain(&second.rows).map(|r| r.id).collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 57, "pages neither repeat nor skip a pursuit");
    let past_the_end = table(&[("query[page]", "7")]).await;
    assert_eq!((past_the_end.rows.len(), past_the_end.total), (0, 57));
    assert!(!first.can_create, "a viewer creates nothing");

    let by_name = table(&[("query[sort]", "name")]).await;
    let ordered: Vec<String> = by_name.rows.iter().map(|r| r.project_name.to_lowercase()).collect();
    let mut sorted = ordered.clone();
    sorted.sort();
    assert_eq!(ordered, sorted);

    // Another tenant sees only its own projects in the same table.
    let beta = app.with_tenant("beta").await;
    beta.with_projects(3, PipelineStage::Phase0).await;
    let theirs: ProjectTable =
        beta.with_user(SystemRole::CaptureManager).await.answer("/api/projects/table", &[]).await;
    assert_eq!((theirs.total, theirs.can_create), (3, true));
}

#[tokio::test]
async fn the_table_takes_the_boards_filters_and_refuses_out_of_range_ones() {
    let app = TestApp::with_demo().await;
    let cm = app.demo_user("jordan.reyes").await;
    let by_value: ProjectTable =
        cm.answer("/api/projects/table", &[("query[sort]", "value"), ("query[descending]", "true")]).await;
    let values: Vec<Decimal> = by_value.rows.iter().filter_map(|r| r.estimated_value).collect();
    assert!(values.len() > 40 && values.windows(2).all(|w| w[0] >= w[1]), "largest first: {values:?}");

    let awarded_mine =
        cm.ok("/api/projects/table", &[("query[filter][mine]", "true"), ("query[filter][priority]", "high")]).await;
    for row in awarded_mine["rows"].as_array().expect("rows") {
        assert_eq!(
            (row["capture_manager_name"].as_str(), row["priority_level"].as_str()),
            (Some("Jordan Reyes"), Some("high"))
        );
    }
    assert_eq!(awarded_mine["total"].as_i64(), awarded_mine["rows"].as_array().map(|r| r.len() as i64));

    for (key, value, says) in [
        ("query[page]", "0", "1 to 10000"),
        ("query[filter][naics]", "54x", "digits only"),
        ("query[filter][due_within]", "900", "1 to 365"),
    ] {
        let (s, m) = status_and_message(cm.call("/api/projects/table", &[(key, value)]).await).await;
        assert_eq!((s, m.contains(says)), (422, true), "{key}={value}: {m}");
    }
}

#[tokio::test]
async fn the_csv_export_is_the_current_view_defused_and_audited() {
    let app = TestApp::with_demo().await;
    let cm = app.demo_user("jordan.reyes").await;
    app.owner_exec("UPDATE opportunity_projects SET project_name = '=HYPERLINK(\"http://x\",\"y\"), bad' WHERE id = (SELECT id FROM opportunity_projects ORDER BY id LIMIT 1)").await;
    let res = cm.get("/projects/export.csv?sort=name").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(
        res.headers()["content-disposition"].to_str().expect("header").starts_with("attachment; filename=\"projects-")
    );
    let bytes = res.bytes().await.expect("csv");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with a byte-order mark, as Excel needs");
    let csv = String::from_utf8(bytes[3..].to_vec()).expect("UTF-8");
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 61, "a header and all 60 pursuits, not one page");
    assert!(lines[0].starts_with("Project,Title,Solicitation,Agency,Stage"));
    assert!(csv.contains(",Phase 2 \u{b7} Capture planning,"), "stages named as on the board");
    assert!(csv.contains("\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\"), bad\""), "formula defused and quoted");

    let mine = cm.get("/projects/export.csv?mine=1").await.text().await.expect("csv");
    let mine_rows = mine.split("\r\n").filter(|l| !l.is_empty()).count() - 1;
    let expected =
        cm.ok("/api/projects/table", &[("query[filter][mine]", "true")]).await["total"].as_i64().expect("total");
    assert_eq!(mine_rows as i64, expected, "the export holds exactly the filtered view");
    assert_eq!(
        app.count("SELECT count(*) FROM audit_logs WHERE action_type = 'export' AND risk_level = 'medium'").await,
        2
    );

    let bad = cm.get("/projects/export.csv?naics=abc").await;
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.expect("html").contains("digits only"));
    let signed_out = app.get_as(None, "/projects/export.csv").await;
    assert_eq!(signed_out.status(), 303, "signed out: off to sign in");
}

/// The form fields of a project, as `input[...]` pairs.
fn form<'a>(pairs: &[(&'a str, &'a str)]) -> Vec<(String, &'a str)> {
    pairs.iter().map(|(k, v)| (format!("input[{k}]"), *v)).collect()
}

async fn call_form(
    b: &crate::common::Browser,
    path: &str,
    extra: &[(&str, &str)],
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let owned = form(fields);
    let mut all: Vec<(&str, &str)> = extra.to_vec();
    all.extend(owned.iter().map(|(k, v)| (k.as_str(), *v)));
    b.call(path, &all).await
}

#[tokio::test]
async fn creating_and_editing_a_project_checks_everything_and_records_each_change() {
    let app = TestApp::with_demo().await;
    app.add_tenant("acme", 1, true).await;
    let cm = app.demo_user("jordan.reyes").await;
    let jordan = app.id_of("SELECT id FROM users WHERE email = 'jordan.reyes@demo.gwm.test'").await.to_string();
    let foreign_user = app.id_of("SELECT id FROM users WHERE email = 'viewer@acme.test'").await.to_string();

    let (s, m) = status_and_message(
        call_form(
            &cm,
            "/api/projects/create",
            &[],
            &[("project_name", " "), ("win_probability_score", "120"), ("response_due_date", "soon")],
        )
        .await,
    )
    .await;
    assert_eq!(s, 422);
    for part in ["project name is required", "0 to 100", "YYYY-MM-DD"] {
        assert!(m.contains(part), "{part}: {m}");
    }
    let (s, m) = status_and_message(
        call_form(&cm, "/api/projects/create", &[], &[("project_name", "X"), ("capture_manager", &foreign_user)]).await,
    )
    .await;
    assert_eq!((s, m.contains("not an active user")), (422, true), "another tenant's user is unknown here: {m}");
    let before = app.count("SELECT count(*) FROM opportunity_projects").await;
    assert_eq!(before, 61, "nothing half-written by the refusals");

    let created = call_form(
        &cm,
        "/api/projects/create",
        &[],
        &[
            ("project_name", "Navy Cloud Migration"),
            ("agency_name", "Department of the Navy"),
            ("pipeline_stage", "phase_1"),
            ("priority_level", "high"),
            ("win_probability_score", "35"),
            ("capture_manager", &jordan),
            ("estimated_value", "$4,200,000"),
            ("response_due_date", "2027-02-01"),
            ("naics_codes", "541512"),
        ],
    )
    .await;
    assert_eq!(created.status(), 200);
    let id = created.json::<Value>().await.expect("id").as_str().expect("id").to_string();
    let table = cm.ok("/api/projects/table", &[("query[filter][q]", "Navy Cloud")]).await;
    assert_eq!(table["rows"][0]["estimated_value"], "4200000.00", "the typed value shows like a synced one");
    assert_eq!(table["rows"][0]["pipeline_stage"], "phase_1");
    assert_eq!(
        app.count(&format!("SELECT count(*) FROM audit_logs WHERE action_type = 'create' AND entity_id = '{id}'"))
            .await,
        1
    );

    let form_data = cm.ok("/api/projects/form", &[("project_id", &id)]).await;
    let version = form_data["input"]["version"].as_str().expect("version").to_string();
    assert_eq!(form_data["input"]["response_due_date"], "2027-02-01");
    let edit = |version: String, pwin: &'static str| {
        let id = id.clone();
        let cm = &cm;
        async move {
            call_form(
                cm,
                "/api/projects/update",
                &[("project_id", &id)],
                &[
                    ("project_name", "Navy Cloud Migration"),
                    ("agency_name", "Department of the Navy"),
                    ("priority_level", "critical"),
                    ("win_probability_score", pwin),
                    ("estimated_value", "5000000"),
                    ("response_due_date", "2027-02-01"),
                    ("naics_codes", "541512"),
                    ("version", &version),
                ],
            )
            .await
        }
    };
    assert_eq!(edit(version.clone(), "40").await.status(), 200);
    let history = |fields: &str| format!("SELECT count(*) FROM change_history WHERE entity_id = '{id}'{fields}");
    // Created: the project and its three typed values; edited: one row per changed field (four), nothing for
    // the fields sent unchanged.
    assert_eq!(app.count(&history("")).await, 8);
    let edited = " AND field_name IN ('assigned_capture_manager', 'priority_level', 'win_probability_score')";
    assert_eq!(app.count(&history(edited)).await, 3);
    assert_eq!(app.count(&history(" AND field_name = 'estimated_value_max' AND new_value = '\"5000000\"'")).await, 1);
    let (s, m) = status_and_message(edit(version, "45").await).await;
    assert_eq!((s, m.contains("after you opened the form")), (409, true), "a stale form does not overwrite: {m}");

    let foreign = app
        .id_of(
            "SELECT p.id FROM opportunity_projects p JOIN tenants t ON t.id = p.tenant_id WHERE t.subdomain = 'acme'",
        )
        .await
        .to_string();
    assert_eq!(
        status_and_message(
            call_form(&cm, "/api/projects/update", &[("project_id", &foreign)], &[("project_name", "Mine now")]).await
        )
        .await
        .0,
        404
    );
    assert_eq!(status_and_message(cm.call("/api/projects/form", &[("project_id", &foreign)]).await).await.0, 404);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM opportunity_projects WHERE id = '{foreign}' AND project_name = 'Mine now'"
        ))
        .await,
        0
    );

    let viewer = app.demo_user("taylor.brooks").await;
    let (s, _) =
        status_and_message(call_form(&viewer, "/api/projects/create", &[], &[("project_name", "Nope")]).await).await;
    assert_eq!(s, 403);
}

#[tokio::test]
async fn archiving_takes_a_project_off_the_board_and_the_plan_limit_holds() {
    let app = TestApp::with_demo().await;
    let admin = app.demo_user("admin").await;
    let id = app
        .id_of("SELECT id FROM opportunity_projects WHERE pipeline_stage = 'phase_2' ORDER BY project_name LIMIT 1")
        .await
        .to_string();
    let (s, m) =
        status_and_message(admin.call("/api/projects/archive", &[("project_id", &id), ("reason", " ")]).await).await;
    assert_eq!((s, m.contains("reason")), (422, true), "{m}");
    admin.ok("/api/projects/archive", &[("project_id", &id), ("reason", "No-bid: outside our NAICS")]).await;
    assert_eq!(admin.ok("/api/projects/table", &[]).await["total"], 59);
    let (s, _) =
        status_and_message(admin.call("/api/projects/archive", &[("project_id", &id), ("reason", "again")]).await)
            .await;
    assert_eq!(s, 409);
    let (s, m) = status_and_message(
        call_form(&admin, "/api/projects/update", &[("project_id", &id)], &[("project_name", "Edited")]).await,
    )
    .await;
    assert_eq!((s, m.contains("restore it before editing")), (422, true), "{m}");

    // The plan is full at 59 open projects: no new one, and no restore, until there is room.
    app.owner_exec("UPDATE tenants SET max_opportunity_projects = 59 WHERE subdomain = 'demo'").await;
    let (s, m) =
        status_and_message(call_form(&admin, "/api/projects/create", &[], &[("project_name", "One too many")]).await)
            .await;
    assert_eq!((s, m.contains("plan allows 59 open projects")), (422, true), "{m}");
    let (s, m) = status_and_message(admin.call("/api/projects/restore", &[("project_id", &id)]).await).await;
    assert_eq!((s, m.contains("plan allows")), (422, true), "{m}");
    app.owner_exec("UPDATE tenants SET max_opportunity_projects = 500 WHERE subdomain = 'demo'").await;
    admin.ok("/api/projects/restore", &[("project_id", &id)]).await;
    assert_eq!(app.count(&format!("SELECT count(*) FROM opportunity_projects WHERE id = '{id}' AND project_status = 'active' AND archived_at IS NULL")).await, 1);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM audit_logs WHERE entity_id = '{id}' AND action_type IN ('archive', 'restore')"
        ))
        .await,
        2
    );

    app.add_tenant("acme", 1, true).await;
    let foreign = app
        .id_of(
            "SELECT p.id FROM opportunity_projects p JOIN tenants t ON t.id = p.tenant_id WHERE t.subdomain = 'acme'",
        )
        .await
        .to_string();
    assert_eq!(
        status_and_message(admin.call("/api/projects/archive", &[("project_id", &foreign), ("reason", "x")]).await)
            .await
            .0,
        404
    );
    assert_eq!(status_and_message(admin.call("/api/projects/restore", &[("project_id", &foreign)]).await).await.0, 404);
    let viewer = app.demo_user("taylor.brooks").await;
    assert_eq!(
        status_and_message(viewer.call("/api/projects/archive", &[("project_id", &id), ("reason", "x")]).await).await.0,
        403
    );
}

#[tokio::test]
async fn the_dashboard_adds_up_the_tenants_own_pipeline() {
    let app = TestApp::with_demo().await;
    let cm = app.demo_user("jordan.reyes").await;
    let dashboard = cm.ok("/api/dashboard", &[]).await;
    let board = cm.ok("/api/pipeline/board", &[]).await;
    let stages = dashboard["stages"].as_array().expect("stages");
    assert_eq!(stages.len(), 9);
    for (stage, column) in stages.iter().zip(board["columns"].as_array().expect("columns")) {
        assert_eq!(
            (&stage["stage"], &stage["count"], &stage["total_value"]),
            (&column["stage"], &column["count"], &column["total_value"])
        );
    }
    assert!(dashboard["won"].as_i64().expect("won") + dashboard["lost"].as_i64().expect("lost") > 0);
    assert!(!dashboard["mine"].as_array().expect("mine").is_empty(), "Jordan manages demo pursuits");

    // A change shows on the next read: no refresh job in between.
    app.owner_exec("UPDATE opportunity_projects SET pipeline_stage = 'lost' WHERE pipeline_stage = 'phase_0'").await;
    let after = cm.ok("/api/dashboard", &[]).await;
    assert_eq!(after["stages"][0]["count"], 0);

    app.add_tenant("acme", 2, true).await;
    let acme = app.signed_in(Some("acme"), "viewer@acme.test", TENANT_PASSWORD).await;
    let theirs = acme.ok("/api/dashboard", &[]).await;
    let count: i64 =
        theirs["stages"].as_array().expect("stages").iter().map(|s| s["count"].as_i64().expect("count")).sum();
    assert_eq!(count, 2, "only acme's own projects");
    assert_eq!(theirs["changes"].as_array().map(Vec::len), Some(0));
    assert_eq!(theirs["overdue"].as_array().map(Vec::len), Some(0));
}

/// Security finding: naming a pursuit's capture or proposal manager decides who sees its restricted
/// documents: it needs projects.create (a proposal manager, who may edit, cannot name herself), is refused on
/// record otherwise, and is audited as a permission change.
#[tokio::test]
async fn naming_who_leads_a_pursuit_is_an_explicit_audited_decision() {
    let app = TestApp::with_demo().await;
    let project = app.id_of("SELECT id FROM opportunity_projects WHERE project_status = 'active' AND pipeline_stage NOT IN ('awarded', 'lost') ORDER BY project_name LIMIT 1").await.to_string();
    let elena = app.id_of("SELECT id FROM users WHERE email = 'elena.fischer@demo.gwm.test'").await.to_string();
    let edit = |who: &'static str, capture_manager: String| {
        let (app, project) = (&app, project.clone());
        async move {
            let browser = app.demo_user(who).await;
            let form = browser.ok("/api/projects/form", &[("project_id", &project)]).await;
            let input = &form["input"];
            let text = |k: &str| input[k].as_str().unwrap_or_default().to_string();
            let fields: Vec<(&str, String)> = vec![
                ("project_name", text("project_name")),
                ("priority_level", text("priority_level")),
                ("pipeline_stage", text("pipeline_stage")),
                ("proposal_manager", text("proposal_manager")),
                ("capture_manager", capture_manager),
                ("version", text("version")),
            ];
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            status_and_message(call_form(&browser, "/api/projects/update", &[("project_id", &project)], &pairs).await)
                .await
        }
    };
    let (s, m) = edit("elena.fischer", elena.clone()).await;
    assert_eq!(s, 403, "a proposal manager cannot make herself capture manager: {m}");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM opportunity_projects WHERE id = '{project}' AND assigned_capture_manager = '{elena}'"
        ))
        .await,
        0
    );
    assert_eq!(app.count("SELECT count(*) FROM permission_audit WHERE permission_checked = 'projects.create' AND NOT permission_granted").await, 1);
    let (s, m) = edit("jordan.reyes", elena.clone()).await;
    assert_eq!(s, 200, "a capture manager decides it: {m}");
    assert_eq!(app.count(&format!("SELECT count(*) FROM audit_logs WHERE action_type = 'permission_change' AND entity_id = '{project}' AND risk_level = 'medium'")).await, 1);
}

/// Sorted by response due, deadlines still ahead come first (soonest first), past ones follow (the most
/// recent first), pursuits without a date last; the page says so.
#[tokio::test]
async fn sorting_by_due_date_puts_deadlines_ahead_first_and_past_ones_after_most_recent_first() {
    let app = TestApp::with_demo().await;
    app.owner_exec(
        "UPDATE external_opportunity_data e SET response_due_date = now() - make_interval(days => d.n::int * 3) \
           FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM external_opportunity_data \
                  WHERE is_current_version ORDER BY id LIMIT 4) d WHERE e.id = d.id",
    )
    .await;
    let cm = app.demo_user("jordan.reyes").await;
    let mut rows = Vec::new();
    for page in ["1", "2"] {
        let table: ProjectTable = cm.answer("/api/projects/table", &[("query[page]", page)]).await;
        rows.extend(table.rows);
    }
    let now = chrono::Utc::now();
    let ahead: Vec<_> = rows.iter().take_while(|r| r.response_due_date.is_some_and(|d| d >= now)).collect();
    let past: Vec<_> =
        rows[ahead.len()..].iter().take_while(|r| r.response_due_date.is_some_and(|d| d < now)).collect();
    let rest = &rows[ahead.len() + past.len()..];
    assert!(!ahead.is_empty() && past.len() >= 4, "{} ahead, {} past", ahead.len(), past.len());
    assert!(rest.iter().all(|r| r.response_due_date.is_none()), "no date last");
    assert!(ahead.windows(2).all(|w| w[0].response_due_date <= w[1].response_due_date), "soonest first");
    assert!(past.windows(2).all(|w| w[0].response_due_date >= w[1].response_due_date), "most recent past first");
    let html = cm.get("/projects").await.text().await.expect("page");
    assert!(html.contains("past deadlines follow, most recent first"), "the page says how it sorts");
}
