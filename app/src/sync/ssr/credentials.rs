//! A source's credentials: sealed with the server's AES-256-GCM key before they are stored, opened only to
//! make a call, never shown back (the last four characters of the secret are), never in Debug output.

use crate::{auth::ssr::mfa, error::AppError, sync::AuthKind};
use serde::{Deserialize, Serialize};

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Credentials {
    None,
    ApiKey { key: String },
    Basic { username: String, password: String },
    OAuth2 { token_url: String, client_id: String, client_secret: String, scope: Option<String> },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials::{}(<redacted>)", self.kind())
    }
}

impl Credentials {
    pub fn kind(&self) -> AuthKind {
        match self {
            Credentials::None => AuthKind::None,
            Credentials::ApiKey { .. } => AuthKind::ApiKey,
            Credentials::Basic { .. } => AuthKind::BasicAuth,
            Credentials::OAuth2 { .. } => AuthKind::OAuth2,
        }
    }

    /// The secret part: what must never be shown, logged or stored in plain text.
    pub fn secret(&self) -> Option<&str> {
        match self {
            Credentials::None => None,
            Credentials::ApiKey { key } => Some(key),
            Credentials::Basic { password, .. } => Some(password),
            Credentials::OAuth2 { client_secret, .. } => Some(client_secret),
        }
    }

    /// The last four characters of the secret, shown so an admin can tell which key is stored.
    pub fn hint(&self) -> Option<String> {
        let secret: Vec<char> = self.secret()?.chars().collect();
        (secret.len() >= 8).then(|| secret[secret.len() - 4..].iter().collect())
    }

    /// Checks the parts an admin typed: a secret of 8 to 500 characters, names and URLs within limits.
    pub fn validate(&self) -> Result<(), AppError> {
        let bad = |m: &str| Err(AppError::Validation(m.into()));
        if let Some(secret) = self.secret() {
            let n = secret.chars().count();
            if !(8..=500).contains(&n) || secret.trim() != secret {
                return bad("The secret must be 8 to 500 characters, without spaces at either end.");
            }
        }
        match self {
            Credentials::Basic { username, .. } if username.trim().is_empty() || username.chars().count() > 200 => {
                bad("The user name must be 1 to 200 characters.")
            }
            Credentials::OAuth2 { token_url, client_id, scope, .. } => {
                if reqwest::Url::parse(token_url).map(|u| !matches!(u.scheme(), "http" | "https")).unwrap_or(true)
                    || token_url.len() > 500
                {
                    return bad("The token URL must be an http(s) address of at most 500 characters.");
                }
                if client_id.trim().is_empty() || client_id.chars().count() > 200 {
                    return bad("The client ID must be 1 to 200 characters.");
                }
                if scope.as_ref().is_some_and(|s| s.chars().count() > 500) {
                    return bad("The scope must be at most 500 characters.");
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Sealed for the database (`None` for no credentials).
    pub fn seal(&self, key: &[u8; 32]) -> Result<Option<Vec<u8>>, AppError> {
        if matches!(self, Credentials::None) {
            return Ok(None);
        }
        let json = serde_json::to_vec(self).map_err(|_| AppError::Internal("source-credentials".into()))?;
        mfa::seal(key, &json).map(Some)
    }

    /// Opened from the database: a wrong key or altered bytes fail.
    pub fn open(key: &[u8; 32], sealed: Option<&[u8]>) -> Result<Credentials, AppError> {
        let Some(sealed) = sealed else { return Ok(Credentials::None) };
        let json = mfa::open(key, sealed)?;
        serde_json::from_slice(&json).map_err(|_| AppError::Internal("source-credentials".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_sealed_redacted_and_hinted() {
        let key = [7u8; 32];
        let c = Credentials::ApiKey { key: "sam-key-0123456789-WXYZ".into() };
        assert_eq!(format!("{c:?}"), "Credentials::api_key(<redacted>)");
        assert_eq!(c.hint().as_deref(), Some("WXYZ"));
        let sealed = c.seal(&key).unwrap().unwrap();
        assert!(!sealed.windows(4).any(|w| w == b"WXYZ"), "no plain text in the sealed bytes");
        assert_eq!(Credentials::open(&key, Some(&sealed)).unwrap(), c);
        assert!(Credentials::open(&[8u8; 32], Some(&sealed)).is_err(), "another key cannot open it");
        assert_eq!(Credentials::None.seal(&key).unwrap(), None);
        assert!(Credentials::ApiKey { key: "short".into() }.validate().is_err());
        assert!(Credentials::ApiKey { key: " padded-key ".into() }.validate().is_err());
        let oauth = Credentials::OAuth2 {
            token_url: "ftp://x".into(),
            client_id: "c".into(),
            client_secret: "s3cret-s3cret".into(),
            scope: None,
        };
        assert!(oauth.validate().is_err());
    }
}
