//! One module per subcommand.

pub(crate) mod debug;
pub(crate) mod filter;
pub(crate) mod patch;
pub(crate) mod serve;
pub(crate) mod serve_config;
pub(crate) mod serve_preset;
