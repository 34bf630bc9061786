//! Text extraction for document search: PDF (pdf-extract, page count by lopdf), DOCX and PPTX (their XML
//! parts, read with zip and quick-xml), XLSX (calamine), and CSV, TXT and Markdown as text.
//!
//! Parsers of files people upload can panic, loop or balloon on a hostile or broken file, so this code runs
//! in a child process (`gwm-crm extract-text KIND`, see `child`) with a time and memory limit, never in the
//! server: a bad file costs that child, and the document is marked, not lost.

pub mod child;
mod office;
pub mod worker;

pub use child::Extractor;

pub use child::run_child;

use app::storage::kinds::FileKind;

/// Extracted text is cut to this many bytes: enough for search and snippets, and under PostgreSQL's 1 MB
/// limit on a tsvector (which the documents' search column is computed into).
pub const MAX_TEXT_BYTES: usize = 512 * 1024;
/// Text files are read only this far for search; the rest is stored, not indexed.
pub const MAX_TEXT_FILE_READ: u64 = 2 * 1024 * 1024;
/// Structured files (PDF, Office) are parsed whole, so larger ones are stored without text search.
pub const MAX_PARSED_FILE: u64 = 64 * 1024 * 1024;
/// The preview shown in lists: the first characters of the text, as the seed's column holds.
pub const PREVIEW_CHARS: usize = 500;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Extracted {
    pub text: String,
    pub pages: Option<i32>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ExtractError {
    /// The kind has no text to search (images, legacy Office binaries).
    #[error("this kind of file has no text to search")]
    NoText,
    #[error("the file could not be read as {kind}: {reason}")]
    Unreadable { kind: &'static str, reason: String },
}

/// How much of a file of `kind` and `size` the extractor reads; None when it is not read at all.
pub fn bytes_to_read(kind: FileKind, size: u64) -> Result<u64, ExtractError> {
    match kind {
        FileKind::Txt | FileKind::Md | FileKind::Csv => Ok(size.min(MAX_TEXT_FILE_READ)),
        FileKind::Pdf | FileKind::Docx | FileKind::Pptx | FileKind::Xlsx if size <= MAX_PARSED_FILE => Ok(size),
        FileKind::Pdf | FileKind::Docx | FileKind::Pptx | FileKind::Xlsx => Err(ExtractError::Unreadable {
            kind: kind.label(),
            reason: format!("files over {} MB are stored but not indexed for search", MAX_PARSED_FILE / (1024 * 1024)),
        }),
        FileKind::Doc | FileKind::Xls | FileKind::Ppt | FileKind::Png | FileKind::Jpeg | FileKind::Gif => {
            Err(ExtractError::NoText)
        }
    }
}

/// The text of a file's bytes (all of it, or for text kinds its first `MAX_TEXT_FILE_READ` bytes).
pub fn extract(kind: FileKind, bytes: &[u8]) -> Result<Extracted, ExtractError> {
    let unreadable = |reason: String| ExtractError::Unreadable { kind: kind.label(), reason };
    let extracted = match kind {
        FileKind::Txt | FileKind::Md | FileKind::Csv => {
            Extracted { text: String::from_utf8_lossy(bytes).into_owned(), pages: None }
        }
        FileKind::Pdf => {
            let document = lopdf::Document::load_mem(bytes).map_err(|e| unreadable(e.to_string()))?;
            let pages = i32::try_from(document.get_pages().len()).ok();
            let text = pdf_extract::extract_text_from_mem(bytes).map_err(|e| unreadable(e.to_string()))?;
            Extracted { text, pages }
        }
        FileKind::Docx => office::docx(bytes).map_err(unreadable)?,
        FileKind::Pptx => office::pptx(bytes).map_err(unreadable)?,
        FileKind::Xlsx => office::xlsx(bytes).map_err(unreadable)?,
        FileKind::Doc | FileKind::Xls | FileKind::Ppt | FileKind::Png | FileKind::Jpeg | FileKind::Gif => {
            return Err(ExtractError::NoText);
        }
    };
    Ok(Extracted { text: clean(&extracted.text), pages: extracted.pages })
}

/// No NULs (PostgreSQL text refuses them), no runs of blank lines or trailing spaces, and at most
/// `MAX_TEXT_BYTES`, cut on a character boundary.
pub fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_TEXT_BYTES));
    let mut blank_lines = 0;
    for line in text.lines() {
        let line = line.replace('\0', "");
        let line = line.trim_end();
        if line.trim().is_empty() {
            blank_lines += 1;
            if blank_lines > 1 {
                continue;
            }
        } else {
            blank_lines = 0;
        }
        if out.len() + line.len() + 1 > MAX_TEXT_BYTES {
            let room = MAX_TEXT_BYTES.saturating_sub(out.len());
            let cut = (0..=room.min(line.len())).rev().find(|i| line.is_char_boundary(*i)).unwrap_or(0);
            out.push_str(&line[..cut]);
            break;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim().to_string()
}

/// The first `PREVIEW_CHARS` characters with whitespace collapsed, for lists; None for no text.
pub fn preview(text: &str) -> Option<String> {
    let collapsed: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let preview: String = collapsed.chars().take(PREVIEW_CHARS).collect();
    (!preview.is_empty()).then_some(preview)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn text_loses_nuls_and_blank_runs_and_is_capped() {
        assert_eq!(clean("a\0b  \n\n\n\nc\n"), "ab\n\nc");
        let long = "é".repeat(MAX_TEXT_BYTES);
        let cleaned = clean(&long);
        assert!(cleaned.len() <= MAX_TEXT_BYTES && cleaned.chars().all(|c| c == 'é'));
    }

    #[test]
    fn previews_collapse_whitespace_and_stop_at_500_characters() {
        assert_eq!(preview("  Statement\n\tof   work "), Some("Statement of work".into()));
        assert_eq!(preview("word ".repeat(300).as_str()).map(|p| p.chars().count()), Some(PREVIEW_CHARS));
        assert_eq!(preview(" \n "), None);
    }

    #[test]
    fn big_or_textless_files_are_not_read() {
        assert_eq!(bytes_to_read(FileKind::Txt, 10 * MAX_TEXT_FILE_READ), Ok(MAX_TEXT_FILE_READ));
        assert_eq!(bytes_to_read(FileKind::Pdf, 1000), Ok(1000));
        assert!(matches!(bytes_to_read(FileKind::Pdf, MAX_PARSED_FILE + 1), Err(ExtractError::Unreadable { .. })));
        assert_eq!(bytes_to_read(FileKind::Png, 10), Err(ExtractError::NoText));
    }

    #[test]
    fn a_broken_pdf_is_unreadable_not_a_panic() {
        let err = extract(FileKind::Pdf, b"%PDF-1.7\nnot really a pdf").unwrap_err();
        assert!(matches!(err, ExtractError::Unreadable { kind: "a PDF", .. }), "{err:?}");
    }
}
