//! Text extraction, search and filing through the real server and its real extraction child: PDF, DOCX,
//! PPTX, XLSX, CSV, Markdown and text files on both storage backends; broken files marked, not lost;
//! ranked search with highlighted snippets and filters, only over what the caller may see; categories,
//! tags, access and links; other tenants' ids not found.

use crate::common::{Browser, TestApp, TestDb, status_and_message};
use serde_json::Value;
use std::time::Duration;

async fn demo_project(app: &TestApp, nth: i64) -> String {
    app.id_of(&format!("SELECT id FROM opportunity_projects WHERE project_status <> 'archived' ORDER BY project_name OFFSET {nth} LIMIT 1"))
        .await
        .to_string()
}

/// Uploads and returns the new document's id.
async fn upload(browser: &Browser, query: &str, body: Vec<u8>) -> String {
    let res = browser.upload(query, body).await;
    let status = res.status().as_u16();
    let json: Value = res.json().await.expect("json");
    assert_eq!(status, 201, "{query}: {json}");
    json["id"].as_str().expect("id").to_string()
}

/// Waits for the extraction worker to finish with a document; returns its status, error, page count and
/// text.
async fn processed(app: &TestApp, id: &str) -> (String, Option<String>, Option<i32>, Option<String>) {
    let pool = app.db.owner_pool().await;
    for _ in 0..600 {
        let mut tx = owner_tx(&pool, "demo").await;
        let row: (String, Option<String>, Option<i32>, Option<String>) = sqlx::query_as(
            "SELECT processing_status, processing_error, page_count, extracted_text FROM documents WHERE id = $1::uuid",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .expect("document");
        if row.0 == "ready" || row.0 == "error" {
            return row;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("document {id} was not processed within 60 s");
}

/// The owner's transaction in a tenant's scope (the owner is under the tenant policy too).
async fn owner_tx(pool: &sqlx::PgPool, subdomain: &str) -> sqlx::Transaction<'static, sqlx::Postgres> {
    let mut tx = pool.begin().await.expect("tx");
    sqlx::query(
        "SELECT set_config('app.current_tenant_id', (SELECT id FROM tenants WHERE subdomain = $1)::text, true)",
    )
    .bind(subdomain)
    .execute(&mut *tx)
    .await
    .expect("tenant scope");
    tx
}

async fn search(browser: &Browser, args: &[(&str, &str)]) -> Value {
    let form: Vec<(String, &str)> = args.iter().map(|(k, v)| (format!("query[{k}]"), *v)).collect();
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    browser.ok("/api/documents/search", &form).await
}

fn names(results: &Value) -> Vec<String> {
    results["hits"].as_array().expect("hits").iter().map(|h| h["name"].as_str().expect("name").to_string()).collect()
}

#[tokio::test]
async fn every_format_is_extracted_and_found_by_a_word_inside_on_both_backends() {
    let s3 = crate::common::s3_vars();
    let mut on_s3: Vec<(&str, &str)> = s3.iter().map(|(k, v)| (*k, v.as_str())).collect();
    on_s3.push(("GWM_SEED_DEMO", "if-empty"));
    for (backend, app) in
        [("local", TestApp::with_demo().await), ("s3", TestApp::spawn(TestDb::new().await, &on_s3).await)]
    {
        let project = demo_project(&app, 0).await;
        let pm = app.demo_user("elena.fischer").await;
        let q = |name: &str| format!("project={project}&name={name}&type=solicitation");
        let files: Vec<(&str, Vec<u8>, &str, Option<i32>)> = vec![
            (
                "rfp.pdf",
                samples::pdf(&["Statement of work", "The contractor shall provide hypersonic telemetry"]),
                "hypersonic",
                Some(2),
            ),
            (
                "section-m.docx",
                samples::docx("Evaluation factors: the bathymetry approach is most important &amp; price least."),
                "bathymetry",
                Some(1),
            ),
            ("orals.pptx", samples::pptx(&["Win themes", "Our cryogenic logistics"]), "cryogenic", Some(2)),
            ("pricing.xlsx", samples::xlsx(&[("Labor category", "Rate"), ("Geodesist", "185")]), "geodesist", Some(1)),
            ("clins.csv", b"clin,description\n0001,Ornithology surveys\n".to_vec(), "ornithology", None),
            ("qa.md", b"# Questions\nIs the volcanology lab in scope?".to_vec(), "volcanology", None),
            ("notes.txt", b"Site visit: the seismograph   room\nis small.".to_vec(), "seismograph", None),
        ];
        for (name, body, word, pages) in files {
            let id = upload(&pm, &q(name), body).await;
            let (status, error, page_count, text) = processed(&app, &id).await;
            assert_eq!((status.as_str(), error), ("ready", None), "{backend}: {name}");
            assert_eq!(page_count, pages, "{backend}: {name}");
            assert!(text.as_deref().unwrap_or_default().to_lowercase().contains(word), "{backend}: {name}: {text:?}");
            let found = search(&pm, &[("q", word)]).await;
            assert_eq!(names(&found), vec![name.to_string()], "{backend}: searching {word}");
            let snippet = &found["hits"][0]["snippet"];
            let marked: Vec<&str> = snippet
                .as_array()
                .expect("snippet")
                .iter()
                .filter(|p| p["hit"] == true)
                .map(|p| p["text"].as_str().expect("text"))
                .collect();
            assert!(marked.iter().any(|m| m.to_lowercase().starts_with(word)), "{backend}: {name}: {snippet}");
        }
        // The ampersand came through as text; previews are one line.
        assert_eq!(
            app.count(
                "SELECT count(*) FROM documents WHERE extracted_text LIKE '%approach is most important & price%'"
            )
            .await,
            1
        );
        assert_eq!(
            app.count(
                "SELECT count(*) FROM documents WHERE content_preview LIKE 'Site visit: the seismograph room is small.'"
            )
            .await,
            1
        );
    }
}

#[tokio::test]
async fn a_file_that_cannot_be_read_is_stored_marked_and_still_downloads() {
    let app = TestApp::with_demo().await;
    let project = demo_project(&app, 0).await;
    let pm = app.demo_user("elena.fischer").await;
    let broken = b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ngarbage".to_vec();
    let id = upload(&pm, &format!("project={project}&name=scanned.pdf"), broken.clone()).await;
    let (status, error, _, _) = processed(&app, &id).await;
    assert_eq!(status, "error");
    assert!(error.as_deref().unwrap_or_default().starts_with("The file could not be read as a PDF"), "{error:?}");
    let res = pm.get(&format!("/documents/{id}/download")).await;
    assert_eq!((res.status().as_u16(), res.bytes().await.expect("body").to_vec()), (200, broken));
    // Found by its name, and the page says why its text is not searchable.
    let found = search(&pm, &[("q", "scanned")]).await;
    assert_eq!(names(&found), vec!["scanned.pdf".to_string()]);
    let detail = pm.ok("/api/documents/detail", &[("document_id", &id)]).await;
    assert_eq!(detail["doc"]["processing_status"], "error");
    assert!(detail["doc"]["processing_error"].as_str().unwrap_or_default().contains("could not be read as a PDF"));

    // Images have no text: ready, not an error.
    let png = [b"\x89PNG\r\n\x1a\n".as_slice(), &[0u8; 32]].concat();
    let id = upload(&pm, &format!("project={project}&name=org-chart.png"), png).await;
    assert_eq!(processed(&app, &id).await.0, "ready");
    // The page says no text was found (not "Searchable"), and opening it is logged as a view.
    let views = |id: &str| {
        let app = &app;
        let id = id.to_string();
        async move {
            app.count(&format!("SELECT count(*) FROM document_access_logs WHERE document_id = '{id}' AND access_type = 'view' AND success")).await
        }
    };
    let before = views(&id).await;
    let detail = pm.ok("/api/documents/detail", &[("document_id", &id)]).await;
    assert_eq!(
        (detail["doc"]["processing_status"].as_str(), detail["doc"]["has_text"].as_bool()),
        (Some("ready"), Some(false))
    );
    assert_eq!(views(&id).await, before + 1, "the detail page's view is access-logged");
    let html = pm.get(&format!("/documents/{id}")).await.text().await.expect("page");
    assert!(html.contains("No text found to search") && !html.contains(">Searchable<"), "the page says so");
}

#[tokio::test]
async fn search_ranks_filters_pages_and_shows_only_what_the_caller_may_see() {
    let app = TestApp::with_demo().await;
    app.add_tenant("acme", 1, true).await;
    let (first, second) = (demo_project(&app, 0).await, demo_project(&app, 1).await);
    let pm = app.demo_user("elena.fischer").await;
    let admin = app.demo_user("admin").await;
    let body = |words: &str| format!("{words}\nThe rest is boilerplate about submission instructions.").into_bytes();
    let in_name = upload(
        &pm,
        &format!("project={first}&name=Radar%20sustainment%20plan.txt&type=capture_plan"),
        body("Overview of the effort."),
    )
    .await;
    let in_body =
        upload(&pm, &format!("project={second}&name=Notes.txt&type=correspondence"), body("We discussed radar once."))
            .await;
    let secret = upload(
        &pm,
        &format!("project={first}&name=Radar%20pricing.txt&type=pricing&access=confidential"),
        body("radar radar"),
    )
    .await;
    let deleted = upload(&pm, &format!("project={first}&name=Old%20radar%20memo.txt&type=other"), body("radar")).await;
    for id in [&in_name, &in_body, &secret, &deleted] {
        processed(&app, id).await;
    }
    admin.ok("/api/documents/delete", &[("document_id", &deleted)]).await;

    // A word in the name ranks above the same word in the body; deleted documents are not found.
    let found = search(&pm, &[("q", "radar")]).await;
    assert_eq!(
        names(&found),
        ["Radar pricing.txt", "Radar sustainment plan.txt", "Notes.txt"],
        "the uploader sees their confidential file"
    );
    assert_eq!(found["total"], 3);
    let jordan = app.demo_user("jordan.reyes").await;
    let seen = names(&search(&jordan, &[("q", "radar")]).await);
    assert!(
        !seen.contains(&"Radar pricing.txt".to_string()),
        "a confidential document is not found by others: {seen:?}"
    );

    // Filters: project, type, date, and phrases.
    assert_eq!(names(&search(&pm, &[("q", "radar"), ("project", &second)]).await), ["Notes.txt"]);
    assert_eq!(
        names(&search(&pm, &[("q", "radar"), ("document_type", "capture_plan")]).await),
        ["Radar sustainment plan.txt"]
    );
    let today = chrono::Utc::now().date_naive();
    assert_eq!(
        search(&pm, &[("q", "radar"), ("from", &today.succ_opt().expect("date").to_string())]).await["total"],
        0
    );
    assert_eq!(search(&pm, &[("q", "radar"), ("to", &today.to_string())]).await["total"], 3);
    assert_eq!(names(&search(&pm, &[("q", "\"discussed radar\"")]).await), ["Notes.txt"]);
    // No words: the newest first, with their previews.
    let all = search(&pm, &[]).await;
    assert_eq!(all["total"], 3);
    assert_eq!(
        all["hits"][0]["snippet"][0]["text"],
        "radar radar The rest is boilerplate about submission instructions."
    );
    let (status, message) = status_and_message(
        pm.call("/api/documents/search", &[("query[from]", "2026-02-01"), ("query[to]", "2026-01-01")]).await,
    )
    .await;
    assert_eq!(
        (status, message.as_str()),
        (422, "The \u{201c}from\u{201d} date is after the \u{201c}to\u{201d} date.")
    );

    // Paging: 30 more documents give two pages, and a page past the end still says how many.
    for i in 0..30 {
        upload(&pm, &format!("project={first}&name=sonar-{i:02}.txt"), body("sonar array")).await;
    }
    let page0 = search(&pm, &[("q", "sonar")]).await;
    let page1 = search(&pm, &[("q", "sonar"), ("page", "1")]).await;
    assert_eq!((page0["total"].as_i64(), names(&page0).len(), names(&page1).len()), (Some(30), 25, 5));
    let mut every: Vec<String> = names(&page0).into_iter().chain(names(&page1)).collect();
    every.sort();
    every.dedup();
    assert_eq!(every.len(), 30, "no repeats or gaps between pages");
    assert_eq!(search(&pm, &[("q", "sonar"), ("page", "9")]).await["total"], 30);

    // Another tenant finds none of it, whatever it searches.
    let acme = app.signed_in(Some("acme"), "tenant_admin@acme.test", crate::common::TENANT_PASSWORD).await;
    assert_eq!(search(&acme, &[("q", "radar")]).await["total"], 0);
    assert_eq!(search(&acme, &[]).await["total"], 0);
    assert_eq!(search(&acme, &[("project", &first)]).await["total"], 0);
}

#[tokio::test]
async fn categories_tags_access_and_links_file_every_version_and_stay_in_the_tenant() {
    let app = TestApp::with_demo().await;
    app.add_tenant("acme", 1, true).await;
    let project = demo_project(&app, 0).await;
    let pm = app.demo_user("elena.fischer").await;
    let admin = app.demo_user("admin").await;

    // Document managers keep the category tree; others may not.
    let contracts = admin.ok("/api/documents/categories/create", &[("name", "Contracts")]).await;
    let contracts = contracts.as_str().expect("id").to_string();
    let mods = admin.ok("/api/documents/categories/create", &[("name", "Modifications"), ("parent", &contracts)]).await;
    let mods = mods.as_str().expect("id").to_string();
    let (status, message) = status_and_message(
        admin.call("/api/documents/categories/create", &[("name", "Modifications"), ("parent", &contracts)]).await,
    )
    .await;
    assert_eq!(
        (status, message.as_str()),
        (409, "There is already a category named \u{201c}Modifications\u{201d} there.")
    );
    assert_eq!(
        status_and_message(admin.call("/api/documents/categories/create", &[("name", "  ")]).await).await.0,
        422
    );
    assert_eq!(status_and_message(pm.call("/api/documents/categories/create", &[("name", "Mine")]).await).await.0, 403);
    let owner = app.db.owner_pool().await;
    let mut tx = owner_tx(&owner, "demo").await;
    let err = sqlx::query("UPDATE document_categories SET parent_category_id = $1::uuid WHERE id = $2::uuid")
        .bind(&mods)
        .bind(&contracts)
        .execute(&mut *tx)
        .await
        .expect_err("a cycle must be refused");
    assert!(err.to_string().contains("cannot be placed under itself"), "{err}");

    let id = upload(
        &pm,
        &format!("project={project}&name=mod-p00001.txt&type=contract"),
        b"Bilateral modification".to_vec(),
    )
    .await;
    let file = |category: &str, tags: &str, access: &str| {
        vec![
            ("document_id", id.clone()),
            ("document_type", "contract".to_string()),
            ("category", category.to_string()),
            ("tags", tags.to_string()),
            ("access_level", access.to_string()),
        ]
    };
    let args = file(&mods, " Navy, RECOMPETE, navy ", "restricted");
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    pm.ok("/api/documents/file", &args).await;
    // A new version keeps the filing; refiling reaches every version.
    let v2 = upload(
        &pm,
        &format!("project={project}&name=mod-p00001-signed.txt&type=contract&replaces={id}"),
        b"Signed".to_vec(),
    )
    .await;
    let detail = pm.ok("/api/documents/detail", &[("document_id", &v2)]).await;
    assert_eq!(detail["tags"], serde_json::json!(["navy", "recompete"]));
    assert_eq!(detail["category_id"], mods.as_str());
    assert_eq!(app.count(&format!("SELECT count(*) FROM documents WHERE coalesce(parent_document_id, id) = '{id}' AND access_level = 'restricted'")).await, 1);
    processed(&app, &v2).await;
    // The category filter takes in subcategories, and tags filter too.
    assert_eq!(names(&search(&pm, &[("category", &contracts)]).await), ["mod-p00001-signed.txt"]);
    assert_eq!(names(&search(&pm, &[("tag", "recompete")]).await), ["mod-p00001-signed.txt"]);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_logs WHERE entity_type = 'document' AND action_type = 'update'").await,
        1
    );

    // Bad filing is refused with what to fix, and changes nothing.
    for (args, status, text) in [
        (file("not-a-uuid", "", "public"), 422, "Choose a category from the list."),
        (file(&uuid::Uuid::new_v4().to_string(), "", "public"), 404, "Category"),
        (file("", &"x".repeat(41), "public"), 422, "too long"),
        (file("", "", "everyone"), 422, "access level"),
    ] {
        let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (got, message) = status_and_message(pm.call("/api/documents/file", &args).await).await;
        assert_eq!(got, status, "{message}");
        assert!(message.contains(text), "{message}");
    }
    assert_eq!(
        pm.ok("/api/documents/detail", &[("document_id", &id)]).await["tags"],
        serde_json::json!(["navy", "recompete"])
    );

    // An archived category is kept on its documents and not offered for new filing.
    admin.ok("/api/documents/categories/archive", &[("category_id", &mods), ("archived", "true")]).await;
    let args = file(&mods, "", "restricted");
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        status_and_message(pm.call("/api/documents/file", &args).await).await.1,
        "That category is archived; choose another."
    );

    // Links to the tenant's records; another tenant's record is not found.
    let contact = app
        .id_of("SELECT c.id FROM contacts c JOIN tenants t ON t.id = c.tenant_id WHERE t.subdomain = 'demo' LIMIT 1")
        .await
        .to_string();
    pm.ok(
        "/api/documents/link",
        &[("document_id", &v2), ("kind", "contact"), ("entity_id", &contact), ("role", "reference")],
    )
    .await;
    let (status, _) = status_and_message(
        pm.call(
            "/api/documents/link",
            &[("document_id", &id), ("kind", "contact"), ("entity_id", &contact), ("role", "reference")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 409, "the same link twice");
    let detail = pm.ok("/api/documents/detail", &[("document_id", &id)]).await;
    assert_eq!(detail["links"].as_array().map(Vec::len), Some(1), "links belong to the document, not a version");
    let link_id = detail["links"][0]["id"].as_str().expect("id").to_string();
    app.owner_exec(
        "INSERT INTO contacts (tenant_id, first_name, last_name, created_by_system) \
         SELECT id, 'Ada', 'Outsider', 'platform_admin' FROM tenants WHERE subdomain = 'acme' AND id = app_current_tenant_id()",
    )
    .await;
    let acme_contact = app
        .id_of("SELECT c.id FROM contacts c JOIN tenants t ON t.id = c.tenant_id WHERE t.subdomain = 'acme' LIMIT 1")
        .await
        .to_string();
    let (status, message) = status_and_message(
        pm.call("/api/documents/link", &[("document_id", &id), ("kind", "contact"), ("entity_id", &acme_contact)])
            .await,
    )
    .await;
    assert_eq!((status, message.as_str()), (404, "Contact"));
    assert_eq!(
        status_and_message(
            pm.call("/api/documents/link", &[("document_id", &id), ("kind", "invoice"), ("entity_id", &contact)]).await
        )
        .await
        .0,
        422
    );

    // Another tenant's people get not-found for every document function.
    let acme = app.signed_in(Some("acme"), "tenant_admin@acme.test", crate::common::TENANT_PASSWORD).await;
    let args = file("", "", "public");
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for (path, args) in [
        ("/api/documents/detail", vec![("document_id", id.as_str())]),
        ("/api/documents/file", args),
        (
            "/api/documents/link",
            vec![("document_id", id.as_str()), ("kind", "contact"), ("entity_id", acme_contact.as_str())],
        ),
        ("/api/documents/unlink", vec![("document_id", id.as_str()), ("link_id", link_id.as_str())]),
        ("/api/documents/categories/archive", vec![("category_id", contracts.as_str()), ("archived", "true")]),
    ] {
        assert_eq!(status_and_message(acme.call(path, &args).await).await.0, 404, "{path}");
    }
    let acme_library = acme.ok("/api/documents/library", &[]).await;
    assert_eq!(acme_library["categories"], serde_json::json!([]), "acme sees none of demo's categories");
    let (status, _) = status_and_message(
        acme.call("/api/documents/categories/create", &[("name", "X"), ("parent", &contracts)]).await,
    )
    .await;
    assert_eq!(status, 404, "another tenant's category cannot be a parent");

    pm.ok("/api/documents/unlink", &[("document_id", &id), ("link_id", &link_id)]).await;
    assert_eq!(
        status_and_message(pm.call("/api/documents/unlink", &[("document_id", &id), ("link_id", &link_id)]).await)
            .await
            .0,
        404
    );
    assert_eq!(app.count(&format!("SELECT count(*) FROM document_associations WHERE document_id = '{id}'")).await, 0);
}

#[tokio::test]
async fn uploads_are_limited_to_the_configured_kinds() {
    let app =
        TestApp::spawn(TestDb::with_demo().await, &[("GWM_SEED_DEMO", "if-empty"), ("GWM_UPLOAD_TYPES", "pdf, docx")])
            .await;
    let project = demo_project(&app, 0).await;
    let pm = app.demo_user("elena.fischer").await;
    let res = pm.upload(&format!("project={project}&name=notes.txt"), "plain text").await;
    let (status, message) = status_and_message(res).await;
    assert_eq!((status, message.as_str()), (415, "TXT files are not accepted here; this workspace accepts pdf, docx."));
    assert_eq!(app.count("SELECT count(*) FROM documents").await, 0);
    upload(&pm, &format!("project={project}&name=rfp.pdf"), samples::pdf(&["Allowed"])).await;
}

/// Small real files of each format, made the way their writers make them.
mod samples {
    use lopdf::{
        Document, Object, Stream,
        content::{Content, Operation},
        dictionary,
    };
    use std::io::Write;

    /// A PDF with one line of text per page, in a standard font.
    pub fn pdf(pages: &[&str]) -> Vec<u8> {
        let mut doc = Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        let font = doc.add_object(dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" });
        let resources = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font } });
        let mut kids: Vec<Object> = Vec::new();
        for text in pages {
            let content = Content {
                operations: vec![
                    Operation::new("BT", vec![]),
                    Operation::new("Tf", vec!["F1".into(), 12.into()]),
                    Operation::new("Td", vec![72.into(), 720.into()]),
                    Operation::new("Tj", vec![Object::string_literal(*text)]),
                    Operation::new("ET", vec![]),
                ],
            };
            let stream = doc.add_object(Stream::new(dictionary! {}, content.encode().expect("content")));
            kids.push(
                doc.add_object(dictionary! { "Type" => "Page", "Parent" => pages_id, "Contents" => stream }).into(),
            );
        }
        let count = kids.len() as i64;
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! {
                "Type" => "Pages", "Kids" => kids, "Count" => count, "Resources" => resources,
                "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
            }),
        );
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog);
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes).expect("pdf");
        bytes
    }

    fn zip(parts: &[(&str, String)]) -> Vec<u8> {
        let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, text) in parts {
            out.start_file(*name, options).expect("part");
            out.write_all(text.as_bytes()).expect("write");
        }
        out.finish().expect("zip").into_inner()
    }

    /// A Word document of one paragraph (`text` is XML-escaped already), saying it has one page.
    pub fn docx(text: &str) -> Vec<u8> {
        zip(&[
            ("[Content_Types].xml", r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#.into()),
            ("word/document.xml", format!(r#"<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p></w:body></w:document>"#)),
            ("docProps/app.xml", r#"<?xml version="1.0"?><Properties><Pages>1</Pages></Properties>"#.into()),
        ])
    }

    /// A presentation with one text box per slide.
    pub fn pptx(slides: &[&str]) -> Vec<u8> {
        let mut parts = vec![(
            "[Content_Types].xml",
            r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>"#.to_string(),
        )];
        let names: Vec<String> = (1..=slides.len()).map(|i| format!("ppt/slides/slide{i}.xml")).collect();
        for (name, text) in names.iter().zip(slides) {
            parts.push((
                name.as_str(),
                format!(r#"<?xml version="1.0"?><p:sld xmlns:p="p" xmlns:a="a"><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>{text}</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>"#),
            ));
        }
        zip(&parts)
    }

    /// A workbook with one sheet of inline-string cells.
    pub fn xlsx(rows: &[(&str, &str)]) -> Vec<u8> {
        let cells: String = rows
            .iter()
            .enumerate()
            .map(|(i, (a, b))| {
                let r = i + 1;
                format!(r#"<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{a}</t></is></c><c r="B{r}" t="inlineStr"><is><t>{b}</t></is></c></row>"#)
            })
            .collect();
        zip(&[
            ("[Content_Types].xml", r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.into()),
            ("_rels/.rels", r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.into()),
            ("xl/workbook.xml", r#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Rates" sheetId="1" r:id="rId1"/></sheets></workbook>"#.into()),
            ("xl/_rels/workbook.xml.rels", r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.into()),
            ("xl/worksheets/sheet1.xml", format!(r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{cells}</sheetData></worksheet>"#)),
        ])
    }
}

/// Security finding: filing rights alone do not decide who sees a document; its uploader or a document
/// manager does.
#[tokio::test]
async fn only_the_uploader_or_a_document_manager_changes_who_sees_a_document() {
    let app = TestApp::with_demo().await;
    let project = demo_project(&app, 0).await;
    let pm = app.demo_user("elena.fischer").await;
    let cm = app.demo_user("jordan.reyes").await;
    let admin = app.demo_user("admin").await;
    let id =
        upload(&pm, &format!("project={project}&name=pricing-notes.txt&type=other"), b"Pricing notes".to_vec()).await;
    let file = |access: &'static str, tags: &'static str| {
        let id = id.clone();
        move |who: &Browser| {
            let form = [
                ("document_id", id.clone()),
                ("document_type", "other".into()),
                ("tags", tags.into()),
                ("access_level", access.into()),
            ];
            let who = who.clone();
            async move {
                let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                status_and_message(who.call("/api/documents/file", &pairs).await).await
            }
        }
    };
    assert_eq!(
        app.count(&format!("SELECT count(*) FROM documents WHERE id = '{id}' AND access_level = 'project_team'")).await,
        1
    );
    let (s, m) = file("public", "")(&cm).await;
    assert_eq!((s, m.contains("only its uploader or a document manager")), (403, true), "{m}");
    assert_eq!(
        app.count(&format!("SELECT count(*) FROM documents WHERE id = '{id}' AND access_level = 'project_team'")).await,
        1
    );
    // Filing without touching the access level is theirs to do.
    let (s, m) = file("project_team", "pricing")(&cm).await;
    assert_eq!(s, 200, "{m}");
    let (s, m) = file("restricted", "pricing")(&pm).await;
    assert_eq!(s, 200, "the uploader: {m}");
    let (s, m) = file("public", "pricing")(&admin).await;
    assert_eq!(s, 200, "a document manager: {m}");
}

/// Outage finding: while storage is down, the extraction worker spends no attempt and no lease on a document
/// it cannot read: the claim is handed back (pending, attempts unchanged) and the worker pauses.
#[tokio::test]
async fn a_storage_outage_costs_extraction_no_attempts() {
    let db = TestDb::new().await;
    let files = std::env::temp_dir().join(format!("gwm-docs-{}", db.name));
    let files_dir = files.display().to_string();
    let config = db.config(&[("GWM_FILES_DIR", &files_dir)]);
    let app = TestApp::spawn(db, &[("GWM_SEED_DEMO", "if-empty"), ("GWM_FILES_DIR", &files_dir)]).await;
    let project = demo_project(&app, 0).await;
    let pm = app.demo_user("elena.fischer").await;
    let id = upload(
        &pm,
        &format!("project={project}&name=outage-notes.txt&type=other"),
        b"Notes kept through an outage".to_vec(),
    )
    .await;
    assert_eq!(processed(&app, &id).await.0, "ready");
    // The disk goes away, and the document waits to be read again.
    std::fs::remove_dir_all(&files).expect("remove the files folder");
    std::fs::write(&files, b"not a folder").expect("a file in its place");
    app.owner_exec(&format!("UPDATE documents SET processing_status = 'pending', processing_attempts = 0, processed_at = NULL WHERE id = '{id}'")).await;
    let mut seen = None;
    for _ in 0..40 {
        let pass = gwm_crm::extract::worker::run_once(&app.state, &config.extractor).await.expect("pass");
        if pass.claimed == 1 {
            seen = Some(pass);
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(seen.map(|p| p.storage_down), Some(true), "the pass saw storage down");
    let handed_back = app.count(&format!("SELECT count(*) FROM documents WHERE id = '{id}' AND processing_status = 'pending' AND processing_attempts = 0 AND processing_claimed_until IS NULL")).await;
    assert_eq!(handed_back, 1, "pending again, no attempt spent, no lease to wait out");
    // A download in the outage says the file is safe, not that "nothing was saved".
    let res = pm.get(&format!("/documents/{id}/download")).await;
    assert_eq!(res.status(), 503);
    let page = res.text().await.expect("page");
    assert!(page.contains("cannot be opened") && page.contains("safe"), "{page}");
    std::fs::remove_file(&files).expect("cleanup");
}
