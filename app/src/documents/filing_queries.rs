//! SQL of filing: categories, tags, access level and links. Linked records are looked up in the tenant
//! (RLS), so another tenant's ids are simply not found.

use super::DocumentType;
use super::filing::{Category, Link, LinkChoice, LinkRole, LinkedKind};
use crate::{
    db::Tx,
    domain::AccessLevel,
    ids::{ProjectId, UserId},
};
use sqlx::types::Json;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
pub struct Filing {
    pub category_id: Option<Uuid>,
    pub tags: Json<Vec<String>>,
    pub page_count: Option<i32>,
    pub content_preview: Option<String>,
    pub processing_error: Option<String>,
}

pub async fn filing(tx: &mut Tx, id: Uuid) -> Result<Filing, sqlx::Error> {
    sqlx::query_as(
        "SELECT category_id, tags, page_count, content_preview::text, processing_error FROM documents WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&mut **tx)
    .await
}

/// Files every version of the chain the same way.
pub async fn refile(
    tx: &mut Tx,
    root: Uuid,
    kind: DocumentType,
    category: Option<Uuid>,
    tags: &[String],
    access: AccessLevel,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE documents SET document_type = $2, category_id = $3, tags = $4, access_level = $5 \
          WHERE coalesce(parent_document_id, id) = $1",
    )
    .bind(root)
    .bind(kind)
    .bind(category)
    .bind(Json(tags))
    .bind(access)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn categories(tx: &mut Tx) -> Result<Vec<Category>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.id, c.name::text AS name, c.parent_category_id AS parent_id, c.archived_at IS NOT NULL AS archived, \
                (SELECT count(*) FROM documents d WHERE d.category_id = c.id AND d.is_current_version AND NOT d.is_deleted) AS document_count \
           FROM document_categories c ORDER BY lower(c.name), c.id",
    )
    .fetch_all(&mut **tx)
    .await
}

/// The tenant's projects that are not archived, by name, for the library's project filter.
pub async fn project_names(tx: &mut Tx) -> Result<Vec<(ProjectId, String)>, sqlx::Error> {
    sqlx::query_as("SELECT id, project_name::text FROM opportunity_projects WHERE project_status <> 'archived' ORDER BY lower(project_name), id")
        .fetch_all(&mut **tx)
        .await
}

/// Some(archived) for a category of the tenant, None for any other id.
pub async fn category_state(tx: &mut Tx, id: Uuid) -> Result<Option<bool>, sqlx::Error> {
    sqlx::query_scalar("SELECT archived_at IS NOT NULL FROM document_categories WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
}

pub async fn create_category(tx: &mut Tx, name: &str, parent: Option<Uuid>, by: UserId) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO document_categories (tenant_id, name, parent_category_id, created_by) \
         VALUES (app_current_tenant_id(), $1, $2, $3) RETURNING id",
    )
    .bind(name)
    .bind(parent)
    .bind(by)
    .fetch_one(&mut **tx)
    .await
}

/// The category's name, or None when it is not one of the tenant's.
pub async fn set_category_archived(tx: &mut Tx, id: Uuid, archived: bool) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE document_categories SET archived_at = CASE WHEN $2 THEN coalesce(archived_at, now()) END WHERE id = $1 RETURNING name::text",
    )
    .bind(id)
    .bind(archived)
    .fetch_optional(&mut **tx)
    .await
}

/// A linked record's label, from its own table; the `kind` decides the table, never the caller's text.
const LABELS: &str = "SELECT 'contact' AS kind, id, concat_ws(' ', first_name, last_name) || coalesce(' · ' || title, '') AS label, NULL::uuid AS project FROM contacts \
    UNION ALL SELECT 'activity', id, subject::text, CASE WHEN entity_type = 'opportunity_project' THEN entity_id END FROM activities \
    UNION ALL SELECT 'capture_plan', id, plan_name::text, opportunity_project_id FROM capture_plans \
    UNION ALL SELECT 'proposal', id, proposal_title::text, opportunity_project_id FROM proposals";

pub async fn entity_label(tx: &mut Tx, kind: LinkedKind, id: Uuid) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(&format!("SELECT label FROM ({LABELS}) e WHERE e.kind = $1 AND e.id = $2"))
        .bind(kind)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
}

/// What a document of `project` is usually linked to: the project's contacts, activities, capture plans
/// and proposals (for a library document, the tenant's, the first 400 by name).
pub async fn link_choices(tx: &mut Tx, project: Option<ProjectId>) -> Result<Vec<LinkChoice>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT e.kind, e.id, e.label FROM ({LABELS}) e \
          WHERE $1::uuid IS NULL OR e.project = $1 \
             OR (e.kind = 'contact' AND e.id IN (SELECT contact_id FROM opportunity_project_contacts WHERE opportunity_project_id = $1)) \
          ORDER BY e.kind, lower(e.label) LIMIT 400"
    ))
    .bind(project)
    .fetch_all(&mut **tx)
    .await
}

pub async fn links(tx: &mut Tx, root: Uuid) -> Result<Vec<Link>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT a.id, a.entity_type AS kind, a.entity_id, coalesce(e.label, 'a removed record') AS label, a.association_type AS role \
           FROM document_associations a LEFT JOIN ({LABELS}) e ON e.kind = a.entity_type AND e.id = a.entity_id \
          WHERE a.document_id = $1 AND a.entity_type <> 'opportunity_project' ORDER BY a.created_at"
    ))
    .bind(root)
    .fetch_all(&mut **tx)
    .await
}

/// Whether a new link was made (false: it existed already).
pub async fn link(
    tx: &mut Tx,
    root: Uuid,
    kind: LinkedKind,
    entity: Uuid,
    role: Option<LinkRole>,
    by: UserId,
) -> Result<bool, sqlx::Error> {
    let made = sqlx::query(
        "INSERT INTO document_associations (tenant_id, document_id, entity_type, entity_id, association_type, created_by) \
         VALUES (app_current_tenant_id(), $1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(root)
    .bind(kind)
    .bind(entity)
    .bind(role)
    .bind(by)
    .execute(&mut **tx)
    .await?;
    Ok(made.rows_affected() == 1)
}

/// Removes a link of the document; None when the document has no such link.
pub async fn unlink(tx: &mut Tx, root: Uuid, link: Uuid) -> Result<Option<Link>, sqlx::Error> {
    let found = links(tx, root).await?.into_iter().find(|l| l.id == link);
    if found.is_some() {
        sqlx::query("DELETE FROM document_associations WHERE id = $1 AND document_id = $2")
            .bind(link)
            .bind(root)
            .execute(&mut **tx)
            .await?;
    }
    Ok(found)
}

/// Whether `user` uploaded the document's first version or the version at hand.
pub async fn uploaded_by(tx: &mut Tx, root: Uuid, version: Uuid, user: UserId) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM documents WHERE id IN ($1, $2) AND uploaded_by = $3)")
        .bind(root)
        .bind(version)
        .bind(user)
        .fetch_one(&mut **tx)
        .await
}
