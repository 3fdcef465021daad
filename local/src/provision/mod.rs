//! Creating the template's resources on the emulator, idempotently: what exists is kept (with
//! its data), what is missing is created. Resources are created in dependency order (a
//! dead-letter queue before the queue that redrives to it, a queue before the bucket that
//! notifies it, a bucket before its policy). Unknown resource types are skipped; secrets are not provisioned.
//!
//! The emulator keeps its state in memory: when it restarts, everything is gone. [`Provisioner`]
//! keeps the plan, probes for the loss and provisions everything again; each recovery bumps a
//! generation that pollers watch (a recreated table has a new stream).

mod bucket;
mod props;
mod queue;
mod ses;
pub(crate) mod table;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use tokio::sync::watch;

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

    /// The redrive policy's `deadLetterTargetArn` of a queue.
    pub(crate) fn dead_letter_target(&self) -> Option<String> {
        Props::new(&self.id, &self.properties).text("/RedrivePolicy/deadLetterTargetArn").ok().flatten()
    }
}

/// What a probe of the emulator found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Probe {
    /// The probed resource exists: nothing was lost.
    Present,
    /// The emulator answers but the resource is gone (it restarted and lost its state).
    Missing(String),
    /// The emulator does not answer (down, restarting).
    Unreachable(String),
}

/// Provisions a stack's resources and repairs them when the emulator lost them.
#[derive(Debug)]
pub(crate) struct Provisioner {
    clients: Clients,
    region: String,
    planned: Vec<Planned>,
    last_repair: tokio::sync::Mutex<Option<Instant>>,
    generation: watch::Sender<u64>,
}

/// Repairs closer together than this are skipped (several pollers notice the same loss).
const REPAIR_INTERVAL: Duration = Duration::from_secs(2);

/// Retries of one provisioning step at start (after 0.2, 0.4 and 0.8 s).
const APPLY_RETRIES: u32 = 3;

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
            // Every step is idempotent: an emulator hiccup (moto under load has answered an
            // unparseable error now and then) is retried before the start fails.
            let mut attempt = 0;
            while let Err(e) = apply(&clients, &region, &step, Some(&mut *physical)).await {
                if attempt == APPLY_RETRIES {
                    return Err(e);
                }
                tracing::warn!(resource = %step.id, error = %e, attempt, "provisioning step failed: retrying");
                tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
                attempt += 1;
            }
            planned.push(step);
        }
        for (id, resource) in resolver.template().resources() {
            if Kind::of(&resource.kind).is_none() && resolver.is_active(id)? {
                tracing::debug!(resource = %id, kind = %resource.kind, "resource type not provisioned locally");
            }
        }
        Ok(Self {
            clients,
            region,
            planned,
            last_repair: tokio::sync::Mutex::new(None),
            generation: watch::Sender::new(0),
        })
    }

    /// The planned resource `logical_id`.
    pub(crate) fn planned(&self, logical_id: &str) -> Option<&Planned> {
        self.planned.iter().find(|p| p.id == logical_id)
    }

    /// How many times resources were provisioned again since the start; pollers wait on
    /// changes (a recovery means new streams, and no reason to keep backing off).
    pub(crate) fn generation(&self) -> watch::Receiver<u64> {
        self.generation.subscribe()
    }

    /// Checks that the emulator still holds the stack: the table (else the first queue) exists.
    pub(crate) async fn probe(&self) -> Probe {
        let probed = self.planned.iter().find(|p| p.kind == Kind::Table).or_else(|| self.planned.first());
        let Some(step) = probed else { return Probe::Present };
        match step.kind {
            Kind::Table => match table::describe(&self.clients.dynamodb, &step.name).await {
                Ok(Some(_)) => Probe::Present,
                Ok(None) => Probe::Missing(format!("table {}", step.name)),
                Err(e) => Probe::Unreachable(e.to_string()),
            },
            Kind::Queue => match self.clients.sqs.get_queue_url().queue_name(&step.name).send().await {
                Ok(_) => Probe::Present,
                Err(e) if crate::aws::is_missing_code(crate::aws::error_code(&e)) => {
                    Probe::Missing(format!("queue {}", step.name))
                }
                Err(e) => Probe::Unreachable(crate::error::error_chain(&e)),
            },
            _ => Probe::Present,
        }
    }

    /// Re-applies everything after resources vanished (the emulator restarted and lost its
    /// state; `cause` says what noticed). Several pollers notice the same loss: repairs are
    /// serialised and one that succeeded moments ago is not repeated. Returns whether the
    /// resources are in place; on failure the caller backs off and tries again.
    pub(crate) async fn repair(&self, cause: &str) -> bool {
        let seen = *self.generation.borrow();
        let mut last = self.last_repair.lock().await;
        if *self.generation.borrow() != seen || last.is_some_and(|at| at.elapsed() < REPAIR_INTERVAL) {
            return true;
        }
        tracing::warn!(%cause, resources = self.planned.len(), "emulator state lost: re-provisioning");
        let started = Instant::now();
        // Tables last: requests fail while the table is missing, and once it exists they must
        // find the queues and identities their side effects need (a sign-up whose email cannot
        // be queued still succeeds, and its email would be lost).
        let (tables, others): (Vec<&Planned>, Vec<&Planned>) = self.planned.iter().partition(|p| p.kind == Kind::Table);
        for step in others.into_iter().chain(tables) {
            if let Err(e) = apply(&self.clients, &self.region, step, None).await {
                tracing::warn!(resource = %step.id, error = %e, "re-provisioning failed; retrying with back-off");
                return false;
            }
        }
        *last = Some(Instant::now());
        self.generation.send_modify(|g| *g += 1);
        tracing::warn!(
            generation = *self.generation.borrow(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "recovered: the stack's resources are provisioned again"
        );
        true
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
