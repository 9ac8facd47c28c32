//! `stackgen plugin install`: links the binary where kustomize looks for exec plugins.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

/// Links this executable where kustomize looks for the `MonitoringStack` generator:
/// `<root>/stackgen.dev/v1alpha1/monitoringstack/MonitoringStack`.
pub fn install(dir: Option<PathBuf>, plugin_name: &str) -> Result<PathBuf> {
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
