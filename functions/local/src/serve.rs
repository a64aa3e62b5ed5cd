use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use debrief::adapters::embedded::EmbeddedPaths;
use debrief::analysis::Analyser;
use debrief::capi::{CapiConfig, Mode, conversions_from_env, send_all};
use debrief::http::health::HealthService;
use debrief::http::leads::LeadsService;
use debrief::http::{CapiIntake, HubSpotService};
use debrief::leads::jobs::LeadJobs;
use debrief::leads::model::LeadModel;
use debrief::leads::scorer::{LeadScorer, LeadsConfig};
use debrief::hubspot::HubSpotConfig;
use debrief::hubspot::worker::CrmConnector;
use debrief::pipeline::{Pipeline, PipelineConfig, worker::run_worker};
use debrief::ports::{ConversionsApi, Mailer, Queue, Store};
use debrief::repo::Repo;

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
    /// Seconds between conversion sends to Meta (the EventBridge schedule's local stand-in);
    /// 0 turns them off.
    #[arg(long, default_value_t = 60)]
    pub capi_every: u64,
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
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// How the local process stands in for the conversion functions.
pub struct CapiHost {
    pub config: CapiConfig,
    /// Between scheduled sends; `None`: no sends.
    pub every: Option<Duration>,
}

impl CapiHost {
    pub fn from_env(every_secs: u64) -> Result<Self, String> {
        Ok(Self {
            config: CapiConfig::from_env()?,
            every: (every_secs > 0).then(|| Duration::from_secs(every_secs)),
        })
    }
}

/// Sends pending conversions (live, then test) every `every` until `stop` turns true.
async fn capi_schedule<S: Store, C: ConversionsApi>(
    store: S,
    api: C,
    config: CapiConfig,
    every: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        for mode in [Mode::Live, Mode::Test] {
            match send_all(&store, &api, &config, mode).await {
                Ok(reports) => {
                    for r in reports.iter().filter(|r| r.requests > 0 || r.expired > 0) {
                        tracing::info!(pixel = %r.pixel_id, mode = mode.as_str(), sent = r.sent, failed = r.failed, expired = r.expired, requests = r.requests, "conversions sent");
                    }
                }
                Err(e) => tracing::error!(error = %e, "conversion send failed"),
            }
        }
    }
}

/// KMS data keys for HubSpot tokens when `DEBRIEF_TOKEN_KMS_KEY_ID` is set, else a local key.
async fn crm_connector() -> Result<CrmConnector, String> {
    let config = HubSpotConfig::from_env();
    if config.kms_key_id.is_some() {
        CrmConnector::with_kms_if_set(config, &debrief::adapters::aws::load_config().await)
    } else {
        CrmConnector::new(config)
    }
}

/// Serves the API and runs the workers until `shutdown` resolves.
pub async fn host<S, Q, M, A>(
    pipeline: Arc<Pipeline<S, Q, M, A>>,
    capi: CapiHost,
    listener: tokio::net::TcpListener,
    concurrency: usize,
    lease: Duration,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), String>
where
    S: Store + Clone,
    Q: Queue + Clone,
    M: Mailer + Clone,
    A: Analyser + 'static,
{
    let store = pipeline.repo.store().clone();
    let intake = Arc::new(CapiIntake {
        repo: Repo::new(store.clone()),
        config: capi.config.clone(),
    });
    // One connector (one HTTP client, one key cache) for the routes and the worker.
    let connector = Arc::new(crm_connector().await?);
    let hubspot = Arc::new(HubSpotService { repo: Repo::new(store.clone()), connector: connector.clone() });
    // Lead scoring: its routes and (the lead-score function's stand-in) its queue's consumer.
    let leads_jobs = Arc::new(LeadJobs {
        scorer: LeadScorer::new(store.clone(), LeadModel::from_env(), pipeline.mailer.clone(), LeadsConfig::from_env()?),
        connector: connector.clone(),
    });
    let leads_service = pipeline.leads_queue.clone().map(|q| {
        Arc::new(LeadsService {
            repo: Repo::new(store.clone()),
            jobs: leads_jobs.clone(),
            queue: q,
            client_secret: connector.config.client_secret.clone(),
            public_url: std::env::var("DEBRIEF_PUBLIC_URL").ok().filter(|v| !v.is_empty()),
        })
    });
    let health = Arc::new(HealthService { repo: Repo::new(store.clone()), connector: connector.clone(), queues: pipeline.named_queues() });
    let mut more = debrief::http::health_router(health);
    let health_config = debrief::health::HealthConfig::from_env()?;
    // Client health: its routes and (the health-events function's stand-in) its queue's consumer.
    if let Some(q) = pipeline.health_queue.clone() {
        more = more.merge(debrief::http::client_health_router(Arc::new(debrief::http::client_health::ClientHealthService::new(store.clone(), health_config.clone(), q))));
    }
    if let Some(leads) = leads_service {
        more = more.merge(debrief::http::leads_router(leads));
    }
    let app = debrief::http::all_routes(pipeline.clone(), intake, hubspot, more);
    let (tx, rx) = tokio::sync::watch::channel(false);
    let mut worker_rx = rx.clone();
    // The crm-sync function's stand-in: the pipeline's crm queue, drained into HubSpot.
    let crm = {
        let (p, store, connector, stop) = (pipeline.clone(), store.clone(), connector.clone(), rx.clone());
        tokio::spawn(async move {
            if let Some(q) = p.crm_queue.as_ref() {
                debrief::hubspot::worker::run(store, q, &connector, lease, stop).await;
            }
        })
    };
    let leads = {
        let (p, jobs, stop) = (pipeline.clone(), leads_jobs.clone(), rx.clone());
        tokio::spawn(async move {
            if let Some(q) = p.leads_queue.as_ref() {
                debrief::lambda_sqs::consume_locally(q, lease, stop, |body| {
                    let jobs = jobs.clone();
                    async move { jobs.handle_message(q, &body).await }
                })
                .await;
            }
        })
    };
    let health_events = {
        let (p, stop, config) = (pipeline.clone(), rx.clone(), health_config.clone());
        let records = debrief::health::records::HealthRecords::new(Repo::new(store.clone()));
        tokio::spawn(async move {
            if let Some(q) = p.health_queue.as_ref() {
                debrief::lambda_sqs::consume_locally(q, lease, stop, |body| {
                    let (records, config) = (&records, &config);
                    async move { debrief::health::events::apply_batch(records, config, q, vec![(String::new(), body)]).await.is_empty() }
                })
                .await;
            }
        })
    };
    // The notify-due function's stand-in: deferred coach emails, swept every
    // `DEBRIEF_NOTIFY_SWEEP_SECS` (default 60); and the client-health schedule's: the day's
    // recompute after `DEBRIEF_HEALTH_RECOMPUTE_AT` (HH:MM in the health zone, default 05:00)
    // and the coaches' digests at their preferred times.
    let recompute_at = debrief::health::records::recompute_at_from_env()?;
    let due = {
        let (p, mut stop) = (pipeline.clone(), rx.clone());
        let records = debrief::health::records::HealthRecords::new(Repo::new(store.clone()));
        let mut health_done = None;
        // The clients from HubSpot (`DEBRIEF_HEALTH_HUBSPOT_PULL=1`): a full pull the first
        // hour of a day, then the changed contacts hourly.
        let pull = (std::env::var("DEBRIEF_HEALTH_HUBSPOT_PULL").is_ok_and(|v| v == "1")).then(debrief::hubspot::health::HealthProperties::from_env).transpose()?;
        let (pull_connector, pull_store) = (connector.clone(), store.clone());
        let mut last_pull: Option<i64> = None;
        let every = std::env::var("DEBRIEF_NOTIFY_SWEEP_SECS").ok().and_then(|v| v.parse().ok()).unwrap_or(60u64).max(1);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(every));
            loop {
                tokio::select! {
                    _ = tick.tick() => {
                        if let Err(e) = p.send_due_notifications(debrief::clock::unix_secs()).await {
                            tracing::warn!(error = %e, "deferred coach emails: sweep failed");
                        }
                        let now = debrief::clock::unix_secs();
                        if let Some(props) = &pull
                            && last_pull.is_none_or(|t| now - t >= 3600)
                        {
                            last_pull = Some(now);
                            let today = debrief::health::Day::today(&health_config.tz);
                            match pull_connector.connect(&pull_store).await {
                                Ok((_, api)) => match debrief::hubspot::health::sync_clients(&records, &api, props, today, now * 1000).await {
                                    Ok(r) => tracing::info!(full = r.full, clients = r.clients, new = r.new_clients, calls = r.calls, "client health: pulled from HubSpot"),
                                    Err(e) => tracing::warn!(error = %e, "client health: HubSpot pull failed; the next hour retries"),
                                },
                                Err(e) => tracing::warn!(error = %e, "client health: HubSpot not connected"),
                            }
                        }
                        match records.on_schedule(&p.mailer, &health_config, now, recompute_at, &mut health_done, &p.config.sender_email, p.config.links_base.as_deref()).await {
                            Ok((Some(report), sent)) => {
                                tracing::info!(scored = report.scored, skipped = report.skipped, interventions = report.interventions, digests = sent, "client health: the day's recompute");
                                // The changed scores to HubSpot, through crm-sync.
                                let day = report.day.map(|d| d.to_string()).unwrap_or_default();
                                if let Err(e) = p.notify_crm(&debrief::hubspot::sync::CrmMessage::HealthChanged { day }).await {
                                    tracing::warn!(error = %e, "client health: HubSpot write not queued; the next day's run writes the changes");
                                }
                            }
                            Ok((None, sent)) if sent > 0 => tracing::info!(digests = sent, "client health: digests sent"),
                            Ok(_) => {}
                            Err(e) => tracing::warn!(error = %e, "client health: scheduled run failed; the next tick retries"),
                        }
                    }
                    _ = stop.changed() => {
                        if *stop.borrow() {
                            break;
                        }
                    }
                }
            }
        })
    };
    let worker = tokio::spawn(run_worker(pipeline, concurrency, lease, async move {
        let _ = worker_rx.wait_for(|stop| *stop).await;
    }));
    let sender = capi.every.map(|every| {
        let api = conversions_from_env(store.clone(), &capi.config);
        tokio::spawn(capi_schedule(store, api, capi.config, every, rx.clone()))
    });
    tokio::spawn(async move {
        shutdown.await;
        let _ = tx.send(true);
    });
    let mut server_rx = rx;
    debrief::http::serve::serve(listener, app, async move {
        let _ = server_rx.wait_for(|stop| *stop).await;
    })
    .await
    .map_err(|e| e.to_string())?;
    let _ = worker.await;
    let _ = crm.await;
    let _ = leads.await;
    let _ = health_events.await;
    let _ = due.await;
    if let Some(sender) = sender {
        let _ = sender.await;
    }
    Ok(())
}

pub async fn run(args: Args) -> Result<(), String> {
    let mut config = PipelineConfig::from_env();
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .map_err(|e| format!("{}: {e}", args.addr))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    // Review links in the coach's email point here unless a public URL is configured.
    config.links_base.get_or_insert_with(|| format!("http://{addr}"));
    let lease = Duration::from_secs(args.lease_secs.max(1));
    let capi = CapiHost::from_env(args.capi_every)?;
    if args.aws {
        let pipeline = Arc::new(debrief::runtime::aws_pipeline(config, true).await?);
        println!("listening on http://{addr} (AWS adapters)");
        host(pipeline, capi, listener, args.concurrency, lease, shutdown_signal()).await
    } else {
        let paths = paths(args.data_dir.as_ref());
        let pipeline = Arc::new(debrief::runtime::embedded_pipeline(&paths, config)?);
        println!("listening on http://{addr} (data in {}, outbox {})", paths.db.display(), paths.outbox.display());
        host(pipeline, capi, listener, args.concurrency, lease, shutdown_signal()).await
    }
}
