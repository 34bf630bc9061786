//! The rejected rows of an import as CSV (GET /imports/{id}/rejected.csv): the file's own columns, so the
//! rows can be fixed and imported again, then the row's number in the original file and what to fix. Written
//! a page of rows at a time into a bounded channel: memory stays flat however many rows were rejected.

use super::queries;
use crate::{
    auth::{
        Permission,
        ssr::{Caller, Resource},
    },
    error::AppError,
    format::{UTF8_BOM, defuse_formula},
    ids::ImportId,
    imports::CellProblem,
};
use bytes::Bytes;
use futures::Stream;

const PAGE: i64 = 1000;

/// "E-mail: … ; row: …" — each problem with its column.
pub fn problems_text(problems: &[CellProblem]) -> String {
    problems
        .iter()
        .map(|p| match &p.column {
            Some(column) => format!("{column}: {}", p.message),
            None => p.message.clone(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The file's name and its rows as a stream.
pub async fn rejected_csv(
    caller: Caller,
    id: ImportId,
) -> Result<(String, impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static), AppError> {
    let (mut tx, _) = caller.enter(Permission::ContactsWrite, Resource::Tenant).await?;
    let job = queries::job(&mut tx, id).await?.ok_or_else(|| AppError::NotFound("Import".into()))?;
    let headings = job.headings().to_vec();
    let stem = job.file_name.rsplit_once('.').map_or(job.file_name.as_str(), |(stem, _)| stem).to_string();
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::spawn(async move {
        let written: Result<(), String> = async {
            let mut after = 0;
            let mut first = true;
            loop {
                let start = if first { Vec::from(UTF8_BOM.as_bytes()) } else { Vec::with_capacity(64 * 1024) };
                let mut out = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(start);
                if first {
                    let header =
                        headings.iter().cloned().chain(["Row in the file".to_string(), "What to fix".to_string()]);
                    out.write_record(header).map_err(|e| e.to_string())?;
                    first = false;
                }
                let page = queries::rejection_page(&mut tx, id, after, PAGE).await.map_err(|e| e.to_string())?;
                let full = page.len() as i64 == PAGE;
                for (row, problems, cells) in &page {
                    after = *row;
                    let mut record: Vec<String> = (0..headings.len())
                        .map(|i| defuse_formula(cells.0.get(i).map_or("", String::as_str)).into_owned())
                        .collect();
                    record.push(row.to_string());
                    record.push(defuse_formula(&problems_text(&problems.0)).into_owned());
                    out.write_record(&record).map_err(|e| e.to_string())?;
                }
                let chunk = out.into_inner().map_err(|e| e.error().to_string())?;
                if sender.send(Ok(Bytes::from(chunk))).await.is_err() {
                    return Ok(()); // The person went away.
                }
                if !full {
                    return Ok(());
                }
            }
        }
        .await;
        if let Err(reason) = written {
            tracing::error!(%reason, "the rejected rows file stopped");
            let _ = sender.send(Err(std::io::Error::other("the file stopped; try again"))).await;
        }
        // Read-only: nothing to keep.
        let _ = tx.rollback().await;
    });
    let stream =
        futures::stream::unfold(receiver, |mut receiver| async move { receiver.recv().await.map(|c| (c, receiver)) });
    Ok((format!("{stem}-rejected-rows"), stream))
}
