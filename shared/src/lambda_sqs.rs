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

/// The local stand-in for an SQS event source mapping (`debrief serve`): leases up to ten
/// messages at a time from `queue` until `stop`, hands each body to `handle`, and acknowledges
/// the ones it returns `true` for; the rest come back when their lease runs out.
pub async fn consume_locally<Q, F, Fut>(queue: &Q, lease: std::time::Duration, mut stop: tokio::sync::watch::Receiver<bool>, mut handle: F)
where
    Q: crate::ports::Queue,
    F: FnMut(String) -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    loop {
        let got = tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            r = queue.receive(10, lease, std::time::Duration::from_millis(500)) => r,
        };
        match got {
            Ok(messages) => {
                for m in messages {
                    if handle(m.body).await
                        && let Err(e) = queue.ack(&m.receipt).await
                    {
                        tracing::error!(error = %e, "ack failed");
                    }
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "queue receive failed");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        }
    }
}
