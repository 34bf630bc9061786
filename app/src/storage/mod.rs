//! Where files live and what kinds of file are accepted. Files: one interface, two backends — local disk
//! (the embedded default) and any S3-protocol service. Bodies are streamed through, never held whole in
//! memory; both backends compute the file's size, SHA-256 and MD5 on the way and refuse a body past the
//! size limit without leaving anything behind. Keys are checked once, by `StorageKey`, so neither backend
//! ever sees a path it could escape with. Foundation code: it never imports a domain.

pub mod kinds;

#[cfg(feature = "ssr")]
mod key;
#[cfg(feature = "ssr")]
mod local;
#[cfg(feature = "ssr")]
mod objects;
#[cfg(feature = "ssr")]
mod s3;

#[cfg(feature = "ssr")]
pub use key::StorageKey;
#[cfg(feature = "ssr")]
pub use local::LocalDisk;
#[cfg(feature = "ssr")]
pub use objects::*;
#[cfg(feature = "ssr")]
pub use s3::{S3Settings, S3Store};
