//! `scim debug`: print the intermediate forms of filters and PATCH requests,
//! as `regex-cli debug ast`/`hir` do for regexes.
//!
//! Errors are printed as the library renders them (the text, a caret line
//! under the offending bytes, the message) with exit status 1.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use scim_core::{ResourceType, SchemaRegistry};
use scim_filter::{CompiledFilter, FilterError, parse_filter, parse_path, resolve_patch_path};
use scim_patch::{PatchError, resource_type_of};

use super::patch::{checked_plan, compat, read_json};

/// Options of `scim debug`.
#[derive(Debug, Args)]
pub(crate) struct DebugArgs {
    #[command(subcommand)]
    command: DebugCommand,
}

#[derive(Debug, Subcommand)]
enum DebugCommand {
    /// Print the syntax tree of a filter (its pretty Debug form, with the byte
    /// span of every path and literal).
    FilterAst {
        /// The filter, e.g. 'userName eq "bjensen"'.
        expr: String,
    },
    /// Print how a filter resolves against the built-in schemas: each
    /// attribute's schema URN, type, caseExact and multiValued, the JSON keys
    /// evaluation follows, and each literal as it is compared (dateTimes
    /// parsed).
    FilterResolved {
        /// The filter, e.g. 'meta.lastModified gt "2011-05-13T04:42:34Z"'.
        expr: String,
        /// The resource type whose schemas resolve the attributes.
        #[arg(long, default_value = "User")]
        resource_type: String,
    },
    /// Print the checked plan of a PatchOp for the resource type of RESOURCE.
    PatchPlan {
        /// A resource; its `meta.resourceType` (or core schema) picks the type.
        #[arg(long)]
        resource: PathBuf,
        /// The PatchOp body.
        patch: PathBuf,
        /// RFC 7644 only: no client quirks.
        #[arg(long)]
        strict: bool,
    },
}

/// Why a debug command failed: printed as is (already rendered).
struct Failure(String);

impl From<FilterError> for Failure {
    fn from(e: FilterError) -> Self {
        Failure(e.render())
    }
}

impl From<String> for Failure {
    fn from(e: String) -> Self {
        Failure(format!("error: {e}"))
    }
}

pub(crate) fn run(args: DebugArgs) -> ExitCode {
    let registry = SchemaRegistry::builtin();
    let result = match args.command {
        DebugCommand::FilterAst { expr } => filter_ast(&expr),
        DebugCommand::FilterResolved {
            expr,
            resource_type,
        } => filter_resolved(&registry, &expr, &resource_type),
        DebugCommand::PatchPlan {
            resource,
            patch,
            strict,
        } => patch_plan(&registry, &resource, &patch, strict),
    };
    match result {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(Failure(text)) => {
            eprintln!("{text}");
            ExitCode::FAILURE
        }
    }
}

fn filter_ast(expr: &str) -> Result<String, Failure> {
    Ok(format!("{:#?}", parse_filter(expr)?))
}

fn filter_resolved(registry: &SchemaRegistry, expr: &str, rt: &str) -> Result<String, Failure> {
    let rt = registry
        .resource_type(rt)
        .ok_or_else(|| format!("unknown resource type {rt:?}"))?;
    let compiled = CompiledFilter::parse_and_compile(expr, registry, rt)?;
    Ok(format!(
        "resource type {} (core schema {})\n{}",
        rt.name,
        rt.schema,
        compiled.explain(rt)
    )
    .trim_end()
    .to_owned())
}

fn patch_plan(
    registry: &SchemaRegistry,
    resource: &Path,
    patch: &Path,
    strict: bool,
) -> Result<String, Failure> {
    let r = read_json(resource)?;
    let rt = resource_type_of(registry, &r).ok_or_else(|| {
        format!(
            "{}: the resource has no known meta.resourceType or core schema",
            resource.display()
        )
    })?;
    let body = read_json(patch)?;
    match checked_plan(registry, rt, &body, compat(strict)) {
        Ok(plan) => Ok(format!("resource type {}\n{plan:#?}", rt.name)),
        Err(e) => Err(Failure(render_patch_error(&e, registry, rt))),
    }
}

/// A PATCH error; when it blames bytes of its path, the path with a caret
/// line under them (rendered by `scim-filter`, which raised it) comes first.
fn render_patch_error(e: &PatchError, registry: &SchemaRegistry, rt: &ResourceType) -> String {
    let (Some(path), Some((start, end))) = (e.path(), e.span()) else {
        return format!("error: {e}");
    };
    let cause = match parse_path(path) {
        Err(fe) => Some(fe),
        Ok(parsed) => resolve_patch_path(&parsed, registry, rt).err(),
    };
    match cause {
        Some(fe) if (fe.span().start, fe.span().end) == (start, end) => {
            let rendered = fe.render();
            let carets = rendered
                .rsplit_once('\n')
                .map_or(rendered.as_str(), |(lines, _)| lines);
            format!("{carets}\nerror: {e}")
        }
        _ => format!("error: {e}"),
    }
}
