//! The three files Teams has written, recognised by their structure, not by their words:
//! - the in-meeting "Download attendance list" (2020–2025): one header of three columns (full
//!   name, user action, timestamp), no sections, no meeting times;
//! - the 2021–22 report: a one-cell heading ("Meeting Summary"), key/value lines (title, start,
//!   end), a blank line, then one participant table with a row per join (a person on several);
//! - the 2022+ report: numbered sections ("1. Summary", "2. Participants", "3. In-Meeting
//!   Activities" in the organizer's language), each a key/value list or a table.
//!
//! Words decide only the language ([`super::labels`]), which then names the columns. Cells are
//! kept as text with their line here; dates are read once the whole file is known ([`super::when`]).

use super::labels::{language_of_best, Act, Language, L};
use super::text::Row;
use crate::error::{CoreError, ErrorCode};

/// Which of the files it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum Format {
    /// The in-meeting "Download attendance list" (2020–2025).
    InMeetingList,
    /// The attendance report of 2021–22 ("Meeting Summary").
    Report2021,
    /// The attendance report since 2022 ("1. Summary", "2. Participants", …).
    Report,
}

impl Format {
    pub fn words(self) -> &'static str {
        match self {
            Format::InMeetingList => "in-meeting attendance list",
            Format::Report2021 => "attendance report (2021–22)",
            Format::Report => "attendance report",
        }
    }
}

/// A cell and the line it is on.
pub type Cell = (usize, String);

#[derive(Default, Debug)]
pub struct Person {
    pub name: String,
    pub email: Option<String>,
    pub upn: Option<String>,
    pub role: Option<String>,
    /// The person's time as the file states it (2022+: "In-meeting duration").
    pub total: Option<Cell>,
    /// Each row's duration (2021–22: a row per join; summed).
    pub row_totals: Vec<Cell>,
    /// Join and leave cells, a pair per row (2021–22 rows, 2022+ activities).
    pub spans: Vec<(Cell, Cell)>,
    /// First join and last leave (2022+ participants), used when there are no activities.
    pub first_last: Option<(Cell, Cell)>,
    /// A list's actions.
    pub acts: Vec<(Act, Cell)>,
}

pub struct Raw {
    pub format: Format,
    pub language: &'static Language,
    pub title: Option<String>,
    pub start: Option<Cell>,
    pub end: Option<Cell>,
    pub people: Vec<Person>,
    /// Activity rows that name nobody in the participants table.
    pub unmatched: usize,
}

fn refuse(line: Option<usize>, message: String, hint: &str) -> CoreError {
    let message = match line {
        Some(n) => format!("Line {n}: {message}"),
        None => message,
    };
    CoreError::new(ErrorCode::InvalidInput, message, Some(hint.to_string()))
}

const AS_DOWNLOADED: &str =
    "Use the file exactly as Teams downloaded it (Attendance → Download, or the meeting's \"Download attendance list\").";

/// Shown in messages: at most 60 characters, control characters as spaces.
pub fn echo(cell: &str) -> String {
    let mut out: String = cell
        .chars()
        .take(60)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if cell.chars().count() > 60 {
        out.push('…');
    }
    out
}

fn quoted(cells: &[String]) -> String {
    cells
        .iter()
        .take(8)
        .map(|c| format!("\"{}\"", echo(c)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A numbered section's number ("2. Participants" → 2; "3. Działania podczas spotkania" → 3).
fn section(cells: &[String]) -> Option<u8> {
    let first = cells.first()?;
    let (n, rest) = first.split_once('.')?;
    let n: u8 = n.trim().parse().ok()?;
    (cells.len() == 1 && (1..=9).contains(&n) && rest.starts_with(' ') && rest.trim().len() > 2)
        .then_some(n)
}

/// Recognise the file and take its cells apart.
pub fn read(rows: &[Row]) -> Result<Raw, CoreError> {
    let mut it = rows.iter().filter(|(_, c)| !c.is_empty());
    let Some((line, first)) = it.next() else {
        return Err(refuse(None, "The file is empty.".into(), AS_DOWNLOADED));
    };
    if section(first).is_some() {
        return report(rows);
    }
    let second = it.next();
    match (first.len(), second.map(|(_, c)| c.len())) {
        (1, Some(2)) => report_2021(rows),
        (3, _) => list(rows),
        (n, _) if n >= 5 => Err(refuse(
            Some(*line),
            format!(
                "the file starts with a table ({}) but not with the meeting summary Teams writes above it",
                quoted(first)
            ),
            AS_DOWNLOADED,
        )),
        _ => Err(refuse(
            Some(*line),
            format!(
                "the file does not start like any Teams attendance file (an in-meeting list's three columns, or a report's summary): {}",
                quoted(first)
            ),
            AS_DOWNLOADED,
        )),
    }
}

/// The language of a header, or a refusal that shows the words.
fn header_language(
    line: usize,
    header: &[String],
    needs: &[L],
) -> Result<&'static Language, CoreError> {
    let cells: Vec<&str> = header.iter().map(String::as_str).collect();
    match language_of_best(&cells) {
        Some(lang) if needs.iter().all(|n| cells.iter().any(|c| lang.label(c) == Some(*n))) => Ok(lang),
        _ => Err(refuse(
            Some(line),
            format!(
                "the column names {} are not in a language Rollcall has a real Teams file for yet (it reads {})",
                quoted(header),
                super::labels::known()
            ),
            "Set Teams' language to English (Teams → Settings → Language), download the file again and import that one; or tell us which language this is, so we can add it from a real file.",
        )),
    }
}

/// Column positions by meaning.
struct Columns(Vec<Option<L>>);

impl Columns {
    fn of(lang: &Language, header: &[String]) -> Columns {
        Columns(header.iter().map(|h| lang.label(h)).collect())
    }
    fn get<'a>(&self, cells: &'a [String], what: L) -> Option<&'a str> {
        self.0
            .iter()
            .position(|m| *m == Some(what))
            .map(|i| cells.get(i).map(String::as_str).unwrap_or(""))
    }
    fn width(&self) -> usize {
        self.0.len()
    }
}

/// One person per e-mail (or UPN, or name): a person on several rows is one attendee.
fn slot(people: &mut Vec<Person>, name: &str, email: Option<&str>, upn: Option<&str>) -> usize {
    let key = |p: &Person| {
        p.email
            .clone()
            .or_else(|| p.upn.clone())
            .unwrap_or_else(|| p.name.clone())
            .to_lowercase()
    };
    let wanted = email
        .filter(|e| !e.is_empty())
        .or(upn.filter(|u| !u.is_empty()))
        .unwrap_or(name)
        .to_lowercase();
    if let Some(i) = people.iter().position(|p| key(p) == wanted) {
        return i;
    }
    people.push(Person {
        name: name.to_string(),
        email: email.filter(|e| !e.is_empty()).map(str::to_string),
        upn: upn.filter(|u| !u.is_empty()).map(str::to_string),
        ..Default::default()
    });
    people.len() - 1
}

fn too_wide(line: usize, got: usize, header: usize) -> CoreError {
    refuse(
        Some(line),
        format!("{got} columns where the header has {header}"),
        AS_DOWNLOADED,
    )
}

/// The 2020 list: name, action, timestamp.
fn list(rows: &[Row]) -> Result<Raw, CoreError> {
    let mut it = rows.iter().filter(|(_, c)| !c.is_empty());
    let (line, header) = it
        .next()
        .ok_or_else(|| refuse(None, "The file is empty.".into(), AS_DOWNLOADED))?;
    let lang = header_language(*line, header, &[L::Name, L::Action, L::Timestamp])?;
    let cols = Columns::of(lang, header);
    let mut people = Vec::new();
    for (line, cells) in it {
        if cells.len() > cols.width() {
            return Err(too_wide(*line, cells.len(), cols.width()));
        }
        let name = cols.get(cells, L::Name).unwrap_or("");
        let word = cols.get(cells, L::Action).unwrap_or("");
        let when = cols.get(cells, L::Timestamp).unwrap_or("");
        let act = lang.act(word).ok_or_else(|| {
            let known: Vec<&str> = lang.acts.iter().map(|(w, _)| *w).collect();
            refuse(
                Some(*line),
                format!(
                    "\"{}\" is not an action Rollcall knows in {} ({})",
                    echo(word),
                    lang.name,
                    known.join(", ")
                ),
                AS_DOWNLOADED,
            )
        })?;
        let i = slot(&mut people, name, None, None);
        people[i].acts.push((act, (*line, when.to_string())));
    }
    Ok(Raw {
        format: Format::InMeetingList,
        language: lang,
        title: None,
        start: None,
        end: None,
        people,
        unmatched: 0,
    })
}

/// Key/value summary lines until a blank line or a section: (line, key, value).
fn summary(rows: &[Row], from: usize) -> (Vec<(usize, &str, &str)>, usize) {
    let mut out = Vec::new();
    let mut i = from;
    while let Some((line, cells)) = rows.get(i) {
        // A blank line, the next section, or a table's header (where a file has no blank line).
        if cells.is_empty() || section(cells).is_some() || cells.len() > 2 {
            break;
        }
        out.push((
            *line,
            cells[0].as_str(),
            cells.get(1).map(String::as_str).unwrap_or(""),
        ));
        i += 1;
    }
    (out, i)
}

/// Title, start and end from summary lines in `lang`; a title Teams left empty ("null") is none.
fn from_summary(
    lang: &Language,
    lines: &[(usize, &str, &str)],
) -> (Option<String>, Option<Cell>, Option<Cell>) {
    let (mut title, mut start, mut end) = (None, None, None);
    for (line, key, value) in lines {
        match lang.label(key) {
            Some(L::Title) => {
                title = Some(value.to_string()).filter(|t| !t.is_empty() && t != "null")
            }
            Some(L::Start) => start = Some((*line, value.to_string())),
            Some(L::End) => end = Some((*line, value.to_string())),
            _ => {}
        }
    }
    (title, start, end)
}

/// The 2021–22 report: heading, summary, blank, one table with a row per join.
fn report_2021(rows: &[Row]) -> Result<Raw, CoreError> {
    let begin = rows.iter().position(|(_, c)| !c.is_empty()).unwrap_or(0);
    let (lines, after) = summary(rows, begin + 1);
    let mut rest = rows[after..].iter().filter(|(_, c)| !c.is_empty());
    let (hline, header) = rest.next().ok_or_else(|| {
        refuse(
            None,
            "The report has a summary but no participant table.".into(),
            AS_DOWNLOADED,
        )
    })?;
    let lang = header_language(*hline, header, &[L::Name, L::JoinTime, L::LeaveTime])?;
    let (title, start, end) = from_summary(lang, &lines);
    let cols = Columns::of(lang, header);
    let mut people = Vec::new();
    for (line, cells) in rest {
        if cells.len() > cols.width() {
            return Err(too_wide(*line, cells.len(), cols.width()));
        }
        let get = |w| cols.get(cells, w).unwrap_or("");
        let i = slot(
            &mut people,
            get(L::Name),
            Some(get(L::Email)),
            Some(get(L::Upn)),
        );
        let p = &mut people[i];
        p.spans.push((
            (*line, get(L::JoinTime).into()),
            (*line, get(L::LeaveTime).into()),
        ));
        if cols.get(cells, L::Duration).is_some() {
            p.row_totals.push((*line, get(L::Duration).into()));
        }
        if !get(L::Role).is_empty() {
            p.role = Some(lang.role(get(L::Role)));
        }
    }
    Ok(Raw {
        format: Format::Report2021,
        language: lang,
        title,
        start,
        end,
        people,
        unmatched: 0,
    })
}

/// The 2022+ report: numbered sections.
fn report(rows: &[Row]) -> Result<Raw, CoreError> {
    let mut summary_lines = Vec::new();
    let mut tables: Vec<(u8, &Row, Vec<&Row>)> = Vec::new();
    let mut i = 0;
    while i < rows.len() {
        let Some(n) = section(&rows[i].1) else {
            i += 1;
            continue;
        };
        if n == 1 {
            let (lines, after) = summary(rows, i + 1);
            summary_lines = lines;
            i = after;
            continue;
        }
        // A table: its header, then rows until a blank line or the next section.
        let mut j = i + 1;
        while rows.get(j).is_some_and(|(_, c)| c.is_empty()) {
            j += 1;
        }
        let Some(header) = rows.get(j).filter(|(_, c)| section(c).is_none()) else {
            i = j;
            continue;
        };
        let mut body = Vec::new();
        j += 1;
        while let Some(r) = rows.get(j) {
            if r.1.is_empty() || section(&r.1).is_some() {
                break;
            }
            body.push(r);
            j += 1;
        }
        tables.push((n, header, body));
        i = j;
    }
    let Some((_, (pline, pheader), participants)) = tables.iter().find(|(n, _, _)| *n == 2) else {
        return Err(refuse(
            None,
            "The report has no participant section (\"2. …\").".into(),
            AS_DOWNLOADED,
        ));
    };
    let lang = header_language(*pline, pheader, &[L::Name, L::Duration])?;
    let (title, start, end) = from_summary(lang, &summary_lines);
    let cols = Columns::of(lang, pheader);
    let mut people: Vec<Person> = Vec::new();
    for (line, cells) in participants {
        if cells.len() > cols.width() {
            return Err(too_wide(*line, cells.len(), cols.width()));
        }
        let get = |w| cols.get(cells, w).unwrap_or("");
        // The participants table has one row per person (addresses may be blank or, in a
        // pseudonymised file, all the same).
        let mut p = Person {
            name: get(L::Name).to_string(),
            email: Some(get(L::Email).to_string()).filter(|e| e.contains('@')),
            upn: Some(get(L::Upn).to_string()).filter(|u| u.contains('@')),
            ..Default::default()
        };
        p.total = Some((*line, get(L::Duration).into()));
        if let (Some(j), Some(l)) = (cols.get(cells, L::FirstJoin), cols.get(cells, L::LastLeave)) {
            p.first_last = Some(((*line, j.into()), (*line, l.into())));
        }
        if !get(L::Role).is_empty() {
            p.role = Some(lang.role(get(L::Role)));
        }
        people.push(p);
    }
    let mut unmatched = 0usize;
    if let Some((_, (aline, aheader), activities)) = tables.iter().find(|(n, _, _)| *n == 3) {
        let acols = Columns::of(lang, aheader);
        if acols.get(aheader, L::JoinTime).is_none() || acols.get(aheader, L::LeaveTime).is_none() {
            return Err(refuse(
                Some(*aline),
                format!(
                    "the activities' columns {} have no join and leave times in {}",
                    quoted(aheader),
                    lang.name
                ),
                AS_DOWNLOADED,
            ));
        }
        for (line, cells) in activities {
            if cells.len() > acols.width() {
                return Err(too_wide(*line, cells.len(), acols.width()));
            }
            let get = |w| acols.get(cells, w).unwrap_or("");
            // The participant of this row: by name, else by an address only one has. A row that
            // names nobody in the participants table is left out (their first join → last leave
            // stands); the count is noted.
            let name = get(L::Name);
            let email = get(L::Email);
            let by_name = people
                .iter()
                .position(|p| p.name.eq_ignore_ascii_case(name));
            let by_address = || {
                let same: Vec<usize> = (0..people.len())
                    .filter(|i| {
                        !email.is_empty()
                            && people[*i]
                                .email
                                .as_deref()
                                .is_some_and(|e| e.eq_ignore_ascii_case(email))
                    })
                    .collect();
                (same.len() == 1).then(|| same[0])
            };
            match by_name.or_else(by_address) {
                Some(i) => people[i].spans.push((
                    (*line, get(L::JoinTime).into()),
                    (*line, get(L::LeaveTime).into()),
                )),
                None => unmatched += 1,
            }
        }
    }
    Ok(Raw {
        format: Format::Report,
        language: lang,
        title,
        start,
        end,
        people,
        unmatched,
    })
}
