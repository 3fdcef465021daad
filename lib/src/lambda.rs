//! Entry points of the Lambda binaries: build the context once, then hand every event to the
//! registered handler of this function.

use lambda_http::service_fn;
use lambda_runtime::LambdaEvent;

pub use lambda_runtime::Error;

use crate::ctx::Ctx;
use crate::registry::{self, Handler};

/// Runs the function `name` of the registry on the Lambda runtime.
pub fn run(name: &'static str) -> Result<(), Error> {
    crate::telemetry::init(name);
    let function = registry::find(name).ok_or_else(|| format!("no function named {name}"))?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let ctx: &'static Ctx = Ctx::from_env().await?.leak();
        match function.handler {
            Handler::Http(handler) => {
                lambda_http::run(service_fn(move |req| async move { Ok::<_, Error>(handler(ctx, req).await) })).await
            }
            Handler::Sqs(handler) => {
                lambda_runtime::run(service_fn(move |event: LambdaEvent<_>| async move {
                    handler(ctx, event.payload).await.map_err(Error::from)
                }))
                .await
            }
            Handler::Stream(handler) => {
                lambda_runtime::run(service_fn(move |event: LambdaEvent<_>| async move {
                    handler(ctx, event.payload).await.map_err(Error::from)
                }))
                .await
            }
        }
    })
}
