//! Reading an uploaded CSV file as it streams from storage: the `csv` crate parses bytes on a blocking
//! thread (quoted commas and newlines, a UTF-8 byte-order mark), each cell is decoded from the file's encoding
//! (`encoding_rs` for Windows-1252), and records travel to the importer in batches over a bounded channel,
//! so a 50,000-row file costs the memory of two batches, never of the file.

use crate::{imports::TextEncoding, storage::ByteStream};
use futures::TryStreamExt;
use tokio::sync::mpsc;

/// The most columns a file may have, data rows it may hold, and bytes one record may take.
pub const MAX_COLUMNS: usize = 200;
pub const MAX_ROWS: u32 = 100_000;
pub const MAX_RECORD_BYTES: usize = 1 << 20;

/// One record of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// As a spreadsheet numbers it: the heading is row 1, the first record row 2.
    pub row_number: u32,
    pub cells: Vec<String>,
    /// Columns (0-based) whose bytes were not valid in the file's encoding (decoded with U+FFFD in place).
    pub undecodable: Vec<usize>,
    /// How far into the file the reader is after this record.
    pub bytes_read: u64,
}

/// Why a file could not be read on (the records before it were read).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("row {row} could not be read as CSV: {reason}")]
    Malformed { row: u32, reason: String },
    #[error("row {row} has {columns} columns; a file can have at most {MAX_COLUMNS}")]
    TooManyColumns { row: u32, columns: usize },
    #[error("row {row} is longer than 1 MB; is this a CSV file?")]
    RecordTooLong { row: u32 },
    #[error("the file has more than {MAX_ROWS} rows; split it into smaller files")]
    TooManyRows,
    #[error("the file could not be read from storage")]
    Storage(String),
}

/// Decodes one cell. Both encodings keep ASCII as it is, so the CSV structure (commas, quotes, line breaks)
/// is the same bytes in either: parsing bytes first and decoding cells after is exact.
pub fn decode(encoding: TextEncoding, bytes: &[u8]) -> (String, bool) {
    match encoding {
        TextEncoding::Utf8 => match std::str::from_utf8(bytes) {
            Ok(text) => (text.to_string(), true),
            Err(_) => (String::from_utf8_lossy(bytes).into_owned(), false),
        },
        TextEncoding::Windows1252 => {
            let (text, had_errors) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            (text.into_owned(), !had_errors)
        }
    }
}

/// The encoding a file's first bytes suggest: UTF-8 if they have its byte-order mark or are valid UTF-8 (a
/// character cut at the end of the sample is fine), else Windows-1252 (what Excel on Windows saves as "CSV").
pub fn sniff_encoding(head: &[u8]) -> TextEncoding {
    if head.starts_with(b"\xEF\xBB\xBF") {
        return TextEncoding::Utf8;
    }
    match std::str::from_utf8(head) {
        Ok(_) => TextEncoding::Utf8,
        Err(e) if e.error_len().is_none() => TextEncoding::Utf8,
        Err(_) => TextEncoding::Windows1252,
    }
}

fn reader<R: std::io::Read>(source: R) -> csv::Reader<R> {
    // flexible: a short or long row is the row's problem (named by column), not the file's.
    csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(source)
}

/// The first row's cells (the headings), read from the file's first bytes.
pub fn headings(head: &[u8], encoding: TextEncoding) -> Result<Vec<String>, ReadError> {
    let mut rdr = reader(head);
    let mut record = csv::ByteRecord::new();
    match rdr.read_byte_record(&mut record) {
        Ok(true) => {}
        Ok(false) => return Ok(Vec::new()),
        Err(e) => return Err(ReadError::Malformed { row: 1, reason: e.to_string() }),
    }
    if record.len() > MAX_COLUMNS {
        return Err(ReadError::TooManyColumns { row: 1, columns: record.len() });
    }
    Ok(record.iter().map(|cell| decode(encoding, cell).0.trim().to_string()).collect())
}

/// Streams the file's records after the heading row, skipping the first `skip` of them (already imported),
/// in batches of `batch`. The channel ends after the last record, or with the error that stopped reading.
pub fn records(
    body: ByteStream,
    encoding: TextEncoding,
    skip: u32,
    batch: usize,
) -> mpsc::Receiver<Result<Vec<Record>, ReadError>> {
    let (tx, rx) = mpsc::channel(2);
    let source =
        tokio_util::io::SyncIoBridge::new(tokio_util::io::StreamReader::new(body.map_err(std::io::Error::other)));
    tokio::task::spawn_blocking(move || {
        let mut rdr = reader(source);
        let mut record = csv::ByteRecord::new();
        let mut pending = Vec::with_capacity(batch);
        let mut row: u32 = 0;
        loop {
            let more = match rdr.read_byte_record(&mut record) {
                Ok(more) => more,
                Err(e) => {
                    let error = match e.kind() {
                        csv::ErrorKind::Io(io) => ReadError::Storage(io.to_string()),
                        _ => ReadError::Malformed { row: row + 1, reason: e.to_string() },
                    };
                    let _ = tx.blocking_send(Err(error));
                    return;
                }
            };
            if !more {
                break;
            }
            row += 1;
            if row == 1 || row - 1 <= skip {
                continue;
            }
            let problem = if row - 1 > MAX_ROWS {
                Some(ReadError::TooManyRows)
            } else if record.len() > MAX_COLUMNS {
                Some(ReadError::TooManyColumns { row, columns: record.len() })
            } else if record.as_slice().len() > MAX_RECORD_BYTES {
                Some(ReadError::RecordTooLong { row })
            } else {
                None
            };
            if let Some(problem) = problem {
                let _ = tx.blocking_send(Err(problem));
                return;
            }
            let mut undecodable = Vec::new();
            let cells = record
                .iter()
                .enumerate()
                .map(|(i, cell)| {
                    let (text, clean) = decode(encoding, cell);
                    if !clean {
                        undecodable.push(i);
                    }
                    text
                })
                .collect();
            pending.push(Record { row_number: row, cells, undecodable, bytes_read: rdr.position().byte() });
            if pending.len() >= batch {
                let full = std::mem::replace(&mut pending, Vec::with_capacity(batch));
                if tx.blocking_send(Ok(full)).is_err() {
                    return; // The importer stopped listening.
                }
            }
        }
        if !pending.is_empty() {
            let _ = tx.blocking_send(Ok(pending));
        }
    });
    rx
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn stream(chunks: Vec<&'static [u8]>) -> ByteStream {
        Box::pin(futures::stream::iter(chunks.into_iter().map(|c| Ok(Bytes::from_static(c)))))
    }

    async fn all(body: ByteStream, encoding: TextEncoding, skip: u32) -> Vec<Result<Vec<Record>, ReadError>> {
        let mut rx = records(body, encoding, skip, 2);
        let mut out = Vec::new();
        while let Some(batch) = rx.recv().await {
            out.push(batch);
        }
        out
    }

    #[test]
    fn encodings_are_recognised_from_the_first_bytes() {
        assert_eq!(sniff_encoding(b"\xEF\xBB\xBFname\n"), TextEncoding::Utf8);
        assert_eq!(sniff_encoding("Jos\u{e9}".as_bytes()), TextEncoding::Utf8);
        // A two-byte character cut by the end of the sample.
        assert_eq!(sniff_encoding(&"Jos\u{e9}".as_bytes()[..4]), TextEncoding::Utf8);
        assert_eq!(sniff_encoding(b"Jos\xE9 Garc\xEDa"), TextEncoding::Windows1252);
    }

    #[test]
    fn headings_drop_the_bom_and_decode() {
        let head = b"\xEF\xBB\xBFFirst name,\"Last, name\",E-mail\r\nA,B,C\r\n";
        assert_eq!(headings(head, TextEncoding::Utf8).unwrap(), vec!["First name", "Last, name", "E-mail"]);
        assert_eq!(headings(b"Pr\xE9nom,Nom\n", TextEncoding::Windows1252).unwrap(), vec!["Pr\u{e9}nom", "Nom"]);
    }

    #[tokio::test]
    async fn records_stream_in_batches_across_chunks_with_quoted_newlines() {
        let body = stream(vec![b"a,b\n1,\"two\nlines\"\n2,", b"x\n3,\"\xE9\"\n"]);
        let batches = all(body, TextEncoding::Windows1252, 0).await;
        let rows: Vec<Record> = batches.into_iter().flat_map(|b| b.unwrap()).collect();
        assert_eq!(rows.iter().map(|r| r.row_number).collect::<Vec<_>>(), vec![2, 3, 4]);
        assert_eq!(rows[0].cells, vec!["1", "two\nlines"]);
        assert_eq!(rows[2].cells, vec!["3", "\u{e9}"]);
        assert!(rows[2].bytes_read > rows[0].bytes_read);
    }

    #[tokio::test]
    async fn skipped_rows_are_not_sent_and_bad_bytes_are_named_by_column() {
        let body = stream(vec![b"a,b\n1,x\n2,y\n3,\xFF\n"]);
        let rows: Vec<Record> = all(body, TextEncoding::Utf8, 2).await.into_iter().flat_map(|b| b.unwrap()).collect();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].row_number, 4);
        assert_eq!(rows[0].undecodable, vec![1]);
    }

    #[tokio::test]
    async fn too_many_columns_stops_the_file_with_its_row() {
        let wide: &'static [u8] =
            Box::leak(format!("a\n{}\n", vec!["x"; MAX_COLUMNS + 1].join(",")).into_bytes().into_boxed_slice());
        let out = all(stream(vec![wide]), TextEncoding::Utf8, 0).await;
        assert_eq!(
            out.last().unwrap().clone().unwrap_err(),
            ReadError::TooManyColumns { row: 2, columns: MAX_COLUMNS + 1 }
        );
    }
}
