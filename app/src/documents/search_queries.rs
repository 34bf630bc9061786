//! SQL of the library's search. Only the active conditions are written (each combination is its own
//! prepared statement with an honest plan), and snippets are made for the page's rows only: `ts_headline`
//! reads the whole text, so it runs after the ranking has picked 25 documents.

use super::search::{DocumentHit, DocumentQuery, HIT_END, HIT_START, PAGE_SIZE, SearchResults, snippet_parts};
use super::{DocumentType, ProcessingStatus};
use crate::{db::Tx, ids::ProjectId};
use chrono::{DateTime, Utc};
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct HitRow {
    id: Uuid,
    name: String,
    project_id: Option<ProjectId>,
    project_name: Option<String>,
    document_type: Option<DocumentType>,
    category_name: Option<String>,
    tags: sqlx::types::Json<Vec<String>>,
    file_size_bytes: i64,
    version_number: i32,
    page_count: Option<i32>,
    processing_status: ProcessingStatus,
    created_at: DateTime<Utc>,
    headline: Option<String>,
    total: i64,
}

pub async fn search(tx: &mut Tx, query: &DocumentQuery) -> Result<SearchResults, sqlx::Error> {
    let words = query.q.as_deref().filter(|q| !q.trim().is_empty());
    let mut sql: QueryBuilder<Postgres> = QueryBuilder::new("WITH found AS (SELECT d.id, ");
    match words {
        Some(q) => {
            sql.push("ts_rank_cd(d.search_vector, websearch_to_tsquery('english', ").push_bind(q).push(")) AS rank");
        }
        None => {
            sql.push("0::real AS rank");
        }
    }
    sql.push(", count(*) OVER () AS total FROM documents d WHERE d.is_current_version AND NOT d.is_deleted");
    if let Some(q) = words {
        // The search index covers searchable, undeleted rows: the predicate is repeated so it is used.
        sql.push(" AND d.is_searchable AND d.search_vector @@ websearch_to_tsquery('english', ").push_bind(q).push(")");
    }
    if let Some(project) = query.project {
        sql.push(" AND d.opportunity_project_id = ").push_bind(project);
    }
    if let Some(kind) = query.document_type {
        sql.push(" AND d.document_type = ").push_bind(kind);
    }
    if let Some(category) = query.category {
        sql.push(
            " AND d.category_id IN (WITH RECURSIVE tree AS (SELECT id FROM document_categories WHERE id = ",
        )
        .push_bind(category)
        .push(" UNION SELECT c.id FROM document_categories c JOIN tree ON c.parent_category_id = tree.id) SELECT id FROM tree)");
    }
    if let Some(tag) = &query.tag {
        sql.push(" AND d.tags @> jsonb_build_array(").push_bind(tag).push("::text)");
    }
    if let Some(from) = query.from {
        sql.push(" AND d.created_at >= ").push_bind(from).push("::date");
    }
    if let Some(to) = query.to {
        sql.push(" AND d.created_at < ").push_bind(to).push("::date + 1");
    }
    sql.push(" ORDER BY rank DESC, d.created_at DESC, d.id LIMIT ")
        .push_bind(PAGE_SIZE)
        .push(" OFFSET ")
        .push_bind(query.page * PAGE_SIZE)
        .push(") SELECT d.id, d.name, d.opportunity_project_id AS project_id, p.project_name, d.document_type, c.name AS category_name, \
            d.tags, d.file_size_bytes, d.version_number, d.page_count, d.processing_status, d.created_at, found.total, ");
    match words {
        Some(q) => {
            sql.push("ts_headline('english', coalesce(nullif(d.extracted_text, ''), d.name), websearch_to_tsquery('english', ")
                .push_bind(q)
                .push(format!(
                    "), 'StartSel={HIT_START}, StopSel={HIT_END}, MaxWords=28, MinWords=12, MaxFragments=2, FragmentDelimiter=\" … \"')"
                ));
        }
        None => {
            sql.push("d.content_preview");
        }
    }
    sql.push(
        " AS headline FROM found JOIN documents d ON d.id = found.id \
          LEFT JOIN opportunity_projects p ON p.tenant_id = d.tenant_id AND p.id = d.opportunity_project_id \
          LEFT JOIN document_categories c ON c.tenant_id = d.tenant_id AND c.id = d.category_id \
          ORDER BY found.rank DESC, d.created_at DESC, d.id",
    );
    let rows: Vec<HitRow> = sql.build_query_as().fetch_all(&mut **tx).await?;
    let total = match rows.first() {
        Some(row) => row.total,
        // A page past the end still says how many there are.
        None if query.page > 0 => count(tx, query).await?,
        None => 0,
    };
    let hits = rows
        .into_iter()
        .map(|r| DocumentHit {
            id: r.id,
            name: r.name,
            project_id: r.project_id,
            project_name: r.project_name,
            document_type: r.document_type,
            category_name: r.category_name,
            tags: r.tags.0,
            file_size_bytes: r.file_size_bytes,
            version_number: r.version_number,
            page_count: r.page_count,
            processing_status: r.processing_status,
            created_at: r.created_at,
            snippet: r.headline.as_deref().map(snippet_parts).unwrap_or_default(),
        })
        .collect();
    Ok(SearchResults { total, hits })
}

async fn count(tx: &mut Tx, query: &DocumentQuery) -> Result<i64, sqlx::Error> {
    let first = DocumentQuery { page: 0, ..query.clone() };
    Ok(Box::pin(search(tx, &first)).await?.total)
}
