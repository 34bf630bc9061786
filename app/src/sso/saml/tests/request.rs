//! start_authn_request: the redirect URL decodes back to the AuthnRequest that was meant.

use std::io::Read as _;
use std::str::FromStr;

use base64::Engine as _;
use chrono::Utc;
use flate2::read::DeflateDecoder;
use samael::schema::AuthnRequest;

use super::support::*;
use crate::sso::saml::{SamlError, start_authn_request};

fn decode(redirect_url: &str) -> (url::Url, AuthnRequest, Option<String>) {
    let url = url::Url::parse(redirect_url).expect("absolute URL");
    let param = |name: &str| url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
    let deflated =
        base64::engine::general_purpose::STANDARD.decode(param("SAMLRequest").expect("SAMLRequest")).expect("base64");
    let mut xml = String::new();
    DeflateDecoder::new(&deflated[..]).read_to_string(&mut xml).expect("raw deflate");
    let request = AuthnRequest::from_str(&xml).expect("AuthnRequest XML");
    let relay = param("RelayState");
    (url, request, relay)
}

#[test]
fn redirect_url_carries_the_authn_request() {
    let now = Utc::now();
    let start = start_authn_request(&idp(), &sp(), "rs-7f3a", now).expect("request");
    let (url, request, relay) = decode(&start.redirect_url);
    assert_eq!(url.host_str(), Some("idp.example.gov"));
    assert_eq!(url.path(), "/saml2/idp/SSOService.php");
    assert_eq!(relay.as_deref(), Some("rs-7f3a"));
    assert_eq!(request.id, start.request_id);
    assert_eq!(request.version, "2.0");
    assert_eq!(request.issue_instant.timestamp(), now.timestamp());
    assert_eq!(request.destination.as_deref(), Some(idp().sso_url.as_str()));
    assert_eq!(request.assertion_consumer_service_url.as_deref(), Some(ACS_URL));
    assert_eq!(request.protocol_binding.as_deref(), Some("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"));
    assert_eq!(request.issuer.and_then(|i| i.value).as_deref(), Some(SP_ENTITY_ID));
    assert!(request.signature.is_none());
}

#[test]
fn request_ids_are_fresh_xml_ids() {
    let a = start_authn_request(&idp(), &sp(), "", Utc::now()).expect("request");
    let b = start_authn_request(&idp(), &sp(), "", Utc::now()).expect("request");
    assert_ne!(a.request_id, b.request_id);
    for id in [&a.request_id, &b.request_id] {
        assert!(id.starts_with('_') && id.len() == 33, "{id}");
    }
    assert_eq!(decode(&a.redirect_url).2, None, "no RelayState when empty");
}

#[test]
fn existing_query_of_the_sso_url_is_kept() {
    let mut idp = idp();
    idp.sso_url = "https://login.example.gov/saml?idp=acme&x=1".into();
    let start = start_authn_request(&idp, &sp(), "r", Utc::now()).expect("request");
    let (url, _, _) = decode(&start.redirect_url);
    let pairs: Vec<(String, String)> = url.query_pairs().map(|(k, v)| (k.into(), v.into())).collect();
    assert_eq!(pairs[0], ("idp".into(), "acme".into()));
    assert_eq!(pairs[1], ("x".into(), "1".into()));
}

#[test]
fn overlong_relay_state_is_refused() {
    let r = start_authn_request(&idp(), &sp(), &"x".repeat(81), Utc::now());
    assert!(matches!(r, Err(SamlError::Configuration(_))));
}
