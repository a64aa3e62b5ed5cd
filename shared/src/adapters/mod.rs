//! Adapters for the ports: `aws` (DynamoDB, SQS, SES v2) for production and `embedded`
//! (one SQLite file, an `.eml` outbox) for one machine with no cloud account.

pub mod aws;
pub mod embedded;
