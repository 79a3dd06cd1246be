//! The words Teams writes in a download, per language — section names, summary keys, column
//! headers, list actions, roles — each taken from a real published file (named beside the
//! language), never translated by us. A file whose words are not here is refused with its words
//! shown: add a language only from a real file or a parser written for such files.

/// What a label means, whatever the language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum L {
    /// The 2021–22 report's first line ("Meeting Summary").
    SummaryHeading,
    Title,
    Start,
    End,
    /// Summary lines read but not needed (participant count, meeting id, durations).
    Other,
    Name,
    /// The 2020 list's "User Action" and "Timestamp" columns.
    Action,
    Timestamp,
    FirstJoin,
    LastLeave,
    JoinTime,
    LeaveTime,
    /// A person's time in the meeting (2022+: "In-meeting duration"), or one row's (2021–22,
    /// and the 2022+ activities: "Duration").
    Duration,
    Email,
    Upn,
    Role,
}

/// A 2020 list's action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Act {
    Joined,
    /// Already in the meeting when the list was opened: present from its start.
    JoinedBefore,
    Left,
}

pub struct Language {
    pub name: &'static str,
    /// The real files the words come from.
    pub sources: &'static [&'static str],
    pub labels: &'static [(&'static str, L)],
    pub acts: &'static [(&'static str, Act)],
    /// Roles as written → as Rollcall shows them.
    pub roles: &'static [(&'static str, &'static str)],
}

pub const LANGUAGES: &[Language] = &[
    Language {
        name: "English",
        sources: &[
            "2020 list: darker-space/Teams-Attendance uploads/…meetingAttendanceList (10).csv, gspahlin/MS_Teams_attendance_formatter meetingAttendanceList.csv, dominikhoebert/Teams-Attendance-Klassenbuch-Writer meetingAttendanceList.csv",
            "2021–22 report: Raikonif/Teams-Attendance-app attendace_reports/…/meetingAttendanceReport.csv",
            "2022+ report: dvaneynde/teams-attendance data/IDL-14-11-22.csv",
        ],
        labels: &[
            ("Meeting Summary", L::SummaryHeading),
            ("Meeting Title", L::Title),
            ("Meeting Start Time", L::Start),
            ("Meeting End Time", L::End),
            ("Total Number of Participants", L::Other),
            ("Meeting Id", L::Other),
            ("Start time", L::Start),
            ("End time", L::End),
            ("Attended participants", L::Other),
            ("Meeting duration", L::Other),
            ("Average attendance time", L::Other),
            ("Full Name", L::Name),
            ("Name", L::Name),
            ("User Action", L::Action),
            ("Timestamp", L::Timestamp),
            ("First join", L::FirstJoin),
            ("Last leave", L::LastLeave),
            ("Join Time", L::JoinTime),
            ("Leave Time", L::LeaveTime),
            ("In-meeting duration", L::Duration),
            ("Duration", L::Duration),
            ("Email", L::Email),
            ("Participant ID (UPN)", L::Upn),
            ("Role", L::Role),
        ],
        acts: &[
            ("Joined", Act::Joined),
            ("Joined before", Act::JoinedBefore),
            ("Left", Act::Left),
        ],
        roles: &[("Organizer", "Organizer"), ("Presenter", "Presenter")],
    },
    Language {
        name: "French",
        sources: &["2021–22 report: Necrelox/Auto_Presence meetingAttendanceReport.csv"],
        labels: &[
            ("Résumé de la réunion", L::SummaryHeading),
            ("Nombre total de participants", L::Other),
            ("Titre de la réunion", L::Title),
            ("Heure de début de la réunion", L::Start),
            ("Heure de fin", L::End),
            ("Nom complet", L::Name),
            ("Heure d'arrivée", L::JoinTime),
            ("Heure de départ", L::LeaveTime),
            ("Durée", L::Duration),
            ("E-mail", L::Email),
            ("Rôle", L::Role),
        ],
        acts: &[],
        roles: &[("Organisateur", "Organizer"), ("Présentateur", "Presenter")],
    },
    Language {
        name: "Polish",
        sources: &["2022+ report: mlodyjesienin/teams-attendance example-files/Przedmiot lab3 - Raport obecności 3-10-25.csv"],
        labels: &[
            ("Tytuł spotkania", L::Title),
            ("Liczba uczestniczących", L::Other),
            ("Godzina rozpoczęcia", L::Start),
            ("Godzina zakończenia", L::End),
            ("Czas trwania spotkania", L::Other),
            ("Średni czas uczestnictwa", L::Other),
            ("Imię i nazwisko", L::Name),
            ("Pierwsze dołączenie", L::FirstJoin),
            ("Ostatnie wyjście", L::LastLeave),
            ("Czas udziału w spotkaniu", L::Duration),
            ("Adres e-mail", L::Email),
            ("Identyfikator uczestnika (UPN)", L::Upn),
            ("Rola", L::Role),
            ("Godzina dołączenia", L::JoinTime),
            ("Godzina opuszczenia", L::LeaveTime),
            ("Czas trwania", L::Duration),
        ],
        acts: &[],
        roles: &[("Organizator", "Organizer"), ("Osoba prowadząca", "Presenter")],
    },
    Language {
        name: "Portuguese",
        sources: &["2020 list: RenatoJardimParducci/2tdsf-ProjetoDilan-2021 meetingAttendanceList.csv"],
        labels: &[
            ("Nome Completo", L::Name),
            ("Atividade", L::Action),
            ("Data e hora", L::Timestamp),
        ],
        acts: &[("Entrou", Act::Joined), ("Saiu", Act::Left)],
        roles: &[],
    },
    Language {
        name: "Spanish",
        sources: &["2020 list: restevean/asistenciacsv fixtures/2021-02-23.csv, fixtures/2021-02-25.csv, file.csv (2021-02-18)"],
        labels: &[
            ("Nombre completo", L::Name),
            ("Acción del usuario", L::Action),
            ("Marca de tiempo", L::Timestamp),
        ],
        acts: &[
            ("Unido", Act::Joined),
            ("Se unió antes", Act::JoinedBefore),
            ("Abandonó", Act::Left),
        ],
        roles: &[],
    },
];

/// A label as compared: trimmed, without the `*` the French summary heading starts with, in
/// lower case.
fn norm(s: &str) -> String {
    s.trim().trim_start_matches('*').trim().to_lowercase()
}

impl Language {
    pub fn label(&self, cell: &str) -> Option<L> {
        let c = norm(cell);
        self.labels
            .iter()
            .find(|(l, _)| norm(l) == c)
            .map(|(_, m)| *m)
    }
    pub fn act(&self, cell: &str) -> Option<Act> {
        let c = norm(cell);
        self.acts
            .iter()
            .find(|(l, _)| norm(l) == c)
            .map(|(_, m)| *m)
    }
    /// A role as Rollcall shows it; one the table does not know is kept as written.
    pub fn role(&self, cell: &str) -> String {
        let c = norm(cell);
        self.roles
            .iter()
            .find(|(l, _)| norm(l) == c)
            .map(|(_, r)| r.to_string())
            .unwrap_or_else(|| cell.trim().to_string())
    }
}

/// The language that knows most of `cells` (a header that may carry a column Teams added
/// later), when it knows at least half of them.
pub fn language_of_best(cells: &[&str]) -> Option<&'static Language> {
    let score = |lang: &Language| cells.iter().filter(|c| lang.label(c).is_some()).count();
    LANGUAGES
        .iter()
        .max_by_key(|lang| score(lang))
        .filter(|lang| score(lang) * 2 >= cells.len() && score(lang) > 0)
}

/// The languages read, for messages: "English, French, Polish, Portuguese and Spanish".
pub fn known() -> String {
    let names: Vec<&str> = LANGUAGES.iter().map(|l| l.name).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.join(""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_name_their_language() {
        let name = |c: &[&str]| language_of_best(c).map(|l| l.name);
        assert_eq!(
            name(&["Full Name", "User Action", "Timestamp"]),
            Some("English")
        );
        assert_eq!(
            name(&["Nome Completo", "Atividade", "Data e hora"]),
            Some("Portuguese")
        );
        assert_eq!(
            name(&["Nombre completo", "Acción del usuario", "Marca de tiempo"]),
            Some("Spanish")
        );
        // A header in none of them (Indonesian, from a real file edited by hand).
        assert_eq!(name(&["Nama", "Waktu", "Kegiatan"]), None);
        assert_eq!(
            name(&[
                "Name",
                "First join",
                "Last leave",
                "In-meeting duration",
                "Email",
                "Participant ID (UPN)",
                "Role",
                "Some column added later"
            ]),
            Some("English")
        );
        assert_eq!(known(), "English, French, Polish, Portuguese and Spanish");
    }
}
