//! `debrief demo`: the product's main job on the bundled sample, through real HTTP.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use debrief::adapters::embedded::EmbeddedPaths;
use debrief::domain::{CoachProfile, Roster};
use debrief::pipeline::PipelineConfig;
use debrief::repo::KeyScope;
use serde_json::json;

use crate::sample;

#[derive(clap::Args)]
pub struct Args {
    /// Folder for this demo's data (default: a new folder under ./data/demo-*).
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

pub async fn run(args: Args) -> Result<(), String> {
    let dir = args.data_dir.unwrap_or_else(|| {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        PathBuf::from("data").join(format!("demo-{stamp}"))
    });
    let paths = EmbeddedPaths::under(&dir);
    let pipeline = Arc::new(debrief::runtime::embedded_pipeline(
        &paths,
        PipelineConfig::from_env(),
    )?);
    let coach: CoachProfile =
        serde_json::from_str(sample::COACH).expect("the bundled coach parses");
    pipeline
        .repo
        .put_coach(&coach)
        .await
        .map_err(|e| e.to_string())?;
    let key =
        crate::admin::create_key(&pipeline.repo, KeyScope::Ingest, None, Some("demo")).await?;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let base = format!(
        "http://{}",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(crate::serve::host(
        pipeline.clone(),
        crate::serve::CapiHost::from_env(0)?,
        listener,
        16,
        Duration::from_secs(60),
        async move {
            let _ = stop_rx.await;
        },
    ));

    let roster = Roster::parse(sample::ROSTER).expect("the bundled roster parses");
    let body = json!({
        "transcript": sample::TRANSCRIPT,
        "workshopDate": debrief::clock::today(),
        "cohortName": "Spring Growth Lab",
        "coachId": coach.coach_id,
        "zoomMeetingId": "demo-sample",
        "roster": roster,
    });
    let http = debrief::net::client();
    let started = Instant::now();
    let resp = http
        .post(format!("{base}/v1/workshops"))
        .bearer_auth(&key)
        .json(&body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = resp.status();
    let accepted: serde_json::Value = resp.json().await.map_err(|e| e.to_string())?;
    if status.as_u16() != 202 {
        return Err(format!("ingest answered {status}: {accepted}"));
    }
    let session_id = accepted["sessionId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    println!("POST {base}/v1/workshops → 202, session {session_id}");
    let done = loop {
        let s: serde_json::Value = http
            .get(format!("{base}/v1/workshops/{session_id}"))
            .bearer_auth(&key)
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        if s["status"] == "completed" && s["emailNotificationSent"] == true {
            break s;
        }
        if s["status"] == "failed" || started.elapsed() > Duration::from_secs(120) {
            return Err(format!("the session did not complete: {s}"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    println!(
        "completed in {:.2} s; priority clients: {}",
        started.elapsed().as_secs_f64(),
        done["priorityClientIds"]
    );
    let mut emails: Vec<PathBuf> = std::fs::read_dir(&paths.outbox)
        .map_err(|e| e.to_string())?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    emails.sort();
    for e in &emails {
        println!("coach email written to {}", e.display());
    }
    let _ = stop_tx.send(());
    let _ = server.await;
    Ok(())
}
