//! Server side of SSO: settings storage, SP-initiated sign-in and the assertion consumer service.

pub mod acs;
pub mod settings;

use super::saml::ServiceProvider;
use crate::request::RequestContext;

/// This application as a SAML service provider at the request's address (each tenant has its own).
pub fn service_provider(request: &RequestContext, https: bool) -> ServiceProvider {
    let base = format!("{}://{}", if https { "https" } else { "http" }, request.host);
    ServiceProvider { entity_id: format!("{base}/saml/metadata"), acs_url: format!("{base}/saml/acs") }
}
