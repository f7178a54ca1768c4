//! `scim serve` over a real loopback socket: what only HTTP can show (headers on the wire,
//! the body limit enforced while reading, many concurrent connections).

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A running `scim serve` on a free loopback port; killed on drop.
struct Served {
    child: Child,
    base: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(extra: &[&str]) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_scim"))
        .args(["serve", "--memory", "--addr", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut reader = BufReader::new(stdout);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    // Keep draining what the server prints after its first line.
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_owned();
    Served { child, base }
}

fn scim_json(r: reqwest::RequestBuilder, body: &Value) -> reqwest::RequestBuilder {
    r.header("content-type", "application/scim+json")
        .body(body.to_string())
}

#[tokio::test]
async fn crud_over_http_with_headers() {
    let s = serve(&[]);
    let c = reqwest::Client::new();
    let r = scim_json(
        c.post(format!("{}/Users", s.base)),
        &json!({"userName": "wire"}),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["content-type"], "application/scim+json");
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let created: Value = r.json().await.unwrap();
    assert_eq!(created["meta"]["location"], location.as_str());
    assert!(location.starts_with(&s.base));

    let r = c
        .get(&location)
        .header("if-none-match", "W/\"nope\"")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"].to_str().unwrap(), etag);

    let found: Value = c
        .get(format!(
            "{}/Users?filter=userName%20eq%20%22WIRE%22",
            s.base
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(found["totalResults"], 1);

    let patch = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"Op": "Replace", "Path": "active", "Value": "False"}]});
    let r = scim_json(c.patch(&location), &patch).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["active"], false);

    assert_eq!(c.delete(&location).send().await.unwrap().status(), 204);
    let r = c.get(&location).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "404");
}

#[tokio::test]
async fn tokens_are_required_when_configured() {
    let s = serve(&["--token", "t0ken"]);
    let c = reqwest::Client::new();
    let r = c.get(format!("{}/Users", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(
        r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    let r = c
        .get(format!("{}/Users", s.base))
        .bearer_auth("t0ken")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn oversized_bodies_are_refused_while_reading() {
    let s = serve(&[]);
    let c = reqwest::Client::new();
    let big = json!({"userName": "x".repeat(2 << 20)});
    let r = scim_json(c.post(format!("{}/Users", s.base)), &big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "413");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_patches_over_loopback_all_land() {
    let s = serve(&[]);
    let c = reqwest::Client::new();
    let g: Value = scim_json(
        c.post(format!("{}/Groups", s.base)),
        &json!({"displayName": "Crowd"}),
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let url = format!("{}/Groups/{}", s.base, g["id"].as_str().unwrap());
    let mut tasks = Vec::new();
    for i in 0..1000 {
        let (c, url) = (c.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            let add = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "add", "path": "members", "value": [{"value": format!("m{i}")}]}]});
            scim_json(c.patch(&url), &add).send().await.map(|r| r.status().as_u16())
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap(), 200);
    }
    let got: Value = c.get(&url).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        got["members"].as_array().unwrap().len(),
        1000,
        "no member is lost"
    );
}
