//! Receiving a file to import (POST /imports/upload?kind=…&name=…, the raw file as the body): its first
//! bytes give its encoding and headings, the body streams to storage, and the job row records it, in the
//! order documents use so files and rows stay in step whatever fails (announce, store, then one transaction
//! that inserts the job and links the object; a failure after the store deletes the file again).

use super::{queries, reader};
use crate::{
    auth::ssr::{Caller, Resource},
    documents::queries::{announce_object, forget_object, link_object},
    error::AppError,
    ids::ImportId,
    imports::ImportKind,
    storage::{ByteStream, StorageKey, split_head},
};
use std::collections::HashMap;

/// The first bytes read for the encoding and the headings: the heading row must end within them.
const HEAD: usize = 64 * 1024;

/// What an upload asks for, from its query string.
#[derive(Debug)]
pub struct ImportUpload {
    pub kind: ImportKind,
    pub name: String,
}

impl ImportUpload {
    pub fn parse(params: &HashMap<String, String>) -> Result<ImportUpload, AppError> {
        let kind: ImportKind = params
            .get("kind")
            .ok_or_else(|| {
                AppError::Validation(
                    "Say what the file holds: kind=contacts, kind=organizations or kind=projects.".into(),
                )
            })?
            .parse()?;
        let name = params.get("name").map(|n| n.trim()).unwrap_or_default();
        if name.is_empty() || name.chars().count() > 255 || name.chars().any(char::is_control) {
            return Err(AppError::Validation("The file needs a name of at most 255 characters.".into()));
        }
        let lower = name.to_lowercase();
        if !(lower.ends_with(".csv") || lower.ends_with(".txt")) {
            return Err(AppError::UnsupportedFile(
                "Only CSV files can be imported: in Excel or Google Sheets, save or download the sheet as \u{201c}CSV\u{201d}."
                    .into(),
            ));
        }
        Ok(ImportUpload { kind, name: name.to_string() })
    }
}

fn refused(message: &str) -> AppError {
    AppError::Validation(message.into())
}

pub async fn upload(
    caller: &Caller,
    request: ImportUpload,
    body: ByteStream,
    length: Option<u64>,
) -> Result<ImportId, AppError> {
    let request_id = caller.request.request_id.clone();
    let (tx, checked) = caller.enter(request.kind.permission(), Resource::Tenant).await?;
    caller.commit(tx).await?;

    let (head, body) = split_head(body, HEAD).await.map_err(|e| e.user_error(&request_id))?;
    if head.is_empty() {
        return Err(refused("The file is empty: export the sheet again with its heading row and data."));
    }
    if head.contains(&0) {
        return Err(AppError::UnsupportedFile(
            "This is not a text file (an Excel workbook?): save the sheet as \u{201c}CSV\u{201d} and import that."
                .into(),
        ));
    }
    if head.len() >= HEAD && !head.contains(&b'\n') && !head.contains(&b'\r') {
        return Err(refused("The file's first row is longer than 64 KB: is it a CSV file with a heading row?"));
    }
    let encoding = reader::sniff_encoding(&head);
    let headings = reader::headings(&head, encoding)
        .map_err(|e| AppError::Validation(format!("{}.", crate::format::capitalised(&e.to_string()))))?;
    if headings.iter().all(|h| h.is_empty()) {
        return Err(refused("The file's first row has no headings: add a row naming each column."));
    }

    let id = ImportId::new_random();
    let key = format!("{}/imports/{}/{}.csv", caller.tenant.id.as_uuid().simple(), request.kind, id.as_uuid().simple());
    let key = StorageKey::parse(&key).map_err(|e| AppError::internal(&e, &request_id))?;
    let store = &caller.state.storage;
    let provider = store.provider().as_str();

    let mut tx = caller.again(&checked).await?;
    let object = announce_object(&mut tx, provider, store.bucket(), key.as_str()).await?;
    caller.commit(tx).await?;

    let stored = match store.put(&key, body, caller.state.settings.upload_max_bytes, length).await {
        Ok(stored) => stored,
        Err(e) => {
            if let Ok(mut tx) = caller.again(&checked).await
                && forget_object(&mut tx, object).await.is_ok()
            {
                let _ = tx.commit().await;
            }
            return Err(e.user_error(&request_id));
        }
    };
    let recorded = async {
        let mut tx = caller.again(&checked).await?;
        let job = queries::NewJob {
            id,
            kind: request.kind,
            file_name: &request.name,
            provider,
            key: key.as_str(),
            object,
            size: stored.size as i64,
            encoding,
            headings: &headings,
            by: caller.user.id,
        };
        queries::insert_job(&mut tx, &job).await?;
        link_object(&mut tx, object).await?;
        caller.commit(tx).await
    }
    .await;
    if let Err(e) = recorded {
        if store.delete(&key).await.is_ok()
            && let Ok(mut tx) = caller.again(&checked).await
            && forget_object(&mut tx, object).await.is_ok()
        {
            let _ = tx.commit().await;
        }
        return Err(e);
    }
    Ok(id)
}
