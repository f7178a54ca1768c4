//! Criterion benchmarks of the SCIM toolkit; run with `cargo bench -p scim-benches`.
