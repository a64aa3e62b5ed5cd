//! The store port on one DynamoDB table (single-table design).
//!
//! | attribute | type | meaning |
//! | --- | --- | --- |
//! | `pk`, `sk` | S | partition and sort key |
//! | `body` | S | the item's JSON |
//! | `version` | N | optimistic-concurrency version, 1 on creation |
//! | `counter` | N | atomic counter (`UpdateItem ADD`) |
//! | `ttl` | N | expiry, Unix seconds (the table's TTL attribute) |
//! | `gsi1pk`, `gsi1sk` | S | the `gsi1` index: a coach's sessions by date |
//!
//! TTL deletion runs late, so every read and condition also treats an item past `ttl` as absent.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, Put, PutRequest, ReturnValue, ScalarAttributeType, TimeToLiveSpecification, TransactWriteItem, Update, WriteRequest,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::describe;
use crate::ports::store::{Item, Key, Page, Store, StoreError, check_item_size as check_size};

pub const INDEX_NAME: &str = "gsi1";
const BATCH_WRITE_MAX: usize = 25;

#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

type Attrs = HashMap<String, AttributeValue>;

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}


fn unavailable<E, R>(e: aws_sdk_dynamodb::error::SdkError<E, R>) -> StoreError
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    StoreError::Unavailable(describe(&e))
}

fn to_attrs(item: &Item) -> Attrs {
    let mut m = Attrs::new();
    m.insert("pk".into(), s(&item.key.pk));
    m.insert("sk".into(), s(&item.key.sk));
    m.insert("body".into(), s(&item.body));
    m.insert("version".into(), n(item.version));
    m.insert("counter".into(), n(item.counter));
    if let Some(t) = item.expires_at {
        m.insert("ttl".into(), n(t));
    }
    if let Some((ipk, isk)) = &item.index {
        m.insert("gsi1pk".into(), s(ipk));
        m.insert("gsi1sk".into(), s(isk));
    }
    m
}

fn get_s(m: &Attrs, k: &str) -> Option<String> {
    m.get(k).and_then(|v| v.as_s().ok()).cloned()
}

fn get_n(m: &Attrs, k: &str) -> Option<i64> {
    m.get(k).and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok())
}

fn from_attrs(m: &Attrs) -> Option<Item> {
    let expires_at = get_n(m, "ttl");
    if expires_at.is_some_and(|t| t <= crate::clock::unix_secs()) {
        return None;
    }
    Some(Item {
        key: Key::new(get_s(m, "pk")?, get_s(m, "sk")?),
        body: get_s(m, "body")?,
        version: get_n(m, "version")? as u64,
        counter: get_n(m, "counter").unwrap_or(0),
        expires_at,
        index: get_s(m, "gsi1pk").zip(get_s(m, "gsi1sk")),
    })
}

fn key_attrs(key: &Key) -> Attrs {
    HashMap::from([("pk".to_string(), s(&key.pk)), ("sk".to_string(), s(&key.sk))])
}

fn encode_cursor(last: &Attrs) -> String {
    let plain: HashMap<&str, &str> =
        last.iter().filter_map(|(k, v)| v.as_s().ok().map(|v| (k.as_str(), v.as_str()))).collect();
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&plain).expect("strings serialise"))
}

fn decode_cursor(c: &str) -> Result<Attrs, StoreError> {
    let bytes = URL_SAFE_NO_PAD.decode(c).map_err(|_| StoreError::BadCursor)?;
    let plain: HashMap<String, String> = serde_json::from_slice(&bytes).map_err(|_| StoreError::BadCursor)?;
    Ok(plain.into_iter().map(|(k, v)| (k, s(v))).collect())
}


impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }

    pub fn from_config(config: &aws_config::SdkConfig, table: impl Into<String>) -> Self {
        Self::new(Client::new(config), table)
    }

    /// Creates the table with its index and TTL if it does not exist (local runs and tests;
    /// in AWS the SAM template creates it).
    pub async fn ensure_table(&self) -> Result<(), StoreError> {
        let exists = self.client.describe_table().table_name(&self.table).send().await;
        if exists.is_ok() {
            return Ok(());
        }
        let key = |name: &str, kt: KeyType| KeySchemaElement::builder().attribute_name(name).key_type(kt).build().expect("complete");
        let attr = |name: &str| {
            AttributeDefinition::builder().attribute_name(name).attribute_type(ScalarAttributeType::S).build().expect("complete")
        };
        let gsi = GlobalSecondaryIndex::builder()
            .index_name(INDEX_NAME)
            .key_schema(key("gsi1pk", KeyType::Hash))
            .key_schema(key("gsi1sk", KeyType::Range))
            .projection(Projection::builder().projection_type(ProjectionType::All).build())
            .build()
            .expect("complete");
        let created = self
            .client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .key_schema(key("pk", KeyType::Hash))
            .key_schema(key("sk", KeyType::Range))
            .attribute_definitions(attr("pk"))
            .attribute_definitions(attr("sk"))
            .attribute_definitions(attr("gsi1pk"))
            .attribute_definitions(attr("gsi1sk"))
            .global_secondary_indexes(gsi)
            .send()
            .await;
        if let Err(e) = created {
            // Another process may have created it meanwhile.
            if !e.as_service_error().is_some_and(|s| s.is_resource_in_use_exception()) {
                return Err(unavailable(e));
            }
        }
        for _ in 0..60 {
            let d = self.client.describe_table().table_name(&self.table).send().await.map_err(unavailable)?;
            if d.table().and_then(|t| t.table_status()).is_some_and(|s| s.as_str() == "ACTIVE") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        let ttl = TimeToLiveSpecification::builder().enabled(true).attribute_name("ttl").build().expect("complete");
        self.client.update_time_to_live().table_name(&self.table).time_to_live_specification(ttl).send().await.map_err(unavailable)?;
        Ok(())
    }
}

impl DynamoStore {
    /// Runs one page of a query from `cursor`; the next page's cursor is DynamoDB's
    /// `LastEvaluatedKey`, encoded.
    async fn page(
        &self,
        q: aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<Page, StoreError> {
        let start = cursor.map(decode_cursor).transpose()?;
        let out = q
            .table_name(&self.table)
            .limit(limit.max(1) as i32)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(Page {
            items: out.items().iter().filter_map(from_attrs).collect(),
            cursor: out.last_evaluated_key().map(encode_cursor),
        })
    }
}

impl Store for DynamoStore {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key_attrs(key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out.item().and_then(from_attrs))
    }

    async fn put_new(&self, item: &Item) -> Result<(), StoreError> {
        check_size(item)?;
        let mut fresh = item.clone();
        fresh.version = 1;
        let r = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_attrs(&fresh)))
            .condition_expression("attribute_not_exists(pk) OR #ttl <= :now")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":now", n(crate::clock::unix_secs()))
            .send()
            .await;
        match r {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => {
                Err(StoreError::AlreadyExists)
            }
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn put_new_with_counter(&self, item: &Item, counter_key: &Key, delta: i64) -> Result<(), StoreError> {
        check_size(item)?;
        let mut fresh = item.clone();
        fresh.version = 1;
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(to_attrs(&fresh)))
            .condition_expression("attribute_not_exists(pk) OR #ttl <= :now")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":now", n(crate::clock::unix_secs()))
            .build()
            .expect("complete");
        let add = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key_attrs(counter_key)))
            .update_expression("ADD #c :d")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#c", "counter")
            .expression_attribute_values(":d", n(delta))
            .build()
            .expect("complete");
        let r = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(put).build())
            .transact_items(TransactWriteItem::builder().update(add).build())
            .send()
            .await;
        match r {
            Ok(_) => Ok(()),
            Err(e) => {
                let reasons: Vec<String> = e
                    .as_service_error()
                    .and_then(|s| match s {
                        aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(t) => {
                            Some(t.cancellation_reasons().iter().map(|r| r.code().unwrap_or("None").to_string()).collect())
                        }
                        _ => None,
                    })
                    .unwrap_or_default();
                match reasons.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
                    ["ConditionalCheckFailed", ..] => Err(StoreError::AlreadyExists),
                    [_, "ConditionalCheckFailed"] => Err(StoreError::NotFound),
                    _ => Err(unavailable(e)),
                }
            }
        }
    }

    async fn update(&self, item: &Item, expected_version: u64) -> Result<u64, StoreError> {
        check_size(item)?;
        let mut set = vec!["body = :body", "version = :new"];
        let mut remove = Vec::new();
        let mut req = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_attrs(&item.key)))
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":body", s(&item.body))
            .expression_attribute_values(":new", n(expected_version + 1))
            .expression_attribute_values(":expected", n(expected_version))
            .expression_attribute_values(":now", n(crate::clock::unix_secs()));
        match item.expires_at {
            Some(t) => {
                set.push("#ttl = :ttl");
                req = req.expression_attribute_values(":ttl", n(t));
            }
            None => remove.push("#ttl"),
        }
        match &item.index {
            Some((ipk, isk)) => {
                set.push("gsi1pk = :ipk");
                set.push("gsi1sk = :isk");
                req = req.expression_attribute_values(":ipk", s(ipk)).expression_attribute_values(":isk", s(isk));
            }
            None => remove.extend(["gsi1pk", "gsi1sk"]),
        }
        let mut expr = format!("SET {}", set.join(", "));
        if !remove.is_empty() {
            expr.push_str(&format!(" REMOVE {}", remove.join(", ")));
        }
        let r = req
            .update_expression(expr)
            .condition_expression("attribute_exists(pk) AND version = :expected AND (attribute_not_exists(#ttl) OR #ttl > :now)")
            .send()
            .await;
        match r {
            Ok(_) => Ok(expected_version + 1),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => {
                // Tell a missing item from a newer one.
                match self.get(&item.key).await? {
                    Some(_) => Err(StoreError::Conflict),
                    None => Err(StoreError::NotFound),
                }
            }
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn update_all(&self, items: &[(Item, u64)]) -> Result<Vec<Result<u64, StoreError>>, StoreError> {
        // Sixteen conditional writes at a time: each is its own condition, as `update`.
        let mut out = Vec::with_capacity(items.len());
        for chunk in items.chunks(16) {
            let mut writes = Vec::with_capacity(chunk.len());
            for (item, expected) in chunk {
                writes.push(self.update(item, *expected));
            }
            out.extend(futures_util::future::join_all(writes).await);
        }
        Ok(out)
    }

    async fn add_to_counter(&self, key: &Key, delta: i64) -> Result<i64, StoreError> {
        let r = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_attrs(key)))
            .update_expression("ADD #c :d")
            .condition_expression("attribute_exists(pk) AND (attribute_not_exists(#ttl) OR #ttl > :now)")
            .expression_attribute_names("#c", "counter")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":d", n(delta))
            .expression_attribute_values(":now", n(crate::clock::unix_secs()))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await;
        match r {
            Ok(out) => out.attributes().and_then(|a| get_n(a, "counter")).ok_or_else(|| StoreError::Unavailable("no counter returned".into())),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => Err(StoreError::NotFound),
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn put_all(&self, items: &[Item]) -> Result<(), StoreError> {
        for item in items {
            check_size(item)?;
        }
        for chunk in items.chunks(BATCH_WRITE_MAX) {
            let mut pending: Vec<WriteRequest> = chunk
                .iter()
                .map(|i| {
                    let put = PutRequest::builder().set_item(Some(to_attrs(i))).build().expect("complete");
                    WriteRequest::builder().put_request(put).build()
                })
                .collect();
            // Unprocessed items come back under throttling; retry them with backoff.
            for attempt in 0..8u32 {
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, pending)
                    .send()
                    .await
                    .map_err(unavailable)?;
                pending = out.unprocessed_items().and_then(|m| m.get(&self.table)).cloned().unwrap_or_default();
                if pending.is_empty() {
                    break;
                }
                if attempt == 7 {
                    return Err(StoreError::Unavailable(format!("{} items left unprocessed", pending.len())));
                }
                let cap = 50u64 << attempt;
                tokio::time::sleep(Duration::from_millis(fastrand::u64(cap / 2..=cap))).await;
            }
        }
        Ok(())
    }

    async fn delete(&self, key: &Key) -> Result<(), StoreError> {
        self.client.delete_item().table_name(&self.table).set_key(Some(key_attrs(key))).send().await.map_err(unavailable)?;
        Ok(())
    }

    async fn query(&self, pk: &str, prefix: &str, limit: usize, cursor: Option<&str>) -> Result<Page, StoreError> {
        let q = self
            .client
            .query()
            .consistent_read(true)
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", s(pk))
            .expression_attribute_values(":prefix", s(prefix));
        self.page(q, limit, cursor).await
    }

    async fn query_index_desc(&self, index_pk: &str, limit: usize, cursor: Option<&str>) -> Result<Page, StoreError> {
        let q = self
            .client
            .query()
            .index_name(INDEX_NAME)
            .key_condition_expression("gsi1pk = :p")
            .expression_attribute_values(":p", s(index_pk))
            .scan_index_forward(false);
        self.page(q, limit, cursor).await
    }
}
