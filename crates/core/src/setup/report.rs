//! The set-up report for the admin's records, in Markdown or HTML (escaped), written atomically.
//! It renders the same [`Step`]s the UI and the CLI show; it never holds a secret (no step does).

use super::{now_string, Checklist, Status};
use crate::error::CoreError;
use crate::support::html::escape as html_escape;
use crate::tenant::profile::AuthMode;

/// The report for the admin's records: Markdown. Never contains a secret (none is ever in a Step).
/// Every string from the tenant is escaped ([`md`]) or in code spans and fences longer than any
/// backtick run inside ([`code`], [`fence`]): a display name cannot add links, HTML or headings.
pub fn report_markdown(c: &Checklist, generated: &str) -> String {
    let mut out = format!(
        "# Teams integration set-up report\n\n- Profile: {}{}\n- Tenant: {}\n- App (client) ID: {}\n- Auth mode: {}\n- Participant information: {}\n- Generated: {}\n\n",
        md(&c.profile),
        if c.demo { " (DEMO tenant)" } else { "" },
        md(&c.tenant),
        md(&c.client_id),
        match c.mode { AuthMode::Application => "application-level", AuthMode::Delegated => "user-delegated" },
        if c.participant_info { "on" } else { "off" },
        md(generated),
    );
    for s in &c.steps {
        out.push_str(&format!(
            "## {}. {} — {}\n\n{}\n\n",
            s.number,
            md(&s.title),
            status_word(s.status),
            md(&s.why)
        ));
        for d in &s.detail {
            out.push_str(&format!("- {}\n", md(d)));
        }
        if !s.todo.is_empty() && s.status != Status::Passed {
            out.push_str("\n**What to do**\n\n");
            for t in &s.todo {
                out.push_str(&format!("1. {}\n", md(t)));
            }
        }
        for v in &s.values {
            out.push_str(&format!("\n- {}: {}\n", md(&v.label), code(&v.value)));
        }
        // A warning says "run the PowerShell below" as a failure does: the script goes with it.
        if s.status != Status::Passed {
            for sc in &s.scripts {
                let f = fence(&sc.value);
                let body = if sc.value.ends_with('\n') {
                    sc.value.clone()
                } else {
                    format!("{}\n", sc.value)
                };
                out.push_str(&format!(
                    "\n{}:\n\n{f}powershell\n{body}{f}\n",
                    md(&sc.label)
                ));
            }
        }
        if !s.evidence.is_empty() {
            out.push_str("\n<details><summary>Evidence</summary>\n\n");
            for e in &s.evidence {
                out.push_str(&format!(
                    "- {} → {}{}\n",
                    code(&e.request),
                    md(&e.answer),
                    e.request_id
                        .as_deref()
                        .map(|r| format!(" (request-id {})", md(r)))
                        .unwrap_or_default()
                ));
            }
            out.push_str("\n</details>\n");
        }
        if let Some(t) = &s.checked_at {
            out.push_str(&format!("\n_Checked {}_\n", md(t)));
        }
        out.push('\n');
    }
    out
}

/// Text for one Markdown line: the punctuation that makes emphasis, code, links, HTML, tables or
/// headings is backslash-escaped (CommonMark 2.4), as is a leading `-`, `+` or `=` (a list or a
/// heading underline), and line breaks become spaces (a value cannot start a block of its own).
pub fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.chars().enumerate() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~' | '&' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '-' | '+' | '=' if i == 0 => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The longest run of backticks in `s`.
fn longest_backtick_run(s: &str) -> usize {
    s.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// An inline code span whose delimiter is longer than any backtick run inside (CommonMark 6.1),
/// on one line.
pub fn code(s: &str) -> String {
    let one_line: String = s
        .chars()
        .map(|c| if c == '\r' || c == '\n' { ' ' } else { c })
        .collect();
    let ticks = "`".repeat(longest_backtick_run(&one_line) + 1);
    // An empty span (two backticks) would be read as text, and one that starts or ends with a
    // backtick would merge with its delimiter: pad both.
    let pad = if one_line.is_empty() || one_line.starts_with('`') || one_line.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{one_line}{pad}{ticks}")
}

/// A code fence longer than any backtick run in the block (at least three).
pub fn fence(s: &str) -> String {
    "`".repeat((longest_backtick_run(s) + 1).max(3))
}

/// The same report as a standalone HTML page (escaped, no scripts, no external resources).
pub fn report_html(c: &Checklist, generated: &str) -> String {
    let e = html_escape;
    let mut out = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">{}<title>Teams integration set-up report</title><style>body{{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;line-height:1.45}}.passed{{color:#1f7a3d}}.failed{{color:#b42318}}.warning{{color:#9a6200}}.waiting,.cannotCheck{{color:#5b6675}}pre{{background:#f3f4f6;padding:.75rem;overflow:auto}}code{{font-family:ui-monospace,monospace}}</style></head><body><h1>Teams integration set-up report</h1><ul><li>Profile: {}{}</li><li>Tenant: {}</li><li>App (client) ID: {}</li><li>Auth mode: {}</li><li>Participant information: {}</li><li>Generated: {}</li></ul>",
        crate::support::html::csp_meta(),
        e(&c.profile),
        if c.demo { " (DEMO tenant)" } else { "" },
        e(&c.tenant),
        e(&c.client_id),
        match c.mode { AuthMode::Application => "application-level", AuthMode::Delegated => "user-delegated" },
        if c.participant_info { "on" } else { "off" },
        e(generated),
    );
    for s in &c.steps {
        let cls = serde_json::to_value(s.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        out.push_str(&format!(
            "<h2>{}. {} — <span class=\"{cls}\">{}</span></h2><p>{}</p><ul>",
            s.number,
            e(&s.title),
            status_word(s.status),
            e(&s.why)
        ));
        for d in &s.detail {
            out.push_str(&format!("<li>{}</li>", e(d)));
        }
        out.push_str("</ul>");
        if !s.todo.is_empty() && s.status != Status::Passed {
            out.push_str("<p><strong>What to do</strong></p><ol>");
            for t in &s.todo {
                out.push_str(&format!("<li>{}</li>", e(t)));
            }
            out.push_str("</ol>");
        }
        for v in &s.values {
            out.push_str(&format!(
                "<p>{}: <code>{}</code></p>",
                e(&v.label),
                e(&v.value)
            ));
        }
        // A warning says "run the PowerShell below" as a failure does: the script goes with it.
        if s.status != Status::Passed {
            for sc in &s.scripts {
                out.push_str(&format!(
                    "<p>{}:</p><pre><code>{}</code></pre>",
                    e(&sc.label),
                    e(&sc.value)
                ));
            }
        }
        if !s.evidence.is_empty() {
            out.push_str("<details><summary>Evidence</summary><ul>");
            for ev in &s.evidence {
                out.push_str(&format!(
                    "<li><code>{}</code> → {}{}</li>",
                    e(&ev.request),
                    e(&ev.answer),
                    ev.request_id
                        .as_deref()
                        .map(|r| format!(" (request-id {})", e(r)))
                        .unwrap_or_default()
                ));
            }
            out.push_str("</ul></details>");
        }
    }
    out.push_str("</body></html>\n");
    out
}

/// Write the report atomically: HTML when the file name ends in `.html`/`.htm`, else Markdown.
pub fn write_report(list: &Checklist, path: &std::path::Path) -> Result<(), CoreError> {
    let generated = now_string();
    let html = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"));
    let text = if html {
        report_html(list, &generated)
    } else {
        report_markdown(list, &generated)
    };
    crate::support::atomic::write(path, text.as_bytes())
}

pub fn status_word(s: Status) -> &'static str {
    match s {
        Status::Passed => "passed",
        Status::Failed => "failed",
        Status::Warning => "warning",
        Status::Waiting => "waiting",
        Status::CannotCheck => "cannot check",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_strings_cannot_add_markup() {
        assert_eq!(
            md("Megan's <script>x</script>"),
            "Megan's \\<script\\>x\\</script\\>"
        );
        assert_eq!(
            md("[click](https://evil.example)"),
            "\\[click\\](https://evil.example)"
        );
        assert_eq!(md("a\n# Heading"), "a \\# Heading");
        assert_eq!(md("- item"), "\\- item");
        assert_eq!(
            md("northwind.example"),
            "northwind.example",
            "ordinary text stays readable"
        );
        assert_eq!(code("a `b` c"), "``a `b` c``");
        assert_eq!(code("`x`"), "`` `x` ``");
        assert_eq!(code("line\nbreak"), "`line break`");
        assert_eq!(fence("no ticks"), "```");
        assert_eq!(fence("````\nx"), "`````");
    }
}
