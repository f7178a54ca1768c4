//! `scim serve --preset …` end to end over loopback: each product's own flows, as its
//! clients run them.

use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const BADGE: &str = "urn:ietf:params:scim:schemas:extension:badge:2.0:User";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const SEARCH: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/// A `scim serve` child process, killed on drop, with what it printed.
struct Served {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    /// `http://127.0.0.1:PORT`
    origin: String,
    /// The origin and the base path.
    base: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    fn start(args: &[&str]) -> Served {
        let mut child = Command::new(env!("CARGO_BIN_EXE_scim"))
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(args)
            .env("SCIM_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                sink.lock().unwrap().push(line);
            }
        });
        let mut served = Served {
            child,
            lines,
            origin: String::new(),
            base: String::new(),
        };
        let url_line = served.line_with("serving SCIM 2.0 at ");
        served.base = url_line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap()
            .to_owned();
        let after_scheme = &served.base["http://".len()..];
        let host_end = after_scheme.find('/').unwrap_or(after_scheme.len());
        served.origin = format!("http://{}", &after_scheme[..host_end]);
        served
    }

    /// The first printed line containing `needle`, waiting for it.
    fn line_with(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(l) = self
                .lines
                .lock()
                .unwrap()
                .iter()
                .find(|l| l.contains(needle))
            {
                return l.clone();
            }
            assert!(
                Instant::now() < deadline,
                "no line with {needle:?} in {:?}",
                self.lines.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// A temporary file path, removed (with SQLite's side files) on drop.
struct TempDb(PathBuf);

impl TempDb {
    fn new(name: &str) -> TempDb {
        let path = std::env::temp_dir().join(format!("scim-preset-{}-{name}", std::process::id()));
        let db = TempDb(path);
        db.clean();
        db
    }

    fn arg(&self) -> &str {
        self.0.to_str().unwrap()
    }

    fn clean(&self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.0.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        self.clean();
    }
}

async fn body(r: Response) -> (StatusCode, Value) {
    let status = r.status();
    let text = r.text().await.unwrap();
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
    };
    (status, value)
}

/// `(status, body)` of a request with a bearer token and an optional JSON body.
async fn call(
    c: &Client,
    method: reqwest::Method,
    url: &str,
    token: &str,
    json_body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = c.request(method, url).bearer_auth(token);
    if let Some(b) = json_body {
        req = req
            .header("content-type", "application/scim+json")
            .body(b.to_string());
    }
    body(req.send().await.unwrap()).await
}

/// The OAuth 2.0 token endpoint with the client in HTTP Basic.
async fn token(s: &Served, client: (&str, &str), form: &str) -> (StatusCode, Value) {
    let r = Client::new()
        .post(format!("{}/connect/token", s.origin))
        .basic_auth(client.0, Some(client.1))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.to_owned())
        .send()
        .await
        .unwrap();
    body(r).await
}

/// The refresh-token grant.
async fn refresh_grant(
    s: &Served,
    client: (&str, &str),
    refresh_token: &str,
) -> (StatusCode, Value) {
    token(
        s,
        client,
        &format!("grant_type=refresh_token&refresh_token={refresh_token}"),
    )
    .await
}

/// The word after `key` in `line` (trailing `,` dropped).
fn word_after(line: &str, key: &str) -> String {
    let rest = &line[line
        .find(key)
        .unwrap_or_else(|| panic!("{key:?} in {line:?}"))
        + key.len()..];
    rest.split_whitespace()
        .next()
        .unwrap()
        .trim_end_matches(',')
        .to_owned()
}

/// The id of the group called `name`, found by `displayName`.
async fn group_id(c: &Client, s: &Served, token: &str, name: &str) -> String {
    let filter = format!("displayName eq \"{name}\"");
    let url = filtered(s, "/Groups", &filter);
    let (status, list) = call(c, reqwest::Method::GET, &url, token, None).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["totalResults"], 1, "{list}");
    list["Resources"][0]["id"].as_str().unwrap().to_owned()
}

/// `endpoint?filter=…`, the filter form-encoded.
fn filtered(s: &Served, endpoint: &str, filter: &str) -> String {
    reqwest::Url::parse_with_params(&s.url(endpoint), [("filter", filter)])
        .unwrap()
        .to_string()
}

/// `filter=userName eq "name"`: the matching users' ids.
async fn find_user(c: &Client, s: &Served, token: &str, name: &str) -> Vec<String> {
    let filter = format!("userName eq \"{name}\"");
    let url = filtered(s, "/Users", &filter);
    let (status, list) = call(c, reqwest::Method::GET, &url, token, None).await;
    assert_eq!(status, 200, "{list}");
    list["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .collect()
}

fn group_ids(user: &Value) -> Vec<&str> {
    user["groups"]
        .as_array()
        .map(|g| g.iter().filter_map(|m| m["value"].as_str()).collect())
        .unwrap_or_default()
}

/// The locker system's customer sync, with the credentials `scim serve --preset locker`
/// makes up and prints: log in, look up by username, create, update, delete, refresh.
#[tokio::test]
async fn locker_customer_sync_with_the_printed_credentials() {
    use reqwest::Method;
    let db = TempDb::new("locker.db");
    let s = Served::start(&["--preset", "locker", "--db", db.arg()]);
    assert!(s.base.ends_with("/api"), "{}", s.base);
    let client_line = s.line_with("OAuth2 client locker-client");
    let secret = word_after(&client_line, "secret ");
    let user_a = s.line_with("API user api-company-a");
    let password_a = word_after(&user_a, "password ");
    let user_b = s.line_with("API user api-company-b");
    let password_b = word_after(&user_b, "password ");
    assert!(s.line_with("curl").contains("grant_type=password"));
    let c = Client::new();
    let client = ("locker-client", secret.as_str());

    // Nothing works without a token.
    let r = c.get(s.url("/Users")).send().await.unwrap();
    assert_eq!(r.status(), 401);

    // Log in as company A's API user: 1 h access token, and a refresh token.
    let form = format!("grant_type=password&username=api-company-a&password={password_a}");
    let (status, login) = token(&s, client, &form).await;
    assert_eq!(status, 200, "{login}");
    assert_eq!(login["expires_in"], 3600);
    let access = login["access_token"].as_str().unwrap().to_owned();
    let refresh = login["refresh_token"].as_str().unwrap().to_owned();
    // A wrong password is refused.
    let (status, _) = token(
        &s,
        client,
        "grant_type=password&username=api-company-a&password=nope",
    )
    .await;
    assert_eq!(status, 400);

    // The seeded groups are there, without members; they cannot be written.
    let staff = group_id(&c, &s, &access, "Staff lockers").await;
    let visitors = group_id(&c, &s, &access, "Visitor lockers").await;
    let (status, err) = call(
        &c,
        Method::POST,
        &s.url("/Groups"),
        &access,
        Some(
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "x"}),
        ),
    )
    .await;
    assert_eq!(status, 405, "{err}");

    // Look up by username: not there yet; create.
    assert!(find_user(&c, &s, &access, "alice").await.is_empty());
    let alice = json!({
        "schemas": [USER, BADGE],
        "userName": "alice",
        "name": {"givenName": "Alice", "familyName": "Smith"},
        "active": true,
        "emails": [{"value": "alice@company-a.example"}],
        "groups": [{"value": staff}],
        BADGE: {"badges": [{"value": "B-1001", "display": "Front door"}]}
    });
    let (status, created) = call(&c, Method::POST, &s.url("/Users"), &access, Some(alice)).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(group_ids(&created), [staff.as_str()]);
    assert_eq!(created[BADGE]["badges"][0]["display"], "Front door");
    assert_eq!(find_user(&c, &s, &access, "ALICE").await, [id.as_str()]);
    // The group shows no members, even to the user's company.
    let (_, group) = call(
        &c,
        Method::GET,
        &s.url(&format!("/Groups/{staff}")),
        &access,
        None,
    )
    .await;
    assert!(group.get("members").is_none(), "{group}");
    // Uniqueness, and one email only.
    let dup =
        json!({"schemas": [USER], "userName": "alice", "emails": [{"value": "a2@x.example"}]});
    let (status, err) = call(&c, Method::POST, &s.url("/Users"), &access, Some(dup)).await;
    assert_eq!(
        (status.as_u16(), &err["scimType"]),
        (409, &json!("uniqueness"))
    );
    let two = json!({"schemas": [USER], "userName": "bob",
        "emails": [{"value": "b1@x.example"}, {"value": "b2@x.example"}]});
    let (status, err) = call(&c, Method::POST, &s.url("/Users"), &access, Some(two)).await;
    assert_eq!(
        (status.as_u16(), &err["scimType"]),
        (400, &json!("invalidValue"))
    );

    // Update: a PUT that renames, deactivates and moves her to the visitor lockers.
    let put = json!({
        "schemas": [USER],
        "userName": "alice",
        "name": {"givenName": "Alice", "familyName": "Jones"},
        "active": false,
        "emails": [{"value": "alice.jones@company-a.example"}],
        "groups": [{"value": visitors}]
    });
    let user_url = s.url(&format!("/Users/{id}"));
    let (status, replaced) = call(&c, Method::PUT, &user_url, &access, Some(put)).await;
    assert_eq!(status, 200, "{replaced}");
    assert_eq!(replaced["name"]["familyName"], "Jones");
    assert_eq!(replaced["active"], false);
    assert_eq!(group_ids(&replaced), [visitors.as_str()]);
    // And a PATCH that reactivates her.
    let patch = json!({"schemas": [PATCH_OP],
        "Operations": [{"op": "replace", "path": "active", "value": true}]});
    let (status, patched) = call(&c, Method::PATCH, &user_url, &access, Some(patch)).await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["active"], true);

    // Company B's API user, on the same client, sees none of company A.
    let form = format!("grant_type=password&username=api-company-b&password={password_b}");
    let (status, login_b) = token(&s, client, &form).await;
    assert_eq!(status, 200, "{login_b}");
    let access_b = login_b["access_token"].as_str().unwrap();
    assert!(find_user(&c, &s, access_b, "alice").await.is_empty());
    let (status, _) = call(&c, Method::GET, &user_url, access_b, None).await;
    assert_eq!(status, 404);

    // Token refresh: a new pair; the used refresh token is spent.
    let (status, renewed) = refresh_grant(&s, client, &refresh).await;
    assert_eq!(status, 200, "{renewed}");
    let access2 = renewed["access_token"].as_str().unwrap().to_owned();
    assert_ne!(access2, access);
    let (status, _) = call(&c, Method::GET, &user_url, &access2, None).await;
    assert_eq!(status, 200);
    let (status, again) = refresh_grant(&s, client, &refresh).await;
    assert_eq!(
        (status.as_u16(), &again["error"]),
        (400, &json!("invalid_grant"))
    );

    // Replaying a spent refresh token revokes what descends from that login.
    let (status, _) = call(&c, Method::GET, &user_url, &access2, None).await;
    assert_eq!(status, 401);

    // Log in again, renew once, and delete with the renewed token.
    let form = format!("grant_type=password&username=api-company-a&password={password_a}");
    let (_, login) = token(&s, client, &form).await;
    let refresh = login["refresh_token"].as_str().unwrap();
    let (status, renewed) = refresh_grant(&s, client, refresh).await;
    assert_eq!(status, 200, "{renewed}");
    let access3 = renewed["access_token"].as_str().unwrap();
    let (status, _) = call(&c, Method::DELETE, &user_url, access3, None).await;
    assert_eq!(status, 204);
    let (status, _) = call(&c, Method::GET, &user_url, access3, None).await;
    assert_eq!(status, 404);
    assert!(find_user(&c, &s, access3, "alice").await.is_empty());
}

/// An expired access token is refused with 401; the refresh token gets a new one.
#[tokio::test]
async fn locker_access_tokens_expire_and_refresh() {
    use reqwest::Method;
    let config = TempDb::new("locker.toml");
    std::fs::write(
        &config.0,
        r#"
[tokens]
access_ttl = 4

[[tenants]]
name = "company-a"
[[tenants]]
name = "company-b"

[[clients]]
id = "locker-app"
secret = "locker-app-secret"
tenants = ["company-a", "company-b"]

[[users]]
username = "api-a"
password = "api-a-password"
tenant = "company-a"
"#,
    )
    .unwrap();
    let s = Served::start(&["--preset", "locker", "--memory", "--config", config.arg()]);
    assert!(
        s.line_with("credentials from --config")
            .contains("/connect/token")
    );
    let c = Client::new();
    let client = ("locker-app", "locker-app-secret");
    let (status, login) = token(
        &s,
        client,
        "grant_type=password&username=api-a&password=api-a-password",
    )
    .await;
    assert_eq!(status, 200, "{login}");
    // Issued before this instant, so expired 4 s after it.
    let logged_in = Instant::now();
    assert_eq!(login["expires_in"], 4);
    let access = login["access_token"].as_str().unwrap();
    let refresh = login["refresh_token"].as_str().unwrap();
    let expiry = logged_in + Duration::from_millis(4200);
    // The groups were seeded in the configured companies.
    group_id(&c, &s, access, "Locker administrators").await;

    let (status, list) = call(&c, Method::GET, &s.url("/Users"), access, None).await;
    assert_eq!(status, 200, "{list}");

    tokio::time::sleep(expiry.saturating_duration_since(Instant::now())).await;
    let r = c
        .get(s.url("/Users"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("www-authenticate"));
    let (status, renewed) = refresh_grant(&s, client, refresh).await;
    assert_eq!(status, 200, "{renewed}");
    let (status, list) = call(
        &c,
        Method::GET,
        &s.url("/Users"),
        renewed["access_token"].as_str().unwrap(),
        None,
    )
    .await;
    assert_eq!(status, 200, "{list}");
}

/// The identity-governance connector against the case-management app: uniqueness lookups,
/// create with a primary email, PATCH with capitalized keys, profile member add and remove.
#[tokio::test]
async fn case_management_connector_flow() {
    use reqwest::Method;
    let db = TempDb::new("case.db");
    let token = "case-token";
    let s = Served::start(&[
        "--preset",
        "case-management",
        "--db",
        db.arg(),
        "--token",
        token,
    ]);
    assert!(s.base.ends_with("/scim/v2"), "{}", s.base);
    let c = Client::new();
    let r = c.get(s.url("/Users")).send().await.unwrap();
    assert_eq!(r.status(), 401);

    let worker = group_id(&c, &s, token, "Case worker").await;
    // Uniqueness lookup, then create with a primary email.
    assert!(find_user(&c, &s, token, "jdoe").await.is_empty());
    let jdoe = json!({
        "schemas": [USER],
        "userName": "jdoe",
        "name": {"givenName": "John", "familyName": "Doe"},
        "active": true,
        "emails": [{"value": "john@example.com", "type": "work", "primary": true}]
    });
    let (status, created) = call(
        &c,
        Method::POST,
        &s.url("/Users"),
        token,
        Some(jdoe.clone()),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["emails"][0]["primary"], true);
    assert_eq!(find_user(&c, &s, token, "jdoe").await, [id.as_str()]);
    let (status, err) = call(&c, Method::POST, &s.url("/Users"), token, Some(jdoe)).await;
    assert_eq!(
        (status.as_u16(), &err["scimType"]),
        (409, &json!("uniqueness"))
    );

    // Only what changed, with the connector's capitalized keys.
    let user_url = s.url(&format!("/Users/{id}"));
    let patch = json!({"schemas": [PATCH_OP], "Operations": [
        {"Op": "Replace", "Path": "emails[primary eq true].value", "Value": "john.doe@example.com"},
        {"Op": "Replace", "Path": "name.familyName", "Value": "Dough"}
    ]});
    let (status, patched) = call(&c, Method::PATCH, &user_url, token, Some(patch)).await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["emails"][0]["value"], "john.doe@example.com");
    assert_eq!(patched["emails"][0]["primary"], true);
    assert_eq!(patched["name"]["familyName"], "Dough");

    // Search by the app's attributes; others are refused.
    let search = |filter: &str| json!({"schemas": [SEARCH], "filter": filter});
    let (status, found) = call(
        &c,
        Method::POST,
        &s.url("/Users/.search"),
        token,
        Some(search(
            "givenName eq \"john\" and familyName sw \"Dou\" and active eq true",
        )),
    )
    .await;
    assert_eq!(
        (status.as_u16(), &found["totalResults"]),
        (200, &json!(1)),
        "{found}"
    );
    let (status, err) = call(
        &c,
        Method::POST,
        &s.url("/Users/.search"),
        token,
        Some(search("title eq \"x\"")),
    )
    .await;
    assert_eq!(
        (status.as_u16(), &err["scimType"]),
        (400, &json!("invalidFilter"))
    );

    // Profile members: add, then remove both ways connectors send it.
    let group_url = s.url(&format!("/Groups/{worker}"));
    let add = json!({"schemas": [PATCH_OP], "Operations": [
        {"op": "add", "path": "members", "value": [{"value": id}]}]});
    let (status, group) = call(&c, Method::PATCH, &group_url, token, Some(add.clone())).await;
    assert_eq!(status, 200, "{group}");
    assert_eq!(group["members"][0]["value"], id);
    let (_, user) = call(&c, Method::GET, &user_url, token, None).await;
    assert_eq!(group_ids(&user), [worker.as_str()]);
    let remove = json!({"schemas": [PATCH_OP], "Operations": [
        {"op": "remove", "path": format!("members[value eq \"{id}\"]")}]});
    let (status, group) = call(&c, Method::PATCH, &group_url, token, Some(remove)).await;
    assert_eq!(status, 200, "{group}");
    assert!(
        group["members"].as_array().is_none_or(Vec::is_empty),
        "{group}"
    );
    call(&c, Method::PATCH, &group_url, token, Some(add)).await;
    let remove_list = json!({"schemas": [PATCH_OP], "Operations": [
        {"Op": "Remove", "Path": "members", "Value": [{"value": id}]}]});
    let (status, _) = call(&c, Method::PATCH, &group_url, token, Some(remove_list)).await;
    assert_eq!(status.as_u16(), 200);
    let (_, user) = call(&c, Method::GET, &user_url, token, None).await;
    assert!(group_ids(&user).is_empty(), "{user}");

    // Profiles cannot be created, replaced or deleted.
    let (status, _) = call(&c, Method::DELETE, &group_url, token, None).await;
    assert_eq!(status, 405);
    let (status, _) = call(
        &c,
        Method::PUT,
        &group_url,
        token,
        Some(
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "x"}),
        ),
    )
    .await;
    assert_eq!(status, 405);

    // The app's tables outlive the server: a restart sees the user, and seeds nothing twice.
    drop(s);
    let s = Served::start(&[
        "--preset",
        "case-management",
        "--db",
        db.arg(),
        "--token",
        token,
    ]);
    assert_eq!(find_user(&c, &s, token, "jdoe").await, [id.as_str()]);
    assert_eq!(group_id(&c, &s, token, "Case worker").await, worker);
    let (status, _) = call(
        &c,
        Method::DELETE,
        &s.url(&format!("/Users/{id}")),
        token,
        None,
    )
    .await;
    assert_eq!(status, 204);
    assert!(find_user(&c, &s, token, "jdoe").await.is_empty());
}

/// Without `--token` or `--config`, the case-management preset makes up a token and prints it;
/// profiles come from `[seed] groups` when the configuration names them.
#[tokio::test]
async fn case_management_prints_its_token_and_seeds_configured_profiles() {
    let s = Served::start(&["--preset", "case-management", "--memory"]);
    let line = s.line_with("bearer token ");
    let token = word_after(&line, "bearer token ");
    let c = Client::new();
    let (status, list) = call(&c, reqwest::Method::GET, &s.url("/Groups"), &token, None).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["totalResults"], 3, "{list}");
    drop(s);

    let config = TempDb::new("case.toml");
    std::fs::write(
        &config.0,
        "[[bearer]]\ntoken = \"ops-token\"\ntenant = \"acme\"\n\n[seed]\ngroups = [\"Investigator\"]\n",
    )
    .unwrap();
    let s = Served::start(&[
        "--preset",
        "case-management",
        "--memory",
        "--config",
        config.arg(),
    ]);
    let (status, list) = call(
        &c,
        reqwest::Method::GET,
        &s.url("/Groups"),
        "ops-token",
        None,
    )
    .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["totalResults"], 1, "{list}");
    assert_eq!(list["Resources"][0]["displayName"], "Investigator");
}

/// `--token` and `--memory`/`--db` work with every preset: the token has every right in the
/// default tenant, where the preset's groups are seeded too.
#[tokio::test]
async fn every_preset_takes_a_static_token_in_memory_and_on_disk() {
    let c = Client::new();
    for (preset, base, groups) in [
        ("standard", "/scim/v2", 0),
        ("locker", "/api", 3),
        ("case-management", "/scim/v2", 3),
    ] {
        for memory in [true, false] {
            let db = TempDb::new(&format!("{preset}-{memory}.db"));
            let mut args = vec!["--preset", preset, "--token", "t0k"];
            if memory {
                args.push("--memory");
            } else {
                args.extend(["--db", db.arg()]);
            }
            let s = Served::start(&args);
            assert!(s.base.ends_with(base), "{preset}: {}", s.base);
            let (status, list) =
                call(&c, reqwest::Method::GET, &s.url("/Groups"), "t0k", None).await;
            assert_eq!(status, 200, "{preset}: {list}");
            assert_eq!(list["totalResults"], groups, "{preset}: {list}");
            let r = c
                .get(s.url("/Groups"))
                .bearer_auth("wrong")
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 401, "{preset}");
            let (status, config) = call(
                &c,
                reqwest::Method::GET,
                &s.url("/ServiceProviderConfig"),
                "t0k",
                None,
            )
            .await;
            assert_eq!(status, 200, "{preset}: {config}");
            assert_eq!(db.0.exists(), !memory, "{preset} memory={memory}");
        }
    }
}
