//! `GET /review/{token}` and `POST /review/{token}`: the signed links in the coach's email
//! (`crate::review::links`). GET (and HEAD) only shows: the session's priority participants
//! (or the one participant the link names) with their summary and draft, each draft editable in
//! a plain form. Only that form's POST, with the page's CSRF token, sends — through the review's
//! exactly-once send. Used and expired links say so. Server-rendered, escaped, no script.

use std::sync::Arc;

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::oauth::page;
use crate::analysis::Analyser;
use crate::domain::ParticipantSummary;
use crate::pipeline::{Pipeline, PipelineError, html_escape};
use crate::ports::{Mailer, Queue, Store};
use crate::review::links::{self, LinkClaims, LinkError};
use crate::review::{ApprovalStatus, BulkUpdate, ItemOutcome, ParticipantUpdate};

fn refused(e: LinkError) -> Response {
    match e {
        LinkError::Expired => page(
            StatusCode::GONE,
            "This link has expired",
            "<p>Review links work for a week. Your drafts are still waiting: open the review from your assistant (ChatGPT, Claude), or ask your Debrief operator to send the summary again.</p>",
        ),
        LinkError::Invalid => page(StatusCode::NOT_FOUND, "This link is not valid", "<p>Check that the whole link was copied from the email.</p>"),
    }
}

fn unavailable(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "review link failed");
    page(StatusCode::SERVICE_UNAVAILABLE, "Please try again", "<p>Debrief could not open this just now; try again in a minute.</p>")
}

/// The link's claims and the signing secret, or the page that says why not.
async fn open<S: Store, Q, M, A>(p: &Pipeline<S, Q, M, A>, token: &str) -> Result<(LinkClaims, Vec<u8>), Response> {
    let secret = links::secret(p.repo.store()).await.map_err(unavailable)?;
    let claims = links::verify(&secret, token, crate::clock::unix_secs()).map_err(refused)?;
    Ok((claims, secret))
}

/// The participants a link covers: its one participant, or the session's priority clients.
async fn covered<S: Store, Q: Queue, M: Mailer, A: Analyser>(p: &Pipeline<S, Q, M, A>, claims: &LinkClaims) -> Result<Vec<ParticipantSummary>, PipelineError> {
    let mut all: Vec<ParticipantSummary> = p.repo.list_participants(&claims.session_id).await?.into_iter().map(|v| v.value).collect();
    match &claims.participant_id {
        Some(id) => all.retain(|x| &x.participant_id == id),
        None => all.retain(|x| x.priority.is_some()),
    }
    all.sort_by_key(|x| x.priority.as_ref().map_or(u32::MAX, |f| f.rank));
    Ok(all)
}

fn participant_block(x: &ParticipantSummary, token: &str, csrf: &str) -> String {
    let reason = x.priority.as_ref().map(|f| format!("<p class=\"muted\">{}</p>", html_escape(&f.explanation))).unwrap_or_default();
    let head = format!("<h2>{}</h2>{reason}<p>{}</p>", html_escape(&x.participant_name), html_escape(&x.generated_summary));
    if let Some(at) = &x.email_sent_at {
        return format!("{head}<p><strong>Sent {}.</strong> A follow-up goes out once; nothing more will be sent.</p><hr>", html_escape(at));
    }
    let Some(to) = &x.email else {
        return format!("{head}<p>The roster has no email address for {}.</p><hr>", html_escape(&x.participant_name));
    };
    let draft = x.final_email_content.clone().unwrap_or_else(|| x.generated_email.clone());
    format!(
        "{head}<form method=\"post\" action=\"{token}\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
<input type=\"hidden\" name=\"participant_id\" value=\"{id}\"><p class=\"muted\">To {to} · {subject}</p>\
<label>Email<textarea name=\"email\" rows=\"12\" maxlength=\"20000\" style=\"width:100%;font:inherit\">{draft}</textarea></label>\
<button type=\"submit\">Send to {name}</button></form><hr>",
        token = html_escape(token),
        csrf = html_escape(csrf),
        id = html_escape(&x.participant_id),
        to = html_escape(to),
        subject = html_escape(&x.generated_email_subject),
        draft = html_escape(&draft),
        name = html_escape(&x.participant_name),
    )
}

pub async fn show<S: Store, Q: Queue, M: Mailer, A: Analyser>(State(p): State<Arc<Pipeline<S, Q, M, A>>>, Path(token): Path<String>) -> Response {
    let (claims, secret) = match open(&p, &token).await {
        Ok(x) => x,
        Err(page) => return page,
    };
    let Ok(Some(session)) = p.repo.get_session(&claims.session_id).await else { return refused(LinkError::Invalid) };
    let people = match covered(&p, &claims).await {
        Ok(x) => x,
        Err(e) => return unavailable(e),
    };
    let csrf = links::csrf(&secret, &token);
    let blocks: String = people.iter().map(|x| participant_block(x, &token, &csrf)).collect();
    let intro = format!(
        "<p class=\"muted\">{} · {}. Read each draft, edit it if you like, and press Send. Nothing is sent until you do.</p>",
        html_escape(&session.value.cohort_name),
        html_escape(session.value.workshop_date.get(..10).unwrap_or(&session.value.workshop_date))
    );
    let body = if people.is_empty() { format!("{intro}<p>No follow-ups wait here.</p>") } else { format!("{intro}{blocks}") };
    page(StatusCode::OK, "Review and send", &body)
}

#[derive(Deserialize)]
pub struct SendForm {
    csrf: String,
    participant_id: String,
    email: Option<String>,
}

pub async fn send<S: Store, Q: Queue, M: Mailer, A: Analyser>(
    State(p): State<Arc<Pipeline<S, Q, M, A>>>,
    Path(token): Path<String>,
    Form(f): Form<SendForm>,
) -> Response {
    let (claims, secret) = match open(&p, &token).await {
        Ok(x) => x,
        Err(page) => return page,
    };
    if !links::csrf_ok(&secret, &token, &f.csrf) {
        return page(StatusCode::FORBIDDEN, "Please use the page", "<p>This form did not come from the review page. Open the link from your email again.</p>");
    }
    let Ok(Some(session)) = p.repo.get_session(&claims.session_id).await else { return refused(LinkError::Invalid) };
    let people = match covered(&p, &claims).await {
        Ok(x) => x,
        Err(e) => return unavailable(e),
    };
    let Some(person) = people.iter().find(|x| x.participant_id == f.participant_id) else { return refused(LinkError::Invalid) };
    let draft = person.final_email_content.clone().unwrap_or_else(|| person.generated_email.clone());
    let edited = f.email.map(|e| e.replace("\r\n", "\n")).filter(|e| e.trim() != draft.trim());
    let req = BulkUpdate {
        session_id: Some(claims.session_id.clone()),
        participant_updates: vec![ParticipantUpdate { participant_id: f.participant_id.clone(), final_summary: None, final_email: edited, approval_status: ApprovalStatus::SendImmediately }],
        workshop_complete: false,
        coach_id: None,
    };
    let name = html_escape(&person.participant_name);
    match p.bulk_update(&session.value.coach_id, req).await {
        Ok(r) => {
            let back = format!("<p><a href=\"{}\">Back to the review</a></p>", html_escape(&token));
            let item = r.results.first();
            match item.map(|i| i.outcome) {
                Some(ItemOutcome::Sent) => page(StatusCode::OK, "Sent", &format!("<p>Your follow-up to {name} is on its way.</p>{back}")),
                Some(ItemOutcome::AlreadySent) => page(StatusCode::OK, "Already sent", &format!("<p>The follow-up to {name} was already sent; nothing more was sent.</p>{back}")),
                Some(ItemOutcome::SendInProgress) => page(StatusCode::OK, "Being sent", &format!("<p>The follow-up to {name} is being sent right now.</p>{back}")),
                _ => {
                    let why = item.and_then(|i| i.error.clone()).unwrap_or_else(|| "it could not be sent".into());
                    page(StatusCode::OK, "Not sent", &format!("<p>The follow-up to {name} was not sent: {}. Try again in a minute.</p>{back}", html_escape(&why)))
                }
            }
        }
        Err(PipelineError::Input(e)) => page(StatusCode::BAD_REQUEST, "Not sent", &format!("<p>{}</p>", html_escape(&e.to_string()))),
        Err(e) => unavailable(e),
    }
}
