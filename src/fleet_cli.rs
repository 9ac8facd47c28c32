//! The binary's side of `--fleet`: reads the fleet's folder, says what its members were
//! told, and runs `render -o`, `render --check` and `diff` over every member at once.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::Path;

use anyhow::{Result, anyhow, bail};
use serde_json::Value as Json;
use stackgen::fleet::diff::{Cluster, FleetReport};
use stackgen::fleet::{self, Halt, Member, report};
use stackgen::pipeline::Failure;

use crate::cli::{DiffArgs, DiffFormat, InputArgs, RenderArgs};
use crate::stdio::{emit, say, say_raw};
use crate::{Status, check, outdir, read};

/// `render --fleet DIR -o OUT` and `render --fleet DIR --check OUT`.
pub fn render(args: &RenderArgs, dir: &Path) -> Result<Status> {
    let nothing = if args.check.is_some() {
        "nothing was compared"
    } else {
        "nothing was written"
    };
    let Some(members) = validated(&args.inputs, dir, nothing)? else {
        // `--check` compares; a fleet it cannot render is trouble, as for `diff`.
        return Ok(if args.check.is_some() {
            Status::Trouble
        } else {
            Status::Failed
        });
    };
    if let Some(out) = &args.check {
        let drift = check::fleet_drift(out, members)?;
        let command = format!(
            "stackgen render --fleet {} -o {}",
            dir.display(),
            out.display()
        );
        return Ok(crate::drifted(out, &drift, &command));
    }
    let Some(out) = &args.output_dir else {
        bail!("`--fleet` renders into a directory: give it `-o DIR` or `--check DIR`");
    };
    let clusters = members.len();
    let (report, objects) = outdir::write_streamed(out, args.force, |staging| {
        fleet::render_each(members, |_, rendered| {
            staging.stage(&fleet::files(&rendered))?;
            Ok(rendered.objects.len())
        })
        .map_err(halted)
    })?;
    crate::tell(out, &report);
    say(&format!(
        "wrote {} objects for {} to {}",
        objects.iter().sum::<usize>(),
        crate::plural(clusters, "cluster", "clusters"),
        out.display()
    ));
    Ok(Status::Done)
}

/// `diff --fleet DIR --against OUT`: every member against its folder in OUT, and every other
/// folder there as a cluster no member renders any more.
pub fn diff(args: &DiffArgs, dir: &Path) -> Result<Status> {
    let against = &args.against;
    if against.as_os_str() == "-" || !against.is_dir() {
        bail!(
            "with `--fleet`, `--against` names a directory, a fleet rendering as `render --fleet \
             {} -o DIR` writes it; `{}` is not one",
            dir.display(),
            against.display()
        );
    }
    let Some(members) = validated(&args.inputs, dir, "nothing was compared")? else {
        return Ok(Status::Trouble);
    };
    let names: BTreeSet<String> = members.iter().map(|m| m.name().to_owned()).collect();
    let mut clusters = fleet::render_each(members, |file, rendered| {
        let name = rendered.config.metadata.name.as_str().to_owned();
        let before = committed(&against.join(&name))?;
        let after: Vec<Json> = rendered.objects.into_iter().map(|o| o.value).collect();
        Ok(Cluster {
            report: stackgen::diff::compare(&before, &after),
            file: Some(file.to_owned()),
            name,
        })
    })
    .map_err(halted)?;
    for name in folders(against)? {
        if !names.contains(&name) {
            let before = read::against(&against.join(&name))?;
            clusters.push(Cluster {
                report: stackgen::diff::compare(&before, &[]),
                file: None,
                name,
            });
        }
    }
    let report = FleetReport { clusters };
    let text = match args.format {
        DiffFormat::Json => format!("{}\n", serde_json::to_string_pretty(&report.to_json())?),
        DiffFormat::Text => report.to_text(crate::colored(args.color)),
    };
    emit(text.as_bytes())?;
    Ok(crate::differed(report.is_empty(), args))
}

/// The objects of a member's folder in a fleet rendering; none when it has no folder there.
fn committed(folder: &Path) -> Result<Vec<Json>> {
    match fs::metadata(folder) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
        Ok(meta) if !meta.is_dir() => bail!(
            "`{}` is not a directory: a fleet rendering holds one folder per cluster",
            folder.display()
        ),
        _ => read::against(folder),
    }
}

/// The folders directly in a fleet rendering (hidden ones and links left out), by name.
fn folders(dir: &Path) -> Result<Vec<String>> {
    let listing = |e| anyhow!("cannot read `{}`: {e}", dir.display());
    let mut names = Vec::new();
    for entry in fs::read_dir(dir).map_err(listing)? {
        let entry = entry.map_err(listing)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with('.') && entry.file_type().is_ok_and(|t| t.is_dir()) {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

/// The fleet in `dir` over the shared layers, validated, with what its members were told on
/// stderr; `None` when refused, with every refused member's diagnostics and a last line
/// ending in `nothing`.
fn validated(args: &InputArgs, dir: &Path, nothing: &str) -> Result<Option<Vec<Member>>> {
    let shared = crate::inputs(args)?;
    let documents = read::fleet(dir)?;
    let count = documents.len();
    let refusals = match fleet::validate(&shared, documents, crate::options(args)) {
        Ok(members) => {
            say_raw(&report::diagnostics(members.iter().map(|m| {
                (
                    m.file.as_str(),
                    m.valid.warnings.as_slice(),
                    &m.valid.sources,
                )
            })));
            return Ok(Some(members));
        }
        Err(refusals) => refusals,
    };
    // Validation fails only on the config; should a later stage's error come back, it is a
    // bug, said as one.
    for refusal in &refusals {
        if let Failure::Internal { error, .. } = &refusal.failure {
            bail!("cannot validate `{}`: {error}", refusal.file);
        }
    }
    say_raw(&report::diagnostics(refusals.iter().map(|r| {
        (
            r.file.as_str(),
            r.failure.diagnostics(),
            r.failure.sources(),
        )
    })));
    if refusals
        .iter()
        .any(|r| matches!(r.failure, Failure::Strict { .. }))
    {
        say("refusing the configs with warnings: --strict turns warnings into errors");
    }
    say(&format!(
        "refusing the fleet: {} of {} {} refused ({}), so {nothing}",
        refusals.len(),
        crate::plural(count, "config", "configs"),
        if refusals.len() == 1 { "is" } else { "are" },
        report::named(refusals.iter().map(|r| r.file.as_str())),
    ));
    Ok(None)
}

/// A fleet that stopped as an error of the run: the caller's own error as it was, a
/// member that failed to render as a bug naming it.
fn halted(halt: Halt<anyhow::Error>) -> anyhow::Error {
    match halt {
        Halt::Each(e) => e,
        other => anyhow!("{other}"),
    }
}
