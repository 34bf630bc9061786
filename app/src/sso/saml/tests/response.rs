//! validate_response / accept_once: one test per verdict.

use chrono::{DateTime, Duration, Utc};

use super::support::*;
use crate::sso::saml::{SamlError, ValidatedAssertion, ValidationPolicy, accept_once, validate_response};

fn verdict_at(xml: &str, now: DateTime<Utc>) -> Result<ValidatedAssertion, SamlError> {
    validate_response(&b64(xml), &idp(), &sp(), REQUEST_ID, now, &ValidationPolicy::default())
}

/// The verdict on the response built from `spec` (mutated from the valid one) at `now`.
fn verdict(edit: impl FnOnce(&mut Spec)) -> Result<ValidatedAssertion, SamlError> {
    let now = Utc::now();
    let mut spec = Spec::valid(now);
    edit(&mut spec);
    verdict_at(&response_xml(&spec, idp_key()), now)
}

#[test]
fn valid_response_with_signed_assertion_is_accepted_and_extracted() {
    let now = Utc::now();
    let spec = Spec::valid(now);
    let a = verdict_at(&response_xml(&spec, idp_key()), now).expect("valid response");
    assert_eq!(a.response_id, spec.response_id);
    assert_eq!(a.assertion_id, spec.assertion_id);
    assert_eq!(a.in_response_to, REQUEST_ID);
    assert_eq!(a.issuer, IDP_ENTITY_ID);
    assert_eq!(a.name_id, "sso.analyst@example.gov");
    assert_eq!(a.session_index.as_deref(), Some("_sess1c2d3e4f"));
    // The earlier of Conditions/@NotOnOrAfter and SubjectConfirmationData/@NotOnOrAfter, to the second.
    assert_eq!(a.not_on_or_after.timestamp(), spec.scd_not_on_or_after.timestamp());
    let mail = vec!["sso.analyst@example.gov".to_string()];
    assert_eq!(a.attributes.get("urn:oid:0.9.2342.19200300.100.1.3"), Some(&mail));
    assert_eq!(a.attributes.get("mail"), Some(&mail), "also keyed by FriendlyName");
    assert_eq!(a.attributes.get("givenName"), Some(&vec!["Avery".to_string()]));
    assert_eq!(a.attributes.get("groups"), Some(&vec!["capture-team".to_string(), "bd-leads".to_string()]));
}

#[test]
fn valid_response_signed_on_the_response_or_on_both_is_accepted() {
    for signed in [Signed::Response, Signed::Both] {
        let a = verdict(|s| s.signed = signed).expect("signed response");
        assert_eq!(a.name_id, "sso.analyst@example.gov");
    }
}

#[test]
fn response_with_neither_destination_nor_recipient_is_refused() {
    let verdict = verdict(|s| {
        s.destination = None;
        s.recipient = String::new();
    });
    assert!(matches!(verdict, Err(SamlError::Malformed(ref m)) if m.contains("Recipient")), "{verdict:?}");
}

#[test]
fn assertion_issued_before_its_request_is_refused() {
    let now = Utc::now();
    let mut spec = Spec::valid(now);
    spec.issue_instant = now - Duration::minutes(10);
    let xml = response_xml(&spec, idp_key());
    let policy =
        ValidationPolicy { request_issued_at: Some(now - Duration::minutes(1)), ..ValidationPolicy::default() };
    let verdict = validate_response(&b64(&xml), &idp(), &sp(), REQUEST_ID, now, &policy);
    assert_eq!(verdict.map(|_| ()), Err(SamlError::IssuedBeforeRequest));
    let policy =
        ValidationPolicy { request_issued_at: Some(now - Duration::minutes(11)), ..ValidationPolicy::default() };
    assert!(validate_response(&b64(&xml), &idp(), &sp(), REQUEST_ID, now, &policy).is_ok());
}

#[test]
fn response_without_destination_is_accepted_when_the_recipient_matches() {
    assert!(verdict(|s| s.destination = None).is_ok());
}

#[test]
fn tampered_attribute_is_refused() {
    let now = Utc::now();
    let xml = response_xml(&Spec::valid(now), idp_key());
    assert!(xml.contains(">capture-team<"));
    let tampered = xml.replace(">capture-team<", ">gwm-admins<");
    assert_eq!(verdict_at(&tampered, now), Err(SamlError::InvalidSignature));
}

#[test]
fn tampered_name_id_is_refused_whichever_element_is_signed() {
    for signed in [Signed::Assertion, Signed::Response, Signed::Both] {
        let now = Utc::now();
        let spec = Spec { signed, ..Spec::valid(now) };
        let xml = response_xml(&spec, idp_key());
        let tampered = xml.replacen(">sso.analyst@example.gov<", ">sso.admin@example.gov<", 1);
        assert_ne!(tampered, xml);
        assert_eq!(verdict_at(&tampered, now), Err(SamlError::InvalidSignature));
    }
}

#[test]
fn response_signed_by_a_foreign_key_is_refused() {
    let now = Utc::now();
    for signed in [Signed::Assertion, Signed::Response] {
        let spec = Spec { signed, ..Spec::valid(now) };
        // Carries the foreign certificate in its own KeyInfo: only the configured certificate counts.
        let xml = response_xml(&spec, foreign_key());
        assert_eq!(verdict_at(&xml, now), Err(SamlError::InvalidSignature));
    }
}

#[test]
fn unsigned_response_is_refused() {
    assert_eq!(verdict(|s| s.signed = Signed::Nothing), Err(SamlError::Unsigned));
}

#[test]
fn injected_unsigned_assertion_next_to_a_signed_one_is_refused() {
    let now = Utc::now();
    let spec = Spec::valid(now);
    let signed = assertion_xml(&spec, idp_key());
    let forged_spec = Spec {
        assertion_id: "_forged0001".into(),
        name_id: "sso.admin@example.gov".into(),
        signed: Signed::Nothing,
        ..spec.clone()
    };
    let forged = assertion_xml(&forged_spec, idp_key());
    for body in [format!("{forged}{signed}"), format!("{signed}{forged}")] {
        let xml = response_around(&spec, &body, idp_key());
        assert_eq!(
            verdict_at(&xml, now),
            Err(SamlError::Malformed("the Response must contain exactly one assertion".into()))
        );
    }
    // The signed assertion hidden in an extension, the forged one in its place.
    let hidden = format!(r#"<samlp:Extensions>{signed}</samlp:Extensions>{forged}"#);
    let xml = response_around(&spec, &hidden, idp_key());
    assert!(matches!(verdict_at(&xml, now), Err(SamlError::Malformed(_))));
}

#[test]
fn signature_over_another_element_does_not_sign_the_assertion() {
    let now = Utc::now();
    let spec = Spec { signed: Signed::Nothing, ..Spec::valid(now) };
    let unsigned = assertion_xml(&spec, idp_key());
    // A validly signed element that is neither the Response nor the Assertion.
    let ext = sign(
        r##"<samlp:Extensions xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_ext1"><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI="#_ext1"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue></ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue></ds:SignatureValue></ds:Signature></samlp:Extensions>"##,
        idp_key(),
    );
    let xml = response_around(&spec, &format!("{ext}{unsigned}"), idp_key());
    assert_eq!(verdict_at(&xml, now), Err(SamlError::Unsigned));
}

#[test]
fn wrong_audience_is_refused() {
    let r = verdict(|s| s.audience = Some("https://other-app.example.com/metadata".into()));
    assert_eq!(r, Err(SamlError::AudienceMismatch));
}

#[test]
fn missing_audience_restriction_is_refused() {
    assert_eq!(verdict(|s| s.audience = None), Err(SamlError::AudienceMissing));
}

#[test]
fn expired_assertion_is_refused_beyond_the_clock_skew_only() {
    let expired = |minutes: i64| {
        verdict(move |s| {
            s.issue_instant = Utc::now() - Duration::minutes(minutes + 5);
            s.not_before = s.issue_instant;
            s.not_on_or_after = Utc::now() - Duration::minutes(minutes);
            s.scd_not_on_or_after = s.not_on_or_after;
        })
    };
    assert_eq!(expired(3), Err(SamlError::Expired));
    assert!(expired(1).is_ok(), "within the default 2-minute skew");
    // Only the subject confirmation expired; only the conditions expired.
    let r = verdict(|s| s.scd_not_on_or_after = Utc::now() - Duration::minutes(10));
    assert_eq!(r, Err(SamlError::Expired));
    let r = verdict(|s| s.not_on_or_after = Utc::now() - Duration::minutes(10));
    assert_eq!(r, Err(SamlError::Expired));
}

#[test]
fn clock_skew_is_bounded() {
    let now = Utc::now();
    let mut spec = Spec::valid(now);
    spec.not_on_or_after = now - Duration::minutes(10);
    spec.scd_not_on_or_after = spec.not_on_or_after;
    let xml = b64(&response_xml(&spec, idp_key()));
    let lax = ValidationPolicy { max_clock_skew: Duration::hours(1), ..ValidationPolicy::default() };
    let r = validate_response(&xml, &idp(), &sp(), REQUEST_ID, now, &lax);
    assert_eq!(r, Err(SamlError::Expired), "a 1-hour skew is clamped to 5 minutes");
}

#[test]
fn not_yet_valid_assertion_is_refused() {
    let r = verdict(|s| s.not_before = Utc::now() + Duration::minutes(10));
    assert_eq!(r, Err(SamlError::NotYetValid));
}

#[test]
fn replayed_assertion_is_refused_on_second_use() {
    let now = Utc::now();
    let xml = response_xml(&Spec::valid(now), idp_key());
    let mut ledger = MemoryLedger::default();
    let first = verdict_at(&xml, now).and_then(|a| accept_once(&mut ledger, a));
    assert!(first.is_ok());
    let second = verdict_at(&xml, now).and_then(|a| accept_once(&mut ledger, a));
    assert_eq!(second, Err(SamlError::Replayed));
}

#[test]
fn wrong_in_response_to_is_refused() {
    let now = Utc::now();
    let xml = b64(&response_xml(&Spec::valid(now), idp_key()));
    let policy = ValidationPolicy::default();
    let r = validate_response(&xml, &idp(), &sp(), "_another_request", now, &policy);
    assert_eq!(r, Err(SamlError::InResponseToMismatch));
    let r = validate_response(&xml, &idp(), &sp(), "", now, &policy);
    assert_eq!(r, Err(SamlError::InResponseToMismatch), "no pending request");
    // Only the (unsigned) Response envelope names another request.
    let r = verdict(|s| s.in_response_to = "_another_request".into());
    assert_eq!(r, Err(SamlError::InResponseToMismatch));
    // Only the (signed) subject confirmation names another request.
    let r = verdict(|s| s.scd_in_response_to = "_another_request".into());
    assert_eq!(r, Err(SamlError::InResponseToMismatch));
}

#[test]
fn sha1_signatures_and_digests_are_refused() {
    assert_eq!(
        verdict(|s| s.algorithms = RSA_SHA1),
        Err(SamlError::WeakAlgorithm("http://www.w3.org/2000/09/xmldsig#rsa-sha1".into()))
    );
    assert_eq!(
        verdict(|s| s.algorithms = (RSA_SHA256.0, RSA_SHA1.1)),
        Err(SamlError::WeakAlgorithm("http://www.w3.org/2000/09/xmldsig#sha1".into()))
    );
}

#[test]
fn wrong_issuer_is_refused() {
    let other = "https://evil-idp.example.net/metadata";
    assert_eq!(verdict(|s| s.assertion_issuer = other.into()), Err(SamlError::WrongIssuer));
    assert_eq!(verdict(|s| s.response_issuer = other.into()), Err(SamlError::WrongIssuer));
}

#[test]
fn wrong_destination_or_recipient_is_refused() {
    let other = "https://crm.example.com/sso/saml/other-tenant/acs";
    assert_eq!(verdict(|s| s.destination = Some(other.into())), Err(SamlError::WrongDestination));
    assert_eq!(verdict(|s| s.recipient = other.into()), Err(SamlError::WrongDestination));
}

#[test]
fn idp_without_signing_certificate_verifies_nothing() {
    let now = Utc::now();
    let xml = b64(&response_xml(&Spec { signed: Signed::Nothing, ..Spec::valid(now) }, idp_key()));
    let mut bare = idp();
    bare.signing_certificates_der.clear();
    let r = validate_response(&xml, &bare, &sp(), REQUEST_ID, now, &ValidationPolicy::default());
    assert_eq!(r, Err(SamlError::NoSigningCertificate));
}

#[test]
fn failed_status_is_reported_with_its_code() {
    let now = Utc::now();
    let spec = Spec { signed: Signed::Nothing, ..Spec::valid(now) };
    let xml = response_around(&spec, "", idp_key()).replace(
        r#"<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/>"#,
        r#"<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"/></samlp:StatusCode>"#,
    );
    assert_eq!(verdict_at(&xml, now), Err(SamlError::StatusNotSuccess("Responder/AuthnFailed".into())));
}

#[test]
fn garbage_and_dtds_are_malformed() {
    let now = Utc::now();
    let policy = ValidationPolicy::default();
    let r = validate_response("not base64!", &idp(), &sp(), REQUEST_ID, now, &policy);
    assert_eq!(r, Err(SamlError::Malformed("it is not valid base64".into())));
    let dtd = format!("<!DOCTYPE r [<!ENTITY x \"y\">]>{}", response_xml(&Spec::valid(now), idp_key()));
    assert_eq!(verdict_at(&dtd, now), Err(SamlError::Malformed("documents with a DOCTYPE are not accepted".into())));
    assert!(matches!(verdict_at("<samlp:Response", now), Err(SamlError::Malformed(_))));
    let two_roots = format!("{}<x/>", response_xml(&Spec::valid(now), idp_key()));
    assert_eq!(verdict_at(&two_roots, now), Err(SamlError::Malformed("it is not well-formed XML".into())));
}

#[test]
fn error_messages_are_user_facing() {
    let msg = SamlError::StatusNotSuccess("Responder/AuthnFailed".into()).to_string();
    assert_eq!(msg, "The identity provider did not sign you in (SAML status Responder/AuthnFailed).");
    assert!(SamlError::InvalidSignature.to_string().contains("certificate"));
}

#[test]
fn comment_inside_a_signed_name_id_is_refused_not_truncated() {
    // The 2018 comment-truncation attack: c14n drops comments, so xmlsec still finds the signature
    // valid; a naive reader would then see only "sso.analyst@example.gov".
    for signed in [Signed::Assertion, Signed::Response] {
        let now = Utc::now();
        let spec = Spec { name_id: "sso.analyst@example.gov.evil.com".into(), signed, ..Spec::valid(now) };
        let xml = response_xml(&spec, idp_key());
        let attack = xml.replacen(">sso.analyst@example.gov.evil.com<", ">sso.analyst@example.gov<!---->.evil.com<", 1);
        assert_ne!(attack, xml);
        assert_eq!(verdict_at(&attack, now), Err(SamlError::InvalidSignature));
    }
}
