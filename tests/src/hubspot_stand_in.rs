//! A local HubSpot that behaves as the documented API does, for the paths Debrief uses:
//! OAuth 2026-03 token and introspection (form bodies, client credentials checked), Bearer auth
//! on every CRM call (401 for an expired token), and the CRM's date-based 2026-09 paths only
//! (a `/crm/v3/…` call is a 404 here): property groups and properties, custom object schemas,
//! batch upsert / read / update / create (≤ 100 inputs, else 400; 207 Multi-Status for partial
//! failures), default associations, and scripted 429s (secondly with Retry-After, daily), 5xx,
//! with `X-HubSpot-RateLimit-*` headers.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::{Map, Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub const CLIENT_ID: &str = "client-123";
pub const CLIENT_SECRET: &str = "secret-456";
pub const GOOD_CODE: &str = "good-code";
pub const PORTAL: i64 = 4242;
pub const PRIVATE_TOKEN: &str = "pat-na1-private";

#[derive(Debug, Clone)]
pub enum Scripted {
    Secondly { retry_after: u64 },
    Daily,
    ServerError,
}

#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub path: String,
    pub inputs: usize,
    pub at: Instant,
}

#[derive(Default)]
pub struct State {
    pub calls: Vec<Call>,
    pub script: VecDeque<Scripted>,
    /// Access tokens HubSpot currently accepts.
    pub valid_tokens: BTreeSet<String>,
    pub issued: u32,
    pub refreshes: u32,
    pub granted_scopes: Vec<String>,
    pub groups: BTreeSet<String>,
    pub contact_properties: BTreeSet<String>,
    pub schemas: Vec<Value>,
    /// object type → unique id value → (record id, properties)
    pub objects: BTreeMap<String, BTreeMap<String, (String, Map<String, Value>)>>,
    pub contacts: BTreeMap<String, Map<String, Value>>,
    pub associations: BTreeSet<(String, String, String, String)>,
    /// Every CRM call answers 401, however fresh the token.
    pub reject_all: bool,
    /// Contact ids whose updates fail validation.
    pub invalid_contacts: BTreeSet<String>,
    /// HubSpot 2026-09: a batch update with a record that breaks a validation rule is refused
    /// as a whole (400), not answered 207.
    pub validation_400: bool,
    /// Other objects (companies, deals, calls, meetings, emails): type → id → properties.
    pub records: BTreeMap<String, BTreeMap<String, Map<String, Value>>>,
    /// Owners by id: their email.
    pub owners: BTreeMap<String, String>,
    /// The portal the next grants are for (`PORTAL` unless changed: another portal's grant).
    pub hub_id: Option<i64>,
    next_id: u64,
}

#[derive(Clone)]
pub struct HubSpotStandIn {
    pub state: Arc<Mutex<State>>,
}

fn form(body: &[u8]) -> BTreeMap<String, String> {
    let text = String::from_utf8_lossy(body);
    text.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| {
            let v = v.replace('+', " ");
            let mut out = Vec::new();
            let b = v.as_bytes();
            let mut i = 0;
            while i < b.len() {
                if b[i] == b'%' && i + 2 < b.len() {
                    out.push(u8::from_str_radix(&v[i + 1..i + 3], 16).unwrap_or(b'?'));
                    i += 3;
                } else {
                    out.push(b[i]);
                    i += 1;
                }
            }
            (k.to_string(), String::from_utf8_lossy(&out).to_string())
        })
        .collect()
}

fn error(status: u16, category: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({"status": "error", "message": message, "category": category, "correlationId": "c0ffee"}))
}

impl HubSpotStandIn {
    pub async fn start() -> (MockServer, Self) {
        let server = MockServer::start().await;
        let me = Self { state: Arc::new(Mutex::new(State::default())) };
        {
            let mut st = me.state.lock().unwrap();
            st.valid_tokens.insert(PRIVATE_TOKEN.into());
            st.granted_scopes = debrief::hubspot::oauth::REQUIRED_SCOPES.iter().map(|s| s.to_string()).collect();
            st.contact_properties.extend(["email", "firstname", "lastname"].map(String::from));
        }
        Mock::given(wiremock::matchers::any()).respond_with(me.clone()).mount(&server).await;
        (server, me)
    }

    pub fn add_contact(&self, id: &str, email: &str) {
        let mut m = Map::new();
        m.insert("email".into(), json!(email));
        self.state.lock().unwrap().contacts.insert(id.into(), m);
    }

    /// A contact with these properties.
    pub fn add_contact_with(&self, id: &str, props: Value) {
        self.state.lock().unwrap().contacts.insert(id.into(), props.as_object().cloned().unwrap_or_default());
    }

    /// A company, deal, call… with these properties, associated with `contact`.
    pub fn add_record(&self, object_type: &str, id: &str, props: Value, contact: &str) {
        let mut st = self.state.lock().unwrap();
        st.records.entry(object_type.into()).or_default().insert(id.into(), props.as_object().cloned().unwrap_or_default());
        st.associations.insert(("contacts".into(), contact.into(), object_type.into(), id.into()));
    }

    pub fn contact(&self, id: &str) -> Map<String, Value> {
        self.state.lock().unwrap().contacts.get(id).cloned().unwrap_or_default()
    }

    /// The records of one object type (calls, tasks, deals…) by id.
    pub fn records(&self, object_type: &str) -> BTreeMap<String, Map<String, Value>> {
        self.state.lock().unwrap().records.get(object_type).cloned().unwrap_or_default()
    }

    /// Whether `from` record `from_id` is associated with `to` record `to_id`.
    pub fn associated(&self, from: &str, from_id: &str, to: &str, to_id: &str) -> bool {
        self.state.lock().unwrap().associations.contains(&(from.into(), from_id.into(), to.into(), to_id.into()))
    }

    pub fn calls(&self) -> Vec<Call> {
        self.state.lock().unwrap().calls.clone()
    }

    pub fn script(&self, s: impl IntoIterator<Item = Scripted>) {
        self.state.lock().unwrap().script.extend(s);
    }

    /// Every access token issued so far stops working (as after expiry).
    pub fn expire_tokens(&self) {
        let mut st = self.state.lock().unwrap();
        st.valid_tokens.retain(|t| t == PRIVATE_TOKEN);
    }

    fn issue(st: &mut State) -> Value {
        st.issued += 1;
        // HubSpot says tokens may grow to 300 characters: issue that long.
        let prefix = format!("CK{}-", st.issued);
        let access = format!("{prefix}{}", "a".repeat(300 - prefix.len()));
        st.valid_tokens.insert(access.clone());
        json!({"access_token": access, "refresh_token": format!("refresh-{}", st.issued), "expires_in": 1800, "token_type": "bearer"})
    }

    fn oauth(&self, st: &mut State, req: &Request) -> ResponseTemplate {
        let f = form(&req.body);
        if req.headers.get("content-type").and_then(|v| v.to_str().ok()).is_none_or(|c| !c.starts_with("application/x-www-form-urlencoded")) {
            return error(400, "VALIDATION_ERROR", "form body required");
        }
        if f.get("client_id").map(String::as_str) != Some(CLIENT_ID) || f.get("client_secret").map(String::as_str) != Some(CLIENT_SECRET) {
            return error(400, "BAD_CLIENT", "invalid client credentials");
        }
        if !matches!(req.url.path(), "/oauth/2026-03/token" | "/oauth/2026-03/token/introspect") {
            return error(404, "NOT_FOUND", "no such OAuth endpoint (the stand-in answers the 2026-03 paths)");
        }
        if req.url.path() == "/oauth/2026-03/token/introspect" {
            let active = f.get("token").is_some_and(|t| st.valid_tokens.contains(t));
            return ResponseTemplate::new(200).set_body_json(json!({"active": active, "hub_id": st.hub_id.unwrap_or(PORTAL), "scopes": st.granted_scopes, "token_type": "access"}));
        }
        match f.get("grant_type").map(String::as_str) {
            Some("authorization_code") if f.get("code").map(String::as_str) == Some(GOOD_CODE) && f.contains_key("redirect_uri") => {
                ResponseTemplate::new(200).set_body_json(Self::issue(st))
            }
            Some("refresh_token") if f.get("refresh_token").is_some_and(|r| r.starts_with("refresh-")) => {
                st.refreshes += 1;
                ResponseTemplate::new(200).set_body_json(Self::issue(st))
            }
            _ => error(400, "BAD_AUTH_CODE", "missing or unknown auth code"),
        }
    }

    fn crm(&self, st: &mut State, req: &Request) -> ResponseTemplate {
        let token = req.headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")).unwrap_or_default().to_string();
        if st.reject_all || !st.valid_tokens.contains(&token) {
            return error(401, "INVALID_AUTHENTICATION", "Authentication credentials not found or expired");
        }
        if let Some(s) = st.script.pop_front() {
            return match s {
                Scripted::Secondly { retry_after } => error(429, "RATE_LIMITS", "You have reached your secondly limit.")
                    .insert_header("retry-after", retry_after.to_string().as_str())
                    .set_body_json(json!({"status": "error", "message": "You have reached your secondly limit.", "errorType": "RATE_LIMIT", "policyName": "SECONDLY"})),
                Scripted::Daily => ResponseTemplate::new(429).set_body_json(json!({"status": "error", "message": "You have reached your daily limit.", "errorType": "RATE_LIMIT", "policyName": "DAILY"})),
                Scripted::ServerError => ResponseTemplate::new(502).set_body_string("Bad Gateway"),
            };
        }
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let path = req.url.path().to_string();
        let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let method = req.method.as_str();
        if let Some(inputs) = body["inputs"].as_array()
            && inputs.len() > 100
        {
            return error(400, "VALIDATION_ERROR", "Batch input cannot exceed 100 items");
        }
        let ok = |v: Value| ResponseTemplate::new(200).set_body_json(v);
        match (method, segs.as_slice()) {
            ("GET", ["crm", "properties", "2026-09", "contacts", "groups", name]) => {
                if st.groups.contains(*name) { ok(json!({"name": name})) } else { error(404, "OBJECT_NOT_FOUND", "group not found") }
            }
            ("POST", ["crm", "properties", "2026-09", "contacts", "groups"]) => {
                st.groups.insert(body["name"].as_str().unwrap_or_default().into());
                ResponseTemplate::new(201).set_body_json(body)
            }
            ("GET", ["crm", "properties", "2026-09", "contacts"]) => {
                ok(json!({"results": st.contact_properties.iter().map(|n| json!({"name": n})).collect::<Vec<_>>()}))
            }
            ("POST", ["crm", "properties", "2026-09", "contacts", "batch", "create"]) => {
                for p in body["inputs"].as_array().unwrap() {
                    let name = p["name"].as_str().unwrap_or_default().to_string();
                    if p["type"].is_null() || p["fieldType"].is_null() || p["groupName"].is_null() || st.contact_properties.contains(&name) {
                        return error(400, "VALIDATION_ERROR", &format!("property {name} is invalid or exists"));
                    }
                    st.contact_properties.insert(name);
                }
                ResponseTemplate::new(201).set_body_json(json!({"status": "COMPLETE", "results": body["inputs"]}))
            }
            // A custom object's properties (and their group), by its objectTypeId.
            ("GET", ["crm", "properties", "2026-09", object_type]) => match st.schemas.iter().find(|s| s["objectTypeId"] == *object_type) {
                Some(s) => ok(json!({"results": s["properties"]})),
                None => error(404, "OBJECT_NOT_FOUND", "unknown object type"),
            },
            ("GET", ["crm", "properties", "2026-09", object_type, "groups", name]) => {
                if st.groups.contains(&format!("{object_type}/{name}")) { ok(json!({"name": name})) } else { error(404, "OBJECT_NOT_FOUND", "group not found") }
            }
            ("POST", ["crm", "properties", "2026-09", object_type, "groups"]) => {
                st.groups.insert(format!("{object_type}/{}", body["name"].as_str().unwrap_or_default()));
                ResponseTemplate::new(201).set_body_json(body)
            }
            ("POST", ["crm", "properties", "2026-09", object_type, "batch", "create"]) => {
                let object_type = object_type.to_string();
                let group_ok = |st: &State, g: &str| st.groups.contains(&format!("{object_type}/{g}"));
                let Some(i) = st.schemas.iter().position(|s| s["objectTypeId"] == object_type.as_str()) else {
                    return error(404, "OBJECT_NOT_FOUND", "unknown object type");
                };
                for p in body["inputs"].as_array().unwrap() {
                    let name = p["name"].as_str().unwrap_or_default();
                    // As HubSpot: type, fieldType and an existing groupName; bool needs its options.
                    let exists = st.schemas[i]["properties"].as_array().is_some_and(|ps| ps.iter().any(|q| q["name"] == name));
                    let bool_without_options = p["type"] == "bool" && p["options"].as_array().is_none_or(|o| o.len() != 2);
                    if p["type"].is_null() || p["fieldType"].is_null() || !p["groupName"].as_str().is_some_and(|g| group_ok(&st, g)) || exists || bool_without_options {
                        return error(400, "VALIDATION_ERROR", &format!("property {name} is invalid or exists"));
                    }
                }
                let props = st.schemas[i]["properties"].as_array_mut().unwrap();
                props.extend(body["inputs"].as_array().unwrap().iter().cloned());
                ResponseTemplate::new(201).set_body_json(json!({"status": "COMPLETE", "results": body["inputs"]}))
            }
            ("GET", ["crm-object-schemas", "2026-09", "schemas"]) => ok(json!({"results": st.schemas})),
            ("POST", ["crm-object-schemas", "2026-09", "schemas"]) => {
                let name = body["name"].as_str().unwrap_or_default();
                if st.schemas.iter().any(|s| s["name"] == name) || body["properties"].as_array().is_none_or(|p| p.is_empty()) || body["labels"]["singular"].is_null() {
                    return error(409, "OBJECT_ALREADY_EXISTS", "schema exists or is invalid");
                }
                let id = format!("2-{}", 1000 + st.schemas.len());
                let mut s = body.clone();
                s["objectTypeId"] = json!(id);
                s["fullyQualifiedName"] = json!(format!("p{PORTAL}_{name}"));
                st.schemas.push(s.clone());
                ResponseTemplate::new(201).set_body_json(s)
            }
            ("POST", ["crm", "objects", "2026-09", "contacts", "batch", "read"]) => {
                let by_email = body["idProperty"] == "email";
                let mut results = Vec::new();
                let mut errors = Vec::new();
                for i in body["inputs"].as_array().unwrap() {
                    let key = i["id"].as_str().unwrap_or_default();
                    let found = if by_email {
                        st.contacts.iter().find(|(_, p)| p.get("email").and_then(Value::as_str) == Some(key)).map(|(id, p)| (id.clone(), p.clone()))
                    } else {
                        st.contacts.get(key).map(|p| (key.to_string(), p.clone()))
                    };
                    match found {
                        Some((id, props)) => {
                            let wanted: Map<String, Value> = body["properties"]
                                .as_array()
                                .map(|w| w.iter().filter_map(|n| n.as_str()).map(|n| (n.to_string(), props.get(n).cloned().unwrap_or(Value::Null))).collect())
                                .unwrap_or_default();
                            results.push(json!({"id": id, "properties": wanted}));
                        }
                        None => errors.push(json!({"status": "error", "category": "OBJECT_NOT_FOUND", "message": "Could not get some CONTACT objects", "context": {"ids": [key]}})),
                    }
                }
                let status = if errors.is_empty() { 200 } else { 207 };
                ResponseTemplate::new(status).set_body_json(json!({"status": "COMPLETE", "results": results, "errors": errors, "numErrors": errors.len()}))
            }
            ("POST", ["crm", "objects", "2026-09", "contacts", "batch", "update"]) => {
                let mut results = Vec::new();
                let mut errors = Vec::new();
                for i in body["inputs"].as_array().unwrap() {
                    let id = i["id"].as_str().unwrap_or_default().to_string();
                    let props = i["properties"].as_object().cloned().unwrap_or_default();
                    if let Some(bad) = props.keys().find(|k| !st.contact_properties.contains(*k)) {
                        errors.push(json!({"status": "error", "category": "VALIDATION_ERROR", "message": format!("Property \"{bad}\" does not exist"), "context": {"ids": [id]}}));
                        continue;
                    }
                    if st.invalid_contacts.contains(&id) && st.validation_400 {
                        return error(400, "VALIDATION_ERROR", &format!("Property values were not valid: contact {id} breaks the portal's rule \"industry is required\""));
                    }
                    if st.invalid_contacts.contains(&id) {
                        errors.push(json!({"status": "error", "category": "VALIDATION_ERROR", "message": format!("Contact {id}: total_workshops_attended must be a number"), "context": {"ids": [id]}}));
                        continue;
                    }
                    let Some(c) = st.contacts.get_mut(&id) else {
                        errors.push(json!({"status": "error", "category": "OBJECT_NOT_FOUND", "message": "not found"}));
                        continue;
                    };
                    for (k, v) in props {
                        // HubSpot stores every property value as a string.
                        let v = match v {
                            Value::String(s) => Value::String(s),
                            other => Value::String(other.to_string()),
                        };
                        c.insert(k, v);
                    }
                    results.push(json!({"id": id, "properties": c}));
                }
                let status = if errors.is_empty() { 200 } else { 207 };
                ResponseTemplate::new(status).set_body_json(json!({"status": "COMPLETE", "results": results, "errors": errors, "numErrors": errors.len()}))
            }
            ("POST", ["crm", "objects", "2026-09", "contacts", "batch", "create"]) => {
                let mut results = Vec::new();
                for i in body["inputs"].as_array().unwrap() {
                    st.next_id += 1;
                    let id = format!("9{}", st.next_id);
                    let props = i["properties"].as_object().cloned().unwrap_or_default();
                    st.contacts.insert(id.clone(), props.clone());
                    results.push(json!({"id": id, "properties": props}));
                }
                ResponseTemplate::new(201).set_body_json(json!({"status": "COMPLETE", "results": results}))
            }
            ("POST", ["crm", "objects", "2026-09", object_type, "batch", "upsert"]) => {
                let mut results = Vec::new();
                for i in body["inputs"].as_array().unwrap() {
                    let (Some(id_prop), Some(id)) = (i["idProperty"].as_str(), i["id"].as_str()) else {
                        return error(400, "VALIDATION_ERROR", "idProperty and id are required");
                    };
                    let mut props = i["properties"].as_object().cloned().unwrap_or_default();
                    // HubSpot refuses a property the object does not have.
                    if let Some(schema) = st.schemas.iter().find(|s| s["objectTypeId"] == *object_type) {
                        let known = |n: &str| schema["properties"].as_array().is_some_and(|ps| ps.iter().any(|q| q["name"] == n));
                        if let Some(bad) = props.keys().chain(std::iter::once(&id_prop.to_string())).find(|k| !known(k)) {
                            return error(400, "VALIDATION_ERROR", &format!("Property values were not valid: Property \"{bad}\" does not exist"));
                        }
                    }
                    props.insert(id_prop.into(), json!(id));
                    st.next_id += 1;
                    let fresh = st.next_id;
                    let objects = st.objects.entry(object_type.to_string()).or_default();
                    let entry = objects.entry(id.to_string()).or_insert_with(|| (format!("{fresh}"), Map::new()));
                    entry.1.extend(props);
                    results.push(json!({"id": entry.0, "properties": entry.1}));
                }
                ok(json!({"status": "COMPLETE", "results": results}))
            }
            ("POST", ["crm", "associations", "2026-09", from, to, "batch", "associate", "default"]) => {
                let mut results = Vec::new();
                for i in body["inputs"].as_array().unwrap() {
                    let (f, t) = (i["from"]["id"].as_str().unwrap_or_default().to_string(), i["to"]["id"].as_str().unwrap_or_default().to_string());
                    st.associations.insert((from.to_string(), f.clone(), to.to_string(), t.clone()));
                    results.push(json!({"from": {"id": f}, "to": {"id": t}}));
                }
                ok(json!({"status": "COMPLETE", "results": results}))
            }
            // Activities (calls, tasks): HubSpot requires `hs_timestamp` (ISO 8601 or ms) on
            // each; a task needs its subject. Stored as records, found again by search.
            ("POST", ["crm", "objects", "2026-09", object_type @ ("calls" | "tasks"), "batch", "create"]) => {
                let mut results = Vec::new();
                for i in body["inputs"].as_array().unwrap() {
                    let props = i["properties"].as_object().cloned().unwrap_or_default();
                    let stamp = props.get("hs_timestamp").and_then(Value::as_str).unwrap_or_default();
                    if !(stamp.parse::<i64>().is_ok() || time::OffsetDateTime::parse(stamp, &time::format_description::well_known::Rfc3339).is_ok()) {
                        return error(400, "VALIDATION_ERROR", "Property values were not valid: hs_timestamp is required (ISO 8601 or milliseconds)");
                    }
                    if *object_type == "tasks" && props.get("hs_task_subject").and_then(Value::as_str).is_none_or(str::is_empty) {
                        return error(400, "VALIDATION_ERROR", "Property values were not valid: hs_task_subject is required");
                    }
                    st.next_id += 1;
                    let id = format!("{}", 9000 + st.next_id);
                    st.records.entry(object_type.to_string()).or_default().insert(id.clone(), props.clone());
                    results.push(json!({"id": id, "properties": props}));
                }
                ResponseTemplate::new(201).set_body_json(json!({"status": "COMPLETE", "results": results}))
            }
            ("POST", ["crm", "objects", "2026-09", object_type @ ("calls" | "tasks"), "search"]) => {
                let filter = &body["filterGroups"][0]["filters"][0];
                if filter["operator"] != "EQ" {
                    return error(400, "VALIDATION_ERROR", "only EQ is supported by this stand-in");
                }
                let (name, value) = (filter["propertyName"].as_str().unwrap_or_default(), filter["value"].as_str().unwrap_or_default());
                let found: Vec<Value> = st
                    .records
                    .get(*object_type)
                    .map(|r| r.iter().filter(|(_, p)| p.get(name).and_then(Value::as_str) == Some(value)).map(|(id, _)| json!({"id": id, "properties": {}})).collect())
                    .unwrap_or_default();
                ok(json!({"total": found.len(), "results": found}))
            }
            ("POST", ["crm", "objects", "2026-09", "contacts", "search"]) => {
                // The filters Debrief uses, ANDed as HubSpot does within a group: lastmodifieddate
                // GTE a time in ms, HAS_PROPERTY, hs_object_id GT; sorted by id when asked;
                // pages of `limit` (at most 200), and no more than 10,000 results a query.
                let filters: Vec<Value> = body["filterGroups"][0]["filters"].as_array().cloned().unwrap_or_default();
                let number = |v: &Value| v.as_str().and_then(|v| v.parse::<i64>().ok()).or_else(|| v.as_i64());
                let keep = |id: &str, p: &Map<String, Value>| {
                    filters.iter().all(|f| {
                        let name = f["propertyName"].as_str().unwrap_or_default();
                        match (f["operator"].as_str().unwrap_or_default(), name) {
                            ("GTE", "lastmodifieddate") => p.get(name).and_then(number).zip(number(&f["value"])).is_some_and(|(t, since)| t >= since),
                            ("GT", "hs_object_id") => id.parse::<i64>().ok().zip(number(&f["value"])).is_some_and(|(a, b)| a > b),
                            ("HAS_PROPERTY", _) => p.get(name).is_some_and(|v| !v.is_null() && v != ""),
                            _ => false,
                        }
                    })
                };
                let limit = body["limit"].as_u64().unwrap_or(10).min(200) as usize;
                let after: usize = body["after"].as_str().and_then(|v| v.parse().ok()).unwrap_or(0);
                if after + limit > 10_000 {
                    return error(400, "VALIDATION_ERROR", "search results are limited to 10,000");
                }
                let mut matching: Vec<(&String, &Map<String, Value>)> = st.contacts.iter().filter(|(id, p)| keep(id, p)).collect();
                if body["sorts"][0]["propertyName"] == "hs_object_id" {
                    matching.sort_by_key(|(id, _)| id.parse::<i64>().unwrap_or(0));
                }
                let wanted: Vec<&str> = body["properties"].as_array().map(|w| w.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
                let page: Vec<Value> = matching
                    .iter()
                    .skip(after)
                    .take(limit)
                    .map(|(id, p)| json!({"id": id, "properties": wanted.iter().map(|n| (n.to_string(), p.get(*n).cloned().unwrap_or(Value::Null))).collect::<Map<String, Value>>()}))
                    .collect();
                let mut answer = json!({"total": matching.len().min(10_000), "results": page});
                if after + limit < matching.len() {
                    answer["paging"] = json!({"next": {"after": (after + limit).to_string()}});
                }
                ok(answer)
            }
            ("POST", ["crm", "objects", "2026-09", object_type, "batch", "read"]) => {
                let mut results = Vec::new();
                for i in body["inputs"].as_array().unwrap() {
                    let id = i["id"].as_str().unwrap_or_default();
                    if let Some(props) = st.records.get(*object_type).and_then(|r| r.get(id)) {
                        let wanted: Map<String, Value> = body["properties"]
                            .as_array()
                            .map(|w| w.iter().filter_map(|n| n.as_str()).map(|n| (n.to_string(), props.get(n).cloned().unwrap_or(Value::Null))).collect())
                            .unwrap_or_default();
                        results.push(json!({"id": id, "properties": wanted}));
                    }
                }
                ok(json!({"status": "COMPLETE", "results": results}))
            }
            ("POST", ["crm", "associations", "2026-09", from, to, "batch", "read"]) => {
                let mut results = Vec::new();
                for i in body["inputs"].as_array().unwrap() {
                    let id = i["id"].as_str().unwrap_or_default();
                    let targets: Vec<Value> = st
                        .associations
                        .iter()
                        .filter(|(f, fid, t, _)| f == from && fid == id && t == to)
                        .map(|(_, _, _, tid)| json!({"toObjectId": tid.parse::<u64>().unwrap_or(0), "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 1, "label": null}]}))
                        .collect();
                    if !targets.is_empty() {
                        results.push(json!({"from": {"id": id}, "to": targets}));
                    }
                }
                ok(json!({"status": "COMPLETE", "results": results}))
            }
            ("GET", ["crm", "owners", "2026-09"]) => {
                ok(json!({"results": st.owners.iter().map(|(id, email)| json!({"id": id, "email": email, "type": "PERSON"})).collect::<Vec<_>>()}))
            }
            ("GET", ["crm", "owners", "2026-09", id]) => match st.owners.get(*id) {
                Some(email) => ok(json!({"id": id, "email": email, "type": "PERSON", "firstName": "Olive", "lastName": "Owner"})),
                None => error(404, "OBJECT_NOT_FOUND", "owner not found"),
            },
            _ => error(404, "OBJECT_NOT_FOUND", &format!("no route {method} {path}")),
        }
    }
}

impl Respond for HubSpotStandIn {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut st = self.state.lock().unwrap();
        let path = req.url.path().to_string();
        let resp = if path.starts_with("/oauth/") { self.oauth(&mut st, req) } else { self.crm(&mut st, req) };
        let inputs = serde_json::from_slice::<Value>(&req.body).ok().and_then(|b| b["inputs"].as_array().map(Vec::len)).unwrap_or(0);
        st.calls.push(Call { method: req.method.to_string(), path, inputs, at: Instant::now() });
        resp.insert_header("x-hubspot-ratelimit-max", "190").insert_header("x-hubspot-ratelimit-remaining", "150").insert_header("x-hubspot-ratelimit-interval-milliseconds", "10000")
    }
}
