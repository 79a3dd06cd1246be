//! Matching a session's attendees against the LMS participant list (a CSV with an e-mail column):
//! by e-mail first, then name suggestions, plus the matches a curator confirmed by hand.

use super::*;

/// One person of the LMS participant list.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct RosterEntry {
    pub email: String,
    pub name: Option<String>,
}

/// The largest participant list read (a 100,000-person list with names is about 6 MB).
pub const MAX_ROSTER_BYTES: u64 = 16 * 1024 * 1024;

/// Read the LMS participant list: a CSV with an e-mail column (header containing "mail"), a name
/// column optional. Separator `,` `;` or tab, detected from the header; UTF-8 with or without BOM.
pub fn parse_roster(text: &str) -> Result<Vec<RosterEntry>, CoreError> {
    let text = text.trim_start_matches('\u{feff}');
    let header = text.lines().next().unwrap_or_default();
    let sep = [b';', b'\t', b',']
        .into_iter()
        .max_by_key(|s| header.matches(*s as char).count())
        .unwrap_or(b',');
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(sep)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| {
            CoreError::new(
                ErrorCode::InvalidInput,
                format!("The participant list is not a readable CSV: {e}"),
                None,
            )
        })?
        .clone();
    let find =
        |pred: &dyn Fn(&str) -> bool| headers.iter().position(|h| pred(&h.trim().to_lowercase()));
    let email_col = find(&|h| h.contains("mail")).ok_or_else(|| {
        CoreError::new(ErrorCode::InvalidInput, "The participant list has no e-mail column.", Some("Export it from the LMS with a column named \"E-mail\" (a \"Name\" column is optional).".into()))
    })?;
    let name_col = find(&|h| h.contains("name") || h == "participant" || h == "student");
    let mut out = Vec::new();
    for (line, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| {
            CoreError::new(
                ErrorCode::InvalidInput,
                format!("Line {}: {e}", line + 2),
                None,
            )
        })?;
        let email = rec.get(email_col).unwrap_or_default().trim().to_string();
        if email.is_empty() {
            continue;
        }
        if !crate::tenant::profile::is_email(&email) {
            return Err(CoreError::new(
                ErrorCode::InvalidInput,
                format!(
                    "Line {}: \"{}\" is not an e-mail address.",
                    line + 2,
                    super::import::echo(&email)
                ),
                None,
            ));
        }
        let name = name_col
            .and_then(|c| rec.get(c))
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty());
        out.push(RosterEntry { email, name });
    }
    Ok(out)
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct RosterMatch {
    /// Roster e-mail → attendee key, for everyone who joined.
    pub matched: Vec<(String, String)>,
    /// Registered people who never joined.
    pub no_shows: Vec<RosterEntry>,
    /// Attendees not on the roster, with roster e-mails whose names look alike.
    pub unmatched: Vec<Unmatched>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Unmatched {
    pub key: String,
    pub name: String,
    pub suggestions: Vec<String>,
}

/// The words of a name that count for a suggestion: lower case, letters and digits, two or more.
pub fn name_tokens(s: &str) -> Vec<String> {
    s.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| t.len() > 1)
        .map(str::to_string)
        .collect()
}

/// Match attendees to the roster: by e-mail (case-insensitive; the attendee's e-mail or, through
/// `upn_of`, the sign-in name), then by remembered manual matches (`manual`: attendee key → roster
/// e-mail). Unmatched attendees get up to three roster people who are matched to nobody and whose
/// names share the most words with theirs (ties in roster order).
///
/// Hash maps and an inverted index of the roster's name words keep it near-linear: a 10,000-person
/// town hall against a 10,000-row roster matches in milliseconds (`benches/roster.rs`).
pub fn match_roster(
    attendees: &[Attendee],
    roster: &[RosterEntry],
    manual: &HashMap<String, String>,
) -> RosterMatch {
    let by_email: HashMap<String, usize> = roster
        .iter()
        .enumerate()
        .rev() // the first row wins for a repeated address
        .map(|(i, r)| (r.email.to_lowercase(), i))
        .collect();
    let mut matched = Vec::new();
    let mut taken = vec![false; roster.len()];
    let mut pending = Vec::new();
    for a in attendees {
        let hit = a
            .email
            .as_ref()
            .and_then(|e| by_email.get(&e.to_lowercase()))
            .or_else(|| {
                manual
                    .get(&a.key)
                    .and_then(|m| by_email.get(&m.to_lowercase()))
            })
            .copied();
        match hit {
            Some(i) => {
                taken[i] = true;
                matched.push((roster[i].email.clone(), a.key.clone()));
            }
            None => pending.push(a),
        }
    }
    // Name words of everyone still free → their rows.
    let mut index: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, r) in roster.iter().enumerate().filter(|(i, _)| !taken[*i]) {
        let name = r
            .name
            .as_deref()
            .unwrap_or(r.email.split('@').next().unwrap_or(""));
        let mut words = name_tokens(name);
        words.sort();
        words.dedup();
        for w in words {
            index.entry(w).or_default().push(i);
        }
    }
    let unmatched = pending
        .into_iter()
        .map(|a| {
            let mut score: HashMap<usize, usize> = HashMap::new();
            for w in name_tokens(&a.name) {
                for &i in index.get(&w).map(Vec::as_slice).unwrap_or_default() {
                    *score.entry(i).or_default() += 1;
                }
            }
            let mut scored: Vec<(usize, usize)> = score.into_iter().collect();
            scored.sort_by_key(|&(i, n)| (std::cmp::Reverse(n), i));
            Unmatched {
                key: a.key.clone(),
                name: a.name.clone(),
                suggestions: scored
                    .into_iter()
                    .take(3)
                    .map(|(i, _)| roster[i].email.clone())
                    .collect(),
            }
        })
        .collect();
    let no_shows = roster
        .iter()
        .zip(&taken)
        .filter(|(r, t)| {
            !**t && by_email
                .get(&r.email.to_lowercase())
                .is_some_and(|&i| !taken[i])
        })
        .map(|(r, _)| r.clone())
        .collect();
    RosterMatch {
        matched,
        no_shows,
        unmatched,
    }
}
