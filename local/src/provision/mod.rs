//! Creating the template's resources on the emulator, idempotently: what exists is kept (with
//! its data), what is missing is created. Resources are created in dependency order (a
//! dead-letter queue before the queue that redrives to it, a queue before the bucket that
//! notifies it, a bucket before its policy). Unknown resource types are skipped; secrets are not provisioned.

mod bucket;
mod props;
mod queue;
mod ses;
pub(crate) mod table;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use serde_json::Value as Json;

use crate::aws::Clients;
use crate::error::RunnerError;
use crate::template::physical::PhysicalMap;
use crate::template::resolve::{Resolver, referenced_resources};
use props::Props;

/// Resource types the runner creates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Table,
    Queue,
    Bucket,
    BucketPolicy,
    EmailIdentity,
}

impl Kind {
    fn of(resource_type: &str) -> Option<Self> {
        match resource_type {
            "AWS::DynamoDB::Table" => Some(Self::Table),
            "AWS::SQS::Queue" => Some(Self::Queue),
            "AWS::S3::Bucket" => Some(Self::Bucket),
            "AWS::S3::BucketPolicy" => Some(Self::BucketPolicy),
            "AWS::SES::EmailIdentity" => Some(Self::EmailIdentity),
            _ => None,
        }
    }
}

/// One resource with its resolved properties, ready to be (re)applied.
#[derive(Clone, Debug)]
pub(crate) struct Planned {
    pub id: String,
    pub kind: Kind,
    pub name: String,
    pub properties: Json,
}

impl Planned {
    /// The redrive policy's `maxReceiveCount` of a queue.
    pub(crate) fn max_receive_count(&self) -> Option<u32> {
        queue::max_receive_count(&Props::new(&self.id, &self.properties))
    }
}

/// Provisions a stack's resources and repairs them when the emulator lost them.
#[derive(Debug)]
pub(crate) struct Provisioner {
    clients: Clients,
    region: String,
    planned: Vec<Planned>,
    last_repair: tokio::sync::Mutex<Option<Instant>>,
}

/// Repairs closer together than this are skipped (several pollers notice the same loss).
const REPAIR_INTERVAL: Duration = Duration::from_secs(2);

impl Provisioner {
    /// Provisions every supported resource, recording queue URLs and stream ARNs in `physical`.
    pub(crate) async fn provision(
        resolver: &Resolver<'_>,
        physical: &mut PhysicalMap,
        clients: Clients,
        region: String,
    ) -> Result<Self, RunnerError> {
        let mut planned = Vec::new();
        for id in order(resolver)? {
            let Some(resource) = resolver.template().resource(&id) else {
                continue;
            };
            let Some(kind) = Kind::of(&resource.kind) else {
                continue;
            };
            let name = physical.get(&id).map(|p| p.name.clone()).unwrap_or_default();
            let properties = resolver.resolve(&id, &resource.properties, physical)?.unwrap_or(Json::Null);
            let step = Planned { id, kind, name, properties };
            apply(&clients, &region, &step, Some(physical)).await?;
            planned.push(step);
        }
        for (id, resource) in resolver.template().resources() {
            if Kind::of(&resource.kind).is_none() && resolver.is_active(id)? {
                tracing::debug!(resource = %id, kind = %resource.kind, "resource type not provisioned locally");
            }
        }
        Ok(Self { clients, region, planned, last_repair: tokio::sync::Mutex::new(None) })
    }

    /// The planned resource `logical_id`.
    pub(crate) fn planned(&self, logical_id: &str) -> Option<&Planned> {
        self.planned.iter().find(|p| p.id == logical_id)
    }

    /// Re-applies everything (after the emulator restarted and lost its state). Throttled;
    /// failures are logged, the caller keeps retrying its own work.
    pub(crate) async fn repair(&self) {
        let mut last = self.last_repair.lock().await;
        if last.is_some_and(|at| at.elapsed() < REPAIR_INTERVAL) {
            return;
        }
        tracing::warn!("resources are missing on the emulator; provisioning again");
        for step in &self.planned {
            if let Err(e) = apply(&self.clients, &self.region, step, None).await {
                tracing::warn!(resource = %step.id, error = %e, "re-provisioning failed");
                break;
            }
        }
        *last = Some(Instant::now());
    }
}

async fn apply(
    clients: &Clients,
    region: &str,
    step: &Planned,
    physical: Option<&mut PhysicalMap>,
) -> Result<(), RunnerError> {
    let props = Props::new(&step.id, &step.properties);
    match step.kind {
        Kind::Table => {
            let info = table::ensure(&clients.dynamodb, &step.name, &props).await?;
            if let (Some(physical), Some(arn)) = (physical, info.stream_arn) {
                physical.set_attribute(&step.id, "StreamArn", arn);
            }
        }
        Kind::Queue => {
            let url = queue::ensure(&clients.sqs, &step.name, &props).await?;
            if let Some(physical) = physical {
                physical.set_attribute(&step.id, "QueueUrl", url.clone());
                physical.set_reference(&step.id, url);
            }
        }
        Kind::Bucket => bucket::ensure(&clients.s3, &step.name, region, &props).await?,
        Kind::BucketPolicy => bucket::ensure_policy(&clients.s3, &props).await?,
        Kind::EmailIdentity => ses::ensure(&clients.ses, &step.name).await?,
    }
    Ok(())
}

/// Provisionable active resources, dependencies first (`Ref`, `Fn::GetAtt`, `Fn::Sub` and
/// `DependsOn` between them). Ties are broken by logical id so the order is stable.
fn order(resolver: &Resolver<'_>) -> Result<Vec<String>, RunnerError> {
    let template = resolver.template();
    let mut pending: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (id, resource) in template.resources() {
        if Kind::of(&resource.kind).is_some() && resolver.is_active(id)? {
            let mut deps = BTreeSet::new();
            referenced_resources(template, &resource.properties, &mut deps);
            deps.extend(resource.depends_on.iter().cloned());
            pending.insert(id.clone(), deps);
        }
    }
    let provisionable: BTreeSet<String> = pending.keys().cloned().collect();
    for deps in pending.values_mut() {
        deps.retain(|d| provisionable.contains(d));
    }
    let mut done = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let ready: Vec<String> = pending.iter().filter(|(_, deps)| deps.is_empty()).map(|(id, _)| id.clone()).collect();
        if ready.is_empty() {
            let stuck: Vec<&String> = pending.keys().collect();
            return Err(RunnerError::template(format!("circular dependency between {stuck:?}")));
        }
        for id in ready {
            pending.remove(&id);
            for deps in pending.values_mut() {
                deps.remove(&id);
            }
            done.push(id);
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::Template;
    use crate::template::resolve::StackContext;

    #[test]
    fn dead_letter_queues_and_notified_queues_come_first() {
        let template = Template::parse(crate::template::tests::SAMPLE).expect("parse");
        let resolver =
            Resolver::new(&template, StackContext::new("t1", "us-east-1"), &BTreeMap::new()).expect("resolver");
        let order = order(&resolver).expect("order");
        let position = |id: &str| order.iter().position(|o| o == id).unwrap_or(usize::MAX);
        assert!(position("MailDeadLetterQueue") < position("MailQueue"));
        assert!(position("TranscodeQueue") < position("UploadsBucket"));
        assert!(order.contains(&"SenderIdentity".to_owned()));
        assert!(!order.contains(&"HttpApi".to_owned()));
    }
}
