//! The SQL of find anything: one statement, a few best hits of each kind, each kind's match served by its
//! trigram (or full-text) index, ranked by whether the text starts with the query, then by trigram
//! similarity (and full-text rank for a document's contents).

use super::{Hit, HitKind, PER_KIND};
use crate::{db::Tx, error::AppError};

/// Which kinds beyond pursuits and opportunities the caller may read.
pub struct Kinds {
    pub contacts: bool,
    pub documents: bool,
}

#[derive(sqlx::FromRow)]
struct Row {
    kind: String,
    id: uuid::Uuid,
    title: String,
    detail: Option<String>,
}

/// The one statement: $1 the query, $2 it anywhere and $3 at the start (LIKE patterns), $4 hits per kind,
/// $5 whether contacts and organizations may be read, $6 documents (also the pages benchmark's SQL).
pub const FIND_SQL: &str = "WITH hits AS ( \
           (SELECT 'pursuit' AS kind, p.id, p.project_name AS title, \
                   nullif(concat_ws(' \u{b7} ', p.solicitation_number, p.agency_name), '') AS detail, \
                   (lower(p.project_name) LIKE $3)::int + similarity(lower(p.project_name), $1) AS score \
              FROM opportunity_projects p \
             WHERE p.project_status <> 'archived' \
               AND (lower(p.project_name) LIKE $2 OR lower(p.solicitation_number) LIKE $2) \
             ORDER BY score DESC, p.project_name LIMIT $4) \
           UNION ALL \
           (SELECT 'opportunity', o.id, coalesce(d.title, d.solicitation_number, o.notice_id), \
                   nullif(concat_ws(' \u{b7} ', d.solicitation_number, \
                          CASE WHEN o.opportunity_project_id IS NOT NULL THEN 'pursued' ELSE 'in the inbox' END), ''), \
                   coalesce(lower(d.title) LIKE $3, false)::int + similarity(lower(coalesce(d.title, '')), $1) \
              FROM external_opportunity_data d \
              JOIN external_opportunities o ON o.tenant_id = d.tenant_id AND o.id = d.external_opportunity_id \
             WHERE d.is_current_version AND d.external_opportunity_id IS NOT NULL \
               AND (lower(d.title) LIKE $2 OR lower(d.solicitation_number) LIKE $2) \
             ORDER BY 5 DESC LIMIT $4) \
           UNION ALL \
           (SELECT 'organization', o.id, o.name, \
                   nullif(concat_ws(' \u{b7} ', replace(initcap(o.organization_type), '_', ' '), o.agency_path_code, o.sam_unique_id), ''), \
                   (lower(o.name) LIKE $3)::int + similarity(lower(o.name), $1) \
              FROM organizations o \
             WHERE $5 AND o.is_active \
               AND (lower(o.name) LIKE $2 OR upper(o.sam_unique_id) = upper($1) OR upper(o.cage_code) = upper($1) \
                    OR upper(o.agency_path_code) = upper($1)) \
             ORDER BY 5 DESC, o.name LIMIT $4) \
           UNION ALL \
           (SELECT 'contact', c.id, c.first_name || ' ' || c.last_name, \
                   nullif(concat_ws(' \u{b7} ', c.title, org.name, c.email), ''), \
                   (lower(c.first_name || ' ' || c.last_name) LIKE $3 OR lower(c.last_name) LIKE $3)::int \
                     + similarity(lower(c.first_name || ' ' || c.last_name), $1) \
              FROM contacts c LEFT JOIN organizations org ON org.tenant_id = c.tenant_id AND org.id = c.organization_id \
             WHERE $5 AND c.is_active \
               AND (lower(c.first_name || ' ' || c.last_name) LIKE $2 OR lower(c.email) LIKE $2) \
             ORDER BY 5 DESC, c.last_name LIMIT $4) \
           UNION ALL \
           (SELECT 'document', d.id, d.name, p.project_name, \
                   (lower(d.name) LIKE $3)::int + similarity(lower(d.name), $1) \
                     + ts_rank(d.search_vector, websearch_to_tsquery('english', $1)) \
              FROM documents d LEFT JOIN opportunity_projects p ON p.tenant_id = d.tenant_id AND p.id = d.opportunity_project_id \
             WHERE $6 AND NOT d.is_deleted AND d.is_current_version \
               AND (lower(d.name) LIKE $2 \
                    OR (d.is_searchable AND d.search_vector @@ websearch_to_tsquery('english', $1))) \
             ORDER BY 5 DESC, d.name LIMIT $4)) \
         SELECT kind, id, title, detail FROM hits ORDER BY score DESC, title LIMIT 20";

/// `q` is already normalised (lower case, single spaces, at least two characters).
pub async fn find(tx: &mut Tx, q: &str, kinds: Kinds) -> Result<Vec<Hit>, AppError> {
    let escaped = q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    let anywhere = format!("%{escaped}%");
    let prefix = format!("{escaped}%");
    let rows: Vec<Row> = sqlx::query_as(FIND_SQL)
        .bind(q)
        .bind(&anywhere)
        .bind(&prefix)
        .bind(PER_KIND)
        .bind(kinds.contacts)
        .bind(kinds.documents)
        .fetch_all(&mut **tx)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let kind: HitKind = r.kind.parse().ok()?;
            let href = match kind {
                HitKind::Pursuit => format!("/projects/{}", r.id),
                HitKind::Opportunity => format!("/opportunities/{}", r.id),
                HitKind::Organization => format!("/organizations/{}", r.id),
                HitKind::Contact => format!("/contacts/{}", r.id),
                HitKind::Document => format!("/documents/{}", r.id),
            };
            Some(Hit { kind, title: r.title, detail: r.detail, href })
        })
        .collect())
}
