//! The contacts list's current filter as CSV (server only), streamed: rows go from the database to the
//! download as PostgreSQL sends them, 64 KB at a time, so 50,000 people cost no more memory than 50. UTF-8
//! with a byte-order mark (Excel), formulas defused, audited (with the filter and the count) before the first
//! byte leaves.

use super::{
    ContactType,
    people::ContactFilter,
    queries::{self, ContactExportRow},
};
use crate::{
    audit::{AuditAction, AuditEvent, RiskLevel},
    auth::{
        Permission,
        ssr::{Caller, Resource},
    },
    error::AppError,
    format::{UTF8_BOM, defuse_formula},
};
use bytes::Bytes;
use futures::{Stream, TryStreamExt};

const HEADER: [&str; 15] = [
    "First name",
    "Last name",
    "Title",
    "Organization",
    "E-mail",
    "Phone",
    "Kind",
    "Clearance",
    "Relationship (1-5)",
    "In touch",
    "Last contacted",
    "LinkedIn",
    "Tags",
    "Active",
    "Link id",
];

/// Bytes gathered before a chunk is sent.
const CHUNK: usize = 64 * 1024;

fn record(r: &ContactExportRow) -> [String; 15] {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    [
        r.first_name.clone(),
        r.last_name.clone(),
        text(&r.title),
        text(&r.organization),
        text(&r.email),
        text(&r.phone),
        r.contact_type
            .as_deref()
            .and_then(|k| k.parse::<ContactType>().ok())
            .map(|k| k.label().to_string())
            .unwrap_or_default(),
        r.security_clearance
            .as_deref()
            .and_then(|c| c.parse::<super::Clearance>().ok())
            .map(|c| c.label().to_string())
            .unwrap_or_default(),
        r.relationship_strength.map(|s| s.to_string()).unwrap_or_default(),
        r.interaction_frequency
            .as_deref()
            .and_then(|f| f.parse::<super::InteractionFrequency>().ok())
            .map(|f| f.label().to_string())
            .unwrap_or_default(),
        r.last_contact_date.map(|d| d.to_string()).unwrap_or_default(),
        text(&r.linkedin_url),
        r.tags().join(", "),
        if r.is_active { "yes" } else { "no" }.to_string(),
        r.id.to_string(),
    ]
}

/// Why a stream stopped early: the person went away (nothing to tell), or the database failed.
enum Stopped {
    Gone,
    Failed(String),
}

/// Checks, audits, then streams the filter's people as CSV.
pub async fn contacts_csv(
    caller: Caller,
    filter: ContactFilter,
) -> Result<impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static, AppError> {
    filter.check()?;
    let (mut tx, _) = caller.enter(Permission::ContactsRead, Resource::Tenant).await?;
    let count = queries::count_contacts(&mut tx, &filter).await?;
    let mut event = AuditEvent::new(AuditAction::Export, "contact", None, format!("Exported {count} contacts as CSV"))
        .after(serde_json::json!({ "view": filter.query(), "rows": count }))
        .risk(RiskLevel::Medium);
    event.permission_used = Some(Permission::ContactsRead.as_str());
    caller.audit(&mut tx, event).await?;
    caller.commit(tx).await?;

    let (mut tx, _) = caller.enter(Permission::ContactsRead, Resource::Tenant).await?;
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::spawn(async move {
        let sql = queries::export_contacts_sql(&filter);
        let send = |chunk: Vec<u8>| {
            let sender = sender.clone();
            async move { sender.send(Ok(Bytes::from(chunk))).await.map_err(|_| Stopped::Gone) }
        };
        let written: Result<(), Stopped> = async {
            let failed = |e: &dyn std::fmt::Display| Stopped::Failed(e.to_string());
            let writer =
                |start: Vec<u8>| csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(start);
            // A finished chunk's bytes (a new writer takes the next ones).
            let take = |out: csv::Writer<Vec<u8>>| out.into_inner().map_err(|e| Stopped::Failed(e.error().to_string()));
            let mut out = writer(Vec::from(UTF8_BOM.as_bytes()));
            out.write_record(HEADER).map_err(|e| failed(&e))?;
            let mut rows = queries::export_contacts(&mut tx, &sql, &filter);
            while let Some(row) = rows.try_next().await.map_err(|e| failed(&e))? {
                out.write_record(record(&row).iter().map(|c| defuse_formula(c).into_owned()))
                    .map_err(|e| failed(&e))?;
                if out.get_ref().len() >= CHUNK {
                    send(take(out)?).await?;
                    out = writer(Vec::with_capacity(CHUNK + 8192));
                }
            }
            drop(rows);
            send(take(out)?).await
        }
        .await;
        if let Err(Stopped::Failed(reason)) = written {
            tracing::error!(%reason, "contacts export stopped");
            let _ = sender.send(Err(std::io::Error::other("the export stopped; try again"))).await;
        }
        // Read-only: nothing to keep.
        let _ = tx.rollback().await;
    });
    Ok(futures::stream::unfold(
        receiver,
        |mut receiver| async move { receiver.recv().await.map(|chunk| (chunk, receiver)) },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_names_kinds_in_words() {
        let row = ContactExportRow {
            id: crate::ids::ContactId::from_uuid(uuid::Uuid::nil()),
            first_name: "Dana".into(),
            last_name: "Okafor".into(),
            title: Some("=cmd|' /C calc'!A0".into()),
            organization: None,
            email: None,
            phone: None,
            contact_type: Some("contracting_officer".into()),
            security_clearance: Some("ts_sci".into()),
            relationship_strength: Some(4),
            interaction_frequency: None,
            last_contact_date: None,
            linkedin_url: None,
            tags: serde_json::json!(["navy", "cloud"]),
            is_active: true,
        };
        let line = record(&row);
        assert_eq!(
            (line[6].as_str(), line[7].as_str(), line[12].as_str()),
            ("Contracting officer", "TS/SCI", "navy, cloud")
        );
        assert_eq!(defuse_formula(&line[2]), "'=cmd|' /C calc'!A0");
    }
}
