//! Production adapters: DynamoDB (store), SQS (queue), SES v2 (mail), KMS (data keys for
//! tokens at rest). Clients come from the
//! standard AWS configuration chain, built once per cold start; `AWS_ENDPOINT_URL` (or
//! `AWS_ENDPOINT_URL_DYNAMODB`, `_SQS`, `_SESV2`) points them at a local server such as moto.

mod dynamo;
mod kms;
mod ses;
mod sqs;

pub use dynamo::DynamoStore;
pub use kms::KmsDataKeys;
pub use ses::SesMailer;
pub use sqs::SqsQueue;

/// Loads the shared AWS configuration (region, credentials, endpoint overrides).
pub async fn load_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest()).load().await
}

/// A service error's code and message, without the request.
pub(crate) fn describe<E, R>(e: &aws_sdk_dynamodb::error::SdkError<E, R>) -> String
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    match e.as_service_error() {
        Some(s) => format!("{}: {}", s.code().unwrap_or("error"), s.message().unwrap_or("")),
        None => format!("{e}"),
    }
}
