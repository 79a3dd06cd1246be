//! Errors that keep what support needs: Graph's code, message, request-id and date; the
//! identity platform's AADSTS codes, trace and correlation ids.

use serde::{Deserialize, Serialize};

/// An error body from the token endpoint, `error_codes` being the authoritative part.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct AadError {
    #[serde(skip)]
    pub status: u16,
    #[serde(default)]
    pub error: String,
    #[serde(default)]
    pub error_description: String,
    #[serde(default)]
    pub error_codes: Vec<u32>,
    #[serde(default)]
    pub suberror: Option<String>,
    #[serde(default)]
    pub trace_id: Option<String>,
    #[serde(default)]
    pub correlation_id: Option<String>,
    #[serde(default)]
    pub timestamp: Option<String>,
}

impl AadError {
    /// The first AADSTS code, from `error_codes` or else parsed from the description.
    pub fn code(&self) -> Option<u32> {
        self.error_codes.first().copied().or_else(|| {
            let rest = self.error_description.strip_prefix("AADSTS")?;
            rest.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
                .parse()
                .ok()
        })
    }
}

/// Graph's `{"error": {...}}` body. `innerError` is spelled both ways in the wild.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct GraphErrorBody {
    pub error: GraphErrorDetail,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct GraphErrorDetail {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
    #[serde(default, alias = "innererror", rename = "innerError")]
    pub inner_error: Option<InnerError>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct InnerError {
    #[serde(default, rename = "request-id")]
    pub request_id: Option<String>,
    #[serde(default)]
    pub date: Option<String>,
}

impl GraphError {
    /// Graph's error answer (`status` and its body) as [`GraphError::Api`]: the code (`HTTPnnn`
    /// when the body has none), the message, the request-id from the header or else the body.
    pub(crate) fn answered(status: u16, body: GraphErrorBody, request_id: Option<String>) -> Self {
        let inner = body.error.inner_error.unwrap_or_default();
        GraphError::Api {
            status,
            code: if body.error.code.is_empty() {
                format!("HTTP{status}")
            } else {
                body.error.code
            },
            message: body.error.message,
            request_id: request_id.or(inner.request_id),
            date: inner.date,
        }
    }
}

#[derive(thiserror::Error, Debug)]
pub enum GraphError {
    /// Graph answered with an error status.
    #[error("Graph answered {status} {code}: {message}")]
    Api {
        status: u16,
        code: String,
        message: String,
        request_id: Option<String>,
        date: Option<String>,
    },
    /// The identity platform refused to issue a token.
    #[error("sign-in failed: {}", .0.error_description)]
    Token(Box<AadError>),
    /// The network or TLS failed before a whole answer arrived.
    #[error("could not reach {host}: {detail}")]
    Transport { host: String, detail: String },
    /// A 2xx body that is not what the model expects (also: a truncated answer to a request that
    /// cannot be replayed; a replayable one that stays cut off is `Transport`).
    #[error("unexpected answer from Graph ({context}): {detail}")]
    Decode {
        context: String,
        detail: String,
        request_id: Option<String>,
    },
    /// A URL outside the configured Graph host (e.g. a foreign `@odata.nextLink`).
    #[error("refused to send the access token to {0}: it is not the configured Graph host")]
    ForeignHost(String),
    /// Paging went on too long or came back to a page already seen.
    #[error("paging stopped: {0}")]
    Paging(String),
    /// Retries ran out (throttling or server errors went on too long).
    #[error("Graph kept answering {status} after {attempts} attempts over {waited_secs} s")]
    RetriesExhausted {
        status: u16,
        attempts: u32,
        waited_secs: u64,
        request_id: Option<String>,
    },
    #[error("invalid configuration: {0}")]
    Config(String),
}

impl GraphError {
    /// A network failure with the whole chain of causes in its detail (reqwest's own message is
    /// only "error sending request": the TLS or proxy reason is further down).
    pub fn transport(host: impl Into<String>, e: &(dyn std::error::Error + 'static)) -> Self {
        let mut detail = e.to_string();
        let mut source = e.source();
        while let Some(s) = source {
            let text = s.to_string();
            if !detail.contains(&text) {
                detail.push_str(": ");
                detail.push_str(&text);
            }
            source = s.source();
        }
        GraphError::Transport {
            host: host.into(),
            detail,
        }
    }

    pub fn request_id(&self) -> Option<&str> {
        match self {
            GraphError::Api { request_id, .. }
            | GraphError::Decode { request_id, .. }
            | GraphError::RetriesExhausted { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }
    pub fn status(&self) -> Option<u16> {
        match self {
            GraphError::Api { status, .. } | GraphError::RetriesExhausted { status, .. } => {
                Some(*status)
            }
            GraphError::Token(e) => Some(e.status),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inner_error_is_read_in_both_spellings() {
        for key in ["innerError", "innererror"] {
            let text = format!(
                r#"{{"error":{{"code":"Forbidden","message":"m","{key}":{{"request-id":"r1","date":"2024-05-01T10:00:00"}}}}}}"#
            );
            let body: GraphErrorBody = serde_json::from_str(&text).unwrap();
            assert_eq!(
                body.error.inner_error.unwrap().request_id.as_deref(),
                Some("r1")
            );
        }
        let bare: GraphErrorBody =
            serde_json::from_str(r#"{"error":{"code":"ErrorItemNotFound","message":"x"}}"#)
                .unwrap();
        assert!(bare.error.inner_error.is_none());
    }

    #[test]
    fn aadsts_code_falls_back_to_the_description() {
        let e = AadError {
            error_description: "AADSTS7000222: expired".into(),
            ..Default::default()
        };
        assert_eq!(e.code(), Some(7000222));
    }
}
