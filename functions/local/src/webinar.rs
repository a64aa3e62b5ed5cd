//! `debrief webinar report --attendees A.csv --chat C.txt [--webinar W.json]`: the attendee
//! report and chat parsed, every registrant scored and tiered, printed as a table (or JSON);
//! with `--webinar`, the webinar and its tiered drafts are also stored in the embedded store,
//! for review (`debrief serve`, the MCP tools) and `debrief webinar export`.

use std::io::Write;
use std::path::PathBuf;

use debrief::pipeline::PipelineConfig;
use debrief::webinar::intake::{UploadedFile, WebinarAccepted, WebinarUpload};
use debrief::webinar::score::WebinarScores;
use debrief::webinar::{WebinarFields, parse_attendee_report, parse_chat, score_webinar, text};

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
        /// The webinar's fields (coachId, title, offer, replayUrl, …) as JSON: store the
        /// webinar and write its drafts.
        #[arg(long)]
        webinar: Option<PathBuf>,
        /// Folder of the embedded store (default: DEBRIEF_DATA_DIR or ./data).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// The whole result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Writes a stored webinar's follow-up as CSV (safe to open in a spreadsheet).
    Export {
        /// The webinar's id (`wb-…`).
        id: String,
        /// Where to write the CSV (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Folder of the embedded store (default: DEBRIEF_DATA_DIR or ./data).
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
}

fn read(path: &PathBuf) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// The file's text, read in place when it is UTF-8.
fn decoded<'b>(path: &PathBuf, bytes: &'b [u8]) -> Result<std::borrow::Cow<'b, str>, String> {
    text::decode(&path.display().to_string(), bytes).map_err(|e| e.to_string())
}

/// The tier table (or the JSON of it all, streamed as it is written) of a scored webinar.
fn print_report(out: &mut impl Write, s: &WebinarScores<'_>, stored: Option<&WebinarAccepted>, json: bool) -> std::io::Result<()> {
    if json {
        match stored {
            None => serde_json::to_writer_pretty(&mut *out, s)?,
            Some(a) => {
                let mut v = serde_json::to_value(s)?;
                v["stored"] = serde_json::to_value(a)?;
                serde_json::to_writer_pretty(&mut *out, &v)?;
            }
        }
        writeln!(out)?;
        return out.flush();
    }
    writeln!(out, "{} ({} report): {} registrants", s.info.topic.as_deref().unwrap_or("webinar"), s.platform, s.ranked.len())?;
    let counts: Vec<String> = s.tiers.iter().map(|(t, n)| format!("{} {n}", t.name())).collect();
    writeln!(out, "tiers: {}\n", counts.join(", "))?;
    writeln!(out, "{:<8} {:>5}  {:<28} {:>6} {:>7} {:>5} {:>5}", "tier", "score", "name", "focus", "attend", "chat", "quest")?;
    for rank in &s.ranked {
        let (c, name) = (s.components(rank), &s.registrant(rank).name);
        writeln!(
            out,
            "{:<8} {:>5}  {:<28} {:>5.2}{} {:>7.2} {:>5.2} {:>5.2}",
            rank.tier.name(),
            rank.score,
            name.chars().take(28).collect::<String>(),
            c.focus,
            if c.focus_estimated { "*" } else { " " },
            c.attendance,
            c.chat,
            c.questions
        )?;
    }
    writeln!(out, "\n* focus estimated from time present and chat (the platform reports no attentiveness)")?;
    if !s.unmatched_chat.is_empty() {
        writeln!(out, "\nchat from people not on the report ({}):", s.unmatched_chat.len())?;
        for u in &s.unmatched_chat {
            writeln!(out, "  line {}: {}", u.line, u.sender)?;
        }
    }
    if let Some(a) = stored {
        let verb = if a.created { "stored" } else { "was already stored" };
        writeln!(out, "\nwebinar {} {verb}, with a follow-up draft per registrant.", a.webinar_id)?;
        writeln!(out, "review: debrief serve (the review API, MCP tools and links); export: debrief webinar export {}", a.webinar_id)?;
    }
    out.flush()
}

pub async fn run(args: Args) -> Result<(), String> {
    match args.command {
        Command::Export { id, out, data_dir } => {
            let pipeline = debrief::runtime::embedded_pipeline(&crate::serve::paths(data_dir.as_ref()), PipelineConfig::from_env())?;
            let (rows, csv) = pipeline.webinar_csv(None, &id).await.map_err(|e| match e {
                debrief::pipeline::PipelineError::NotFound => format!("no webinar {id} in this store"),
                other => other.to_string(),
            })?;
            match out {
                Some(path) => {
                    std::fs::write(&path, &csv).map_err(|e| format!("{}: {e}", path.display()))?;
                    eprintln!("{rows} registrants written to {}", path.display());
                }
                None => {
                    use std::io::Write;
                    std::io::stdout().write_all(&csv).map_err(|e| e.to_string())?;
                }
            }
            Ok(())
        }
        Command::Report { attendees, chat, json, webinar, data_dir } => {
            let name = attendees.display().to_string();
            let report_bytes = read(&attendees)?;
            let report_text = decoded(&attendees, &report_bytes)?;
            let report = parse_attendee_report(&name, &report_text).map_err(|e| e.to_string())?;
            let chat_bytes = chat.as_ref().map(read).transpose()?;
            let chat_text = match (&chat, &chat_bytes) {
                (Some(c), Some(bytes)) => Some(decoded(c, bytes)?),
                _ => None,
            };
            let messages = match (&chat, &chat_text) {
                (Some(c), Some(text)) => parse_chat(&c.display().to_string(), text).map_err(|e| e.to_string())?,
                _ => Vec::new(),
            };
            let s = score_webinar(&report, &messages);
            let stored = match &webinar {
                Some(w) => Some(store(&attendees, chat.as_ref(), w, data_dir.as_ref()).await?),
                None => None,
            };
            // One buffered writer: a 60,000-registrant table is 60,000 lines, and stdout alone
            // writes each line with its own system call.
            print_report(&mut std::io::BufWriter::new(std::io::stdout().lock()), &s, stored.as_ref(), json).map_err(|e| e.to_string())
        }
    }
}

/// The webinar and its drafts, stored in the embedded store as `POST /v1/webinars` stores them.
async fn store(attendees: &PathBuf, chat: Option<&PathBuf>, webinar: &PathBuf, data_dir: Option<&PathBuf>) -> Result<WebinarAccepted, String> {
    let file = |p: &PathBuf| -> Result<UploadedFile, String> {
        Ok(UploadedFile { name: p.display().to_string(), bytes: std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))? })
    };
    let fields_text = std::fs::read_to_string(webinar).map_err(|e| format!("{}: {e}", webinar.display()))?;
    let fields = WebinarFields::from_json(&fields_text).map_err(|e| format!("{}: {e}", webinar.display()))?;
    let upload = WebinarUpload { attendees: Some(file(attendees)?), chat: chat.map(file).transpose()?, fields };
    let pipeline = debrief::runtime::embedded_pipeline(&crate::serve::paths(data_dir), PipelineConfig::from_env())?;
    pipeline.ingest_webinar(upload, None).await.map_err(|e| e.to_string())
}
