//! The file-system side of the shell: committed renderings in, directory checks and
//! writes, plugin link.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use serde_json::Value as Json;
use stackgen::render::Object;

/// The objects of a committed rendering: a YAML file, stdin (`-`), or a `render -o` directory.
pub fn read_against(path: &Path) -> Result<Vec<Json>> {
    let mut sources = Vec::new();
    if path.as_os_str() == "-" {
        sources.push(("<stdin>".to_owned(), read_stdin("`--against -`")?));
    } else if path.is_dir() {
        for file in walk(path)?.into_iter().filter(|f| is_manifest(f)) {
            let text = fs::read_to_string(&file)
                .with_context(|| format!("cannot read `{}`", file.display()))?;
            sources.push((file.display().to_string(), text));
        }
    } else {
        let text = fs::read_to_string(path)
            .with_context(|| format!("cannot read `{}`", path.display()))?;
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

/// All of stdin; `what` names it in the error.
pub fn read_stdin(what: &str) -> Result<String> {
    let mut text = String::new();
    io::stdin()
        .read_to_string(&mut text)
        .with_context(|| format!("cannot read {what} from stdin"))?;
    Ok(text)
}

/// A YAML file holding objects: kustomization files are tooling, not objects.
fn is_manifest(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "yaml" || e == "yml")
        && path
            .file_name()
            .is_some_and(|n| n != "kustomization.yaml" && n != "kustomization.yml")
}

/// Every file below `dir`, sorted.
fn walk(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in
            fs::read_dir(&folder).with_context(|| format!("cannot read `{}`", folder.display()))?
        {
            let path = entry
                .with_context(|| format!("cannot read `{}`", folder.display()))?
                .path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// What `render -o DIR` would change in `dir`: one line per file, empty when up to date.
pub fn stale_files(dir: &Path, objects: &[Object]) -> Result<Vec<String>> {
    let expected = stackgen::output::directory_files(objects);
    let mut problems = Vec::new();
    for (path, content) in &expected {
        match fs::read(dir.join(path)) {
            Ok(bytes) if bytes == content.as_bytes() => {}
            Ok(_) => problems.push(format!("differs: {}", path.display())),
            Err(_) => problems.push(format!("missing: {}", path.display())),
        }
    }
    if dir.is_dir() {
        for file in walk(dir)? {
            let relative = file.strip_prefix(dir).unwrap_or(&file);
            if !expected.contains_key(relative) {
                problems.push(format!("not rendered: {}", relative.display()));
            }
        }
    }
    Ok(problems)
}

/// Replaces `dir`'s content with `files` atomically: everything is written to a sibling
/// temporary directory first, then swapped in, so a failure leaves the old content whole.
pub fn write_directory(dir: &Path, files: &BTreeMap<PathBuf, String>) -> io::Result<()> {
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let base = dir.file_name().ok_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidInput, "output directory has no name")
    })?;
    let tag = format!("{}.{}", base.to_string_lossy(), std::process::id());
    let staging = parent.join(format!(".{tag}.new"));
    let previous = parent.join(format!(".{tag}.old"));
    if staging.exists() {
        fs::remove_dir_all(&staging)?;
    }
    let written = (|| {
        for (path, content) in files {
            let target = staging.join(path);
            if let Some(folder) = target.parent() {
                fs::create_dir_all(folder)?;
            }
            fs::write(target, content)?;
        }
        Ok(())
    })();
    if let Err(e) = written {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    if dir.exists() {
        if !dir.is_dir() {
            let _ = fs::remove_dir_all(&staging);
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("`{}` exists and is not a directory", dir.display()),
            ));
        }
        fs::rename(dir, &previous)?;
        if let Err(e) = fs::rename(&staging, dir) {
            let _ = fs::rename(&previous, dir);
            return Err(e);
        }
        fs::remove_dir_all(&previous)?;
    } else {
        fs::rename(&staging, dir)?;
    }
    Ok(())
}

/// Links this executable where kustomize looks for the `MonitoringStack` generator:
/// `<root>/stackgen.dev/v1alpha1/monitoringstack/MonitoringStack`.
pub fn install_plugin(dir: Option<PathBuf>, plugin_name: &str) -> Result<PathBuf> {
    let root = match dir {
        Some(dir) => dir,
        None => {
            let config_home = std::env::var_os("XDG_CONFIG_HOME")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
                .context("neither XDG_CONFIG_HOME nor HOME is set; pass --dir")?;
            config_home.join("kustomize").join("plugin")
        }
    };
    let folder = root
        .join("stackgen.dev")
        .join("v1alpha1")
        .join("monitoringstack");
    fs::create_dir_all(&folder).with_context(|| format!("cannot create `{}`", folder.display()))?;
    let link = folder.join(plugin_name);
    let exe = std::env::current_exe()
        .and_then(fs::canonicalize)
        .context("cannot find this executable")?;
    if link.symlink_metadata().is_ok() {
        fs::remove_file(&link).with_context(|| format!("cannot replace `{}`", link.display()))?;
    }
    symlink(&exe, &link)
        .with_context(|| format!("cannot link `{}` to `{}`", link.display(), exe.display()))?;
    Ok(link)
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn symlink(target: &Path, link: &Path) -> io::Result<()> {
    fs::copy(target, link).map(|_| ())
}
