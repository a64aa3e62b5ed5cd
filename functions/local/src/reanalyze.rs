//! `debrief reanalyze SESSION_ID`: the kept transcript analysed again as a new session (a
//! revision), then worked here until it is done, on the embedded store or (`--aws`) on AWS.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use debrief::analysis::Analyser;
use debrief::domain::ProcessingStatus;
use debrief::pipeline::{Pipeline, PipelineConfig};
use debrief::ports::{Mailer, Queue, Store};

#[derive(clap::Args)]
pub struct Args {
    /// The session to analyse again (its `ws-…` id).
    session_id: String,
    /// Folder of the embedded store (default: DEBRIEF_DATA_DIR or ./data).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Use DynamoDB, SQS, SES and S3 (DEBRIEF_TABLE, DEBRIEF_TRANSCRIPT_BUCKET, …).
    #[arg(long)]
    aws: bool,
    /// Only queue the re-analysis (a running `debrief serve` or the Lambda works it).
    #[arg(long)]
    no_wait: bool,
    /// How long to work the re-analysis here before giving up waiting, in seconds.
    #[arg(long, default_value_t = 600)]
    timeout_secs: u64,
}

pub async fn run(args: Args) -> Result<(), String> {
    if args.aws {
        let pipeline = debrief::runtime::aws_pipeline(PipelineConfig::from_env(), true).await?;
        reanalyze(Arc::new(pipeline), &args).await
    } else {
        let paths = crate::serve::paths(args.data_dir.as_ref());
        let pipeline = debrief::runtime::embedded_pipeline(&paths, PipelineConfig::from_env())?;
        reanalyze(Arc::new(pipeline), &args).await
    }
}

async fn reanalyze<S: Store, Q: Queue, M: Mailer, A: Analyser + 'static>(pipeline: Arc<Pipeline<S, Q, M, A>>, args: &Args) -> Result<(), String> {
    let accepted = pipeline.reanalyze(&args.session_id, None, None).await.map_err(|e| e.to_string())?;
    if !args.no_wait {
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let worker = tokio::spawn(debrief::pipeline::worker::run_worker(pipeline.clone(), 16, Duration::from_secs(300), async move {
            let _ = stop_rx.await;
        }));
        let deadline = Instant::now() + Duration::from_secs(args.timeout_secs);
        let outcome = loop {
            let status = pipeline.status(&accepted.session_id, None).await.map_err(|e| e.to_string())?;
            if matches!(status.status, ProcessingStatus::Completed | ProcessingStatus::Failed) {
                break Ok(status);
            }
            if Instant::now() > deadline {
                break Err(format!("{} is still {:?} after {} s; it goes on where it is deployed", accepted.session_id, status.status, args.timeout_secs));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let _ = stop_tx.send(());
        let _ = worker.await;
        let status = outcome?;
        println!("{}", serde_json::to_string_pretty(&serde_json::json!({"accepted": accepted, "status": status})).expect("JSON"));
        return Ok(());
    }
    println!("{}", serde_json::to_string_pretty(&accepted).expect("JSON"));
    Ok(())
}
