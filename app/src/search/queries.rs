//! The SQL of find anything: one statement, a few best hits of each kind, found by their words (an index
//! under RLS, `search_words`), ranked by whether the name starts with the query, then by trigram similarity
//! (and full-text rank for a document's contents).

use super::{Hit, HitKind, PER_KIND};
use crate::{
    db::Tx,
    error::AppError,
    search_words::{EVERY_WORD, query_words_cte, word_hits},
};
use std::sync::LazyLock;

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

/// The one statement: $1 the query, $2 it at the start of a name (a LIKE pattern, for ranking), $3 hits per
/// kind, $4 whether contacts and organizations may be read, $5 documents (also the pages benchmark's SQL).
/// Pursuits, inbox opportunities, organizations and contacts are found through their words (each word of the
/// query begins one of theirs: `search_words`, index range scans under RLS) and ranked among themselves;
/// documents by name or, when their text was extracted, full text.
pub static FIND_SQL: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH {q}, \
         found (kind, id) AS ( \
            SELECT kind, id FROM ( \
                   SELECT 'pursuit' AS kind, h.* FROM ({pursuits}) h \
                   UNION ALL SELECT 'opportunity', h.* FROM ({opportunities}) h \
                   UNION ALL SELECT 'organization', h.* FROM ({organizations}) h WHERE $4 \
                   UNION ALL SELECT 'contact', h.* FROM ({contacts}) h WHERE $4) w \
             GROUP BY kind, id {EVERY_WORD}), \
         hits AS ( \
           (SELECT 'pursuit' AS kind, p.id, p.project_name AS title, \
                   nullif(concat_ws(' · ', p.solicitation_number, p.agency_name), '') AS detail, \
                   (lower(p.project_name) LIKE $2)::int + similarity(lower(p.project_name), $1) AS score \
              FROM found f JOIN opportunity_projects p ON p.id = f.id \
             WHERE f.kind = 'pursuit' AND p.project_status <> 'archived' \
             ORDER BY score DESC, p.project_name LIMIT $3) \
           UNION ALL \
           (SELECT 'opportunity', o.id, coalesce(d.title, d.solicitation_number, o.notice_id), \
                   nullif(concat_ws(' · ', d.solicitation_number, \
                          CASE WHEN o.opportunity_project_id IS NOT NULL THEN 'pursued' ELSE 'in the inbox' END), ''), \
                   coalesce(lower(d.title) LIKE $2, false)::int + similarity(lower(coalesce(d.title, '')), $1) \
              FROM found f \
              JOIN external_opportunity_data d ON d.id = f.id \
              JOIN external_opportunities o ON o.tenant_id = d.tenant_id AND o.id = d.external_opportunity_id \
             WHERE f.kind = 'opportunity' \
             ORDER BY 5 DESC LIMIT $3) \
           UNION ALL \
           (SELECT 'organization', o.id, o.name, \
                   nullif(concat_ws(' · ', replace(initcap(o.organization_type), '_', ' '), o.agency_path_code, o.sam_unique_id), ''), \
                   (lower(o.name) LIKE $2)::int + similarity(lower(o.name), $1) \
              FROM found f JOIN organizations o ON o.id = f.id \
             WHERE f.kind = 'organization' AND o.is_active \
             ORDER BY 5 DESC, o.name LIMIT $3) \
           UNION ALL \
           (SELECT 'contact', c.id, c.first_name || ' ' || c.last_name, \
                   nullif(concat_ws(' · ', c.title, org.name, c.email), ''), \
                   (c.name_key LIKE $2 OR lower(c.last_name) LIKE $2)::int + similarity(c.name_key, $1) \
              FROM found f JOIN contacts c ON c.id = f.id \
              LEFT JOIN organizations org ON org.tenant_id = c.tenant_id AND org.id = c.organization_id \
             WHERE f.kind = 'contact' AND c.is_active \
             ORDER BY 5 DESC, c.last_name LIMIT $3) \
           UNION ALL \
           (SELECT 'document', d.id, d.name, p.project_name, \
                   (lower(d.name) LIKE $2)::int + similarity(lower(d.name), $1) \
                     + ts_rank(d.search_vector, websearch_to_tsquery('english', $1)) \
              FROM documents d LEFT JOIN opportunity_projects p ON p.tenant_id = d.tenant_id AND p.id = d.opportunity_project_id \
             WHERE $5 AND NOT d.is_deleted AND d.is_current_version \
               AND (lower(d.name) LIKE '%' || $2 \
                    OR (d.is_searchable AND d.search_vector @@ websearch_to_tsquery('english', $1))) \
             ORDER BY 5 DESC, d.name LIMIT $3)) \
         SELECT kind, id, title, detail FROM hits ORDER BY score DESC, title LIMIT 20",
        q = query_words_cte("$1"),
        pursuits = word_hits("pursuit"),
        opportunities = word_hits("opportunity"),
        organizations = word_hits("organization"),
        contacts = word_hits("contact"),
    )
});

/// `q` is already normalised (lower case, single spaces, at least two characters).
pub async fn find(tx: &mut Tx, q: &str, kinds: Kinds) -> Result<Vec<Hit>, AppError> {
    let escaped = q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    let prefix = format!("{escaped}%");
    let rows: Vec<Row> = sqlx::query_as(&FIND_SQL)
        .bind(q)
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
