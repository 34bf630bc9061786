//! Single sign-on through each tenant's SAML 2.0 identity provider.

#[cfg(feature = "ssr")]
pub mod saml;
