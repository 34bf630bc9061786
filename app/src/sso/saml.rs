//! SAML 2.0 service-provider core for per-tenant single sign-on: pure logic, no database and no HTTP.
//!
//! * [`parse_idp_metadata`] turns an identity provider's metadata XML into [`IdpSettings`], refusing
//!   metadata without a signing certificate or without an HTTP-Redirect `SingleSignOnService`.
//! * [`sp_metadata_xml`] renders this application's service-provider metadata for one tenant.
//! * [`start_authn_request`] builds an unsigned `AuthnRequest` for the HTTP-Redirect binding.
//! * [`validate_response`] verifies an HTTP-POST `SAMLResponse` (signature through samael/xmlsec, algorithms,
//!   audience, destination, issuer, `InResponseTo`, validity window, status) and extracts the user.
//! * [`accept_once`] consults a [`ReplayLedger`] so that an assertion is consumed at most once.
//!
//! Validation is stateless: the caller keeps the pending request IDs (keyed by `RelayState`, since the
//! IdP's cross-site POST carries no `SameSite=Strict` cookie) and the ledger of consumed assertion IDs.

mod assertion;
mod error;
mod metadata;
mod request;
mod response;
mod scan;

#[cfg(test)]
mod tests;

pub use error::SamlError;
pub use metadata::{IdpSettings, ServiceProvider, parse_idp_metadata, sp_metadata_xml};
pub use request::{AuthnRequestStart, start_authn_request};
pub use response::{
    ReplayLedger, ValidatedAssertion, ValidationPolicy, accept_once, response_summary, validate_response,
};

/// SAML 2.0 protocol namespace (`samlp:`).
const NS_PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
/// SAML 2.0 assertion namespace (`saml:`).
const NS_ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
/// SAML 2.0 metadata namespace (`md:`).
const NS_METADATA: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
/// XML digital signature namespace (`ds:`).
const NS_DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
const BINDING_HTTP_POST: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
const BINDING_HTTP_REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";

/// Escapes text for use in XML element content and in double- or single-quoted attribute values.
fn xml_escape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
    out
}

/// Parses an absolute `http`/`https` URL, or explains (with `what` naming it) why it is not one.
fn http_url(raw: &str, what: &str) -> Result<url::Url, String> {
    let parsed = url::Url::parse(raw).map_err(|_| format!("{what} is not a valid absolute URL"))?;
    match parsed.scheme() {
        "http" | "https" if parsed.host().is_some() => Ok(parsed),
        _ => Err(format!("{what} must be an http(s) URL")),
    }
}
