//! Outgoing email.

use std::future::Future;

/// One multipart (text + HTML) email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub from: String,
    pub to: Vec<String>,
    pub reply_to: Option<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Name/value pairs for the provider's tracking (SES message tags).
    pub tags: Vec<(String, String)>,
}

impl Email {
    /// What every provider refuses, checked before sending so all adapters agree.
    pub fn validate(&self) -> Result<(), MailError> {
        if self.to.is_empty() {
            return Err(MailError::Rejected("no recipient".into()));
        }
        let bad = |a: &str| !a.contains('@') || a.contains(['\r', '\n']);
        if let Some(a) = std::iter::once(&self.from).chain(&self.to).chain(&self.reply_to).find(|a| bad(a)) {
            return Err(MailError::Rejected(format!("not an email address: {a:?}")));
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("rejected: {0}")]
    Rejected(String),
    #[error("mail unavailable: {0}")]
    Unavailable(String),
}

pub trait Mailer: Send + Sync + 'static {
    /// Sends and returns the provider's message id.
    fn send(&self, email: &Email) -> impl Future<Output = Result<String, MailError>> + Send;
}
