//! Reading what the user hands stackgen (config files, stdin, committed renderings), each
//! within a size limit, so `-c /dev/zero` is refused at once instead of filling memory.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::Path;

use anyhow::{Context as _, Result};
use serde_json::Value as Json;
use stackgen::config::Document;

use crate::walk::{self, Kind};

/// The most stackgen reads from one input: a config file, stdin, or a committed rendering
/// (a file, or all the manifests of a directory together). Renderings are well under 1 MiB.
pub const LIMIT: u64 = 16 << 20;

/// A config file (`-c`), all of it; `-` is stdin.
pub fn config(path: &Path) -> Result<(String, String)> {
    if path.as_os_str() == "-" {
        return Ok(("<stdin>".to_owned(), stdin("the config")?));
    }
    let name = format!("config file `{}`", path.display());
    let text = file(path, &name, LIMIT)?;
    Ok((path.display().to_string(), text))
}

/// The members of a fleet: every `*.yaml`/`*.yml` file directly in `dir` (hidden ones and
/// folders left out; links to files followed, as `-c` follows them), by file name, each
/// read as a `-c` file is and named by its path. A folder without one is a usage error.
pub fn fleet(dir: &Path) -> Result<Vec<Document>> {
    let listing = |e| anyhow::anyhow!("cannot read the fleet `{}`: {e}", dir.display());
    let mut names = Vec::new();
    for entry in fs::read_dir(dir).map_err(listing)? {
        let name = entry.map_err(listing)?.file_name();
        let path = Path::new(&name);
        let config = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
        if config && !name.as_encoded_bytes().starts_with(b".") {
            names.push(name);
        }
    }
    names.sort();
    let mut members = Vec::new();
    for name in names {
        let path = dir.join(name);
        let meta = fs::metadata(&path)
            .with_context(|| format!("cannot read fleet member `{}`", path.display()))?;
        // A folder (or a fifo) named like a config is not one; reading a fifo would block.
        if meta.is_file() {
            let (name, text) = config(&path)?;
            members.push(Document { name, text });
        }
    }
    if members.is_empty() {
        anyhow::bail!(
            "the fleet `{}` holds no config: a fleet is the `*.yaml` and `*.yml` files directly \
             in it, one MonitoringStack each\n\x20 = help: put one config per cluster in it, or \
             render a single config with `-c FILE`",
            dir.display()
        );
    }
    Ok(members)
}

/// All of stdin; `what` names it in the errors.
pub fn stdin(what: &str) -> Result<String> {
    bounded(io::stdin().lock(), &format!("{what} on stdin"), LIMIT)
}

/// The objects of a committed rendering: a YAML file, stdin (`-`), or a `render -o`
/// directory (every `*.yaml`/`*.yml` below it but `kustomization.yaml`; linked folders are
/// not followed).
pub fn against(path: &Path) -> Result<Vec<Json>> {
    manifests(path, "`--against -`")
}

/// The objects of a YAML file, stdin (`-`, named `stdin_name` in errors) or a `render -o`
/// directory, as [`against`] reads them.
pub fn manifests(path: &Path, stdin_name: &str) -> Result<Vec<Json>> {
    let mut sources = Vec::new();
    if path.as_os_str() == "-" {
        sources.push(("<stdin>".to_owned(), stdin(stdin_name)?));
    } else if path.is_dir() {
        let mut budget = LIMIT;
        for entry in walk::walk(path)? {
            let file = path.join(&entry.path);
            let followed = entry.kind == Kind::Link && file.is_file();
            if !(entry.kind == Kind::File || followed) || !is_manifest(&file) {
                continue;
            }
            let name = format!("`{}`", file.display());
            let text = file_within(&file, &name, budget, path)?;
            budget -= text.len() as u64;
            sources.push((file.display().to_string(), text));
        }
    } else {
        let text = file(path, &format!("`{}`", path.display()), LIMIT)?;
        sources.push((path.display().to_string(), text));
    }
    let mut objects = Vec::new();
    for (name, text) in sources {
        let parsed = stackgen::diff::parse_objects(&text)
            .map_err(|e| anyhow::anyhow!("cannot read `{name}` as Kubernetes YAML: {e}"))?;
        objects.extend(parsed);
    }
    Ok(objects)
}

/// A file of a directory, within what is left of the directory's `budget`.
fn file_within(path: &Path, name: &str, budget: u64, dir: &Path) -> Result<String> {
    file(path, name, budget).map_err(|e| match e.downcast_ref::<TooLarge>() {
        Some(_) => anyhow::anyhow!(
            "the manifests in `{}` are larger than {} MiB together, the most stackgen reads \
             from one input (at `{}`)",
            dir.display(),
            LIMIT >> 20,
            path.display()
        ),
        None => e,
    })
}

/// A file, at most `limit` bytes of it.
fn file(path: &Path, name: &str, limit: u64) -> Result<String> {
    let opened = File::open(path).with_context(|| format!("cannot read {name}"))?;
    bounded(opened, name, limit)
}

/// Why an input was refused before it was read to its end.
#[derive(Debug)]
struct TooLarge(String);

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TooLarge {}

/// At most `limit` bytes of `reader` as text: one byte more is read, to tell a larger
/// input, and never the rest of it.
fn bounded(reader: impl Read, name: &str, limit: u64) -> Result<String> {
    let mut bytes = Vec::new();
    reader
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {name}"))?;
    if bytes.len() as u64 > limit {
        return Err(TooLarge(format!(
            "{name} is larger than {} MiB, the most stackgen reads from it",
            limit >> 20
        ))
        .into());
    }
    String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{name} is not UTF-8 text (at byte {})",
            e.utf8_error().valid_up_to()
        )
    })
}

/// A YAML file holding objects: kustomization files are tooling, not objects.
fn is_manifest(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "yaml" || e == "yml")
        && path
            .file_name()
            .is_some_and(|n| n != "kustomization.yaml" && n != "kustomization.yml")
}

/// Whether the file at `path` holds exactly `content`, reading at most one byte more.
pub fn holds(path: &Path, content: &str) -> io::Result<bool> {
    let mut bytes = Vec::new();
    File::open(path)?
        .take(content.len() as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes == content.as_bytes())
}

/// A file's text when it is at most `limit` bytes; `None` when missing.
pub fn small(path: &Path, limit: u64) -> Result<Option<String>> {
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        _ => file(path, &format!("`{}`", path.display()), limit).map(Some),
    }
}
