//! Parses one of the benchmark filters in a loop, for instruction-count profiling:
//!
//! ```text
//! cargo build --profile bench -p scim-filter --example parse_loop
//! valgrind --tool=callgrind target/release/examples/parse_loop five 20000
//! ```
//!
//! The first argument picks the filter (`simple`, `five`, `urn`), the second the number of
//! parses. Subtract a run with 0 parses to get the cost of one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

const SIMPLE: &str = r#"userName eq "bjensen""#;
const FIVE: &str = r#"title pr and userType eq "Employee" and emails[type eq "work" and value co "@ex.com"] or id pr"#;
const URN: &str = r#"title pr and userType eq "Employee" and emails[type eq "work" and value co "@example.com"] or urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#;

fn main() {
    let mut args = std::env::args().skip(1);
    let text = match args.next().as_deref() {
        Some("simple") => SIMPLE,
        Some("urn") => URN,
        _ => FIVE,
    };
    let n: usize = args.next().map_or(1, |a| a.parse().expect("a count"));
    for _ in 0..n {
        black_box(scim_filter::parse_filter(black_box(text)).expect("the filter parses"));
    }
}
