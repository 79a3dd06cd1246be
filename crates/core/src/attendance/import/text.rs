//! The bytes of a download as rows of cells: the encodings the files come in (UTF-16LE with a BOM
//! as Teams writes them, UTF-16BE, UTF-16 without a BOM, UTF-8 with or without a BOM, ASCII) and
//! the shapes (tab-separated as downloaded, every row padded with trailing tabs; or re-saved by
//! Excel as comma- or semicolon-separated with quotes).

use crate::error::{CoreError, ErrorCode};

fn refused(message: impl Into<String>, hint: Option<&str>) -> CoreError {
    CoreError::new(ErrorCode::InvalidInput, message, hint.map(str::to_string))
}

/// UTF-16LE/BE (with a BOM, or without one when every other byte is zero), or UTF-8 (with or
/// without a BOM). Anything else — a legacy code page such as Windows-1250 after Excel re-saved
/// the file — is refused: its letters cannot be known.
pub fn decode(bytes: &[u8]) -> Result<String, CoreError> {
    let utf16 = |le: bool, body: &[u8]| -> Result<String, CoreError> {
        if !body.len().is_multiple_of(2) {
            return Err(refused(
                "The file is cut off (an odd number of bytes in UTF-16).",
                Some("Download the attendance file from Teams again."),
            ));
        }
        let units: Vec<u16> = body
            .chunks(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16(&units).map_err(|_| refused("The file is not valid UTF-16 text.", None))
    };
    let zeros_at = |odd: bool| {
        let sample = &bytes[..bytes.len().min(400)];
        sample.len() >= 4
            && sample
                .iter()
                .skip(usize::from(odd))
                .step_by(2)
                .filter(|b| **b == 0)
                .count()
                * 10
                >= sample.len() / 2 * 9
    };
    match bytes {
        [0xFF, 0xFE, rest @ ..] => utf16(true, rest),
        [0xFE, 0xFF, rest @ ..] => utf16(false, rest),
        [0xEF, 0xBB, 0xBF, rest @ ..] => String::from_utf8(rest.to_vec())
            .map_err(|_| refused("The file is not valid UTF-8 text.", None)),
        _ if zeros_at(true) => utf16(true, bytes),
        _ if zeros_at(false) => utf16(false, bytes),
        _ => String::from_utf8(bytes.to_vec()).map_err(|_| {
            refused(
                "The file is not Unicode text: it was saved in an older code page (Excel's \"CSV\" does that), so its letters cannot be read for sure.",
                Some("Use the file exactly as Teams downloaded it, or save it again in Excel as \"Unicode Text\" or \"CSV UTF-8\"."),
            )
        }),
    }
}

/// One row: its line number (from 1) and its cells, trimmed, without the trailing empty ones.
pub type Row = (usize, Vec<String>);

/// The rows of the text, split on the file's own separator: tab as Teams writes it; a comma or a
/// semicolon, with quotes, after Excel re-saved it. Empty rows are kept (empty cell lists): they
/// end sections.
pub fn rows(text: &str) -> Vec<Row> {
    let sep = separator(text);
    let clean = |cells: &mut Vec<String>| {
        while cells.last().is_some_and(String::is_empty) {
            cells.pop();
        }
    };
    if sep == b'\t' {
        // As Teams writes it: no quoting, and blank lines (which end sections) kept.
        return text
            .lines()
            .enumerate()
            .map(|(i, l)| {
                let mut cells: Vec<String> = l
                    .split('\t')
                    .map(|c| {
                        c.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
                            .to_string()
                    })
                    .collect();
                clean(&mut cells);
                (i + 1, cells)
            })
            .collect();
    }
    let mut out = Vec::new();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sep)
        .has_headers(false)
        .flexible(true)
        .quoting(sep != b'\t')
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line() as usize;
        match reader.read_record(&mut record) {
            Ok(true) => {
                let mut cells: Vec<String> = record
                    .iter()
                    .map(|c| {
                        c.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
                            .to_string()
                    })
                    .collect();
                clean(&mut cells);
                out.push((line, cells));
            }
            Ok(false) => break,
            // A broken quote: the rest is one damaged row; what came before stands.
            Err(_) => {
                out.push((line, vec!["\u{fffd}".into()]));
                break;
            }
        }
    }
    out
}

/// The separator: tab when any of the first lines has one (Teams), else whichever of `;` and `,`
/// the first lines have more of outside quotes.
fn separator(text: &str) -> u8 {
    let head: Vec<&str> = text.lines().take(12).collect();
    if head.iter().any(|l| l.contains('\t')) {
        return b'\t';
    }
    let count = |c: char| {
        head.iter()
            .map(|l| {
                let mut quoted = false;
                l.chars()
                    .filter(|x| {
                        if *x == '"' {
                            quoted = !quoted;
                        }
                        !quoted && *x == c
                    })
                    .count()
            })
            .sum::<usize>()
    };
    if count(';') > count(',') {
        b';'
    } else {
        b','
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_encoding_the_files_come_in() {
        let text = "Full Name\tUser Action\tTimestamp\r\n";
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        for bytes in [
            [&[0xFF, 0xFE][..], &le].concat(),
            [&[0xFE, 0xFF][..], &be].concat(),
            le.clone(),
            be.clone(),
            [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat(),
            text.as_bytes().to_vec(),
        ] {
            assert_eq!(decode(&bytes).unwrap(), text);
        }
        let e = decode(b"Tytu\xb3 spotkania;x\n").unwrap_err();
        assert!(e.message.contains("code page"), "{}", e.message);
    }

    #[test]
    fn tabs_padding_and_excel_quotes() {
        let r = rows("a\tb\t\t\t\r\n\t\t\r\nc\td\r\n");
        assert_eq!(r[0], (1, vec!["a".into(), "b".into()]));
        assert_eq!(r[1].1, Vec::<String>::new());
        assert_eq!(r[2], (3, vec!["c".into(), "d".into()]));
        let r = rows(
            "Full Name,User Action,Timestamp\nKray Thorn,Joined before,\"11/4/2020, 9:50:12 AM\"\n",
        );
        assert_eq!(r[1].1[2], "11/4/2020, 9:50:12 AM");
        let r = rows("Nama;Join Time\nFariz;4/13/2022, 7:56:32 AM\n");
        assert_eq!(
            r[1].1,
            vec!["Fariz".to_string(), "4/13/2022, 7:56:32 AM".into()]
        );
    }
}
