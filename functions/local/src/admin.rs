//! The operator's tools over the same store the server uses.

use std::path::PathBuf;

use debrief::domain::CoachProfile;
use debrief::ports::Store;
use debrief::repo::{KeyScope, Repo, generate_api_key};

#[derive(clap::Args)]
pub struct Target {
    /// Folder of the embedded store (default: DEBRIEF_DATA_DIR or ./data).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// Use the DynamoDB table (DEBRIEF_TABLE) instead of the embedded store.
    #[arg(long, global = true)]
    aws: bool,
}

#[derive(clap::Args)]
pub struct KeysArgs {
    #[command(subcommand)]
    command: KeysCommand,
    #[command(flatten)]
    target: Target,
}

#[derive(clap::Subcommand)]
enum KeysCommand {
    /// Creates a key and prints it once; only its SHA-256 is stored.
    Create {
        /// `ingest` (Make.com), `coach` (one coach's review), `capi` (the Conversions API
        /// intake) or `admin` (the operator: HubSpot connection and bootstrap).
        #[arg(long, default_value = "ingest")]
        scope: String,
        /// The coach the key belongs to (required for coach keys; limits an ingest key).
        #[arg(long)]
        coach: Option<String>,
        #[arg(long)]
        label: Option<String>,
    },
    /// Lists keys (hash prefix, scope, coach, created, revoked).
    List,
    /// Revokes the key whose hash starts with HASH_PREFIX (8 characters or more).
    Revoke { hash_prefix: String },
}

#[derive(clap::Args)]
pub struct CoachesArgs {
    #[command(subcommand)]
    command: CoachesCommand,
    #[command(flatten)]
    target: Target,
}

#[derive(clap::Subcommand)]
enum CoachesCommand {
    /// Adds or replaces a coach from a CoachProfile JSON file.
    Add { file: PathBuf },
}

impl Target {
    /// The embedded paths this target names (the outbox, for commands that send email).
    pub fn paths(&self) -> debrief::adapters::embedded::EmbeddedPaths {
        crate::serve::paths(self.data_dir.as_ref())
    }

    pub fn is_aws(&self) -> bool {
        self.aws
    }
}

pub async fn with_repo<F, Fut>(target: &Target, f: F) -> Result<(), String>
where
    F: FnOnce(RepoAny) -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    if target.aws {
        let sdk = debrief::adapters::aws::load_config().await;
        let table = std::env::var("DEBRIEF_TABLE").unwrap_or_else(|_| "debrief-local".into());
        let store = debrief::adapters::aws::DynamoStore::from_config(&sdk, table);
        store.ensure_table().await.map_err(|e| e.to_string())?;
        f(RepoAny::Aws(Repo::new(store))).await
    } else {
        let paths = crate::serve::paths(target.data_dir.as_ref());
        let db = debrief::adapters::embedded::EmbeddedDb::open(&paths.db)
            .map_err(|e| format!("{}: {e}", paths.db.display()))?;
        f(RepoAny::Embedded(Repo::new(
            debrief::adapters::embedded::EmbeddedStore::new(db),
        )))
        .await
    }
}

pub enum RepoAny {
    Embedded(Repo<debrief::adapters::embedded::EmbeddedStore>),
    Aws(Repo<debrief::adapters::aws::DynamoStore>),
}

pub async fn create_key<S: Store>(
    repo: &Repo<S>,
    scope: KeyScope,
    coach: Option<&str>,
    label: Option<&str>,
) -> Result<String, String> {
    let key = generate_api_key(scope);
    repo.add_api_key(&key, scope, coach, label)
        .await
        .map_err(|e| e.to_string())?;
    Ok(key)
}

async fn keys_on<S: Store>(repo: Repo<S>, command: &KeysCommand) -> Result<(), String> {
    match command {
        KeysCommand::Create {
            scope,
            coach,
            label,
        } => {
            let scope = KeyScope::ALL
                .into_iter()
                .find(|s| s.name() == scope)
                .ok_or_else(|| format!("--scope: `{scope}` is not ingest, coach, capi or admin"))?;
            if scope == KeyScope::Coach && coach.is_none() {
                return Err("--coach is required for a coach key".into());
            }
            if matches!(scope, KeyScope::Capi | KeyScope::Admin) && coach.is_some() {
                return Err(format!("--coach: a {} key is not one coach's", scope.name()));
            }
            let key = create_key(&repo, scope, coach.as_deref(), label.as_deref()).await?;
            println!("{key}");
            eprintln!("Store this key now: Debrief keeps only its hash and cannot show it again.");
        }
        KeysCommand::List => {
            for r in repo.list_api_keys().await.map_err(|e| e.to_string())? {
                println!(
                    "{}  {:<6}  {:<16}  {}  {}",
                    &r.key_hash[..12],
                    r.scope.name(),
                    r.coach_id.as_deref().unwrap_or("-"),
                    r.created_at,
                    if r.revoked { "revoked" } else { "active" }
                );
            }
        }
        KeysCommand::Revoke { hash_prefix } => match repo
            .revoke_api_key(hash_prefix)
            .await
            .map_err(|e| e.to_string())?
        {
            Some(r) => println!("revoked {}", &r.key_hash[..12]),
            None => {
                return Err(format!(
                    "no single key matches `{hash_prefix}` (give 8 or more characters of its hash)"
                ));
            }
        },
    }
    Ok(())
}

pub async fn keys(args: KeysArgs) -> Result<(), String> {
    with_repo(&args.target, |repo| async move {
        match repo {
            RepoAny::Embedded(r) => keys_on(r, &args.command).await,
            RepoAny::Aws(r) => keys_on(r, &args.command).await,
        }
    })
    .await
}

pub fn read_coach(file: &PathBuf) -> Result<CoachProfile, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let coach: CoachProfile = serde_json::from_str(&text).map_err(|e| format!("{}: not a CoachProfile: {e}", file.display()))?;
    coach.notification_preferences.validate().map_err(|(field, why)| format!("{}: `{field}`: {why}", file.display()))?;
    Ok(coach)
}

pub async fn coaches(args: CoachesArgs) -> Result<(), String> {
    let CoachesCommand::Add { file } = &args.command;
    let coach = read_coach(file)?;
    with_repo(&args.target, |repo| async move {
        match repo {
            RepoAny::Embedded(r) => r.put_coach(&coach).await,
            RepoAny::Aws(r) => r.put_coach(&coach).await,
        }
        .map_err(|e| e.to_string())?;
        println!("coach {} saved", coach.coach_id);
        Ok(())
    })
    .await
}

/// Prints the bodies of the last `last` items of a partition, oldest first (the dry runs' logs).
pub async fn print_last<S: Store>(store: &S, partition: &str, last: usize) -> Result<(), String> {
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let page = store.query(partition, "", 500, cursor.as_deref()).await.map_err(|e| e.to_string())?;
        all.extend(page.items);
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    for item in all.iter().rev().take(last).rev() {
        println!("{}", item.body);
    }
    Ok(())
}
