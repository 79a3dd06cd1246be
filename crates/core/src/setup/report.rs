//! The set-up report for the admin's records, in Markdown or HTML (escaped), written atomically.
//! It renders the same [`Step`]s the UI and the CLI show; it never holds a secret (no step does).

use super::{now_string, Checklist, Status};
use crate::error::CoreError;
use crate::tenant::profile::AuthMode;

/// The report for the admin's records: Markdown. Never contains a secret (none is ever in a Step).
pub fn report_markdown(c: &Checklist, generated: &str) -> String {
    let mut out = format!(
        "# Teams integration set-up report\n\n- Profile: {}{}\n- Tenant: {}\n- App (client) ID: {}\n- Auth mode: {}\n- Participant information: {}\n- Generated: {generated}\n\n",
        c.profile,
        if c.demo { " (DEMO tenant)" } else { "" },
        c.tenant,
        c.client_id,
        match c.mode { AuthMode::Application => "application-level", AuthMode::Delegated => "user-delegated" },
        if c.participant_info { "on" } else { "off" },
    );
    for s in &c.steps {
        out.push_str(&format!(
            "## {}. {} — {}\n\n{}\n\n",
            s.number,
            s.title,
            status_word(s.status),
            s.why
        ));
        for d in &s.detail {
            out.push_str(&format!("- {d}\n"));
        }
        if !s.todo.is_empty() && s.status != Status::Passed {
            out.push_str("\n**What to do**\n\n");
            for t in &s.todo {
                out.push_str(&format!("1. {t}\n"));
            }
        }
        for v in &s.values {
            out.push_str(&format!("\n- {}: `{}`\n", v.label, v.value));
        }
        if s.status == Status::Failed {
            for sc in &s.scripts {
                out.push_str(&format!(
                    "\n{}:\n\n```powershell\n{}```\n",
                    sc.label, sc.value
                ));
            }
        }
        if !s.evidence.is_empty() {
            out.push_str("\n<details><summary>Evidence</summary>\n\n");
            for e in &s.evidence {
                out.push_str(&format!(
                    "- `{}` → {}{}\n",
                    e.request,
                    e.answer,
                    e.request_id
                        .as_deref()
                        .map(|r| format!(" (request-id {r})"))
                        .unwrap_or_default()
                ));
            }
            out.push_str("\n</details>\n");
        }
        if let Some(t) = &s.checked_at {
            out.push_str(&format!("\n_Checked {t}_\n"));
        }
        out.push('\n');
    }
    out
}

/// The same report as a standalone HTML page (escaped, no scripts, no external resources).
pub fn report_html(c: &Checklist, generated: &str) -> String {
    let e = html_escape;
    let mut out = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Teams integration set-up report</title><style>body{{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;line-height:1.45}}.passed{{color:#1f7a3d}}.failed{{color:#b42318}}.warning{{color:#9a6200}}.waiting,.cannotCheck{{color:#5b6675}}pre{{background:#f3f4f6;padding:.75rem;overflow:auto}}code{{font-family:ui-monospace,monospace}}</style></head><body><h1>Teams integration set-up report</h1><ul><li>Profile: {}{}</li><li>Tenant: {}</li><li>App (client) ID: {}</li><li>Auth mode: {}</li><li>Participant information: {}</li><li>Generated: {}</li></ul>",
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
        if s.status == Status::Failed {
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

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
