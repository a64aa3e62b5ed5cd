//! The queue port on SQS: `SendMessageBatch` (ten per call), leases by visibility timeout,
//! and the dead-letter queue by redrive policy (`maxReceiveCount`).

use std::time::Duration;

use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName, SendMessageBatchRequestEntry};

use crate::ports::queue::{MAX_MESSAGE_BYTES, Queue, QueueDepth, QueueError, Received};

#[derive(Clone, Debug)]
pub struct SqsQueue {
    client: Client,
    url: String,
    dlq_url: Option<String>,
}

fn unavailable<E, R>(e: aws_sdk_sqs::error::SdkError<E, R>) -> QueueError
where
    E: aws_sdk_sqs::error::ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    let msg = match e.as_service_error() {
        Some(s) => format!("{}: {}", s.code().unwrap_or("error"), s.message().unwrap_or("")),
        None => format!("{e}"),
    };
    QueueError::Unavailable(msg)
}

/// SQS counts visibility and waits in whole seconds.
fn secs_up(d: Duration) -> i32 {
    d.as_millis().div_ceil(1000).min(43_200) as i32
}

impl SqsQueue {
    pub fn new(client: Client, url: impl Into<String>, dlq_url: Option<String>) -> Self {
        Self { client, url: url.into(), dlq_url }
    }

    pub fn from_config(config: &aws_config::SdkConfig, url: impl Into<String>, dlq_url: Option<String>) -> Self {
        Self::new(Client::new(config), url, dlq_url)
    }

    /// Creates `name` and `name-dlq` with a redrive policy after `max_receives` receives, if
    /// they do not exist (local runs and tests; in AWS the SAM template creates them).
    pub async fn ensure(client: Client, name: &str, max_receives: u32) -> Result<Self, QueueError> {
        let dlq = client.create_queue().queue_name(format!("{name}-dlq")).send().await.map_err(unavailable)?;
        let dlq_url = dlq.queue_url().unwrap_or_default().to_string();
        let attrs = client
            .get_queue_attributes()
            .queue_url(&dlq_url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .map_err(unavailable)?;
        let arn = attrs.attributes().and_then(|a| a.get(&QueueAttributeName::QueueArn)).cloned().unwrap_or_default();
        let redrive = serde_json::json!({"deadLetterTargetArn": arn, "maxReceiveCount": max_receives.to_string()}).to_string();
        let q = client
            .create_queue()
            .queue_name(name)
            .attributes(QueueAttributeName::RedrivePolicy, redrive)
            .send()
            .await
            .map_err(unavailable)?;
        let url = q.queue_url().unwrap_or_default().to_string();
        Ok(Self::new(client, url, Some(dlq_url)))
    }

    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Queue for SqsQueue {
    async fn send_batch(&self, bodies: &[String]) -> Result<Vec<String>, QueueError> {
        if let Some(b) = bodies.iter().find(|b| b.len() > MAX_MESSAGE_BYTES) {
            return Err(QueueError::TooLarge(b.len()));
        }
        let mut ids = Vec::with_capacity(bodies.len());
        for chunk in bodies.chunks(10) {
            let entries = chunk
                .iter()
                .enumerate()
                .map(|(i, b)| SendMessageBatchRequestEntry::builder().id(i.to_string()).message_body(b).build().expect("complete"))
                .collect::<Vec<_>>();
            let out = self
                .client
                .send_message_batch()
                .queue_url(&self.url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(unavailable)?;
            if let Some(f) = out.failed().first() {
                return Err(QueueError::Unavailable(format!("{}: {}", f.code(), f.message().unwrap_or(""))));
            }
            let mut ok: Vec<_> = out.successful().iter().map(|s| (s.id().parse::<usize>().unwrap_or(0), s.message_id().to_string())).collect();
            ok.sort();
            ids.extend(ok.into_iter().map(|(_, id)| id));
        }
        Ok(ids)
    }

    async fn receive(&self, max: usize, lease: Duration, wait: Duration) -> Result<Vec<Received>, QueueError> {
        let out = self
            .client
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(max.clamp(1, 10) as i32)
            .visibility_timeout(secs_up(lease))
            .wait_time_seconds(secs_up(wait).min(20))
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out
            .messages()
            .iter()
            .map(|m| Received {
                id: m.message_id().unwrap_or_default().to_string(),
                receipt: m.receipt_handle().unwrap_or_default().to_string(),
                body: m.body().unwrap_or_default().to_string(),
                receive_count: m
                    .attributes()
                    .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(1),
            })
            .collect())
    }

    async fn ack(&self, receipt: &str) -> Result<(), QueueError> {
        self.client.delete_message().queue_url(&self.url).receipt_handle(receipt).send().await.map_err(unavailable)?;
        Ok(())
    }

    async fn dead_letter(&self, body: &str) -> Result<(), QueueError> {
        let dlq = self.dlq_url.as_deref().ok_or_else(|| QueueError::Unavailable("no dead-letter queue configured".into()))?;
        self.client.send_message().queue_url(dlq).message_body(body).send().await.map_err(unavailable)?;
        Ok(())
    }

    async fn dead_letters(&self, max: usize) -> Result<Vec<String>, QueueError> {
        let Some(dlq) = &self.dlq_url else { return Ok(Vec::new()) };
        let out = self
            .client
            .receive_message()
            .queue_url(dlq)
            .max_number_of_messages(max.clamp(1, 10) as i32)
            // Peek: the messages stay for the operator.
            .visibility_timeout(0)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out.messages().iter().filter_map(|m| m.body().map(str::to_owned)).collect())
    }

    async fn depth(&self) -> Result<QueueDepth, QueueError> {
        let count = |url: String, names: Vec<QueueAttributeName>| {
            let client = self.client.clone();
            async move {
                let a = client.get_queue_attributes().queue_url(url).set_attribute_names(Some(names.clone())).send().await.map_err(unavailable)?;
                let attrs = a.attributes().cloned().unwrap_or_default();
                Ok::<Vec<u64>, QueueError>(names.iter().map(|n| attrs.get(n).and_then(|v| v.parse().ok()).unwrap_or(0)).collect())
            }
        };
        let main = count(self.url.clone(), vec![QueueAttributeName::ApproximateNumberOfMessages, QueueAttributeName::ApproximateNumberOfMessagesNotVisible]).await?;
        let dead = match &self.dlq_url {
            Some(u) => count(u.clone(), vec![QueueAttributeName::ApproximateNumberOfMessages]).await?[0],
            None => 0,
        };
        Ok(QueueDepth { waiting: main[0], in_flight: main[1], dead_letters: dead })
    }
}
