//! Documents through the real server, on both storage backends: upload, versions, download, delete and
//! restore; bad input; other tenants' ids; storage that fails; the cleanup of abandoned uploads.

use crate::common::{Browser, TestApp, TestDb, status_and_message};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// A demo server on local disk, then one on S3, each with `extra` settings.
async fn both_backends(extra: &[(&'static str, &str)]) -> Vec<(&'static str, TestApp)> {
    let mut local: Vec<(&str, &str)> = vec![("GWM_SEED_DEMO", "if-empty")];
    local.extend_from_slice(extra);
    let s3 = crate::common::s3_vars();
    let mut on_s3: Vec<(&str, &str)> = s3.iter().map(|(k, v)| (*k, v.as_str())).collect();
    on_s3.extend_from_slice(&local);
    vec![
        ("local", TestApp::spawn(TestDb::new().await, &local).await),
        ("s3", TestApp::spawn(TestDb::new().await, &on_s3).await),
    ]
}

async fn demo_project(app: &TestApp) -> String {
    app.id_of("SELECT id FROM opportunity_projects WHERE project_status <> 'archived' ORDER BY project_name LIMIT 1")
        .await
        .to_string()
}

async fn json_of(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let text = res.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn download(browser: &Browser, id: &str) -> (u16, Vec<u8>) {
    let res = browser.get(&format!("/documents/{id}/download")).await;
    (res.status().as_u16(), res.bytes().await.expect("body").to_vec())
}

#[tokio::test]
async fn upload_version_download_delete_and_restore_on_both_backends() {
    for (backend, app) in both_backends(&[]).await {
        let project = demo_project(&app).await;
        let pm = app.demo_user("elena.fischer").await;
        let text = "Section L: instructions to offerors.\nPage limit 50.\n".repeat(2000);
        let (status, first) = json_of(
            pm.upload(&format!("project={project}&name=Section%20L.txt&type=solicitation"), text.clone()).await,
        )
        .await;
        assert_eq!(status, 201, "{backend}: {first}");
        assert_eq!(first["name"], "Section L.txt", "{backend}");
        assert_eq!(first["version_number"], 1);
        assert_eq!(first["access_level"], "project_team");
        assert_eq!(first["file_size_bytes"], text.len());
        assert_eq!(first["file_hash_sha256"], hex::encode(Sha256::digest(text.as_bytes())), "{backend}");
        let id = first["id"].as_str().expect("id").to_string();
        assert_eq!(download(&pm, &id).await, (200, text.clone().into_bytes()), "{backend}");
        let res = pm.get(&format!("/documents/{id}/download")).await;
        assert!(
            res.headers()["content-disposition"]
                .to_str()
                .expect("header")
                .starts_with("attachment; filename=\"Section L.txt\"")
        );

        // A new version keeps the first, byte for byte.
        let amended = text.replace("50", "40");
        let (status, second) = json_of(
            pm.upload(
                &format!("project={project}&name=Section%20L%20(amended).txt&type=solicitation&replaces={id}"),
                amended.clone(),
            )
            .await,
        )
        .await;
        assert_eq!(status, 201, "{backend}: {second}");
        assert_eq!(second["version_number"], 2);
        assert_eq!(second["root_id"], id.as_str());
        let versions = pm.ok("/api/documents/versions", &[("document_id", &id)]).await;
        let numbers: Vec<i64> =
            versions.as_array().expect("list").iter().map(|v| v["version_number"].as_i64().expect("n")).collect();
        assert_eq!(numbers, vec![2, 1], "{backend}");
        assert_eq!(versions[1]["is_current_version"], false);
        assert_eq!(download(&pm, &id).await.1, text.clone().into_bytes(), "{backend}: version 1 changed");
        let second_id = second["id"].as_str().expect("id").to_string();
        assert_eq!(download(&pm, &second_id).await.1, amended.clone().into_bytes());
        let listed = pm.ok("/api/documents/project", &[("project_id", &project)]).await;
        assert_eq!((listed["can_upload"].as_bool(), listed["can_delete"].as_bool()), (Some(true), Some(false)));
        let listed: Vec<&str> =
            listed["documents"].as_array().expect("list").iter().map(|d| d["id"].as_str().expect("id")).collect();
        assert_eq!(listed, vec![second_id.as_str()], "{backend}: only the current version is listed");

        // Views, downloads and uploads are logged; the audit trail has the uploads.
        assert!(app.count(&format!("SELECT count(*) FROM document_access_logs WHERE document_id = '{id}' AND access_type = 'download' AND success")).await >= 3);
        assert_eq!(
            app.count("SELECT count(*) FROM audit_logs WHERE entity_type = 'document' AND action_type = 'create'")
                .await,
            2
        );
        assert_eq!(app.count("SELECT count(*) FROM storage_objects WHERE state = 'pending'").await, 0, "{backend}");

        // Only a document manager deletes; everything goes, and comes back.
        let (status, _) = status_and_message(pm.call("/api/documents/delete", &[("document_id", &id)]).await).await;
        assert_eq!(status, 403, "{backend}: a proposal manager may not delete");
        let admin = app.demo_user("admin").await;
        admin.ok("/api/documents/delete", &[("document_id", &second_id)]).await;
        assert_eq!(
            pm.ok("/api/documents/project", &[("project_id", &project)]).await["documents"],
            serde_json::json!([])
        );
        assert_eq!(download(&pm, &id).await.0, 404, "{backend}: a deleted document cannot be downloaded");
        let with_deleted =
            admin.ok("/api/documents/project", &[("project_id", &project), ("include_deleted", "true")]).await;
        assert_eq!(with_deleted["documents"].as_array().map(Vec::len), Some(1));
        assert_eq!(with_deleted["documents"][0]["is_deleted"], true);
        admin.ok("/api/documents/restore", &[("document_id", &id)]).await;
        assert_eq!(download(&pm, &second_id).await, (200, amended.into_bytes()), "{backend}");
        let (status, message) =
            status_and_message(admin.call("/api/documents/restore", &[("document_id", &id)]).await).await;
        assert_eq!((status, message.as_str()), (409, "This document is not deleted."));
    }
}

#[tokio::test]
async fn bad_uploads_are_refused_with_a_reason_and_leave_nothing() {
    for (backend, app) in both_backends(&[("GWM_UPLOAD_MAX_MB", "1")]).await {
        let project = demo_project(&app).await;
        let pm = app.demo_user("elena.fischer").await;
        let q = |name: &str| format!("project={project}&name={name}");
        let cases: Vec<(String, Vec<u8>, u16, &str)> = vec![
            (q("empty.txt"), vec![], 415, "The file is empty"),
            (q("big.txt"), vec![b'a'; 1024 * 1024 + 1], 413, "larger than the limit of 1.0 MB"),
            (q("volume.pdf"), b"MZ\x90\x00\x03\x00\x00\x00\x04\x00".to_vec(), 415, "a Windows program, not a PDF"),
            (q("notes.pdf"), b"just some text".to_vec(), 415, "its contents are not a PDF"),
            (q("setup.exe"), b"MZ".to_vec(), 422, ".exe cannot be uploaded"),
            (q(""), b"x".to_vec(), 422, "needs a name"),
            (format!("{}&type=memo", q("a.txt")), b"x".to_vec(), 422, "memo"),
            (format!("{}&access=secret", q("a.txt")), b"x".to_vec(), 422, "secret"),
            ("name=a.txt&access=project_team".to_string(), b"x".to_vec(), 422, "Only a project's documents"),
        ];
        for (query, body, expected, says) in cases {
            let (status, message) = status_and_message(pm.upload(&query, body).await).await;
            assert_eq!(status, expected, "{backend} {query}: {message}");
            assert!(message.contains(says), "{backend} {query}: {message}");
        }
        // A chunked body (no declared length) over the limit is cut off while streaming.
        let chunks = futures::stream::iter((0..20).map(|_| Ok::<_, std::io::Error>(vec![b'z'; 64 * 1024])));
        let (status, message) =
            status_and_message(pm.upload(&q("streamed.txt"), reqwest::Body::wrap_stream(chunks)).await).await;
        assert_eq!(status, 413, "{backend}: {message}");
        assert_eq!(app.count("SELECT count(*) FROM documents").await, 0, "{backend}: a row was left");
        assert_eq!(app.count("SELECT count(*) FROM storage_objects").await, 0, "{backend}: an announcement was left");

        // Path tricks in names are neutralised, not refused.
        let (status, doc) = json_of(pm.upload(&q("..%2F..%2Fetc%2Fpasswd.txt"), "root:x:0:0").await).await;
        assert_eq!(status, 201, "{backend}: {doc}");
        assert_eq!(doc["name"], "passwd.txt");
        let id: uuid::Uuid = doc["id"].as_str().expect("id").parse().expect("uuid");
        let version = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, id.as_bytes());
        let layout = format!(
            "^[0-9a-f]{{32}}/opportunity_projects/{}/documents/internal/other/{version}\\.txt$",
            project.replace('-', "")
        );
        let key = app.count(&format!("SELECT count(*) FROM documents WHERE storage_key ~ '{layout}'")).await;
        assert_eq!(key, 1, "{backend}: the storage key follows the layout, without the name");

        // A viewer may not upload.
        let viewer = app.demo_user("taylor.brooks").await;
        assert_eq!(status_and_message(viewer.upload(&q("a.txt"), "x").await).await.0, 403, "{backend}");
        // Signed out: refused.
        assert_eq!(app.browser(None).upload(&q("a.txt"), "x").await.status(), 401, "{backend}");
    }
}

#[tokio::test]
async fn another_tenants_projects_and_documents_are_not_found_and_refusals_are_logged() {
    let app = TestApp::with_demo().await;
    app.add_tenant("acme", 1, true).await;
    let project = demo_project(&app).await;
    let pm = app.demo_user("elena.fischer").await;
    let (_, doc) =
        json_of(pm.upload(&format!("project={project}&name=capture-plan.md&type=capture_plan"), "# Win themes").await)
            .await;
    let doc_id = doc["id"].as_str().expect("id").to_string();

    let acme = app.signed_in(Some("acme"), "tenant_admin@acme.test", crate::common::TENANT_PASSWORD).await;
    let acme_project = app
        .id_of(
            "SELECT p.id FROM opportunity_projects p JOIN tenants t ON t.id = p.tenant_id WHERE t.subdomain = 'acme'",
        )
        .await
        .to_string();
    assert_eq!(download(&acme, &doc_id).await.0, 404, "another tenant's document");
    for (path, args) in [
        ("/api/documents/versions", vec![("document_id", doc_id.as_str())]),
        ("/api/documents/delete", vec![("document_id", doc_id.as_str())]),
        ("/api/documents/project", vec![("project_id", project.as_str())]),
    ] {
        assert_eq!(status_and_message(acme.call(path, &args).await).await.0, 404, "{path}");
    }
    assert_eq!(status_and_message(acme.upload(&format!("project={project}&name=x.txt"), "x").await).await.0, 404);
    assert_eq!(status_and_message(pm.upload(&format!("project={acme_project}&name=x.txt"), "x").await).await.0, 404);
    assert_eq!(
        status_and_message(acme.upload(&format!("project={acme_project}&name=x.txt&replaces={doc_id}"), "x").await)
            .await
            .0,
        404
    );
    assert_eq!(download(&pm, "not-a-uuid").await.0, 404);

    // The refusal is in acme's log, against the id asked for: the document itself is not acme's.
    let refused = app.count(&format!(
        "SELECT count(*) FROM document_access_logs WHERE requested_document_id = '{doc_id}' AND document_id IS NULL AND NOT success"
    )).await;
    assert_eq!(refused, 1);

    // Within the tenant, a confidential document is the uploader's (and document managers') alone.
    let (_, secret) = json_of(
        pm.upload(&format!("project={project}&name=pricing.txt&type=pricing&access=confidential"), "rates").await,
    )
    .await;
    let secret_id = secret["id"].as_str().expect("id").to_string();
    let jordan = app.demo_user("jordan.reyes").await;
    assert_eq!(download(&jordan, &secret_id).await.0, 404);
    assert_eq!(download(&app.demo_user("admin").await, &secret_id).await.0, 200);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM document_access_logs WHERE document_id = '{secret_id}' AND NOT success"
        ))
        .await,
        1,
        "the refusal is logged against the document"
    );
    let listed = jordan.ok("/api/documents/project", &[("project_id", &project)]).await;
    assert!(
        listed["documents"].as_array().expect("list").iter().all(|d| d["id"] != secret_id.as_str()),
        "listed: {listed}"
    );
}

#[tokio::test]
async fn storage_failing_mid_service_saves_nothing_and_says_so() {
    let db = TestDb::new().await;
    let files = std::env::temp_dir().join(format!("gwm-docs-{}", db.name));
    let files_dir = files.display().to_string();
    let app = TestApp::spawn(db, &[("GWM_SEED_DEMO", "if-empty"), ("GWM_FILES_DIR", &files_dir)]).await;
    let project = demo_project(&app).await;
    let pm = app.demo_user("elena.fischer").await;
    // The disk goes away: its folder becomes a plain file.
    std::fs::remove_dir_all(&files).expect("remove the files folder");
    std::fs::write(&files, b"not a folder").expect("a file in its place");
    let res = pm.upload(&format!("project={project}&name=notes.txt"), "notes").await;
    assert_eq!(res.status(), 503);
    // The browser shows the error's own message.
    let err: app::error::AppError = res.json().await.expect("an AppError");
    assert!(err.to_string().contains("File storage is unavailable right now, so nothing was saved"), "{err}");
    assert_eq!(app.count("SELECT count(*) FROM documents").await, 0);
    assert_eq!(app.count("SELECT count(*) FROM storage_objects").await, 0);
    let health: Value = app.get_as(None, "/healthz").await.json().await.expect("json");
    assert_eq!(health["storage"], "error");
    std::fs::remove_file(&files).expect("cleanup");
}

#[tokio::test]
async fn the_files_of_abandoned_uploads_are_removed_by_the_cleanup_job() {
    let app = TestApp::with_demo().await;
    let state = app.state.clone();
    let tenant = app.id_of("SELECT id FROM tenants WHERE subdomain = 'demo'").await;
    // An upload whose server died after writing the file: announced, written, never linked.
    let key = app::storage::StorageKey::parse(&format!("{tenant}/library/documents/internal/other/x/y/orphan.txt"))
        .expect("key");
    state
        .storage
        .put(&key, Box::pin(futures::stream::iter([Ok(bytes::Bytes::from_static(b"orphan"))])), 100, None)
        .await
        .expect("put");
    app.owner_exec(&format!(
        "INSERT INTO storage_objects (tenant_id, provider, storage_key, created_at) \
         SELECT app_current_tenant_id(), 'local', '{key}', now() - interval '7 hours' WHERE app_current_tenant_id() = '{tenant}'"
    ))
    .await;
    // A fresh announcement (an upload still streaming) is left alone.
    app.owner_exec(&format!(
        "INSERT INTO storage_objects (tenant_id, provider, storage_key) SELECT app_current_tenant_id(), 'local', '{tenant}/in-flight.txt' \
          WHERE app_current_tenant_id() = '{tenant}'"
    ))
    .await;
    // The server's own minute-by-minute job may get there first; either way the outcome is the same.
    gwm_crm::housekeeping::sweep_abandoned_uploads(&state, gwm_crm::housekeeping::ABANDONED_UPLOAD)
        .await
        .expect("sweep");
    assert!(matches!(state.storage.get(&key).await, Err(app::storage::StorageError::NotFound)));
    assert_eq!(app.count("SELECT count(*) FROM storage_objects").await, 1, "the in-flight upload stays");
}

/// Outage finding: two servers never sweep the same abandoned uploads: the first claims them (a 10-minute
/// lease, FOR UPDATE SKIP LOCKED), the second finds nothing to do.
#[tokio::test]
async fn two_servers_never_sweep_the_same_abandoned_uploads() {
    let app = TestApp::with_demo().await;
    let tenant = app.id_of("SELECT id FROM tenants WHERE subdomain = 'demo'").await;
    app.owner_exec(&format!(
        "INSERT INTO storage_objects (tenant_id, provider, storage_key, created_at) \
         SELECT app_current_tenant_id(), 'local', '{tenant}/abandoned-' || n || '.txt', now() - interval '7 hours' \
           FROM generate_series(1, 3) n WHERE app_current_tenant_id() = '{tenant}'"
    ))
    .await;
    let claim = || async {
        let mut tx = app.state.pool.begin().await.expect("tx");
        let rows: Vec<(uuid::Uuid, uuid::Uuid, String, String)> = sqlx::query_as(
            "SELECT tenant_id, id, provider, storage_key FROM stale_storage_objects(interval '6 hours', 100)",
        )
        .fetch_all(&mut *tx)
        .await
        .expect("claim");
        (rows.len(), tx)
    };
    // Two servers at the same moment: the second waits for nothing (SKIP LOCKED) and finds nothing.
    let (first, first_tx) = claim().await;
    let (second, second_tx) = claim().await;
    first_tx.commit().await.expect("commit");
    second_tx.commit().await.expect("commit");
    // The server's own job may have claimed them first; either way, one claim takes them all.
    assert!(second == 0 && (first == 3 || first == 0), "first {first}, second {second}");
    assert_eq!(claim().await.0, 0, "claimed for 10 minutes");
    // A refused argument: the job function cannot be turned into "delete uploads in flight".
    let mut tx = app.state.pool.begin().await.expect("tx");
    let err = sqlx::query("SELECT * FROM stale_storage_objects(interval '1 second', 100)")
        .execute(&mut *tx)
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("at least 1 hour"), "{err}");
}
