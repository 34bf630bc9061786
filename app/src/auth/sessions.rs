//! Signed-in sessions and the second-factor policy, as the account and settings pages show them.

use crate::closed_set;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

closed_set! {
    /// Who must use a second factor at sign-in.
    pub enum MfaRequirement: "MFA requirement" {
        Off = "off",
        Admins = "admins",
        Everyone = "everyone",
    }
}

/// A signed-in session, as its owner or an admin sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct SessionSummary {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub last_activity_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub mfa_verified: bool,
    /// The session making this request.
    #[cfg_attr(feature = "ssr", sqlx(default))]
    pub current: bool,
}
