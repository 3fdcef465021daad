//! Wiring the template's functions to the library's registry: HttpApi events become routes of
//! the gateway (with the HttpApi's CORS configuration), SQS and DynamoDB events become pollers.

use std::sync::Arc;
use std::time::Duration;

use aws_config::SdkConfig;
use mediashare::Ctx;
use mediashare::registry::{self, Handler};
use serde_json::Value as Json;

use crate::aws::Clients;
use crate::capture::LogCapture;
use crate::error::RunnerError;
use crate::faults::Faults;
use crate::gateway::{HttpTarget, cors::Cors, routes::RouteTable};
use crate::pollers::{Poller, sqs::SqsPoller, stream::StreamPoller};
use crate::provision::Provisioner;
use crate::shutdown::Shutdown;
use crate::stack::StackOptions;
use crate::template::functions::merge_globals;
use crate::template::physical::PhysicalMap;
use crate::template::resolve::Resolver;
use crate::template::{EventSource, FunctionDef};

/// Connects template functions to registry handlers.
pub(crate) struct Wiring<'a> {
    pub resolver: &'a Resolver<'a>,
    pub physical: &'a PhysicalMap,
    pub region: &'a str,
    pub ctx: &'static Ctx,
    pub sdk: &'a SdkConfig,
    pub opts: &'a StackOptions,
}

impl Wiring<'_> {
    fn handler(def: &FunctionDef, kind: &str) -> Result<Option<Handler>, RunnerError> {
        let Some(function) = registry::find(&def.binary) else {
            tracing::warn!(function = %def.logical_id, binary = %def.binary, "no such function in the registry; its {kind} trigger is not served");
            return Ok(None);
        };
        let fits = matches!(
            (kind, function.handler),
            ("HttpApi", Handler::Http(_)) | ("SQS", Handler::Sqs(_)) | ("DynamoDB", Handler::Stream(_))
        );
        if !fits {
            return Err(RunnerError::Function {
                logical_id: def.logical_id.clone(),
                binary: def.binary.clone(),
                reason: format!("the registry's handler cannot serve a {kind} trigger"),
            });
        }
        Ok(Some(function.handler))
    }

    fn memory_mb(&self, def: &FunctionDef) -> i32 {
        def.properties
            .get("MemorySize")
            .and_then(|v| self.resolver.resolve_string(&def.logical_id, v, self.physical).ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(128)
    }

    fn function_identity(&self, def: &FunctionDef) -> (String, String) {
        let name = self.physical.get(&def.logical_id).map(|p| p.name.clone()).unwrap_or_else(|| def.logical_id.clone());
        let arn = self.physical.attribute(&def.logical_id, "Arn").unwrap_or_default().to_owned();
        (name, arn)
    }

    /// The route table, and the HttpApi the routes belong to.
    pub(crate) fn routes(
        &self,
        functions: &[FunctionDef],
    ) -> Result<(RouteTable<HttpTarget>, Option<String>), RunnerError> {
        let mut table = RouteTable::default();
        let mut api_id = None;
        for def in functions {
            for event in &def.events {
                let EventSource::HttpApi { api, path, method, .. } = event else {
                    continue;
                };
                let handler = match Self::handler(def, "HttpApi")? {
                    Some(Handler::Http(route)) => Some(route),
                    _ => None,
                };
                if api_id.is_none() {
                    api_id.clone_from(api);
                } else if api.is_some() && *api != api_id {
                    tracing::warn!(function = %def.logical_id, "routes of several HttpApis are served on one address");
                }
                let (function_name, function_arn) = self.function_identity(def);
                let target = HttpTarget {
                    binary: def.binary.clone(),
                    handler,
                    timeout: Duration::from_secs(def.timeout_seconds.max(1)),
                    function_name,
                    function_arn,
                    memory_mb: self.memory_mb(def),
                };
                table.add(method, path, target);
            }
        }
        Ok((table, api_id))
    }

    /// The CORS configuration of the HttpApi (or of `Globals.HttpApi`).
    pub(crate) fn cors(&self, api: Option<&str>) -> Result<Option<Cors>, RunnerError> {
        let template = self.resolver.template();
        let globals = template.globals("HttpApi");
        let properties = api.and_then(|a| template.resource(a)).map_or(Json::Null, |r| r.properties.clone());
        let merged = merge_globals(&globals, &properties);
        let Some(config) = merged.get("CorsConfiguration") else {
            return Ok(None);
        };
        let resolved = self.resolver.resolve("HttpApi.CorsConfiguration", config, self.physical)?;
        Ok(resolved.as_ref().and_then(Cors::from_config))
    }

    fn queue(&self, def: &FunctionDef, logical_id: &str) -> Result<(String, String), RunnerError> {
        let url = self.physical.reference(logical_id);
        let arn = self.physical.attribute(logical_id, "Arn");
        match (url, arn) {
            (Some(url), Some(arn)) if self.physical.get(logical_id).is_some_and(|p| p.kind == "AWS::SQS::Queue") => {
                Ok((url.to_owned(), arn.to_owned()))
            }
            _ => Err(RunnerError::Function {
                logical_id: def.logical_id.clone(),
                binary: def.binary.clone(),
                reason: format!("{logical_id} is not an SQS queue of this template"),
            }),
        }
    }

    pub(crate) fn pollers(
        &self,
        functions: &[FunctionDef],
        provisioner: &Arc<Provisioner>,
        faults: &Arc<Faults>,
        shutdown: &Shutdown,
    ) -> Result<Vec<Poller>, RunnerError> {
        let clients = Clients::new(self.sdk);
        let mut tasks = Vec::new();
        for def in functions {
            let timeout = Duration::from_secs(def.timeout_seconds.max(1));
            let (_, function_arn) = self.function_identity(def);
            for event in &def.events {
                match event {
                    EventSource::Sqs { queue, batch_size, report_batch_item_failures, .. } => {
                        let Some(Handler::Sqs(handler)) = Self::handler(def, "SQS")? else {
                            continue;
                        };
                        let (queue_url, queue_arn) = self.queue(def, queue)?;
                        let poller = SqsPoller {
                            ctx: self.ctx,
                            handler,
                            binary: def.binary.clone(),
                            timeout,
                            client: clients.sqs.clone(),
                            queue_url,
                            queue_arn,
                            region: self.region.to_owned(),
                            batch_size: *batch_size,
                            report_batch_item_failures: *report_batch_item_failures,
                            max_receive_count: provisioner.planned(queue).and_then(|p| p.max_receive_count()),
                            dead_letter_arn: provisioner.planned(queue).and_then(|p| p.dead_letter_target()),
                            poll_wait: self.opts.poll_wait,
                            provisioner: Arc::clone(provisioner),
                            faults: Arc::clone(faults),
                            capture: LogCapture::new(),
                            shutdown: shutdown.clone(),
                        };
                        faults.register(&def.binary);
                        tasks.push(Poller::Sqs(poller));
                    }
                    EventSource::DynamoDb {
                        table,
                        starting_position,
                        batch_size,
                        maximum_retry_attempts,
                        maximum_record_age_seconds,
                        bisect_on_error,
                        report_batch_item_failures,
                        on_failure,
                        ..
                    } => {
                        let Some(Handler::Stream(handler)) = Self::handler(def, "DynamoDB")? else {
                            continue;
                        };
                        let table_name = match self.physical.get(table) {
                            Some(p) if p.kind == "AWS::DynamoDB::Table" => p.name.clone(),
                            _ => {
                                return Err(RunnerError::Function {
                                    logical_id: def.logical_id.clone(),
                                    binary: def.binary.clone(),
                                    reason: format!("{table} is not a DynamoDB table of this template"),
                                });
                            }
                        };
                        let on_failure_queue_url =
                            on_failure.as_deref().map(|q| self.queue(def, q).map(|(url, _)| url)).transpose()?;
                        let poller = StreamPoller {
                            ctx: self.ctx,
                            handler,
                            binary: def.binary.clone(),
                            function_arn: function_arn.clone(),
                            timeout,
                            dynamodb: clients.dynamodb.clone(),
                            streams: clients.streams.clone(),
                            sqs: clients.sqs.clone(),
                            table_name,
                            region: self.region.to_owned(),
                            starting_position: starting_position.clone(),
                            batch_size: *batch_size,
                            maximum_retry_attempts: *maximum_retry_attempts,
                            maximum_record_age_seconds: *maximum_record_age_seconds,
                            bisect_on_error: *bisect_on_error,
                            report_batch_item_failures: *report_batch_item_failures,
                            on_failure_queue_url,
                            provisioner: Arc::clone(provisioner),
                            faults: Arc::clone(faults),
                            capture: LogCapture::new(),
                            shutdown: shutdown.clone(),
                        };
                        faults.register(&def.binary);
                        tasks.push(Poller::Stream(poller));
                    }
                    EventSource::Other { name, kind } => {
                        tracing::debug!(function = %def.logical_id, event = %name, %kind, "event type not driven locally");
                    }
                    EventSource::HttpApi { .. } => {}
                }
            }
        }
        Ok(tasks)
    }
}
