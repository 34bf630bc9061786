//! Typed identifiers: a project id can't be passed where a user id is expected.

use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};
use uuid::Uuid;

/// An identifier that failed to parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{value}\" is not a valid {kind} id")]
pub struct InvalidId {
    pub kind: &'static str,
    pub value: String,
}

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident, $kind:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[cfg_attr(feature = "ssr", derive(sqlx::Type))]
        #[cfg_attr(feature = "ssr", sqlx(transparent))]
        #[serde(transparent)]
        pub struct $name(Uuid);

        /// Read as text through `FromStr`, so a server function's malformed id argument is refused with
        /// "\"…\" is not a valid user id" rather than the UUID parser's wording.
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                raw.parse().map_err(serde::de::Error::custom)
            }
        }

        impl $name {
            pub const fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }

            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }

            /// A fresh random id, for rows the server creates.
            pub fn new_random() -> Self {
                Self(Uuid::new_v4())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;

            fn from_str(raw: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(raw.trim())
                    .map(Self)
                    .map_err(|_| InvalidId { kind: $kind, value: raw.to_string() })
            }
        }
    };
}

id_type!(/// A tenant (customer organization).
    TenantId, "tenant");
id_type!(/// A user of one tenant.
    UserId, "user");
id_type!(/// An opportunity project (a pursuit).
    ProjectId, "project");
id_type!(/// A CSV import (an import_jobs row).
    ImportId, "import");
id_type!(/// An organization (agency, prime, partner ...).
    OrganizationId, "organization");
id_type!(/// A contact person.
    ContactId, "contact");
id_type!(/// A person's role on one pursuit (an opportunity_project_contacts row).
    PursuitContactId, "pursuit contact");
id_type!(/// An organization's place on one pursuit's team or against it (an opportunity_project_organizations row).
    PursuitOrganizationId, "pursuit organization");
id_type!(/// A role (system or custom) of one tenant.
    RoleId, "role");
id_type!(/// An external data source (SAM.gov, a GWM feed …) of one tenant.
    SourceId, "source");
id_type!(/// An opportunity a source returned, pursued or not.
    OpportunityId, "opportunity");
id_type!(/// A change between two versions of a synced opportunity.
    ChangeId, "change");
id_type!(/// An in-app notification for one person.
    NotificationId, "notification");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_the_same_uuid() {
        let raw = "6f1c2b8e-6a55-4f7e-9d7a-0c5b7a8e9f10";
        let id: ProjectId = raw.parse().expect("valid uuid");
        assert_eq!(id.to_string(), raw);
    }

    #[test]
    fn rejects_garbage_with_the_kind_in_the_message() {
        let err = "not-a-uuid".parse::<UserId>().expect_err("must be refused");
        assert_eq!(err.to_string(), "\"not-a-uuid\" is not a valid user id");
    }

    #[test]
    fn trims_surrounding_whitespace() {
        let id: TenantId = " 6f1c2b8e-6a55-4f7e-9d7a-0c5b7a8e9f10 ".parse().expect("valid uuid");
        assert_eq!(id.to_string(), "6f1c2b8e-6a55-4f7e-9d7a-0c5b7a8e9f10");
    }

    #[test]
    fn serializes_as_a_bare_string() {
        let id: ContactId = "6f1c2b8e-6a55-4f7e-9d7a-0c5b7a8e9f10".parse().expect("valid uuid");
        assert_eq!(serde_json::to_string(&id).expect("json"), "\"6f1c2b8e-6a55-4f7e-9d7a-0c5b7a8e9f10\"");
        assert_eq!(serde_json::from_str::<ContactId>("\"6f1c2b8e-6a55-4f7e-9d7a-0c5b7a8e9f10\"").expect("json"), id);
        let err = serde_json::from_str::<ProjectId>("\"12\"").expect_err("must be refused").to_string();
        assert!(err.contains("\"12\" is not a valid project id"), "{err}");
    }
}
