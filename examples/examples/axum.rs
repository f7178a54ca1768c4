//! Hosts the SCIM engine on axum: `cargo run -p scim-examples --example axum [ADDR]`.

use scim_examples::{BASE_PATH, serve_axum, standard_server};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!(
        "SCIM 2.0 on axum at http://{}{BASE_PATH}",
        listener.local_addr()?
    );
    serve_axum(listener, standard_server()?).await?;
    Ok(())
}
