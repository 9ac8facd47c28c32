//! Command-line definitions; the long help doubles as the reference in the README.

use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "stackgen",
    version,
    about = "Typed config in, a production-grade HA Prometheus + Thanos stack for Kubernetes out",
    long_about = "Typed config in, a production-grade HA Prometheus + Thanos stack for Kubernetes out.\n\n\
                  Exit codes: 0 ok; 1 invalid config, or `diff` and `render --check` found \
                  differences; 2 trouble: a usage or I/O error, a bug, or an invalid config given \
                  to `diff` or `render --check`."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render the stack's Kubernetes manifests (stdout, or a directory with -o).
    Render(RenderArgs),
    /// Check a config: every error at once; nothing on stdout when invalid.
    Validate(InputArgs),
    /// Compare the rendered stack with a committed rendering (exit 1 when they differ, 2 on
    /// trouble such as an invalid config).
    Diff(DiffArgs),
    /// Print the JSON Schema of the config (for editors and CI).
    Schema,
    /// List the built-in profiles, one per line.
    Profiles,
    /// Print a commented starter config that validates as it is.
    Init(InitArgs),
    /// KRM function: read a ResourceList on stdin (functionConfig: a MonitoringStack), write
    /// it back with the stack's objects added (kpt, kustomize --enable-exec).
    Krm,
    /// Check manifests built from the stack, such as a kustomize overlay's output, against
    /// the config: the stack's objects still in the namespace it was rendered for, and
    /// every address, file, selector and traffic flow of the wiring check still resolving.
    /// Exit 1 naming the problems, 2 on trouble such as an invalid config.
    Check(CheckArgs),
    /// Run `promtool test rules` files against the rules the stack ships, as rendered: the
    /// Prometheus rule files under `prometheus/`, the Ruler's under `ruler/` (so a test
    /// names `rule_files: [prometheus/team.rules.yaml]`). Exit 1 when a test fails.
    TestRules(TestRulesArgs),
    /// List what must exist before the stack is applied: the Secrets (and keys) it reads
    /// but does not create, the buckets, storage and ingress classes, the issuer.
    Prerequisites(PrerequisitesArgs),
    /// Set up stackgen as a kustomize exec plugin.
    #[command(subcommand)]
    Plugin(PluginCommand),
}

#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// Link this binary as kustomize's `stackgen.dev/v1alpha1` `MonitoringStack` generator
    /// and print where.
    Install {
        /// Plugin root; default `$XDG_CONFIG_HOME/kustomize/plugin`, else `~/.config/kustomize/plugin`.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// The config layers: defaults < profiles < files < --set.
#[derive(Debug, Args, Clone, Default)]
pub struct InputArgs {
    /// Config file (repeatable, applied left to right; `-` reads stdin); at most 16 MiB each.
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    pub configs: Vec<PathBuf>,
    /// Built-in profile applied before the files (repeatable); see `stackgen profiles`.
    #[arg(short = 'p', long = "profile", value_name = "NAME")]
    pub profiles: Vec<String>,
    /// Override one value after every file, as PATH=VALUE (repeatable). PATH is dot-separated
    /// with list indexes (`thanos.query.remoteEndpoints[0]`), taken under `spec` unless it
    /// starts with apiVersion, kind, metadata or spec; VALUE is read as a YAML scalar.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
    /// Treat warnings as errors (exit 1).
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("fleet_output").args(["output_dir", "check"])))]
pub struct RenderArgs {
    #[command(flatten)]
    pub inputs: InputArgs,
    /// Render a fleet: every `*.yaml`/`*.yml` file directly in DIR (hidden files left out, by
    /// file name) is one cluster's config, layered over the -p and -c layers (a shared base)
    /// and under every --set, and renders into `<metadata.name>/` of the -o (or --check)
    /// directory, which gets one `.stackgen` marker for all of them. Every member is
    /// validated before any is rendered; an invalid member, or two sharing a `metadata.name`
    /// or `spec.cluster`, writes nothing. Needs -o or --check.
    #[arg(
        long,
        value_name = "DIR",
        requires = "fleet_output",
        conflicts_with = "format"
    )]
    pub fleet: Option<PathBuf>,
    /// Write one file per object, grouped by component, plus a kustomization.yaml and a
    /// `.stackgen` marker listing them, replacing a directory stackgen wrote in one step.
    /// Files stackgen did not write are kept (and named); a non-empty directory without the
    /// marker is refused unless --force.
    #[arg(short = 'o', long = "output-dir", value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// With -o: write into a non-empty directory that has no `.stackgen` marker. Every file
    /// already there is kept and named; the directory gets a marker, so later runs replace
    /// only what stackgen wrote. It never overwrites or removes a file stackgen did not
    /// write: such a file where a rendered one goes still refuses the run.
    #[arg(long, requires = "output_dir")]
    pub force: bool,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Yaml)]
    pub format: Format,
    /// CI guard: write nothing; exit 1 and name the files when DIR is not what `-o DIR`
    /// would write (files stackgen did not write are notes, not differences), 2 on trouble
    /// such as an invalid config.
    #[arg(long, value_name = "DIR", conflicts_with = "output_dir")]
    pub check: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub inputs: InputArgs,
    /// The committed rendering: a multi-document YAML file, `-` for stdin, or a directory
    /// written by `render -o` (every `*.yaml`/`*.yml` below it but `kustomization.yaml`;
    /// linked folders are not followed). At most 16 MiB are read (per cluster with --fleet).
    #[arg(long, value_name = "PATH", required = true)]
    pub against: PathBuf,
    /// Compare a fleet (the configs in DIR, as `render --fleet` reads them) with the fleet
    /// rendering --against names, a directory: each member with its `<metadata.name>/`
    /// folder there (a member without one: every object added), and every other folder
    /// there as a cluster no config renders any more (every object removed).
    #[arg(long, value_name = "DIR")]
    pub fleet: Option<PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
    /// Colour the text report.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// Exit 0 even when there are differences.
    #[arg(long)]
    pub exit_zero: bool,
}

#[derive(Debug, Args)]
pub struct TestRulesArgs {
    #[command(flatten)]
    pub inputs: InputArgs,
    /// promtool's unit-test files.
    #[arg(value_name = "TEST_FILE", required = true)]
    pub tests: Vec<PathBuf>,
    /// The promtool to run.
    #[arg(long, value_name = "PATH", default_value = "promtool")]
    pub promtool: PathBuf,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub inputs: InputArgs,
    /// The manifests: a multi-document YAML file, `-` for stdin (the default), or a
    /// directory of them (as `diff --against` reads it). Objects that are not the stack's
    /// (by their `app.kubernetes.io/managed-by` and `instance` labels) are left alone.
    #[arg(value_name = "MANIFESTS", default_value = "-")]
    pub manifests: PathBuf,
}

#[derive(Debug, Args)]
pub struct PrerequisitesArgs {
    #[command(flatten)]
    pub inputs: InputArgs,
    /// Report format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// Per-object unified diffs and a summary line.
    Text,
    /// Added, removed and changed objects with their field paths.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    /// Only when stdout is a terminal.
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Multi-document YAML, `---` between objects.
    Yaml,
    /// One `v1` List holding every object.
    Json,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Start from these profiles (repeatable).
    #[arg(short = 'p', long = "profile", value_name = "NAME")]
    pub profiles: Vec<String>,
}
