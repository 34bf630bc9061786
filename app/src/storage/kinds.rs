//! Which files may be uploaded, told by their bytes and not only by their name: each allowed kind has an
//! extension, a MIME type and a signature its first bytes must carry. Programs are refused whatever they
//! are called.

use crate::closed_set;

closed_set! {
    /// A kind of file GWM CRM accepts, named by its usual extension.
    pub enum FileKind: "file type" {
        Pdf = "pdf",
        Docx = "docx",
        Xlsx = "xlsx",
        Pptx = "pptx",
        Doc = "doc",
        Xls = "xls",
        Ppt = "ppt",
        Csv = "csv",
        Txt = "txt",
        Md = "md",
        Png = "png",
        Jpeg = "jpg",
        Gif = "gif",
    }
}

/// How many leading bytes the checks look at.
pub const HEAD_BYTES: usize = 4096;

const ZIP: &[u8] = b"PK\x03\x04";
const OLE: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

impl FileKind {
    /// The kind of a file name's extension (`.jpeg` counts as `.jpg`), if it is one we accept.
    pub fn of_extension(extension: &str) -> Option<FileKind> {
        match extension.to_ascii_lowercase().as_str() {
            "jpeg" => Some(FileKind::Jpeg),
            other => other.parse().ok(),
        }
    }

    pub const fn mime_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Self::Pptx => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            Self::Doc => "application/msword",
            Self::Xls => "application/vnd.ms-excel",
            Self::Ppt => "application/vnd.ms-powerpoint",
            Self::Csv => "text/csv",
            Self::Txt => "text/plain",
            Self::Md => "text/markdown",
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Gif => "image/gif",
        }
    }

    /// What people call it, for messages.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Pdf => "a PDF",
            Self::Docx | Self::Doc => "a Word document",
            Self::Xlsx | Self::Xls => "an Excel workbook",
            Self::Pptx | Self::Ppt => "a PowerPoint presentation",
            Self::Csv => "a CSV file",
            Self::Txt => "a text file",
            Self::Md => "a Markdown file",
            Self::Png => "a PNG image",
            Self::Jpeg => "a JPEG image",
            Self::Gif => "a GIF image",
        }
    }

    pub const fn is_text(self) -> bool {
        matches!(self, Self::Csv | Self::Txt | Self::Md)
    }

    /// Checks the file's first bytes (up to `HEAD_BYTES`) against this kind. The error says what to fix.
    pub fn check_head(self, head: &[u8]) -> Result<(), String> {
        if head.is_empty() {
            return Err("The file is empty: choose a file with something in it.".into());
        }
        if let Some(program) = program_signature(head) {
            return Err(format!("The file is {program}, not {}: programs cannot be uploaded.", self.label()));
        }
        let matches = match self {
            Self::Pdf => head.starts_with(b"%PDF-"),
            Self::Docx | Self::Xlsx | Self::Pptx => head.starts_with(ZIP),
            Self::Doc | Self::Xls | Self::Ppt => head.starts_with(OLE),
            Self::Png => head.starts_with(b"\x89PNG\r\n\x1a\n"),
            Self::Jpeg => head.starts_with(b"\xFF\xD8\xFF"),
            Self::Gif => head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a"),
            Self::Csv | Self::Txt | Self::Md => is_text(head),
        };
        if matches {
            Ok(())
        } else if self.is_text() {
            Err(format!(
                "The file is named as {} but is not UTF-8 text. Save it as UTF-8 text, or upload it under its real type.",
                self.label()
            ))
        } else {
            Err(format!(
                "The file is named as {} but its contents are not {}. Upload the real file, or give it its real extension.",
                self.label(),
                self.label()
            ))
        }
    }
}

/// Executables and scripts, by their signatures.
fn program_signature(head: &[u8]) -> Option<&'static str> {
    const MACH_O: [&[u8]; 4] = [b"\xFE\xED\xFA\xCE", b"\xFE\xED\xFA\xCF", b"\xCE\xFA\xED\xFE", b"\xCF\xFA\xED\xFE"];
    if head.starts_with(b"MZ") {
        Some("a Windows program")
    } else if head.starts_with(b"\x7FELF") {
        Some("a Linux program")
    } else if MACH_O.iter().any(|m| head.starts_with(m)) || head.starts_with(b"\xCA\xFE\xBA\xBE") {
        Some("a macOS program")
    } else if head.starts_with(b"#!") {
        Some("a script")
    } else {
        None
    }
}

/// UTF-8 without NUL bytes (a multi-byte character cut at the end of the head is fine).
fn is_text(head: &[u8]) -> bool {
    if head.contains(&0) {
        return false;
    }
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && head.len() - e.valid_up_to() < 4,
    }
}

#[cfg(test)]
mod tests {
    use super::FileKind;

    #[test]
    fn real_files_pass_and_extensions_are_read_case_blind() {
        assert_eq!(FileKind::of_extension("PDF"), Some(FileKind::Pdf));
        assert_eq!(FileKind::of_extension("jpeg"), Some(FileKind::Jpeg));
        assert_eq!(FileKind::of_extension("exe"), None);
        assert!(FileKind::Pdf.check_head(b"%PDF-1.7\n...").is_ok());
        assert!(FileKind::Docx.check_head(b"PK\x03\x04\x14\x00").is_ok());
        assert!(FileKind::Txt.check_head("Statement of work — phase 2\n".as_bytes()).is_ok());
        // A character cut at the end of the head.
        assert!(FileKind::Md.check_head(&"ééé".as_bytes()[..5]).is_ok());
    }

    #[test]
    fn disguised_programs_and_mislabelled_files_are_refused_with_a_reason() {
        let exe = FileKind::Pdf.check_head(b"MZ\x90\x00\x03\x00\x00\x00").expect_err("an exe named .pdf");
        assert!(exe.contains("Windows program") && exe.contains("cannot be uploaded"), "{exe}");
        assert!(FileKind::Txt.check_head(b"#!/bin/sh\nrm -rf /").expect_err("a script").contains("script"));
        assert!(FileKind::Docx.check_head(b"\x7FELF\x02\x01").is_err());
        let fake = FileKind::Pdf.check_head(b"hello").expect_err("text named .pdf");
        assert!(fake.contains("not a PDF"), "{fake}");
        assert!(FileKind::Txt.check_head(b"a\x00b").expect_err("binary named .txt").contains("UTF-8"));
        assert!(FileKind::Txt.check_head(b"").expect_err("empty").contains("empty"));
    }
}
