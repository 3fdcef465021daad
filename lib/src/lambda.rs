//! Entry points of the Lambda binaries: build the context once, then hand every event to the
//! function's handler.

use lambda_http::service_fn;
use lambda_runtime::LambdaEvent;

pub use lambda_runtime::Error;

use crate::ctx::Ctx;
use crate::registry::{Function, Handler, HttpRoute, StaticHttpHandler};

/// Runs `function` (one of the `registry` constants) on the Lambda runtime. Taking the
/// function itself, not its name, keeps every other handler out of the binary; inlined into
/// `main`, the match on its (constant) kind keeps a static function's binary free of the
/// context and the AWS clients.
#[inline(always)]
pub fn run(function: Function) -> Result<(), Error> {
    crate::telemetry::init(function.name);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    match function.handler {
        Handler::Http(HttpRoute::Static(handler)) => runtime.block_on(serve_static(handler)),
        handler => runtime.block_on(serve_with_context(handler)),
    }
}

async fn serve_static(handler: StaticHttpHandler) -> Result<(), Error> {
    lambda_http::run(service_fn(move |req| async move { Ok::<_, Error>(handler(req).await) })).await
}

/// Builds the context (config, AWS clients, keys), then serves `handler`.
async fn serve_with_context(handler: Handler) -> Result<(), Error> {
    let ctx: &'static Ctx = Ctx::from_env().await?.leak();
    match handler {
        Handler::Http(route) => {
            lambda_http::run(service_fn(move |req| async move { Ok::<_, Error>(route.call(ctx, req).await) })).await
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
}
