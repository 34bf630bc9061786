//! Merging duplicate contacts, server side. The kept record gains the duplicate's roles on pursuits (a role
//! both held on the same pursuit becomes one: the higher influence, a known stance, both notes), its linked
//! documents and its activities; fields the kept record leaves empty are filled from the duplicate's (what
//! someone typed on the kept record is never overwritten) and the duplicate's notes are added below. The
//! duplicate's own row stays, deactivated and pointing at the kept record, with its history; the merge is one
//! audit row and field-level history for both, in one transaction.

use crate::{error::AppError, ids::ContactId};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Someone who may be the same person, offered for merging on a contact's page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DuplicateCandidate {
    pub id: ContactId,
    pub name: String,
    pub title: Option<String>,
    pub organization: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Why they look alike ("the same e-mail", "the same name").
    pub reason: String,
    /// What merging would bring over.
    pub roles: i64,
    pub documents: i64,
    pub activities: i64,
}

/// A record that was merged into this one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergedRecord {
    pub id: ContactId,
    pub name: String,
    pub merged_at: DateTime<Utc>,
    pub merged_by: Option<String>,
}

/// Where a merged record went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergedInto {
    pub id: ContactId,
    pub name: String,
    pub merged_at: DateTime<Utc>,
}

/// What a merge did, for the confirmation and the audit row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeOutcome {
    /// Roles moved to the kept record as they were.
    pub roles_moved: i64,
    /// Roles both held on the same pursuit, now one.
    pub roles_combined: i64,
    pub documents_moved: i64,
    pub activities_moved: i64,
    /// The kept record's fields that were empty and now carry the duplicate's value.
    pub fields_filled: Vec<String>,
    /// The duplicate's notes were added below the kept record's.
    pub notes_added: bool,
}

impl MergeOutcome {
    /// "2 roles, 1 document and 3 activities moved; phone and title filled in."
    pub fn summary(&self) -> String {
        let count = |n: i64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut moved = vec![
            count(self.roles_moved + self.roles_combined, "role", "roles"),
            count(self.documents_moved, "document", "documents"),
        ];
        moved.push(count(self.activities_moved, "activity", "activities"));
        let last = moved.pop().unwrap_or_default();
        let mut text = format!("{} and {last} moved", moved.join(", "));
        if !self.fields_filled.is_empty() {
            let names: Vec<String> = self.fields_filled.iter().map(|f| f.replace('_', " ")).collect();
            text.push_str(&format!("; {} filled in", names.join(", ")));
        }
        if self.notes_added {
            text.push_str("; their notes added");
        }
        text.push('.');
        text
    }
}

/// Merges `duplicate` into `keep`: everything of the duplicate's moves to the kept record, which stays.
#[server(prefix = "/api", endpoint = "contacts/merge")]
pub async fn merge_contacts(keep: ContactId, duplicate: ContactId) -> Result<MergeOutcome, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        if keep == duplicate {
            return Err(AppError::Validation("A record cannot be merged into itself; choose the other record.".into()));
        }
        let (caller, mut tx) = Caller::start(Permission::ContactsWrite, Resource::Tenant).await?;
        let outcome = super::queries::merge::merge(&mut tx, &caller, keep, duplicate).await?;
        caller.commit(tx).await?;
        Ok(outcome)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_counts_what_moved() {
        let outcome = MergeOutcome {
            roles_moved: 1,
            roles_combined: 1,
            documents_moved: 1,
            activities_moved: 3,
            fields_filled: vec!["phone".into(), "linkedin_url".into()],
            notes_added: true,
        };
        assert_eq!(
            outcome.summary(),
            "2 roles, 1 document and 3 activities moved; phone, linkedin url filled in; their notes added."
        );
        assert_eq!(MergeOutcome::default().summary(), "0 roles, 0 documents and 0 activities moved.");
    }
}
