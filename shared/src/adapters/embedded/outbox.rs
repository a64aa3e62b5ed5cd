//! The mail port as files: each email is an RFC 5322 `.eml` (multipart/alternative, text and
//! HTML) in an outbox folder, which any mail client opens.

use std::path::PathBuf;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::db::random_id;
use crate::ports::mail::{Email, MailError, Mailer};

#[derive(Debug, Clone)]
pub struct OutboxMailer {
    dir: PathBuf,
}

impl OutboxMailer {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }
}

/// A header value: as is when printable ASCII, RFC 2047 encoded otherwise.
fn header_value(v: &str) -> String {
    let clean: String = v.chars().map(|c| if c == '\r' || c == '\n' { ' ' } else { c }).collect();
    if clean.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        clean
    } else {
        format!("=?UTF-8?B?{}?=", STANDARD.encode(clean.as_bytes()))
    }
}

fn base64_lines(text: &str) -> String {
    let encoded = STANDARD.encode(text.as_bytes());
    encoded.as_bytes().chunks(76).map(|c| std::str::from_utf8(c).expect("base64 is ASCII")).collect::<Vec<_>>().join("\r\n")
}

/// Renders `email` as an RFC 5322 message with the given Message-ID and date (RFC 2822 form).
/// An address header: addresses are never RFC 2047 words (no server parses those); an
/// internationalised local part is written as UTF-8, as RFC 6532 allows. The addresses were
/// checked to be single mailboxes (no line breaks) before rendering.
fn address_value(addresses: &[&str]) -> String {
    addresses.join(", ")
}

pub fn render_eml(email: &Email, message_id: &str, date: &str) -> String {
    let boundary = format!("=_debrief_{}", &random_id()[..16]);
    let to: Vec<&str> = email.to.iter().map(String::as_str).collect();
    let mut h = vec![format!("From: {}", address_value(&[&email.from])), format!("To: {}", address_value(&to))];
    if let Some(r) = &email.reply_to {
        h.push(format!("Reply-To: {}", address_value(&[r])));
    }
    h.push(format!("Subject: {}", header_value(&email.subject)));
    h.push(format!("Date: {date}"));
    h.push(format!("Message-ID: <{message_id}>"));
    for (k, v) in &email.tags {
        h.push(format!("X-Debrief-Tag: {}={}", header_value(k), header_value(v)));
    }
    h.push("MIME-Version: 1.0".into());
    h.push(format!("Content-Type: multipart/alternative; boundary=\"{boundary}\""));
    let part = |ctype: &str, body: &str| {
        format!("--{boundary}\r\nContent-Type: {ctype}; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n", base64_lines(body))
    };
    format!(
        "{}\r\n\r\n{}{}--{boundary}--\r\n",
        h.join("\r\n"),
        part("text/plain", &email.text),
        part("text/html", &email.html)
    )
}

impl Mailer for OutboxMailer {
    async fn send(&self, email: &Email) -> Result<String, MailError> {
        let email = &email.normalized()?;
        let id = random_id();
        let message_id = format!("{id}@debrief.local");
        let now = time::OffsetDateTime::now_utc();
        let date = now.format(&time::format_description::well_known::Rfc2822).expect("date formats");
        let eml = render_eml(email, &message_id, &date);
        let stamp = now.format(time::macros::format_description!("[year][month][day]T[hour][minute][second]")).expect("stamp formats");
        let path = self.dir.join(format!("{stamp}-{}.eml", &id[..12]));
        let dir = self.dir.clone();
        tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&dir)?;
            // Write then rename, so a reader never sees half an email.
            let tmp = path.with_extension("eml.tmp");
            std::fs::write(&tmp, eml)?;
            std::fs::rename(&tmp, &path)?;
            Ok::<_, std::io::Error>(path)
        })
        .await
        .map_err(|e| MailError::Unavailable(e.to_string()))?
        .map(|path| {
            tracing::info!(path = %path.display(), "email written to the outbox");
            message_id
        })
        .map_err(|e| MailError::Unavailable(format!("outbox: {e}")))
    }
}
