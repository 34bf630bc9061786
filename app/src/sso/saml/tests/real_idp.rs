//! A real sign-in recorded from the SimpleSAMLphp 1.19.7 IdP of `scripts/lib.sh` (`idp_start`), user
//! sso.analyst, validated at the time it was issued (`validate_response` takes the clock as a parameter).

use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};

use crate::sso::saml::{
    SamlError, ServiceProvider, ValidatedAssertion, ValidationPolicy, parse_idp_metadata, validate_response,
};

const METADATA: &str = include_str!("../../../../tests/fixtures/saml/simplesamlphp-idp-metadata.xml");
const RESPONSE_B64: &str = include_str!("../../../../tests/fixtures/saml/simplesamlphp-response.b64");
const REQUEST_ID: &str = "_209c2c5739be49a5b8d7dafc0b15722e";

fn issued_at() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-22T08:19:07Z").expect("time").with_timezone(&Utc)
}

fn sp() -> ServiceProvider {
    ServiceProvider {
        entity_id: "http://127.0.0.1:18123/sso/saml/acme/metadata".into(),
        acs_url: "http://127.0.0.1:18123/sso/saml/acme/acs".into(),
    }
}

fn verdict(response_b64: &str, now: DateTime<Utc>) -> Result<ValidatedAssertion, SamlError> {
    let idp = parse_idp_metadata(METADATA).expect("metadata");
    validate_response(response_b64, &idp, &sp(), REQUEST_ID, now, &ValidationPolicy::default())
}

#[test]
fn real_simplesamlphp_response_is_accepted() {
    let a = verdict(RESPONSE_B64.trim(), issued_at() + Duration::seconds(3)).expect("valid");
    assert_eq!(a.issuer, "http://127.0.0.1:18124/saml2/idp/metadata.php");
    assert_eq!(a.in_response_to, REQUEST_ID);
    assert_eq!(a.name_id, "sso.analyst@example.gov");
    let one = |v: &str| Some(vec![v.to_string()]);
    assert_eq!(a.attributes.get("email").cloned(), one("sso.analyst@example.gov"));
    assert_eq!(a.attributes.get("givenName").cloned(), one("Avery"));
    assert_eq!(a.attributes.get("sn").cloned(), one("Analyst"));
    assert_eq!(a.attributes.get("groups").cloned(), one("capture-team"));
    assert_eq!(a.attributes.get("uid").cloned(), one("sso.analyst"));
    assert!(a.session_index.is_some());
    assert_eq!(a.not_on_or_after, issued_at() + Duration::minutes(5));
}

#[test]
fn real_simplesamlphp_response_expires_and_resists_tampering() {
    let later = issued_at() + Duration::minutes(8);
    assert_eq!(verdict(RESPONSE_B64.trim(), later), Err(SamlError::Expired));

    let engine = base64::engine::general_purpose::STANDARD;
    let xml = String::from_utf8(engine.decode(RESPONSE_B64.trim()).expect("b64")).expect("utf8");
    let tampered = xml.replace(">capture-team<", ">gwm-admins<");
    assert_ne!(tampered, xml);
    let r = verdict(&engine.encode(tampered), issued_at() + Duration::seconds(3));
    assert_eq!(r, Err(SamlError::InvalidSignature));
}
