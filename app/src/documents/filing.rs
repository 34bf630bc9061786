//! Filing a document: its type, category (a tree the tenant's document managers keep), tags and access
//! level, and its links to contacts, activities, capture plans and proposals. Filing belongs to the
//! document, so it applies to every version, and links are kept on the first version's id.

use super::DocumentRow;
use crate::{closed_set, error::AppError};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

closed_set! {
    /// What a document can be linked to.
    pub enum LinkedKind: "linked record type" {
        Contact = "contact",
        Activity = "activity",
        CapturePlan = "capture_plan",
        Proposal = "proposal",
    }
}

impl LinkedKind {
    pub const fn label(self) -> &'static str {
        match self {
            Self::Contact => "Contact",
            Self::Activity => "Activity",
            Self::CapturePlan => "Capture plan",
            Self::Proposal => "Proposal",
        }
    }
}

closed_set! {
    /// How a document relates to what it is linked to.
    pub enum LinkRole: "link type" {
        Primary = "primary",
        Supporting = "supporting",
        Reference = "reference",
        Attachment = "attachment",
    }
}

/// At most this many tags on a document, each at most `MAX_TAG_CHARS`.
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_CHARS: usize = 40;

/// Tags from what a person typed: comma-separated, trimmed, lower-cased, without repeats.
pub fn parse_tags(raw: &str) -> Result<Vec<String>, String> {
    let mut tags: Vec<String> = Vec::new();
    for tag in raw.split(',').map(|t| t.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()) {
        if tag.is_empty() || tags.contains(&tag) {
            continue;
        }
        if tag.chars().count() > MAX_TAG_CHARS {
            return Err(format!(
                "The tag \u{201c}{tag}\u{201d} is too long: tags have at most {MAX_TAG_CHARS} characters."
            ));
        }
        if tag.chars().any(char::is_control) {
            return Err("Tags cannot contain control characters.".into());
        }
        tags.push(tag);
    }
    if tags.len() > MAX_TAGS {
        return Err(format!("A document can have at most {MAX_TAGS} tags."));
    }
    Ok(tags)
}

/// A category, with how many current documents are filed directly under it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Category {
    pub id: Uuid,
    pub name: String,
    pub parent_id: Option<Uuid>,
    pub archived: bool,
    pub document_count: i64,
}

/// Categories in tree order (each parent before its children), with their depth.
pub fn tree_order(categories: &[Category]) -> Vec<(usize, Category)> {
    fn visit(all: &[Category], parent: Option<Uuid>, depth: usize, out: &mut Vec<(usize, Category)>) {
        for c in all.iter().filter(|c| c.parent_id == parent) {
            out.push((depth, c.clone()));
            if depth < 16 {
                visit(all, Some(c.id), depth + 1, out);
            }
        }
    }
    let mut out = Vec::new();
    visit(categories, None, 0, &mut out);
    out
}

/// What the library page offers: categories to browse and file under, projects to filter by, and what the
/// caller may do there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Library {
    pub categories: Vec<Category>,
    pub projects: Vec<(crate::ids::ProjectId, String)>,
    pub can_upload: bool,
    pub can_manage: bool,
}

/// A link from a document to a record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Link {
    pub id: Uuid,
    pub kind: LinkedKind,
    pub entity_id: Uuid,
    pub label: String,
    pub role: Option<LinkRole>,
}

/// A record a document could be linked to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct LinkChoice {
    pub kind: LinkedKind,
    pub id: Uuid,
    pub label: String,
}

/// A document's page: the version asked for, its filing, text status, links and what the caller may do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentDetail {
    pub doc: DocumentRow,
    pub project_name: Option<String>,
    pub category_id: Option<Uuid>,
    pub tags: Vec<String>,
    pub page_count: Option<i32>,
    pub content_preview: Option<String>,
    pub processing_error: Option<String>,
    pub links: Vec<Link>,
    pub choices: Vec<LinkChoice>,
    pub categories: Vec<Category>,
    pub can_edit: bool,
    pub can_delete: bool,
}

#[server(prefix = "/api", endpoint = "documents/detail")]
pub async fn load_document_detail(document_id: String) -> Result<DocumentDetail, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let (caller, mut tx, doc, held) = super::open_document(&document_id, Permission::DocumentsRead).await?;
        let filing = super::filing_queries::filing(&mut tx, doc.id).await?;
        let links = super::filing_queries::links(&mut tx, doc.root_id).await?;
        let can_edit = held.allows(Permission::DocumentsUpload) && !doc.is_deleted;
        let choices =
            if can_edit { super::filing_queries::link_choices(&mut tx, doc.project_id).await? } else { Vec::new() };
        let categories = super::filing_queries::categories(&mut tx).await?;
        let project_name = match doc.project_id {
            Some(p) => super::queries::project_name(&mut tx, p).await?.map(|(name, _)| name),
            None => None,
        };
        // The page shows the document's text: a view, logged like a download.
        super::queries::log_access(&mut tx, &caller, super::queries::Logged::Document(doc.id), "view", None).await?;
        caller.commit(tx).await?;
        Ok(DocumentDetail {
            project_name,
            category_id: filing.category_id,
            tags: filing.tags.0,
            page_count: filing.page_count,
            content_preview: filing.content_preview,
            processing_error: filing.processing_error,
            links,
            choices,
            categories,
            can_edit,
            can_delete: held.allows(Permission::DocumentsDelete),
            doc,
        })
    })
    .await
}

/// Refiles a document (every version): type, category, tags and who may see it.
#[server(prefix = "/api", endpoint = "documents/file")]
pub async fn file_document(
    document_id: String,
    document_type: String,
    #[server(default)] category: String,
    #[server(default)] tags: String,
    access_level: String,
) -> Result<(), AppError> {
    use super::DocumentType;
    use crate::domain::AccessLevel;
    use crate::server_prelude::*;
    serve(async move {
        let kind: DocumentType = document_type.parse()?;
        let access: AccessLevel = access_level.parse()?;
        let tags = parse_tags(&tags).map_err(AppError::Validation)?;
        let (caller, mut tx, doc, held) = super::open_document(&document_id, Permission::DocumentsUpload).await?;
        if doc.is_deleted {
            return Err(AppError::Conflict("This document is deleted: restore it before refiling it.".into()));
        }
        // Who sees a document is decided by whoever brought it in, or by a document manager: filing rights
        // alone must not widen a team document to everyone, or hide someone's document from them.
        if access != doc.access_level
            && !held.allows(Permission::DocumentsDelete)
            && !super::filing_queries::uploaded_by(&mut tx, doc.root_id, doc.id, caller.user.id).await?
        {
            return Err(AppError::Forbidden(
                "change who may see this document: only its uploader or a document manager can".into(),
            ));
        }
        if doc.project_id.is_none() && access == AccessLevel::ProjectTeam {
            return Err(AppError::Validation("Only a project's documents can be limited to its team; choose another access level.".into()));
        }
        let category = usable_category(&mut tx, &category).await?;
        let before = super::filing_queries::filing(&mut tx, doc.id).await?;
        super::filing_queries::refile(&mut tx, doc.root_id, kind, category, &tags, access).await?;
        let event = AuditEvent::new(AuditAction::Update, "document", Some(doc.root_id), format!("Refiled \u{201c}{}\u{201d}", doc.name))
            .before(serde_json::json!({
                "document_type": doc.document_type, "category": before.category_id, "tags": before.tags.0, "access_level": doc.access_level,
            }))
            .after(serde_json::json!({ "document_type": kind, "category": category, "tags": tags, "access_level": access }));
        caller.audit(&mut tx, event).await?;
        caller.commit(tx).await
    })
    .await
}

/// Links a document to a contact, activity, capture plan or proposal of the tenant.
#[server(prefix = "/api", endpoint = "documents/link")]
pub async fn link_document(
    document_id: String,
    kind: String,
    entity_id: String,
    #[server(default)] role: String,
) -> Result<(), AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let kind: LinkedKind = kind.parse()?;
        let role: Option<LinkRole> = match role.trim() {
            "" => None,
            r => Some(r.parse()?),
        };
        let entity: Uuid = crate::input::parse_id(kind.label(), &entity_id)?;
        let (caller, mut tx, doc, _) = super::open_document(&document_id, Permission::DocumentsUpload).await?;
        let label = super::filing_queries::entity_label(&mut tx, kind, entity)
            .await?
            .ok_or_else(|| AppError::NotFound(kind.label().into()))?;
        if !super::filing_queries::link(&mut tx, doc.root_id, kind, entity, role, caller.user.id).await? {
            return Err(AppError::Conflict(format!("This document is already linked to {label}.")));
        }
        let event = AuditEvent::new(
            AuditAction::Update,
            "document",
            Some(doc.root_id),
            format!("Linked \u{201c}{}\u{201d} to {label}", doc.name),
        )
        .after(serde_json::json!({ "linked": kind, "entity_id": entity, "role": role }));
        caller.audit(&mut tx, event).await?;
        caller.commit(tx).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "documents/unlink")]
pub async fn unlink_document(document_id: String, link_id: Uuid) -> Result<(), AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let link = link_id;
        let (caller, mut tx, doc, _) = super::open_document(&document_id, Permission::DocumentsUpload).await?;
        let removed = super::filing_queries::unlink(&mut tx, doc.root_id, link)
            .await?
            .ok_or_else(|| AppError::NotFound("Link".into()))?;
        let event = AuditEvent::new(
            AuditAction::Update,
            "document",
            Some(doc.root_id),
            format!("Unlinked \u{201c}{}\u{201d} from {}", doc.name, removed.label),
        )
        .before(serde_json::json!({ "linked": removed.kind, "entity_id": removed.entity_id, "role": removed.role }));
        caller.audit(&mut tx, event).await?;
        caller.commit(tx).await
    })
    .await
}

/// A category chosen in a form (blank for none): one of the tenant's that is not archived. Another
/// tenant's id is not found.
#[cfg(feature = "ssr")]
async fn usable_category(tx: &mut crate::db::Tx, raw: &str) -> Result<Option<Uuid>, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let id: Uuid = raw.parse().map_err(|_| AppError::Validation("Choose a category from the list.".into()))?;
    match super::filing_queries::category_state(tx, id).await? {
        None => Err(AppError::NotFound("Category".into())),
        Some(true) => Err(AppError::Validation("That category is archived; choose another.".into())),
        Some(false) => Ok(Some(id)),
    }
}

#[server(prefix = "/api", endpoint = "documents/library")]
pub async fn document_library() -> Result<Library, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let (caller, mut tx, held) = Caller::start_holding(Permission::DocumentsRead, Resource::Tenant).await?;
        let categories = super::filing_queries::categories(&mut tx).await?;
        let projects = super::filing_queries::project_names(&mut tx).await?;
        caller.commit(tx).await?;
        Ok(Library {
            categories,
            projects,
            can_upload: held.allows(Permission::DocumentsUpload),
            can_manage: held.allows(Permission::DocumentsDelete),
        })
    })
    .await
}

/// Adds a category (under `parent`, or at the top), for document managers.
#[server(prefix = "/api", endpoint = "documents/categories/create")]
pub async fn create_category(name: String, #[server(default)] parent: String) -> Result<Uuid, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let name = crate::input::required_text("The category's name", &name, 100)?;
        let (caller, mut tx) = Caller::start(Permission::DocumentsDelete, Resource::Tenant).await?;
        let parent = usable_category(&mut tx, &parent).await?;
        let id = match super::filing_queries::create_category(&mut tx, &name, parent, caller.user.id).await {
            Ok(id) => id,
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Err(AppError::Conflict(format!(
                    "There is already a category named \u{201c}{name}\u{201d} there."
                )));
            }
            Err(e) => return Err(AppError::from(e)),
        };
        let event = AuditEvent::new(
            AuditAction::Create,
            "document_category",
            Some(id),
            format!("Added the document category \u{201c}{name}\u{201d}"),
        )
        .after(serde_json::json!({ "name": name, "parent": parent }));
        caller.audit(&mut tx, event).await?;
        caller.commit(tx).await?;
        Ok(id)
    })
    .await
}

/// Archives a category (or brings it back): archived ones are not offered for filing, and documents filed
/// under them keep their filing.
#[server(prefix = "/api", endpoint = "documents/categories/archive")]
pub async fn archive_category(category_id: Uuid, archived: bool) -> Result<(), AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let id = category_id;
        let (caller, mut tx) = Caller::start(Permission::DocumentsDelete, Resource::Tenant).await?;
        let name = super::filing_queries::set_category_archived(&mut tx, id, archived)
            .await?
            .ok_or_else(|| AppError::NotFound("Category".into()))?;
        let verb = if archived { "Archived" } else { "Restored" };
        let event = AuditEvent::new(
            AuditAction::Update,
            "document_category",
            Some(id),
            format!("{verb} the document category \u{201c}{name}\u{201d}"),
        );
        caller.audit(&mut tx, event).await?;
        caller.commit(tx).await
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_trimmed_lowercased_and_unique() {
        assert_eq!(
            parse_tags(" Zero Trust , NAVY,, navy ,  cyber   range "),
            Ok(vec!["zero trust".into(), "navy".into(), "cyber range".into()])
        );
        assert!(parse_tags(&"x".repeat(41)).is_err_and(|e| e.contains("too long")));
        let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
        assert!(parse_tags(&many.join(",")).is_err_and(|e| e.contains("at most 20")));
    }

    #[test]
    fn categories_come_in_tree_order_with_depth() {
        let cat = |n: u128, parent: Option<u128>| Category {
            id: Uuid::from_u128(n),
            name: format!("c{n}"),
            parent_id: parent.map(Uuid::from_u128),
            archived: false,
            document_count: 0,
        };
        let order: Vec<(usize, String)> = tree_order(&[cat(3, Some(1)), cat(1, None), cat(2, None), cat(4, Some(3))])
            .into_iter()
            .map(|(d, c)| (d, c.name))
            .collect();
        assert_eq!(order, [(0, "c1".into()), (1, "c3".into()), (2, "c4".into()), (0, "c2".into())]);
    }
}
