//! parse_idp_metadata and sp_metadata_xml.

use std::str::FromStr;

use super::support::*;
use crate::sso::saml::{SamlError, ServiceProvider, parse_idp_metadata, sp_metadata_xml};

/// Metadata fetched from the SimpleSAMLphp 1.19.7 IdP that `scripts/lib.sh` `idp_start` runs.
const SIMPLESAMLPHP_METADATA: &str = include_str!("../../../../tests/fixtures/saml/simplesamlphp-idp-metadata.xml");

fn metadata(key_descriptors: &str, sso_binding: &str) -> String {
    format!(
        r#"<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{IDP_ENTITY_ID}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    {key_descriptors}
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:{sso_binding}" Location="https://idp.example.gov/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"#
    )
}

fn key_descriptor(use_attr: &str, cert: &str) -> String {
    format!(
        r#"<md:KeyDescriptor{use_attr}><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"#
    )
}

fn invalid(xml: &str) -> String {
    match parse_idp_metadata(xml) {
        Err(SamlError::InvalidMetadata(reason)) => reason,
        other => panic!("expected InvalidMetadata, got {other:?}"),
    }
}

#[test]
fn real_simplesamlphp_metadata_is_accepted() {
    let idp = parse_idp_metadata(SIMPLESAMLPHP_METADATA).expect("SimpleSAMLphp metadata");
    assert!(idp.entity_id.ends_with("/saml2/idp/metadata.php"), "{}", idp.entity_id);
    assert!(idp.sso_url.ends_with("/saml2/idp/SSOService.php"), "{}", idp.sso_url);
    assert_eq!(idp.signing_certificates_der.len(), 1);
    assert!(openssl::x509::X509::from_der(&idp.signing_certificates_der[0]).is_ok());
}

#[test]
fn signing_and_unspecified_keys_are_kept_encryption_keys_are_not() {
    let cert = cert_b64(idp_key());
    let other = cert_b64(foreign_key());
    let keys = format!(
        "{}{}{}",
        key_descriptor(r#" use="signing""#, &cert),
        key_descriptor(r#" use="encryption""#, &other),
        key_descriptor("", &cert) // the same certificate again: kept once
    );
    let idp = parse_idp_metadata(&metadata(&keys, "HTTP-Redirect")).expect("valid metadata");
    assert_eq!(idp.entity_id, IDP_ENTITY_ID);
    assert_eq!(idp.sso_url, "https://idp.example.gov/sso");
    assert_eq!(idp.signing_certificates_der, vec![idp_key().cert_der.clone()]);
}

#[test]
fn metadata_without_signing_certificate_is_refused() {
    let enc_only = key_descriptor(r#" use="encryption""#, &cert_b64(idp_key()));
    for keys in ["", enc_only.as_str()] {
        let r = parse_idp_metadata(&metadata(keys, "HTTP-Redirect"));
        assert_eq!(r, Err(SamlError::NoSigningCertificate));
    }
}

#[test]
fn metadata_without_redirect_sso_is_refused() {
    let keys = key_descriptor(r#" use="signing""#, &cert_b64(idp_key()));
    let reason = invalid(&metadata(&keys, "HTTP-POST"));
    assert!(reason.contains("HTTP-Redirect"), "{reason}");
}

#[test]
fn unreadable_certificate_is_refused() {
    let keys = key_descriptor(r#" use="signing""#, "bm90IGEgY2VydGlmaWNhdGU=");
    assert!(invalid(&metadata(&keys, "HTTP-Redirect")).contains("X.509"));
}

#[test]
fn non_metadata_documents_are_refused() {
    assert!(invalid("this is not xml <").contains("not well-formed XML"));
    assert!(invalid("<html><body>Login</body></html>").contains("not SAML 2.0 metadata"));
    let aggregate = r#"<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"/>"#;
    assert!(invalid(aggregate).contains("EntitiesDescriptor"));
    let sp_only = sp_metadata_xml(&sp()).expect("sp metadata");
    assert!(invalid(&sp_only).contains("no IDPSSODescriptor"));
    let dtd = format!("<!DOCTYPE x>{}", metadata("", "HTTP-Redirect"));
    assert!(invalid(&dtd).contains("DOCTYPE"));
}

#[test]
fn sp_metadata_describes_the_acs_and_name_id_formats() {
    let sp = ServiceProvider {
        entity_id: "https://crm.example.com/sso/saml/metadata?tenant=a&b".into(),
        acs_url: ACS_URL.into(),
    };
    let xml = sp_metadata_xml(&sp).expect("sp metadata");
    let entity = samael::metadata::EntityDescriptor::from_str(&xml).expect("parses back");
    assert_eq!(entity.entity_id.as_deref(), Some(sp.entity_id.as_str()), "escaped and read back");
    let descriptors = entity.sp_sso_descriptors.expect("SPSSODescriptor");
    let d = &descriptors[0];
    assert_eq!(d.authn_requests_signed, Some(false));
    assert_eq!(d.want_assertions_signed, Some(true));
    assert_eq!(d.assertion_consumer_services.len(), 1);
    assert_eq!(d.assertion_consumer_services[0].location, ACS_URL);
    assert_eq!(d.assertion_consumer_services[0].binding, "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST");
    assert_eq!(
        d.name_id_formats.as_deref(),
        Some(
            &[
                "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress".to_string(),
                "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent".to_string()
            ][..]
        )
    );
    let bad = ServiceProvider { acs_url: "/relative/acs".into(), ..sp };
    assert!(matches!(sp_metadata_xml(&bad), Err(SamlError::Configuration(_))));
}
