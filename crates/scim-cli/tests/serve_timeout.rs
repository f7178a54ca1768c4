//! `scim serve --request-timeout`: a request that does not finish in time (here, a client that
//! stalls halfway through its body) is answered 503 with a SCIM error body.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `scim serve`; killed on drop.
struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `scim serve` on a free loopback port and returns it with its `host:port`.
fn serve(extra: &[&str]) -> (Served, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_scim"))
        .args(["serve", "--memory", "--addr", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"));
    let host = url["http://".len()..].split('/').next().unwrap().to_owned();
    (Served(child), host)
}

#[test]
fn a_stalled_request_is_answered_503_after_the_timeout() {
    let (_server, host) = serve(&["--request-timeout", "1"]);
    let mut conn = TcpStream::connect(&host).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let started = Instant::now();
    // Announce 100 bytes of body, send 10, then stall.
    write!(
        conn,
        "POST /scim/v2/Users HTTP/1.1\r\nHost: {host}\r\n\
         Content-Type: application/scim+json\r\nContent-Length: 100\r\n\r\n{{\"schemas\""
    )
    .unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    // Read until the body is in (the connection may stay open).
    while !answer.ends_with(b"}") {
        let n = match conn.read(&mut buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            r => r.unwrap(),
        };
        assert!(n > 0, "closed early: {}", String::from_utf8_lossy(&answer));
        answer.extend_from_slice(&buf[..n]);
    }
    let elapsed = started.elapsed();
    let text = String::from_utf8(answer).unwrap();
    assert!(text.starts_with("HTTP/1.1 503"), "{text}");
    assert!(
        text.contains("content-type: application/scim+json"),
        "{text}"
    );
    let body: Value = serde_json::from_str(text.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["status"], "503");
    assert_eq!(
        body["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );
    assert!(elapsed >= Duration::from_millis(900), "{elapsed:?}");
}

#[test]
fn a_zero_timeout_is_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_scim"))
        .args(["serve", "--memory", "--request-timeout", "0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}
