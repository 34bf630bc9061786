//! An upload, end to end: who may, what the bytes are, where they go, and the rows that record them. The
//! order keeps files and rows in step whatever fails:
//! 1. checks (permission, project, the version it replaces), then the file's first bytes;
//! 2. the object is announced in storage_objects (committed) before a byte is written;
//! 3. the body streams to storage, hashed on the way (a failure there leaves no object: `ObjectStore::put`);
//! 4. one transaction inserts the document (retiring the previous version), links the object, and writes the
//!    audit and access-log rows. If it fails, the object is deleted again; if even that fails, the object
//!    stays announced and the cleanup job removes it.

use super::{
    DocumentRow, DocumentType,
    names::UploadName,
    queries::{self, Logged, NewDocument},
};
use crate::{
    audit::{AuditAction, AuditEvent},
    auth::{
        Permission,
        ssr::{Caller, Resource},
    },
    domain::AccessLevel,
    error::AppError,
    ids::ProjectId,
    input::parse_id,
    storage::{ByteStream, StorageKey, kinds::HEAD_BYTES, split_head},
};
use std::collections::HashMap;
use uuid::Uuid;

/// What an upload asks for, from its query string: `name` (the file's name), and optionally `project`,
/// `type`, `access` and `replaces` (the document this is a new version of).
#[derive(Debug)]
pub struct UploadRequest {
    pub name: UploadName,
    pub project: Option<ProjectId>,
    pub document_type: DocumentType,
    pub access: AccessLevel,
    pub replaces: Option<Uuid>,
}

impl UploadRequest {
    pub fn parse(params: &HashMap<String, String>) -> Result<UploadRequest, AppError> {
        let text = |key: &str| params.get(key).map(|v| v.trim()).filter(|v| !v.is_empty());
        let name = UploadName::parse(text("name").unwrap_or_default()).map_err(AppError::Validation)?;
        let project = text("project").map(|p| parse_id("Project", p)).transpose()?;
        let document_type = match text("type") {
            Some(t) => t.parse()?,
            None => DocumentType::Other,
        };
        let access = match text("access") {
            Some(a) => a.parse()?,
            // A project's documents are for its team unless said otherwise; the library is for everyone.
            None if project.is_some() => AccessLevel::ProjectTeam,
            None => AccessLevel::Public,
        };
        if project.is_none() && matches!(access, AccessLevel::ProjectTeam) {
            return Err(AppError::Validation(
                "Only a project's documents can be limited to its team; choose another access level.".into(),
            ));
        }
        let replaces = text("replaces").map(|d| parse_id("Document", d)).transpose()?;
        Ok(UploadRequest { name, project, document_type, access, replaces })
    }
}

/// The organized key: `tenant/opportunity_projects/project/documents/internal/type/version.ext`, or
/// `tenant/library/documents/internal/type/version.ext` for documents of no project. Each version has its
/// own id, so nothing is ever overwritten. The person's file name is not in the key (it lives in the row):
/// nothing typed by a user reaches a storage path. Keys stay short: the version id is written in 22
/// characters (base64url), because some S3-protocol stores name a file after the key's base64 (s3s-fs,
/// whose file names stop at 255 bytes).
fn storage_key(caller: &Caller, request: &UploadRequest, id: Uuid) -> Result<StorageKey, AppError> {
    let place = match request.project {
        Some(project) => format!("opportunity_projects/{}", project.as_uuid().simple()),
        None => "library".to_string(),
    };
    let key = format!(
        "{}/{place}/documents/internal/{}/{}.{}",
        caller.tenant.id.as_uuid().simple(),
        request.document_type.as_str(),
        compact(id),
        request.name.kind.as_str()
    );
    StorageKey::parse(&key).map_err(|e| AppError::internal(&e, &caller.request.request_id))
}

/// A version id in 22 URL- and path-safe characters.
fn compact(id: Uuid) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(id.as_bytes())
}

pub async fn upload(
    caller: &Caller,
    request: UploadRequest,
    body: ByteStream,
    length: Option<u64>,
) -> Result<DocumentRow, AppError> {
    let allowed = &caller.state.settings.upload_kinds;
    if !allowed.contains(&request.name.kind) {
        let names: Vec<&str> = allowed.iter().map(|k| k.as_str()).collect();
        return Err(AppError::UnsupportedFile(format!(
            "{} files are not accepted here; this workspace accepts {}.",
            request.name.kind.as_str().to_uppercase(),
            names.join(", ")
        )));
    }
    let resource = request.project.map_or(Resource::Tenant, Resource::Project);

    let (mut tx, checked) = caller.enter(Permission::DocumentsUpload, resource).await?;
    if let Some(project) = request.project {
        match queries::project_name(&mut tx, project).await? {
            None => return Err(AppError::NotFound("Project".into())),
            Some((_, true)) => {
                return Err(AppError::Conflict("This project is archived: restore it before adding documents.".into()));
            }
            Some((_, false)) => {}
        }
    }
    let previous = match request.replaces {
        Some(id) => {
            let doc = queries::visible(&mut tx, id).await?.filter(|d| !d.is_deleted);
            let doc = doc.ok_or_else(|| AppError::NotFound("Document".into()))?;
            if doc.project_id != request.project {
                return Err(AppError::Validation(
                    "A new version goes to the same project as the document it replaces.".into(),
                ));
            }
            Some(doc)
        }
        None => None,
    };
    caller.commit(tx).await?;

    let (head, body) = split_head(body, HEAD_BYTES).await.map_err(|e| e.user_error(&caller.request.request_id))?;
    request.name.kind.check_head(&head).map_err(AppError::UnsupportedFile)?;

    let id = Uuid::new_v4();
    let key = storage_key(caller, &request, id)?;
    let store = &caller.state.storage;
    let (provider, bucket) = (store.provider().as_str(), store.bucket());

    let mut tx = caller.again(&checked).await?;
    let object = queries::announce_object(&mut tx, provider, bucket, key.as_str()).await?;
    caller.commit(tx).await?;

    let stored = match store.put(&key, body, caller.state.settings.upload_max_bytes, length).await {
        Ok(stored) => stored,
        Err(e) => {
            // Nothing was written: the announcement goes too (else the cleanup job finds it later).
            if let Ok(mut tx) = caller.again(&checked).await
                && queries::forget_object(&mut tx, object).await.is_ok()
            {
                let _ = tx.commit().await;
            }
            return Err(e.user_error(&caller.request.request_id));
        }
    };

    let recorded = async {
        let mut tx = caller.again(&checked).await?;
        let (parent, version) = match &previous {
            Some(prev) => {
                let (current, number) = queries::lock_current(&mut tx, prev.root_id).await?.ok_or_else(|| {
                    AppError::Conflict("The document was deleted while this version was uploading.".into())
                })?;
                queries::retire(&mut tx, current).await?;
                (Some(prev.root_id), number + 1)
            }
            None => (None, 1),
        };
        let name = request.name.display.clone();
        queries::insert(
            &mut tx,
            &NewDocument {
                id,
                project: request.project,
                name: &name,
                original_filename: &name,
                extension: request.name.kind.as_str(),
                mime_type: request.name.kind.mime_type(),
                size: stored.size as i64,
                provider,
                bucket,
                key: key.as_str(),
                md5: &stored.md5,
                sha256: &stored.sha256,
                document_type: request.document_type,
                access: request.access,
                version,
                parent,
                uploaded_by: caller.user.id,
            },
        )
        .await?;
        queries::link_object(&mut tx, object).await?;
        queries::log_access(&mut tx, caller, Logged::Document(id), "modify", None).await?;
        let what = if version == 1 { "Uploaded".to_string() } else { format!("Uploaded version {version} of") };
        let event =
            AuditEvent::new(AuditAction::Create, "document", Some(id), format!("{what} \u{201c}{name}\u{201d}")).after(
                serde_json::json!({
                    "name": name, "project": request.project, "size": stored.size, "sha256": stored.sha256,
                    "version": version, "access_level": request.access, "storage_key": key.as_str(),
                }),
            );
        caller.audit(&mut tx, event).await?;
        let row = queries::visible(&mut tx, id).await?.ok_or_else(|| AppError::NotFound("Document".into()))?;
        caller.commit(tx).await?;
        Ok::<_, AppError>(row)
    }
    .await;

    if recorded.is_err() {
        match store.delete(&key).await {
            Ok(()) => {
                if let Ok(mut tx) = caller.again(&checked).await
                    && queries::forget_object(&mut tx, object).await.is_ok()
                {
                    let _ = tx.commit().await;
                }
            }
            Err(e) => {
                tracing::warn!(error = ?e, %key, "could not remove the file of a failed upload; the cleanup job will")
            }
        }
    }
    recorded
}
