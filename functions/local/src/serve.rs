use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use debrief::adapters::embedded::EmbeddedPaths;
use debrief::analysis::Analyser;
use debrief::pipeline::{Pipeline, PipelineConfig, worker::run_worker};
use debrief::ports::{Mailer, Queue, Store};

#[derive(clap::Args, Clone)]
pub struct Args {
    /// Address to listen on; port 0 picks a free one (the chosen address is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Folder for the SQLite file and the outbox (default: DEBRIEF_DATA_DIR or ./data).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Participants analysed at the same time.
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// Seconds a worker holds a message before it is delivered again.
    #[arg(long, default_value_t = 300)]
    pub lease_secs: u64,
    /// Use DynamoDB, SQS and SES (AWS_ENDPOINT_URL for moto) instead of the embedded adapters;
    /// missing tables and queues are created.
    #[arg(long)]
    pub aws: bool,
}

pub fn paths(data_dir: Option<&PathBuf>) -> EmbeddedPaths {
    match data_dir {
        Some(d) => EmbeddedPaths::under(d),
        None => EmbeddedPaths::from_env(),
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// Serves the API and runs the worker until `shutdown` resolves.
pub async fn host<S, Q, M, A>(
    pipeline: Arc<Pipeline<S, Q, M, A>>,
    listener: tokio::net::TcpListener,
    concurrency: usize,
    lease: Duration,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), String>
where
    S: Store,
    Q: Queue,
    M: Mailer,
    A: Analyser + 'static,
{
    let app = debrief::http::all_routes(pipeline.clone());
    let (tx, rx) = tokio::sync::watch::channel(false);
    let mut worker_rx = rx.clone();
    let worker = tokio::spawn(run_worker(pipeline, concurrency, lease, async move {
        let _ = worker_rx.wait_for(|stop| *stop).await;
    }));
    tokio::spawn(async move {
        shutdown.await;
        let _ = tx.send(true);
    });
    let mut server_rx = rx;
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = server_rx.wait_for(|stop| *stop).await;
        })
        .await
        .map_err(|e| e.to_string())?;
    let _ = worker.await;
    Ok(())
}

pub async fn run(args: Args) -> Result<(), String> {
    let config = PipelineConfig::from_env();
    let listener = tokio::net::TcpListener::bind(args.addr).await.map_err(|e| format!("{}: {e}", args.addr))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let lease = Duration::from_secs(args.lease_secs.max(1));
    if args.aws {
        let pipeline = Arc::new(debrief::runtime::aws_pipeline(config, true).await?);
        println!("listening on http://{addr} (AWS adapters)");
        host(pipeline, listener, args.concurrency, lease, shutdown_signal()).await
    } else {
        let paths = paths(args.data_dir.as_ref());
        let pipeline = Arc::new(debrief::runtime::embedded_pipeline(&paths, config)?);
        println!("listening on http://{addr} (data in {}, outbox {})", paths.db.display(), paths.outbox.display());
        host(pipeline, listener, args.concurrency, lease, shutdown_signal()).await
    }
}
