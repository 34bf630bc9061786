//! Namespace-aware streaming scans of untrusted XML, done before (and independently of) signature checks.
//!
//! samael's serde types match elements by local name only, so the structural facts that decide whether a
//! document is acceptable at all (its root, how many assertions it carries, which signature algorithms it
//! names, no DTD) are read here with quick-xml's namespace resolver.

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::{NsReader, XmlVersion};

use super::{NS_ASSERTION, NS_DSIG, NS_PROTOCOL};

/// An element's namespace and local name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct QualifiedName {
    pub namespace: Option<String>,
    pub local: String,
}

impl QualifiedName {
    pub fn is(&self, namespace: &str, local: &str) -> bool {
        self.namespace.as_deref() == Some(namespace) && self.local == local
    }
}

/// Why a scan stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ScanError {
    NotXml,
    Dtd,
    Empty,
}

/// Walks the whole document (so it is known to be well-formed) and returns its root element's name.
pub(super) fn root_element(xml: &str) -> Result<QualifiedName, ScanError> {
    let mut reader = NsReader::from_str(xml);
    let mut root = None;
    let mut depth = 0usize;
    loop {
        let (ns, event) = reader.read_resolved_event().map_err(|_| ScanError::NotXml)?;
        match event {
            Event::DocType(_) => return Err(ScanError::Dtd),
            Event::Start(ref e) | Event::Empty(ref e) => {
                if depth == 0 && root.replace(qualified(&ns, e)).is_some() {
                    return Err(ScanError::NotXml); // a second root element
                }
                if matches!(event, Event::Start(_)) {
                    depth += 1;
                }
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Eof => break,
            _ => {}
        }
    }
    root.ok_or(ScanError::Empty)
}

/// What the raw (not yet verified) `samlp:Response` says about itself.
#[derive(Debug, Default)]
pub(super) struct RawResponse {
    pub root: Option<QualifiedName>,
    pub id: Option<String>,
    pub version: Option<String>,
    pub destination: Option<String>,
    pub in_response_to: Option<String>,
    /// Text of the `saml:Issuer` child of the root.
    pub issuer: Option<String>,
    /// `StatusCode/@Value`s under the root's `Status`, outermost first.
    pub status_codes: Vec<String>,
    /// `ID`s of every element named `Assertion`, whatever its namespace.
    pub assertion_ids: Vec<Option<String>>,
    /// Elements named `Assertion` outside the SAML assertion namespace.
    pub foreign_assertions: usize,
    pub encrypted_assertions: usize,
    pub signatures: usize,
    /// Every `ds:SignatureMethod` and `ds:DigestMethod` algorithm (an empty string when absent).
    pub signature_algorithms: Vec<String>,
    pub digest_algorithms: Vec<String>,
}

/// Reads the structural facts of a response document; refuses DTDs and malformed XML.
pub(super) fn scan_response(xml: &str) -> Result<RawResponse, ScanError> {
    let mut reader = NsReader::from_str(xml);
    let mut out = RawResponse::default();
    let mut depth = 0usize;
    // Inside the root's Status element; the text of the root's Issuer element, while inside it.
    let mut in_status = false;
    let mut issuer_text: Option<String> = None;
    loop {
        let (ns, event) = reader.read_resolved_event().map_err(|_| ScanError::NotXml)?;
        match event {
            Event::DocType(_) => return Err(ScanError::Dtd),
            Event::Start(ref e) | Event::Empty(ref e) => {
                let name = qualified(&ns, e);
                visit_element(&mut out, &name, e, depth, in_status)?;
                // `<a/>` arrives as Empty, with no End to follow: only Start opens a level.
                if matches!(event, Event::Start(_)) {
                    if depth == 1 && name.is(NS_PROTOCOL, "Status") {
                        in_status = true;
                    }
                    if depth == 1 && name.is(NS_ASSERTION, "Issuer") && out.issuer.is_none() {
                        issuer_text = Some(String::new());
                    }
                    depth += 1;
                }
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == 1 {
                    in_status = false;
                    if let Some(text) = issuer_text.take() {
                        out.issuer = Some(text.trim().to_string());
                    }
                }
            }
            Event::Text(t) => {
                if let Some(text) = issuer_text.as_mut() {
                    text.push_str(&t.decode().map_err(|_| ScanError::NotXml)?);
                }
            }
            Event::CData(t) => {
                if let Some(text) = issuer_text.as_mut() {
                    text.push_str(&t.decode().map_err(|_| ScanError::NotXml)?);
                }
            }
            Event::GeneralRef(r) => {
                if let Some(text) = issuer_text.as_mut() {
                    let entity = format!("&{};", r.decode().map_err(|_| ScanError::NotXml)?);
                    text.push_str(&quick_xml::escape::unescape(&entity).map_err(|_| ScanError::NotXml)?);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if out.root.is_none() {
        return Err(ScanError::Empty);
    }
    Ok(out)
}

fn visit_element(
    out: &mut RawResponse,
    name: &QualifiedName,
    e: &BytesStart<'_>,
    depth: usize,
    in_status: bool,
) -> Result<(), ScanError> {
    if depth == 0 {
        if out.root.is_some() {
            return Err(ScanError::NotXml); // a second root element
        }
        out.root = Some(name.clone());
        out.id = attribute(e, "ID")?;
        out.version = attribute(e, "Version")?;
        out.destination = attribute(e, "Destination")?;
        out.in_response_to = attribute(e, "InResponseTo")?;
        return Ok(());
    }
    if in_status && name.is(NS_PROTOCOL, "StatusCode") {
        out.status_codes.push(attribute(e, "Value")?.unwrap_or_default());
    }
    match name.local.as_str() {
        "Assertion" if name.namespace.as_deref() == Some(NS_ASSERTION) => {
            out.assertion_ids.push(attribute(e, "ID")?);
        }
        "Assertion" => out.foreign_assertions += 1,
        "EncryptedAssertion" => out.encrypted_assertions += 1,
        "Signature" if name.namespace.as_deref() == Some(NS_DSIG) => out.signatures += 1,
        "SignatureMethod" if name.namespace.as_deref() == Some(NS_DSIG) => {
            out.signature_algorithms.push(attribute(e, "Algorithm")?.unwrap_or_default());
        }
        "DigestMethod" if name.namespace.as_deref() == Some(NS_DSIG) => {
            out.digest_algorithms.push(attribute(e, "Algorithm")?.unwrap_or_default());
        }
        _ => {}
    }
    Ok(())
}

fn qualified(ns: &ResolveResult<'_>, e: &BytesStart<'_>) -> QualifiedName {
    QualifiedName {
        namespace: match ns {
            ResolveResult::Bound(n) => Some(String::from_utf8_lossy(n.as_ref()).into_owned()),
            _ => None,
        },
        local: String::from_utf8_lossy(e.local_name().as_ref()).into_owned(),
    }
}

/// The unescaped value of the unprefixed attribute `key`.
fn attribute(e: &BytesStart<'_>, key: &str) -> Result<Option<String>, ScanError> {
    for attr in e.attributes() {
        let attr = attr.map_err(|_| ScanError::NotXml)?;
        if attr.key.as_ref() == key.as_bytes() {
            let value = attr.normalized_value(XmlVersion::Implicit1_0).map_err(|_| ScanError::NotXml)?;
            return Ok(Some(value.into_owned()));
        }
    }
    Ok(None)
}
