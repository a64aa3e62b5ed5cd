//! Adapters for the ports: `aws` (DynamoDB, SQS, SES v2) for production and `embedded`
//! (one SQLite file, an `.eml` outbox) for one machine with no cloud account; `meta` (the
//! Graph API's Conversions API, or its dry run).

pub mod aws;
pub mod embedded;
pub mod hubspot;
pub mod meta;
pub mod request_log;
