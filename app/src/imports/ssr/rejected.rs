//! The rejected rows of an import as CSV (GET /imports/{id}/rejected.csv): the file's own columns, so the
//! rows can be fixed and imported again, then the row's number in the original file and what to fix. Written
//! a page of rows at a time through `csv_out`: memory stays flat however many rows were rejected.

use super::queries;
use crate::{
    auth::ssr::{Caller, Resource},
    csv_out,
    error::AppError,
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
    let mut unchecked = caller.look_up().await?;
    let job = queries::job(unchecked.reads(), id).await?.ok_or_else(|| AppError::NotFound("Import".into()))?;
    let (mut tx, _) = unchecked.authorize(job.kind.permission(), Resource::Tenant).await?;
    let headings = job.headings().to_vec();
    let stem = job.file_name.rsplit_once('.').map_or(job.file_name.as_str(), |(stem, _)| stem).to_string();
    let header = headings.iter().cloned().chain(["Row in the file".to_string(), "What to fix".to_string()]).collect();
    let stream = csv_out::stream("rejected rows", header, move |mut sink| async move {
        let mut after = 0;
        loop {
            let page = queries::rejection_page(&mut tx, id, after, PAGE).await?;
            for (row, problems, cells) in &page {
                after = *row;
                let mut record: Vec<String> =
                    (0..headings.len()).map(|i| cells.0.get(i).cloned().unwrap_or_default()).collect();
                record.push(row.to_string());
                record.push(problems_text(&problems.0));
                sink.write(record).await?;
            }
            if (page.len() as i64) < PAGE {
                break;
            }
        }
        // Read-only: nothing to keep.
        let _ = tx.rollback().await;
        Ok(sink)
    });
    Ok((format!("{stem}-rejected-rows"), stream))
}
