//! `scim patch`: apply PatchOps (one resource, or a batch on stdin) and diff resources.

use std::collections::HashMap;
use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use scim_core::resource::canonicalize;
use scim_core::{Compat, ResourceType, SchemaRegistry, ScimType};
use scim_patch::{PatchError, Patcher, Plan, resource_type_of};
use serde_json::{Value, json};

/// Options of `scim patch`.
#[derive(Debug, Args)]
pub(crate) struct PatchArgs {
    #[command(subcommand)]
    command: PatchCommand,
}

#[derive(Debug, Subcommand)]
enum PatchCommand {
    /// Apply PatchOps. With `--resources FILE`: a batch read as JSON Lines on stdin
    /// (`{"id": …, "ref": resource-id, "patch": PatchOp}` or with an inline `"resource"`),
    /// one output line per input line: `{"id", "ok", "result", "error"}`. With
    /// `--resource R.json PATCH.json`: print the patched resource.
    Apply {
        /// A JSON array of resources, each with `id` and `meta.resourceType` (batch mode).
        #[arg(long, conflicts_with = "resource")]
        resources: Option<PathBuf>,
        /// One resource to patch with PATCH.
        #[arg(long, requires = "patch")]
        resource: Option<PathBuf>,
        /// The PatchOp body (with `--resource`).
        patch: Option<PathBuf>,
        /// RFC 7644 only: no client quirks (see the scim-patch docs).
        #[arg(long)]
        strict: bool,
    },
    /// Print the smallest PatchOp that turns OLD into NEW.
    Diff {
        /// The resource before.
        old: PathBuf,
        /// The resource after.
        new: PathBuf,
    },
    /// Print the checked plan of a PatchOp for a resource type (debugging).
    Plan {
        /// The resource type (`User`, `Group`).
        #[arg(long, default_value = "User")]
        resource_type: String,
        /// The PatchOp body.
        patch: PathBuf,
        /// RFC 7644 only.
        #[arg(long)]
        strict: bool,
    },
}

pub(crate) fn run(args: PatchArgs) -> ExitCode {
    let registry = SchemaRegistry::builtin();
    let result = match args.command {
        PatchCommand::Apply {
            resources: Some(file),
            strict,
            ..
        } => batch(&registry, &file, compat(strict)),
        PatchCommand::Apply {
            resource: Some(r),
            patch: Some(p),
            strict,
            ..
        } => one(&registry, &r, &p, compat(strict)),
        PatchCommand::Apply { .. } => {
            Err("give --resources FILE (batch on stdin) or --resource R.json PATCH.json".into())
        }
        PatchCommand::Diff { old, new } => diff(&registry, &old, &new),
        PatchCommand::Plan {
            resource_type,
            patch,
            strict,
        } => plan(&registry, &resource_type, &patch, compat(strict)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

pub(crate) fn compat(strict: bool) -> Compat {
    if strict {
        Compat::strict()
    } else {
        Compat::tolerant()
    }
}

pub(crate) fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// A resource in canonical form (keys in the schemas' spelling), or why it cannot be.
fn canonical(registry: &SchemaRegistry, mut r: Value) -> Result<Value, String> {
    let rt = resource_type_of(registry, &r)
        .ok_or("the resource has no known meta.resourceType or core schema")?;
    canonicalize(&mut r, registry, rt, Compat::tolerant()).map_err(|e| e.to_string())?;
    Ok(r)
}

fn one(registry: &SchemaRegistry, r: &Path, p: &Path, compat: Compat) -> Result<(), String> {
    let mut resource = canonical(registry, read_json(r)?)?;
    let body = read_json(p)?;
    Patcher::new(registry)
        .with_compat(compat)
        .apply_json(&mut resource, &body)
        .map_err(|e| e.to_string())?;
    let text = serde_json::to_string_pretty(&resource).map_err(|e| e.to_string())?;
    println!("{text}");
    Ok(())
}

fn diff(registry: &SchemaRegistry, old: &Path, new: &Path) -> Result<(), String> {
    let old = canonical(registry, read_json(old)?)?;
    let new = canonical(registry, read_json(new)?)?;
    let patch = scim_patch::diff(&old, &new, registry);
    let text = serde_json::to_string_pretty(&patch).map_err(|e| e.to_string())?;
    println!("{text}");
    Ok(())
}

fn plan(registry: &SchemaRegistry, rt: &str, p: &Path, compat: Compat) -> Result<(), String> {
    let rt = registry
        .resource_type(rt)
        .ok_or_else(|| format!("unknown resource type {rt:?}"))?;
    let plan = checked_plan(registry, rt, &read_json(p)?, compat).map_err(|e| e.to_string())?;
    println!("{plan:#?}");
    Ok(())
}

/// The PatchOp `body` decoded and checked against `rt` (also `scim debug patch-plan`).
pub(crate) fn checked_plan<'r>(
    registry: &'r SchemaRegistry,
    rt: &'r ResourceType,
    body: &Value,
    compat: Compat,
) -> Result<Plan<'r>, PatchError> {
    let patcher = Patcher::new(registry).with_compat(compat);
    let patch = patcher.decode(body)?;
    patcher.plan(rt, &patch)
}

/// `scimType: detail`, the batch output's error form.
fn error_text(e: &PatchError) -> String {
    let t = e.scim_type();
    match (e.operation(), e.path()) {
        (Some(i), Some(p)) => format!("{t}: operation {i} ({p}): {}", e.detail()),
        (Some(i), None) => format!("{t}: operation {i}: {}", e.detail()),
        _ => format!("{t}: {}", e.detail()),
    }
}

fn batch(registry: &SchemaRegistry, file: &Path, compat: Compat) -> Result<(), String> {
    let all = match read_json(file)? {
        Value::Array(items) => items,
        _ => return Err(format!("{}: expected a JSON array", file.display())),
    };
    // Resources by id, canonicalized once; each request patches a fresh copy.
    let mut by_id: HashMap<String, Result<Value, String>> = HashMap::with_capacity(all.len());
    for r in all {
        let Some(id) = r.get("id").and_then(Value::as_str).map(str::to_owned) else {
            continue;
        };
        by_id.insert(id, canonical(registry, r));
    }
    let patcher = Patcher::new(registry).with_compat(compat);
    let stdin = std::io::stdin().lock();
    let mut out = BufWriter::new(std::io::stdout().lock());
    for line in stdin.split(b'\n') {
        let line = line.map_err(|e| format!("stdin: {e}"))?;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let answer = answer(&patcher, &by_id, &line);
        serde_json::to_writer(&mut out, &answer).map_err(|e| e.to_string())?;
        out.write_all(b"\n").map_err(|e| e.to_string())?;
    }
    out.flush().map_err(|e| e.to_string())
}

fn answer(
    patcher: &Patcher<'_>,
    by_id: &HashMap<String, Result<Value, String>>,
    line: &[u8],
) -> Value {
    let fail = |id: Value, t: ScimType, detail: String| json!({"id": id, "ok": false, "result": null, "error": format!("{t}: {detail}")});
    let request: Value = match serde_json::from_slice(line) {
        Ok(v) => v,
        Err(e) => {
            return fail(
                Value::Null,
                ScimType::InvalidSyntax,
                format!("invalid JSON: {e}"),
            );
        }
    };
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    let mut resource = match (request.get("resource"), request.get("ref")) {
        (Some(r @ Value::Object(_)), _) => match canonical(patcher.registry(), r.clone()) {
            Ok(r) => r,
            Err(e) => return fail(id, ScimType::InvalidValue, e),
        },
        (_, Some(Value::String(rid))) => match by_id.get(rid) {
            Some(Ok(r)) => r.clone(),
            Some(Err(e)) => return fail(id, ScimType::InvalidValue, e.clone()),
            None => {
                return fail(
                    id,
                    ScimType::InvalidValue,
                    format!("no resource with id {rid:?}"),
                );
            }
        },
        _ => {
            return fail(
                id,
                ScimType::InvalidSyntax,
                "a request needs \"ref\" (a resource id) or \"resource\" (an object)".into(),
            );
        }
    };
    let Some(body) = request.get("patch") else {
        return fail(
            id,
            ScimType::InvalidSyntax,
            "a request needs \"patch\"".into(),
        );
    };
    match patcher.apply_json(&mut resource, body) {
        Ok(_) => json!({"id": id, "ok": true, "result": resource, "error": null}),
        Err(e) => json!({"id": id, "ok": false, "result": null, "error": error_text(&e)}),
    }
}
