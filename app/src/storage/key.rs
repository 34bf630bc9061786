//! Storage keys: relative paths of safe segments only, so no key can climb out of the storage root or
//! bucket prefix, whatever a file was called.

use std::fmt;

/// A checked key: `/`-separated segments of ASCII letters, digits, `.`, `_` and `-`; no empty, `.` or `..`
/// segment, no leading `/`; at most 1,000 bytes (the `documents.storage_key` column).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StorageKey(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid storage key: {0}")]
pub struct InvalidKey(String);

impl StorageKey {
    pub const MAX_LEN: usize = 1000;

    pub fn parse(text: &str) -> Result<StorageKey, InvalidKey> {
        let valid = !text.is_empty()
            && text.len() <= Self::MAX_LEN
            && text.split('/').all(|segment| {
                !segment.is_empty()
                    && segment != "."
                    && segment != ".."
                    && segment.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
            });
        if valid { Ok(StorageKey(text.to_string())) } else { Err(InvalidKey(text.chars().take(120).collect())) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key's segments, for building a path under a root folder.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('/')
    }
}

impl fmt::Display for StorageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::StorageKey;

    #[test]
    fn organized_keys_are_accepted() {
        let key = "5b1c/opportunity_projects/9a2e/documents/internal/proposal/3f0d/v2/volume-1_technical.pdf";
        assert_eq!(StorageKey::parse(key).expect("valid").as_str(), key);
    }

    #[test]
    fn keys_that_could_escape_or_confuse_are_refused() {
        for bad in [
            "",
            "/etc/passwd",
            "a/../b",
            "a/./b",
            "a//b",
            "a/",
            "..",
            "a\\b",
            "a/b c",
            "caf\u{e9}",
            "a/\u{0}b",
            &"x".repeat(1001),
        ] {
            assert!(StorageKey::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
