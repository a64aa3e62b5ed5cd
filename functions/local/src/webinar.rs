//! `debrief webinar report --attendees A.csv --chat C.txt`: the attendee report and chat
//! parsed, every registrant scored and tiered, printed as a table (or JSON).

use std::path::PathBuf;

use debrief::webinar::{parse_attendee_report, parse_chat, score_webinar, text};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Scores and tiers every registrant of a webinar.
    Report {
        /// The platform's attendee report (Zoom webinar attendee report, GoTo, or a CSV).
        #[arg(long)]
        attendees: PathBuf,
        /// Zoom's saved chat.
        #[arg(long)]
        chat: Option<PathBuf>,
        /// The whole result as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn read(path: &PathBuf) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    text::decode(&path.display().to_string(), &bytes).map_err(|e| e.to_string())
}

pub async fn run(args: Args) -> Result<(), String> {
    match args.command {
        Command::Report { attendees, chat, json } => {
            let name = attendees.display().to_string();
            let report = parse_attendee_report(&name, &read(&attendees)?).map_err(|e| e.to_string())?;
            let messages = match &chat {
                Some(c) => parse_chat(&c.display().to_string(), &read(c)?).map_err(|e| e.to_string())?,
                None => Vec::new(),
            };
            let s = score_webinar(&report, &messages);
            if json {
                println!("{}", serde_json::to_string_pretty(&s).expect("JSON"));
                return Ok(());
            }
            println!("{} ({} report): {} registrants", s.info.topic.as_deref().unwrap_or("webinar"), s.platform, s.engagements.len());
            let counts: Vec<String> = s.tiers.iter().map(|(t, n)| format!("{} {n}", t.name())).collect();
            println!("tiers: {}\n", counts.join(", "));
            println!("{:<8} {:>5}  {:<28} {:>6} {:>7} {:>5} {:>5}", "tier", "score", "name", "focus", "attend", "chat", "quest");
            for e in &s.engagements {
                let c = e.components;
                println!(
                    "{:<8} {:>5}  {:<28} {:>5.2}{} {:>7.2} {:>5.2} {:>5.2}",
                    e.tier.name(),
                    e.score,
                    e.name.chars().take(28).collect::<String>(),
                    c.focus,
                    if c.focus_estimated { "*" } else { " " },
                    c.attendance,
                    c.chat,
                    c.questions
                );
            }
            println!("\n* focus estimated from time present and chat (the platform reports no attentiveness)");
            if !s.unmatched_chat.is_empty() {
                println!("\nchat from people not on the report ({}):", s.unmatched_chat.len());
                for u in &s.unmatched_chat {
                    println!("  line {}: {}", u.line, u.sender);
                }
            }
            Ok(())
        }
    }
}
