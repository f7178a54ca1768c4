//! Hosts the SCIM engine on bare hyper 1 + hyper-util:
//! `cargo run -p scim-examples --example hyper [ADDR]`.

use scim_examples::{BASE_PATH, serve_hyper, standard_server};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!(
        "SCIM 2.0 on hyper at http://{}{BASE_PATH}",
        listener.local_addr()?
    );
    serve_hyper(listener, standard_server()?).await?;
    Ok(())
}
