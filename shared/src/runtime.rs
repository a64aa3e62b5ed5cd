//! Start-up wiring shared by the Lambda functions and `debrief serve`: logging, and the
//! pipeline on either adapter set. Everything here runs once per process (cold start).

use crate::adapters::TranscriptArchive;
use crate::adapters::aws::{DynamoStore, S3Archive, SesMailer, SqsQueue};
use crate::adapters::embedded::{
    EmbeddedDb, EmbeddedPaths, EmbeddedQueue, EmbeddedStore, FileArchive, OutboxMailer,
};
use crate::analysis::ConfiguredAnalyser;
use crate::pipeline::{Pipeline, PipelineConfig};

pub type EmbeddedPipeline =
    Pipeline<EmbeddedStore, EmbeddedQueue, OutboxMailer, ConfiguredAnalyser>;
pub type AwsPipeline = Pipeline<DynamoStore, SqsQueue, SesMailer, ConfiguredAnalyser>;

/// Logs on stderr: JSON (Lambda, and whenever stderr is a file or a pipe), or readable lines
/// when stderr is a terminal. Filtered by `DEBRIEF_LOG` / `RUST_LOG` (default `info`), written as
/// `level` or `target=level,...`. (A target filter, not `EnvFilter`: that one brings a regex
/// engine into every Lambda binary for span and field filters nobody here uses.)
pub fn init_tracing() {
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let parsed = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<Targets>().ok());
    let filter = parsed("DEBRIEF_LOG")
        .or_else(|| parsed("RUST_LOG"))
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::INFO));
    use std::io::IsTerminal;
    if std::io::stderr().is_terminal() {
        let logs = tracing_subscriber::fmt::layer().compact().with_target(false).with_writer(std::io::stderr);
        let _ = tracing_subscriber::registry().with(logs).with(filter).try_init();
    } else {
        let logs = tracing_subscriber::fmt::layer().json().with_current_span(true).with_target(false).with_writer(std::io::stderr);
        let _ = tracing_subscriber::registry().with(logs).with(filter).try_init();
    }
}

/// For a process that parses big uploads again and again (a warm Lambda, `debrief serve`, a
/// benchmark): memory freed after one request stays with the allocator for the next, instead
/// of going back to the kernel and being faulted in again page by page. glibc gives blocks
/// over its thresholds (a 10 MB report's rows, its merge table) back to the kernel when they
/// are freed; parsing and scoring a 60,000-registrant webinar spent a fifth of its time in
/// those page faults. Peak memory is unchanged: the process keeps what it once needed.
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt(3) sets two of glibc's allocator thresholds; it touches no memory of
    // ours, and a value it refuses leaves that threshold as it was.
    unsafe {
        // Blocks up to 32 MB (glibc's largest mmap threshold) from the heap, not their own
        // mapping; and the heap's free top kept up to 1 GB.
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
    }
}

/// For the command-line tools: a closed stdout (`debrief hubspot log | head`) ends the process
/// quietly, as it does any Unix filter, instead of `println!` panicking on EPIPE. Not for
/// servers, which must survive a client hanging up.
pub fn exit_quietly_on_closed_stdout() {
    #[cfg(unix)]
    // SAFETY: signal(2) sets the process-wide disposition of SIGPIPE back to its default; it
    // touches no memory of ours.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// The pipeline on one SQLite file and an outbox folder.
pub fn embedded_pipeline(
    paths: &EmbeddedPaths,
    config: PipelineConfig,
) -> Result<EmbeddedPipeline, String> {
    let db = EmbeddedDb::open(&paths.db).map_err(|e| format!("{}: {e}", paths.db.display()))?;
    let queue = EmbeddedQueue::new(db.clone(), "analysis", config.max_receives);
    let crm = EmbeddedQueue::new(db.clone(), "crm", config.max_receives);
    let leads = EmbeddedQueue::new(db.clone(), "leads", config.max_receives);
    let health = EmbeddedQueue::new(db.clone(), "health-events", config.max_receives);
    Ok(Pipeline::new(
        EmbeddedStore::new(db),
        queue,
        OutboxMailer::new(&paths.outbox),
        ConfiguredAnalyser::from_env(),
        config,
    )
    .with_crm_queue(crm)
    .with_leads_queue(leads)
    .with_health_queue(health)
    .with_archive(TranscriptArchive::Files(FileArchive::new(&paths.archive))))
}

/// The DynamoDB table named by `DEBRIEF_TABLE` (default `debrief-local`), for functions that
/// need only the store.
pub async fn aws_store() -> DynamoStore {
    aws_store_from(&crate::adapters::aws::load_config().await)
}

pub fn aws_store_from(sdk: &aws_config::SdkConfig) -> DynamoStore {
    DynamoStore::from_config(sdk, env("DEBRIEF_TABLE").unwrap_or_else(|| "debrief-local".into()))
}

fn env(k: &str) -> Option<String> {
    std::env::var(k).ok().filter(|v| !v.is_empty())
}

/// The pipeline on DynamoDB, SQS and SES. `DEBRIEF_TABLE` and `DEBRIEF_ANALYSIS_QUEUE_URL`
/// (and `DEBRIEF_ANALYSIS_DLQ_URL`, `DEBRIEF_SES_CONFIGURATION_SET`) name the resources; with
/// `ensure`, missing ones are created (moto, a developer account), named by `DEBRIEF_TABLE`
/// and `DEBRIEF_ANALYSIS_QUEUE` (defaults `debrief-local`, `debrief-local-analysis`).
pub async fn aws_pipeline(config: PipelineConfig, ensure: bool) -> Result<AwsPipeline, String> {
    let sdk = crate::adapters::aws::load_config().await;
    let table = env("DEBRIEF_TABLE").unwrap_or_else(|| "debrief-local".into());
    let store = DynamoStore::from_config(&sdk, &table);
    let queue = if ensure {
        store.ensure_table().await.map_err(|e| e.to_string())?;
        let name = env("DEBRIEF_ANALYSIS_QUEUE").unwrap_or_else(|| "debrief-local-analysis".into());
        SqsQueue::ensure(aws_sdk_sqs::Client::new(&sdk), &name, config.max_receives)
            .await
            .map_err(|e| e.to_string())?
    } else {
        let url =
            env("DEBRIEF_ANALYSIS_QUEUE_URL").ok_or("DEBRIEF_ANALYSIS_QUEUE_URL is not set")?;
        SqsQueue::from_config(&sdk, url, env("DEBRIEF_ANALYSIS_DLQ_URL"))
    };
    let crm = side_queue(&sdk, ensure, "DEBRIEF_CRM_QUEUE", "debrief-local-crm", config.max_receives, crm_queue).await?;
    let max_receives = config.max_receives;
    let mailer = SesMailer::from_config(&sdk, env("DEBRIEF_SES_CONFIGURATION_SET"));
    let mut pipeline = Pipeline::new(store, queue, mailer, ConfiguredAnalyser::from_env(), config);
    if let Some(bucket) = env("DEBRIEF_TRANSCRIPT_BUCKET") {
        let archive = S3Archive::from_config(&sdk, &bucket)?;
        if ensure {
            archive.ensure_bucket().await.map_err(|e| e.to_string())?;
        }
        pipeline = pipeline.with_archive(TranscriptArchive::S3(archive));
    }
    if let Some(q) = crm {
        pipeline = pipeline.with_crm_queue(q);
    }
    if let Some(q) = side_queue(&sdk, ensure, "DEBRIEF_LEADS_QUEUE", "debrief-local-leads", max_receives, leads_queue).await? {
        pipeline = pipeline.with_leads_queue(q);
    }
    if let Some(q) = side_queue(&sdk, ensure, "DEBRIEF_HEALTH_QUEUE", "debrief-local-health-events", max_receives, health_queue).await? {
        pipeline = pipeline.with_health_queue(q);
    }
    Ok(pipeline)
}

/// A queue beside the analysis one: with `ensure`, created if missing under the name in
/// `name_var` (else `default`); without, the deployed one `deployed` finds, if any.
async fn side_queue(sdk: &aws_config::SdkConfig, ensure: bool, name_var: &str, default: &str, max_receives: u32, deployed: fn(&aws_config::SdkConfig) -> Option<SqsQueue>) -> Result<Option<SqsQueue>, String> {
    if !ensure {
        return Ok(deployed(sdk));
    }
    let name = env(name_var).unwrap_or_else(|| default.into());
    SqsQueue::ensure(aws_sdk_sqs::Client::new(sdk), &name, max_receives).await.map(Some).map_err(|e| e.to_string())
}

/// The lead-scoring queue (`DEBRIEF_LEADS_QUEUE_URL`, its DLQ `DEBRIEF_LEADS_DLQ_URL`), if deployed.
pub fn leads_queue(sdk: &aws_config::SdkConfig) -> Option<SqsQueue> {
    env("DEBRIEF_LEADS_QUEUE_URL").map(|url| SqsQueue::from_config(sdk, url, env("DEBRIEF_LEADS_DLQ_URL")))
}

/// The client-health events' queue (`DEBRIEF_HEALTH_QUEUE_URL`, its DLQ `DEBRIEF_HEALTH_DLQ_URL`), if deployed.
pub fn health_queue(sdk: &aws_config::SdkConfig) -> Option<SqsQueue> {
    env("DEBRIEF_HEALTH_QUEUE_URL").map(|url| SqsQueue::from_config(sdk, url, env("DEBRIEF_HEALTH_DLQ_URL")))
}

/// The `crm-sync` queue (`DEBRIEF_CRM_QUEUE_URL`, its DLQ `DEBRIEF_CRM_DLQ_URL`), if deployed.
pub fn crm_queue(sdk: &aws_config::SdkConfig) -> Option<SqsQueue> {
    env("DEBRIEF_CRM_QUEUE_URL").map(|url| SqsQueue::from_config(sdk, url, env("DEBRIEF_CRM_DLQ_URL")))
}
