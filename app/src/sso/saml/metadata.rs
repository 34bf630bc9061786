//! Identity-provider metadata in, service-provider metadata out.

use std::str::FromStr;

use samael::metadata::{EntityDescriptor, IdpSsoDescriptor, KeyDescriptor};

use super::scan::{ScanError, root_element};
use super::{BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, NS_METADATA, NS_PROTOCOL, SamlError, http_url, xml_escape};

/// Largest metadata document accepted (aggregates of whole federations are not what is expected here).
const MAX_METADATA_BYTES: usize = 1024 * 1024;

/// What the service provider needs to know about one tenant's identity provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpSettings {
    /// The IdP's `entityID`: the required `Issuer` of its responses and assertions.
    pub entity_id: String,
    /// Location of its HTTP-Redirect `SingleSignOnService`.
    pub sso_url: String,
    /// DER X.509 certificates whose keys may sign its responses (`use="signing"` or no `use`).
    pub signing_certificates_der: Vec<Vec<u8>>,
}

/// This application as a SAML service provider for one tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceProvider {
    /// The SP `entityID`: the audience that assertions must be restricted to.
    pub entity_id: String,
    /// The HTTP-POST assertion consumer service URL: the required `Destination`/`Recipient`.
    pub acs_url: String,
}

impl ServiceProvider {
    pub(super) fn check(&self) -> Result<(), SamlError> {
        if self.entity_id.trim().is_empty() || self.entity_id.trim() != self.entity_id {
            return Err(SamlError::Configuration(
                "the service provider entity ID is empty or has surrounding spaces".into(),
            ));
        }
        http_url(&self.acs_url, "the assertion consumer service URL").map_err(SamlError::Configuration)?;
        Ok(())
    }
}

/// Reads an IdP's SAML 2.0 metadata (one `md:EntityDescriptor` with an `md:IDPSSODescriptor`).
pub fn parse_idp_metadata(xml: &str) -> Result<IdpSettings, SamlError> {
    let invalid = |m: &str| SamlError::InvalidMetadata(m.to_string());
    if xml.len() > MAX_METADATA_BYTES {
        return Err(invalid("the document is larger than 1 MiB"));
    }
    let root = root_element(xml).map_err(|e| match e {
        ScanError::NotXml => invalid("it is not well-formed XML"),
        ScanError::Dtd => invalid("documents with a DOCTYPE are not accepted"),
        ScanError::Empty => invalid("the document is empty"),
    })?;
    if root.is(NS_METADATA, "EntitiesDescriptor") {
        return Err(invalid(
            "it is a metadata aggregate (EntitiesDescriptor); provide the metadata of your single \
             identity provider (one EntityDescriptor)",
        ));
    }
    if !root.is(NS_METADATA, "EntityDescriptor") {
        return Err(invalid("it is not SAML 2.0 metadata (no md:EntityDescriptor root element)"));
    }
    let entity = EntityDescriptor::from_str(xml)
        .map_err(|_| invalid("the EntityDescriptor does not follow the SAML 2.0 metadata schema"))?;
    let entity_id = entity
        .entity_id
        .as_deref()
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| invalid("the EntityDescriptor has no entityID"))?
        .to_string();
    let descriptors = entity.idp_sso_descriptors.unwrap_or_default();
    if descriptors.is_empty() {
        return Err(invalid("it has no IDPSSODescriptor: this is not the metadata of an identity provider"));
    }
    let descriptor = descriptors
        .iter()
        .find(|d| supports_saml2(d))
        .ok_or_else(|| invalid("its IDPSSODescriptor does not support the SAML 2.0 protocol"))?;

    let mut signing_certificates_der = Vec::new();
    for key in descriptor.key_descriptors.iter().filter(|k| is_signing_key(k)) {
        for cert in key.key_info.x509_data.iter().flat_map(|d| d.certificates.iter()) {
            let der = samael::crypto::decode_x509_cert(cert)
                .map_err(|_| invalid("a signing certificate is not valid base64"))?;
            openssl::x509::X509::from_der(der.der_data())
                .map_err(|_| invalid("a signing certificate is not a readable X.509 certificate"))?;
            let der = der.der_data().to_vec();
            if !signing_certificates_der.contains(&der) {
                signing_certificates_der.push(der);
            }
        }
    }
    if signing_certificates_der.is_empty() {
        return Err(SamlError::NoSigningCertificate);
    }

    let sso_url = descriptor
        .single_sign_on_services
        .iter()
        .find(|s| s.binding == BINDING_HTTP_REDIRECT)
        .map(|s| s.location.trim().to_string())
        .ok_or_else(|| invalid("it has no SingleSignOnService with the HTTP-Redirect binding"))?;
    http_url(&sso_url, "the HTTP-Redirect SingleSignOnService location").map_err(SamlError::InvalidMetadata)?;

    Ok(IdpSettings { entity_id, sso_url, signing_certificates_der })
}

fn supports_saml2(descriptor: &IdpSsoDescriptor) -> bool {
    descriptor.protocol_support_enumeration.as_deref().is_some_and(|p| p.split_whitespace().any(|p| p == NS_PROTOCOL))
}

/// Keys for signing: `use="signing"` or no `use` at all (then the key serves both purposes).
fn is_signing_key(key: &KeyDescriptor) -> bool {
    match key.key_use.as_deref().map(str::trim) {
        None | Some("") | Some("signing") => true,
        Some(_) => false,
    }
}

/// This SP's metadata: unsigned AuthnRequests, signed assertions wanted, one HTTP-POST ACS,
/// `emailAddress` then `persistent` NameID formats.
pub fn sp_metadata_xml(sp: &ServiceProvider) -> Result<String, SamlError> {
    sp.check()?;
    Ok(format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="{NS_METADATA}" entityID="{entity_id}">
  <md:SPSSODescriptor AuthnRequestsSigned="false" WantAssertionsSigned="true" protocolSupportEnumeration="{NS_PROTOCOL}">
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:AssertionConsumerService Binding="{BINDING_HTTP_POST}" Location="{acs_url}" index="0" isDefault="true"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
"#,
        entity_id = xml_escape(&sp.entity_id),
        acs_url = xml_escape(&sp.acs_url),
    ))
}
