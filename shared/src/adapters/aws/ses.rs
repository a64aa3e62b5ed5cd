//! The mail port on SES v2 `SendEmail`: simple content (subject, text, HTML) by default, or
//! the same message as raw RFC 5322 when raw mode is on.

use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message, MessageTag, RawMessage};

use crate::ports::mail::{Email, MailError, Mailer};

#[derive(Clone, Debug)]
pub struct SesMailer {
    client: Client,
    configuration_set: Option<String>,
    raw: bool,
}

impl SesMailer {
    pub fn new(client: Client, configuration_set: Option<String>) -> Self {
        Self { client, configuration_set, raw: false }
    }

    pub fn from_config(config: &aws_config::SdkConfig, configuration_set: Option<String>) -> Self {
        Self::new(Client::new(config), configuration_set)
    }

    /// Send the rendered `.eml` as raw content instead of simple content.
    pub fn raw(mut self, raw: bool) -> Self {
        self.raw = raw;
        self
    }
}

fn content(data: &str) -> Content {
    Content::builder().data(data).charset("UTF-8").build().expect("complete")
}

/// SES tag names and values allow letters, digits, `_`, `-` and `.` only.
fn tag_safe(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') { c } else { '_' }).take(256).collect()
}

impl Mailer for SesMailer {
    async fn send(&self, email: &Email) -> Result<String, MailError> {
        let email = &email.normalized()?;
        let body = if self.raw {
            let id = format!("{:032x}@debrief", fastrand::u128(..));
            let date = time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc2822).expect("date formats");
            let eml = crate::adapters::embedded::render_eml(email, &id, &date);
            EmailContent::builder().raw(RawMessage::builder().data(Blob::new(eml)).build().expect("complete")).build()
        } else {
            let message = Message::builder()
                .subject(content(&email.subject))
                .body(Body::builder().text(content(&email.text)).html(content(&email.html)).build())
                .build();
            EmailContent::builder().simple(message).build()
        };
        let tags = email
            .tags
            .iter()
            .map(|(k, v)| MessageTag::builder().name(tag_safe(k)).value(tag_safe(v)).build().expect("complete"))
            .collect::<Vec<_>>();
        let out = self
            .client
            .send_email()
            .from_email_address(&email.from)
            // Raw messages carry their recipients in their headers.
            .set_destination((!self.raw).then(|| Destination::builder().set_to_addresses(Some(email.to.clone())).build()))
            .set_reply_to_addresses(email.reply_to.clone().map(|r| vec![r]))
            .content(body)
            .set_email_tags((!tags.is_empty()).then_some(tags))
            .set_configuration_set_name(self.configuration_set.clone())
            .send()
            .await;
        match out {
            Ok(o) => Ok(o.message_id().unwrap_or_default().to_string()),
            Err(e) => {
                let (code, msg) = match e.as_service_error() {
                    Some(s) => (
                        aws_sdk_sesv2::error::ProvideErrorMetadata::code(s).unwrap_or("error").to_string(),
                        aws_sdk_sesv2::error::ProvideErrorMetadata::message(s).unwrap_or("").to_string(),
                    ),
                    None => return Err(MailError::Unavailable(e.to_string())),
                };
                if matches!(code.as_str(), "MessageRejected" | "MailFromDomainNotVerifiedException" | "BadRequestException") {
                    Err(MailError::Rejected(format!("{code}: {msg}")))
                } else {
                    Err(MailError::Unavailable(format!("{code}: {msg}")))
                }
            }
        }
    }
}
