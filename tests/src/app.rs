//! `spawn_app()`: a `debrief serve` process of its own for each test, on a free port, with its
//! own data folder, a coach and an ingestion key.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use debrief::adapters::embedded::{EmbeddedDb, EmbeddedPaths, EmbeddedStore};
use debrief::domain::CoachProfile;
use debrief::repo::{KeyScope, Repo, generate_api_key};

pub struct TestApp {
    pub base: String,
    pub ingest_key: String,
    pub coach_key: String,
    /// For the Conversions API intake.
    pub capi_key: String,
    /// The operator's (HubSpot connection and bootstrap).
    pub admin_key: String,
    pub coach: CoachProfile,
    pub dir: PathBuf,
    child: Child,
    env: Vec<(String, String)>,
}

/// The `debrief` binary, built by `cargo build` / `cargo nextest run --workspace`.
pub fn debrief_bin() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| crate::root().join("target"));
    let bin = target.join(if cfg!(debug_assertions) { "debug" } else { "release" }).join("debrief");
    assert!(bin.exists(), "{} is missing: run `cargo build --workspace` first", bin.display());
    bin
}

pub fn sample_coach() -> CoachProfile {
    serde_json::from_str(&std::fs::read_to_string(crate::bundled_sample().join("coach.json")).unwrap()).unwrap()
}

pub fn repo(dir: &Path) -> Repo<EmbeddedStore> {
    let paths = EmbeddedPaths::under(dir);
    Repo::new(EmbeddedStore::new(EmbeddedDb::open(paths.db).unwrap()))
}

/// `env` is passed to the server; `LEASE_SECS` and `CONCURRENCY` entries set `--lease-secs`
/// (default 3) and `--concurrency` (default 16).
fn start(dir: &Path, env: &[(String, String)]) -> (Child, String) {
    let lease = env.iter().find(|(k, _)| k == "LEASE_SECS").map_or("3", |(_, v)| v.as_str());
    let concurrency = env.iter().find(|(k, _)| k == "CONCURRENCY").map_or("16", |(_, v)| v.as_str());
    let aws = env.iter().any(|(k, _)| k == "AWS_ENDPOINT_URL");
    let env: Vec<&(String, String)> = env.iter().filter(|(k, _)| k != "LEASE_SECS" && k != "CONCURRENCY").collect();
    let mut child = Command::new(debrief_bin())
        .args(["serve", "--addr", "127.0.0.1:0", "--lease-secs", lease, "--concurrency", concurrency])
        .args(if aws { vec!["--aws"] } else { vec![] })
        .arg("--data-dir")
        .arg(dir)
        .env_remove("DEBRIEF_LLM_MODEL")
        .env_remove("OPENAI_MODEL")
        .env("DEBRIEF_LOG", "warn")
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("debrief serve starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line.split_whitespace().nth(2).expect("listening line").to_string();
    (child, addr)
}

pub async fn spawn_app_with(env: &[(&str, &str)]) -> TestApp {
    let env: Vec<(String, String)> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    spawn_app_env(env).await
}

pub async fn spawn_app_env(env: Vec<(String, String)>) -> TestApp {
    let dir = std::env::temp_dir().join(format!("debrief-e2e-{:016x}", fastrand::u64(..)));
    std::fs::create_dir_all(&dir).unwrap();
    let coach = sample_coach();
    let repo = repo(&dir);
    repo.put_coach(&coach).await.unwrap();
    let ingest_key = generate_api_key(KeyScope::Ingest);
    repo.add_api_key(&ingest_key, KeyScope::Ingest, None, None).await.unwrap();
    let coach_key = generate_api_key(KeyScope::Coach);
    repo.add_api_key(&coach_key, KeyScope::Coach, Some(&coach.coach_id), None).await.unwrap();
    let capi_key = generate_api_key(KeyScope::Capi);
    repo.add_api_key(&capi_key, KeyScope::Capi, None, None).await.unwrap();
    let admin_key = generate_api_key(KeyScope::Admin);
    repo.add_api_key(&admin_key, KeyScope::Admin, None, None).await.unwrap();
    let (child, base) = start(&dir, &env);
    TestApp { base, ingest_key, coach_key, capi_key, admin_key, coach, dir, child, env }
}

/// A server on the given environment only (the AWS adapters: no embedded seeding).
pub async fn spawn_app_env_only(env: Vec<(String, String)>) -> TestApp {
    let dir = std::env::temp_dir().join(format!("debrief-e2e-{:016x}", fastrand::u64(..)));
    std::fs::create_dir_all(&dir).unwrap();
    let (child, base) = start(&dir, &env);
    TestApp { base, ingest_key: String::new(), coach_key: String::new(), capi_key: String::new(), admin_key: String::new(), coach: sample_coach(), dir, child, env }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

impl TestApp {
    /// The bundled sample workshop as Make.com posts it, for this app's coach.
    pub fn sample_workshop(&self) -> serde_json::Value {
        let dir = crate::bundled_sample();
        serde_json::json!({
            "transcript": std::fs::read_to_string(dir.join("transcript.vtt")).unwrap(),
            "workshopDate": "2026-11-20", "cohortName": "Spring Growth Lab", "coachId": self.coach.coach_id,
            "roster": std::fs::read_to_string(dir.join("roster.csv")).unwrap(),
        })
    }

    /// Waits until session `sid` has notified its coach; panics after `timeout`.
    pub async fn wait_notified(&self, sid: &str, timeout: std::time::Duration) {
        let started = std::time::Instant::now();
        loop {
            let s = self.repo().get_session(sid).await.unwrap().map(|v| v.value);
            if s.as_ref().is_some_and(|s| s.email_notification_sent) {
                return;
            }
            assert!(started.elapsed() < timeout, "session {sid} not completed: {s:?}");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    pub fn outbox(&self) -> PathBuf {
        self.dir.join("outbox")
    }

    pub fn repo(&self) -> Repo<EmbeddedStore> {
        repo(&self.dir)
    }

    /// Kills the server without warning (SIGKILL).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts the server again on the same data.
    pub fn restart(&mut self) {
        self.kill();
        let (child, base) = start(&self.dir, &self.env);
        self.child = child;
        self.base = base;
    }

    /// Starts the server again on the same data, without the environment variable `key`
    /// (a crash point, say).
    pub fn restart_without(&mut self, key: &str) {
        self.env.retain(|(k, _)| k != key);
        self.restart();
    }

    /// Waits up to `timeout` for the server to exit by itself; whether it did.
    pub fn wait_exit(&mut self, timeout: std::time::Duration) -> bool {
        let started = std::time::Instant::now();
        while started.elapsed() < timeout {
            if let Ok(Some(_)) = self.child.try_wait() {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        false
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One MCP `tools/call` as the coach (their key), answered with the tool's result.
pub async fn mcp_tool(app: &TestApp, name: &str, arguments: serde_json::Value) -> serde_json::Value {
    let r = debrief::net::client()
        .post(format!("{}/mcp", app.base))
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-06-18")
        .bearer_auth(&app.coach_key)
        .json(&serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name, "arguments": arguments}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    r.json::<serde_json::Value>().await.unwrap()["result"].clone()
}
