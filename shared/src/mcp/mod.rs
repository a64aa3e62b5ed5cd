//! The coach's review as an MCP server (Model Context Protocol, streamable HTTP): the tools
//! `list_workshops`, `get_workshop`, `update_participant` and `approve_and_send`, for ChatGPT,
//! Claude or any MCP client. It owns the tools' schemas, descriptions (written for a model) and
//! results; the review itself — reads, versioned edits, exactly-once sends — is `crate::review`,
//! the same code the ChatGPT Actions call.
//!
//! Stateless, as MCP 2026-07-28 allows (no session store: any request may land on any Lambda
//! instance), with JSON responses; clients that negotiate 2025-06-18 or 2025-11-25 are served
//! the same way. The SDK is `rmcp`, hosted inside the one axum router (`crate::http`).
//! Who is calling is decided before the SDK sees the request (`crate::http::mcp`): a coach's
//! identity arrives in the request's extensions, and every tool works on that coach's data only.

pub mod oauth;

use std::sync::Arc;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation, ListToolsResult, PaginatedRequestParams,
    ServerCapabilities, ServerConfig, Tool, ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::{Map, Value, json};

use crate::analysis::Analyser;
use crate::domain::ProcessingStatus;
use crate::pipeline::{Pipeline, PipelineError};
use crate::ports::{Mailer, Queue, Store};
use crate::review::{ApprovalStatus, BulkUpdate, ParticipantUpdate, ReviewError, ReviewStatus, UpdateParticipant, View};

/// The coach a request was authenticated as (set by the HTTP layer, read by the tools).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoachIdentity(pub String);

/// The MCP server: one per request (stateless), over the shared pipeline.
pub struct ReviewServer<S, Q, M, A> {
    pipeline: Arc<Pipeline<S, Q, M, A>>,
}

impl<S, Q, M, A> ReviewServer<S, Q, M, A> {
    pub fn new(pipeline: Arc<Pipeline<S, Q, M, A>>) -> Self {
        Self { pipeline }
    }
}

fn schema(v: Value) -> Arc<Map<String, Value>> {
    match v {
        Value::Object(m) => Arc::new(m),
        _ => unreachable!("schemas are objects"),
    }
}

fn annotations(read_only: bool, destructive: bool, open_world: bool) -> ToolAnnotations {
    let mut a = ToolAnnotations::default();
    a.read_only_hint = Some(read_only);
    a.destructive_hint = Some(destructive);
    a.idempotent_hint = Some(read_only);
    a.open_world_hint = Some(open_world);
    a
}

/// The five tools, with input and output schemas.
pub fn tools() -> Vec<Tool> {
    let session_id = json!({"type": "string", "description": "The workshop session id (from list_workshops), e.g. ws-3f9a…"});
    let mut list = Tool::new(
        "list_workshops",
        "List the coach's workshop, webinar and sales-call sessions, newest first (kind says which). Use it to find a session id. Filter by status (processing, completed, failed); page with cursor.",
        schema(json!({"type": "object", "properties": {
            "status": {"type": "string", "enum": ["processing", "completed", "failed"], "description": "Only sessions in this state."},
            "limit": {"type": "integer", "minimum": 1, "maximum": 50, "default": 20},
            "cursor": {"type": "string", "description": "nextCursor from the previous page."}
        }, "additionalProperties": false})),
    );
    list.output_schema = Some(schema(json!({"type": "object", "required": ["workshops"], "properties": {
        "workshops": {"type": "array", "items": {"type": "object", "required": ["sessionId", "workshopDate", "cohortName", "processingStatus"], "properties": {
            "sessionId": {"type": "string"}, "kind": {"type": "string", "enum": ["workshop", "webinar", "call", "intervention"]}, "workshopDate": {"type": "string"}, "cohortName": {"type": "string"},
            "participantCount": {"type": "integer"}, "processingStatus": {"type": "string"}, "priorityClientCount": {"type": "integer"}}}},
        "nextCursor": {"type": ["string", "null"]}}})));
    list.annotations = Some(annotations(true, false, false));

    let mut get = Tool::new(
        "get_workshop",
        "Read one workshop or webinar: the session and its participants (a webinar's registrants, with tier and engagement score), priority clients first (a webinar's Hot attendees, then by score), each with summary, draft email, review status and the version to pass to update_participant. Compact by default; pass participantId (with view=full) for one participant in full. Large sessions are paged (nextPage).",
        schema(json!({"type": "object", "required": ["sessionId"], "properties": {
            "sessionId": session_id,
            "view": {"type": "string", "enum": ["compact", "full"], "default": "compact"},
            "participantId": {"type": "string", "description": "Only this participant."},
            "page": {"type": "integer", "minimum": 1, "default": 1}
        }, "additionalProperties": false})),
    );
    get.output_schema = Some(schema(json!({"type": "object", "required": ["workshopSession", "priorityClients", "participants", "totalParticipants"], "properties": {
        "workshopSession": {"type": "object"},
        "priorityClients": {"type": "array", "items": {"type": "object", "required": ["participantId", "participantName", "priorityRank", "priorityReason"]}},
        "view": {"type": "string"}, "participants": {"type": "array", "items": {"type": "object"}},
        "page": {"type": "integer"}, "pageSize": {"type": "integer"}, "totalParticipants": {"type": "integer"}, "nextPage": {"type": ["integer", "null"]}}})));
    get.annotations = Some(annotations(true, false, false));

    let mut update = Tool::new(
        "update_participant",
        "Edit one participant's summary and/or follow-up email draft and set their review status. Pass expectedVersion = the version you read with get_workshop; if someone changed the participant since, nothing is saved and you must read again. Sends nothing.",
        schema(json!({"type": "object", "required": ["sessionId", "participantId", "expectedVersion", "reviewStatus"], "properties": {
            "sessionId": session_id,
            "participantId": {"type": "string"},
            "expectedVersion": {"type": "integer", "minimum": 1},
            "summary": {"type": "string", "maxLength": 20000, "description": "The new summary text."},
            "email": {"type": "string", "maxLength": 20000, "description": "The new follow-up email text."},
            "reviewStatus": {"type": "string", "enum": ["reviewed", "approved", "customized"]}
        }, "additionalProperties": false})),
    );
    update.output_schema = Some(schema(json!({"type": "object", "required": ["participantId", "version"], "properties": {
        "participantId": {"type": "string"}, "version": {"type": "integer"}, "coachReviewStatus": {"type": "string"}}})));
    update.annotations = Some(annotations(false, false, false));

    let mut send = Tool::new(
        "approve_and_send",
        "Approve participants and email each their follow-up now, from the coach's address. Each participant is emailed at most once ever: one already sent is reported as already_sent. Optionally give the final email text per participant. Confirm with the coach before calling.",
        schema(json!({"type": "object", "required": ["sessionId", "participants"], "properties": {
            "sessionId": session_id,
            "participants": {"type": "array", "minItems": 1, "maxItems": 100, "items": {"type": "object", "required": ["participantId"], "properties": {
                "participantId": {"type": "string"},
                "finalEmail": {"type": "string", "maxLength": 20000, "description": "Replaces the draft before sending."}
            }, "additionalProperties": false}}
        }, "additionalProperties": false})),
    );
    send.output_schema = Some(schema(json!({"type": "object", "required": ["results"], "properties": {
        "results": {"type": "array", "items": {"type": "object", "required": ["participantId", "outcome"], "properties": {
            "participantId": {"type": "string"},
            "outcome": {"type": "string", "enum": ["sent", "already_sent", "send_in_progress", "failed", "not_found"]},
            "emailSentAt": {"type": "string"}, "error": {"type": "string"}}}},
        "sent": {"type": "integer"}}})));
    send.annotations = Some(annotations(false, true, true));

    let mut stats = Tool::new(
        "rep_stats",
        "The signed-in rep's sales-call trends over a period: calls, average talk ratio, questions per call and per minute, objections met and answered, buying signals, and the average score overall and by meeting type. Dates are ISO 8601 (YYYY-MM-DD); both are optional.",
        schema(json!({"type": "object", "properties": {
            "from": {"type": "string", "description": "First call date counted, e.g. 2026-11-01."},
            "to": {"type": "string", "description": "Last call date counted."}
        }, "additionalProperties": false})),
    );
    stats.output_schema = Some(schema(json!({"type": "object", "required": ["rep", "calls", "objectionsMet", "objectionsAnswered", "byMeetingType"], "properties": {
        "rep": {"type": "string"}, "calls": {"type": "integer"}, "averageTalkPercent": {"type": ["number", "null"]},
        "averageQuestionsPerCall": {"type": ["number", "null"]}, "averageQuestionsPerMinute": {"type": ["number", "null"]},
        "objectionsMet": {"type": "integer"}, "objectionsAnswered": {"type": "integer"}, "buyingSignals": {"type": "integer"},
        "averageScore": {"type": ["number", "null"]}, "byMeetingType": {"type": "object"}}})));
    stats.annotations = Some(annotations(true, false, false));

    let mut client = Tool::new(
        "client_health",
        "One of the coach's clients: health score 0–100 with its five dimensions (engagement, financial, relationship, package, momentum), zone (Purple, Green, Yellow, Red), churn risk with each term of the model, early-warning flags, trend, daily history, and the client's interventions with the health change 7 and 30 days after each. An intervention's message draft is reviewed with get_workshop and sent with approve_and_send (its sessionId is the intervention's id, its participantId is `client`).",
        schema(json!({"type": "object", "required": ["clientId"], "properties": {
            "clientId": {"type": "string", "description": "The client's id, as in the CRM or the imported CSV."}
        }, "additionalProperties": false})),
    );
    client.output_schema = Some(schema(json!({"type": "object", "required": ["clientId", "score", "history", "interventions"], "properties": {
        "clientId": {"type": "string"}, "name": {"type": "string"}, "score": {"type": "object"}, "history": {"type": "array"}, "interventions": {"type": "array"}}})));
    client.annotations = Some(annotations(true, false, false));

    let mut summary = Tool::new(
        "health_summary",
        "The coach's clients at a glance: how many are in each zone, the average health score now and a week ago, and the revenue at risk by zone (package value × churn risk, in the studio's currency).",
        schema(json!({"type": "object", "properties": {}, "additionalProperties": false})),
    );
    summary.output_schema = Some(schema(json!({"type": "object", "required": ["clients", "zones", "revenueAtRisk", "currency"], "properties": {
        "clients": {"type": "integer"}, "zones": {"type": "object"}, "average": {"type": ["number", "null"]}, "averageWeekAgo": {"type": ["number", "null"]},
        "revenueAtRisk": {"type": "object"}, "currency": {"type": "string"}}})));
    summary.annotations = Some(annotations(true, false, false));

    let mut queue = Tool::new(
        "intervention_queue",
        "The coach's interventions, most urgent first (then the most valuable package): each with its type (emergency, re-engagement, special promotion, upgrade opportunity, coach reassignment, proactive check-in), the cause in plain words, the recommended action, status (open or done) and whether it is overdue. Read and send a draft with get_workshop and approve_and_send on the intervention's id.",
        schema(json!({"type": "object", "properties": {
            "openOnly": {"type": "boolean", "description": "Leave out interventions whose message was sent (default true)."}
        }, "additionalProperties": false})),
    );
    queue.output_schema = Some(schema(json!({"type": "object", "required": ["interventions", "overdue"], "properties": {
        "interventions": {"type": "array"}, "overdue": {"type": "integer"}}})));
    queue.annotations = Some(annotations(true, false, false));
    vec![list, get, update, send, stats, client, summary, queue]
}

/// A tool error the model can act on (`isError: true`), never a protocol error.
fn tool_error(message: impl Into<String>) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(message.into())])
}

fn ok(structured: Value, text: String) -> CallToolResult {
    let mut r = CallToolResult::structured(structured);
    r.content = vec![ContentBlock::text(text)];
    r
}

fn review_error(e: ReviewError) -> CallToolResult {
    match e {
        ReviewError::Conflict(now) => tool_error(format!(
            "The participant changed since you read it (now version {now}). Call get_workshop again, then reapply the edit with expectedVersion {now}."
        )),
        ReviewError::Pipeline(p) => pipeline_error(p),
    }
}

fn pipeline_error(e: PipelineError) -> CallToolResult {
    match e {
        PipelineError::NotFound => tool_error("No such workshop session or participant for this coach. Call list_workshops for the session ids."),
        PipelineError::Input(i) => tool_error(format!("`{}`: {i}", i.field_name())),
        other => {
            tracing::error!(error = %other, "MCP tool failed");
            tool_error("Debrief could not complete this just now; try again in a moment.")
        }
    }
}

/// The arguments, read as `T`; a wrong one is a tool error naming it.
fn args<T: serde::de::DeserializeOwned>(params: &CallToolRequestParams) -> Result<T, CallToolResult> {
    let v = Value::Object(params.arguments.clone().unwrap_or_default());
    serde_path_to_error::deserialize(v).map_err(|e| tool_error(format!("Invalid argument `{}`: {}", e.path(), e.inner())))
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ListArgs {
    status: Option<ProcessingStatus>,
    limit: Option<usize>,
    cursor: Option<String>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct GetArgs {
    session_id: String,
    #[serde(default)]
    view: View,
    participant_id: Option<String>,
    page: Option<usize>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UpdateArgs {
    session_id: String,
    participant_id: String,
    expected_version: u64,
    summary: Option<String>,
    email: Option<String>,
    review_status: ReviewStatus,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StatsArgs {
    from: Option<String>,
    to: Option<String>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SendArgs {
    session_id: String,
    participants: Vec<SendOne>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SendOne {
    participant_id: String,
    final_email: Option<String>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ClientArgs {
    client_id: String,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct QueueArgs {
    open_only: Option<bool>,
}

impl<S: Store + Clone, Q: Queue, M: Mailer, A: Analyser + 'static> ReviewServer<S, Q, M, A> {
    /// The client-health tools, on the signed-in coach's clients only.
    async fn health(&self, coach: &str, params: &CallToolRequestParams) -> Result<CallToolResult, CallToolResult> {
        use crate::health::records::HealthRecords;
        use crate::health::{Day, HealthConfig, score_client};
        let config = HealthConfig::from_env().map_err(tool_error)?;
        let records = HealthRecords::new(self.pipeline.repo.clone());
        let failed = |e: crate::repo::RepoError| {
            tracing::error!(error = %e, "client health tool failed");
            tool_error("Debrief could not read client health just now; try again shortly.")
        };
        let today = Day::today(&config.tz);
        Ok(match params.name.as_ref() {
            "client_health" => {
                let a: ClientArgs = args(params)?;
                let Some((c, _)) = records.get(&a.client_id).await.map_err(failed)?.filter(|(c, _)| c.coach_id.as_deref() == Some(coach)) else {
                    return Err(tool_error(format!("No client `{}` among this coach's clients.", a.client_id)));
                };
                let score = score_client(&c, c.score_day(today), &config);
                let ivs: Vec<Value> = records
                    .interventions_of_client(&c)
                    .await
                    .map_err(failed)?
                    .into_iter()
                    .map(|iv| {
                        let (after7, after30) = crate::health::interventions::outcome(&iv, &c);
                        json!({"intervention": iv, "change7": after7, "change30": after30})
                    })
                    .collect();
                let flags: Vec<String> = score.flags.iter().map(crate::health::Flag::describe).collect();
                let text = format!(
                    "{}: {} ({}), churn risk {} %, {:?}{}; {} interventions.",
                    c.name,
                    score.total,
                    score.zone.name(),
                    score.churn_risk,
                    score.trend,
                    if flags.is_empty() { String::new() } else { format!("; {}", flags.join("; ")) },
                    ivs.len()
                );
                ok(json!({"clientId": c.client_id, "name": c.name, "score": score, "history": c.history, "interventions": ivs}), text)
            }
            "health_summary" => {
                let s = records.summary(Some(coach), &config).await.map_err(failed)?;
                let text = format!(
                    "{} clients: {}; average {}.",
                    s.clients,
                    s.zones.iter().map(|(z, n)| format!("{n} {z}")).collect::<Vec<_>>().join(", "),
                    s.average.map_or("none yet".into(), |a| format!("{a:.1}"))
                );
                ok(serde_json::to_value(&s).expect("JSON"), text)
            }
            _ => {
                let a: QueueArgs = args(params)?;
                let mut queue = records.interventions(Some(coach)).await.map_err(failed)?;
                if a.open_only.unwrap_or(true) {
                    queue.retain(|iv| iv.status == crate::health::interventions::InterventionStatus::Open);
                }
                let overdue = queue.iter().filter(|iv| iv.is_overdue(today)).count();
                let text = if queue.is_empty() {
                    "No interventions.".to_string()
                } else {
                    queue.iter().map(|iv| format!("{} — {}: {} ({})", iv.id, iv.client_name, iv.kind.label(), iv.cause)).collect::<Vec<_>>().join("\n")
                };
                ok(json!({"interventions": queue, "overdue": overdue}), text)
            }
        })
    }
}

impl<S: Store + Clone, Q: Queue, M: Mailer, A: Analyser + 'static> ReviewServer<S, Q, M, A> {
    /// One tool call; a tool error is returned as `Err` so that `?` ends it.
    async fn call(&self, coach: &str, params: &CallToolRequestParams) -> Result<CallToolResult, CallToolResult> {
        let p = &self.pipeline;
        Ok(match params.name.as_ref() {
            "list_workshops" => {
                let a: ListArgs = args(params)?;
                match p.list_workshops(coach, a.status, a.limit.unwrap_or(20), a.cursor.as_deref()).await {
                    Ok(list) => {
                        let text = list
                            .workshops
                            .iter()
                            .map(|w| format!("{} — {} ({}, {:?}, {} priority)", w.session_id, w.cohort_name, w.workshop_date, w.processing_status, w.priority_client_count))
                            .collect::<Vec<_>>()
                            .join("\n");
                        let text = if text.is_empty() { "No workshops.".into() } else { text };
                        ok(serde_json::to_value(&list).expect("JSON"), text)
                    }
                    Err(e) => pipeline_error(e),
                }
            }
            "get_workshop" => {
                let a: GetArgs = args(params)?;
                match p.workshop_data(coach, &a.session_id, a.view, a.participant_id.as_deref(), a.page.unwrap_or(1), None).await {
                    Ok(data) => {
                        let text = format!(
                            "{} ({}), {:?}: {} participants, {} shown{}.",
                            data.workshop_session.cohort_name,
                            data.workshop_session.workshop_date,
                            data.workshop_session.processing_status,
                            data.total_participants,
                            data.participants.len(),
                            data.next_page.map_or(String::new(), |n| format!("; more on page {n}"))
                        );
                        ok(serde_json::to_value(&data).expect("JSON"), text)
                    }
                    Err(e) => pipeline_error(e),
                }
            }
            "update_participant" => {
                let a: UpdateArgs = args(params)?;
                let req = UpdateParticipant {
                    participant_id: Some(a.participant_id),
                    session_id: Some(a.session_id),
                    updated_summary: a.summary,
                    updated_email: a.email,
                    review_status: Some(a.review_status),
                    expected_version: Some(a.expected_version),
                    coach_id: None,
                };
                match p.update_participant_summary(coach, req, None).await {
                    Ok(v) => {
                        let out = json!({"participantId": v.summary.participant_id, "version": v.version, "coachReviewStatus": v.summary.coach_review_status});
                        ok(out, format!("Saved {} (now version {}).", v.summary.participant_name, v.version))
                    }
                    Err(e) => review_error(e),
                }
            }
            "approve_and_send" => {
                let a: SendArgs = args(params)?;
                if a.participants.is_empty() || a.participants.len() > 100 {
                    return Err(tool_error("`participants`: give 1 to 100 participants."));
                }
                let req = BulkUpdate {
                    session_id: Some(a.session_id),
                    participant_updates: a
                        .participants
                        .into_iter()
                        .map(|s| ParticipantUpdate {
                            participant_id: s.participant_id,
                            final_summary: None,
                            final_email: s.final_email,
                            approval_status: ApprovalStatus::SendImmediately,
                        })
                        .collect(),
                    workshop_complete: false,
                    coach_id: None,
                };
                match p.bulk_update(coach, req).await {
                    Ok(r) => {
                        let results: Vec<Value> = r
                            .results
                            .iter()
                            .map(|i| {
                                let outcome = match serde_json::to_value(i.outcome).expect("JSON").as_str().unwrap_or_default() {
                                    "send_failed" | "busy" => "failed".to_string(),
                                    other => other.to_string(),
                                };
                                let mut v = json!({"participantId": i.participant_id, "outcome": outcome});
                                if let Some(at) = &i.email_sent_at {
                                    v["emailSentAt"] = json!(at);
                                }
                                if let Some(e) = &i.error {
                                    v["error"] = json!(e);
                                }
                                v
                            })
                            .collect();
                        let text = results.iter().map(|r| format!("{}: {}", r["participantId"].as_str().unwrap_or_default(), r["outcome"].as_str().unwrap_or_default())).collect::<Vec<_>>().join(", ");
                        ok(json!({"results": results, "sent": r.emails_queued}), text)
                    }
                    Err(e) => pipeline_error(e),
                }
            }
            "rep_stats" => {
                let a: StatsArgs = args(params)?;
                for (name, v) in [("from", &a.from), ("to", &a.to)] {
                    if v.as_deref().is_some_and(|d| !crate::clock::is_iso8601(d)) {
                        return Err(tool_error(format!("`{name}`: give an ISO 8601 date such as 2026-11-01.")));
                    }
                }
                let day = |v: &Option<String>| v.as_deref().map(|d| d.get(..10).unwrap_or(d).to_string());
                match p.rep_stats(coach, day(&a.from).as_deref(), day(&a.to).as_deref()).await {
                    Ok(s) => {
                        let text = match s.average_score {
                            Some(score) => format!(
                                "{} calls, average score {score:.1}/10, talk {:.0} %, {:.1} questions a call, {} of {} objections answered.",
                                s.calls,
                                s.average_talk_percent.unwrap_or(0.0),
                                s.average_questions_per_call.unwrap_or(0.0),
                                s.objections_answered,
                                s.objections_met
                            ),
                            None => "No calls in this period.".into(),
                        };
                        ok(serde_json::to_value(&s).expect("JSON"), text)
                    }
                    Err(e) => pipeline_error(e),
                }
            }
            "client_health" | "health_summary" | "intervention_queue" => self.health(coach, params).await?,
            other => tool_error(format!("Unknown tool `{other}`; the tools are list_workshops, get_workshop, update_participant, approve_and_send, rep_stats, client_health, health_summary and intervention_queue.")),
        })
    }
}

impl<S: Store + Clone, Q: Queue, M: Mailer, A: Analyser + 'static> ServerHandler for ReviewServer<S, Q, M, A> {
    fn get_info(&self) -> ServerConfig {
        let mut info = Implementation::new("debrief", env!("CARGO_PKG_VERSION"));
        info.title = Some("Debrief — workshop follow-up review".into());
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(info)
            .with_instructions(
                "Debrief holds a coach's analysed workshops, scored webinars, sales calls and client-health interventions, each with a follow-up draft per person (a call's is to the buyer; an intervention's to the client; rep_stats gives a rep's call trends; client_health, health_summary and intervention_queue give the clients' health). Start with list_workshops, read one with get_workshop (priority clients first), edit drafts with update_participant, and only after the coach confirms, send with approve_and_send.",
            )
    }

    async fn list_tools(&self, _request: Option<PaginatedRequestParams>, _context: RequestContext<RoleServer>) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult { tools: tools(), ..Default::default() })
    }

    async fn call_tool(&self, request: CallToolRequestParams, context: RequestContext<RoleServer>) -> Result<CallToolResponse, ErrorData> {
        let coach = context
            .extensions
            .get::<axum::http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<CoachIdentity>())
            .cloned()
            .ok_or_else(|| ErrorData::invalid_request("not authenticated", None))?;
        let result = self.call(&coach.0, &request).await.unwrap_or_else(|error| error);
        Ok(CallToolResponse::Complete(result))
    }
}
