//! Generated client histories with known trajectories, to test the scores and to measure the
//! churn model against (it is never fitted to them: its coefficients are fixed in
//! [`super::score`]). Seeded, so a run is repeatable.
//!
//! - **steady**: sessions at about the sold pace, answers most messages, pays monthly;
//! - **declining**: from a day in the run, sessions and answers fade to a trickle; may miss a
//!   payment; does not leave within the run;
//! - **recovered**: a three-week lapse, then back to steady;
//! - **churned**: fades over two weeks, then lapses (no sessions, no answers, the next payment
//!   fails) and leaves — cancels — four weeks after the lapse began ([`LEAVES_AFTER`]): the
//!   lapse before a cancellation is what a health score can see.

use super::model::{ActivityKind, ClientRecord, Day, HealthEvent};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Trajectory {
    Steady,
    Declining,
    Recovered,
    Churned,
}

#[derive(Debug, Clone)]
pub struct Simulated {
    /// Facts as the CRM would give them (no activity yet).
    pub client: ClientRecord,
    pub trajectory: Trajectory,
    /// The day a churned client left (cancelled).
    pub churns_on: Option<Day>,
    /// Every event of the run, in day order.
    pub events: Vec<(Day, HealthEvent)>,
}

/// Days from a churned client's lapse to their cancellation.
pub const LEAVES_AFTER: i32 = 28;

/// xorshift64*: small, seeded, good enough for generating test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// `n` clients over `days` days from `start`, trajectories in turn (steady, declining,
/// recovered, churned), each with its own dates drawn from `seed`.
pub fn generate(n: usize, seed: u64, start: Day, days: i32) -> Vec<Simulated> {
    let mut rng = Rng(seed.max(1));
    let trajectories = [Trajectory::Steady, Trajectory::Declining, Trajectory::Recovered, Trajectory::Churned];
    (0..n)
        .map(|i| {
            let trajectory = trajectories[i % 4];
            let pace = 1.5 + rng.unit(); // sessions a week
            let package_sessions = 24;
            let package_value = [1800.0, 2400.0, 3600.0, 6000.0][rng.below(4) as usize];
            let turn = start.plus(20 + rng.below((days - 40).max(1) as u64) as i32);
            let churns_on = (trajectory == Trajectory::Churned).then_some(turn.plus(LEAVES_AFTER));
            let client = ClientRecord {
                client_id: format!("sim-{i:05}"),
                name: format!("Client {i}"),
                coach_id: Some(format!("coach-{}", i % 7)),
                package_value,
                package_sessions: Some(package_sessions),
                sessions_remaining: Some(package_sessions),
                renewal_date: Some(start.plus(days + 30)),
                ..Default::default()
            };
            let mut events = Vec::new();
            let mut k = 0;
            let mut event = |day: Day, kind: ActivityKind, amount: Option<f64>, events: &mut Vec<(Day, HealthEvent)>| {
                k += 1;
                events.push((day, HealthEvent { event_id: format!("sim-{i}-{k}"), client_id: client.client_id.clone(), kind, occurred_at: day.to_string(), amount, client_name: None, coach_id: None }));
            };
            for d in 0..days {
                let day = start.plus(d);
                // How present the client is on this day, 0–1.
                let presence = match trajectory {
                    Trajectory::Steady => 1.0,
                    Trajectory::Declining if day < turn => 1.0,
                    Trajectory::Declining => (1.0 - f64::from(day.since(turn)) / 30.0).max(0.08),
                    Trajectory::Recovered if day >= turn && day.since(turn) < 21 => 0.1,
                    Trajectory::Recovered => 1.0,
                    Trajectory::Churned if day >= turn => 0.0,
                    Trajectory::Churned if turn.since(day) > 14 => 1.0,
                    Trajectory::Churned => (f64::from(turn.since(day)) / 14.0).min(1.0),
                };
                if rng.unit() < pace / 7.0 * 0.95 * presence {
                    event(day, ActivityKind::SessionAttended, None, &mut events);
                } else if presence < 1.0 && presence > 0.0 && rng.unit() < 0.03 {
                    event(day, ActivityKind::SessionNoShow, None, &mut events);
                }
                if d % 7 == (i % 7) as i32 {
                    event(day, ActivityKind::MessageSent, None, &mut events);
                    if rng.unit() < 0.9 * presence {
                        event(day.plus(rng.below(2) as i32), ActivityKind::MessageAnswered, None, &mut events);
                    }
                }
                if d % 30 == (i % 30) as i32 {
                    let fails = match trajectory {
                        Trajectory::Churned => day >= turn,
                        Trajectory::Declining => day >= turn && rng.unit() < 0.5,
                        _ => rng.unit() < 0.03,
                    };
                    let kind = if fails { ActivityKind::PaymentFailed } else { ActivityKind::PaymentMade };
                    event(day, kind, Some(package_value / 3.0), &mut events);
                }
            }
            events.sort_by_key(|(d, _)| *d);
            Simulated { client, trajectory, churns_on, events }
        })
        .collect()
}

/// Days of a run that only build history (no interventions are counted).
pub const WARM_UP: i32 = 30;

/// What a run of the daily recompute over generated histories gives.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChurnMeasure {
    /// (client, day) pairs judged: every 7th day from day 45 to 30 days before the end, for
    /// clients who had not yet left.
    pub judged: usize,
    pub churned: usize,
    pub flagged: usize,
    pub true_positives: usize,
    pub precision: f64,
    pub recall: f64,
    /// The threshold a risk must reach to count as a prediction of churn.
    pub threshold: u8,
}

/// Runs the daily recompute over `clients` for `days` days from `start` (events applied as
/// their day comes) and measures "churn risk ≥ `threshold`" against "left within 30 days".
/// Returns the measure, the final records and every intervention created.
pub fn run(clients: &[Simulated], start: Day, days: i32, threshold: u8, config: &super::model::HealthConfig) -> (ChurnMeasure, Vec<ClientRecord>, Vec<super::Intervention>) {
    let mut m = ChurnMeasure { threshold, ..Default::default() };
    let mut records = Vec::with_capacity(clients.len());
    let mut interventions = Vec::new();
    for s in clients {
        let mut c = s.client.clone();
        let mut next = 0;
        for d in 0..days {
            let day = start.plus(d);
            while let Some((on, e)) = s.events.get(next).filter(|(on, _)| *on <= day) {
                c.apply(e, *on);
                next += 1;
            }
            let (score, iv) = super::records::rescore(&mut c, day, config, "");
            // The first month builds the history a real client arrives with.
            if d >= WARM_UP {
                interventions.extend(iv);
            }
            let judged_day = d >= 45 && d <= days - 30 && (d - 45) % 7 == 0;
            if judged_day && s.churns_on.is_none_or(|t| t > day) {
                let churns = s.churns_on.is_some_and(|t| t.since(day) <= 30);
                let flagged = score.churn_risk >= threshold;
                m.judged += 1;
                m.churned += usize::from(churns);
                m.flagged += usize::from(flagged);
                m.true_positives += usize::from(churns && flagged);
            }
        }
        records.push(c);
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { (a as f64 / b as f64 * 100.0).round() / 100.0 };
    m.precision = ratio(m.true_positives, m.flagged);
    m.recall = ratio(m.true_positives, m.churned);
    (m, records, interventions)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::Zone;
    use crate::health::model::HealthConfig;

    #[test]
    fn trajectories_end_in_the_zones_they_should_and_drops_intervene_once() {
        let start = Day::parse("2026-08-01").unwrap();
        let clients = generate(200, 7, start, 120);
        let (m, records, interventions) = run(&clients, start, 120, 50, &HealthConfig::default());
        let last = start.plus(119);
        let zone_of = |t: Trajectory| -> Vec<Zone> { clients.iter().zip(&records).filter(|(s, _)| s.trajectory == t).map(|(_, c)| c.result_on(last).unwrap().zone).collect() };
        let share = |zones: &[Zone], ok: &dyn Fn(Zone) -> bool| zones.iter().filter(|z| ok(**z)).count() as f64 / zones.len() as f64;
        assert!(share(&zone_of(Trajectory::Steady), &|z| z >= Zone::Green) >= 0.9, "{:?}", zone_of(Trajectory::Steady));
        assert!(share(&zone_of(Trajectory::Churned), &|z| z == Zone::Red) >= 0.9, "{:?}", zone_of(Trajectory::Churned));
        assert!(share(&zone_of(Trajectory::Declining), &|z| z <= Zone::Yellow) >= 0.8, "{:?}", zone_of(Trajectory::Declining));
        // Every churned client got a re-engagement or emergency intervention before or as it left.
        for (s, _) in clients.iter().zip(&records).filter(|(s, _)| s.trajectory == Trajectory::Churned) {
            let mine: Vec<_> = interventions.iter().filter(|i| i.client_id == s.client.client_id).collect();
            assert!(mine.iter().any(|i| matches!(i.kind, crate::health::InterventionKind::ReEngagement | crate::health::InterventionKind::Emergency)), "{}: {mine:?}", s.client.client_id);
        }
        // Once per drop: no client gets the same trigger on consecutive days.
        let mut ids: Vec<&str> = interventions.iter().map(|i| i.id.as_str()).collect();
        ids.sort();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n, "ids are unique");
        let per_client = interventions.len() as f64 / clients.len() as f64;
        assert!(per_client < 6.0, "{per_client} interventions a client over 120 days: not once per drop");
        // The model beats the base rate (it is not fitted to these histories).
        let base = m.churned as f64 / m.judged as f64;
        assert!(m.precision > 2.0 * base && m.recall > 0.5, "{m:?}");
    }
}
