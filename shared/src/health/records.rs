//! Client health in the store, and the recompute.
//!
//! | entity | pk | sk |
//! | --- | --- | --- |
//! | ClientRecord (facts, 120 days of activity and daily results) | `HEALTH` | `CLIENT#{clientId}` |
//! | Intervention | `HEALTHIV#{coachId or -}` | `IV#{interventionId}` |
//!
//! A day's recompute of a client writes its intervention first (created only if absent: the id
//! is derived from the client, the day and the trigger), then the client with the day's result
//! (a versioned update). A run that dies half-way is simply run again: clients that already
//! have the day's result are skipped, and an intervention written before the crash is not
//! written twice. A client's queued events are applied and the client rescored in one versioned
//! update ([`super::events`]); each event's id is kept in the client's activity, so a
//! redelivery changes nothing.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::interventions::{Intervention, intervention_for};
use super::model::{ClientRecord, Day, HealthConfig, HealthEvent};
use super::score::{HealthScore, Zone, score_client};
use crate::ports::store::{Item, Key, Store, StoreError};
use crate::repo::{Repo, RepoError};

const CLIENTS: &str = "HEALTH";

/// Clients rescored and written together by the day's recompute.
pub const RECOMPUTE_BATCH: usize = 500;

fn client_key(id: &str) -> Key {
    Key::new(CLIENTS, format!("CLIENT#{id}"))
}

fn intervention_key(coach_id: Option<&str>, id: &str) -> Key {
    Key::new(format!("HEALTHIV#{}", coach_id.unwrap_or("-")), format!("IV#{id}"))
}

fn corrupt(item: &Item, e: serde_json::Error) -> RepoError {
    RepoError::Corrupt(format!("{}/{}", item.key.pk, item.key.sk), e.to_string())
}

/// `DEBRIEF_HEALTH_RECOMPUTE_AT`: when the day's recompute runs, HH:MM in the health zone
/// (default 05:00).
pub fn recompute_at_from_env() -> Result<(i8, i8), String> {
    let v = std::env::var("DEBRIEF_HEALTH_RECOMPUTE_AT").unwrap_or_else(|_| "05:00".into());
    crate::domain::parse_hh_mm(&v).ok_or(format!("DEBRIEF_HEALTH_RECOMPUTE_AT: `{v}` is not a time of day as HH:MM"))
}

/// The pure step of a day's recompute: scores `c` on `day` against its last result before
/// that day, records the result on `c`, and returns it with the intervention it calls for.
pub fn rescore(c: &mut ClientRecord, day: Day, config: &HealthConfig, coach_name: &str) -> (HealthScore, Option<Intervention>) {
    let score = score_client(c, day, config);
    let iv = intervention_for(c, &score, coach_name);
    c.record(score.point());
    if let Some(iv) = &iv
        && !c.interventions.iter().any(|m| m.id == iv.id)
    {
        c.interventions.push(super::model::InterventionMark { id: iv.id.clone(), on: day, urgency: iv.urgency });
    }
    (score, iv)
}

pub async fn get_client<S: Store>(repo: &Repo<S>, client_id: &str) -> Result<Option<(ClientRecord, u64)>, RepoError> {
    let Some(item) = repo.store().get(&client_key(client_id)).await? else { return Ok(None) };
    let c = serde_json::from_str(&item.body).map_err(|e| corrupt(&item, e))?;
    Ok(Some((c, item.version)))
}

fn client_item(c: &ClientRecord) -> Item {
    Item::new(client_key(&c.client_id), serde_json::to_string(c).expect("records serialise"))
}

/// Creates or replaces `c` (`expected` is the version read, `None` for a new client).
async fn save_client<S: Store>(repo: &Repo<S>, c: &ClientRecord, expected: Option<u64>) -> Result<(), StoreError> {
    let item = client_item(c);
    match expected {
        Some(v) => repo.store().update(&item, v).await.map(|_| ()),
        None => repo.store().put_new(&item).await,
    }
}

/// Every client, a page at a time.
pub async fn all_clients<S: Store>(repo: &Repo<S>) -> Result<Vec<(ClientRecord, u64)>, RepoError> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = repo.store().query(CLIENTS, "CLIENT#", 500, cursor.as_deref()).await?;
        for item in &page.items {
            out.push((serde_json::from_str(&item.body).map_err(|e| corrupt(item, e))?, item.version));
        }
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(out),
        }
    }
}

/// Records what was written to the client's HubSpot contact (and the contact's id), read
/// again on a conflict; a client gone meanwhile is left alone.
pub async fn mark_written<S: Store>(repo: &Repo<S>, client_id: &str, written: &str, contact_id: &str) -> Result<(), RepoError> {
    loop {
        let Some((mut c, version)) = get_client(repo, client_id).await? else { return Ok(()) };
        c.crm_written = Some(written.to_string());
        c.hubspot_contact_id = Some(contact_id.to_string());
        match save_client(repo, &c, Some(version)).await {
            Ok(()) => return Ok(()),
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// The coaches of `clients`, each once (`-` for clients without one).
fn coaches_of(clients: &[(ClientRecord, u64)]) -> std::collections::BTreeSet<String> {
    clients.iter().map(|(c, _)| c.coach_id.clone().unwrap_or_else(|| "-".into())).collect()
}

/// What a run needs of a coach.
#[derive(Debug, Clone, Default)]
struct CoachBits {
    name: String,
    chat_gpt_url: Option<String>,
}

type Coaches = HashMap<String, CoachBits>;

pub struct HealthRecords<S> {
    repo: Repo<S>,
}

#[derive(Debug, Default, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecomputeReport {
    pub day: Option<Day>,
    pub scored: usize,
    /// Already scored for the day (a rerun after a crash).
    pub skipped: usize,
    pub interventions: usize,
}

/// The zone distribution, average and money at risk (`GET /v1/health/summary`).
#[derive(Debug, Default, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthSummary {
    pub clients: usize,
    pub zones: BTreeMap<String, usize>,
    pub average: Option<f64>,
    /// The average 7 days earlier, over the clients scored then.
    pub average_week_ago: Option<f64>,
    /// Package value × churn risk, by zone, in `currency`.
    pub revenue_at_risk: BTreeMap<String, f64>,
    pub currency: String,
    /// What interventions were followed by, by type and by coach.
    pub outcomes_by_kind: BTreeMap<String, Outcomes>,
    pub outcomes_by_coach: BTreeMap<String, Outcomes>,
}

/// The mean health change 7 and 30 days after interventions (over those old enough to tell).
#[derive(Debug, Default, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcomes {
    pub interventions: usize,
    pub after7: Option<f64>,
    pub after30: Option<f64>,
    #[serde(skip)]
    sums: (i64, usize, i64, usize),
}

impl Outcomes {
    fn add(&mut self, (after7, after30): (Option<i16>, Option<i16>)) {
        self.interventions += 1;
        if let Some(v) = after7 {
            self.sums.0 += i64::from(v);
            self.sums.1 += 1;
        }
        if let Some(v) = after30 {
            self.sums.2 += i64::from(v);
            self.sums.3 += 1;
        }
        let mean = |sum: i64, n: usize| (n > 0).then(|| (sum as f64 / n as f64 * 10.0).round() / 10.0);
        (self.after7, self.after30) = (mean(self.sums.0, self.sums.1), mean(self.sums.2, self.sums.3));
    }
}

impl<S: Store> HealthRecords<S> {
    pub fn new(repo: Repo<S>) -> Self {
        Self { repo }
    }

    pub fn repo(&self) -> &Repo<S> {
        &self.repo
    }

    pub async fn get(&self, client_id: &str) -> Result<Option<(ClientRecord, u64)>, RepoError> {
        get_client(&self.repo, client_id).await
    }

    async fn save(&self, c: &ClientRecord, expected: Option<u64>) -> Result<(), StoreError> {
        save_client(&self.repo, c, expected).await
    }

    /// Every client, a page at a time.
    pub async fn all(&self) -> Result<Vec<(ClientRecord, u64)>, RepoError> {
        all_clients(&self.repo).await
    }

    /// Adds or updates clients' facts (an import or a CRM pull), keeping their activity and
    /// history. Returns how many were new.
    pub async fn upsert_facts(&self, clients: &[ClientRecord]) -> Result<usize, RepoError> {
        let mut created = 0;
        for fresh in clients {
            loop {
                let (merged, version) = match self.get(&fresh.client_id).await? {
                    // The facts are the source's; what Debrief learned (activity, results,
                    // interventions, what HubSpot holds) stays.
                    Some((old, v)) => (
                        ClientRecord {
                            last_session: fresh.last_session.max(old.last_session),
                            hubspot_contact_id: fresh.hubspot_contact_id.clone().or(old.hubspot_contact_id),
                            activity: old.activity,
                            history: old.history,
                            interventions: old.interventions,
                            crm_written: old.crm_written,
                            ..fresh.clone()
                        },
                        Some(v),
                    ),
                    None => (fresh.clone(), None),
                };
                match self.save(&merged, version).await {
                    Ok(()) => {
                        created += usize::from(version.is_none());
                        break;
                    }
                    Err(StoreError::Conflict | StoreError::AlreadyExists) => continue,
                    Err(e) => return Err(e.into()),
                }
            }
        }
        Ok(created)
    }

    /// The coach's name and ChatGPT link (what drafts and their reviews carry), read once per
    /// coach per run.
    async fn coach(&self, coach_id: Option<&str>, cache: &mut Coaches) -> Result<CoachBits, RepoError> {
        let Some(id) = coach_id else { return Ok(CoachBits::default()) };
        if let Some(bits) = cache.get(id) {
            return Ok(bits.clone());
        }
        let bits = self.repo.get_coach(id).await?.map(|c| CoachBits { name: c.coach_name, chat_gpt_url: c.chat_gpt_url }).unwrap_or_default();
        cache.insert(id.to_string(), bits.clone());
        Ok(bits)
    }

    /// Stores an intervention and, for a client with a coach, its draft as a review (the
    /// participant, then the session, then the intervention: each created only if absent, so a
    /// rerun after a crash at any point finishes the set). `true` when the intervention is new.
    async fn put_intervention(&self, iv: &Intervention, coach: &CoachBits) -> Result<bool, RepoError> {
        if let Some(coach_id) = iv.coach_id.as_deref() {
            let (session, participant) = super::review::draft_session(iv, coach_id, coach.chat_gpt_url.clone());
            if self.repo.get_participant(&iv.id, super::review::CLIENT_ID).await?.is_none() {
                self.repo.put_participants(std::slice::from_ref(&participant)).await?;
            }
            crate::faults::crash_point("health:draft-stored");
            match self.repo.create_session(&session, 0).await {
                Ok(()) | Err(RepoError::Store(StoreError::Conflict | StoreError::AlreadyExists)) => {}
                Err(e) => return Err(e),
            }
        }
        let item = Item::new(intervention_key(iv.coach_id.as_deref(), &iv.id), serde_json::to_string(iv).expect("records serialise"));
        let created = match self.repo.store().put_new(&item).await {
            Ok(()) => true,
            Err(StoreError::AlreadyExists) => false,
            Err(e) => return Err(e.into()),
        };
        crate::faults::crash_point("health:intervention-stored");
        Ok(created)
    }

    /// Rescores `c` for `day` (not yet saved) and stores the intervention it calls for, with
    /// its draft: whether the intervention is new.
    async fn rescore_stored(&self, c: &mut ClientRecord, day: Day, config: &HealthConfig, coaches: &mut Coaches) -> Result<bool, RepoError> {
        let coach = self.coach(c.coach_id.as_deref(), coaches).await?;
        match rescore(c, day, config, &coach.name).1 {
            Some(iv) => self.put_intervention(&iv, &coach).await,
            None => Ok(false),
        }
    }

    /// Applies one client's events and rescores the client once, in one versioned write (a
    /// client not seen before is created from the first event). Each event comes with its day
    /// ([`HealthEvent::check`]); an event whose id the client's activity already holds changes
    /// nothing (and costs no write). Returns how many events were new.
    pub async fn apply_events(&self, events: &[(HealthEvent, Day)], config: &HealthConfig) -> Result<usize, RepoError> {
        let Some((first, _)) = events.first() else { return Ok(0) };
        debug_assert!(events.iter().all(|(e, _)| e.client_id == first.client_id), "one client's events");
        let mut coaches = HashMap::new();
        loop {
            let (mut c, version) = match self.get(&first.client_id).await? {
                Some((c, v)) => (c, Some(v)),
                None => (
                    ClientRecord { client_id: first.client_id.clone(), name: first.client_name.clone().unwrap_or_else(|| first.client_id.clone()), coach_id: first.coach_id.clone(), ..Default::default() },
                    None,
                ),
            };
            let fresh = events.iter().filter(|(e, day)| c.apply(e, *day)).count();
            if fresh == 0 {
                return Ok(0);
            }
            let on = c.score_day(events.iter().fold(events[0].1, |m, (_, d)| m.max(*d)));
            self.rescore_stored(&mut c, on, config, &mut coaches).await?;
            match self.save(&c, version).await {
                Ok(()) => return Ok(fresh),
                Err(StoreError::Conflict | StoreError::AlreadyExists) => continue,
                Err(err) => return Err(err.into()),
            }
        }
    }

    /// The day's recompute of every client (the schedule's job); safe to run again.
    ///
    /// Clients go [`RECOMPUTE_BATCH`] at a time: each is rescored and its intervention (if
    /// any) stored, then the batch's results are written in one [`Store::update_all`]. A
    /// client an event changed meanwhile (a version conflict) is read again and redone alone.
    pub async fn recompute_all(&self, day: Day, config: &HealthConfig) -> Result<RecomputeReport, RepoError> {
        let mut report = RecomputeReport { day: Some(day), ..Default::default() };
        let mut coaches = HashMap::new();
        let mut clients = self.all().await?;
        for batch in clients.chunks_mut(RECOMPUTE_BATCH) {
            let mut pending = Vec::with_capacity(batch.len());
            for (c, version) in batch.iter_mut() {
                if c.result_on(day).is_some() {
                    report.skipped += 1;
                    continue;
                }
                let created = self.rescore_stored(c, day, config, &mut coaches).await?;
                pending.push((&*c, *version, created));
            }
            let items: Vec<(Item, u64)> = pending.iter().map(|(c, v, _)| (client_item(c), *v)).collect();
            let outcomes = self.repo.store().update_all(&items).await?;
            crate::faults::crash_point("health:client-scored");
            for ((c, _, created), outcome) in pending.into_iter().zip(outcomes) {
                match outcome {
                    Ok(_) => {
                        report.scored += 1;
                        report.interventions += usize::from(created);
                    }
                    // An event landed meanwhile: read again and redo (the intervention's id is
                    // the same, so it is not written twice).
                    Err(StoreError::Conflict) => match self.recompute_one(&c.client_id, day, config, &mut coaches).await? {
                        Some(again) => {
                            report.scored += 1;
                            report.interventions += usize::from(created || again);
                        }
                        None => report.skipped += 1,
                    },
                    // Deleted meanwhile.
                    Err(StoreError::NotFound) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        Ok(report)
    }

    /// One client's recompute for `day`, read fresh: `None` when it is gone or already has the
    /// day's result, else whether an intervention was created.
    async fn recompute_one(&self, client_id: &str, day: Day, config: &HealthConfig, coaches: &mut Coaches) -> Result<Option<bool>, RepoError> {
        loop {
            let Some((mut c, version)) = self.get(client_id).await? else { return Ok(None) };
            if c.result_on(day).is_some() {
                return Ok(None);
            }
            let created = self.rescore_stored(&mut c, day, config, coaches).await?;
            match self.save(&c, Some(version)).await {
                Ok(()) => return Ok(Some(created)),
                Err(StoreError::Conflict) => continue,
                Err(StoreError::NotFound) => return Ok(None),
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// One tick of the schedule at `now` (Unix seconds): the day's recompute once the zone's
    /// clock passes `recompute_at` (HH:MM; `done` remembers the last day recomputed, and a
    /// rerun of a day skips the clients already scored), then the digests that are due.
    pub async fn on_schedule<M: crate::ports::Mailer>(&self, mailer: &M, config: &HealthConfig, now: i64, recompute_at: (i8, i8), done: &mut Option<Day>, sender: &str, links_base: Option<&str>) -> Result<(Option<RecomputeReport>, usize), RepoError> {
        let Ok(t) = jiff::Timestamp::from_second(now) else { return Ok((None, 0)) };
        let local = t.to_zoned(config.tz.clone());
        let today = Day::at(t, &config.tz);
        let mut report = None;
        if (local.hour(), local.minute()) >= recompute_at && *done != Some(today) {
            report = Some(self.recompute_all(today, config).await?);
            *done = Some(today);
        }
        // Digests only once the day is scored.
        let sent = if *done == Some(today) { self.send_digests(mailer, config, today, now, sender, links_base).await? } else { 0 };
        Ok((report, sent))
    }

    /// Sends each coach whose preferred time has come their digest for `today`, once (a send
    /// record per coach and day); returns how many were sent.
    pub async fn send_digests<M: crate::ports::Mailer>(&self, mailer: &M, config: &HealthConfig, today: Day, now: i64, sender: &str, links_base: Option<&str>) -> Result<usize, RepoError> {
        use crate::repo::SendTurn;
        use crate::review::links::{LinkClaims, secret, sign, ttl_secs};
        let clients = self.all().await?;
        let mut by_coach: BTreeMap<&str, Vec<&ClientRecord>> = BTreeMap::new();
        for (c, _) in &clients {
            if let Some(coach) = c.coach_id.as_deref() {
                by_coach.entry(coach).or_default().push(c);
            }
        }
        let key = secret(self.repo.store()).await?;
        let expires_at = now.saturating_add(ttl_secs());
        let mut sent = 0;
        for (coach_id, mine) in by_coach {
            let Some(coach) = self.repo.get_coach(coach_id).await? else { continue };
            if !super::digest::is_due(&coach, now, &config.tz) {
                continue;
            }
            let queue = self.interventions(Some(coach_id)).await?;
            let link = |iv: &Intervention| links_base.map(|base| format!("{base}/review/{}", sign(&key, &LinkClaims { session_id: iv.id.clone(), participant_id: Some(super::review::CLIENT_ID.into()), expires_at })));
            let Some(email) = super::digest::digest_email(&coach, &mine, &queue, today, sender, &link) else { continue };
            let SendTurn::Go(lease) = self.repo.begin_send("health-digest", &format!("{coach_id}#{today}"), std::time::Duration::from_secs(300)).await? else { continue };
            match mailer.send(&email).await {
                Ok(_) => {
                    self.repo.send_done(&lease).await?;
                    sent += 1;
                }
                Err(e) => {
                    tracing::warn!(coach_id = %coach_id, error = %e, "health digest not sent; the next run retries");
                    self.repo.send_failed(&lease).await?;
                }
            }
        }
        Ok(sent)
    }

    /// One coach's interventions (all coaches' with `None`), most urgent first.
    pub async fn interventions(&self, coach_id: Option<&str>) -> Result<Vec<Intervention>, RepoError> {
        match coach_id {
            Some(c) => self.interventions_of(std::iter::once(c.to_string())).await,
            None => self.interventions_of(coaches_of(&self.all().await?)).await,
        }
    }

    /// The interventions of these coaches (`-` for clients without one), most urgent first.
    async fn interventions_of(&self, coaches: impl IntoIterator<Item = String>) -> Result<Vec<Intervention>, RepoError> {
        let mut out = Vec::new();
        for coach in coaches {
            let mut cursor: Option<String> = None;
            loop {
                let page = self.repo.store().query(&format!("HEALTHIV#{coach}"), "IV#", 500, cursor.as_deref()).await?;
                for item in &page.items {
                    out.push(self.with_status(serde_json::from_str(&item.body).map_err(|e| corrupt(item, e))?).await?);
                }
                match page.cursor {
                    Some(c) => cursor = Some(c),
                    None => break,
                }
            }
        }
        out.sort_by(super::interventions::by_priority);
        Ok(out)
    }

    /// An intervention with what its review did: done once the message was sent.
    async fn with_status(&self, mut iv: Intervention) -> Result<Intervention, RepoError> {
        if let Some(p) = self.repo.get_participant(&iv.id, super::review::CLIENT_ID).await? {
            iv.sent_at = p.value.email_sent_at;
            if iv.sent_at.is_some() {
                iv.status = super::interventions::InterventionStatus::Done;
            }
        }
        Ok(iv)
    }

    /// One client's interventions of the last [`super::model::HISTORY_DAYS`] days (those its
    /// record remembers), read by key rather than through its coach's whole queue; most
    /// urgent first.
    pub async fn interventions_of_client(&self, c: &ClientRecord) -> Result<Vec<Intervention>, RepoError> {
        let mut out = Vec::with_capacity(c.interventions.len());
        for mark in &c.interventions {
            if let Some(item) = self.repo.store().get(&intervention_key(c.coach_id.as_deref(), &mark.id)).await? {
                out.push(self.with_status(serde_json::from_str(&item.body).map_err(|e| corrupt(&item, e))?).await?);
            }
        }
        out.sort_by(super::interventions::by_priority);
        Ok(out)
    }

    /// Over one coach's clients, or every client with `None`.
    pub async fn summary(&self, coach_id: Option<&str>, config: &HealthConfig) -> Result<HealthSummary, RepoError> {
        let mut clients = self.all().await?;
        if let Some(coach) = coach_id {
            clients.retain(|(c, _)| c.coach_id.as_deref() == Some(coach));
        }
        let mut s = HealthSummary { currency: config.currency.clone(), ..Default::default() };
        let (mut sum, mut n, mut sum_before, mut n_before) = (0.0, 0usize, 0.0, 0usize);
        for zone in [Zone::Purple, Zone::Green, Zone::Yellow, Zone::Red] {
            s.zones.insert(zone.name().into(), 0);
            s.revenue_at_risk.insert(zone.name().into(), 0.0);
        }
        for (c, _) in &clients {
            s.clients += 1;
            let Some(last) = c.history.last() else { continue };
            *s.zones.entry(last.zone.name().into()).or_default() += 1;
            *s.revenue_at_risk.entry(last.zone.name().into()).or_default() += c.package_value * f64::from(last.churn_risk) / 100.0;
            sum += f64::from(last.total);
            n += 1;
            if let Some(before) = c.history.iter().rev().find(|p| last.day.since(p.day) >= 7) {
                sum_before += f64::from(before.total);
                n_before += 1;
            }
        }
        // Outcomes, over this summary's clients' interventions.
        let by_id: std::collections::HashMap<&str, &ClientRecord> = clients.iter().map(|(c, _)| (c.client_id.as_str(), c)).collect();
        // The coaches of the clients already read: no second read of every client.
        for iv in self.interventions_of(coaches_of(&clients)).await? {
            let Some(c) = by_id.get(iv.client_id.as_str()) else { continue };
            let outcome = super::interventions::outcome(&iv, c);
            s.outcomes_by_kind.entry(iv.kind.label().to_string()).or_default().add(outcome);
            s.outcomes_by_coach.entry(iv.coach_id.clone().unwrap_or_else(|| "-".into())).or_default().add(outcome);
        }
        let round1 = |x: f64| (x * 10.0).round() / 10.0;
        s.average = (n > 0).then(|| round1(sum / n as f64));
        s.average_week_ago = (n_before > 0).then(|| round1(sum_before / n_before as f64));
        for v in s.revenue_at_risk.values_mut() {
            *v = v.round();
        }
        Ok(s)
    }
}
