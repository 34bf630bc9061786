//! The SAML verdict matrix: signed responses are built at test time from templates, with fresh RSA keys.

mod metadata;
mod request;
mod response;
mod support;
