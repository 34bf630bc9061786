//! SQL of merging duplicate contacts and of finding them. A merge holds the per-tenant directory lock (as every
//! contact write does) and both rows' locks, so a save or a second merge of either waits for it.

use super::lock_directory;
use crate::{
    audit::{AuditAction, AuditEvent, ssr::record_field_changes},
    auth::ssr::Caller,
    contacts::merge::{DuplicateCandidate, MergeOutcome, MergedInto, MergedRecord},
    db::Tx,
    error::AppError,
    ids::ContactId,
};
use serde_json::{Value, json};

/// The fields a merge may fill on the kept record when it has none (what someone typed there stays).
const FILLABLE: &[&str] = &[
    "organization_id",
    "title",
    "email",
    "phone",
    "linkedin_url",
    "contact_type",
    "decision_maker_level",
    "security_clearance",
    "interaction_frequency",
    "relationship_strength",
];

/// Others who look like this person: the same e-mail, or the same first and last name (anywhere: a person
/// who changed offices is still one person). Active records only, never one already merged.
pub async fn candidates(tx: &mut Tx, id: ContactId) -> Result<Vec<DuplicateCandidate>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: ContactId,
        name: String,
        title: Option<String>,
        organization: Option<String>,
        email: Option<String>,
        phone: Option<String>,
        same_email: bool,
        roles: i64,
        documents: i64,
        activities: i64,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT d.id, d.first_name || ' ' || d.last_name AS name, d.title, o.name AS organization, d.email, d.phone, \
                d.email IS NOT NULL AND lower(d.email) = lower(me.email) AS same_email, \
                (SELECT count(*) FROM opportunity_project_contacts pc WHERE pc.contact_id = d.id) AS roles, \
                (SELECT count(*) FROM document_associations a WHERE a.entity_type = 'contact' AND a.entity_id = d.id) AS documents, \
                (SELECT count(*) FROM activities a WHERE a.entity_type = 'contact' AND a.entity_id = d.id) \
                  + (SELECT count(*) FROM activity_participants ap WHERE ap.contact_id = d.id) AS activities \
           FROM contacts me \
           JOIN contacts d ON d.tenant_id = me.tenant_id AND d.id <> me.id AND d.is_active AND d.merged_into_id IS NULL \
                AND ((me.email IS NOT NULL AND lower(d.email) = lower(me.email)) \
                     OR (lower(d.first_name) = lower(me.first_name) AND lower(d.last_name) = lower(me.last_name))) \
           LEFT JOIN organizations o ON o.tenant_id = d.tenant_id AND o.id = d.organization_id \
          WHERE me.id = $1 \
          ORDER BY 5 DESC, lower(d.last_name), d.id LIMIT 20",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| DuplicateCandidate {
            id: r.id,
            name: r.name,
            title: r.title,
            organization: r.organization,
            email: r.email,
            phone: r.phone,
            reason: if r.same_email { "the same e-mail" } else { "the same name" }.into(),
            roles: r.roles,
            documents: r.documents,
            activities: r.activities,
        })
        .collect())
}

/// Where this record was merged to, and the records merged into it.
pub async fn merges(tx: &mut Tx, id: ContactId) -> Result<(Option<MergedInto>, Vec<MergedRecord>), sqlx::Error> {
    let into: Option<(ContactId, String, chrono::DateTime<chrono::Utc>)> = sqlx::query_as(
        "SELECT k.id, k.first_name || ' ' || k.last_name, me.merged_at FROM contacts me \
           JOIN contacts k ON k.tenant_id = me.tenant_id AND k.id = me.merged_into_id WHERE me.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    let from: Vec<(ContactId, String, chrono::DateTime<chrono::Utc>, Option<String>)> = sqlx::query_as(
        "SELECT d.id, d.first_name || ' ' || d.last_name, d.merged_at, u.first_name || ' ' || u.last_name \
           FROM contacts d LEFT JOIN users u ON u.tenant_id = d.tenant_id AND u.id = d.merged_by \
          WHERE d.merged_into_id = $1 ORDER BY d.merged_at DESC LIMIT 100",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    Ok((
        into.map(|(id, name, merged_at)| MergedInto { id, name, merged_at }),
        from.into_iter()
            .map(|(id, name, merged_at, merged_by)| MergedRecord { id, name, merged_at, merged_by })
            .collect(),
    ))
}

/// One contact row as JSON (its stored values, named as its columns), locked.
async fn locked(tx: &mut Tx, id: ContactId) -> Result<Option<Value>, sqlx::Error> {
    sqlx::query_scalar("SELECT to_jsonb(c) FROM contacts c WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
}

fn name_of(row: &Value) -> String {
    let part = |k: &str| row.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    format!("{} {}", part("first_name"), part("last_name"))
}

fn is_blank(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        _ => false,
    }
}

/// Refuses what cannot be merged, in words.
fn check_mergeable(keep: &Value, duplicate: &Value) -> Result<(), AppError> {
    for (row, which) in [(keep, "The record to keep"), (duplicate, "The duplicate")] {
        if !is_blank(row.get("merged_into_id")) {
            return Err(AppError::Conflict(format!(
                "{which} ({}) was already merged into another record; open that record and merge there.",
                name_of(row)
            )));
        }
    }
    if keep.get("is_active") != Some(&Value::Bool(true)) {
        return Err(AppError::Conflict(format!(
            "{} is deactivated; restore them first, or keep the other record instead.",
            name_of(keep)
        )));
    }
    Ok(())
}

pub async fn merge(
    tx: &mut Tx,
    caller: &Caller,
    keep: ContactId,
    duplicate: ContactId,
) -> Result<MergeOutcome, AppError> {
    lock_directory(tx).await?;
    // Lock both in one order, whichever way round they were asked.
    let (first, second) = if keep.as_uuid() < duplicate.as_uuid() { (keep, duplicate) } else { (duplicate, keep) };
    let a = locked(tx, first).await?.ok_or_else(|| AppError::NotFound("Contact".into()))?;
    let b = locked(tx, second).await?.ok_or_else(|| AppError::NotFound("Contact".into()))?;
    let (kept, dup) = if first == keep { (a, b) } else { (b, a) };
    check_mergeable(&kept, &dup)?;
    let by = caller.user.id;
    let mut outcome = MergeOutcome::default();

    // Roles: one both held on the same pursuit becomes one; the rest move as they are.
    let combined: Vec<(uuid::Uuid, Value, uuid::Uuid, Value)> = sqlx::query_as(
        "WITH pairs AS ( \
             SELECT k.id AS kept, d.id AS dup, d.influence_level, d.stance, d.notes, \
                    jsonb_build_object('influence_level', k.influence_level, 'stance', k.stance, 'notes', k.notes) AS before, \
                    jsonb_build_object('contact_id', d.contact_id, 'relationship_type', d.relationship_type, \
                        'influence_level', d.influence_level, 'stance', d.stance, 'notes', d.notes) AS dup_row \
               FROM opportunity_project_contacts d \
               JOIN opportunity_project_contacts k ON k.opportunity_project_id = d.opportunity_project_id \
                    AND k.relationship_type IS NOT DISTINCT FROM d.relationship_type AND k.contact_id = $1 \
              WHERE d.contact_id = $2) \
         UPDATE opportunity_project_contacts k \
            SET influence_level = greatest(k.influence_level, p.influence_level), \
                stance = CASE WHEN k.stance = 'unknown' THEN p.stance ELSE k.stance END, \
                notes = CASE WHEN p.notes IS NULL OR p.notes = k.notes THEN k.notes WHEN k.notes IS NULL THEN p.notes \
                             ELSE left(k.notes || E'\\n' || p.notes, 2000) END, \
                updated_by = $3 \
           FROM pairs p WHERE k.id = p.kept \
         RETURNING k.id, p.before, p.dup, p.dup_row",
    )
    .bind(keep)
    .bind(duplicate)
    .bind(by)
    .fetch_all(&mut **tx)
    .await?;
    for (kept_role, before, dup_role, dup_row) in &combined {
        let after: Value = sqlx::query_scalar(
            "SELECT jsonb_build_object('influence_level', influence_level, 'stance', stance, 'notes', notes) \
               FROM opportunity_project_contacts WHERE id = $1",
        )
        .bind(kept_role)
        .fetch_one(&mut **tx)
        .await?;
        record_field_changes(tx, "opportunity_project_contact", *kept_role, by, before, &after).await?;
        sqlx::query("DELETE FROM opportunity_project_contacts WHERE id = $1").bind(dup_role).execute(&mut **tx).await?;
        record_field_changes(tx, "opportunity_project_contact", *dup_role, by, dup_row, &Value::Null).await?;
    }
    outcome.roles_combined = combined.len() as i64;
    let moved: Vec<uuid::Uuid> = sqlx::query_scalar(
        "UPDATE opportunity_project_contacts SET contact_id = $1, updated_by = $3 WHERE contact_id = $2 RETURNING id",
    )
    .bind(keep)
    .bind(duplicate)
    .bind(by)
    .fetch_all(&mut **tx)
    .await?;
    for role in &moved {
        record_field_changes(
            tx,
            "opportunity_project_contact",
            *role,
            by,
            &json!({ "contact_id": duplicate }),
            &json!({ "contact_id": keep }),
        )
        .await?;
    }
    outcome.roles_moved = moved.len() as i64;

    // Documents: a link the kept record already has is the same link.
    let same_links = sqlx::query(
        "DELETE FROM document_associations d WHERE d.entity_type = 'contact' AND d.entity_id = $2 AND EXISTS ( \
            SELECT 1 FROM document_associations k WHERE k.document_id = d.document_id AND k.entity_type = 'contact' \
               AND k.entity_id = $1 AND k.association_type IS NOT DISTINCT FROM d.association_type)",
    )
    .bind(keep)
    .bind(duplicate)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    let links =
        sqlx::query("UPDATE document_associations SET entity_id = $1 WHERE entity_type = 'contact' AND entity_id = $2")
            .bind(keep)
            .bind(duplicate)
            .execute(&mut **tx)
            .await?
            .rows_affected();
    outcome.documents_moved = (same_links + links) as i64;

    // Activities about them, and those they took part in (once each).
    let about = sqlx::query("UPDATE activities SET entity_id = $1 WHERE entity_type = 'contact' AND entity_id = $2")
        .bind(keep)
        .bind(duplicate)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    let twice = sqlx::query(
        "DELETE FROM activity_participants d WHERE d.contact_id = $2 AND EXISTS ( \
            SELECT 1 FROM activity_participants k WHERE k.activity_id = d.activity_id AND k.contact_id = $1)",
    )
    .bind(keep)
    .bind(duplicate)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    let took_part = sqlx::query("UPDATE activity_participants SET contact_id = $1 WHERE contact_id = $2")
        .bind(keep)
        .bind(duplicate)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    outcome.activities_moved = (about + twice + took_part) as i64;

    // The kept record: empty fields filled, the later last contact, both notes, every tag.
    let mut before = serde_json::Map::new();
    let mut after = serde_json::Map::new();
    for field in FILLABLE {
        if is_blank(kept.get(*field)) && !is_blank(dup.get(*field)) {
            before.insert(field.to_string(), Value::Null);
            after.insert(field.to_string(), dup[*field].clone());
            outcome.fields_filled.push(field.to_string());
        }
    }
    let (kept_date, dup_date) = (kept.get("last_contact_date"), dup.get("last_contact_date"));
    if !is_blank(dup_date)
        && (is_blank(kept_date) || dup_date.and_then(Value::as_str) > kept_date.and_then(Value::as_str))
    {
        before.insert("last_contact_date".into(), kept_date.cloned().unwrap_or(Value::Null));
        after.insert("last_contact_date".into(), dup_date.cloned().unwrap_or(Value::Null));
    }
    let (kept_notes, dup_notes) = (kept.get("notes").and_then(Value::as_str), dup.get("notes").and_then(Value::as_str));
    if let Some(theirs) = dup_notes.map(str::trim).filter(|n| !n.is_empty() && Some(*n) != kept_notes.map(str::trim)) {
        let heading = format!("From the merged record of {}:", name_of(&dup));
        let notes = match kept_notes.map(str::trim).filter(|n| !n.is_empty()) {
            Some(ours) => format!("{ours}\n\n{heading}\n{theirs}"),
            None => format!("{heading}\n{theirs}"),
        };
        before.insert("notes".into(), kept_notes.map_or(Value::Null, |n| Value::String(n.into())));
        after.insert("notes".into(), Value::String(notes));
        outcome.notes_added = true;
    }
    let mut tags: Vec<Value> = kept.get("tags").and_then(Value::as_array).cloned().unwrap_or_default();
    let old_tags = tags.clone();
    for tag in dup.get("tags").and_then(Value::as_array).into_iter().flatten() {
        if !tags.contains(tag) {
            tags.push(tag.clone());
        }
    }
    if tags != old_tags {
        before.insert("tags".into(), Value::Array(old_tags));
        after.insert("tags".into(), Value::Array(tags));
    }
    let (before, after) = (Value::Object(before), Value::Object(after));
    if after.as_object().is_some_and(|a| !a.is_empty()) {
        // Each column takes the merged value when it is named in `after`, its own otherwise.
        sqlx::query(
            "UPDATE contacts c SET \
                organization_id = coalesce((a->>'organization_id')::uuid, c.organization_id), \
                title = coalesce(a->>'title', c.title), email = coalesce(a->>'email', c.email), \
                phone = coalesce(a->>'phone', c.phone), linkedin_url = coalesce(a->>'linkedin_url', c.linkedin_url), \
                contact_type = coalesce(a->>'contact_type', c.contact_type), \
                decision_maker_level = coalesce((a->>'decision_maker_level')::int, c.decision_maker_level), \
                security_clearance = coalesce(a->>'security_clearance', c.security_clearance), \
                interaction_frequency = coalesce(a->>'interaction_frequency', c.interaction_frequency), \
                relationship_strength = coalesce((a->>'relationship_strength')::int, c.relationship_strength), \
                last_contact_date = coalesce((a->>'last_contact_date')::date, c.last_contact_date), \
                notes = coalesce(a->>'notes', c.notes), tags = coalesce(a->'tags', c.tags), updated_by = $3 \
             FROM (SELECT $2::jsonb AS a) m WHERE c.id = $1",
        )
        .bind(keep)
        .bind(&after)
        .bind(by)
        .execute(&mut **tx)
        .await?;
        record_field_changes(tx, "contact", keep.as_uuid(), by, &before, &after).await?;
    }

    // The duplicate stays, deactivated, pointing here.
    sqlx::query(
        "UPDATE contacts SET is_active = false, merged_into_id = $1, merged_at = now(), merged_by = $3, updated_by = $3 \
          WHERE id = $2",
    )
    .bind(keep)
    .bind(duplicate)
    .bind(by)
    .execute(&mut **tx)
    .await?;
    record_field_changes(
        tx,
        "contact",
        duplicate.as_uuid(),
        by,
        &json!({ "is_active": dup.get("is_active"), "merged_into_id": null }),
        &json!({ "is_active": false, "merged_into_id": keep }),
    )
    .await?;
    let event = AuditEvent::new(
        AuditAction::Merge,
        "contact",
        Some(keep.as_uuid()),
        format!(
            "Merged \u{201c}{}\u{201d} into \u{201c}{}\u{201d}: {}",
            name_of(&dup),
            name_of(&kept),
            outcome.summary()
        ),
    )
    .before(json!({ "kept": kept, "duplicate": dup }))
    .after(json!({ "kept": keep, "duplicate": duplicate, "filled": after, "outcome": outcome }));
    caller.audit(tx, event).await?;
    Ok(outcome)
}
