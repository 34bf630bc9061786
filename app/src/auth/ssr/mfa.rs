//! TOTP (RFC 6238) second factor: secrets sealed with AES-256-GCM, codes checked with one step of clock
//! drift and never accepted twice, and one-time recovery codes kept only as hashes.

use crate::error::AppError;
use aes_gcm::{
    AeadCore, Aes256Gcm, Key, Nonce,
    aead::{Aead, KeyInit, OsRng},
};
use rand::Rng;
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Secret, TOTP};

const NONCE_LEN: usize = 12;
pub const STEP_SECONDS: u64 = 30;
pub const RECOVERY_CODE_COUNT: usize = 10;

/// Encrypts a secret: nonce || ciphertext.
pub fn seal(key: &[u8; 32], plaintext: &[u8]) -> Result<Vec<u8>, AppError> {
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key));
    let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    let mut sealed = nonce.to_vec();
    sealed.extend(cipher.encrypt(&nonce, plaintext).map_err(|_| AppError::Internal("mfa-seal".into()))?);
    Ok(sealed)
}

/// Decrypts what `seal` produced; a wrong key or altered bytes fail.
pub fn open(key: &[u8; 32], sealed: &[u8]) -> Result<Vec<u8>, AppError> {
    if sealed.len() <= NONCE_LEN {
        return Err(AppError::Internal("mfa-open".into()));
    }
    let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key));
    cipher.decrypt(Nonce::from_slice(nonce), ciphertext).map_err(|_| {
        tracing::error!("an MFA secret did not decrypt: wrong GWM_SECRET_KEY or altered data");
        AppError::Internal("mfa-open".into())
    })
}

/// A new 160-bit TOTP secret (the size RFC 4226 recommends).
pub fn new_secret() -> Vec<u8> {
    let mut secret = vec![0u8; 20];
    rand::thread_rng().fill(secret.as_mut_slice());
    secret
}

/// The secret as the base32 text people type into an authenticator app.
pub fn secret_base32(secret: &[u8]) -> String {
    Secret::Raw(secret.to_vec()).to_encoded().to_string()
}

/// Reads a base32 secret as shown to the user (spaces allowed).
pub fn secret_from_base32(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    Secret::Encoded(compact).to_bytes().ok()
}

/// The otpauth:// URI an authenticator app scans.
pub fn provisioning_uri(secret: &[u8], issuer: &str, account: &str) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits=6&period={STEP_SECONDS}",
        enc(issuer),
        enc(account),
        secret_base32(secret),
        enc(issuer)
    )
}

/// The QR code of `uri` as an inline SVG (no image download, no external service).
pub fn qr_svg(uri: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::new(uri.as_bytes()).map_err(|_| AppError::Internal("mfa-qr".into()))?;
    Ok(code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .dark_color(qrcode::render::svg::Color("#111827"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build())
}

fn totp(secret: &[u8]) -> Result<TOTP, AppError> {
    TOTP::new(Algorithm::SHA1, 6, 1, STEP_SECONDS, secret.to_vec()).map_err(|_| AppError::Internal("mfa-totp".into()))
}

/// The time step `code` is valid for at `unix_time` (allowing one step of drift either way), if any.
pub fn matching_step(secret: &[u8], code: &str, unix_time: u64) -> Result<Option<i64>, AppError> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Ok(None);
    }
    let totp = totp(secret)?;
    let step = unix_time / STEP_SECONDS;
    for candidate in [step.saturating_sub(1), step, step + 1] {
        if totp.generate(candidate * STEP_SECONDS) == code {
            return Ok(i64::try_from(candidate).ok());
        }
    }
    Ok(None)
}

/// The code for `unix_time` (tests and the demo use it).
pub fn code_at(secret: &[u8], unix_time: u64) -> Result<String, AppError> {
    Ok(totp(secret)?.generate(unix_time))
}

/// Ten recovery codes like `k7q4-m2xd-9wpe`, shown once.
pub fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::thread_rng();
    (0..RECOVERY_CODE_COUNT)
        .map(|_| {
            let chars: Vec<char> = (0..12).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect();
            chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
        })
        .collect()
}

/// The stored form of a recovery code: SHA-256 of its normalized text (60 bits of randomness each, used once).
pub fn recovery_code_hash(code: &str) -> String {
    let normalized: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_lowercase();
    hex::encode(Sha256::digest(normalized.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_test_vectors() {
        // RFC 6238 appendix B, SHA-1 seed "12345678901234567890", 6 digits (last 6 of the 8-digit values).
        let secret = b"12345678901234567890";
        assert_eq!(code_at(secret, 59).expect("code"), "287082");
        assert_eq!(code_at(secret, 1111111109).expect("code"), "081804");
        assert_eq!(code_at(secret, 1234567890).expect("code"), "005924");
        assert_eq!(code_at(secret, 2000000000).expect("code"), "279037");
    }

    #[test]
    fn accepts_one_step_of_drift_and_nothing_else() {
        let secret = new_secret();
        let now = 1_800_000_000;
        let code = code_at(&secret, now).expect("code");
        assert_eq!(matching_step(&secret, &code, now).expect("ok"), Some((now / 30) as i64));
        assert!(matching_step(&secret, &code, now + 30).expect("ok").is_some());
        assert_eq!(matching_step(&secret, &code, now + 90).expect("ok"), None);
        assert_eq!(matching_step(&secret, "12345", now).expect("ok"), None);
        assert_eq!(matching_step(&secret, "abcdef", now).expect("ok"), None);
    }

    #[test]
    fn sealed_secrets_open_only_with_their_key() {
        let key = [7u8; 32];
        let sealed = seal(&key, b"secret").expect("seal");
        assert_ne!(&sealed[NONCE_LEN..], b"secret");
        assert_eq!(open(&key, &sealed).expect("open"), b"secret");
        assert!(open(&[8u8; 32], &sealed).is_err());
        let mut tampered = sealed.clone();
        tampered[NONCE_LEN] ^= 1;
        assert!(open(&key, &tampered).is_err());
    }

    #[test]
    fn recovery_codes_are_distinct_and_hash_forgivingly() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODE_COUNT);
        assert_eq!(codes.iter().collect::<std::collections::HashSet<_>>().len(), RECOVERY_CODE_COUNT);
        assert_eq!(recovery_code_hash(&codes[0]), recovery_code_hash(&codes[0].to_uppercase().replace('-', " ")));
    }

    #[test]
    fn shown_secrets_read_back() {
        let secret = new_secret();
        let shown = secret_base32(&secret);
        assert_eq!(secret_from_base32(&shown.to_lowercase()), Some(secret));
        assert_eq!(secret_from_base32("not base32 !"), None);
    }

    #[test]
    fn provisioning_uri_and_qr() {
        let uri = provisioning_uri(b"12345678901234567890", "GWM CRM (Acme)", "dana@acme.com");
        assert!(uri.starts_with(
            "otpauth://totp/GWM%20CRM%20%28Acme%29:dana@acme.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        ));
        assert!(qr_svg(&uri).expect("svg").contains("<svg"));
    }
}
