//! The Graph HTTP pipeline and the pager.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::Semaphore;

use crate::auth::TokenProvider;
use crate::error::{GraphError, GraphErrorBody};
use crate::retry::{jitter_unit, parse_retry_after, retryable_status, RetryPolicy};

/// Outlook allows 4 concurrent requests per mailbox and app.
pub const MAILBOX_CONCURRENCY: usize = 4;
/// Stop paging after this many pages (a runaway server or a bug must not loop for ever).
pub const PAGE_CAP: usize = 2_000;

/// Where the identity platform and Graph live (global, US Gov, China, or the emulator).
#[derive(Clone, Debug)]
pub struct Endpoints {
    /// e.g. `https://login.microsoftonline.com`
    pub authority: String,
    /// e.g. `https://graph.microsoft.com/v1.0`
    pub graph: String,
}

impl Endpoints {
    pub fn global() -> Self {
        Endpoints {
            authority: "https://login.microsoftonline.com".into(),
            graph: "https://graph.microsoft.com/v1.0".into(),
        }
    }
    /// The resource identifier used in `/.default` scopes. The emulator stands in for the global cloud.
    pub fn resource(&self) -> String {
        match url::Url::parse(&self.graph)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
        {
            Some(h)
                if h.ends_with("graph.microsoft.us")
                    || h.ends_with("microsoftgraph.chinacloudapi.cn")
                    || h.ends_with("graph.microsoft.com") =>
            {
                format!("https://{h}")
            }
            _ => "https://graph.microsoft.com".into(),
        }
    }
}

/// One Graph call.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: Method,
    /// Relative to the Graph base (`/users/x`) or an absolute URL (a nextLink).
    pub url: String,
    pub body: Option<Value>,
    /// The mailbox whose per-mailbox limit this call counts against.
    pub mailbox: Option<String>,
    /// Extra headers (e.g. `ConsistencyLevel`).
    pub headers: Vec<(String, String)>,
    /// Safe to send again after a 5xx or a cut-off answer (GET, or a POST carrying a transactionId).
    pub replayable: bool,
    /// A [`crate::batch::Batcher`] sends higher ones first (a caller's later steps before new
    /// work, so what is under way finishes first); a collection's next pages keep it.
    pub priority: u8,
}

impl Request {
    pub fn get(url: impl Into<String>) -> Self {
        Request {
            method: Method::GET,
            url: url.into(),
            body: None,
            mailbox: None,
            headers: Vec::new(),
            replayable: true,
            priority: 0,
        }
    }
    pub fn new(method: Method, url: impl Into<String>, body: Option<Value>) -> Self {
        let replayable = matches!(method, Method::GET | Method::PUT | Method::DELETE);
        Request {
            method,
            url: url.into(),
            body,
            mailbox: None,
            headers: Vec::new(),
            replayable,
            priority: 0,
        }
    }
    pub fn mailbox(mut self, mailbox: impl Into<String>) -> Self {
        self.mailbox = Some(mailbox.into().to_ascii_lowercase());
        self
    }
    pub fn priority(mut self, priority: u8) -> Self {
        self.priority = priority;
        self
    }
    pub fn replayable(mut self, yes: bool) -> Self {
        self.replayable = yes;
        self
    }
}

/// A successful answer.
#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub body: Option<Value>,
    pub request_id: Option<String>,
}

/// What the pipeline did, for progress displays and benchmarks.
#[derive(Clone, Debug, Default)]
pub struct Counters {
    /// HTTP requests sent (a `$batch` counts once).
    pub requests: u64,
    /// Steps sent inside `$batch` requests (retried steps count again).
    pub sub_requests: u64,
    pub retries: u64,
    pub throttled_waits: u64,
    pub token_refreshes: u64,
}

impl Counters {
    /// What happened after `base` was taken (a client is shared, so one job counts from its start).
    pub fn since(&self, base: &Counters) -> Counters {
        Counters {
            requests: self.requests.saturating_sub(base.requests),
            sub_requests: self.sub_requests.saturating_sub(base.sub_requests),
            retries: self.retries.saturating_sub(base.retries),
            throttled_waits: self.throttled_waits.saturating_sub(base.throttled_waits),
            token_refreshes: self.token_refreshes.saturating_sub(base.token_refreshes),
        }
    }
}

pub struct GraphClient {
    http: reqwest::Client,
    endpoints: Endpoints,
    graph_origin: url::Origin,
    tokens: Arc<dyn TokenProvider>,
    policy: RetryPolicy,
    gates: Mutex<HashMap<String, Arc<Semaphore>>>,
    counters: Mutex<Counters>,
    /// Shared backoff gates: after a 429 with `Retry-After`, every request to the same mailbox (Outlook
    /// throttles per mailbox; "" for the rest) waits until then instead of each discovering it alone.
    pause_until: Mutex<HashMap<String, tokio::time::Instant>>,
    /// Rollcall asks for UTC and converts itself; never trust a zone it did not ask for.
    prefer: String,
}

impl GraphClient {
    pub fn new(
        http: reqwest::Client,
        endpoints: Endpoints,
        tokens: Arc<dyn TokenProvider>,
    ) -> Result<Self, GraphError> {
        let graph_url = url::Url::parse(&endpoints.graph)
            .map_err(|e| GraphError::Config(format!("Graph URL '{}': {e}", endpoints.graph)))?;
        Ok(GraphClient {
            http,
            graph_origin: graph_url.origin(),
            endpoints,
            tokens,
            policy: RetryPolicy::default(),
            gates: Mutex::new(HashMap::new()),
            counters: Mutex::new(Counters::default()),
            pause_until: Mutex::new(HashMap::new()),
            prefer: "outlook.timezone=\"UTC\"".into(),
        })
    }

    pub fn with_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    pub fn tokens(&self) -> &Arc<dyn TokenProvider> {
        &self.tokens
    }

    pub fn counters(&self) -> Counters {
        self.counters.lock().map(|c| c.clone()).unwrap_or_default()
    }

    fn count(&self, f: impl FnOnce(&mut Counters)) {
        if let Ok(mut c) = self.counters.lock() {
            f(&mut c);
        }
    }

    /// Resolve a relative path against the Graph base; refuse anything outside the Graph origin.
    pub fn resolve(&self, url: &str) -> Result<url::Url, GraphError> {
        let full = if url.starts_with("http://") || url.starts_with("https://") {
            url.to_string()
        } else {
            format!(
                "{}/{}",
                self.endpoints.graph.trim_end_matches('/'),
                url.trim_start_matches('/')
            )
        };
        // A "." or ".." segment (an id from an answer, say) would be resolved away by the URL
        // parser and name another resource than the one asked for: refuse it, encoded or not.
        let path = full.split(['?', '#']).next().unwrap_or_default();
        if path.split('/').skip(3).any(is_dot_segment) {
            return Err(GraphError::Config(format!(
                "refused '{full}': a path segment is '.' or '..', which would name another resource"
            )));
        }
        let parsed = url::Url::parse(&full)
            .map_err(|e| GraphError::Config(format!("bad URL '{full}': {e}")))?;
        if parsed.origin() != self.graph_origin {
            return Err(GraphError::ForeignHost(
                parsed.host_str().unwrap_or_default().to_string(),
            ));
        }
        Ok(parsed)
    }

    fn gate(&self, mailbox: &str) -> Arc<Semaphore> {
        let mut gates = self.gates.lock().unwrap_or_else(|e| e.into_inner());
        gates
            .entry(mailbox.to_string())
            .or_insert_with(|| Arc::new(Semaphore::new(MAILBOX_CONCURRENCY)))
            .clone()
    }

    pub(crate) fn gate_for(&self, mailbox: &str) -> Arc<Semaphore> {
        self.gate(mailbox)
    }

    pub(crate) async fn respect_pause_for(&self, mailbox: &str) {
        self.respect_pause(mailbox).await
    }

    pub(crate) fn pause_mailbox(&self, mailbox: &str, d: Duration) {
        self.pause_for(mailbox, d)
    }

    pub(crate) fn prefer_header(&self) -> &str {
        &self.prefer
    }

    pub(crate) fn delay_for(
        &self,
        attempt: u32,
        started: Instant,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        self.next_delay(attempt, started, retry_after)
    }

    pub(crate) fn count_sub_requests(&self, n: u64) {
        self.count(|c| c.sub_requests += n);
    }

    pub(crate) fn count_throttled(&self) {
        self.count(|c| c.throttled_waits += 1);
    }

    pub(crate) fn count_retry(&self) {
        self.count(|c| c.retries += 1);
    }

    /// Send one request through the pipeline (order in the crate docs).
    pub async fn send(&self, req: Request) -> Result<Response, GraphError> {
        let url = self.resolve(&req.url)?;
        let gate = req.mailbox.as_deref().map(|m| self.gate(m));
        let _permit = match &gate {
            Some(g) => Some(
                g.acquire()
                    .await
                    .map_err(|_| GraphError::Config("mailbox gate closed".into()))?,
            ),
            None => None,
        };
        let started = Instant::now();
        let mut refreshed = false;
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            self.respect_pause(req.mailbox.as_deref().unwrap_or(""))
                .await;
            let token = self.tokens.token(false).await?;
            let client_request_id = uuid::Uuid::new_v4().to_string();
            let mut builder = self
                .http
                .request(req.method.clone(), url.clone())
                .bearer_auth(token.value.expose())
                .header("client-request-id", &client_request_id)
                .header("Prefer", &self.prefer);
            for (k, v) in &req.headers {
                builder = builder.header(k, v);
            }
            if let Some(body) = &req.body {
                builder = builder.json(body);
            }
            self.count(|c| c.requests += 1);
            let outcome = builder.send().await;
            let (status, headers, bytes) = match outcome {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let headers = resp.headers().clone();
                    match resp.bytes().await {
                        Ok(b) => (status, headers, b),
                        Err(e) => {
                            // The connection dropped mid-body: transient if the call can be replayed.
                            if req.replayable && self.wait(attempt, started, None).await {
                                continue;
                            }
                            return Err(GraphError::transport(
                                url.host_str().unwrap_or_default(),
                                &e,
                            ));
                        }
                    }
                }
                Err(e) => {
                    if req.replayable
                        && (e.is_connect() || e.is_timeout())
                        && self.wait(attempt, started, None).await
                    {
                        continue;
                    }
                    return Err(GraphError::transport(
                        url.host_str().unwrap_or_default(),
                        &e,
                    ));
                }
            };
            let request_id = headers
                .get("request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            if status == 401 && !refreshed {
                // The token was revoked or expired early: get a new one, once.
                refreshed = true;
                self.count(|c| c.token_refreshes += 1);
                self.tokens.token(true).await?;
                continue;
            }
            if retryable_status(status) && (status == 429 || req.replayable) {
                let retry_after = headers
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| parse_retry_after(v, SystemTime::now()));
                if status == 429 {
                    self.count(|c| c.throttled_waits += 1);
                }
                if let Some(delay) = self.next_delay(attempt, started, retry_after) {
                    // Only a wait we take closes the mailbox's gate: a Retry-After we give up
                    // on must not hold up every later request to that mailbox.
                    if status == 429 && retry_after.is_some() {
                        self.pause_for(req.mailbox.as_deref().unwrap_or(""), delay);
                    }
                    self.sleep_before_retry(attempt, delay).await;
                    continue;
                }
                return Err(GraphError::RetriesExhausted {
                    status,
                    attempts: attempt,
                    waited_secs: started.elapsed().as_secs(),
                    request_id,
                });
            }
            if !(200..300).contains(&status) {
                let parsed: GraphErrorBody = serde_json::from_slice(&bytes).unwrap_or_default();
                return Err(GraphError::answered(status, parsed, request_id));
            }
            if bytes.is_empty() {
                return Ok(Response {
                    status,
                    body: None,
                    request_id,
                });
            }
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(body) => {
                    return Ok(Response {
                        status,
                        body: Some(body),
                        request_id,
                    })
                }
                Err(e) => {
                    // A cut-off body: the answer is lost, ask again if that is safe.
                    if req.replayable {
                        if self.wait(attempt, started, None).await {
                            continue;
                        }
                        // Still cut off after every retry: the connection keeps losing answers
                        // (as when it drops mid-body), which a later run may not meet.
                        return Err(GraphError::Transport {
                            host: url.host_str().unwrap_or_default().into(),
                            detail: format!(
                                "the answer was cut off {attempt} times in a row ({e})"
                            ),
                        });
                    }
                    return Err(GraphError::Decode {
                        context: req.url.clone(),
                        detail: e.to_string(),
                        request_id,
                    });
                }
            }
        }
    }

    /// Wait while the mailbox's shared gate is closed.
    async fn respect_pause(&self, mailbox: &str) {
        let until = self
            .pause_until
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(mailbox)
            .copied();
        if let Some(u) = until.filter(|u| *u > tokio::time::Instant::now()) {
            tokio::time::sleep_until(u).await;
        }
    }

    fn pause_for(&self, mailbox: &str, d: Duration) {
        let until = tokio::time::Instant::now() + d;
        let mut p = self.pause_until.lock().unwrap_or_else(|e| e.into_inner());
        let slot = p.entry(mailbox.to_string()).or_insert(until);
        if *slot < until {
            *slot = until;
        }
    }

    /// Sleep before another attempt; `false` when the caps say stop.
    async fn wait(&self, attempt: u32, started: Instant, retry_after: Option<Duration>) -> bool {
        match self.next_delay(attempt, started, retry_after) {
            Some(delay) => {
                self.sleep_before_retry(attempt, delay).await;
                true
            }
            None => false,
        }
    }

    async fn sleep_before_retry(&self, attempt: u32, delay: Duration) {
        self.count(|c| c.retries += 1);
        tracing::debug!(
            attempt,
            delay_ms = delay.as_millis() as u64,
            "retrying Graph request"
        );
        tokio::time::sleep(delay).await;
    }

    /// How long to wait before another attempt; `None` when the caps say stop.
    fn next_delay(
        &self,
        attempt: u32,
        started: Instant,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        if attempt >= self.policy.max_attempts {
            return None;
        }
        let delay = retry_after.unwrap_or_else(|| self.policy.backoff(attempt, jitter_unit()));
        (started.elapsed().saturating_add(delay) <= self.policy.max_total_delay).then_some(delay)
    }

    /// GET one object.
    pub async fn get_json<T: DeserializeOwned>(&self, req: Request) -> Result<T, GraphError> {
        let context = req.url.clone();
        let resp = self.send(req).await?;
        let body = resp.body.unwrap_or(Value::Null);
        serde_json::from_value(body).map_err(|e| GraphError::Decode {
            context,
            detail: e.to_string(),
            request_id: resp.request_id,
        })
    }

    /// GET a collection and follow `@odata.nextLink` to the end.
    pub async fn get_all<T: DeserializeOwned>(&self, req: Request) -> Result<Vec<T>, GraphError> {
        self.collect_pages(req, "value", "@odata.nextLink", None)
            .await
    }

    /// Follow a collection's pages. `first_page` lets a caller start from an expanded collection
    /// (e.g. `attendanceRecords` with `attendanceRecords@odata.nextLink`); the pages after it are
    /// plain collections (`value`, `@odata.nextLink`).
    pub async fn collect_pages<T: DeserializeOwned>(
        &self,
        req: Request,
        items_key: &str,
        next_key: &str,
        first_page: Option<Value>,
    ) -> Result<Vec<T>, GraphError> {
        collect_pages_with(req, items_key, next_key, first_page, |r| self.send(r)).await
    }
}

/// The pager over any way of sending one request (directly, or through a
/// [`crate::batch::Batcher`]).
pub async fn collect_pages_with<T, F, Fut>(
    req: Request,
    items_key: &str,
    next_key: &str,
    first_page: Option<Value>,
    send: F,
) -> Result<Vec<T>, GraphError>
where
    T: DeserializeOwned,
    F: Fn(Request) -> Fut,
    Fut: std::future::Future<Output = Result<Response, GraphError>>,
{
    {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let (mut items_key, mut next_key) = (items_key.to_string(), next_key.to_string());
        let mut page = match first_page {
            Some(p) => p,
            None => send(req.clone()).await?.body.unwrap_or(Value::Null),
        };
        for pages in 1.. {
            if let Some(Value::Array(items)) = page.get_mut(&items_key).map(Value::take) {
                for item in items {
                    out.push(
                        serde_json::from_value(item).map_err(|e| GraphError::Decode {
                            context: req.url.clone(),
                            detail: e.to_string(),
                            request_id: None,
                        })?,
                    );
                }
            }
            let Some(next) = page
                .get(&next_key)
                .and_then(Value::as_str)
                .map(str::to_string)
            else {
                break;
            };
            if !seen.insert(next.clone()) {
                return Err(GraphError::Paging(format!(
                    "Graph returned the same next page twice ({next})"
                )));
            }
            if pages >= PAGE_CAP {
                return Err(GraphError::Paging(format!("more than {PAGE_CAP} pages")));
            }
            // Follow the link exactly as given (same origin enforced in `send`).
            let mut next_req = Request::get(next);
            next_req.mailbox = req.mailbox.clone();
            next_req.headers = req.headers.clone();
            next_req.priority = req.priority;
            page = send(next_req).await?.body.unwrap_or(Value::Null);
            items_key = "value".into();
            next_key = "@odata.nextLink".into();
        }
        Ok(out)
    }
}

/// A path segment that URL parsers treat as "this folder" or "the parent" (WHATWG URL: `.`, `..`,
/// and their `%2e` spellings in any case).
fn is_dot_segment(seg: &str) -> bool {
    let s = seg.to_ascii_lowercase().replace("%2e", ".");
    s == "." || s == ".."
}
