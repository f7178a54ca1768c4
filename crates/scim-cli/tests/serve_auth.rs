//! `scim serve --config` over loopback: Basic users, the token endpoint, scopes, tenants and
//! the request log (which never carries a secret).

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

struct Served {
    child: Child,
    base: String,
    origin: String,
    log: Arc<Mutex<String>>,
    _config: TempFile,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct TempFile(std::path::PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

const CONFIG: &str = r#"
[tokens]
access_ttl = 600

[[tenants]]
name = "acme"
[[tenants]]
name = "globex"

[[clients]]
id = "connector"
secret = "client-secret-xyz"

[[users]]
username = "sync"
password = "user-password-abc"
tenant = "acme"

[[users]]
username = "reader"
password = "reader-password-def"
tenant = "globex"
scopes = ["SCIM:user:query"]

[[bearer]]
token = "static-token-ghi"
tenant = "globex"

[scopes]
operation_scopes = ["User", "Group"]
"#;

fn serve() -> Served {
    let path = std::env::temp_dir().join(format!("scim-auth-{}.toml", std::process::id()));
    std::fs::write(&path, CONFIG).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_scim"))
        .args(["serve", "--memory", "--addr", "127.0.0.1:0", "--config"])
        .arg(&path)
        .env("SCIM_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = Arc::new(Mutex::new(String::new()));
    let mut stderr = child.stderr.take().unwrap();
    let sink = log.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stderr.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_owned();
    let origin = base.trim_end_matches("/scim/v2").to_owned();
    Served {
        child,
        base,
        origin,
        log,
        _config: TempFile(path),
    }
}

#[tokio::test]
async fn config_file_users_tokens_scopes_and_logs() {
    let s = serve();
    let c = reqwest::Client::new();
    // No credentials: 401 with every scheme in the challenge.
    let r = c.get(format!("{}/Users", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert!(
        challenge.contains("Bearer") && challenge.contains("Basic"),
        "{challenge}"
    );

    // Password grant, client by Basic.
    let r = c
        .post(format!("{}/connect/token", s.origin))
        .basic_auth("connector", Some("client-secret-xyz"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=password&username=sync&password=user-password-abc")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["expires_in"], 600);
    let access = t["access_token"].as_str().unwrap().to_owned();

    let r = c
        .post(format!("{}/Users", s.base))
        .bearer_auth(&access)
        .header("content-type", "application/scim+json")
        .body(json!({"userName": "wire"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert!(r.headers().contains_key("x-request-id"));

    // Another tenant sees nothing; a scoped Basic user may query but not create.
    let r = c
        .get(format!("{}/Users", s.base))
        .basic_auth("reader", Some("reader-password-def"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["totalResults"], 0);
    let r = c
        .post(format!("{}/Users", s.base))
        .basic_auth("reader", Some("reader-password-def"))
        .header("content-type", "application/scim+json")
        .body(json!({"userName": "nope"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "403");
    let r = c
        .get(format!("{}/Users", s.base))
        .bearer_auth("static-token-ghi")
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["totalResults"], 0);
    let r = c
        .get(format!("{}/Users", s.base))
        .basic_auth("sync", Some("user-password-abc"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["totalResults"], 1);

    // The log names request id, method, path, status, latency and tenant, and no secret.
    let mut log = String::new();
    for _ in 0..50 {
        log = s.log.lock().unwrap().clone();
        if log.matches("request_id").count() >= 7 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(log.contains("tenant=acme"), "{log}");
    assert!(log.contains("tenant=globex"), "{log}");
    assert!(log.contains("status=403"), "{log}");
    assert!(
        log.contains("method=POST") && log.contains("path=/connect/token"),
        "{log}"
    );
    assert!(log.contains("latency_ms="), "{log}");
    for secret in [
        "client-secret-xyz",
        "user-password-abc",
        "reader-password-def",
        "static-token-ghi",
        access.as_str(),
    ] {
        assert!(!log.contains(secret), "the log leaks {secret}: {log}");
    }
}
