//! The site's files: fingerprinted names cached for a year, precompressed copies chosen by Accept-Encoding,
//! revalidation, and answers that never depend on the database; pages compressed on the way out.

use crate::common::{TestApp, TestDb};
use std::path::PathBuf;

pub const HASH: &str = "0123456789abcdef";

/// A site folder as `build_site` makes it: the bundle under a fingerprinted name, with .br and .gz copies
/// (recognisably different bytes, so the test sees which one was sent).
pub struct FakeSite(pub PathBuf);

impl FakeSite {
    pub fn new() -> FakeSite {
        let root = std::env::temp_dir().join(format!("gwm-site-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(root.join("pkg")).expect("site dir");
        for (name, body) in [
            (format!("pkg/gwm_crm.{HASH}.js"), "export default function init() {}"),
            (format!("pkg/gwm_crm.{HASH}.wasm"), "\0asm wasm bytes"),
            (format!("pkg/gwm_crm.{HASH}.css"), "body { color: black }"),
            ("favicon.svg".to_string(), "<svg xmlns='http://www.w3.org/2000/svg'/>"),
        ] {
            std::fs::write(root.join(&name), body).expect("file");
            std::fs::write(root.join(format!("{name}.br")), format!("brotli of {name}")).expect("br");
            std::fs::write(root.join(format!("{name}.gz")), format!("gzip of {name}")).expect("gz");
        }
        std::fs::write(root.join(".built-from"), "bookkeeping").expect("stamp");
        FakeSite(root)
    }

    pub fn root(&self) -> String {
        self.0.display().to_string()
    }
}

impl Drop for FakeSite {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn get(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let mut req = client.get(app.url(path));
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    req.send().await.expect("get")
}

#[tokio::test]
async fn the_bundle_is_fingerprinted_precompressed_and_kept_for_a_year() {
    let site = FakeSite::new();
    let app = TestApp::spawn(TestDb::with_demo().await, &[("LEPTOS_SITE_ROOT", &site.root())]).await;

    // The page names the fingerprinted files: script, wasm and stylesheet.
    let html = app.demo_user("admin").await.get("/projects").await.text().await.expect("html");
    for file in ["js", "wasm", "css"] {
        assert!(html.contains(&format!("/pkg/gwm_crm.{HASH}.{file}")), "the page links the .{file} by its hash");
    }

    let wasm = format!("/pkg/gwm_crm.{HASH}.wasm");
    let res = get(&app, &wasm, &[("accept-encoding", "gzip, deflate, br, zstd")]).await;
    assert_eq!(res.status(), 200);
    let h = res.headers().clone();
    assert_eq!(h["content-encoding"], "br");
    assert_eq!(h["content-type"], "application/wasm");
    assert_eq!(h["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(h["vary"], "accept-encoding");
    assert!(h.contains_key("x-request-id") && h.contains_key("x-content-type-options"), "the usual headers too");
    assert!(!h.contains_key("set-cookie"), "no session for a file");
    assert_eq!(res.text().await.expect("body"), format!("brotli of pkg/gwm_crm.{HASH}.wasm"));

    let res = get(&app, &wasm, &[("accept-encoding", "gzip, br;q=0")]).await;
    assert_eq!(res.headers()["content-encoding"], "gzip", "q=0 refuses brotli");
    let res = get(&app, &wasm, &[]).await;
    assert!(!res.headers().contains_key("content-encoding"));
    let etag = res.headers()["etag"].to_str().expect("etag").to_string();
    assert_eq!(res.text().await.expect("body"), "\0asm wasm bytes");
    let res = get(&app, &wasm, &[("if-none-match", &etag)]).await;
    assert_eq!(res.status(), 304, "revalidated without a body");

    // Not fingerprinted: revalidated on each use. The stylesheet's plain name serves server-made pages.
    let res = get(&app, "/favicon.svg", &[]).await;
    assert_eq!((res.status().as_u16(), res.headers()["cache-control"].to_str().expect("cc")), (200, "no-cache"));
    assert_eq!(res.headers()["content-type"], "image/svg+xml");
    let res = get(&app, "/pkg/gwm_crm.css", &[]).await;
    assert_eq!((res.status().as_u16(), res.headers()["cache-control"].to_str().expect("cc")), (200, "no-cache"));
    assert_eq!(res.text().await.expect("css"), "body { color: black }");

    // Unknown files and the build's bookkeeping are not found; copies are not addressable either.
    for missing in ["/pkg/gwm_crm.js", "/pkg/other.wasm", "/.built-from", "/favicon.svg.br"] {
        let status = get(&app, missing, &[]).await.status();
        assert!(status == 404 || status == 303, "{missing}: {status}");
    }
}

#[tokio::test]
async fn pages_and_answers_are_compressed_for_browsers_that_accept_it() {
    let app = TestApp::with_demo().await;
    let admin = app.demo_user("admin").await;
    let page = admin.get("/pipeline").await;
    assert!(!page.headers().contains_key("content-encoding"), "a client that asks for nothing gets plain HTML");
    let plain = page.bytes().await.expect("page").len();
    let res = admin
        .client
        .get(app.url("/pipeline"))
        .header("host", &admin.host)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect("page");
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-encoding"], "gzip");
    let sent = res.bytes().await.expect("gzip body").len();
    assert!(sent * 4 < plain, "the board travels compressed: {sent} bytes for {plain}");
}
