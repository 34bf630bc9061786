//! The SAML verdict matrix: signed responses are built at test time from templates, with fresh RSA keys.

mod metadata;
mod real_idp;
mod request;
mod response;
mod support;
