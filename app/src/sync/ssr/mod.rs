//! The sync's server side: credentials sealed at rest, the adapters (one file per kind of source), the
//! outbound call with its log entry, and the SQL that keeps every opportunity and version.

pub mod adapter;
pub mod call;
pub mod changes;
pub mod credentials;
pub mod gwm_feed;
pub mod inbox;
pub mod queries;
pub mod sam;
pub mod sources;
pub mod views;

pub use adapter::{Adapter, FeedError, FeedPage, Lookup, PageRequest, adapter_for};
pub use credentials::Credentials;
