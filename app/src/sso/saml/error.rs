//! Why a SAML configuration or sign-in was refused. Messages are written for the tenant admin or the user
//! signing in; they never contain keys, assertion contents or samael's internal error text.

/// A refused SAML metadata document, request or response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SamlError {
    #[error(
        "The identity provider's metadata has no usable signing certificate, so its sign-ins cannot be \
         verified. Provide metadata with a KeyDescriptor (use=\"signing\") holding the IdP's X.509 certificate."
    )]
    NoSigningCertificate,

    #[error("The identity provider metadata was refused: {0}")]
    InvalidMetadata(String),

    #[error("The single sign-on settings are invalid: {0}")]
    Configuration(String),

    #[error("The sign-in response from the identity provider could not be read: {0}")]
    Malformed(String),

    #[error("The sign-in response is not signed by the identity provider; unsigned assertions are refused.")]
    Unsigned,

    #[error(
        "The sign-in response's signature does not match the identity provider's certificate: it was altered \
         or signed with another key. If the IdP changed its certificate, update its metadata."
    )]
    InvalidSignature,

    #[error(
        "The sign-in response is signed with a weak algorithm ({0}); configure the identity provider to sign \
         with RSA-SHA256 (or stronger) and SHA-256 digests."
    )]
    WeakAlgorithm(String),

    #[error(
        "The sign-in assertion has no audience restriction, so it is not bound to this application; it was \
         refused."
    )]
    AudienceMissing,

    #[error(
        "The sign-in assertion was issued for another application (audience). Check the service provider \
         entity ID registered at the identity provider."
    )]
    AudienceMismatch,

    #[error(
        "The sign-in response was addressed to another URL than this application's assertion consumer \
         service. Check the ACS URL registered at the identity provider."
    )]
    WrongDestination,

    #[error("The sign-in response was issued by another identity provider than the one configured here.")]
    WrongIssuer,

    #[error(
        "The sign-in response does not answer a sign-in started here (it may be stale or from another \
         browser); please sign in again."
    )]
    InResponseToMismatch,

    #[error(
        "The sign-in assertion is not valid yet; the clocks of the identity provider and of this server \
         disagree."
    )]
    NotYetValid,

    #[error("The sign-in assertion has expired; please sign in again.")]
    Expired,

    #[error(
        "The sign-in assertion was issued before this sign-in started, so it cannot be its answer; please sign in again."
    )]
    IssuedBeforeRequest,

    #[error("The identity provider did not sign you in (SAML status {0}).")]
    StatusNotSuccess(String),

    #[error("This sign-in assertion was already used; please sign in again.")]
    Replayed,
}
