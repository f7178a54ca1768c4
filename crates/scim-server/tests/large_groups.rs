//! Member PATCHes on a large group, through the engine, on the in-memory store (which
//! patches groups in place, keeps their member identities between requests and relinks
//! memberships by the members added and removed) and on the SQLite store (member deltas
//! against its membership table): after every request, both show the same members, the
//! same answers, and every user's `groups` agrees with the groups' members.
#![cfg(feature = "sqlite")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use bytes::Bytes;
use http::{Request, Response};
use scim_server::auth::AllowAll;
use scim_server::store::{MemoryStore, SqliteStore};
use scim_server::{ScimServer, ServerConfig};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

const BASE: &str = "/scim/v2";

fn request(method: &str, path: &str, body: Option<Value>) -> Request<Bytes> {
    Request::builder()
        .method(method)
        .uri(format!("{BASE}{path}"))
        .header("content-type", "application/scim+json")
        .body(body.map_or_else(Bytes::new, |b| Bytes::from(b.to_string())))
        .unwrap()
}

fn body(resp: &Response<Bytes>) -> Value {
    serde_json::from_slice(resp.body()).unwrap_or(Value::Null)
}

/// One server per store, with the same users (ids differ per store; requests name users by
/// their index).
struct Twin {
    server: ScimServer,
    users: Vec<String>,
    group: String,
    other: String,
}

async fn twin(server: ScimServer, members: usize) -> Twin {
    let mut users = Vec::new();
    for i in 0..90 {
        let u = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                       "userName": format!("user{i:03}")});
        let resp = server.handle(request("POST", "/Users", Some(u))).await;
        assert_eq!(resp.status(), 201);
        users.push(body(&resp)["id"].as_str().unwrap().to_owned());
    }
    let listed: Vec<Value> = users[..members]
        .iter()
        .map(|id| json!({"value": id}))
        .collect();
    let g = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                   "displayName": "Everyone", "members": listed});
    let resp = server.handle(request("POST", "/Groups", Some(g))).await;
    assert_eq!(resp.status(), 201);
    let group = body(&resp)["id"].as_str().unwrap().to_owned();
    let o = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                   "displayName": "Others", "members": [{"value": users[0]}]});
    let resp = server.handle(request("POST", "/Groups", Some(o))).await;
    let other = body(&resp)["id"].as_str().unwrap().to_owned();
    Twin {
        server,
        users,
        group,
        other,
    }
}

/// A member PATCH, naming users by index (`u7`) or an id that is no user (`ghost`).
#[derive(Debug, Clone)]
enum Op {
    Add(Vec<&'static str>),
    RemoveFilter(&'static str),
    RemoveList(Vec<&'static str>),
    Replace(Vec<&'static str>),
    DisplayOfOne(&'static str),
    Rename(&'static str),
}

impl Twin {
    fn id(&self, name: &str) -> String {
        match name.strip_prefix('u') {
            Some(i) => self.users[i.parse::<usize>().unwrap()].clone(),
            None => name.to_owned(),
        }
    }

    fn op(&self, op: &Op) -> Value {
        let items = |names: &[&str]| -> Value {
            names.iter().map(|n| json!({"value": self.id(n)})).collect()
        };
        match op {
            Op::Add(n) => json!({"op": "add", "path": "members", "value": items(n)}),
            Op::RemoveFilter(n) => {
                json!({"op": "remove", "path": format!("members[value eq \"{}\"]", self.id(n))})
            }
            Op::RemoveList(n) => json!({"op": "remove", "path": "members", "value": items(n)}),
            Op::Replace(n) => json!({"op": "replace", "path": "members", "value": items(n)}),
            Op::DisplayOfOne(n) => json!({"op": "replace",
                "path": format!("members[value eq \"{}\"].display", self.id(n)), "value": "Shown"}),
            Op::Rename(name) => json!({"op": "replace", "path": "displayName", "value": name}),
        }
    }

    async fn patch(&self, ops: &[Op]) -> (u16, Option<String>) {
        let b = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                       "Operations": ops.iter().map(|o| self.op(o)).collect::<Vec<_>>()});
        let path = format!("/Groups/{}?excludedAttributes=members", self.group);
        let resp = self.server.handle(request("PATCH", &path, Some(b))).await;
        let scim_type = body(&resp)["scimType"].as_str().map(str::to_owned);
        (resp.status().as_u16(), scim_type)
    }

    /// The group's members as user indexes (or raw ids), sorted.
    async fn members(&self) -> Vec<String> {
        let resp = self
            .server
            .handle(request("GET", &format!("/Groups/{}", self.group), None))
            .await;
        let etag = resp.headers().get("etag").and_then(|v| v.to_str().ok());
        let version = body(&resp)["meta"]["version"].as_str().map(str::to_owned);
        assert_eq!(etag, version.as_deref(), "meta.version is the ETag");
        let mut m: Vec<String> = body(&resp)["members"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|m| self.name(m["value"].as_str().unwrap()))
                    .collect()
            })
            .unwrap_or_default();
        m.sort();
        m
    }

    fn name(&self, id: &str) -> String {
        match self.users.iter().position(|u| u == id) {
            Some(i) => format!("u{i}"),
            None => id.to_owned(),
        }
    }

    /// Each user's groups, by group name ("group" or "other").
    async fn groups_of_users(&self) -> BTreeMap<String, BTreeSet<String>> {
        let mut out = BTreeMap::new();
        for (i, id) in self.users.iter().enumerate() {
            let resp = self
                .server
                .handle(request("GET", &format!("/Users/{id}"), None))
                .await;
            let gs: BTreeSet<String> = body(&resp)["groups"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|g| {
                            let gid = g["value"].as_str().unwrap();
                            if gid == self.group {
                                "group"
                            } else if gid == self.other {
                                "other"
                            } else {
                                gid
                            }
                            .to_owned()
                        })
                        .collect()
                })
                .unwrap_or_default();
            out.insert(format!("u{i}"), gs);
        }
        out
    }
}

fn script() -> Vec<Vec<Op>> {
    use Op::*;
    vec![
        vec![Add(vec!["u70"])],
        vec![Add(vec!["u71", "u72"]), Add(vec!["u73"])],
        vec![Add(vec!["u70"])],
        vec![Add(vec!["ghost-1"])],
        vec![RemoveFilter("u3")],
        vec![Add(vec!["u74"]), RemoveFilter("nobody")],
        vec![Add(vec!["u75"]), RemoveFilter("u75")],
        vec![RemoveFilter("u4"), Add(vec!["u4"])],
        vec![RemoveList(vec!["u5", "u6", "u80"])],
        vec![DisplayOfOne("u7")],
        vec![Add(vec!["u76"])],
        vec![Rename("Everybody"), Add(vec!["u77"])],
        vec![Replace(vec!["u1", "u2", "u81"])],
        vec![Add(vec!["u82"])],
        vec![RemoveFilter("u1")],
    ]
}

async fn run_script(members: usize, script: Vec<Vec<Op>>) {
    let config = ServerConfig::standard();
    let memory = MemoryStore::new(config.registry.clone());
    let memory = twin(ScimServer::new(config, memory, AllowAll).unwrap(), members).await;
    let config = ServerConfig::standard();
    let dir = std::env::temp_dir().join("scim-large-group-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join(format!("{}.db", uuid::Uuid::new_v4()));
    let sqlite = SqliteStore::open(db, config.registry.clone()).unwrap();
    let sqlite = twin(ScimServer::new(config, sqlite, AllowAll).unwrap(), members).await;
    for ops in script {
        let (a, b) = (memory.patch(&ops).await, sqlite.patch(&ops).await);
        assert_eq!(a, b, "{ops:?}: the stores answer alike");
        let members = memory.members().await;
        assert_eq!(members, sqlite.members().await, "{ops:?}: the same members");
        let groups = memory.groups_of_users().await;
        assert_eq!(
            groups,
            sqlite.groups_of_users().await,
            "{ops:?}: the same groups"
        );
        for (user, gs) in &groups {
            assert_eq!(
                gs.contains("group"),
                members.contains(user),
                "{ops:?}: {user}'s groups follow the group's members"
            );
        }
    }
}

#[tokio::test]
async fn large_group_member_patches_agree_across_stores() {
    run_script(66, script()).await;
}

#[tokio::test]
async fn small_group_member_patches_agree_across_stores() {
    run_script(10, script()).await;
}

/// Removals before any add: the index is first built by a removal, which is reported as a
/// delta too.
#[tokio::test]
async fn large_group_removals_first_agree_across_stores() {
    use Op::*;
    let script = vec![
        vec![RemoveFilter("u2")],
        vec![RemoveList(vec!["u3", "u4", "u88"])],
        vec![Add(vec!["u70"]), RemoveFilter("u70")],
        vec![RemoveFilter("u5"), RemoveFilter("nobody")],
        vec![Add(vec!["u5", "u71"])],
    ];
    run_script(66, script).await;
}
