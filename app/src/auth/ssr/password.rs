//! Argon2id password hashing, off the async runtime, with a dummy hash so that unknown users cost the same.

use crate::error::AppError;
use argon2::{
    Argon2,
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng},
};
use std::sync::OnceLock;

/// Hashes a new password (Argon2id, default parameters, random salt).
#[tracing::instrument(name = "password.hash", skip_all)]
pub async fn hash(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(|e| AppError::internal(&e, "password-hash"))?
}

fn hash_blocking(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| {
        tracing::error!(error = %e, "argon2 could not hash a password");
        AppError::Internal("password-hash".into())
    })
}

/// A hash of a random password with the same parameters as real ones: verifying against it takes as
/// long as a real check, so "no such user" cannot be told from "wrong password" by timing.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let random: String = SaltString::generate(&mut OsRng).as_str().to_string();
        hash_blocking(&random).unwrap_or_default()
    })
}

/// Checks `password` against `stored` (or against the dummy hash when there is no user or no password).
/// Always does the full work; returns true only for a real match.
#[tracing::instrument(name = "password.verify", skip_all)]
pub async fn verify(stored: Option<String>, password: String) -> bool {
    let result = tokio::task::spawn_blocking(move || {
        let real = stored.is_some();
        let phc = stored.unwrap_or_else(|| dummy_hash().to_string());
        let matched = PasswordHash::new(&phc)
            .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
            .unwrap_or(false);
        real && matched
    })
    .await;
    result.unwrap_or(false)
}

const COMMON: &[&str] = &["password", "123456", "qwerty", "letmein", "welcome", "changeme", "admin"];

/// The password policy: long enough, not too long, not built from the email, not a well-known one.
pub fn check_policy(password: &str, email: &str, min_length: usize) -> Result<(), AppError> {
    let chars = password.chars().count();
    if chars < min_length {
        return Err(AppError::Validation(format!(
            "The password needs at least {min_length} characters; it has {chars}. A short sentence works well."
        )));
    }
    if chars > 256 {
        return Err(AppError::Validation("The password can have at most 256 characters.".into()));
    }
    let lower = password.to_lowercase();
    let email = email.trim().to_lowercase();
    let local = email.split('@').next().unwrap_or_default();
    if (!email.is_empty() && lower.contains(&email)) || (local.len() >= 3 && lower.contains(local)) {
        return Err(AppError::Validation("The password must not contain your email address or its name part.".into()));
    }
    let first = lower.chars().next();
    if lower.chars().all(|c| Some(c) == first)
        || COMMON.iter().any(|c| lower.trim_end_matches(|c: char| c.is_ascii_digit() || c == '!') == *c)
    {
        return Err(AppError::Validation("That password is too easy to guess. Choose something less common.".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn verifies_only_the_right_password() {
        let stored = hash("correct horse battery".into()).await.expect("hash");
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify(Some(stored.clone()), "correct horse battery".into()).await);
        assert!(!verify(Some(stored), "correct horse battery!".into()).await);
        assert!(!verify(None, "anything at all".into()).await);
        assert!(!verify(Some("not a phc string".into()), "x".into()).await);
    }

    #[test]
    fn policy_explains_what_to_fix() {
        let err = |pw: &str| check_policy(pw, "dana.lee@acme.com", 12).err().map(|e| e.to_string());
        assert!(err("short").expect("too short").contains("at least 12"));
        assert!(err("dana.lee-is-my-password").expect("has email").contains("email"));
        assert!(err("aaaaaaaaaaaaaaa").expect("one char").contains("easy"));
        assert!(err("password123456").expect("common").contains("easy"));
        assert!(err(&"x".repeat(300)).expect("too long").contains("256"));
        assert_eq!(err("Three green ferries at dawn"), None);
    }
}
