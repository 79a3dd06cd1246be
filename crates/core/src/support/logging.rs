//! The app's log: one file per day in the log folder, the last 14 kept, every line passed through
//! [`redact`] first. Rollcall never logs a secret on purpose (tests prove it); the redactor is the
//! second fence, for a token that slips into an error body or a URL. Request-ids stay readable,
//! since support needs them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use regex::Regex;

/// How many daily files stay in the log folder.
pub const KEEP_DAYS: usize = 14;

/// The log folder inside a data folder: `logs` beside the profiles and archives.
pub fn log_dir_in(data_dir: &Path) -> PathBuf {
    data_dir.join("logs")
}

fn patterns() -> &'static [(Regex, &'static str)] {
    static P: OnceLock<Vec<(Regex, &'static str)>> = OnceLock::new();
    P.get_or_init(|| {
        // Secret-bearing keys in snake_case and camelCase; `_` may arrive URL-encoded (`%5F`).
        let u = "(?:_|%5F)";
        let named = format!(
            "client{u}secret|client{u}assertion|refresh{u}token|access{u}token|id{u}token|code{u}verifier|proxy{u}password|\
             clientSecret|clientAssertion|refreshToken|accessToken|idToken|codeVerifier|password"
        );
        // Bare words count as keys only with `=` (in prose, "secret:" starts a sentence part).
        let keys = format!("{named}|assertion|secret|token");
        [
            // Authorization headers.
            (r"(?i)(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}".to_string(), "$1 [redacted]"),
            // JWTs anywhere (access and id tokens).
            (r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*".to_string(), "[redacted-jwt]"),
            // Form, query or debug pairs: client_secret=…, refresh_token: …, client%5Fsecret%3D…
            (format!(r#"(?i)\b({named})(\s*(?:=|%3D|:)\s*)[^&\s"',;)]+"#), "$1$2[redacted]"),
            (format!(r#"(?i)\b({keys})(=|%3D)[^&\s"',;)]+"#), "$1$2[redacted]"),
            // JSON members: "refresh_token":"…"
            (format!(r#"(?i)"({keys})"\s*:\s*"[^"]*""#), "\"$1\":\"[redacted]\""),
            // An authorization code, told from an error code (`code=50034`, `code=ErrorAccessDenied`)
            // by its shape: Entra's and Microsoft accounts' codes carry dots or run long.
            (r#"(?i)\b(code)(\s*(?:=|%3D|:)\s*)(?:[^&\s"',;)]*\.[^&\s"',;)]*|[^&\s"',;)]{40,})"#.to_string(), "$1$2[redacted]"),
            (r#"(?i)"(code)"\s*:\s*"(?:[^"]*\.[^"]*|[^"]{40,})""#.to_string(), "\"$1\":\"[redacted]\""),
            // Bare refresh tokens (opaque, `0.A…` or `1.A…`, over a kilobyte) anywhere.
            (r"\b[01]\.A[A-Za-z0-9_.*~-]{40,}".to_string(), "[redacted-refresh-token]"),
            // Entra client secret values (…8Q~…) pasted somewhere unexpected.
            (r"\b[A-Za-z0-9_.-]{3}[0-9]Q~[A-Za-z0-9_.~-]{20,}".to_string(), "[redacted-secret]"),
        ]
        .into_iter()
        .filter_map(|(p, r)| Regex::new(&p).ok().map(|re| (re, r)))
        .collect()
    })
}

/// A log line with secrets, tokens, authorization codes and passwords replaced by `[redacted]`.
pub fn redact(line: &str) -> String {
    let mut out = std::borrow::Cow::Borrowed(line);
    for (re, with) in patterns() {
        if re.is_match(&out) {
            out = std::borrow::Cow::Owned(re.replace_all(&out, *with).into_owned());
        }
    }
    out.into_owned()
}

/// One formatted event as one line: the final newline stays, any other CR or LF (from a logged
/// value) is written as `\r`/`\n`, so a value cannot forge a log line of its own.
pub fn one_line(event: &str) -> String {
    let (body, end) = match event.strip_suffix('\n') {
        Some(b) => (b.strip_suffix('\r').unwrap_or(b), "\n"),
        None => (event, ""),
    };
    let mut out = String::with_capacity(event.len());
    for c in body.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push_str(end);
    out
}

/// A writer that redacts each formatted event, on one line, before it reaches its sink (the
/// daily file, stderr). tracing-subscriber writes one event per `write`.
pub struct Redacting<W: Write>(pub W);

impl<W: Write> Write for Redacting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(one_line(&redact(&text)).as_bytes())?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// A `MakeWriter` for tracing-subscriber: stderr behind [`Redacting`] (the desktop app's and the
/// CLI's console log; a nightly job's stderr often lands in a file).
pub struct RedactedStderr;

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for RedactedStderr {
    type Writer = Redacting<std::io::Stderr>;
    fn make_writer(&'a self) -> Self::Writer {
        Redacting(std::io::stderr())
    }
}

/// The daily file appender for `dir` (`rollcall.YYYY-MM-DD.log`), keeping [`KEEP_DAYS`] files.
pub fn daily_appender(
    dir: &Path,
) -> Result<tracing_appender::rolling::RollingFileAppender, crate::CoreError> {
    crate::support::private::create_dir(dir).map_err(|e| {
        crate::CoreError::internal(format!(
            "could not create the log folder {}: {e}",
            dir.display()
        ))
    })?;
    tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("rollcall")
        .filename_suffix("log")
        .max_log_files(KEEP_DAYS)
        .build(dir)
        .map_err(|e| crate::CoreError::internal(format!("could not open the log file: {e}")))
}

/// A `MakeWriter` for tracing-subscriber: the daily file behind [`Redacting`].
pub struct DailyLog(pub tracing_appender::rolling::RollingFileAppender);

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for DailyLog {
    type Writer = Redacting<
        <tracing_appender::rolling::RollingFileAppender as tracing_subscriber::fmt::MakeWriter<
            'a,
        >>::Writer,
    >;
    fn make_writer(&'a self) -> Self::Writer {
        Redacting(self.0.make_writer())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn secrets_go_request_ids_stay() {
        let rid = "5f1c3a2e-9b7d-4c1a-8e2f-0a1b2c3d4e5f";
        let line = format!(
            "POST /token client_id=11111111-2222-3333-4444-555555555555&client_secret=abc8Q~Zy1.x_-Q&grant_type=client_credentials request-id {rid} \
             Authorization: Bearer eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl \
             {{\"refresh_token\":\"0.AAAA-refresh\",\"error\":\"invalid_grant\"}} code=M.C507_BAY.2.U.abc&state=xyz pasted 7Xy8Q~abcdefghijklmnopqrstuvwxyz0123456789"
        );
        let out = redact(&line);
        for secret in [
            "abc8Q~Zy1",
            "eyJ0eXAi",
            "0.AAAA-refresh",
            "M.C507_BAY",
            "7Xy8Q~abcdef",
            "c2lnbmF0dXJl",
        ] {
            assert!(!out.contains(secret), "{secret} survived: {out}");
        }
        assert!(out.contains(rid), "request-id lost: {out}");
        assert!(
            out.contains("11111111-2222-3333-4444-555555555555"),
            "client id lost: {out}"
        );
        assert!(out.contains("invalid_grant"));
        assert!(out.contains("state=xyz"));
        assert_eq!(redact("nothing to hide here"), "nothing to hide here");
    }

    /// Every form a secret takes in a log line, through both sinks' writer.
    #[test]
    fn every_form_is_redacted_and_error_codes_stay() {
        let refresh = format!("0.AXEA{}", "k".repeat(1200));
        let forms = [
            "client_assertion=eyJhbGciOi.x.y".to_string(),
            "client_assertion=abcdefghijklmnop".to_string(),
            "clientSecret=Zy1abcdefgh".to_string(),
            "refresh_token: 1.AQ-opaque-value".to_string(),
            "refreshToken: 0.AQ-opaque-value".to_string(),
            "client%5Fsecret=abcdefgh".to_string(),
            "refresh%5Ftoken%3Dabcdefgh".to_string(),
            format!("the token {refresh} was refused"),
            "code=0.AXEAabc.def&state=s".to_string(),
            "\"code\":\"M.C507_BAY.2.U.abc\"".to_string(),
            "proxy_password=hunter2-long".to_string(),
        ];
        let dir = std::env::temp_dir().join(format!("rollcall-log-forms-{}", uuid::Uuid::new_v4()));
        let file = DailyLog(daily_appender(&dir).unwrap());
        for form in &forms {
            let mut w = tracing_subscriber::fmt::MakeWriter::make_writer(&file);
            w.write_all(format!("{form}\n").as_bytes()).unwrap();
            w.flush().unwrap();
        }
        drop(file);
        let logged: String = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|f| std::fs::read_to_string(f.path()).unwrap())
            .collect();
        assert_eq!(logged.lines().count(), forms.len(), "{logged}");
        let _ = std::fs::remove_dir_all(&dir);
        for (form, in_file) in forms.iter().zip(logged.lines()) {
            // The stderr sink is the same Redacting writer around std::io::stderr.
            for sink in [redact(form), written(form), in_file.to_string()] {
                for leaked in [
                    "eyJhbGciOi",
                    "abcdefghijklmnop",
                    "Zy1abcdefgh",
                    "1.AQ-opaque",
                    "0.AQ-opaque",
                    "abcdefgh",
                    "kkkkkkkk",
                    "0.AXEAabc",
                    "M.C507",
                    "hunter2",
                ] {
                    assert!(
                        !sink.contains(leaked),
                        "{leaked} survived in {sink:?} (from {form:?})"
                    );
                }
            }
        }
        for keep in [
            "code=50034",
            "\"code\":\"ErrorAccessDenied\"",
            "error_codes=[7000215]",
            "code: InvalidAuthenticationToken",
        ] {
            assert_eq!(redact(keep), keep, "an error code is not a secret");
        }
    }

    fn written(line: &str) -> String {
        let mut w = Redacting(Vec::new());
        w.write_all(format!("{line}\n").as_bytes()).unwrap();
        String::from_utf8(w.0).unwrap()
    }

    #[test]
    fn a_logged_value_cannot_forge_a_line() {
        let out = written("sign-in failed for ann\n2026-12-01T10:00:00Z  INFO forged line\r\nend");
        assert_eq!(out.matches('\n').count(), 1, "{out:?}");
        assert!(out.ends_with("end\n"));
        assert!(out.contains("ann\\n2026-12-01"));
    }

    #[test]
    fn daily_file_is_written_redacted() {
        let dir = std::env::temp_dir().join(format!("rollcall-log-{}", uuid::Uuid::new_v4()));
        let appender = daily_appender(&dir).unwrap();
        let log = DailyLog(appender);
        let mut w = tracing_subscriber::fmt::MakeWriter::make_writer(&log);
        w.write_all(b"token exchange failed: refresh_token=0.secret-value request-id 42\n")
            .unwrap();
        w.flush().unwrap();
        drop(w);
        drop(log);
        let files: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
        assert_eq!(files.len(), 1);
        let name = files[0].file_name().to_string_lossy().into_owned();
        assert!(
            name.starts_with("rollcall.") && name.ends_with(".log"),
            "{name}"
        );
        let text = std::fs::read_to_string(files[0].path()).unwrap();
        assert!(!text.contains("secret-value"), "{text}");
        assert!(text.contains("request-id 42"));
        let _ = std::fs::remove_dir_all(dir);
    }
}
