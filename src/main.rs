//! Thin shell: parse the command line, do the I/O, call the library, map to exit codes.

mod check;
mod cli;
mod crash;
mod exchange;
mod fleet_cli;
mod inplace;
mod outdir;
mod plugin;
mod read;
mod retire;
mod rule_tests;
mod staging;
mod stdio;
mod walk;

use std::collections::BTreeMap;
use std::io::{self, IsTerminal};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use cli::{
    CheckArgs, Cli, Color, Command, DiffArgs, DiffFormat, Format, InitArgs, InputArgs,
    PluginCommand, PrerequisitesArgs, RenderArgs, TestRulesArgs,
};
use stackgen::config::{self, Document, Inputs};
use stackgen::diagnostic::{Diagnostic, render_all};
use stackgen::pipeline::{self, Failure, Options, Rendered, Valid};
use stackgen::source::Sources;
use stdio::{emit, say};

/// The name kustomize runs an exec plugin by: `<group>/<version>/<lowercase kind>/<Kind>`.
const PLUGIN_NAME: &str = "MonitoringStack";

/// Exit code for trouble: a usage error, or I/O that failed.
const TROUBLE: u8 = 2;

/// How a command ended. An `Err` from a command is trouble too, said on stderr.
enum Status {
    /// Exit 0.
    Done,
    /// Exit 1: the config is invalid, or `diff` and `render --check` found differences.
    Failed,
    /// Exit 2, already explained on stderr: `diff` and `render --check` were given an
    /// invalid config, so they could not compare (diff(1) exits 2 for trouble).
    Trouble,
}

fn main() -> ExitCode {
    crash::install();
    // The hook has said what panicked; the unwound panic is trouble, not Rust's exit 101.
    catch_unwind(AssertUnwindSafe(|| {
        if invoked_as_plugin() {
            return exec_plugin();
        }
        match Cli::try_parse() {
            Ok(cli) => exit(run(cli.command)),
            Err(e) => {
                let _ = e.print();
                ExitCode::from(if e.use_stderr() { TROUBLE } else { 0 })
            }
        }
    }))
    .unwrap_or(ExitCode::from(TROUBLE))
}

/// The exit code of a command: 0 done, 1 failed, 2 trouble (said on stderr).
fn exit(result: anyhow::Result<Status>) -> ExitCode {
    match result {
        Ok(Status::Done) => ExitCode::SUCCESS,
        Ok(Status::Failed) => ExitCode::from(1),
        Ok(Status::Trouble) => ExitCode::from(TROUBLE),
        Err(e) => {
            say(&format!("error: {e:#}"));
            ExitCode::from(TROUBLE)
        }
    }
}

fn run(command: Command) -> anyhow::Result<Status> {
    match command {
        Command::Validate(inputs) => validate(&inputs),
        Command::Render(args) => render(&args),
        Command::Diff(args) => diff(&args),
        Command::Schema => schema(),
        Command::Profiles => profiles(),
        Command::Krm => krm(),
        Command::Prerequisites(args) => prerequisites(&args),
        Command::Check(args) => check_manifests(&args),
        Command::TestRules(args) => test_rules(&args),
        Command::Plugin(PluginCommand::Install { dir }) => plugin_install(dir),
        Command::Init(args) => init(&args),
    }
}

fn validate(args: &InputArgs) -> anyhow::Result<Status> {
    let Some(valid) = validated(args)? else {
        return Ok(Status::Failed);
    };
    let suffix = match valid.warnings.iter().filter(|d| d.is_warning()).count() {
        0 => String::new(),
        1 => " (1 warning)".to_owned(),
        n => format!(" ({n} warnings)"),
    };
    say(&format!("config is valid{suffix}"));
    Ok(Status::Done)
}

fn render(args: &RenderArgs) -> anyhow::Result<Status> {
    if let Some(fleet) = &args.fleet {
        return fleet_cli::render(args, fleet);
    }
    let Some(rendered) = rendered(&args.inputs)? else {
        // `--check` compares; a config it cannot render is trouble, as for `diff`.
        return Ok(if args.check.is_some() {
            Status::Trouble
        } else {
            Status::Failed
        });
    };
    let objects = &rendered.objects;
    let files = || stackgen::output::directory_files(objects);
    if let Some(dir) = &args.check {
        let drift = check::drift(dir, &files())?;
        return Ok(drifted(
            dir,
            &drift,
            &format!("stackgen render -o {}", dir.display()),
        ));
    }
    if let Some(dir) = &args.output_dir {
        return write_directory(dir, &files(), args.force, objects.len());
    }
    let text = match args.format {
        Format::Yaml => stackgen::output::yaml_stream(objects),
        Format::Json => stackgen::output::json_list(objects),
    };
    done(text.as_bytes())
}

/// `render -o DIR`: writes the directory and says what it kept, and what it could not clean.
fn write_directory(
    dir: &Path,
    files: &BTreeMap<PathBuf, String>,
    force: bool,
    objects: usize,
) -> anyhow::Result<Status> {
    let report = outdir::write(dir, files, force)?;
    tell(dir, &report);
    say(&format!("wrote {objects} objects to {}", dir.display()));
    Ok(Status::Done)
}

/// Says what writing `dir` kept, noted and could not clean.
fn tell(dir: &Path, report: &outdir::Report) {
    if !report.kept.is_empty() {
        say(&format!(
            "note: kept {} in `{}`, which stackgen did not write: {}",
            plural(report.kept.len(), "entry", "entries"),
            dir.display(),
            outdir::few(&report.kept)
        ));
    }
    for note in &report.notes {
        say(&format!("note: {note}"));
    }
    for warning in &report.warnings {
        say(&format!("warning: {warning}"));
    }
}

/// `render --check DIR`: names every file `-o DIR` would add, change or remove; the files
/// stackgen did not write are notes, as `-o` keeps them. `command` is what rewrites `dir`.
fn drifted(dir: &Path, drift: &check::Drift, command: &str) -> Status {
    for line in &drift.changes {
        say(line);
    }
    if !drift.kept.is_empty() {
        say(&format!(
            "note: {} not written by stackgen, which `render -o` keeps: {}",
            plural(drift.kept.len(), "entry", "entries"),
            outdir::few(&drift.kept)
        ));
    }
    if drift.changes.is_empty() {
        say(&format!("{} is up to date", dir.display()));
        return Status::Done;
    }
    say(&format!(
        "{} is not what `{command}` writes: re-render it and commit",
        dir.display(),
    ));
    Status::Failed
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn diff(args: &DiffArgs) -> anyhow::Result<Status> {
    if let Some(fleet) = &args.fleet {
        return fleet_cli::diff(args, fleet);
    }
    let before = read::against(&args.against)?;
    let Some(rendered) = rendered(&args.inputs)? else {
        return Ok(Status::Trouble);
    };
    let after: Vec<serde_json::Value> = rendered.objects.into_iter().map(|o| o.value).collect();
    let report = stackgen::diff::compare(&before, &after);
    let text = match args.format {
        DiffFormat::Json => format!("{}\n", serde_json::to_string_pretty(&report.to_json())?),
        DiffFormat::Text => report.to_text(colored(args.color)),
    };
    emit(text.as_bytes())?;
    Ok(differed(report.is_empty(), args))
}

/// How `diff` ends: 1 when it found differences, unless `--exit-zero`.
fn differed(same: bool, args: &DiffArgs) -> Status {
    if same || args.exit_zero {
        Status::Done
    } else {
        Status::Failed
    }
}

/// Whether the text report is coloured.
fn colored(color: Color) -> bool {
    match color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => io::stdout().is_terminal(),
    }
}

/// What the rendered stack reads but does not create; the render's wiring check has held
/// the output to this list.
fn prerequisites(args: &PrerequisitesArgs) -> anyhow::Result<Status> {
    let Some(rendered) = rendered(&args.inputs)? else {
        return Ok(Status::Failed);
    };
    let spec = &rendered.config.spec;
    let needed = stackgen::render::prerequisites::of(spec);
    let text = match args.format {
        DiffFormat::Json => format!("{}\n", serde_json::to_string_pretty(&needed)?),
        DiffFormat::Text => needed.to_text(spec.namespace.as_str()),
    };
    done(text.as_bytes())
}

fn test_rules(args: &TestRulesArgs) -> anyhow::Result<Status> {
    let Some(rendered) = rendered(&args.inputs)? else {
        return Ok(Status::Trouble);
    };
    Ok(
        if rule_tests::run(&rendered.objects, &args.tests, &args.promtool)? {
            Status::Done
        } else {
            Status::Failed
        },
    )
}

fn check_manifests(args: &CheckArgs) -> anyhow::Result<Status> {
    let Some(valid) = validated(&args.inputs)? else {
        // Without a valid config there is nothing to check against.
        return Ok(Status::Trouble);
    };
    let items = read::manifests(&args.manifests, "the manifests")?;
    Ok(report_problems(&stackgen::render::recheck(
        &valid.config,
        &items,
    )))
}

/// Says what `recheck` found on stderr; failed when it found anything.
fn report_problems(problems: &[String]) -> Status {
    for problem in problems {
        say(&format!("error: {problem}"));
    }
    match problems.len() {
        0 => {
            say("the manifests hold together");
            Status::Done
        }
        n => {
            say(&format!(
                "{n} problem{} in the manifests",
                if n == 1 { "" } else { "s" }
            ));
            Status::Failed
        }
    }
}

fn schema() -> anyhow::Result<Status> {
    done(config::schema_text().as_bytes())
}

fn profiles() -> anyhow::Result<Status> {
    let all = config::profiles::all();
    let width = all.iter().map(|p| p.name.len()).max().unwrap_or(0);
    let lines: String = all
        .iter()
        .map(|p| format!("{:width$}  {}\n", p.name, p.summary))
        .collect();
    done(lines.as_bytes())
}

fn krm() -> anyhow::Result<Status> {
    let outcome = stackgen::krm::run(&read::stdin("the ResourceList")?);
    for r in outcome.resource_list["results"]
        .as_array()
        .into_iter()
        .flatten()
    {
        say(&format!(
            "{}: {}",
            r["severity"].as_str().unwrap_or("info"),
            r["message"].as_str().unwrap_or_default()
        ));
    }
    emit(stackgen::yaml::json_to_string(&outcome.resource_list).as_bytes())?;
    Ok(if outcome.failed {
        Status::Failed
    } else {
        Status::Done
    })
}

fn plugin_install(dir: Option<PathBuf>) -> anyhow::Result<Status> {
    let link = plugin::install(dir, PLUGIN_NAME)?;
    done(format!("{}\n", link.display()).as_bytes())
}

fn init(args: &InitArgs) -> anyhow::Result<Status> {
    let inputs = InputArgs {
        profiles: args.profiles.clone(),
        ..InputArgs::default()
    };
    let Some(valid) = validated(&inputs)? else {
        return Ok(Status::Failed);
    };
    done(config::init::starter(&valid.config, &args.profiles).as_bytes())
}

/// kustomize's exec-plugin protocol: one argument, the generator config file; manifests on
/// stdout; errors on stderr with a non-zero exit.
fn exec_plugin() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let [config] = args.as_slice() else {
        say(&format!(
            "usage: {PLUGIN_NAME} CONFIG_FILE (kustomize runs this with its generator config)"
        ));
        return ExitCode::from(TROUBLE);
    };
    let inputs = InputArgs {
        configs: vec![config.into()],
        ..InputArgs::default()
    };
    // A generator gets nothing on stdin; a transformer or validator (`validators:` of an
    // overlay) gets the built resources, and as a validator must give them back unchanged.
    let resources = if io::stdin().is_terminal() {
        String::new()
    } else {
        match read::stdin("the resources kustomize passed") {
            Ok(text) => text,
            Err(e) => return exit(Err(e)),
        }
    };
    if !resources.trim().is_empty() {
        return exit(validate_overlay(&inputs, &resources));
    }
    exit(rendered(&inputs).and_then(|rendered| match rendered {
        Some(rendered) => done(stackgen::output::yaml_stream(&rendered.objects).as_bytes()),
        None => Ok(Status::Failed),
    }))
}

/// The exec plugin as a kustomize validator: the built resources checked against the
/// config, and given back byte for byte when they hold together.
fn validate_overlay(inputs: &InputArgs, resources: &str) -> anyhow::Result<Status> {
    let Some(valid) = validated(inputs)? else {
        return Ok(Status::Failed);
    };
    let items = stackgen::diff::parse_objects(resources)
        .map_err(|e| anyhow::anyhow!("the resources kustomize passed are not YAML: {e}"))?;
    let problems = stackgen::render::recheck(&valid.config, &items);
    if problems.is_empty() {
        // Silent: kustomize shows a plugin's stderr with its own output.
        return done(resources.as_bytes());
    }
    Ok(report_problems(&problems))
}

fn invoked_as_plugin() -> bool {
    std::env::args_os()
        .next()
        .and_then(|arg0| Path::new(&arg0).file_name().map(|n| n == PLUGIN_NAME))
        .unwrap_or(false)
}

/// The whole pipeline on the command line's layers; as [`through`].
fn rendered(args: &InputArgs) -> anyhow::Result<Option<Rendered>> {
    through(args, pipeline::run, |r| (&r.warnings, &r.sources))
}

/// The pipeline up to validation, for commands that print no objects; as [`through`].
fn validated(args: &InputArgs) -> anyhow::Result<Option<Valid>> {
    through(args, pipeline::validate, |v| (&v.warnings, &v.sources))
}

/// Runs `stage` of the pipeline on the command line's layers. Diagnostics (a refused
/// config's, or the warnings of an accepted one) go to stderr; `None` means refused.
fn through<T>(
    args: &InputArgs,
    stage: fn(&Inputs, Options) -> Result<T, Failure>,
    warnings: impl Fn(&T) -> (&[Diagnostic], &Sources),
) -> anyhow::Result<Option<T>> {
    let outcome = settle(stage(&inputs(args)?, options(args)))?;
    if let Some(value) = &outcome {
        let (diagnostics, sources) = warnings(value);
        warn(diagnostics, sources);
    }
    Ok(outcome)
}

fn options(args: &InputArgs) -> Options {
    Options {
        strict: args.strict,
    }
}

/// A refused config's diagnostics go to stderr (`None`); an internal error is trouble.
fn settle<T>(result: Result<T, Failure>) -> anyhow::Result<Option<T>> {
    let failure = match result {
        Ok(value) => return Ok(Some(value)),
        Err(failure) => failure,
    };
    warn(failure.diagnostics(), failure.sources());
    match failure {
        Failure::Invalid { .. } => Ok(None),
        Failure::Strict { .. } => {
            say("refusing the config: --strict turns warnings into errors");
            Ok(None)
        }
        Failure::Internal { error, .. } => Err(error.into()),
    }
}

fn warn(diagnostics: &[Diagnostic], sources: &Sources) {
    stdio::say_raw(&render_all(diagnostics, sources));
}

/// Reads the config layers: every `-c` file (`-` is stdin), then the profiles and `--set`s.
fn inputs(args: &InputArgs) -> anyhow::Result<Inputs> {
    let mut documents = Vec::new();
    for path in &args.configs {
        let (name, text) = read::config(path)?;
        documents.push(Document { name, text });
    }
    Ok(Inputs {
        profiles: args.profiles.clone(),
        documents,
        sets: args.sets.clone(),
        // kustomize hands the exec plugin a temporary copy of its config; the files the
        // config names are beside the kustomization.
        file_root: invoked_as_plugin()
            .then(|| std::env::var_os("KUSTOMIZE_PLUGIN_CONFIG_ROOT"))
            .flatten()
            .map(PathBuf::from),
    })
}

/// Writes a command's whole output to stdout: the command is done.
fn done(bytes: &[u8]) -> anyhow::Result<Status> {
    emit(bytes)?;
    Ok(Status::Done)
}
