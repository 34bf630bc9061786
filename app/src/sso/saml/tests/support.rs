//! Test identity providers (RSA-2048 keys and self-signed certificates made at test time) and a
//! template-based builder of SAML Responses, signed through samael's `Crypto::sign_xml`.

use std::collections::HashSet;
use std::sync::OnceLock;

use base64::Engine as _;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use openssl::asn1::Asn1Time;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::{X509, X509NameBuilder};
use samael::crypto::{Crypto, CryptoProvider};

use crate::sso::saml::{IdpSettings, ReplayLedger, ServiceProvider};

pub const IDP_ENTITY_ID: &str = "https://idp.example.gov/saml2/idp/metadata.php";
pub const SP_ENTITY_ID: &str = "https://crm.example.com/sso/saml/acme/metadata";
pub const ACS_URL: &str = "https://crm.example.com/sso/saml/acme/acs";
pub const REQUEST_ID: &str = "_4f1b0c8e9d2a4b6c8e0f1a2b3c4d5e6f";

pub struct TestKey {
    pub key: PKey<Private>,
    pub cert_der: Vec<u8>,
}

fn make_key(common_name: &str) -> TestKey {
    let key = PKey::from_rsa(Rsa::generate(2048).expect("rsa")).expect("pkey");
    let mut name = X509NameBuilder::new().expect("name");
    name.append_entry_by_text("CN", common_name).expect("cn");
    let name = name.build();
    let mut builder = X509::builder().expect("x509");
    builder.set_version(2).expect("version");
    builder.set_subject_name(&name).expect("subject");
    builder.set_issuer_name(&name).expect("issuer");
    builder.set_pubkey(&key).expect("pubkey");
    builder.set_not_before(&Asn1Time::days_from_now(0).expect("t")).expect("nb");
    builder.set_not_after(&Asn1Time::days_from_now(365).expect("t")).expect("na");
    builder.sign(&key, MessageDigest::sha256()).expect("sign");
    TestKey { cert_der: builder.build().to_der().expect("der"), key }
}

/// The configured IdP's key.
pub fn idp_key() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| make_key("idp.example.gov"))
}

/// An attacker's key, unknown to the SP.
pub fn foreign_key() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| make_key("idp.example.gov"))
}

pub fn cert_b64(key: &TestKey) -> String {
    base64::engine::general_purpose::STANDARD.encode(&key.cert_der)
}

pub fn idp() -> IdpSettings {
    IdpSettings {
        entity_id: IDP_ENTITY_ID.into(),
        sso_url: "https://idp.example.gov/saml2/idp/SSOService.php".into(),
        signing_certificates_der: vec![idp_key().cert_der.clone()],
    }
}

pub fn sp() -> ServiceProvider {
    ServiceProvider { entity_id: SP_ENTITY_ID.into(), acs_url: ACS_URL.into() }
}

/// An in-memory replay ledger.
#[derive(Default)]
pub struct MemoryLedger(pub HashSet<String>);

impl ReplayLedger for MemoryLedger {
    fn first_use(&mut self, assertion_id: &str, _not_on_or_after: DateTime<Utc>) -> bool {
        self.0.insert(assertion_id.to_string())
    }
}

pub const RSA_SHA256: (&str, &str) =
    ("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", "http://www.w3.org/2001/04/xmlenc#sha256");
pub const RSA_SHA1: (&str, &str) =
    ("http://www.w3.org/2000/09/xmldsig#rsa-sha1", "http://www.w3.org/2000/09/xmldsig#sha1");

/// Which element(s) carry a signature.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Signed {
    Nothing,
    Assertion,
    Response,
    Both,
}

/// Every knob of a response; [`Spec::valid`] is a response the SP must accept.
#[derive(Clone)]
pub struct Spec {
    pub response_id: String,
    pub assertion_id: String,
    pub response_issuer: String,
    pub assertion_issuer: String,
    pub destination: Option<String>,
    pub in_response_to: String,
    pub scd_in_response_to: String,
    pub recipient: String,
    pub status: String,
    pub name_id: String,
    /// `None`: Conditions without AudienceRestriction.
    pub audience: Option<String>,
    pub issue_instant: DateTime<Utc>,
    pub not_before: DateTime<Utc>,
    pub not_on_or_after: DateTime<Utc>,
    pub scd_not_on_or_after: DateTime<Utc>,
    pub signed: Signed,
    /// (SignatureMethod, DigestMethod)
    pub algorithms: (&'static str, &'static str),
}

impl Spec {
    pub fn valid(now: DateTime<Utc>) -> Self {
        Spec {
            response_id: "_resp5d0b8f0e3a7c4e21".into(),
            assertion_id: "_asrt9a3c21b7e6d04f58".into(),
            response_issuer: IDP_ENTITY_ID.into(),
            assertion_issuer: IDP_ENTITY_ID.into(),
            destination: Some(ACS_URL.into()),
            in_response_to: REQUEST_ID.into(),
            scd_in_response_to: REQUEST_ID.into(),
            recipient: ACS_URL.into(),
            status: "urn:oasis:names:tc:SAML:2.0:status:Success".into(),
            name_id: "sso.analyst@example.gov".into(),
            audience: Some(SP_ENTITY_ID.into()),
            issue_instant: now - Duration::seconds(5),
            not_before: now - Duration::seconds(35),
            not_on_or_after: now + Duration::minutes(5),
            scd_not_on_or_after: now + Duration::minutes(4),
            signed: Signed::Assertion,
            algorithms: RSA_SHA256,
        }
    }
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn signature_template(id: &str, (method, digest): (&str, &str)) -> String {
    format!(
        r##"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="{method}"/><ds:Reference URI="#{id}"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms><ds:DigestMethod Algorithm="{digest}"/><ds:DigestValue></ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue></ds:SignatureValue></ds:Signature>"##
    )
}

/// Signs the first signature template of `xml` and adds a KeyInfo with `key`'s certificate (which
/// the SP must ignore: only configured certificates count).
pub fn sign(xml: &str, key: &TestKey) -> String {
    let der = key.key.private_key_to_der().expect("der");
    let signed = Crypto::sign_xml(xml, &der).expect("sign_xml");
    let body = match signed.find("?>") {
        Some(end) if signed.starts_with("<?xml") => signed[end + 2..].trim_start().to_string(),
        _ => signed,
    };
    let key_info = format!(
        "</ds:SignatureValue><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>",
        cert_b64(key)
    );
    body.replacen("</ds:SignatureValue>", &key_info, 1)
}

pub fn assertion_xml(s: &Spec, key: &TestKey) -> String {
    let signature = if matches!(s.signed, Signed::Assertion | Signed::Both) {
        signature_template(&s.assertion_id, s.algorithms)
    } else {
        String::new()
    };
    let conditions_body = match &s.audience {
        Some(a) => format!("<saml:AudienceRestriction><saml:Audience>{a}</saml:Audience></saml:AudienceRestriction>"),
        None => String::new(),
    };
    let xml = format!(
        r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="{aid}" Version="2.0" IssueInstant="{issue}"><saml:Issuer>{issuer}</saml:Issuer>{signature}<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">{name_id}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="{scd_noa}" {recipient}InResponseTo="{scd_irt}"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="{nb}" NotOnOrAfter="{noa}">{conditions_body}</saml:Conditions><saml:AuthnStatement AuthnInstant="{issue}" SessionIndex="_sess1c2d3e4f"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:Password</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement><saml:Attribute Name="urn:oid:0.9.2342.19200300.100.1.3" FriendlyName="mail" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri"><saml:AttributeValue xsi:type="xs:string">{name_id}</saml:AttributeValue></saml:Attribute><saml:Attribute Name="givenName" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic"><saml:AttributeValue xsi:type="xs:string">Avery</saml:AttributeValue></saml:Attribute><saml:Attribute Name="groups" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic"><saml:AttributeValue xsi:type="xs:string">capture-team</saml:AttributeValue><saml:AttributeValue xsi:type="xs:string">bd-leads</saml:AttributeValue></saml:Attribute></saml:AttributeStatement></saml:Assertion>"#,
        aid = s.assertion_id,
        issue = ts(s.issue_instant),
        issuer = s.assertion_issuer,
        name_id = s.name_id,
        scd_noa = ts(s.scd_not_on_or_after),
        recipient = if s.recipient.is_empty() { String::new() } else { format!("Recipient=\"{}\" ", s.recipient) },
        scd_irt = s.scd_in_response_to,
        nb = ts(s.not_before),
        noa = ts(s.not_on_or_after),
    );
    if signature.is_empty() { xml } else { sign(&xml, key) }
}

/// The response XML around `assertion` (pass [`assertion_xml`]'s output, or anything to inject).
pub fn response_around(s: &Spec, assertion: &str, key: &TestKey) -> String {
    let signature = if matches!(s.signed, Signed::Response | Signed::Both) {
        signature_template(&s.response_id, s.algorithms)
    } else {
        String::new()
    };
    let destination = s.destination.as_ref().map(|d| format!(r#" Destination="{d}""#)).unwrap_or_default();
    let xml = format!(
        r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{rid}" Version="2.0" IssueInstant="{issue}"{destination} InResponseTo="{irt}"><saml:Issuer>{issuer}</saml:Issuer>{signature}<samlp:Status><samlp:StatusCode Value="{status}"/></samlp:Status>{assertion}</samlp:Response>"#,
        rid = s.response_id,
        issue = ts(s.issue_instant),
        irt = s.in_response_to,
        issuer = s.response_issuer,
        status = s.status,
    );
    if signature.is_empty() { xml } else { sign(&xml, key) }
}

pub fn response_xml(s: &Spec, key: &TestKey) -> String {
    response_around(s, &assertion_xml(s, key), key)
}

pub fn b64(xml: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(xml)
}
