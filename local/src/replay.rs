//! Replaying a table's whole stream into its consumer, from the oldest record still held: what
//! an operator does to check that the consumer is idempotent (and what the tests do to prove
//! it: a replay must change nothing).

use aws_lambda_events::event::dynamodb::Event;
use aws_sdk_dynamodbstreams::types::ShardIteratorType;
use mediashare::Ctx;
use mediashare::registry::Handler;
use serde_json::{Value as Json, json};

use crate::error::{RunnerError, error_chain};
use crate::pollers::dynamo_json;

/// Records per delivered batch.
const BATCH: usize = 100;

fn failed(what: &str, e: impl std::fmt::Display) -> RunnerError {
    RunnerError::template(format!("replay: {what}: {e}"))
}

/// Every record of `stream_arn`'s shards, oldest first per shard.
async fn all_records(
    client: &aws_sdk_dynamodbstreams::Client,
    stream_arn: &str,
    region: &str,
) -> Result<Vec<Json>, RunnerError> {
    let described = client
        .describe_stream()
        .stream_arn(stream_arn)
        .send()
        .await
        .map_err(|e| failed("describe", error_chain(&e)))?;
    let shards: Vec<String> = described
        .stream_description()
        .map(|d| d.shards().iter().filter_map(|s| s.shard_id().map(str::to_owned)).collect())
        .unwrap_or_default();
    let mut records = Vec::new();
    for shard in shards {
        let iterator = client
            .get_shard_iterator()
            .stream_arn(stream_arn)
            .shard_id(&shard)
            .shard_iterator_type(ShardIteratorType::TrimHorizon)
            .send()
            .await
            .map_err(|e| failed("iterator", error_chain(&e)))?;
        let mut next = iterator.shard_iterator;
        while let Some(it) = next.take() {
            let out = client
                .get_records()
                .shard_iterator(it)
                .limit(1000)
                .send()
                .await
                .map_err(|e| failed("get records", error_chain(&e)))?;
            if out.records().is_empty() {
                break;
            }
            records.extend(out.records().iter().map(|r| dynamo_json::record(r, stream_arn, region)));
            next = out.next_shard_iterator;
        }
    }
    Ok(records)
}

/// Delivers every record of the stream `stream_arn` again to the function `binary` (a stream
/// consumer of the registry) with `ctx`; returns how many records were replayed.
pub(crate) async fn replay(
    ctx: &'static Ctx,
    client: &aws_sdk_dynamodbstreams::Client,
    stream_arn: &str,
    region: &str,
    binary: &str,
) -> Result<usize, RunnerError> {
    let Some(Handler::Stream(handler)) = mediashare::registry::find(binary).map(|f| f.handler) else {
        return Err(failed("function", format!("{binary} is not a stream consumer")));
    };
    let records = all_records(client, stream_arn, region).await?;
    for batch in records.chunks(BATCH) {
        let event: Event = serde_json::from_value(json!({ "Records": batch })).map_err(|e| failed("event", e))?;
        let response = handler(ctx, event).await.map_err(|e| failed("consumer", e))?;
        if !response.batch_item_failures.is_empty() {
            return Err(failed("consumer", "reported failed records"));
        }
    }
    Ok(records.len())
}
