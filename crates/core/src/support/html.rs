//! Text into HTML: the one escaping every generated page uses (the set-up report, the attendance
//! report). Owns nothing else.

/// `s` as HTML text or a quoted attribute value: `& < > " '` escaped, so no value from a tenant
/// (a webinar's subject, an attendee's name) can add markup.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
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
