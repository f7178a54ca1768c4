//! The hosting examples, started in-process on a loopback listener and driven over a real
//! socket with reqwest: the same functions the example binaries call.

use scim_examples::{BASE_PATH, serve_axum, serve_hyper, standard_server};
use serde_json::{Value, json};
use std::future::Future;
use tokio::net::TcpListener;

/// Binds `127.0.0.1:0`, spawns `serve` on it and returns the SCIM base URL.
async fn start<F, Fut>(serve: F) -> String
where
    F: FnOnce(TcpListener, scim_server::ScimServer) -> Fut,
    Fut: Future<Output = std::io::Result<()>> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(listener, standard_server().unwrap()));
    format!("http://{addr}{BASE_PATH}")
}

/// POST /Users, then GET it back by id and by filter, over loopback.
async fn create_and_read(base: &str) {
    let http = reqwest::Client::new();
    let created = http
        .post(format!("{base}/Users"))
        .header("content-type", "application/scim+json")
        .body(
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "bjensen",
            })
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let user: Value = serde_json::from_slice(&created.bytes().await.unwrap()).unwrap();
    let id = user["id"].as_str().unwrap();
    // The engine sees the full path, so the location keeps the base path.
    assert_eq!(location, format!("{base}/Users/{id}"));
    assert_eq!(user["meta"]["location"], location.as_str());

    let got = http.get(&location).send().await.unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(
        got.headers()["content-type"].to_str().unwrap(),
        "application/scim+json"
    );
    let got: Value = serde_json::from_slice(&got.bytes().await.unwrap()).unwrap();
    assert_eq!(got["userName"], "bjensen");
    assert_eq!(got["id"], id);

    let list = http
        .get(format!("{base}/Users?filter=userName%20eq%20%22bjensen%22"))
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), 200);
    let list: Value = serde_json::from_slice(&list.bytes().await.unwrap()).unwrap();
    assert_eq!(list["totalResults"], 1);

    let spc = http
        .get(format!("{base}/ServiceProviderConfig"))
        .send()
        .await
        .unwrap();
    assert_eq!(spc.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_host_serves_users_over_loopback() {
    let base = start(serve_axum).await;
    create_and_read(&base).await;

    // The host's own routes sit beside the SCIM ones; paths elsewhere are axum's 404.
    let root = base.trim_end_matches(BASE_PATH);
    let health = reqwest::get(format!("{root}/healthz")).await.unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(health.text().await.unwrap(), "ok");
    let other = reqwest::get(format!("{root}/elsewhere/Users"))
        .await
        .unwrap();
    assert_eq!(other.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hyper_host_serves_users_over_loopback() {
    let base = start(serve_hyper).await;
    create_and_read(&base).await;
}
