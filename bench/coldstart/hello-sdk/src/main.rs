//! Baseline 2: baseline 1 plus a DynamoDB client built at init from the default SDK config
//! (default features), used by the handler so the linker keeps it.
use aws_sdk_dynamodb::Client;
use lambda_http::{Body, Error, Request, Response, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let sdk = aws_config::load_from_env().await;
    let client: &'static Client = Box::leak(Box::new(Client::new(&sdk)));
    run(service_fn(move |_req: Request| async move {
        let tables = client.list_tables().limit(1).send().await?;
        Ok::<_, Error>(Response::new(Body::from(format!("{:?}", tables.table_names()))))
    }))
    .await
}
