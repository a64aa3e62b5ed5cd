//! `debrief capi`: preview what would be sent, send now, show status and dry-run requests.

use std::io::BufRead;

use debrief::capi::intake::{Prepared, prepare_one, split_body};
use debrief::capi::{CapiConfig, Mode, conversions_from_env, send_all, status};
use debrief::ports::Store;
use debrief::repo::Repo;

use crate::admin::{RepoAny, Target, with_repo};

#[derive(clap::Args)]
pub struct CapiArgs {
    #[command(subcommand)]
    command: CapiCommand,
    #[command(flatten)]
    target: Target,
}

#[derive(clap::Subcommand)]
enum CapiCommand {
    /// Reads events (JSON Lines) on stdin and prints, one per line, the exact event objects
    /// Debrief would send to Meta (no network, nothing stored). Errors go to stderr.
    Preview,
    /// Sends pending events now (what the schedule does).
    Send {
        #[arg(long, default_value = "live")]
        mode: String,
    },
    /// Pending / sent / failed / expired counts and the last batches, per pixel.
    Status {
        #[arg(long, default_value = "live")]
        mode: String,
        #[arg(long, default_value_t = 5)]
        last: usize,
    },
    /// The requests the dry run recorded instead of sending (method, path, body).
    Requests {
        #[arg(long)]
        pixel: Option<String>,
        #[arg(long, default_value_t = 20)]
        last: usize,
    },
}

fn mode(s: &str) -> Result<Mode, String> {
    Mode::parse(s).ok_or_else(|| format!("--mode: `{s}` is not live or test"))
}

pub async fn run(args: CapiArgs) -> Result<(), String> {
    let config = CapiConfig::from_env()?;
    if let CapiCommand::Preview = args.command {
        return preview(&config);
    }
    with_repo(&args.target, |repo| async move {
        match repo {
            RepoAny::Embedded(r) => on_store(r, &args.command, &config).await,
            RepoAny::Aws(r) => on_store(r, &args.command, &config).await,
        }
    })
    .await
}

fn preview(config: &CapiConfig) -> Result<(), String> {
    let now = debrief::clock::unix_secs();
    let mut scratch = String::new();
    let mut errors = 0;
    let stdin = std::io::stdin();
    for (n, line) in stdin.lock().lines().enumerate() {
        let line = line.map_err(|e| e.to_string())?;
        if line.trim().is_empty() {
            continue;
        }
        let report = |field: &str, message: &str| eprintln!("line {}: {field}: {message}", n + 1);
        let value: serde_json::Value = match serde_json::from_str(&line) {
            Ok(v) => v,
            Err(e) => {
                report("body", &format!("not valid JSON: {e}"));
                errors += 1;
                continue;
            }
        };
        let inputs = match split_body(&value) {
            Ok(i) => i,
            Err(e) => {
                report(&e.field, &e.message);
                errors += 1;
                continue;
            }
        };
        for v in inputs {
            match prepare_one(v, config, now, &mut scratch) {
                Ok(Prepared::Event { event, .. }) => {
                    println!("{}", serde_json::to_string(&event).expect("JSON"))
                }
                Ok(Prepared::Skipped(reason)) => eprintln!("line {}: skipped: {reason}", n + 1),
                Err(e) => {
                    report(&e.field, &e.message);
                    errors += 1;
                }
            }
        }
    }
    if errors > 0 {
        Err(format!("{errors} input(s) rejected"))
    } else {
        Ok(())
    }
}

async fn on_store<S: Store + Clone>(
    repo: Repo<S>,
    command: &CapiCommand,
    config: &CapiConfig,
) -> Result<(), String> {
    let store = repo.store().clone();
    match command {
        CapiCommand::Preview => unreachable!("handled without a store"),
        CapiCommand::Send { mode: m } => {
            let api = conversions_from_env(store.clone(), config);
            for r in send_all(&store, &api, config, mode(m)?)
                .await
                .map_err(|e| e.to_string())?
            {
                println!("{}", serde_json::to_string(&r).expect("JSON"));
            }
        }
        CapiCommand::Status { mode: m, last } => {
            for pixel in &config.pixels {
                let s = status(&store, pixel, mode(m)?, *last)
                    .await
                    .map_err(|e| e.to_string())?;
                println!(
                    "pixel {} ({}): pending {}, sent {}, failed {}, expired {}",
                    s.pixel_id,
                    s.mode.as_str(),
                    s.pending,
                    s.sent,
                    s.failed,
                    s.expired
                );
                for b in &s.last_batches {
                    println!(
                        "  batch {} at {}: {} events, {} (received {}, fbtrace {}, {} ms, {} attempt(s)){}",
                        b.batch_id,
                        b.started_at,
                        b.events,
                        b.outcome,
                        b.events_received.map_or("-".into(), |n| n.to_string()),
                        b.fbtrace_id.as_deref().unwrap_or("-"),
                        b.duration_ms,
                        b.attempts,
                        if b.errors.is_empty() {
                            String::new()
                        } else {
                            format!(" errors: {}", b.errors.join("; "))
                        }
                    );
                }
            }
        }
        CapiCommand::Requests { pixel, last } => {
            let pixel = pixel
                .clone()
                .or_else(|| config.pixels.first().cloned())
                .ok_or("no pixel configured")?;
            crate::admin::print_last(&store, &debrief::adapters::meta::dry_run_partition(&pixel), *last).await?;
        }
    }
    Ok(())
}
