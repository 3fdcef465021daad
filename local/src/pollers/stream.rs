//! A DynamoDB stream event source mapping: follows every shard of the table's latest stream
//! (TRIM_HORIZON or LATEST first, then `NextShardIterator`), hands records to the function in
//! batches of `BatchSize`, and on failure retries from the first failed record (bisecting a
//! failing batch when `BisectBatchOnFunctionError`), up to `MaximumRetryAttempts` /
//! `MaximumRecordAgeInSeconds`; then it sends the failed records to the on-failure queue and
//! moves on. Records given up on are logged at error level with the handler's reason and
//! kept in the stack's dead-letter journal. After the emulator lost its state (a recovery
//! bumps the provisioner's generation) the poller looks up the table's stream at once and
//! follows the recreated table's new stream from its start.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use aws_lambda_events::event::dynamodb::Event as StreamEvent;
use aws_sdk_dynamodbstreams::types::ShardIteratorType;
use mediashare::Ctx;
use mediashare::registry::StreamHandler;
use serde_json::{Value as Json, json};

use super::dynamo_json;
use crate::aws::{error_code, is_missing_code};
use crate::capture::{self, LogCapture};
use crate::error::error_chain;
use crate::faults::{DeadLetter, Delivery, Faults};
use crate::ids;
use crate::invoke::invoke;
use crate::provision::{Provisioner, table};
use crate::shutdown::Shutdown;

/// Pause between polls when no shard had records.
const IDLE_POLL: Duration = Duration::from_millis(200);
/// How often the shard list is refreshed.
const DESCRIBE_EVERY: Duration = Duration::from_secs(5);
/// Records older than this are given up when retries do not succeed (the stream's retention).
const DEFAULT_MAX_RECORD_AGE: u32 = 24 * 3600;
/// An idle shard's iterator is renewed from the checkpoint this often (see `poll_shard`).
const ITERATOR_REFRESH: Duration = Duration::from_secs(1);
/// At most this many records per GetRecords.
const GET_RECORDS_LIMIT: i32 = 1000;
/// SQS refuses messages above 256 KiB; the records are left out of larger failure notices.
const MAX_NOTICE_BYTES: usize = 250 * 1024;

/// One table stream → function mapping.
pub(crate) struct StreamPoller {
    pub ctx: &'static Ctx,
    pub handler: StreamHandler,
    pub binary: String,
    pub function_arn: String,
    pub timeout: Duration,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub streams: aws_sdk_dynamodbstreams::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub table_name: String,
    pub region: String,
    pub starting_position: String,
    pub batch_size: u32,
    pub maximum_retry_attempts: Option<u32>,
    pub maximum_record_age_seconds: Option<u32>,
    pub bisect_on_error: bool,
    pub report_batch_item_failures: bool,
    pub on_failure_queue_url: Option<String>,
    pub provisioner: Arc<Provisioner>,
    pub faults: Arc<Faults>,
    pub capture: LogCapture,
    pub shutdown: Shutdown,
}

/// Where the poller is in one shard.
#[derive(Debug, Default)]
struct Shard {
    parent: Option<String>,
    iterator: Option<String>,
    /// When the chain of iterators was last started with GetShardIterator.
    iterator_since: Option<Instant>,
    /// The last sequence number handed over (delivered or given up).
    checkpoint: Option<String>,
}

/// The stream being followed.
#[derive(Debug, Default)]
struct Position {
    stream_arn: Option<String>,
    shards: BTreeMap<String, Shard>,
    finished: BTreeSet<String>,
    described_at: Option<Instant>,
    /// Whether the very first iterator of this stream uses the template's starting position
    /// (a stream that appears later, after the emulator restarted, is read from its start).
    first_stream: bool,
}

/// Why a batch did not fully succeed.
struct Failure {
    /// Index of the first failed record in the batch.
    index: usize,
    /// The whole batch failed (function error, timeout, invalid response).
    whole: bool,
    reason: String,
    /// An injected crash ended the invocation.
    crashed: bool,
}

impl StreamPoller {
    /// Polls until shutdown.
    pub(crate) async fn run(mut self) {
        tracing::info!(function = %self.binary, table = %self.table_name, "polling table stream");
        let mut position = Position { first_stream: true, ..Position::default() };
        let mut failures = 0u32;
        let mut generation = self.provisioner.generation();
        while !self.shutdown.is_stopping() {
            if !self.faults.gate(&self.binary, &mut self.shutdown).await {
                break;
            }
            if generation.has_changed().unwrap_or(false) {
                generation.mark_unchanged();
                // Resources were provisioned again: look for a new stream now (a recreated
                // table has one; `describe` then follows it from its start).
                position.described_at = None;
                failures = 0;
            }
            match self.poll_once(&mut position).await {
                Ok(true) => failures = 0,
                Ok(false) => {
                    failures = 0;
                    if !self.shutdown.sleep(IDLE_POLL).await {
                        break;
                    }
                }
                Err(message) => {
                    failures = failures.saturating_add(1);
                    tracing::warn!(function = %self.binary, table = %self.table_name, error = %message, "stream poll failed");
                    position.described_at = None;
                    let mut stop = self.shutdown.clone();
                    // A recovery (by the watchdog or another poller) ends the back-off at once.
                    let awake = tokio::select! {
                        awake = stop.sleep(super::backoff(failures)) => awake,
                        _ = generation.changed() => {
                            generation.mark_changed();
                            true
                        }
                    };
                    if !awake || self.shutdown.is_stopping() {
                        break;
                    }
                }
            }
        }
        tracing::debug!(function = %self.binary, "stream poller stopped");
    }

    /// One pass over the ready shards; `true` when records were read.
    async fn poll_once(&mut self, position: &mut Position) -> Result<bool, String> {
        if position.described_at.is_none_or(|at| at.elapsed() >= DESCRIBE_EVERY) {
            self.describe(position).await?;
        }
        let Some(stream_arn) = position.stream_arn.clone() else {
            return Ok(false);
        };
        let ready: Vec<String> = position
            .shards
            .iter()
            .filter(|(_, s)| {
                s.parent.as_ref().is_none_or(|p| position.finished.contains(p) || !position.shards.contains_key(p))
            })
            .map(|(id, _)| id.clone())
            .collect();
        let mut read_any = false;
        for shard_id in ready {
            if self.shutdown.is_stopping() {
                break;
            }
            read_any |= self.poll_shard(position, &stream_arn, &shard_id).await?;
        }
        Ok(read_any)
    }

    /// Finds the table's latest stream and its shards; repairs the table when it vanished.
    async fn describe(&self, position: &mut Position) -> Result<(), String> {
        let described = table::describe(&self.dynamodb, &self.table_name).await.map_err(|e| e.to_string())?;
        let Some(description) = described else {
            self.provisioner.repair(&format!("table {} is missing", self.table_name)).await;
            return Err(format!("table {} does not exist", self.table_name));
        };
        let Some(arn) = description.latest_stream_arn().map(str::to_owned) else {
            return Err(format!("table {} has no stream", self.table_name));
        };
        if position.stream_arn.as_deref() != Some(arn.as_str()) {
            if position.stream_arn.is_some() {
                tracing::warn!(function = %self.binary, stream = %arn, "the table has a new stream (recreated?); reading it from the start");
                position.first_stream = false;
            }
            position.stream_arn = Some(arn.clone());
            position.shards.clear();
            position.finished.clear();
        }
        let mut start: Option<String> = None;
        for _page in 0..100 {
            let out = self
                .streams
                .describe_stream()
                .stream_arn(&arn)
                .set_exclusive_start_shard_id(start.clone())
                .send()
                .await
                .map_err(|e| error_chain(&e))?;
            let Some(description) = out.stream_description else {
                break;
            };
            for shard in description.shards() {
                let Some(id) = shard.shard_id() else { continue };
                if !position.finished.contains(id) {
                    position.shards.entry(id.to_owned()).or_insert_with(|| Shard {
                        parent: shard.parent_shard_id().map(str::to_owned),
                        ..Shard::default()
                    });
                }
            }
            start = description.last_evaluated_shard_id().map(str::to_owned);
            if start.is_none() {
                break;
            }
        }
        position.described_at = Some(Instant::now());
        Ok(())
    }

    /// Reads one shard and delivers what it returned; `true` when records were read.
    async fn poll_shard(&self, position: &mut Position, stream_arn: &str, shard_id: &str) -> Result<bool, String> {
        let Some(shard) = position.shards.get(shard_id) else {
            return Ok(false);
        };
        let (existing, checkpoint) = (shard.iterator.clone(), shard.checkpoint.clone());
        let iterator = match existing {
            Some(iterator) => iterator,
            None => {
                let request = self.streams.get_shard_iterator().stream_arn(stream_arn).shard_id(shard_id);
                let request = match &checkpoint {
                    Some(sequence) => {
                        request.shard_iterator_type(ShardIteratorType::AfterSequenceNumber).sequence_number(sequence)
                    }
                    None if position.first_stream && self.starting_position == "LATEST" => {
                        request.shard_iterator_type(ShardIteratorType::Latest)
                    }
                    None => request.shard_iterator_type(ShardIteratorType::TrimHorizon),
                };
                let out = request.send().await.map_err(|e| {
                    position.described_at = None;
                    error_chain(&e)
                })?;
                if let Some(shard) = position.shards.get_mut(shard_id) {
                    shard.iterator_since = Some(Instant::now());
                }
                out.shard_iterator.ok_or_else(|| format!("no iterator for shard {shard_id}"))?
            }
        };
        let out = match self.streams.get_records().shard_iterator(&iterator).limit(GET_RECORDS_LIMIT).send().await {
            Ok(out) => out,
            Err(e) => {
                // Expired or unknown iterator (the emulator restarted?): start again from the checkpoint.
                if let Some(shard) = position.shards.get_mut(shard_id) {
                    shard.iterator = None;
                }
                return Err(error_chain(&e));
            }
        };
        let records: Vec<Json> =
            out.records().iter().map(|r| dynamo_json::record(r, stream_arn, &self.region)).collect();
        let closed = out.next_shard_iterator.is_none();
        if let Some(shard) = position.shards.get_mut(shard_id) {
            shard.iterator = out.next_shard_iterator;
            // moto swaps a table for a copy when a transaction is cancelled, and the iterators
            // of the old copy go silent (same stream ARN). So an idle shard is re-read from its
            // checkpoint with a fresh iterator now and then (AWS iterators would live 15 min).
            let stale = shard.iterator_since.is_none_or(|since| since.elapsed() >= ITERATOR_REFRESH);
            let restartable = shard.checkpoint.is_some() || self.starting_position != "LATEST";
            if records.is_empty() && stale && restartable {
                shard.iterator = None;
            }
        }
        let mut complete = true;
        let batch_size = usize::try_from(self.batch_size.max(1)).unwrap_or(100);
        for batch in records.chunks(batch_size) {
            let handed_over = self.deliver(stream_arn, shard_id, batch).await;
            if let (Some(last), Some(shard)) =
                (handed_over.checked_sub(1).and_then(|i| batch.get(i)), position.shards.get_mut(shard_id))
            {
                shard.checkpoint = dynamo_json::sequence_number(last).map(str::to_owned);
            }
            if handed_over < batch.len() {
                // Stopped mid-batch (shutdown): resume after the checkpoint next time.
                if let Some(shard) = position.shards.get_mut(shard_id) {
                    shard.iterator = None;
                }
                complete = false;
                break;
            }
        }
        if closed && complete {
            position.shards.remove(shard_id);
            position.finished.insert(shard_id.to_owned());
            position.described_at = None;
        }
        Ok(!records.is_empty())
    }

    /// Delivers `records` until each one succeeded or was given up; returns how many were
    /// handed over (fewer only on shutdown).
    async fn deliver(&self, stream_arn: &str, shard_id: &str, records: &[Json]) -> usize {
        let mut done = 0;
        let mut size = records.len();
        let mut attempts = 0u32;
        while done < records.len() {
            if self.shutdown.is_stopping() {
                return done;
            }
            let batch = &records[done..(done + size).min(records.len())];
            let Some(failure) = self.invoke(batch).await else {
                tracing::debug!(function = %self.binary, records = batch.len(), "stream batch delivered");
                done += batch.len();
                size = records.len() - done;
                attempts = 0;
                continue;
            };
            done += failure.index;
            let failed = &batch[failure.index..];
            if failure.whole && self.bisect_on_error && failed.len() > 1 {
                size = failed.len().div_ceil(2);
                tracing::warn!(function = %self.binary, records = failed.len(), reason = %failure.reason, "batch failed; bisecting");
                continue;
            }
            attempts += 1;
            let exhausted = self.maximum_retry_attempts.is_some_and(|max| attempts > max);
            let too_old = self.too_old(failed);
            if exhausted || too_old {
                let condition = if exhausted { "RetryAttemptsExhausted" } else { "RecordAgeExceeded" };
                tracing::error!(
                    function = %self.binary, stream = %stream_arn, records = failed.len(),
                    first_sequence_number = failed.first().and_then(dynamo_json::sequence_number).unwrap_or_default(),
                    attempts, condition, reason = %failure.reason,
                    on_failure = self.on_failure_queue_url.as_deref().unwrap_or("none"),
                    "dead-lettered: giving up on stream records; they go to the on-failure destination"
                );
                self.notify_failure(stream_arn, shard_id, failed, condition, attempts, &failure.reason).await;
                done += failed.len();
                size = records.len() - done;
                attempts = 0;
                continue;
            }
            tracing::warn!(
                function = %self.binary, records = failed.len(), attempt = attempts, reason = %failure.reason,
                first_sequence_number = failed.first().and_then(dynamo_json::sequence_number).unwrap_or_default(),
                "stream batch failed; retrying from the first failed record"
            );
            size = failed.len();
            let mut shutdown = self.shutdown.clone();
            if !shutdown.sleep(super::backoff(attempts)).await {
                return done;
            }
        }
        done
    }

    fn too_old(&self, records: &[Json]) -> bool {
        let limit = f64::from(self.maximum_record_age_seconds.unwrap_or(DEFAULT_MAX_RECORD_AGE));
        let now = time::OffsetDateTime::now_utc().unix_timestamp() as f64;
        records.first().and_then(dynamo_json::created_at).is_some_and(|created| created > 0.0 && now - created > limit)
    }

    /// Invokes the function with `batch` and records the delivery; `None` when every record
    /// succeeded.
    async fn invoke(&self, batch: &[Json]) -> Option<Failure> {
        let failure = self.invoke_once(batch).await;
        let sequence = |r: &Json| dynamo_json::sequence_number(r).unwrap_or_default().to_owned();
        self.faults.delivered(Delivery {
            function: self.binary.clone(),
            records: batch.iter().map(sequence).collect(),
            failed: failure.as_ref().map(|f| batch[f.index..].iter().map(sequence).collect()).unwrap_or_default(),
            crashed: failure.as_ref().is_some_and(|f| f.crashed),
            at: SystemTime::now(),
        });
        failure
    }

    async fn invoke_once(&self, batch: &[Json]) -> Option<Failure> {
        let whole = |reason: String| Some(Failure { index: 0, whole: true, reason, crashed: false });
        let mut event: StreamEvent = match serde_json::from_value(json!({ "Records": batch })) {
            Ok(event) => event,
            Err(e) => return whole(format!("event conversion: {e}")),
        };
        let crash_after = self.faults.take_crash(&self.binary, batch.len());
        if let Some(after) = crash_after {
            event.records.truncate(after);
        }
        let result = invoke(self.capture.run((self.handler)(self.ctx, event)), self.timeout).await;
        let lines = self.capture.take();
        if let Some(after) = crash_after {
            // Injected fault: the process died after handling `after` records; Lambda got no
            // response, so the batch is retried (bisected) like any function error.
            tracing::warn!(function = %self.binary, records = batch.len(), handled = after, "injected fault: crashed mid-batch");
            let reason = format!("function crashed (injected fault) after {after} of {} records", batch.len());
            return Some(Failure { index: 0, whole: true, reason, crashed: true });
        }
        let response = match result {
            Err(e) => return whole(e.to_string()),
            Ok(Err(e)) => return whole(format!("function error: {}", error_chain(&e))),
            Ok(Ok(response)) => response,
        };
        if !self.report_batch_item_failures || response.batch_item_failures.is_empty() {
            return None;
        }
        let mut first = None;
        for failure in &response.batch_item_failures {
            let identifier = failure.item_identifier.as_deref().unwrap_or_default();
            match batch.iter().position(|r| dynamo_json::sequence_number(r) == Some(identifier)) {
                Some(index) => first = Some(first.map_or(index, |f: usize| f.min(index))),
                None => {
                    return whole(format!("invalid itemIdentifier {identifier:?}: the whole batch failed"));
                }
            }
        }
        first.map(|index| {
            let event_id = batch[index].get("eventID").and_then(Json::as_str).unwrap_or_default();
            let logged = capture::reason_for(&lines, event_id).unwrap_or_else(|| "no reason logged".to_owned());
            Failure { index, whole: false, reason: format!("reported in batchItemFailures: {logged}"), crashed: false }
        })
    }

    /// Sends an AWS-shaped invocation record (plus, locally, the records themselves) to the
    /// on-failure destination queue.
    async fn notify_failure(
        &self,
        stream_arn: &str,
        shard_id: &str,
        records: &[Json],
        condition: &str,
        attempts: u32,
        reason: &str,
    ) {
        let first = records.first().and_then(dynamo_json::sequence_number).unwrap_or_default();
        let last = records.last().and_then(dynamo_json::sequence_number).unwrap_or_default();
        self.faults.dead_lettered(DeadLetter {
            function: self.binary.clone(),
            source: stream_arn.to_owned(),
            destination: self.on_failure_queue_url.clone().unwrap_or_default(),
            id: format!("{first}..{last}"),
            attempts,
            reason: reason.to_owned(),
            at: SystemTime::now(),
        });
        let Some(queue_url) = &self.on_failure_queue_url else {
            tracing::warn!(function = %self.binary, records = records.len(), "no on-failure destination: records dropped");
            return;
        };
        let arrival = |record: Option<&Json>| {
            record
                .and_then(dynamo_json::created_at)
                .and_then(|secs| time::OffsetDateTime::from_unix_timestamp(secs as i64).ok())
                .map(ids::rfc3339_millis)
        };
        let mut notice = json!({
            "requestContext": {
                "requestId": ids::uuid(),
                "functionArn": self.function_arn,
                "condition": condition,
                "approximateInvokeCount": attempts,
            },
            "responseContext": { "statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled" },
            "version": "1.0",
            "timestamp": ids::rfc3339_millis(time::OffsetDateTime::now_utc()),
            "DDBStreamBatchInfo": {
                "shardId": shard_id,
                "startSequenceNumber": records.first().and_then(dynamo_json::sequence_number),
                "endSequenceNumber": records.last().and_then(dynamo_json::sequence_number),
                "approximateArrivalOfFirstRecord": arrival(records.first()),
                "approximateArrivalOfLastRecord": arrival(records.last()),
                "batchSize": records.len(),
                "streamArn": stream_arn,
            },
            "errorMessage": reason,
            "Records": records,
        });
        if notice.to_string().len() > MAX_NOTICE_BYTES
            && let Some(object) = notice.as_object_mut()
        {
            object.remove("Records");
        }
        let body = notice.to_string();
        for attempt in 1..=3u32 {
            match self.sqs.send_message().queue_url(queue_url).message_body(&body).send().await {
                Ok(_) => {
                    tracing::warn!(function = %self.binary, queue = %queue_url, records = records.len(), "failed records sent to the on-failure queue");
                    return;
                }
                Err(e) => {
                    tracing::warn!(function = %self.binary, attempt, error = %error_chain(&e), "cannot reach the on-failure queue");
                    if is_missing_code(error_code(&e)) {
                        self.provisioner.repair(&format!("queue {queue_url} is missing")).await;
                    }
                    let mut shutdown = self.shutdown.clone();
                    if !shutdown.sleep(super::backoff(attempt)).await {
                        return;
                    }
                }
            }
        }
        tracing::error!(function = %self.binary, records = records.len(), "failed records lost: the on-failure queue is unreachable");
    }
}
