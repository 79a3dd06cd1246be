//! Text into HTML: the one escaping every generated page uses (the set-up report, the attendance
//! report), and the content policy they all carry. Owns nothing else.

/// The policy of every page Rollcall writes: its own inline styles, nothing loaded, no form sent
/// anywhere, no `<base>` to re-point links.
pub const REPORT_CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'";

/// The policy as the page's first `<meta>` (a file opened from disk has no response headers).
pub fn csp_meta() -> String {
    format!("<meta http-equiv=\"Content-Security-Policy\" content=\"{REPORT_CSP}\">")
}

/// Unicode's bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069):
/// in a name they can make the text after it read backwards ("Trojan Source").
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `s` as HTML text or a quoted attribute value: `& < > " '` escaped, so no value from a tenant
/// (a webinar's subject, an attendee's name) can add markup, and bidi controls dropped, so none
/// can reorder what follows it.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            c if is_bidi_control(c) => {}
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn markup_and_bidi_controls_never_pass() {
        assert_eq!(
            super::escape("<b>\"x\" & 'y'</b>"),
            "&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;"
        );
        assert_eq!(
            super::escape("Ann\u{202E}evil\u{2066}x\u{2069}"),
            "Annevilx"
        );
        assert!(super::csp_meta().contains("form-action 'none'; base-uri 'none'"));
    }
}
