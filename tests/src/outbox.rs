//! Reads the `.eml` files the outbox mailer writes, as a mail client would.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::contract::SentMail;

fn decode_header(v: &str) -> String {
    match v.strip_prefix("=?UTF-8?B?").and_then(|r| r.strip_suffix("?=")) {
        Some(b64) => String::from_utf8(STANDARD.decode(b64).unwrap()).unwrap(),
        None => v.to_string(),
    }
}

/// Every email in `dir`, with the text and HTML parts decoded and joined in `body`.
pub fn read_outbox(dir: &Path) -> Vec<SentMail> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut out = Vec::new();
    for e in entries.flatten() {
        if e.path().extension().is_none_or(|x| x != "eml") {
            continue;
        }
        out.push(parse_eml(&std::fs::read_to_string(e.path()).unwrap()));
    }
    out
}

/// One RFC 5322 message as the mailers render it.
pub fn parse_eml(raw: &str) -> SentMail {
    {
        let (head, rest) = raw.split_once("\r\n\r\n").expect("headers end");
        let header = |name: &str| {
            head.lines().find_map(|l| l.strip_prefix(&format!("{name}: ")).map(decode_header)).unwrap_or_default()
        };
        let mut body = String::new();
        for part in rest.split("--=_debrief_").skip(1) {
            if let Some((_, b64)) = part.split_once("\r\n\r\n") {
                let b64: String = b64.lines().take_while(|l| !l.is_empty()).collect();
                if let Ok(bytes) = STANDARD.decode(b64.trim()) {
                    body.push_str(&String::from_utf8_lossy(&bytes));
                    body.push('\n');
                }
            }
        }
        SentMail { from: header("From"), to: header("To").split(", ").map(str::to_owned).collect(), subject: header("Subject"), body }
    }
}
