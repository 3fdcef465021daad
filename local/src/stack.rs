//! A running local stack: resources provisioned, one library context, the HTTP gateway and
//! the event pollers. Several stacks (different names) can run in one process.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use aws_config::SdkConfig;
use mediashare::Ctx;
use mediashare::registry::{self, Handler};
use serde_json::Value as Json;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::aws::{self, Clients};
use crate::environment;
use crate::error::RunnerError;
use crate::gateway::{self, Gateway, HttpTarget, cors::Cors, routes::RouteTable};
use crate::pollers::{sqs::SqsPoller, stream::StreamPoller};
use crate::provision::Provisioner;
use crate::secrets::SecretsSource;
use crate::shutdown::{self, Shutdown, Trigger};
use crate::template::functions::{self as template_functions, merge_globals};
use crate::template::physical::PhysicalMap;
use crate::template::resolve::{Resolver, StackContext};
use crate::template::{self, EventSource, FunctionDef, Template};

/// How to start a stack.
#[derive(Clone, Debug)]
pub struct StackOptions {
    /// `AWS::StackName`: prefixes every physical name (`mediashare-local` for `make run`).
    pub stack_name: String,
    /// The SAM template to run.
    pub template_path: PathBuf,
    /// Where the HTTP API listens (port 0: any free port).
    pub http_addr: SocketAddr,
    /// Where secret values come from.
    pub secrets: SecretsSource,
    /// Applied over the resolved function environment.
    pub env_overrides: BTreeMap<String, String>,
    /// Template parameter values (others keep their defaults).
    pub parameter_overrides: BTreeMap<String, String>,
    /// SQS long-poll wait (at most 20 s).
    pub poll_wait: Duration,
}

/// A running stack. Stop it with [`Stack::shutdown`] (dropping it stops its tasks abruptly).
#[derive(Debug)]
pub struct Stack {
    stack_name: String,
    base_url: String,
    physical: PhysicalMap,
    env: BTreeMap<String, String>,
    sdk: SdkConfig,
    trigger: Trigger,
    tasks: Vec<JoinHandle<()>>,
}

/// How long shutdown waits for tasks to finish their current work before aborting them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// What provisioning produced, shared by [`provision`] and [`Stack::start`].
struct Provisioned {
    template: Template,
    sdk: SdkConfig,
    region: String,
    physical: PhysicalMap,
    provisioner: Arc<Provisioner>,
}

async fn provision_stack(opts: &StackOptions) -> Result<Provisioned, RunnerError> {
    let template = template::load(&opts.template_path)?;
    let sdk = aws::sdk_config().await;
    let region = aws::region_of(&sdk);
    let resolver = Resolver::new(
        &template,
        StackContext::new(&opts.stack_name, &region),
        &opts.parameter_overrides,
    )?;
    let mut physical = PhysicalMap::plan(&resolver)?;
    let provisioner =
        Provisioner::provision(&resolver, &mut physical, Clients::new(&sdk), region.clone())
            .await?;
    Ok(Provisioned {
        template,
        sdk,
        region,
        physical,
        provisioner: Arc::new(provisioner),
    })
}

/// Provisions the template's resources for `opts.stack_name` (idempotent) and returns their
/// physical names, without serving anything.
pub async fn provision(opts: &StackOptions) -> Result<PhysicalMap, RunnerError> {
    Ok(provision_stack(opts).await?.physical)
}

impl Stack {
    /// Provisions the resources, builds the library context, serves HTTP and starts the
    /// pollers. Returns once the HTTP listener is bound.
    pub async fn start(opts: StackOptions) -> Result<Stack, RunnerError> {
        let Provisioned {
            template,
            sdk,
            region,
            mut physical,
            provisioner,
        } = provision_stack(&opts).await?;
        let resolver = Resolver::new(
            &template,
            StackContext::new(&opts.stack_name, &region),
            &opts.parameter_overrides,
        )?;
        let functions = template_functions::functions(&resolver)?;

        let listener =
            TcpListener::bind(opts.http_addr)
                .await
                .map_err(|source| RunnerError::Bind {
                    addr: opts.http_addr,
                    source,
                })?;
        let local = listener.local_addr().map_err(|source| RunnerError::Bind {
            addr: opts.http_addr,
            source,
        })?;
        let base_url = format!("http://{local}");
        let api_ids: Vec<String> = physical
            .iter()
            .filter(|(_, p)| p.kind == "AWS::Serverless::HttpApi")
            .map(|(id, _)| id.clone())
            .collect();
        for id in &api_ids {
            physical.set_attribute(id, "ApiEndpoint", base_url.clone());
        }

        let env = environment::resolve(
            &resolver,
            &physical,
            &functions,
            &opts.secrets,
            &opts.env_overrides,
        )?;
        let config = mediashare::config::Config::from_lookup(|name| env.get(name).cloned())?;
        let ctx: &'static Ctx = Ctx::new(config, &sdk)?.leak();

        let (trigger, shutdown) = shutdown::channel();
        let mut tasks = Vec::new();
        let wiring = Wiring {
            resolver: &resolver,
            physical: &physical,
            region: &region,
            ctx,
            sdk: &sdk,
            opts: &opts,
        };
        let (routes, api) = wiring.routes(&functions)?;
        let gateway = Gateway {
            routes,
            cors: wiring.cors(api.as_deref())?,
            ctx,
            api_id: api
                .as_deref()
                .and_then(|a| physical.reference(a))
                .unwrap_or("localapi")
                .to_owned(),
            account_id: resolver.stack().account_id.clone(),
            local_authority: local.to_string(),
        };
        tasks.push(gateway::spawn(listener, gateway, shutdown.clone()));
        for poller in wiring.pollers(&functions, &provisioner, &shutdown)? {
            tasks.push(poller);
        }
        tracing::info!(stack = %opts.stack_name, url = %base_url, "local stack started");
        Ok(Stack {
            stack_name: opts.stack_name,
            base_url,
            physical,
            env,
            sdk,
            trigger,
            tasks,
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The stack's name.
    pub fn stack_name(&self) -> &str {
        &self.stack_name
    }

    /// What `Ref logical_id` resolves to: a table or bucket name, a queue URL, an identity.
    pub fn physical_name(&self, logical_id: &str) -> Option<&str> {
        self.physical.reference(logical_id)
    }

    /// Every resource's physical names and attributes.
    pub fn physical(&self) -> &PhysicalMap {
        &self.physical
    }

    /// The environment the functions run with (resolved, secrets filled, overrides applied).
    pub fn env(&self) -> &BTreeMap<String, String> {
        &self.env
    }

    /// The AWS SDK configuration (emulator endpoint, region, credentials).
    pub fn sdk_config(&self) -> &SdkConfig {
        &self.sdk
    }

    /// Stops the HTTP server and the pollers (in-flight work gets a few seconds to finish).
    pub async fn shutdown(mut self) {
        self.trigger.fire();
        for mut task in std::mem::take(&mut self.tasks) {
            if tokio::time::timeout(SHUTDOWN_GRACE, &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
        tracing::info!(stack = %self.stack_name, "local stack stopped");
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        self.trigger.fire();
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Connects template functions to registry handlers.
struct Wiring<'a> {
    resolver: &'a Resolver<'a>,
    physical: &'a PhysicalMap,
    region: &'a str,
    ctx: &'static Ctx,
    sdk: &'a SdkConfig,
    opts: &'a StackOptions,
}

impl Wiring<'_> {
    fn handler(def: &FunctionDef, kind: &str) -> Result<Option<Handler>, RunnerError> {
        let Some(function) = registry::find(&def.binary) else {
            tracing::warn!(function = %def.logical_id, binary = %def.binary, "no such function in the registry; its {kind} trigger is not served");
            return Ok(None);
        };
        let fits = matches!(
            (kind, function.handler),
            ("HttpApi", Handler::Http(_))
                | ("SQS", Handler::Sqs(_))
                | ("DynamoDB", Handler::Stream(_))
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
            .and_then(|v| {
                self.resolver
                    .resolve_string(&def.logical_id, v, self.physical)
                    .ok()
            })
            .and_then(|v| v.parse().ok())
            .unwrap_or(128)
    }

    fn function_identity(&self, def: &FunctionDef) -> (String, String) {
        let name = self
            .physical
            .get(&def.logical_id)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| def.logical_id.clone());
        let arn = self
            .physical
            .attribute(&def.logical_id, "Arn")
            .unwrap_or_default()
            .to_owned();
        (name, arn)
    }

    /// The route table, and the HttpApi the routes belong to.
    fn routes(
        &self,
        functions: &[FunctionDef],
    ) -> Result<(RouteTable<HttpTarget>, Option<String>), RunnerError> {
        let mut table = RouteTable::default();
        let mut api_id = None;
        for def in functions {
            for event in &def.events {
                let EventSource::HttpApi {
                    api, path, method, ..
                } = event
                else {
                    continue;
                };
                let handler = match Self::handler(def, "HttpApi")? {
                    Some(Handler::Http(handler)) => Some(handler),
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
    fn cors(&self, api: Option<&str>) -> Result<Option<Cors>, RunnerError> {
        let template = self.resolver.template();
        let globals = template.globals("HttpApi");
        let properties = api
            .and_then(|a| template.resource(a))
            .map_or(Json::Null, |r| r.properties.clone());
        let merged = merge_globals(&globals, &properties);
        let Some(config) = merged.get("CorsConfiguration") else {
            return Ok(None);
        };
        let resolved = self
            .resolver
            .resolve("HttpApi.CorsConfiguration", config, self.physical)?;
        Ok(resolved.as_ref().and_then(Cors::from_config))
    }

    fn queue(&self, def: &FunctionDef, logical_id: &str) -> Result<(String, String), RunnerError> {
        let url = self.physical.reference(logical_id);
        let arn = self.physical.attribute(logical_id, "Arn");
        match (url, arn) {
            (Some(url), Some(arn))
                if self
                    .physical
                    .get(logical_id)
                    .is_some_and(|p| p.kind == "AWS::SQS::Queue") =>
            {
                Ok((url.to_owned(), arn.to_owned()))
            }
            _ => Err(RunnerError::Function {
                logical_id: def.logical_id.clone(),
                binary: def.binary.clone(),
                reason: format!("{logical_id} is not an SQS queue of this template"),
            }),
        }
    }

    fn pollers(
        &self,
        functions: &[FunctionDef],
        provisioner: &Arc<Provisioner>,
        shutdown: &Shutdown,
    ) -> Result<Vec<JoinHandle<()>>, RunnerError> {
        let clients = Clients::new(self.sdk);
        let mut tasks = Vec::new();
        for def in functions {
            let timeout = Duration::from_secs(def.timeout_seconds.max(1));
            let (_, function_arn) = self.function_identity(def);
            for event in &def.events {
                match event {
                    EventSource::Sqs {
                        queue,
                        batch_size,
                        report_batch_item_failures,
                        ..
                    } => {
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
                            max_receive_count: provisioner
                                .planned(queue)
                                .and_then(|p| p.max_receive_count()),
                            poll_wait: self.opts.poll_wait,
                            provisioner: Arc::clone(provisioner),
                            shutdown: shutdown.clone(),
                        };
                        tasks.push(tokio::spawn(poller.run()));
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
                                    reason: format!(
                                        "{table} is not a DynamoDB table of this template"
                                    ),
                                });
                            }
                        };
                        let on_failure_queue_url = on_failure
                            .as_deref()
                            .map(|q| self.queue(def, q).map(|(url, _)| url))
                            .transpose()?;
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
                            shutdown: shutdown.clone(),
                        };
                        tasks.push(tokio::spawn(poller.run()));
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
