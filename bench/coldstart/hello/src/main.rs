//! Baseline 1: the smallest lambda_http function (answers "hello").
use lambda_http::{Body, Error, Request, Response, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    run(service_fn(|_req: Request| async { Ok::<_, Error>(Response::new(Body::from("hello"))) })).await
}
