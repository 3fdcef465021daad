//! `AWS::DynamoDB::Table` → CreateTable (keys, attribute definitions, GSIs/LSIs, billing,
//! stream) then UpdateTimeToLive. An existing table keeps its data: only what is missing
//! (stream, GSIs, TTL) is added.

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, CreateGlobalSecondaryIndexAction, GlobalSecondaryIndex,
    GlobalSecondaryIndexUpdate, IndexStatus, KeySchemaElement, KeyType, LocalSecondaryIndex, Projection,
    ProjectionType, ProvisionedThroughput, ScalarAttributeType, StreamSpecification, StreamViewType, TableDescription,
    TableStatus, TimeToLiveSpecification, TimeToLiveStatus,
};

use super::props::{Props, built};
use crate::aws::{error_code, is_missing_code};
use crate::error::RunnerError;
use crate::wait;

/// What provisioning learnt about the table.
pub(crate) struct TableInfo {
    /// `LatestStreamArn`, when the stream is enabled.
    pub stream_arn: Option<String>,
}

/// Creates the table if missing, completes it if it lacks a stream, an index or TTL.
pub(crate) async fn ensure(client: &Client, name: &str, props: &Props<'_>) -> Result<TableInfo, RunnerError> {
    let desired = Desired::read(props)?;
    let mut table = match describe(client, name).await? {
        Some(table) => table,
        None => create(client, name, props.id, &desired).await?,
    };
    if !matches!(table.table_status(), Some(TableStatus::Active)) {
        table = wait_active(client, name).await?;
    }
    if let Some(view) = &desired.stream {
        let enabled = table.stream_specification().is_some_and(StreamSpecification::stream_enabled);
        if !enabled {
            tracing::info!(table = name, "enabling the table's stream");
            let spec = built(
                props.id,
                StreamSpecification::builder().stream_enabled(true).stream_view_type(view.clone()).build(),
            )?;
            client
                .update_table()
                .table_name(name)
                .stream_specification(spec)
                .send()
                .await
                .map_err(|e| RunnerError::aws(format!("enable stream of table {name}"), &e))?;
            table = wait_active(client, name).await?;
        }
    }
    for index in &desired.global_indexes {
        let index_name = index.index_name();
        if table.global_secondary_indexes().iter().any(|existing| existing.index_name() == Some(index_name)) {
            continue;
        }
        tracing::info!(table = name, index = index_name, "adding a missing global secondary index");
        let action = built(
            props.id,
            CreateGlobalSecondaryIndexAction::builder()
                .index_name(index_name)
                .set_key_schema(Some(index.key_schema().to_vec()))
                .set_projection(index.projection().cloned())
                .set_provisioned_throughput(index.provisioned_throughput().cloned())
                .build(),
        )?;
        client
            .update_table()
            .table_name(name)
            .set_attribute_definitions(Some(desired.attributes.clone()))
            .global_secondary_index_updates(GlobalSecondaryIndexUpdate::builder().create(action).build())
            .send()
            .await
            .map_err(|e| RunnerError::aws(format!("add index {index_name} to table {name}"), &e))?;
        table = wait_active(client, name).await?;
    }
    if let Some(attribute) = &desired.ttl_attribute {
        ensure_ttl(client, name, props.id, attribute).await?;
    }
    Ok(TableInfo { stream_arn: table.latest_stream_arn().map(str::to_owned) })
}

/// The table description, `None` when it does not exist.
pub(crate) async fn describe(client: &Client, name: &str) -> Result<Option<TableDescription>, RunnerError> {
    match client.describe_table().table_name(name).send().await {
        Ok(output) => Ok(output.table),
        Err(e) if is_missing_code(error_code(&e)) => Ok(None),
        Err(e) => Err(RunnerError::aws(format!("describe table {name}"), &e)),
    }
}

/// The table as the template wants it.
struct Desired {
    attributes: Vec<AttributeDefinition>,
    keys: Vec<KeySchemaElement>,
    billing: BillingMode,
    throughput: Option<ProvisionedThroughput>,
    global_indexes: Vec<GlobalSecondaryIndex>,
    local_indexes: Vec<LocalSecondaryIndex>,
    stream: Option<StreamViewType>,
    ttl_attribute: Option<String>,
}

impl Desired {
    fn read(props: &Props<'_>) -> Result<Self, RunnerError> {
        let id = props.id;
        let attributes = props
            .list("/AttributeDefinitions")?
            .into_iter()
            .map(|item| {
                let item = props.nested(item);
                built(
                    id,
                    AttributeDefinition::builder()
                        .attribute_name(item.required_text("/AttributeName")?)
                        .attribute_type(ScalarAttributeType::from(item.required_text("/AttributeType")?.as_str()))
                        .build(),
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let keys = key_schema(props, "/KeySchema")?;
        if keys.is_empty() {
            return Err(RunnerError::template(format!("{id}: KeySchema is required")));
        }
        let billing = BillingMode::from(props.text("/BillingMode")?.unwrap_or_else(|| "PROVISIONED".into()).as_str());
        let table_throughput = throughput(props, "/ProvisionedThroughput")?;
        let global_indexes = props
            .list("/GlobalSecondaryIndexes")?
            .into_iter()
            .map(|item| {
                let item = props.nested(item);
                built(
                    id,
                    GlobalSecondaryIndex::builder()
                        .index_name(item.required_text("/IndexName")?)
                        .set_key_schema(Some(key_schema(&item, "/KeySchema")?))
                        .projection(projection(&item)?)
                        .set_provisioned_throughput(throughput(&item, "/ProvisionedThroughput")?)
                        .build(),
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let local_indexes = props
            .list("/LocalSecondaryIndexes")?
            .into_iter()
            .map(|item| {
                let item = props.nested(item);
                built(
                    id,
                    LocalSecondaryIndex::builder()
                        .index_name(item.required_text("/IndexName")?)
                        .set_key_schema(Some(key_schema(&item, "/KeySchema")?))
                        .projection(projection(&item)?)
                        .build(),
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let stream = props.text("/StreamSpecification/StreamViewType")?.map(|v| StreamViewType::from(v.as_str()));
        let ttl_attribute = match props.flag("/TimeToLiveSpecification/Enabled")? {
            Some(true) => Some(props.required_text("/TimeToLiveSpecification/AttributeName")?),
            _ => None,
        };
        Ok(Self {
            attributes,
            keys,
            billing,
            throughput: table_throughput,
            global_indexes,
            local_indexes,
            stream,
            ttl_attribute,
        })
    }
}

fn key_schema(props: &Props<'_>, pointer: &str) -> Result<Vec<KeySchemaElement>, RunnerError> {
    props
        .list(pointer)?
        .into_iter()
        .map(|item| {
            let item = props.nested(item);
            built(
                props.id,
                KeySchemaElement::builder()
                    .attribute_name(item.required_text("/AttributeName")?)
                    .key_type(KeyType::from(item.required_text("/KeyType")?.as_str()))
                    .build(),
            )
        })
        .collect()
}

fn projection(props: &Props<'_>) -> Result<Projection, RunnerError> {
    let kind = props.text("/Projection/ProjectionType")?.unwrap_or_else(|| "ALL".into());
    let non_key = props.texts("/Projection/NonKeyAttributes")?;
    Ok(Projection::builder()
        .projection_type(ProjectionType::from(kind.as_str()))
        .set_non_key_attributes((!non_key.is_empty()).then_some(non_key))
        .build())
}

fn throughput(props: &Props<'_>, pointer: &str) -> Result<Option<ProvisionedThroughput>, RunnerError> {
    if props.get(pointer).is_none() {
        return Ok(None);
    }
    let read = props.int(&format!("{pointer}/ReadCapacityUnits"))?.unwrap_or(5);
    let write = props.int(&format!("{pointer}/WriteCapacityUnits"))?.unwrap_or(5);
    built(props.id, ProvisionedThroughput::builder().read_capacity_units(read).write_capacity_units(write).build())
        .map(Some)
}

async fn create(client: &Client, name: &str, id: &str, desired: &Desired) -> Result<TableDescription, RunnerError> {
    let provisioned = desired.billing == BillingMode::Provisioned;
    let default_throughput =
        || built(id, ProvisionedThroughput::builder().read_capacity_units(5).write_capacity_units(5).build());
    let throughput = match (&desired.throughput, provisioned) {
        (Some(t), _) => Some(t.clone()),
        (None, true) => Some(default_throughput()?),
        (None, false) => None,
    };
    let mut global_indexes = desired.global_indexes.clone();
    if provisioned {
        for index in &mut global_indexes {
            if index.provisioned_throughput.is_none() {
                index.provisioned_throughput = Some(default_throughput()?);
            }
        }
    }
    let stream = desired
        .stream
        .as_ref()
        .map(|view| {
            built(id, StreamSpecification::builder().stream_enabled(true).stream_view_type(view.clone()).build())
        })
        .transpose()?;
    tracing::info!(table = name, "creating table");
    let result = client
        .create_table()
        .table_name(name)
        .set_attribute_definitions(Some(desired.attributes.clone()))
        .set_key_schema(Some(desired.keys.clone()))
        .billing_mode(desired.billing.clone())
        .set_provisioned_throughput(throughput)
        .set_global_secondary_indexes((!global_indexes.is_empty()).then_some(global_indexes))
        .set_local_secondary_indexes((!desired.local_indexes.is_empty()).then(|| desired.local_indexes.clone()))
        .set_stream_specification(stream)
        .send()
        .await;
    match result {
        Ok(_) => {}
        // Created concurrently by someone else: fine, it is the same table.
        Err(e) if error_code(&e) == Some("ResourceInUseException") => {}
        Err(e) => return Err(RunnerError::aws(format!("create table {name}"), &e)),
    }
    wait_active(client, name).await
}

/// Polls until the table and its indexes are ACTIVE (immediate on moto; minutes on AWS).
async fn wait_active(client: &Client, name: &str) -> Result<TableDescription, RunnerError> {
    wait::until(&format!("table {name} to become active"), Duration::from_secs(300), || async {
        let table = describe(client, name).await?;
        Ok(table.filter(|t| {
            matches!(t.table_status(), Some(TableStatus::Active))
                && t.global_secondary_indexes()
                    .iter()
                    .all(|i| matches!(i.index_status(), None | Some(IndexStatus::Active)))
        }))
    })
    .await
}

async fn ensure_ttl(client: &Client, name: &str, id: &str, attribute: &str) -> Result<(), RunnerError> {
    let current = client
        .describe_time_to_live()
        .table_name(name)
        .send()
        .await
        .map_err(|e| RunnerError::aws(format!("describe TTL of table {name}"), &e))?;
    let status = current.time_to_live_description().and_then(|d| d.time_to_live_status());
    if matches!(status, Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)) {
        return Ok(());
    }
    let spec = built(id, TimeToLiveSpecification::builder().attribute_name(attribute).enabled(true).build())?;
    client
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(spec)
        .send()
        .await
        .map_err(|e| RunnerError::aws(format!("enable TTL on table {name}"), &e))?;
    Ok(())
}
