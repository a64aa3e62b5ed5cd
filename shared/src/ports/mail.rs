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
    /// What every provider refuses, checked before sending so all adapters agree: each
    /// address must be exactly one mailbox (a second line of defence behind ingest). Returns
    /// the email with its addresses in sending form (internationalised domains in ASCII). The
    /// error names the header, never the address.
    pub fn normalized(&self) -> Result<Email, MailError> {
        if self.to.is_empty() {
            return Err(MailError::Rejected("no recipient".into()));
        }
        let check = |header: &str, a: &str| crate::domain::normalize_mailbox(a).map_err(|e| MailError::Rejected(format!("{header}: {e}")));
        Ok(Email {
            from: check("From", &self.from)?,
            to: self.to.iter().map(|a| check("To", a)).collect::<Result<_, _>>()?,
            reply_to: self.reply_to.as_deref().map(|a| check("Reply-To", a)).transpose()?,
            ..self.clone()
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn email(to: &str) -> Email {
        Email { from: "coach@example.com".into(), to: vec![to.into()], reply_to: None, subject: "s".into(), text: "t".into(), html: "h".into(), tags: vec![] }
    }

    /// Every mailer refuses a smuggled second recipient, whatever ingest let through, and never
    /// quotes the address in its error (errors reach the logs).
    #[test]
    fn a_list_in_one_address_is_refused_without_quoting_it() {
        let e = email("l@example.com, attacker@evil.example").normalized().unwrap_err().to_string();
        assert!(e.contains("To") && !e.contains("attacker"), "{e}");
        assert_eq!(email("anna@bücher.example").normalized().unwrap().to, vec!["anna@xn--bcher-kva.example".to_string()]);
    }
}
