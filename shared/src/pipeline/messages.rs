//! Queue message bodies: versioned JSON, so a worker can refuse what it does not understand.

use serde::{Deserialize, Serialize};

pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Message {
    /// Analyse one participant of a session (the fan-out).
    #[serde(rename_all = "camelCase")]
    AnalyzeParticipant { session_id: String, participant_id: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub v: u32,
    #[serde(flatten)]
    pub message: Message,
}

impl Envelope {
    pub fn new(message: Message) -> Self {
        Self { v: VERSION, message }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("messages serialise")
    }

    pub fn parse(body: &str) -> Result<Self, String> {
        let e: Envelope = serde_json::from_str(body).map_err(|e| format!("unreadable message: {e}"))?;
        if e.v != VERSION {
            return Err(format!("message version {} is not supported (this worker reads {VERSION})", e.v));
        }
        Ok(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_other_versions() {
        let m = Envelope::new(Message::AnalyzeParticipant { session_id: "s".into(), participant_id: "p".into() });
        let json = m.to_json();
        assert_eq!(json, r#"{"v":1,"type":"analyzeParticipant","sessionId":"s","participantId":"p"}"#);
        assert_eq!(Envelope::parse(&json).unwrap(), m);
        assert!(Envelope::parse(&json.replace("\"v\":1", "\"v\":2")).unwrap_err().contains("version 2"));
    }
}
