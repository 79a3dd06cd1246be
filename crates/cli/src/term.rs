//! What reaches the terminal from a tenant (titles, names, error text from Graph) is shown, never
//! obeyed: control characters (an escape sequence could retitle the window, move the cursor or
//! hide text) and bidi overrides become U+FFFD. Line breaks and tabs stay. JSON keeps every value
//! exactly, with such characters as `\u` escapes.

use std::borrow::Cow;

fn unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || rollcall_core::support::html::is_bidi_control(c)
}

/// `s` with every character a terminal would act on replaced by U+FFFD.
pub fn clean(s: &str) -> Cow<'_, str> {
    if !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| if unsafe_char(c) { '\u{FFFD}' } else { c })
            .collect(),
    )
}

/// Serialized JSON with the C1 controls and bidi controls serde leaves raw written as `\u`
/// escapes: they can only stand inside strings, so every value reads back the same.
pub fn json_escaped(json: &str) -> Cow<'_, str> {
    if !json.chars().any(unsafe_char) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if c != '\n' && unsafe_char(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `println!` for text that may hold tenant data.
macro_rules! say {
    ($($t:tt)*) => { println!("{}", $crate::term::clean(&format!($($t)*))) };
}

/// `eprintln!` likewise.
macro_rules! tell {
    () => { eprintln!() };
    ($($t:tt)*) => { eprintln!("{}", $crate::term::clean(&format!($($t)*))) };
}

pub(crate) use {say, tell};

#[cfg(test)]
mod tests {
    #[test]
    fn escape_sequences_are_shown_not_obeyed() {
        assert_eq!(super::clean("plain\tline\nnext"), "plain\tline\nnext");
        assert_eq!(
            super::clean("\u{1b}]0;owned\u{7}Title\u{9b}2J\r\u{202E}x"),
            "\u{FFFD}]0;owned\u{FFFD}Title\u{FFFD}2J\u{FFFD}\u{FFFD}x"
        );
        let json =
            serde_json::to_string(&serde_json::json!({"t": "a\u{9b}b\u{202E}c\u{1b}"})).unwrap();
        let escaped = super::json_escaped(&json);
        assert!(!escaped.chars().any(super::unsafe_char), "{escaped}");
        let back: serde_json::Value = serde_json::from_str(&escaped).unwrap();
        assert_eq!(back["t"], "a\u{9b}b\u{202E}c\u{1b}");
    }
}
