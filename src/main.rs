//! Thin shell: parse the command line, do the I/O, call the library, map to exit codes.

mod cli;
mod files;

use std::io::{self, IsTerminal, Read, Write};
use std::process::ExitCode;

use clap::Parser;
use cli::{Cli, Color, Command, DiffFormat, Format, InputArgs, PluginCommand};
use stackgen::config::{self, Document, Inputs, Loaded};
use stackgen::diagnostic::render_all;

/// Exit codes, as diff(1): 0 ok, 1 invalid or different, 2 trouble.
const INVALID: u8 = 1;
const TROUBLE: u8 = 2;

/// The name kustomize runs an exec plugin by: `<group>/<version>/<lowercase kind>/<Kind>`.
const PLUGIN_NAME: &str = "MonitoringStack";

fn main() -> ExitCode {
    if invoked_as_plugin() {
        return exec_plugin();
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { TROUBLE } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(TROUBLE)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Validate(inputs) => {
            let Some(loaded) = load(&inputs)? else {
                return Ok(INVALID);
            };
            eprintln!("config is valid{}", warnings_suffix(&loaded));
            Ok(0)
        }
        Command::Render(args) => {
            let Some(loaded) = load(&args.inputs)? else {
                return Ok(INVALID);
            };
            let objects = stackgen::render::render(&loaded.config)?;
            if let Some(dir) = &args.check {
                let stale = files::stale_files(dir, &objects)?;
                for line in &stale {
                    eprintln!("{line}");
                }
                if stale.is_empty() {
                    eprintln!("{} is up to date", dir.display());
                    return Ok(0);
                }
                eprintln!(
                    "{} is not what `stackgen render -o {}` writes: re-render it and commit",
                    dir.display(),
                    dir.display()
                );
                return Ok(INVALID);
            }
            match &args.output_dir {
                Some(dir) => {
                    let files = stackgen::output::directory_files(&objects);
                    stackgen::output::write_directory(dir, &files)
                        .map_err(|e| anyhow::anyhow!("cannot write `{}`: {e}", dir.display()))?;
                    eprintln!("wrote {} objects to {}", objects.len(), dir.display());
                    Ok(0)
                }
                None => match args.format {
                    Format::Yaml => emit(stackgen::output::yaml_stream(&objects).as_bytes()),
                    Format::Json => emit(stackgen::output::json_list(&objects).as_bytes()),
                },
            }
        }
        Command::Diff(args) => {
            let before = files::read_against(&args.against)?;
            let Some(loaded) = load(&args.inputs)? else {
                return Ok(INVALID);
            };
            let objects = stackgen::render::render(&loaded.config)?;
            let after: Vec<serde_json::Value> = objects.into_iter().map(|o| o.value).collect();
            let report = stackgen::diff::compare(&before, &after);
            let text = match args.format {
                DiffFormat::Json => {
                    format!("{}\n", serde_json::to_string_pretty(&report.to_json())?)
                }
                DiffFormat::Text => {
                    let color = match args.color {
                        Color::Always => true,
                        Color::Never => false,
                        Color::Auto => io::stdout().is_terminal(),
                    };
                    report.to_text(color)
                }
            };
            emit(text.as_bytes())?;
            Ok(if report.is_empty() || args.exit_zero {
                0
            } else {
                INVALID
            })
        }
        Command::Schema => {
            let schema = serde_json::to_string_pretty(&config::schema())?;
            emit(format!("{schema}\n").as_bytes())
        }
        Command::Profiles => {
            let width = config::profiles::all()
                .iter()
                .map(|p| p.name.len())
                .max()
                .unwrap_or(0);
            let mut out = String::new();
            for p in config::profiles::all() {
                out.push_str(&format!("{:width$}  {}\n", p.name, p.summary));
            }
            emit(out.as_bytes())
        }
        Command::Krm => {
            let mut input = String::new();
            io::stdin()
                .read_to_string(&mut input)
                .map_err(|e| anyhow::anyhow!("cannot read the ResourceList from stdin: {e}"))?;
            let outcome = stackgen::krm::run(&input);
            if let Some(results) = outcome.resource_list["results"].as_array() {
                for r in results {
                    eprintln!(
                        "{}: {}",
                        r["severity"].as_str().unwrap_or("info"),
                        r["message"].as_str().unwrap_or_default()
                    );
                }
            }
            emit(stackgen::yaml::to_string(&outcome.resource_list).as_bytes())?;
            Ok(if outcome.failed { INVALID } else { 0 })
        }
        Command::Plugin(PluginCommand::Install { dir }) => {
            let path = files::install_plugin(dir, PLUGIN_NAME)?;
            println!("{}", path.display());
            Ok(0)
        }
        Command::Init(args) => {
            let inputs = InputArgs {
                profiles: args.profiles.clone(),
                ..InputArgs::default()
            };
            let Some(loaded) = load(&inputs)? else {
                return Ok(INVALID);
            };
            emit(config::init::starter(&loaded.config, &args.profiles).as_bytes())
        }
    }
}

fn warnings_suffix(loaded: &Loaded) -> String {
    match loaded.warnings.len() {
        0 => String::new(),
        1 => " (1 warning)".to_owned(),
        n => format!(" ({n} warnings)"),
    }
}

/// Reads the layers and loads the config; diagnostics go to stderr. `None` means invalid
/// (or, under `--strict`, warned about).
fn load(args: &InputArgs) -> anyhow::Result<Option<Loaded>> {
    let mut documents = Vec::new();
    for path in &args.configs {
        let (name, text) = if path.as_os_str() == "-" {
            let mut text = String::new();
            io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| anyhow::anyhow!("cannot read the config from stdin: {e}"))?;
            ("<stdin>".to_owned(), text)
        } else {
            let text = std::fs::read_to_string(path).map_err(|e| {
                anyhow::anyhow!("cannot read config file `{}`: {e}", path.display())
            })?;
            (path.display().to_string(), text)
        };
        documents.push(Document { name, text });
    }
    let inputs = Inputs {
        profiles: args.profiles.clone(),
        documents,
        sets: args.sets.clone(),
    };
    match config::load(&inputs) {
        Ok(loaded) => {
            if !loaded.warnings.is_empty() {
                eprint!("{}", render_all(&loaded.warnings, &loaded.sources));
                if args.strict {
                    eprintln!("refusing the config: --strict turns warnings into errors");
                    return Ok(None);
                }
            }
            Ok(Some(loaded))
        }
        Err(rejected) => {
            eprint!("{}", render_all(&rejected.diagnostics, &rejected.sources));
            Ok(None)
        }
    }
}

/// Writes all of `bytes` to stdout; a closed pipe (`stackgen render | head`) is not an error.
fn emit(bytes: &[u8]) -> anyhow::Result<u8> {
    let mut stdout = io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(0),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(anyhow::anyhow!("cannot write to stdout: {e}")),
    }
}

fn invoked_as_plugin() -> bool {
    std::env::args_os()
        .next()
        .and_then(|arg0| {
            std::path::Path::new(&arg0)
                .file_name()
                .map(|n| n == PLUGIN_NAME)
        })
        .unwrap_or(false)
}

/// kustomize's exec-plugin protocol: one argument, the generator config file; manifests on
/// stdout; errors on stderr with a non-zero exit.
fn exec_plugin() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let [config] = args.as_slice() else {
        eprintln!(
            "usage: {PLUGIN_NAME} CONFIG_FILE (kustomize runs this with its generator config)"
        );
        return ExitCode::from(TROUBLE);
    };
    let inputs = InputArgs {
        configs: vec![config.into()],
        ..InputArgs::default()
    };
    let result = load(&inputs).and_then(|loaded| match loaded {
        None => Ok(INVALID),
        Some(loaded) => {
            let objects = stackgen::render::render(&loaded.config)?;
            emit(stackgen::output::yaml_stream(&objects).as_bytes())
        }
    });
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(TROUBLE)
        }
    }
}
