//! Validation of an HTTP-POST `SAMLResponse`, and one-time use of the assertion it carries.
//!
//! Order: structure (raw, unverified) → status → signature presence and algorithms → xmlsec verification,
//! reduced to the signed content only → every further check on the signed content (plus the raw
//! `Response` envelope, which can only make the verdict stricter).

use std::collections::BTreeMap;
use std::str::FromStr;

use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use samael::crypto::{AllowedSignatureAlgorithm, CertificateDer, Crypto, CryptoProvider, ReduceMode};
use samael::schema::{Assertion, Response};

use super::assertion::{attributes, check_conditions, check_subject_confirmation};
use super::scan::{RawResponse, ScanError, root_element, scan_response};
use super::{IdpSettings, NS_ASSERTION, NS_PROTOCOL, SamlError, ServiceProvider};

/// Largest `SAMLResponse` (decoded) accepted.
const MAX_RESPONSE_BYTES: usize = 512 * 1024;
const STATUS_SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
const STATUS_PREFIX: &str = "urn:oasis:names:tc:SAML:2.0:status:";
/// RSA or ECDSA with SHA-256 or stronger; SHA-1 (and SHA-224, DSA) are refused.
const STRONG_ALGORITHMS: [AllowedSignatureAlgorithm; 6] = [
    AllowedSignatureAlgorithm::RsaSha256,
    AllowedSignatureAlgorithm::RsaSha384,
    AllowedSignatureAlgorithm::RsaSha512,
    AllowedSignatureAlgorithm::EcdsaSha256,
    AllowedSignatureAlgorithm::EcdsaSha384,
    AllowedSignatureAlgorithm::EcdsaSha512,
];
/// Upper bound for [`ValidationPolicy::max_clock_skew`].
const MAX_SKEW_MINUTES: i64 = 5;

/// A verified sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidatedAssertion {
    pub response_id: String,
    pub assertion_id: String,
    pub in_response_to: String,
    pub name_id: String,
    pub issuer: String,
    /// Attribute values keyed by `Name` and, when it differs, also by `FriendlyName`.
    pub attributes: BTreeMap<String, Vec<String>>,
    /// The earliest of the assertion's `NotOnOrAfter` times: keep the replay record at least until then.
    pub not_on_or_after: DateTime<Utc>,
    pub session_index: Option<String>,
    /// The `AuthnContextClassRef` of the authentication statement: how the IdP authenticated the person.
    pub authn_context: Option<String>,
}

/// Tolerances of [`validate_response`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationPolicy {
    /// Allowed clock difference with the IdP, clamped to 0..=5 minutes. Default: 2 minutes.
    pub max_clock_skew: Duration,
    /// When the AuthnRequest being answered was issued: an assertion issued before it (beyond the clock
    /// skew) cannot be its answer and is refused. None: not checked.
    pub request_issued_at: Option<DateTime<Utc>>,
}

impl Default for ValidationPolicy {
    fn default() -> Self {
        Self { max_clock_skew: Duration::minutes(2), request_issued_at: None }
    }
}

impl ValidationPolicy {
    fn skew(&self) -> Duration {
        self.max_clock_skew.clamp(Duration::zero(), Duration::minutes(MAX_SKEW_MINUTES))
    }
}

/// Remembers consumed assertion IDs (in PostgreSQL in production).
pub trait ReplayLedger {
    /// Records `assertion_id` and returns `true` if it had not been recorded before. The record may be
    /// dropped after `not_on_or_after` (plus the clock skew), when the assertion can no longer validate.
    fn first_use(&mut self, assertion_id: &str, not_on_or_after: DateTime<Utc>) -> bool;
}

/// Passes a validated assertion through the ledger: the second use of an assertion ID is refused.
pub fn accept_once(
    ledger: &mut impl ReplayLedger,
    assertion: ValidatedAssertion,
) -> Result<ValidatedAssertion, SamlError> {
    if ledger.first_use(&assertion.assertion_id, assertion.not_on_or_after) {
        Ok(assertion)
    } else {
        Err(SamlError::Replayed)
    }
}

/// Verifies a base64 `SAMLResponse` posted to `sp.acs_url` in answer to the request `expected_in_response_to`.
pub fn validate_response(
    saml_response_b64: &str,
    idp: &IdpSettings,
    sp: &ServiceProvider,
    expected_in_response_to: &str,
    now: DateTime<Utc>,
    policy: &ValidationPolicy,
) -> Result<ValidatedAssertion, SamlError> {
    if idp.signing_certificates_der.is_empty() {
        return Err(SamlError::NoSigningCertificate);
    }
    let xml = decode(saml_response_b64)?;
    let raw = scan_response(&xml).map_err(|e| match e {
        ScanError::NotXml => malformed("it is not well-formed XML"),
        ScanError::Dtd => malformed("documents with a DOCTYPE are not accepted"),
        ScanError::Empty => malformed("it is empty"),
    })?;
    check_envelope(&raw)?;
    check_signature_algorithms(&raw)?;

    let certs: Vec<CertificateDer> = idp.signing_certificates_der.iter().cloned().map(CertificateDer::from).collect();
    // samael's errors are not Send: nothing of them survives this statement.
    let signed_xml = Crypto::reduce_xml_to_signed_with_allowed_algorithms(
        &xml,
        &certs,
        ReduceMode::ValidateAndMarkNoAncestors,
        Some(&STRONG_ALGORITHMS),
    )
    .map_err(|_| SamlError::InvalidSignature)?;
    let assertion = signed_assertion(&signed_xml)?;
    // Exactly one assertion is in the document (checked above), so the signed one is that one.
    if raw.assertion_ids.first().and_then(Option::as_deref) != Some(assertion.id.as_str()) {
        return Err(SamlError::InvalidSignature);
    }

    if assertion.version != "2.0" {
        return Err(malformed("the assertion is not a SAML 2.0 assertion"));
    }
    let skew = policy.skew();
    let response_id = raw.id.clone().ok_or_else(|| malformed("the Response has no ID"))?;
    if raw.issuer.as_deref().is_some_and(|issuer| issuer != idp.entity_id)
        || assertion.issuer.value.as_deref().map(str::trim) != Some(idp.entity_id.as_str())
    {
        return Err(SamlError::WrongIssuer);
    }
    if raw.destination.as_deref().is_some_and(|d| d != sp.acs_url) {
        return Err(SamlError::WrongDestination);
    }
    // Unsolicited (IdP-initiated) responses are not accepted: a request ID is always expected.
    if expected_in_response_to.is_empty() || raw.in_response_to.as_deref() != Some(expected_in_response_to) {
        return Err(SamlError::InResponseToMismatch);
    }
    if assertion.issue_instant > now + skew {
        return Err(SamlError::NotYetValid);
    }
    if policy.request_issued_at.is_some_and(|asked| assertion.issue_instant < asked - skew) {
        return Err(SamlError::IssuedBeforeRequest);
    }
    let conditions_expiry = check_conditions(&assertion, sp, now, skew)?;
    let confirmation_expiry = check_subject_confirmation(&assertion, sp, expected_in_response_to, now, skew)?;
    let name_id = assertion
        .subject
        .as_ref()
        .and_then(|s| s.name_id.as_ref())
        .map(|n| n.value.trim().to_string())
        .filter(|n| !n.is_empty())
        .ok_or_else(|| malformed("the assertion has no NameID"))?;
    let session_index = assertion.authn_statements.iter().flatten().find_map(|s| s.session_index.clone());

    let authn_context = assertion
        .authn_statements
        .iter()
        .flatten()
        .find_map(|s| s.authn_context.as_ref().and_then(|c| c.value.as_ref()).and_then(|v| v.value.clone()))
        .map(|v| v.trim().to_string());

    Ok(ValidatedAssertion {
        response_id,
        authn_context,
        assertion_id: assertion.id.clone(),
        in_response_to: expected_in_response_to.to_string(),
        name_id,
        issuer: idp.entity_id.clone(),
        attributes: attributes(&assertion),
        not_on_or_after: conditions_expiry.map_or(confirmation_expiry, |c| c.min(confirmation_expiry)),
        session_index,
    })
}

fn malformed(reason: &str) -> SamlError {
    SamlError::Malformed(reason.to_string())
}

fn decode(saml_response_b64: &str) -> Result<String, SamlError> {
    let compact: String = saml_response_b64.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if compact.len() > MAX_RESPONSE_BYTES * 4 / 3 + 4 {
        return Err(malformed("it is too large"));
    }
    let bytes =
        base64::engine::general_purpose::STANDARD.decode(compact).map_err(|_| malformed("it is not valid base64"))?;
    String::from_utf8(bytes).map_err(|_| malformed("it is not UTF-8 text"))
}

/// What an unverified response says about itself, for the audit trail of a refusal: issuer, ids and
/// destination as claimed (never trusted), or why it could not be read. Values are clipped to 200 characters.
pub fn response_summary(saml_response_b64: &str) -> serde_json::Value {
    let clip = |v: &Option<String>| v.as_ref().map(|s| s.chars().take(200).collect::<String>());
    match decode(saml_response_b64)
        .map_err(|e| e.to_string())
        .and_then(|xml| scan_response(&xml).map_err(|_| "not well-formed XML".to_string()))
    {
        Ok(raw) => serde_json::json!({
            "issuer": clip(&raw.issuer),
            "response_id": clip(&raw.id),
            "in_response_to": clip(&raw.in_response_to),
            "destination": clip(&raw.destination),
            "assertion_ids": raw.assertion_ids.iter().take(3).map(clip).collect::<Vec<_>>(),
            "signatures": raw.signatures,
            "verified": false,
        }),
        Err(reason) => serde_json::json!({ "unreadable": reason }),
    }
}

/// Root, version, status and number of assertions of the raw document.
fn check_envelope(raw: &RawResponse) -> Result<(), SamlError> {
    if !raw.root.as_ref().is_some_and(|r| r.is(NS_PROTOCOL, "Response")) {
        return Err(malformed("it is not a SAML 2.0 Response"));
    }
    if raw.version.as_deref() != Some("2.0") {
        return Err(malformed("it is not a SAML 2.0 Response (Version is not 2.0)"));
    }
    match raw.status_codes.first() {
        Some(code) if code == STATUS_SUCCESS => {}
        Some(_) => {
            return Err(SamlError::StatusNotSuccess(status_summary(&raw.status_codes)));
        }
        None => return Err(malformed("the Response has no Status")),
    }
    if raw.encrypted_assertions > 0 {
        return Err(malformed("encrypted assertions are not supported; ask the IdP to send them unencrypted"));
    }
    if raw.foreign_assertions > 0 || raw.assertion_ids.len() > 1 {
        return Err(malformed("the Response must contain exactly one assertion"));
    }
    if raw.assertion_ids.is_empty() {
        return Err(malformed("the Response contains no assertion"));
    }
    Ok(())
}

/// `Responder/AuthnFailed` from the standard status URIs; anything else sanitised and bounded.
fn status_summary(codes: &[String]) -> String {
    codes
        .iter()
        .take(3)
        .map(|code| {
            let short = code.strip_prefix(STATUS_PREFIX).unwrap_or(code);
            short
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '.' | '_' | '-' | '/'))
                .take(120)
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A signature must be present, and every signature and digest algorithm named must be strong.
fn check_signature_algorithms(raw: &RawResponse) -> Result<(), SamlError> {
    if raw.signatures == 0 {
        return Err(SamlError::Unsigned);
    }
    let strong_signature = |a: &str| STRONG_ALGORITHMS.iter().any(|s| s.signature_uri() == a);
    let strong_digest = |a: &str| STRONG_ALGORITHMS.iter().any(|s| s.digest_uri() == a);
    let weak = raw
        .signature_algorithms
        .iter()
        .find(|a| !strong_signature(a))
        .or_else(|| raw.digest_algorithms.iter().find(|a| !strong_digest(a)));
    match weak {
        Some(algorithm) if algorithm.is_empty() => Err(SamlError::WeakAlgorithm("none named".into())),
        Some(algorithm) => Err(SamlError::WeakAlgorithm(algorithm.chars().take(120).collect())),
        None if raw.signature_algorithms.is_empty() => Err(SamlError::Unsigned),
        None => Ok(()),
    }
}

/// The assertion out of xmlsec's reduction (which keeps only verified content): either a signed
/// `Response` carrying it, or the signed `Assertion` itself.
fn signed_assertion(signed_xml: &str) -> Result<Assertion, SamlError> {
    let root = root_element(signed_xml).map_err(|_| SamlError::InvalidSignature)?;
    if root.is(NS_PROTOCOL, "Response") {
        let response = Response::from_str(signed_xml)
            .map_err(|_| malformed("the signed Response does not follow the SAML 2.0 schema"))?;
        response.assertion.ok_or(SamlError::Unsigned)
    } else if root.is(NS_ASSERTION, "Assertion") {
        Assertion::from_str(signed_xml)
            .map_err(|_| malformed("the signed assertion does not follow the SAML 2.0 schema"))
    } else {
        // Something else was signed (an Extensions element, say): the assertion itself is not.
        Err(SamlError::Unsigned)
    }
}
