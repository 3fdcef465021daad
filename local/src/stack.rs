//! A running local stack: resources provisioned, one library context, the HTTP gateway and
//! the event pollers, and a watchdog that provisions everything again when the emulator
//! restarted and lost its state. Several stacks (different names) can run in one process.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use aws_config::SdkConfig;
use mediashare::Ctx;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::aws::{self, Clients};
use crate::costs::CostLog;
use crate::environment;
use crate::error::RunnerError;
use crate::faults::{DeadLetter, Delivery, Faults};
use crate::gateway::{self, Gateway};
use crate::provision::Provisioner;
use crate::secrets::SecretsSource;
use crate::shutdown::{self, Trigger};
use crate::template::functions as template_functions;
use crate::template::physical::PhysicalMap;
use crate::template::resolve::{Resolver, StackContext};
use crate::template::{self, Template};
use crate::wiring::Wiring;

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
    /// Emulator endpoint; `None`: the standard `AWS_ENDPOINT_URL` variables (or real AWS).
    pub endpoint_url: Option<String>,
}

/// A running stack. Stop it with [`Stack::shutdown`] (dropping it stops its tasks abruptly).
pub struct Stack {
    stack_name: String,
    base_url: String,
    physical: PhysicalMap,
    env: BTreeMap<String, String>,
    sdk: SdkConfig,
    ctx: &'static Ctx,
    costs: CostLog,
    provisioner: Arc<Provisioner>,
    faults: Arc<Faults>,
    trigger: Trigger,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Stack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stack").field("stack_name", &self.stack_name).field("base_url", &self.base_url).finish()
    }
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
    let sdk = aws::sdk_config_at(opts.endpoint_url.as_deref()).await;
    let region = aws::region_of(&sdk);
    let resolver = Resolver::new(&template, StackContext::new(&opts.stack_name, &region), &opts.parameter_overrides)?;
    let mut physical = PhysicalMap::plan(&resolver)?;
    let provisioner = Provisioner::provision(&resolver, &mut physical, Clients::new(&sdk), region.clone()).await?;
    Ok(Provisioned { template, sdk, region, physical, provisioner: Arc::new(provisioner) })
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
        let Provisioned { template, sdk, region, mut physical, provisioner } = provision_stack(&opts).await?;
        let resolver =
            Resolver::new(&template, StackContext::new(&opts.stack_name, &region), &opts.parameter_overrides)?;
        let functions = template_functions::functions(&resolver)?;

        let listener = TcpListener::bind(opts.http_addr)
            .await
            .map_err(|source| RunnerError::Bind { addr: opts.http_addr, source })?;
        let local = listener.local_addr().map_err(|source| RunnerError::Bind { addr: opts.http_addr, source })?;
        let base_url = format!("http://{local}");
        let api_ids: Vec<String> =
            physical.iter().filter(|(_, p)| p.kind == "AWS::Serverless::HttpApi").map(|(id, _)| id.clone()).collect();
        for id in &api_ids {
            physical.set_attribute(id, "ApiEndpoint", base_url.clone());
        }

        let mut env = environment::resolve(&resolver, &physical, &functions, &opts.secrets, &opts.env_overrides)?;
        // Clients upload straight to S3: locally that is the emulator, path-style.
        if let (Some(public), Some(endpoint)) = (env.get_mut("S3_PUBLIC_ENDPOINT"), sdk.endpoint_url())
            && public.is_empty()
        {
            *public = endpoint.trim_end_matches('/').to_owned();
        }
        // Processed files are served by the emulator too, path-style (the template's
        // virtual-hosted AWS URL means nothing locally).
        if let (Some(endpoint), Some(bucket)) = (sdk.endpoint_url(), env.get("MEDIA_BUCKET").cloned()) {
            env.insert("MEDIA_BASE_URL".into(), format!("{}/{bucket}", endpoint.trim_end_matches('/')));
        }
        let config = mediashare::config::Config::from_lookup(|name| env.get(name).cloned())?;
        let ctx: &'static Ctx = Ctx::new(config, &sdk)?.leak();

        let (trigger, shutdown) = shutdown::channel();
        let wiring = Wiring { resolver: &resolver, physical: &physical, region: &region, ctx, sdk: &sdk, opts: &opts };
        let (routes, api) = wiring.routes(&functions)?;
        let gateway = Gateway {
            routes,
            cors: wiring.cors(api.as_deref())?,
            ctx,
            api_id: api.as_deref().and_then(|a| physical.reference(a)).unwrap_or("localapi").to_owned(),
            account_id: resolver.stack().account_id.clone(),
            local_authority: local.to_string(),
            costs: CostLog::default(),
        };
        let costs = gateway.costs.clone();
        let faults = Arc::new(Faults::default());
        let pollers = wiring.pollers(&functions, &provisioner, &faults, &shutdown)?;
        // Nothing fails from here on: no task is left running by a failed start.
        let mut tasks = vec![gateway::spawn(listener, gateway, shutdown.clone())];
        tasks.extend(pollers.into_iter().map(|poller| tokio::spawn(poller.run())));
        tasks.push(tokio::spawn(crate::watchdog::run(Arc::clone(&provisioner), shutdown.clone())));
        tracing::info!(stack = %opts.stack_name, url = %base_url, "local stack started");
        Ok(Stack {
            stack_name: opts.stack_name,
            base_url,
            physical,
            env,
            sdk,
            ctx,
            costs,
            provisioner,
            faults,
            trigger,
            tasks,
        })
    }

    /// Delivers the table's whole stream again to the table-events function (an idempotency
    /// check: a replay must change nothing). Returns how many records were replayed.
    pub async fn replay_table_stream(&self) -> Result<usize, RunnerError> {
        // The table's current stream: a recreated table (emulator restart) has a new one.
        let table = self.physical_name("Table").ok_or_else(|| RunnerError::template("no Table resource"))?;
        let described = crate::provision::table::describe(&aws_sdk_dynamodb::Client::new(&self.sdk), table).await?;
        let stream_arn = described
            .and_then(|t| t.latest_stream_arn().map(str::to_owned))
            .ok_or_else(|| RunnerError::template("the table has no stream".to_owned()))?;
        let client = aws_sdk_dynamodbstreams::Client::new(&self.sdk);
        let region = self.sdk.region().map(ToString::to_string).unwrap_or_else(|| "us-east-1".into());
        crate::replay::replay(self.ctx, &client, &stream_arn, &region, "table-events").await
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

    /// The DynamoDB requests of every HTTP invocation so far (per invocation, not per process).
    pub fn costs(&self) -> &CostLog {
        &self.costs
    }

    /// The library context every function of this stack shares (its request counter too).
    pub fn ctx(&self) -> &'static Ctx {
        self.ctx
    }

    /// Fault injection (simulated crashes, paused pollers) and the journal of deliveries.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Every invocation of the event functions kept so far (oldest first).
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.faults.deliveries()
    }

    /// The items given up on so far, each with the handler's reason (oldest first): SQS
    /// messages past their last allowed receive, stream records sent to the on-failure queue.
    pub fn dead_letters(&self) -> Vec<DeadLetter> {
        self.faults.dead_letters()
    }

    /// How many times the runner provisioned everything again after the emulator lost its
    /// state (a restart).
    pub fn recoveries(&self) -> u64 {
        *self.provisioner.generation().borrow()
    }

    /// The AWS SDK configuration (emulator endpoint, region, credentials).
    pub fn sdk_config(&self) -> &SdkConfig {
        &self.sdk
    }

    /// Stops the HTTP server and the pollers (in-flight work gets a few seconds to finish).
    pub async fn shutdown(mut self) {
        self.trigger.fire();
        for mut task in std::mem::take(&mut self.tasks) {
            if tokio::time::timeout(SHUTDOWN_GRACE, &mut task).await.is_err() {
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
