//! Lambda's SQS batch contract, for every queue consumer: the event's records in, the ids that
//! failed out as `batchItemFailures` (the event source mapping has `ReportBatchItemFailures`),
//! so one bad message never sends its batch-mates back.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};

/// `(message id, body, receive count)` of each record.
pub fn records(event: SqsEvent) -> Vec<(String, String, u32)> {
    event
        .records
        .into_iter()
        .map(|r| {
            let count = r.attributes.get("ApproximateReceiveCount").and_then(|v| v.parse().ok()).unwrap_or(1);
            (r.message_id.unwrap_or_default(), r.body.unwrap_or_default(), count)
        })
        .collect()
}

pub fn failures(ids: impl IntoIterator<Item = String>) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = ids
        .into_iter()
        .map(|id| {
            let mut f = BatchItemFailure::default();
            f.item_identifier = id;
            f
        })
        .collect();
    response
}
