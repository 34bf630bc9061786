//! The site's own files (`/pkg/*`, `/favicon.svg`, anything else under the site root), read into memory at
//! startup together with the brotli and gzip copies the build made beside them (`build_site` in
//! scripts/lib.sh). They are served from memory by a router that sits outside the session, visitor and
//! database layers: an asset's answer never depends on the disk, the pool, open file limits or another
//! request's failure. Fingerprinted names (`gwm_crm.<hash>.wasm`) are cached by browsers for a year as
//! immutable; other files are revalidated with their ETag.

use axum::{
    Router,
    body::Body,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, Uri, header},
    response::{IntoResponse, Response},
    routing::get,
};
use bytes::Bytes;
use sha2::{Digest, Sha256};
use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::Arc,
};

#[derive(Debug, thiserror::Error)]
pub enum AssetsError {
    #[error("could not read the site's files under {path}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{pkg} holds more than one build of the browser bundle ({names}): rebuild the site (scripts/run.sh) so that it holds one"
    )]
    SeveralBundles { pkg: String, names: String },
}

/// A file and its precompressed copies.
#[derive(Clone)]
struct Asset {
    identity: Bytes,
    brotli: Option<Bytes>,
    gzip: Option<Bytes>,
    content_type: &'static str,
    etag: HeaderValue,
    immutable: bool,
}

/// Every file of the site, by URL path, and the name (without extension) of the browser bundle.
pub struct SiteAssets {
    files: HashMap<String, Asset>,
    bundle: String,
}

impl SiteAssets {
    /// Reads `site_root` (missing: no files, and pages will not hydrate; the server still starts). The bundle
    /// is `pkg/<output>.<hash>.js` (+ `.wasm`, `.css`) as the build names it, or `pkg/<output>.js` as
    /// cargo-leptos names it.
    pub fn load(site_root: &Path, output_name: &str) -> Result<SiteAssets, AssetsError> {
        let mut paths = Vec::new();
        if site_root.is_dir() {
            walk(site_root, &mut paths)?;
        } else {
            tracing::warn!(site_root = %site_root.display(), "no site files: pages will render but not hydrate");
        }
        let read = |path: &Path| {
            std::fs::read(path)
                .map(Bytes::from)
                .map_err(|source| AssetsError::Read { path: path.display().to_string(), source })
        };
        let mut files = HashMap::new();
        for path in &paths {
            let name = path.to_string_lossy();
            if name.ends_with(".br") || name.ends_with(".gz") {
                continue;
            }
            let Ok(relative) = path.strip_prefix(site_root) else { continue };
            let url = format!(
                "/{}",
                relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
            );
            let identity = read(path)?;
            let sibling = |ext: &str| {
                let mut p = path.clone().into_os_string();
                p.push(ext);
                PathBuf::from(p)
            };
            let brotli = if sibling(".br").is_file() { Some(read(&sibling(".br"))?) } else { None };
            let gzip = if sibling(".gz").is_file() { Some(read(&sibling(".gz"))?) } else { None };
            let digest = hex::encode(&Sha256::digest(&identity)[..12]);
            let file_name = relative.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let asset = Asset {
                content_type: content_type(&file_name),
                etag: HeaderValue::from_str(&format!("\"{digest}\"")).unwrap_or(HeaderValue::from_static("\"0\"")),
                immutable: fingerprint(&file_name).is_some(),
                identity,
                brotli,
                gzip,
            };
            files.insert(url, asset);
        }
        let mut stems: Vec<String> = files
            .keys()
            .filter_map(|url| url.strip_prefix("/pkg/")?.strip_suffix(".js").map(str::to_string))
            .filter(|stem| {
                stem == output_name || fingerprint(&format!("{stem}.js")).is_some_and(|(s, _)| s == output_name)
            })
            .collect();
        stems.sort();
        if stems.len() > 1 {
            return Err(AssetsError::SeveralBundles {
                pkg: site_root.join("pkg").display().to_string(),
                names: stems.join(", "),
            });
        }
        let bundle = stems.pop().unwrap_or_else(|| output_name.to_string());
        // Server-made pages (errors, SAML outcomes) link the stylesheet by its plain name, revalidated.
        let plain_css = format!("/pkg/{output_name}.css");
        if let Some(css) = files.get(&format!("/pkg/{bundle}.css")).filter(|_| bundle != output_name) {
            let alias = Asset { immutable: false, ..css.clone() };
            files.insert(plain_css, alias);
        }
        Ok(SiteAssets { files, bundle })
    }

    /// The bundle's name without extension (`gwm_crm.1a2b…`): the page's script, wasm and stylesheet.
    pub fn bundle(&self) -> &str {
        &self.bundle
    }

    /// The router serving every file (merged outside the session and database layers).
    pub fn router(self: Arc<Self>) -> Router {
        let paths: Vec<String> = self.files.keys().cloned().collect();
        // An unknown file under /pkg is a plain 404, not a page render.
        let mut router = Router::new().route("/pkg/{*rest}", get(|| async { StatusCode::NOT_FOUND }));
        for path in paths {
            router = router.route(&path, get(serve));
        }
        router.with_state(self)
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), AssetsError> {
    let entries =
        std::fs::read_dir(dir).map_err(|source| AssetsError::Read { path: dir.display().to_string(), source })?;
    for entry in entries {
        let path = entry.map_err(|source| AssetsError::Read { path: dir.display().to_string(), source })?.path();
        // Dot-files are the build's bookkeeping (`.built-from`), not the site's.
        if path.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')) {
            continue;
        }
        if path.is_dir() {
            walk(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// `name.<16 hex>.ext` → (`name`, hash): a name that changes whenever the content does.
fn fingerprint(file_name: &str) -> Option<(&str, &str)> {
    let (rest, _ext) = file_name.rsplit_once('.')?;
    let (stem, hash) = rest.rsplit_once('.')?;
    (hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit())).then_some((stem, hash))
}

fn content_type(file_name: &str) -> &'static str {
    match file_name.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase()).as_deref() {
        Some("wasm") => "application/wasm",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("json") => "application/json",
        Some("txt") => "text/plain; charset=utf-8",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// Which of the copies the client takes: brotli, then gzip, then the file itself (RFC 9110 §12.5.3;
/// `q=0` refuses a coding).
fn accepts(headers: &HeaderMap, coding: &str) -> bool {
    headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(
        |item| {
            let mut parts = item.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused =
                parts.any(|p| p.strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()).is_some_and(|q| q <= 0.0));
            name.eq_ignore_ascii_case(coding) && !refused
        },
    )
}

async fn serve(State(assets): State<Arc<SiteAssets>>, uri: Uri, headers: HeaderMap) -> Response {
    let Some(asset) = assets.files.get(uri.path()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let (body, coding) = match (&asset.brotli, &asset.gzip) {
        (Some(br), _) if accepts(&headers, "br") => (br.clone(), Some("br")),
        (_, Some(gz)) if accepts(&headers, "gzip") => (gz.clone(), Some("gzip")),
        _ => (asset.identity.clone(), None),
    };
    let cache = if asset.immutable { "public, max-age=31536000, immutable" } else { "no-cache" };
    let not_modified = headers.get(header::IF_NONE_MATCH).is_some_and(|v| {
        v.to_str().is_ok_and(|v| v.split(',').any(|tag| tag.trim().trim_start_matches("W/") == asset.etag))
    });
    let mut res = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut res = Response::new(Body::from(body));
        res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
        if let Some(coding) = coding {
            res.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
        }
        res
    };
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(header::ETAG, asset.etag.clone());
    if asset.brotli.is_some() || asset.gzip.is_some() {
        h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprinted_names_are_recognised() {
        assert_eq!(fingerprint("gwm_crm.0123456789abcdef.wasm"), Some(("gwm_crm", "0123456789abcdef")));
        assert_eq!(fingerprint("gwm_crm.wasm"), None);
        assert_eq!(fingerprint("gwm_crm.0123.wasm"), None);
        assert_eq!(fingerprint("gwm_crm.0123456789abcdeg.wasm"), None);
    }

    #[test]
    fn encodings_are_negotiated_with_quality_zero_refusing() {
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
            h
        };
        assert!(accepts(&with("gzip, deflate, br, zstd"), "br"));
        assert!(accepts(&with("gzip;q=0.8, BR"), "br"));
        assert!(!accepts(&with("gzip, br;q=0"), "br"));
        assert!(accepts(&with("gzip, br;q=0"), "gzip"));
        assert!(!accepts(&with("identity"), "gzip"));
        assert!(!accepts(&HeaderMap::new(), "br"));
    }
}
