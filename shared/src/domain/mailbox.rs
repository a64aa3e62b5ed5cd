//! Email addresses as Debrief accepts them: exactly one mailbox, `local@domain` in RFC 5321's
//! syntax, extended as RFC 6531 does for internationalised mail: the local part is a dot-atom
//! whose characters may also be non-ASCII letters (`björn@…`); the domain may be
//! internationalised and is kept in its ASCII (IDNA/punycode) form, which every mail server
//! reads — never as an RFC 2047 word.
//! Checked at ingest and again by every mailer, so a list smuggled into one field
//! (`a@x.example, b@evil.example`) never becomes two recipients.

/// Why an address was refused; says nothing of the address itself (it is personal data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MailboxError {
    #[error("must be one email address (local@domain)")]
    NotOneMailbox,
    #[error("the part before @ has a character an email address cannot have")]
    BadLocalPart,
    #[error("the domain is not a valid domain name")]
    BadDomain,
    #[error("is longer than 254 characters")]
    TooLong,
}

fn is_atext(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&b)
}

/// The address in the form to send to (domain lower-cased and in ASCII), or why not.
pub fn normalize_mailbox(raw: &str) -> Result<String, MailboxError> {
    let s = raw.trim();
    let (local, domain) = s.rsplit_once('@').ok_or(MailboxError::NotOneMailbox)?;
    if local.is_empty() || local.contains('@') || s.contains([',', ';', '<', '>', ' ', '\t', '\r', '\n', '"']) {
        return Err(MailboxError::NotOneMailbox);
    }
    if local.len() > 64 || local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(MailboxError::BadLocalPart);
    }
    if !local.chars().all(|c| c == '.' || (c.is_ascii() && is_atext(c as u8)) || (!c.is_ascii() && !c.is_control() && !c.is_whitespace())) {
        return Err(MailboxError::BadLocalPart);
    }
    let ascii = idna::domain_to_ascii(domain).map_err(|_| MailboxError::BadDomain)?;
    let labels: Vec<&str> = ascii.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty() && l.len() <= 63 && !l.starts_with('-') && !l.ends_with('-') && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    if ascii.len() > 253 || labels.len() < 2 || !labels.iter().all(label_ok) {
        return Err(MailboxError::BadDomain);
    }
    let out = format!("{local}@{ascii}");
    if out.len() > 254 {
        return Err(MailboxError::TooLong);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_plain_mailbox_passes() {
        assert_eq!(normalize_mailbox(" l.o+tag@Example.COM ").unwrap(), "l.o+tag@example.com");
        assert_eq!(normalize_mailbox("o'brien@sub.example.co.uk").unwrap(), "o'brien@sub.example.co.uk");
    }

    #[test]
    fn lists_and_display_names_are_refused() {
        for bad in ["l@example.com, attacker@evil.example", "l@example.com;x@y.example", "Lena <l@example.com>", "a@b@example.com", "\"a b\"@example.com", "l@example.com\r\nBcc: x@y.example"] {
            assert_eq!(normalize_mailbox(bad), Err(MailboxError::NotOneMailbox), "{bad}");
        }
    }

    #[test]
    fn syntax_errors_are_refused() {
        assert_eq!(normalize_mailbox("no-at-sign"), Err(MailboxError::NotOneMailbox));
        assert_eq!(normalize_mailbox(".a@example.com"), Err(MailboxError::BadLocalPart));
        assert_eq!(normalize_mailbox("a..b@example.com"), Err(MailboxError::BadLocalPart));
        assert_eq!(normalize_mailbox("a(b)@example.com"), Err(MailboxError::BadLocalPart));
        assert_eq!(normalize_mailbox("jürgen@example.com").unwrap(), "jürgen@example.com");
        assert_eq!(normalize_mailbox("a@localhost"), Err(MailboxError::BadDomain));
        assert_eq!(normalize_mailbox("a@-x.example"), Err(MailboxError::BadDomain));
        assert_eq!(normalize_mailbox("a@exa mple.com"), Err(MailboxError::NotOneMailbox));
        assert_eq!(normalize_mailbox(&format!("{}@example.com", "a".repeat(65))), Err(MailboxError::BadLocalPart));
    }

    #[test]
    fn internationalised_domains_become_punycode() {
        assert_eq!(normalize_mailbox("anna@bücher.example").unwrap(), "anna@xn--bcher-kva.example");
        assert_eq!(normalize_mailbox("anna@BÜCHER.example").unwrap(), "anna@xn--bcher-kva.example");
    }
}
