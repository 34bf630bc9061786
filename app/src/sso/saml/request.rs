//! SP-initiated sign-in: an unsigned `AuthnRequest` sent with the HTTP-Redirect binding.

use std::io::Write as _;

use base64::Engine as _;
use chrono::{DateTime, SecondsFormat, Utc};
use flate2::{Compression, write::DeflateEncoder};

use super::{
    BINDING_HTTP_POST, IdpSettings, NS_ASSERTION, NS_PROTOCOL, SamlError, ServiceProvider, http_url, xml_escape,
};

/// The SAML bindings specification caps `RelayState` at 80 bytes.
const MAX_RELAY_STATE_BYTES: usize = 80;

/// A sign-in to send the browser off to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthnRequestStart {
    /// The request `ID`: keep it (keyed by the relay state) and pass it to `validate_response`.
    pub request_id: String,
    /// The IdP's SSO URL with `SAMLRequest` (deflate + base64) and `RelayState` query parameters.
    pub redirect_url: String,
}

/// Builds the redirect that starts a sign-in at `idp`. `relay_state` (at most 80 bytes, may be empty)
/// comes back unchanged with the response.
pub fn start_authn_request(
    idp: &IdpSettings,
    sp: &ServiceProvider,
    relay_state: &str,
    now: DateTime<Utc>,
) -> Result<AuthnRequestStart, SamlError> {
    sp.check()?;
    let mut url = http_url(&idp.sso_url, "the identity provider's SSO URL").map_err(SamlError::Configuration)?;
    if relay_state.len() > MAX_RELAY_STATE_BYTES {
        return Err(SamlError::Configuration("the relay state is longer than 80 bytes".into()));
    }
    // 122 random bits (UUID v4); an XML ID (NCName) must not start with a digit.
    let request_id = format!("_{}", uuid::Uuid::new_v4().simple());
    let xml = format!(
        r#"<samlp:AuthnRequest xmlns:samlp="{NS_PROTOCOL}" xmlns:saml="{NS_ASSERTION}" ID="{request_id}" Version="2.0" IssueInstant="{instant}" Destination="{destination}" ProtocolBinding="{BINDING_HTTP_POST}" AssertionConsumerServiceURL="{acs}"><saml:Issuer>{issuer}</saml:Issuer><samlp:NameIDPolicy AllowCreate="true"/></samlp:AuthnRequest>"#,
        instant = now.to_rfc3339_opts(SecondsFormat::Secs, true),
        destination = xml_escape(&idp.sso_url),
        acs = xml_escape(&sp.acs_url),
        issuer = xml_escape(&sp.entity_id),
    );
    let mut deflater = DeflateEncoder::new(Vec::new(), Compression::default());
    let compressed = deflater
        .write_all(xml.as_bytes())
        .and_then(|()| deflater.finish())
        .map_err(|_| SamlError::Configuration("the sign-in request could not be compressed".into()))?;
    let encoded = base64::engine::general_purpose::STANDARD.encode(compressed);
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("SAMLRequest", &encoded);
        if !relay_state.is_empty() {
            query.append_pair("RelayState", relay_state);
        }
    }
    Ok(AuthnRequestStart { request_id, redirect_url: url.into() })
}
