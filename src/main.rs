//! Thin shell: parse the command line, do the I/O, call the library, map to exit codes.

mod cli;

use std::io::{self, Read, Write};
use std::process::ExitCode;

use clap::Parser;
use cli::{Cli, Command, Format, InputArgs, PluginCommand};
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
            let path = install_plugin(dir)?;
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

/// Links this executable where kustomize looks for the `MonitoringStack` generator.
fn install_plugin(dir: Option<std::path::PathBuf>) -> anyhow::Result<std::path::PathBuf> {
    let root = match dir {
        Some(dir) => dir,
        None => {
            let config_home = std::env::var_os("XDG_CONFIG_HOME")
                .filter(|v| !v.is_empty())
                .map(std::path::PathBuf::from)
                .or_else(|| {
                    std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".config"))
                })
                .ok_or_else(|| {
                    anyhow::anyhow!("neither XDG_CONFIG_HOME nor HOME is set; pass --dir")
                })?;
            config_home.join("kustomize").join("plugin")
        }
    };
    let folder = root
        .join("stackgen.dev")
        .join("v1alpha1")
        .join("monitoringstack");
    std::fs::create_dir_all(&folder)
        .map_err(|e| anyhow::anyhow!("cannot create `{}`: {e}", folder.display()))?;
    let link = folder.join(PLUGIN_NAME);
    let exe = std::env::current_exe()
        .and_then(std::fs::canonicalize)
        .map_err(|e| anyhow::anyhow!("cannot find this executable: {e}"))?;
    if link.symlink_metadata().is_ok() {
        std::fs::remove_file(&link)
            .map_err(|e| anyhow::anyhow!("cannot replace `{}`: {e}", link.display()))?;
    }
    symlink(&exe, &link).map_err(|e| {
        anyhow::anyhow!(
            "cannot link `{}` to `{}`: {e}",
            link.display(),
            exe.display()
        )
    })?;
    Ok(link)
}

#[cfg(unix)]
fn symlink(target: &std::path::Path, link: &std::path::Path) -> io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn symlink(target: &std::path::Path, link: &std::path::Path) -> io::Result<()> {
    std::fs::copy(target, link).map(|_| ())
}
