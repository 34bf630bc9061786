//! CSV imports: a file uploaded, its columns suggested and remembered, the first rows previewed with every
//! problem named by row and column, then imported by the background job (valid rows only, or all or nothing),
//! with the rejected rows as CSV; encodings and quoted newlines; a server that stops mid-file; 50,000 rows;
//! bad uploads and mappings refused with what to fix; another tenant's imports not found; a viewer cannot.

use crate::common::{Browser, TestApp, TestDb, status_and_message};
use app::{
    imports::{ImportDetail, ImportStatus, ImportSummary},
    roles::SystemRole,
};
use std::time::Duration;

async fn upload(person: &Browser, kind: &str, name: &str, body: impl Into<reqwest::Body>) -> reqwest::Response {
    person.post_file(&format!("/imports/upload?kind={kind}&name={name}"), body).await
}

async fn uploaded(person: &Browser, kind: &str, name: &str, body: impl Into<reqwest::Body>) -> String {
    let res = upload(person, kind, name, body).await;
    assert_eq!(res.status(), 201, "upload refused: {}", res.text().await.unwrap_or_default());
    let v: serde_json::Value = res.json().await.unwrap();
    v["id"].as_str().unwrap().to_string()
}

async fn detail(person: &Browser, id: &str, mapping: Option<&str>) -> ImportDetail {
    let mut form = vec![("id", id)];
    if let Some(m) = mapping {
        form.push(("mapping", m));
    }
    person.answer("/api/imports/get", &form).await
}

async fn start(person: &Browser, id: &str, mapping: &str, mode: &str) -> reqwest::Response {
    start_as(person, id, mapping, mode, "utf-8").await
}

async fn start_as(person: &Browser, id: &str, mapping: &str, mode: &str, encoding: &str) -> reqwest::Response {
    person.call("/api/imports/start", &[("id", id), ("mapping", mapping), ("encoding", encoding), ("mode", mode)]).await
}

/// Waits for the background job (the test server's worker) to finish.
async fn finished(person: &Browser, id: &str) -> ImportSummary {
    for _ in 0..3_000 {
        let s: ImportSummary = person.answer("/api/imports/progress", &[("id", id)]).await;
        if !s.status.is_working() {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the import did not finish in five minutes");
}

const CONTACTS: &str = "\u{feff}First Name,Last Name,Company,E-mail Address,Job Title,Notes,Strength\r\n\
Dana,Whitaker,Army Contracting Command,dana@army.mil,Contracting Officer,\"Met at the industry day,\nprefers e-mail\",4\r\n\
Lee,Okafor,Army Contracting Command,lee@army.mil,Program Manager,,3\r\n\
Bad,Mail,Northwind,not-an-address,,,9\r\n\
Dana,Again,Army Contracting Command,DANA@army.mil,,,\r\n\
Sam,Existing,,sam@known.example,,,\r\n\
Ana,Lopez,New Office,ana@new.gov,,,2\r\n";

#[tokio::test]
async fn a_contacts_file_is_previewed_then_imported_with_its_bad_rows_named_by_row_and_column() {
    let app = TestApp::new().await;
    let tenant = app.with_tenant("acme").await;
    let capture = tenant.with_user(SystemRole::CaptureManager).await;
    capture
        .ok(
            "/api/contacts/save",
            &[("input[first_name]", "Sam"), ("input[last_name]", "Known"), ("input[email]", "sam@known.example")],
        )
        .await;
    capture.ok("/api/organizations/save", &[("input[name]", "Army Contracting Command")]).await;

    let id = uploaded(&capture, "contacts", "people.csv", CONTACTS).await;
    let d = detail(&capture, &id, None).await;
    assert_eq!(d.summary.status, ImportStatus::Uploaded);
    assert_eq!(d.headings[0], "First Name", "the byte-order mark is not part of the first heading");
    let suggested: Vec<Option<&str>> = d.mapping.iter().map(|m| m.as_deref()).collect();
    assert_eq!(
        suggested,
        [
            Some("first_name"),
            Some("last_name"),
            Some("organization"),
            Some("email"),
            Some("title"),
            Some("notes"),
            Some("relationship_strength")
        ]
    );
    assert!(d.mapping_problems.is_empty(), "{:?}", d.mapping_problems);
    // The preview: rows as a spreadsheet numbers them, each problem with its column.
    assert_eq!(d.preview.len(), 6);
    assert_eq!(d.preview[0].cells[5], "Met at the industry day,\nprefers e-mail", "a quoted newline stays in its cell");
    let problems = |row: u32| d.preview.iter().find(|r| r.row_number == row).unwrap().problems.clone();
    assert!(problems(2).is_empty() && problems(3).is_empty() && problems(7).is_empty());
    let bad = problems(4);
    assert!(
        bad.iter().any(|p| p.column.as_deref() == Some("E-mail Address") && p.message.contains("not a valid email")),
        "{bad:?}"
    );
    assert!(
        bad.iter().any(|p| p.column.as_deref() == Some("Strength") && p.message.contains("from 1 to 5")),
        "{bad:?}"
    );
    assert!(problems(5)[0].message.contains("same person as row 2"), "{:?}", problems(5));
    assert!(problems(6)[0].message.contains("Sam Known already has the e-mail address"), "{:?}", problems(6));
    assert_eq!(app.count("SELECT count(*) FROM contacts").await, 1, "a preview writes nothing");

    // The heading "Job Title" is imported as notes this time: remembered for the next file.
    let mapping = "first_name,last_name,organization,email,,notes,relationship_strength";
    let res = start(&capture, &id, mapping, "valid_only").await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
    let s = finished(&capture, &id).await;
    assert_eq!(s.status, ImportStatus::Done, "{:?}", s.failure);
    assert_eq!((s.rows_read, s.rows_imported, s.rows_rejected, s.organizations_created), (6, 3, 3, 1));
    assert_eq!(s.progress, 1.0);
    assert_eq!(app.count("SELECT count(*) FROM contacts WHERE import_id IS NOT NULL").await, 3);
    assert_eq!(app.count("SELECT count(*) FROM organizations WHERE name = 'New Office'").await, 1);
    assert_eq!(
        app.count(
            "SELECT count(*) FROM contacts c JOIN organizations o ON o.id = c.organization_id \
                   WHERE o.name = 'Army Contracting Command' AND c.email IN ('dana@army.mil', 'lee@army.mil')"
        )
        .await,
        2,
        "an organization named by its name is found, not created again"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE notes LIKE 'Met at the industry day,%prefers e-mail'").await,
        1
    );
    // Field history for every created record, and one audit row with the counts.
    assert_eq!(
        app.count(
            "SELECT count(*) FROM change_history h JOIN contacts c ON c.id = h.entity_id \
                   WHERE c.email = 'dana@army.mil' AND h.field_name IN ('first_name', 'email', 'relationship_strength')"
        )
        .await,
        3
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM audit_logs WHERE action_type = 'import' AND (after_values->>'imported')::int = 3 \
                   AND (after_values->>'rejected')::int = 3"
        )
        .await,
        1
    );
    // The page lists the rejected rows; the file has them with their cells and what to fix.
    let d = detail(&capture, &id, None).await;
    assert_eq!(d.rejected.iter().map(|r| r.row_number).collect::<Vec<_>>(), [4, 5, 6]);
    let res = capture.get(&format!("/imports/{id}/rejected.csv")).await;
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    assert!(text.starts_with('\u{feff}'), "UTF-8 with a byte-order mark, for Excel");
    let mut lines = text.trim_start_matches('\u{feff}').lines();
    assert_eq!(
        lines.next(),
        Some("First Name,Last Name,Company,E-mail Address,Job Title,Notes,Strength,Row in the file,What to fix")
    );
    assert!(text.contains("Bad,Mail,Northwind,not-an-address,,,9,4,"), "{text}");
    assert!(text.contains("E-mail Address: The e-mail address"), "{text}");

    // A second file with the same headings is mapped as the first was.
    let again = uploaded(&capture, "contacts", "more.csv", "First Name,Last Name,Job Title\r\nAl,Ng,Boss\r\n").await;
    let d = detail(&capture, &again, None).await;
    assert_eq!(d.mapping, vec![Some("first_name".into()), Some("last_name".into()), None]);
    // Started once only.
    let res = start(&capture, &id, mapping, "valid_only").await;
    assert_eq!(status_and_message(res).await.0, 409);
}

#[tokio::test]
async fn all_or_nothing_imports_nothing_when_a_row_is_bad_and_everything_when_none_is() {
    let app = TestApp::new().await;
    let tenant = app.with_tenant("acme").await;
    let capture = tenant.with_user(SystemRole::CaptureManager).await;
    let file = "Name,Email\r\nAnn Lee,ann@x.gov\r\nBob Stone,bob@x.gov\r\nCher,cher@x.gov\r\n";
    let id = uploaded(&capture, "contacts", "all.csv", file).await;
    let res = start(&capture, &id, "full_name,email", "all_or_nothing").await;
    assert_eq!(res.status(), 200);
    let s = finished(&capture, &id).await;
    assert_eq!(s.status, ImportStatus::Failed);
    assert_eq!((s.rows_imported, s.rows_rejected), (0, 1));
    assert!(s.failure.as_deref().unwrap_or_default().contains("1 row has problems, so nothing was imported"), "{s:?}");
    assert_eq!(app.count("SELECT count(*) FROM contacts").await, 0);
    assert_eq!(app.count("SELECT count(*) FROM change_history").await, 0);
    let d = detail(&capture, &id, None).await;
    assert!(
        d.rejected[0].problems[0].message.contains("cannot be split into a first and a last name"),
        "{:?}",
        d.rejected
    );

    let fixed = uploaded(&capture, "contacts", "fixed.csv", file.replace("Cher,", "Cher Sarkisian,")).await;
    assert_eq!(start(&capture, &fixed, "full_name,email", "all_or_nothing").await.status(), 200);
    let s = finished(&capture, &fixed).await;
    assert_eq!((s.status, s.rows_imported, s.rows_rejected), (ImportStatus::Done, 3, 0));
    assert_eq!(app.count("SELECT count(*) FROM contacts WHERE last_name = 'Sarkisian'").await, 1);
}

#[tokio::test]
async fn windows_1252_files_keep_their_accents_and_organizations_take_parents_from_rows_above() {
    let app = TestApp::new().await;
    let tenant = app.with_tenant("acme").await;
    let capture = tenant.with_user(SystemRole::CaptureManager).await;
    // Excel on Windows: "José García" in Windows-1252 (é = 0xE9, í = 0xED).
    let file: Vec<u8> = b"First,Last,Email\r\nJos\xE9,Garc\xEDa,jose@x.gov\r\n".to_vec();
    let id = uploaded(&capture, "contacts", "excel.csv", file).await;
    let d = detail(&capture, &id, None).await;
    assert_eq!(d.encoding, app::imports::TextEncoding::Windows1252);
    assert_eq!(d.preview[0].cells[..2], ["Jos\u{e9}".to_string(), "Garc\u{ed}a".to_string()]);
    assert_eq!(start_as(&capture, &id, "first_name,last_name,email", "valid_only", "windows-1252").await.status(), 200);
    let s = finished(&capture, &id).await;
    assert_eq!((s.rows_imported, s.rows_rejected), (1, 0), "{s:?}");
    assert_eq!(
        app.count("SELECT count(*) FROM contacts WHERE first_name = 'Jos\u{e9}' AND last_name = 'Garc\u{ed}a'").await,
        1
    );

    let orgs = "Name,Parent,UEI,CAGE,Type\r\n\
Department of the Army,,,,Government agency\r\n\
USACE Huntsville,Department of the Army,,,government_agency\r\n\
Northwind Federal,,NWF1234ABCD5,1ABC2,Prime contractor\r\n\
Northwind Again,,nwf1234abcd5,,\r\n\
Orphan Office,Nowhere Agency,,,\r\n";
    let id = uploaded(&capture, "organizations", "orgs.csv", orgs).await;
    let d = detail(&capture, &id, None).await;
    assert_eq!(
        d.mapping[..4],
        [Some("name".into()), Some("parent".into()), Some("sam_unique_id".into()), Some("cage_code".into())]
    );
    assert_eq!(
        start(&capture, &id, "name,parent,sam_unique_id,cage_code,organization_type", "valid_only").await.status(),
        200
    );
    let s = finished(&capture, &id).await;
    assert_eq!((s.rows_imported, s.rows_rejected), (3, 2));
    assert_eq!(
        app.count(
            "SELECT count(*) FROM organizations o JOIN organizations p ON p.id = o.parent_organization_id \
                   WHERE o.name = 'USACE Huntsville' AND p.name = 'Department of the Army'"
        )
        .await,
        1
    );
    let d = detail(&capture, &id, None).await;
    assert!(d.rejected[0].problems[0].message.contains("same organization as row 4"), "{:?}", d.rejected);
    assert_eq!(d.rejected[1].problems[0].column.as_deref(), Some("Parent"));
}

#[tokio::test]
async fn a_server_that_stops_mid_import_is_taken_over_without_duplicates() {
    let db = TestDb::new().await;
    let app = TestApp::spawn(db, &[("GWM_IMPORT_WORKER", "off")]).await;
    let tenant = app.with_tenant("acme").await;
    let capture = tenant.with_user(SystemRole::CaptureManager).await;
    let mut file = String::from("First,Last,Email\r\n");
    for i in 0..1_750 {
        file.push_str(&format!("Person,Number{i},p{i}@x.gov\r\n"));
    }
    for mode in ["valid_only", "all_or_nothing"] {
        let id = uploaded(&capture, "contacts", "big.csv", file.replace("x.gov", &format!("{mode}.gov"))).await;
        assert_eq!(start(&capture, &id, "first_name,last_name,email", mode).await.status(), 200);
        // The first server writes two batches and stops (as a crash would: no finish, no hand-back).
        let (_, ran) = gwm_crm::imports::run_once(&app.state, Some(2)).await.unwrap().unwrap();
        assert_eq!(ran, gwm_crm::imports::Ran::Stopped);
        let written = app.count(&format!("SELECT count(*) FROM contacts WHERE email LIKE '%@{mode}.gov'")).await;
        let expected = if mode == "valid_only" { 1_000 } else { 0 };
        assert_eq!(written, expected, "{mode}: what a stopped server leaves");
        // While its lease holds, no other server takes it.
        assert!(gwm_crm::imports::run_once(&app.state, None).await.unwrap().is_none());
        app.owner_exec("UPDATE import_jobs SET claimed_until = now() - interval '1 second' WHERE status = 'running'")
            .await;
        let (_, ran) = gwm_crm::imports::run_once(&app.state, None).await.unwrap().unwrap();
        assert_eq!(ran, gwm_crm::imports::Ran::Done { imported: 1_750, rejected: 0 }, "{mode}");
        assert_eq!(
            app.count(&format!("SELECT count(*) FROM contacts WHERE email LIKE '%@{mode}.gov'")).await,
            1_750,
            "{mode}"
        );
        assert_eq!(
            app.count(&format!("SELECT count(DISTINCT lower(email)) FROM contacts WHERE email LIKE '%@{mode}.gov'"))
                .await,
            1_750
        );
        let s: ImportSummary = capture.answer("/api/imports/progress", &[("id", &id)]).await;
        assert_eq!((s.status, s.rows_read, s.rows_imported), (ImportStatus::Done, 1_750, 1_750));
    }
}

#[tokio::test]
async fn fifty_thousand_rows_import() {
    let app = TestApp::new().await;
    let tenant = app.with_tenant("acme").await;
    let capture = tenant.with_user(SystemRole::CaptureManager).await;
    let mut file = String::with_capacity(3_000_000);
    file.push_str("First name,Last name,E-mail,Organization,Title\r\n");
    for i in 0..50_000 {
        file.push_str(&format!("Pat,Person{i},pat{i}@agency{}.gov,Agency {},Analyst\r\n", i % 40, i % 40));
    }
    let id = uploaded(&capture, "contacts", "fifty-thousand.csv", file).await;
    assert_eq!(start(&capture, &id, "first_name,last_name,email,organization,title", "valid_only").await.status(), 200);
    let s = finished(&capture, &id).await;
    assert_eq!(
        (s.status, s.rows_read, s.rows_imported, s.rows_rejected, s.organizations_created),
        (ImportStatus::Done, 50_000, 50_000, 0, 40)
    );
    assert_eq!(app.count("SELECT count(*) FROM contacts").await, 50_000);
}

#[tokio::test]
async fn bad_uploads_and_mappings_are_refused_with_what_to_fix_and_write_nothing() {
    let app = TestApp::new().await;
    let tenant = app.with_tenant("acme").await;
    let capture = tenant.with_user(SystemRole::CaptureManager).await;
    for (kind, name, body, status, says) in [
        ("people", "a.csv", "a\n".as_bytes().to_vec(), 422, "not a valid import kind"),
        ("contacts", "a.xlsx", b"a\n".to_vec(), 415, "Only CSV files can be imported"),
        ("contacts", "", b"a\n".to_vec(), 422, "needs a name"),
        ("contacts", "a.csv", Vec::new(), 422, "The file is empty"),
        ("contacts", "a.csv", b"PK\x03\x04\x00\x00binary".to_vec(), 415, "not a text file"),
        ("contacts", "a.csv", b",,\r\n1,2,3\r\n".to_vec(), 422, "no headings"),
        ("contacts", "a.csv", format!("{}\n", vec!["h"; 201].join(",")).into_bytes(), 422, "at most 200"),
        ("contacts", "a.csv", vec![b'x'; 70_000], 422, "longer than 64 KB"),
    ] {
        let (code, message) = status_and_message(upload(&capture, kind, name, body).await).await;
        assert_eq!(code, status, "{kind} {name}: {message}");
        assert!(message.contains(says), "{kind} {name}: {message}");
    }
    assert_eq!(app.count("SELECT count(*) FROM import_jobs").await, 0);
    assert_eq!(app.count("SELECT count(*) FROM storage_objects").await, 0, "no file kept for a refused upload");

    let id = uploaded(&capture, "contacts", "a.csv", "First,Last,Email\r\nA,B,c@d.gov\r\n").await;
    for (mapping, mode, says) in [
        ("first_name,last_name", "valid_only", "names 2 columns but the file has 3"),
        ("first_name,last_name,salary", "valid_only", "not a field of contacts"),
        ("first_name,first_name,email", "valid_only", "First name is chosen for two columns"),
        ("email,,", "valid_only", "first and last names"),
        ("first_name,last_name,email", "sometimes", "not a valid import mode"),
    ] {
        let (code, message) = status_and_message(start(&capture, &id, mapping, mode).await).await;
        assert_eq!(code, 422, "{mapping}: {message}");
        assert!(message.contains(says), "{mapping}: {message}");
    }
    let d = detail(&capture, &id, Some("first_name,,")).await;
    assert!(d.mapping_problems[0].contains("first and last names"), "{:?}", d.mapping_problems);
    assert!(d.preview.is_empty(), "no preview until the columns make sense");
    let (code, message) =
        status_and_message(capture.call("/api/imports/get", &[("id", &id), ("mapping", &"x".repeat(100_000))]).await)
            .await;
    assert_eq!(code, 422, "{message}");
    let (code, message) =
        status_and_message(capture.call("/api/imports/get", &[("id", &id), ("encoding", "ebcdic")]).await).await;
    assert_eq!((code, message.contains("not a valid encoding")), (422, true), "{message}");
    assert_eq!(app.count("SELECT count(*) FROM import_jobs WHERE status <> 'uploaded'").await, 0);
    // Discarded: it cannot be started any more.
    assert_eq!(capture.call("/api/imports/discard", &[("id", &id)]).await.status(), 200);
    let (code, _) = status_and_message(start(&capture, &id, "first_name,last_name,email", "valid_only").await).await;
    assert_eq!(code, 409);
    assert_eq!(app.count("SELECT count(*) FROM contacts").await, 0);
}

#[tokio::test]
async fn another_tenants_imports_are_not_found_and_a_viewer_cannot_import() {
    let app = TestApp::new().await;
    let acme = app.with_tenant("acme").await;
    let other = app.with_tenant("globex").await;
    let capture = acme.with_user(SystemRole::CaptureManager).await;
    let viewer = acme.with_user(SystemRole::Viewer).await;
    let stranger = other.with_user(SystemRole::TenantAdmin).await;
    let id = uploaded(&capture, "contacts", "a.csv", "First,Last\r\nA,B\r\n").await;

    let (code, _) = status_and_message(upload(&viewer, "contacts", "a.csv", "First,Last\r\nA,B\r\n").await).await;
    assert_eq!(code, 403);
    for (path, form) in [
        ("/api/imports/get", vec![("id", id.as_str())]),
        ("/api/imports/progress", vec![("id", id.as_str())]),
        (
            "/api/imports/start",
            vec![
                ("id", id.as_str()),
                ("mapping", "first_name,last_name"),
                ("encoding", "utf-8"),
                ("mode", "valid_only"),
            ],
        ),
        ("/api/imports/discard", vec![("id", id.as_str())]),
    ] {
        assert_eq!(status_and_message(viewer.call(path, &form).await).await.0, 403, "{path} as a viewer");
        assert_eq!(status_and_message(stranger.call(path, &form).await).await.0, 404, "{path} from another tenant");
    }
    assert_eq!(stranger.get(&format!("/imports/{id}/rejected.csv")).await.status(), 404);
    assert_eq!(status_and_message(capture.call("/api/imports/get", &[("id", "not-an-id")]).await).await.0, 422);
    assert_eq!(capture.get("/imports/not-an-id/rejected.csv").await.status(), 404, "a malformed address is no file");
    let d = detail(&capture, &id, None).await;
    assert_eq!(d.summary.status, ImportStatus::Uploaded, "nothing the others tried changed it");
}

const PROJECTS: &str = "Project,Solicitation,Agency,Stage,Status,Priority,PWin (%),Estimated value,Response due (UTC),Capture manager\r\n\
Harbor Logistics,N00024-27-R-4410,NAVSEA,Phase 2 \u{b7} Capture planning,Active,High,40,\"$1,500,000\",2027-03-14 17:00,LEAD@acme.test\r\n\
Cloud Migration,,GSA,3,On hold,,,,,\r\n\
Bad Stage,,,Phase 9,,,140,,,\r\n\
Harbor Again,n00024-27-r-4410,,,,,,,,\r\n\
Existing Name,,,,,,,,,\r\n\
Unknown Lead,,,,,,,,,nobody@acme.test\r\n\
Two Leads,,,,,,,,,Capture Manager User\r\n";

#[tokio::test]
async fn a_projects_file_imports_as_the_form_would_with_its_managers_duplicates_and_the_plan_named() {
    let app = TestApp::new().await;
    let tenant = app.with_tenant("acme").await;
    let capture = tenant.with_user(SystemRole::CaptureManager).await;
    tenant.add_user("lead@acme.test", SystemRole::CaptureManager).await;
    capture.ok("/api/projects/create", &[("input[project_name]", "Existing name")]).await;

    let id = uploaded(&capture, "projects", "pipeline.csv", PROJECTS).await;
    let d = detail(&capture, &id, None).await;
    let suggested: Vec<Option<&str>> = d.mapping.iter().map(|m| m.as_deref()).collect();
    assert_eq!(
        suggested,
        [
            Some("project_name"),
            Some("solicitation_number"),
            Some("agency_name"),
            Some("pipeline_stage"),
            Some("project_status"),
            Some("priority_level"),
            Some("win_probability_score"),
            Some("estimated_value"),
            Some("response_due_date"),
            Some("capture_manager")
        ],
        "the projects export's headings"
    );
    let problems = |row: u32| d.preview.iter().find(|r| r.row_number == row).unwrap().problems.clone();
    assert!(problems(2).is_empty() && problems(3).is_empty(), "{:?} {:?}", problems(2), problems(3));
    let named = |row: u32, column: Option<&str>, says: &str| {
        let found = problems(row);
        assert!(
            found.iter().any(|p| p.column.as_deref() == column && p.message.contains(says)),
            "row {row}: {found:?}"
        );
    };
    named(4, Some("Stage"), "\u{201c}Phase 9\u{201d} is not a stage: write Phase 0 to Phase 6");
    named(4, Some("PWin (%)"), "0 to 100");
    named(5, None, "same pursuit as row 2");
    named(6, Some("Project"), "already a project");
    named(7, Some("Capture manager"), "No active user of your organization is \u{201c}nobody@acme.test\u{201d}");
    named(8, Some("Capture manager"), "More than one person");
    assert_eq!(app.count("SELECT count(*) FROM opportunity_projects").await, 1, "a preview writes nothing");

    let mapping = "project_name,solicitation_number,agency_name,pipeline_stage,project_status,priority_level,\
                   win_probability_score,estimated_value,response_due_date,capture_manager";
    let res = start(&capture, &id, mapping, "valid_only").await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
    let s = finished(&capture, &id).await;
    assert_eq!(s.status, ImportStatus::Done, "{:?}", s.failure);
    assert_eq!((s.rows_read, s.rows_imported, s.rows_rejected), (7, 2, 5));
    // As the form writes them: the columns, the managers, the typed values of synced fields as overrides.
    let one = |sql: &str| {
        let sql = sql.to_string();
        let app = &app;
        async move { app.count(&sql).await }
    };
    assert_eq!(
        one("SELECT count(*) FROM opportunity_projects p JOIN users u ON u.id = p.assigned_capture_manager \
              WHERE p.project_name = 'Harbor Logistics' AND u.email = 'lead@acme.test' AND p.pipeline_stage = 'phase_2' \
                AND p.priority_level = 'high' AND p.win_probability_score = 40 AND p.agency_name = 'NAVSEA' \
                AND p.import_id IS NOT NULL")
        .await,
        1
    );
    assert_eq!(
        one("SELECT count(*) FROM opportunity_project_overrides o JOIN opportunity_projects p ON p.id = o.opportunity_project_id \
              WHERE p.project_name = 'Harbor Logistics' AND o.is_active \
                AND ((o.field_name = 'estimated_value_max' AND (o.override_value #>> '{}')::numeric = 1500000) \
                  OR (o.field_name = 'response_due_date' AND o.override_value #>> '{}' LIKE '2027-03-14%'))")
        .await,
        2
    );
    assert_eq!(
        one("SELECT count(*) FROM opportunity_projects p JOIN users u ON u.id = p.assigned_capture_manager \
              WHERE p.project_name = 'Cloud Migration' AND u.email LIKE 'capture_manager-%' \
                AND p.project_status = 'on_hold' AND p.pipeline_stage = 'phase_3'")
        .await,
        1,
        "no capture manager named: the person importing, as the form would"
    );
    assert_eq!(
        one("SELECT count(*) FROM change_history h JOIN opportunity_projects p ON p.id = h.entity_id \
              WHERE p.import_id IS NOT NULL AND h.field_name = 'project'")
        .await,
        2
    );
    assert_eq!(one("SELECT count(*) FROM audit_logs WHERE action_type = 'import'").await, 2, "started and finished");
    // Found by Ctrl-K at once: the words follow the insert.
    let hits: Vec<app::search::Hit> = capture.answer("/api/search", &[("q", "harbor log")]).await;
    assert_eq!(hits.iter().map(|h| h.title.as_str()).collect::<Vec<_>>(), ["Harbor Logistics"]);

    // The plan's limit holds across the file: room for one more, so the second new row is refused.
    app.owner_exec(
        "UPDATE tenants SET max_opportunity_projects = (SELECT count(*) + 1 FROM opportunity_projects) \
          WHERE id = app_current_tenant_id()",
    )
    .await;
    let id = uploaded(&capture, "projects", "more.csv", "Project\r\nFirst more\r\nSecond more\r\n").await;
    assert_eq!(start(&capture, &id, "project_name", "valid_only").await.status(), 200);
    let s = finished(&capture, &id).await;
    assert_eq!((s.rows_imported, s.rows_rejected), (1, 1));
    let d = detail(&capture, &id, None).await;
    assert!(d.rejected.iter().any(|r| r.problems[0].message.contains("plan allows")), "{:?}", d.rejected);

    // Who may not: a viewer (projects.create), and another tenant (not found).
    let viewer = tenant.with_user(SystemRole::Viewer).await;
    assert_eq!(upload(&viewer, "projects", "x.csv", "Project\r\nX\r\n").await.status(), 403);
    let (status, _) = status_and_message(viewer.call("/api/imports/get", &[("id", &id)]).await).await;
    assert_eq!(status, 403);
    let other = app.with_tenant("initech").await;
    let stranger = other.with_user(SystemRole::TenantAdmin).await;
    let (status, _) = status_and_message(stranger.call("/api/imports/get", &[("id", &id)]).await).await;
    assert_eq!(status, 404);
}
