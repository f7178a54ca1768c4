//! Examples of hosting and using the SCIM toolkit; see the `examples/` targets.
