//! Thin shell: parse the command line, do the I/O, call the library, map to exit codes.

mod cli;

use std::io::{self, Read, Write};
use std::process::ExitCode;

use clap::Parser;
use cli::{Cli, Command, Format, InputArgs};
use stackgen::config::{self, Document, Inputs, Loaded};
use stackgen::diagnostic::render_all;

/// Exit codes, as diff(1): 0 ok, 1 invalid or different, 2 trouble.
const INVALID: u8 = 1;
const TROUBLE: u8 = 2;

fn main() -> ExitCode {
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
