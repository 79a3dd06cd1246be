//! JSON batching (`$batch`, concepts/json-batching.md): requests sent one by one by their callers
//! leave in few round trips, with the same per-mailbox limit and `Retry-After` discipline as
//! single requests.
//!
//! A [`Batcher`] coalesces: each GET a caller sends waits in its mailbox's queue, and up to 4
//! *chains* per mailbox take whatever is waiting (up to 20 steps) as one `$batch`. Why chains:
//! Outlook serves 4 concurrent requests per mailbox (concepts/throttling-limits.md, "Outlook
//! service limits") and "requests in a batch are evaluated individually against the applicable
//! throttling limits" (json-batching.md, "Batch size limitations"): twenty parallel steps to one
//! mailbox would meet 16 `429`s, and Graph advises that a batch "should be either fully sequential
//! or fully parallel". So a batch to a mailbox is one `dependsOn` chain — one step at the service
//! at a time, one permit of the client's mailbox gate — and 4 chains per mailbox run at once.
//! That holds for Outlook's resources (events, calendars), whose requests name their mailbox.
//! Requests that name none — Teams' online meetings and attendance reports among them, which
//! have their own per-app limit (includes/throttling-skype-calling.md: 5,000 requests per 10
//! seconds) — go fully parallel, 20 to a batch, 8 batches at a time. A chain that starts while
//! others are busy finds a longer queue: batches grow exactly when there is work waiting.
//!
//! Only what failed is sent again: a step answered `429`/`503`/`504` (after its own `Retry-After`,
//! which pauses the mailbox as a single request's would), and the steps after it in its chain
//! (`424 Failed Dependency`, not counted against their attempts when a step before them in the
//! batch failed; a 424 with no failed step before it counts as an attempt, so a proxy that
//! rewrites every answer cannot make the retries endless). Any other answer is the step's own
//! result, matched by id whatever order Graph answered in.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use tokio::sync::oneshot;

use crate::client::{collect_pages_with, GraphClient, Request, Response, MAILBOX_CONCURRENCY};
use crate::error::{GraphError, GraphErrorBody};
use crate::retry::{parse_retry_after, retryable_status};

/// Graph's limit of steps in one batch.
pub const BATCH_LIMIT: usize = 20;
/// Batches in flight at once for requests that name no mailbox.
pub const PARALLEL_BATCHES: usize = 8;

/// One request waiting for a batch.
struct Job {
    req: Request,
    /// Times it was answered 429/503/504 (or not at all).
    attempts: u32,
    started: Instant,
    reply: oneshot::Sender<Result<Response, GraphError>>,
}

#[derive(Default)]
struct Queue {
    waiting: VecDeque<Job>,
    chains: usize,
}

/// Coalesces GETs into `$batch` requests over one shared [`GraphClient`] (so its mailbox gates,
/// `Retry-After` pauses and counters are the same as for single requests).
pub struct Batcher {
    graph: Arc<GraphClient>,
    queues: Mutex<HashMap<String, Queue>>,
}

impl Batcher {
    pub fn new(graph: Arc<GraphClient>) -> Arc<Self> {
        Arc::new(Batcher {
            graph,
            queues: Mutex::new(HashMap::new()),
        })
    }

    pub fn graph(&self) -> &Arc<GraphClient> {
        &self.graph
    }

    /// Send one GET as a step of a batch; the answer [`GraphClient::send`] would give for it.
    pub async fn send(self: &Arc<Self>, req: Request) -> Result<Response, GraphError> {
        if req.method != Method::GET {
            return self.graph.send(req).await;
        }
        let (reply, answer) = oneshot::channel();
        self.enqueue(Job {
            req,
            attempts: 0,
            started: Instant::now(),
            reply,
        });
        answer
            .await
            .unwrap_or_else(|_| Err(GraphError::Config("the batch was dropped".into())))
    }

    /// GET one object through a batch.
    pub async fn get_json<T: DeserializeOwned>(
        self: &Arc<Self>,
        req: Request,
    ) -> Result<T, GraphError> {
        let context = req.url.clone();
        let resp = self.send(req).await?;
        serde_json::from_value(resp.body.unwrap_or(Value::Null)).map_err(|e| GraphError::Decode {
            context,
            detail: e.to_string(),
            request_id: resp.request_id,
        })
    }

    /// GET a collection, every page through batches.
    pub async fn get_all<T: DeserializeOwned>(
        self: &Arc<Self>,
        req: Request,
    ) -> Result<Vec<T>, GraphError> {
        collect_pages_with(req, "value", "@odata.nextLink", None, |r| self.send(r)).await
    }

    /// Send many GETs at once; the answers in their order.
    pub async fn send_all(
        self: &Arc<Self>,
        requests: Vec<Request>,
    ) -> Vec<Result<Response, GraphError>> {
        let mut set = tokio::task::JoinSet::new();
        for (i, r) in requests.into_iter().enumerate() {
            let me = self.clone();
            set.spawn(async move { (i, me.send(r).await) });
        }
        let mut out: Vec<Option<Result<Response, GraphError>>> = Vec::new();
        while let Some(done) = set.join_next().await {
            if let Ok((i, r)) = done {
                if out.len() <= i {
                    out.resize_with(i + 1, || None);
                }
                out[i] = Some(r);
            }
        }
        out.into_iter()
            .map(|r| r.unwrap_or_else(|| Err(GraphError::Config("a batch step was lost".into()))))
            .collect()
    }

    /// Queue a new job by its priority and start a chain if the mailbox has fewer than its
    /// most (retries go back through [`Batcher::enqueue_retry`]).
    fn enqueue(self: &Arc<Self>, job: Job) {
        let mailbox = job.req.mailbox.clone().unwrap_or_default();
        let start = {
            let mut queues = self.queues.lock().unwrap_or_else(|e| e.into_inner());
            let q = queues.entry(mailbox.clone()).or_default();
            // After everything of its priority or higher, before anything lower.
            let at = q
                .waiting
                .iter()
                .position(|j| j.req.priority < job.req.priority)
                .unwrap_or(q.waiting.len());
            q.waiting.insert(at, job);
            let most = if mailbox.is_empty() {
                PARALLEL_BATCHES
            } else {
                MAILBOX_CONCURRENCY
            };
            let start = q.chains < most;
            if start {
                q.chains += 1;
            }
            start
        };
        if start {
            let me = self.clone();
            tokio::spawn(async move { me.chain(mailbox).await });
        }
    }

    /// Take up to 20 waiting jobs at a time until the mailbox's queue is empty.
    async fn chain(self: Arc<Self>, mailbox: String) {
        let chained = !mailbox.is_empty();
        loop {
            let jobs: Vec<Job> = {
                let mut queues = self.queues.lock().unwrap_or_else(|e| e.into_inner());
                let q = queues.entry(mailbox.clone()).or_default();
                let n = q.waiting.len().min(BATCH_LIMIT);
                if n == 0 {
                    q.chains = q.chains.saturating_sub(1);
                    return;
                }
                q.waiting.drain(..n).collect()
            };
            let gate = chained.then(|| self.graph.gate_for(&mailbox));
            let permit = match &gate {
                Some(g) => g.acquire().await.ok(),
                None => None,
            };
            self.graph.respect_pause_for(&mailbox).await;
            let (retry, backoff) = self.send_batch(&mailbox, jobs, chained).await;
            drop(permit);
            for job in retry.into_iter().rev() {
                self.enqueue_retry(job);
            }
            if let Some(d) = backoff {
                self.graph.count_retry();
                tokio::time::sleep(d).await;
            }
        }
    }

    /// Put a job back at the front (it was due before anything queued since) without starting a
    /// chain: the one that sent it goes on.
    fn enqueue_retry(&self, job: Job) {
        let mailbox = job.req.mailbox.clone().unwrap_or_default();
        let mut queues = self.queues.lock().unwrap_or_else(|e| e.into_inner());
        queues.entry(mailbox).or_default().waiting.push_front(job);
    }

    /// One `$batch` round trip: answers handed to their callers; the jobs to send again (in their
    /// order) and the backoff to take first when Graph gave no `Retry-After`.
    async fn send_batch(
        &self,
        mailbox: &str,
        jobs: Vec<Job>,
        chained: bool,
    ) -> (Vec<Job>, Option<Duration>) {
        let mut steps = Vec::new();
        let mut by_id: HashMap<String, Job> = HashMap::new();
        let mut order = Vec::new();
        for job in jobs {
            let url = match self.batch_url(&job.req.url) {
                Ok(u) => u,
                Err(e) => {
                    let _ = job.reply.send(Err(e));
                    continue;
                }
            };
            let mut headers = serde_json::Map::new();
            headers.insert("Prefer".into(), json!(self.graph.prefer_header()));
            for (k, v) in &job.req.headers {
                headers.insert(k.clone(), json!(v));
            }
            let id = (steps.len() + 1).to_string();
            let mut step = json!({"id": id, "method": "GET", "url": url, "headers": headers});
            // A chain: each step after the one before it.
            if chained && !steps.is_empty() {
                step["dependsOn"] = json!([steps.len().to_string()]);
            }
            steps.push(step);
            order.push(id.clone());
            by_id.insert(id, job);
        }
        if steps.is_empty() {
            return (Vec::new(), None);
        }
        self.graph.count_sub_requests(steps.len() as u64);
        let envelope = Request::new(Method::POST, "$batch", Some(json!({ "requests": steps })))
            .replayable(true);
        let answer = match self.graph.send(envelope).await {
            Ok(a) => a,
            Err(e) => {
                // The envelope itself failed after its retries: every step shares that fate.
                let text = e.to_string();
                let mut first = Some(e);
                for id in &order {
                    if let Some(job) = by_id.remove(id) {
                        let err = first.take().unwrap_or_else(|| GraphError::Transport {
                            host: "graph".into(),
                            detail: text.clone(),
                        });
                        let _ = job.reply.send(Err(err));
                    }
                }
                return (Vec::new(), None);
            }
        };
        let mut retry: Vec<(usize, Job)> = Vec::new();
        let mut backoff: Option<Duration> = None;
        let position = |id: &str| order.iter().position(|o| o == id).unwrap_or(usize::MAX);
        let request_id_of_batch = answer.request_id.clone();
        let responses = match answer
            .body
            .and_then(|mut b| b.get_mut("responses").map(Value::take))
        {
            Some(Value::Array(r)) => r,
            _ => Vec::new(),
        };
        // A 424 is a bystander's only when a step before it in this batch really failed; a 424
        // with no such step (a proxy rewriting every answer) counts as an attempt like a 503, so
        // the retries stay bounded in number and time.
        let first_failure = responses
            .iter()
            .filter(|r| {
                let st = r["status"].as_u64().unwrap_or(500);
                st != 424 && !(200..300).contains(&st)
            })
            .map(|r| position(r["id"].as_str().unwrap_or_default()))
            .min();
        for mut step in responses {
            let id = step["id"].as_str().unwrap_or_default().to_string();
            let Some(mut job) = by_id.remove(&id) else {
                continue;
            };
            let status = step["status"].as_u64().unwrap_or(500) as u16;
            let header = |name: &str| {
                step["headers"].as_object().and_then(|h| {
                    h.iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(name))
                        .and_then(|(_, v)| v.as_str().map(str::to_string))
                })
            };
            let request_id = header("request-id");
            if status == 424 && first_failure.is_some_and(|f| f < position(&id)) {
                retry.push((position(&id), job));
                continue;
            }
            if retryable_status(status) || status == 424 {
                job.attempts += 1;
                let retry_after =
                    header("retry-after").and_then(|v| parse_retry_after(&v, SystemTime::now()));
                if status == 429 {
                    self.graph.count_throttled();
                }
                match self.graph.delay_for(job.attempts, job.started, retry_after) {
                    Some(d) => {
                        if status == 429 && retry_after.is_some() {
                            self.graph.pause_mailbox(mailbox, d);
                        } else {
                            backoff = backoff.max(Some(d));
                        }
                        retry.push((position(&id), job));
                    }
                    None => {
                        let _ = job.reply.send(Err(GraphError::RetriesExhausted {
                            status,
                            attempts: job.attempts,
                            waited_secs: job.started.elapsed().as_secs(),
                            request_id,
                        }));
                    }
                }
                continue;
            }
            let result = if (200..300).contains(&status) {
                Ok(Response {
                    status,
                    body: step.get_mut("body").map(Value::take),
                    request_id,
                })
            } else {
                Err(failed(status, step.get("body"), request_id))
            };
            let _ = job.reply.send(result);
        }
        // A step Graph did not answer is sent again, as if it came back 503.
        for (id, mut job) in by_id.drain() {
            job.attempts += 1;
            match self.graph.delay_for(job.attempts, job.started, None) {
                Some(d) => {
                    backoff = backoff.max(Some(d));
                    retry.push((position(&id), job));
                }
                None => {
                    let _ = job.reply.send(Err(GraphError::Decode {
                        context: "$batch".into(),
                        detail: format!("no answer for step {id}"),
                        request_id: request_id_of_batch.clone(),
                    }));
                }
            }
        }
        retry.sort_by_key(|(p, _)| *p);
        (retry.into_iter().map(|(_, j)| j).collect(), backoff)
    }

    /// A step's URL as a batch takes it: relative to the version root (`/users/…`), also for an
    /// absolute nextLink (which must be on the Graph origin, like any request).
    fn batch_url(&self, url: &str) -> Result<String, GraphError> {
        let full = self.graph.resolve(url)?;
        let base = url::Url::parse(&self.graph.endpoints().graph)
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
    GraphError::answered(status, parsed, request_id)
}
