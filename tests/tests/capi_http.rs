//! `POST /v1/capi/events` on a real `debrief serve`, and `debrief capi preview` printing exactly
//! what the (dry-run) send puts in Meta's `data` array.

use std::io::Write;
use std::process::{Command, Stdio};

use debrief::ports::Store;
use debrief_tests::app::{debrief_bin, spawn_app_with};
use serde_json::{Value, json};

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

async fn post(
    app: &debrief_tests::app::TestApp,
    query: &str,
    key: Option<&str>,
    body: &str,
    ct: &str,
) -> (u16, Value) {
    let mut req = debrief::net::client()
        .post(format!("{}/v1/capi/events{query}", app.base))
        .header("content-type", ct)
        .body(body.to_string());
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn intake_reports_every_index_and_names_bad_fields() {
    let app = spawn_app_with(&[("DEBRIEF_META_PIXEL_IDS", "111,222")]).await;
    let key = Some(app.capi_key.as_str());
    let body = json!([
        {"event_name": "Lead", "event_id": "a1", "user_data": {"email": "a@b.co"}},
        {"event_name": "Lead", "event_id": "a1", "user_data": {"email": "a@b.co"}},
        {"event_name": "Lead", "event_id": "a2", "user_data": {"email": "not-an-email"}},
        {"event_name": "Lead", "event_id": "a3", "pixel_id": "999", "user_data": {"email": "a@b.co"}},
        {"event_name": "Lead", "event_id": "a4", "user_data": {"email": "a@b.co"}, "surprise": 1},
        {"objectId": 7, "properties": {"dealstage": "closedwon", "amount": "300", "email": "c@d.co"}},
        {"objectId": 8, "properties": {"dealstage": "closedlost", "email": "c@d.co"}}
    ]);
    let (status, v) = post(&app, "", key, &body.to_string(), "application/json").await;
    assert_eq!(status, 202, "{v}");
    let d = &v["data"];
    assert_eq!(d["accepted"], 2);
    assert_eq!(d["duplicates"][0]["index"], 1);
    let rejected: Vec<(u64, String)> = d["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["index"].as_u64().unwrap(),
                r["field"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        rejected,
        vec![
            (2, "user_data.email".into()),
            (3, "pixel_id".into()),
            (4, "surprise".into())
        ]
    );
    assert_eq!(d["skipped"][0]["index"], 6);
    assert!(
        !v.to_string().contains("not-an-email"),
        "raw personal data is not echoed: {v}"
    );

    // Nothing usable: 400 with the field, and the per-index report beside it.
    let old = json!({"event_name": "Lead", "event_id": "x", "event_time": now() - 9 * 86400, "user_data": {"email": "a@b.co"}});
    let (status, v) = post(&app, "", key, &old.to_string(), "application/json").await;
    assert_eq!(status, 400);
    assert_eq!(v["error"]["field"], "event_time");
    assert_eq!(v["data"]["rejected"][0]["index"], 0);

    assert_eq!(post(&app, "", None, "{}", "application/json").await.0, 401);
    assert_eq!(
        post(&app, "", Some(&app.coach_key), "{}", "application/json")
            .await
            .0,
        403
    );
    assert_eq!(post(&app, "", key, "{}", "text/plain").await.0, 415);
    let (status, v) = post(&app, "", key, "{not json", "application/json").await;
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("body")));
    let (status, v) = post(&app, "?mode=staging", key, "{}", "application/json").await;
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("mode")));
    let (status, v) = post(&app, "", key, "[]", "application/json").await;
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("body")));
}

#[tokio::test]
async fn preview_prints_what_the_send_puts_on_the_wire() {
    let app = spawn_app_with(&[("DEBRIEF_META_PIXEL_IDS", "111")]).await;
    let t = now() - 120;
    let events = [
        json!({"event_name": "Purchase", "event_id": "o-1", "event_time": t, "user_data": {"email": "Buyer@Example.com", "phone": "050 123 4567", "country": "AE"}, "custom_data": {"value": 99.5}}),
        json!({"event_name": "Schedule", "event_id": "s-1", "event_time": t, "action_source": "website", "event_source_url": "https://coach.example/book",
               "user_data": {"external_id": "crm-9", "client_user_agent": "Mozilla/5.0", "client_ip_address": "203.0.113.7", "fbp": "fb.1.1.1"}}),
    ];
    let (status, v) = post(
        &app,
        "?mode=test",
        Some(&app.capi_key),
        &Value::Array(events.to_vec()).to_string(),
        "application/json",
    )
    .await;
    assert_eq!(status, 202, "{v}");

    let mut preview = Command::new(debrief_bin())
        .args(["capi", "preview"])
        .env("DEBRIEF_META_PIXEL_IDS", "111")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut stdin = preview.stdin.take().unwrap();
        for e in &events {
            writeln!(stdin, "{e}").unwrap();
        }
    }
    let out = preview.wait_with_output().unwrap();
    assert!(out.status.success());
    let previewed: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(previewed.len(), 2);

    let dir = app.dir.to_str().unwrap();
    let env = [
        ("DEBRIEF_META_PIXEL_IDS", "111"),
        ("DEBRIEF_META_TEST_EVENT_CODE", "TEST77"),
    ];
    let send = Command::new(debrief_bin())
        .args(["capi", "send", "--mode", "test", "--data-dir", dir])
        .envs(env)
        .env_remove("DEBRIEF_META_ACCESS_TOKEN")
        .output()
        .unwrap();
    assert!(
        send.status.success(),
        "{}",
        String::from_utf8_lossy(&send.stderr)
    );
    let requests = Command::new(debrief_bin())
        .args(["capi", "requests", "--data-dir", dir])
        .envs(env)
        .output()
        .unwrap();
    let recorded: Vec<Value> = String::from_utf8(requests.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(recorded.len(), 1, "one request for both events");
    assert_eq!(recorded[0]["body"]["test_event_code"], "TEST77");
    let mut sent = recorded[0]["body"]["data"].as_array().unwrap().clone();
    let mut previewed = previewed;
    let by_id = |v: &Value| v["event_id"].as_str().unwrap().to_string();
    sent.sort_by_key(by_id);
    previewed.sort_by_key(by_id);
    assert_eq!(sent, previewed);
    assert_eq!(sent[1]["user_data"]["client_ip_address"], "203.0.113.7");

    let st = Command::new(debrief_bin())
        .args(["capi", "status", "--mode", "test", "--data-dir", dir])
        .envs(env)
        .output()
        .unwrap();
    let text = String::from_utf8(st.stdout).unwrap();
    assert!(text.contains("pending 0, sent 2, failed 0"), "{text}");
}

/// The hardening issue's #9 and #16: `country: " U.S. "` is normalised as Meta's SDK does; an
/// unusable user-data field is dropped with a warning instead of the event; custom_data keeps
/// Meta's standard parameters only (others could hold personal data in clear).
#[tokio::test]
async fn unusable_fields_are_dropped_with_a_warning_not_the_event() {
    let app = spawn_app_with(&[("DEBRIEF_META_PIXEL_IDS", "111")]).await;
    let key = Some(app.capi_key.as_str());
    let body = json!([
        {"event_name": "Lead", "event_id": "c1", "user_data": {"email": "a@b.co", "country": " U.S. "}},
        {"event_name": "Lead", "event_id": "c2", "user_data": {"email": "a@b.co", "phone": "12", "country": "Atlantis"},
         "custom_data": {"content_name": "Coaching", "customer_email": "a@b.co", "notes": "called about divorce"}}
    ]);
    let (status, v) = post(&app, "", key, &body.to_string(), "application/json").await;
    assert_eq!(status, 202, "{v}");
    let d = &v["data"];
    assert_eq!(d["accepted"], 2, "{v}");
    assert!(d["rejected"].as_array().unwrap().is_empty(), "{v}");
    let mut warned: Vec<(u64, String)> = d["warnings"].as_array().unwrap().iter().map(|w| (w["index"].as_u64().unwrap(), w["field"].as_str().unwrap().to_string())).collect();
    warned.sort();
    assert_eq!(
        warned,
        vec![
            (1, "custom_data.customer_email".into()),
            (1, "custom_data.notes".into()),
            (1, "user_data.country".into()),
            (1, "user_data.phone".into())
        ]
    );
    // Pending, or already sent by serve's schedule (then in the dry run's request log).
    let store = app.repo().store().clone();
    let pending = store.query_index_desc("CAPIPENDING#live#111", 10, None).await.unwrap();
    let sent = store.query(&debrief::adapters::meta::dry_run_partition("111"), "", 10, None).await.unwrap();
    let all: String = pending.items.iter().chain(&sent.items).map(|i| i.body.clone()).collect();
    assert!(all.contains("\"c1\"") && all.contains("\"c2\""), "{all}");
    let us = debrief::repo::sha256_hex("us");
    assert!(all.contains(&us), "\" U.S. \" hashed as `us`");
    assert!(!all.contains("divorce") && !all.contains("customer_email"), "no personal data in custom_data");
    assert!(all.contains("Coaching"));
}
