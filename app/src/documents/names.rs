//! File names as people gave them, made safe to show and to offer back as a download name: the name keeps
//! what the person typed minus anything that could mislead or break a page (path parts, control and
//! direction characters). Storage keys never contain it (see `upload::storage_key`).

use crate::storage::kinds::FileKind;

/// A checked upload name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadName {
    /// For display and downloads (at most 255 characters).
    pub display: String,
    pub kind: FileKind,
}

/// Right-to-left overrides and isolates can make `gpj.exe` read as `exe.jpg`.
fn is_hidden_or_bidi(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

impl UploadName {
    pub fn parse(original: &str) -> Result<UploadName, String> {
        // Only the last path segment counts, whichever separator the browser used.
        let base = original.rsplit(['/', '\\']).next().unwrap_or_default();
        let cleaned: String = base.chars().filter(|c| !is_hidden_or_bidi(*c)).collect();
        let display: String = cleaned.trim().trim_matches('.').trim().chars().take(255).collect();
        if display.is_empty() {
            return Err("The file needs a name.".into());
        }
        let Some((_, extension)) = display.rsplit_once('.').filter(|(stem, _)| !stem.trim().is_empty()) else {
            return Err(format!(
                "\u{201c}{display}\u{201d} has no extension: name it with its type, e.g. proposal.pdf."
            ));
        };
        let kind = FileKind::of_extension(extension.trim()).ok_or_else(|| {
            format!(
                "Files of type .{} cannot be uploaded. Accepted: {}.",
                extension.trim(),
                FileKind::ALL.iter().map(|k| format!(".{}", k.as_str())).collect::<Vec<_>>().join(", ")
            )
        })?;
        Ok(UploadName { display, kind })
    }
}

#[cfg(test)]
mod tests {
    use super::UploadName;
    use crate::storage::kinds::FileKind;

    #[test]
    fn ordinary_names_keep_their_words() {
        let n = UploadName::parse("Volume I – Technical Approach (final).PDF").expect("valid");
        assert_eq!(n.display, "Volume I – Technical Approach (final).PDF");
        assert_eq!(n.kind, FileKind::Pdf);
    }

    #[test]
    fn paths_controls_and_direction_tricks_are_removed() {
        let n = UploadName::parse("../../etc/passwd.txt").expect("valid");
        assert_eq!(n.display, "passwd.txt");
        let n = UploadName::parse("C:\\Users\\me\\notes\u{0}\u{7}.md").expect("valid");
        assert_eq!(n.display, "notes.md");
        let n = UploadName::parse("invoice\u{202e}fdp.exe.txt").expect("valid");
        assert_eq!((n.display.as_str(), n.kind), ("invoicefdp.exe.txt", FileKind::Txt));
        let n = UploadName::parse("提案書.docx").expect("valid");
        assert_eq!(n.display, "提案書.docx");
    }

    #[test]
    fn names_without_an_accepted_type_say_what_to_do() {
        assert!(UploadName::parse("").expect_err("empty").contains("needs a name"));
        assert!(UploadName::parse("../..").expect_err("dots").contains("needs a name"));
        assert!(UploadName::parse("README").expect_err("no extension").contains("no extension"));
        let err = UploadName::parse("setup.exe").expect_err("exe");
        assert!(err.contains(".exe cannot be uploaded") && err.contains(".pdf"), "{err}");
    }
}
