//! A 10 MB Zoom webinar attendee report and its chat: decoded, parsed, scored and tiered, on
//! one core; best of 20. Writes the files to `target/bench-webinar/` so `scripts/bench-webinar`
//! runs a pandas script doing the same parse and score on them in the same run.
//! `cargo bench -p debrief-shared --bench webinar [-- --mem]`.

use std::fmt::Write as _;
use std::time::Instant;

use debrief::webinar::{parse_attendee_report, parse_chat, score_webinar, text};

const FIRST: &[&str] = &["Aisha", "Björn", "Chloé", "Elena", "Fatima", "Hannah", "Nadia", "Omar", "Priya", "Sarah", "Tom", "Zoë", "Liam", "Maya", "Jonas"];
const LAST: &[&str] = &["Nowak", "Johnson", "Iyer", "Park", "Silva", "Wong", "O'Neil", "Torres", "Haddad", "Dubois", "Carter", "Chen", "Weber"];

fn generate(dir: &std::path::Path) -> (String, String) {
    let mut report = String::from("\u{feff}Attendee Report,\nReport Generated:,\"04/26/2026 12:05 PM\"\nTopic,Webinar ID,Actual Start Time,Actual Duration (minutes),# Registrants,Unique Viewers,Total Users,Max Concurrent Views\n\"Scale Your Studio\",\"812 3456 7890\",\"04/26/2026 10:00:12 AM\",\"60\",\"50000\",\"40000\",\"45000\",\"40000\"\nHost Details,\nAttended,User Name (Original Name),Email,Join Time,Leave Time,Time in Session (minutes),Is Guest,Country/Region Name\nYes,Maya Okafor,maya@coach.example,04/26/2026 09:55:01 AM,04/26/2026 11:03:12 AM,69,No,United Arab Emirates\nAttendee Details,\nAttended,User Name (Original Name),First Name,Last Name,Email,Phone,Registration Time,Approval Status,Join Time,Leave Time,Time in Session (minutes),Is Guest,Country/Region Name,Source Name\n");
    let mut chat = String::new();
    let mut i = 0usize;
    while report.len() < 10 * 1024 * 1024 - 300 {
        let (f, l) = (FIRST[i % FIRST.len()], LAST[(i / FIRST.len()) % LAST.len()]);
        let name = format!("{f} {l} {i}");
        let email = format!("p{i}@studio.example");
        if i % 9 == 0 {
            let _ = writeln!(report, "No,--,{f},{l} {i},{email},,04/20/2026 08:00:00 PM,approved,--,--,--,No,,");
        } else {
            let joins = if i % 5 == 0 { 2 } else { 1 };
            for j in 0..joins {
                let (start, end, mins) = if j == 0 { ("10:01:00", "10:31:00", 30) } else { ("10:35:00", "11:00:00", 25) };
                let _ = writeln!(report, "Yes,{name},{f},{l} {i},{email},,04/20/2026 08:00:00 PM,approved,04/26/2026 {start} AM,04/26/2026 {end} AM,{mins},No,Germany,");
            }
            if i % 3 == 0 {
                let t = 36_000 + (i % 3600);
                let _ = writeln!(chat, "{:02}:{:02}:{:02} From {name} to Everyone:\n\tHow do I price my coaching packages?\n\tThanks!", t / 3600, (t / 60) % 60, t % 60);
            }
        }
        i += 1;
    }
    let (r, c) = (dir.join("report.csv"), dir.join("chat.txt"));
    std::fs::write(&r, &report).unwrap();
    std::fs::write(&c, &chat).unwrap();
    (r.display().to_string(), c.display().to_string())
}

fn main() {
    // As the `webinars` function and `debrief` run: freed memory kept for the next request.
    debrief::runtime::keep_freed_memory();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-webinar");
    std::fs::create_dir_all(&dir).unwrap();
    let (report_path, chat_path) = if dir.join("report.csv").exists() && dir.join("chat.txt").exists() {
        (dir.join("report.csv").display().to_string(), dir.join("chat.txt").display().to_string())
    } else {
        generate(&dir)
    };
    let (rb, cb) = (std::fs::read(&report_path).unwrap(), std::fs::read(&chat_path).unwrap());
    let mem = std::env::args().any(|a| a == "--mem");
    let phases = std::env::var_os("PHASES").is_some();
    let runs = if mem { 1 } else { 20 };
    let mut best_phase = [f64::MAX; 4];
    let mut best = f64::MAX;
    let mut summary = String::new();
    for _ in 0..runs {
        let t = Instant::now();
        let report_text = text::decode("report.csv", &rb).unwrap();
        let t1 = t.elapsed();
        let report = parse_attendee_report("report.csv", &report_text).unwrap();
        let t2 = t.elapsed();
        let chat_text = text::decode("chat.txt", &cb).unwrap();
        let chat = parse_chat("chat.txt", &chat_text).unwrap();
        let t3 = t.elapsed();
        let s = score_webinar(&report, &chat);
        best = best.min(t.elapsed().as_secs_f64());
        for (b, d) in best_phase.iter_mut().zip([t1, t2 - t1, t3 - t2, t.elapsed() - t3]) {
            *b = b.min(d.as_secs_f64() * 1e3);
        }
        summary = format!("{} registrants, {} chat messages, tiers {:?}", s.ranked.len(), chat.len(), s.tiers);
    }
    if phases {
        println!("best of {runs} by phase (ms): decode {:.1}, report {:.1}, chat {:.1}, score {:.1}", best_phase[0], best_phase[1], best_phase[2], best_phase[3]);
    }
    println!("debrief: {:.1} MB report + {:.1} MB chat parsed, scored and tiered in {:.1} ms (best of {runs}); {summary}", rb.len() as f64 / 1048576.0, cb.len() as f64 / 1048576.0, best * 1e3);
}
