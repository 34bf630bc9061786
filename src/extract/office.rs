//! Office Open XML: the text of Word paragraphs and PowerPoint slides from their XML parts, and of Excel
//! sheets through calamine.

use super::Extracted;
use calamine::Reader as _;
use quick_xml::{Reader, events::Event};
use std::io::{Cursor, Read};

type Zip<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;

fn open(bytes: &[u8]) -> Result<Zip<'_>, String> {
    zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| format!("not a readable Office file ({e})"))
}

/// One part of the archive as text, refusing parts that inflate past 256 MB (a zip bomb).
fn part(zip: &mut Zip<'_>, name: &str) -> Result<Option<String>, String> {
    const MAX_PART: u64 = 256 * 1024 * 1024;
    let file = match zip.by_name(name) {
        Ok(file) => file,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(format!("{name}: {e}")),
    };
    let mut xml = String::new();
    file.take(MAX_PART + 1).read_to_string(&mut xml).map_err(|e| format!("{name}: {e}"))?;
    if xml.len() as u64 > MAX_PART {
        return Err(format!("{name} is larger than 256 MB unpacked"));
    }
    Ok(Some(xml))
}

/// The text inside elements named `text_tag`, a line break after each `break_tag` and a tab for `tab_tag`.
fn xml_text(xml: &str, text_tag: &str, break_tag: &str, tab_tag: &str) -> Result<String, String> {
    let mut reader = Reader::from_str(xml);
    let mut out = String::new();
    let mut inside = false;
    loop {
        match reader.read_event().map_err(|e| format!("damaged XML at byte {}: {e}", reader.buffer_position()))? {
            Event::Start(e) if e.name().as_ref() == text_tag => inside = true,
            Event::End(e) if e.name().as_ref() == text_tag => inside = false,
            Event::End(e) if e.name().as_ref() == break_tag => out.push('\n'),
            Event::Empty(e) if e.name().as_ref() == tab_tag => out.push('\t'),
            Event::Empty(e) if matches!(e.name().as_ref(), "w:br" | "a:br") => out.push('\n'),
            Event::Text(t) if inside => out.push_str(&t.xml10_content()),
            Event::CData(t) if inside => out.push_str(&t),
            Event::GeneralRef(r) if inside => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    out.push(c);
                } else if let Some(text) = quick_xml::escape::resolve_predefined_entity(&r) {
                    out.push_str(text);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// The number in `<Pages>` or `<Slides>` of docProps/app.xml, when the writer recorded it.
fn app_count(zip: &mut Zip<'_>, tag: &str) -> Option<i32> {
    let xml = part(zip, "docProps/app.xml").ok()??;
    let start = xml.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = start + xml[start..].find('<')?;
    xml[start..end].trim().parse().ok()
}

pub fn docx(bytes: &[u8]) -> Result<Extracted, String> {
    let mut zip = open(bytes)?;
    let body = part(&mut zip, "word/document.xml")?.ok_or("word/document.xml is missing")?;
    let text = xml_text(&body, "w:t", "w:p", "w:tab")?;
    Ok(Extracted { text, pages: app_count(&mut zip, "Pages") })
}

pub fn pptx(bytes: &[u8]) -> Result<Extracted, String> {
    let mut zip = open(bytes)?;
    let mut slides: Vec<(u32, String)> = zip
        .file_names()
        .filter_map(|name| {
            let name = name.ok()?;
            let number = name.strip_prefix("ppt/slides/slide")?.strip_suffix(".xml")?.parse().ok()?;
            Some((number, name.to_string()))
        })
        .collect();
    slides.sort();
    let mut text = String::new();
    for (_, name) in &slides {
        let xml = part(&mut zip, name)?.unwrap_or_default();
        text.push_str(&xml_text(&xml, "a:t", "a:p", "a:tab")?);
        text.push_str("\n\n");
    }
    Ok(Extracted { text, pages: i32::try_from(slides.len()).ok() })
}

/// Each sheet as tab-separated rows under its name; the page count is the number of sheets.
pub fn xlsx(bytes: &[u8]) -> Result<Extracted, String> {
    let mut workbook = calamine::Xlsx::new(Cursor::new(bytes)).map_err(|e| format!("not a readable workbook ({e})"))?;
    let names = workbook.sheet_names();
    let mut text = String::new();
    for name in &names {
        let range = workbook.worksheet_range(name).map_err(|e| format!("sheet {name}: {e}"))?;
        text.push_str(name);
        text.push('\n');
        for row in range.rows() {
            let cells: Vec<String> = row.iter().map(|cell| cell.to_string()).collect();
            if cells.iter().any(|c| !c.is_empty()) {
                text.push_str(cells.join("\t").trim_end());
                text.push('\n');
            }
            if text.len() > super::MAX_TEXT_BYTES {
                break;
            }
        }
        text.push('\n');
    }
    Ok(Extracted { text, pages: i32::try_from(names.len()).ok() })
}
