//! JSON batching (`$batch`, concepts/json-batching.md): many GETs in few round trips, with the
//! same per-mailbox limit and `Retry-After` discipline as single requests.
//!
//! How a mailbox's requests are packed: Outlook serves 4 concurrent requests per mailbox
//! (concepts/throttling-limits.md, "Outlook service limits"), and "requests in a batch are evaluated
//! individually against the applicable throttling limits" (json-batching.md, "Batch size
//! limitations"). Twenty parallel steps to one mailbox would meet 16 `429`s, and Graph advises that a
//! batch "should be either fully sequential or fully parallel". So each batch to a mailbox is one
//! `dependsOn` chain of up to 20 steps (one at the service at a time, one permit of the client's
//! mailbox gate), and up to 4 such chains per mailbox are in flight. Requests that name no mailbox
//! go fully parallel, 20 to a batch.
//!
//! Only what failed is sent again: a step answered `429`/`503`/`504` (after its own `Retry-After`,
//! which also pauses the mailbox as a single request's would), and the steps after it in its chain
//! (`424 Failed Dependency`). Every other answer is the step's result, in the caller's order
//! whatever order Graph answered in. The pager is not here: a caller that meets an
//! `@odata.nextLink` batches that link in its next round.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use reqwest::Method;
use serde_json::{json, Value};

use crate::client::{GraphClient, Request, Response, MAILBOX_CONCURRENCY};
use crate::error::{GraphError, GraphErrorBody};
use crate::retry::{parse_retry_after, retryable_status};

/// Graph's limit of steps in one batch.
pub const BATCH_LIMIT: usize = 20;

/// One step waiting to be sent: its place in the caller's list, and how often it was tried.
#[derive(Clone, Copy)]
struct Pending {
    index: usize,
    attempts: u32,
    /// Times it came back `424` because an earlier step of its chain failed (not its own fault,
    /// but bounded so a chain that keeps failing cannot loop for ever).
    bystander: u32,
}

struct Shared<'a> {
    requests: &'a [Request],
    results: Mutex<Vec<Option<Result<Response, GraphError>>>>,
    started: Instant,
}

impl GraphClient {
    /// Send GETs as JSON batches; the answers in the order of `requests`. Each answer is what
    /// [`GraphClient::send`] would have returned for that request alone.
    pub async fn batch_get(&self, requests: Vec<Request>) -> Vec<Result<Response, GraphError>> {
        let shared = Shared {
            requests: &requests,
            results: Mutex::new((0..requests.len()).map(|_| None).collect()),
            started: Instant::now(),
        };
        // One queue per mailbox ("" for requests that name none).
        let mut queues: HashMap<String, VecDeque<Pending>> = HashMap::new();
        for (index, r) in requests.iter().enumerate() {
            queues
                .entry(r.mailbox.clone().unwrap_or_default())
                .or_default()
                .push_back(Pending {
                    index,
                    attempts: 0,
                    bystander: 0,
                });
        }
        let queues: Vec<(String, Mutex<VecDeque<Pending>>)> = queues
            .into_iter()
            .map(|(m, q)| (m, Mutex::new(q)))
            .collect();
        let mut workers = Vec::new();
        for (mailbox, queue) in &queues {
            let chains = if mailbox.is_empty() {
                1
            } else {
                MAILBOX_CONCURRENCY
            };
            for _ in 0..chains {
                workers.push(self.worker(&shared, mailbox, queue));
            }
        }
        join_all(workers).await;
        let results = shared.results.into_inner().unwrap_or_else(|e| e.into_inner());
        results
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| Err(GraphError::Config("a batch step was never answered".into())))
            })
            .collect()
    }

    /// Take up to 20 steps of the mailbox's queue at a time until it is empty.
    async fn worker(&self, shared: &Shared<'_>, mailbox: &str, queue: &Mutex<VecDeque<Pending>>) {
        let chained = !mailbox.is_empty();
        loop {
            let steps: Vec<Pending> = {
                let mut q = queue.lock().unwrap_or_else(|e| e.into_inner());
                let n = q.len().min(BATCH_LIMIT);
                q.drain(..n).collect()
            };
            if steps.is_empty() {
                return;
            }
            let gate = chained.then(|| self.gate_for(mailbox));
            let _permit = match &gate {
                Some(g) => g.acquire().await.ok(),
                None => None,
            };
            self.respect_pause_for(mailbox).await;
            let retry = self.send_batch(shared, mailbox, &steps, chained).await;
            drop(_permit);
            if retry.is_empty() {
                continue;
            }
            let backoff = retry.iter().map(|(_, d)| *d).max().flatten();
            {
                let mut q = queue.lock().unwrap_or_else(|e| e.into_inner());
                // Older steps first: they were due before anything still queued.
                for (p, _) in retry.into_iter().rev() {
                    q.push_front(p);
                }
            }
            if let Some(d) = backoff {
                self.count_retry();
                tokio::time::sleep(d).await;
            }
        }
    }

    /// One `$batch` round trip. Returns the steps to send again, each with the backoff it asks
    /// for when Graph gave no `Retry-After` (that one pauses the mailbox instead).
    async fn send_batch(
        &self,
        shared: &Shared<'_>,
        mailbox: &str,
        steps: &[Pending],
        chained: bool,
    ) -> Vec<(Pending, Option<Duration>)> {
        let mut body = Vec::new();
        let mut by_id: HashMap<String, Pending> = HashMap::new();
        for p in steps {
            let r = &shared.requests[p.index];
            let url = match self.batch_url(&r.url) {
                Ok(u) => u,
                Err(e) => {
                    self.finish(shared, p.index, Err(e));
                    continue;
                }
            };
            let mut headers = serde_json::Map::new();
            headers.insert("Prefer".into(), json!(self.prefer_header()));
            for (k, v) in &r.headers {
                headers.insert(k.clone(), json!(v));
            }
            let id = (body.len() + 1).to_string();
            by_id.insert(id.clone(), *p);
            let mut step = json!({"id": id, "method": "GET", "url": url, "headers": headers});
            // A chain: each step after the previous one that was put in the batch.
            if chained {
                if let Some(prev) = body.last().and_then(|s: &Value| s["id"].as_str()) {
                    step["dependsOn"] = json!([prev]);
                }
            }
            body.push(step);
        }
        if body.is_empty() {
            return Vec::new();
        }
        self.count_sub_requests(by_id.len() as u64);
        let envelope = Request::new(Method::POST, "$batch", Some(json!({ "requests": body })))
            .replayable(true);
        let answer = match self.send(envelope).await {
            Ok(a) => a,
            Err(e) => {
                // The envelope itself failed after its retries: every step shares that fate.
                let text = e.to_string();
                let mut first = Some(e);
                for p in by_id.values() {
                    let err = first.take().unwrap_or_else(|| GraphError::Transport {
                        host: "graph".into(),
                        detail: text.clone(),
                    });
                    self.finish(shared, p.index, Err(err));
                }
                return Vec::new();
            }
        };
        let mut answered = std::collections::HashSet::new();
        let mut retry = Vec::new();
        let responses = answer
            .body
            .as_ref()
            .and_then(|b| b["responses"].as_array())
            .cloned()
            .unwrap_or_default();
        for step in responses {
            let id = step["id"].as_str().unwrap_or_default().to_string();
            let Some(p) = by_id.get(&id).copied() else {
                continue;
            };
            answered.insert(id);
            let status = step["status"].as_u64().unwrap_or(500) as u16;
            let header = |name: &str| {
                step["headers"].as_object().and_then(|h| {
                    h.iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(name))
                        .and_then(|(_, v)| v.as_str().map(str::to_string))
                })
            };
            let request_id = header("request-id");
            if status == 424 {
                let p = Pending {
                    bystander: p.bystander + 1,
                    ..p
                };
                if p.bystander > self.policy().max_attempts * 2 {
                    self.finish(shared, p.index, Err(failed(status, step.get("body"), request_id)));
                } else {
                    retry.push((p, None));
                }
                continue;
            }
            if retryable_status(status) {
                let p = Pending {
                    attempts: p.attempts + 1,
                    ..p
                };
                let retry_after = header("retry-after")
                    .and_then(|v| parse_retry_after(&v, SystemTime::now()));
                if status == 429 {
                    self.count_throttled();
                }
                match self.delay_for(p.attempts, shared.started, retry_after) {
                    Some(d) => {
                        if status == 429 && retry_after.is_some() {
                            self.pause_mailbox(mailbox, d);
                            retry.push((p, None));
                        } else {
                            retry.push((p, Some(d)));
                        }
                    }
                    None => self.finish(
                        shared,
                        p.index,
                        Err(GraphError::RetriesExhausted {
                            status,
                            attempts: p.attempts,
                            waited_secs: shared.started.elapsed().as_secs(),
                            request_id,
                        }),
                    ),
                }
                continue;
            }
            let result = if (200..300).contains(&status) {
                Ok(Response {
                    status,
                    body: step.get("body").cloned(),
                    request_id,
                })
            } else {
                Err(failed(status, step.get("body"), request_id))
            };
            self.finish(shared, p.index, result);
        }
        // A step Graph did not answer is sent again, as if it came back 503.
        for (id, p) in &by_id {
            if !answered.contains(id) {
                let p = Pending {
                    attempts: p.attempts + 1,
                    ..*p
                };
                match self.delay_for(p.attempts, shared.started, None) {
                    Some(d) => retry.push((p, Some(d))),
                    None => self.finish(
                        shared,
                        p.index,
                        Err(GraphError::Decode {
                            context: "$batch".into(),
                            detail: format!("no answer for step {id}"),
                            request_id: answer.request_id.clone(),
                        }),
                    ),
                }
            }
        }
        retry.sort_by_key(|(p, _)| p.index);
        retry
    }

    fn finish(&self, shared: &Shared<'_>, index: usize, r: Result<Response, GraphError>) {
        let mut results = shared.results.lock().unwrap_or_else(|e| e.into_inner());
        results[index] = Some(r);
    }

    /// A step's URL as a batch takes it: relative to the version root (`/users/…`), also for an
    /// absolute nextLink (which must be on the Graph origin, like any request).
    fn batch_url(&self, url: &str) -> Result<String, GraphError> {
        let full = self.resolve(url)?;
        let base = url::Url::parse(&self.endpoints().graph)
            .map_err(|e| GraphError::Config(e.to_string()))?;
        let root = base.path().trim_end_matches('/');
        let path = full.path();
        let rel = path.strip_prefix(root).unwrap_or(path);
        Ok(match full.query() {
            Some(q) => format!("{rel}?{q}"),
            None => rel.to_string(),
        })
    }
}

/// A step's error answer as the error [`GraphClient::send`] gives for it.
fn failed(status: u16, body: Option<&Value>, request_id: Option<String>) -> GraphError {
    let parsed: GraphErrorBody = body
        .and_then(|b| serde_json::from_value(b.clone()).ok())
        .unwrap_or_default();
    let inner = parsed.error.inner_error.unwrap_or_default();
    GraphError::Api {
        status,
        code: if parsed.error.code.is_empty() {
            format!("HTTP{status}")
        } else {
            parsed.error.code
        },
        message: parsed.error.message,
        request_id: request_id.or(inner.request_id),
        date: inner.date,
    }
}

/// Run futures to completion together (no extra crate for one loop).
async fn join_all<F: std::future::Future<Output = ()>>(futures: Vec<F>) {
    let mut futures: Vec<std::pin::Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    std::future::poll_fn(move |cx| {
        futures.retain_mut(|f| f.as_mut().poll(cx).is_pending());
        if futures.is_empty() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await
}

