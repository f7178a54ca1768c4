//! `scim filter`: parse filters, or evaluate them in batch against resources.

use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use scim_core::{ResourceType, Schema, SchemaRegistry};
use scim_filter::{
    CompileOptions, CompiledFilter, FilterError, UnknownAttributes, parse_filter, parse_path,
};
use serde_json::{Value, json};

/// Options of `scim filter`.
#[derive(Debug, Args)]
pub(crate) struct FilterArgs {
    #[command(subcommand)]
    command: FilterCommand,
}

#[derive(Debug, Subcommand)]
enum FilterCommand {
    /// Print the canonical form and the syntax tree of a filter, or the error
    /// with a caret under the offending bytes (exit status 1).
    Parse {
        /// The filter, e.g. 'userName eq "bjensen"'.
        expr: String,
        /// Parse a PATCH path (`emails[type eq "work"].value`) instead of a filter.
        #[arg(long)]
        path: bool,
    },
    /// Evaluate filters read as JSON Lines on stdin (`{"id": …, "filter": …}`)
    /// against every resource of FILE; write one JSON line per input line:
    /// `{"id", "parsed", "matches", "errors", "error"}`.
    Eval {
        /// A JSON array of resources, each with `id` and `meta.resourceType`.
        #[arg(long)]
        resources: PathBuf,
    },
}

pub(crate) fn run(args: FilterArgs) -> ExitCode {
    match args.command {
        FilterCommand::Parse { expr, path } => parse(&expr, path),
        FilterCommand::Eval { resources } => match eval(&resources) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
    }
}

fn parse(expr: &str, path: bool) -> ExitCode {
    let shown = if path {
        parse_path(expr).map(|p| (p.to_string(), format!("{p:?}")))
    } else {
        parse_filter(expr).map(|f| {
            let ast = format!("{f:?}");
            (f.normalize().to_string(), ast)
        })
    };
    match shown {
        Ok((canonical, ast)) => {
            println!("{canonical}");
            println!("{ast}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{}", e.render());
            ExitCode::FAILURE
        }
    }
}

/// The built-in schemas, plus a schema-less resource type for resources of
/// unknown types (all their attributes compare by JSON type).
fn registry() -> Result<SchemaRegistry, String> {
    const NONE: &str = "urn:scim-rs:cli:NoSchema";
    SchemaRegistry::builtin_builder()
        .schema(Schema::new(NONE, "NoSchema", Vec::new()))
        .resource_type(ResourceType::new("Unknown", "/Unknown", NONE))
        .build()
        .map_err(|e| e.to_string())
}

fn eval(file: &std::path::Path) -> Result<(), String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let resources: Vec<Value> =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
    let registry = registry()?;
    // Resource types present, in order; each resource refers to one.
    let mut types: Vec<&ResourceType> = Vec::new();
    let mut kind_of = Vec::with_capacity(resources.len());
    for r in &resources {
        let name = r
            .pointer("/meta/resourceType")
            .and_then(Value::as_str)
            .unwrap_or("Unknown");
        let rt = registry
            .resource_type(name)
            .or_else(|| registry.resource_type("Unknown"))
            .ok_or("no resource type")?;
        let idx = match types.iter().position(|t| std::ptr::eq(*t, rt)) {
            Some(i) => i,
            None => {
                types.push(rt);
                types.len() - 1
            }
        };
        kind_of.push(idx);
    }
    let options = CompileOptions::new().unknown_attributes(UnknownAttributes::Dynamic);
    let stdin = std::io::stdin().lock();
    let mut out = BufWriter::new(std::io::stdout().lock());
    for line in stdin.split(b'\n') {
        let line = line.map_err(|e| format!("stdin: {e}"))?;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let answer = answer(&line, &resources, &kind_of, &types, &registry, options);
        serde_json::to_writer(&mut out, &answer).map_err(|e| e.to_string())?;
        out.write_all(b"\n").map_err(|e| e.to_string())?;
        out.flush().map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn answer(
    line: &[u8],
    resources: &[Value],
    kind_of: &[usize],
    types: &[&ResourceType],
    registry: &SchemaRegistry,
    options: CompileOptions,
) -> Value {
    let reply = |id: Value,
                 parsed: bool,
                 matches: Vec<&Value>,
                 errors: Vec<&Value>,
                 error: Option<String>| {
        json!({"id": id, "parsed": parsed, "matches": matches, "errors": errors, "error": error})
    };
    let request: Value = match serde_json::from_slice(line) {
        Ok(v) => v,
        Err(e) => {
            return reply(
                Value::Null,
                false,
                vec![],
                vec![],
                Some(format!("invalid JSON: {e}")),
            );
        }
    };
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    let Some(text) = request.get("filter").and_then(Value::as_str) else {
        return reply(
            id,
            false,
            vec![],
            vec![],
            Some("missing \"filter\" string".into()),
        );
    };
    let filter = match parse_filter(text) {
        Ok(f) => f,
        Err(e) => return reply(id, false, vec![], vec![], Some(e.to_string())),
    };
    let compiled: Vec<Result<CompiledFilter, FilterError>> = types
        .iter()
        .map(|rt| CompiledFilter::compile_with(&filter, registry, rt, options))
        .collect();
    let mut matches = Vec::new();
    let mut errors = Vec::new();
    let mut error = None;
    for (r, &k) in resources.iter().zip(kind_of) {
        let rid = r.get("id").unwrap_or(&Value::Null);
        match compiled.get(k) {
            Some(Ok(c)) => match c.matches(r) {
                Ok(true) => matches.push(rid),
                Ok(false) => {}
                Err(e) => {
                    error.get_or_insert_with(|| e.to_string());
                    errors.push(rid);
                }
            },
            Some(Err(e)) => {
                error.get_or_insert_with(|| e.to_string());
                errors.push(rid);
            }
            None => errors.push(rid),
        }
    }
    reply(id, true, matches, errors, error)
}
