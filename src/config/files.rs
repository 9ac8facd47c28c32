//! Files a config names (rule files, and whatever else a user keeps beside the config rather
//! than inline): read once, after the config is parsed, so validation and rendering see their
//! text like any other value. A relative path resolves against the directory of the config
//! file that set it (as a shell would from that file's folder), or against
//! [`super::Inputs::file_root`] when the caller knows better (kustomize passes the exec plugin
//! a temporary copy of its config, whose folder says nothing).

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::tree::{Node, Path as ConfigPath};
use crate::source::Origin;

/// At most this much is read of any one file, as of a config.
const LIMIT: u64 = 16 << 20;
/// At most this many files are read from one directory.
const MAX_FILES: usize = 1000;

/// A path in the config to a file, or to a directory whose files (with the extensions its
/// reader takes) are all read. Written as a plain string.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileRef {
    pub path: String,
    /// What was read, once resolved: one file, or every matching file of a directory, by
    /// file name, sorted.
    pub files: Vec<FileText>,
}

/// One file read for a [`FileRef`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileText {
    /// The file's name, without its folder.
    pub name: String,
    pub text: String,
}

impl FileRef {
    pub fn new(path: &str) -> Self {
        Self {
            path: path.to_owned(),
            files: Vec::new(),
        }
    }
}

impl fmt::Display for FileRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path)
    }
}

impl Serialize for FileRef {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.path)
    }
}

impl<'de> Deserialize<'de> for FileRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|path| Self::new(&path))
    }
}

impl JsonSchema for FileRef {
    fn schema_name() -> Cow<'static, str> {
        "FileRef".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "minLength": 1,
            "description": "A file, or a directory of files, relative to the config file that names it."
        })
    }
}

/// One file reference of a config, as [`super::model::MonitoringStack::file_refs_mut`] lists
/// them: its config path, the reference, and the extensions a directory's files must have.
pub type Reference<'a> = (String, &'a mut FileRef, &'static [&'static str]);

/// Where the documents of a run resolve their relative paths.
pub struct Roots<'a> {
    /// Overrides every document's own folder.
    pub root: Option<&'a Path>,
    /// The documents' names, as their origins name them.
    pub documents: &'a [super::Document],
}

impl Roots<'_> {
    /// The folder relative paths set at `origin` resolve against.
    fn dir_of(&self, origin: &Origin) -> PathBuf {
        if let Some(root) = self.root {
            return root.to_path_buf();
        }
        let Origin::File { name, .. } = origin else {
            return PathBuf::from(".");
        };
        let named_file = self
            .documents
            .iter()
            .any(|d| d.name == **name && Path::new(&d.name).is_file());
        match Path::new(&**name).parent() {
            Some(parent) if named_file && !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }
}

/// Reads every reference; a reference that cannot be read is returned with why, at its
/// config path.
pub fn read_all(
    references: Vec<Reference>,
    tree: &Node,
    roots: &Roots,
) -> Vec<(String, String, String)> {
    let mut problems = Vec::new();
    for (at, reference, extensions) in references {
        let origin = ConfigPath::parse(&at)
            .map(|p| tree.origin_of(&p))
            .unwrap_or(Origin::Default);
        let full = roots.dir_of(&origin).join(&reference.path);
        match read(&full, extensions) {
            Ok(files) => reference.files = files,
            Err(why) => problems.push((
                at,
                format!(
                    "cannot read `{}` ({}): {why}",
                    reference.path,
                    full.display()
                ),
                match extensions {
                    [] => "name a readable file".to_owned(),
                    _ => format!(
                        "name a readable file, or a directory of `{}` files",
                        extensions.join("`, `")
                    ),
                },
            )),
        }
    }
    problems
}

fn read(path: &Path, extensions: &[&str]) -> Result<Vec<FileText>, String> {
    let meta = std::fs::metadata(path).map_err(|e| plain(&e))?;
    if !meta.is_dir() {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        return Ok(vec![FileText {
            name,
            text: read_text(path)?,
        }]);
    }
    let mut names: Vec<String> = std::fs::read_dir(path)
        .map_err(|e| plain(&e))?
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file() || t.is_symlink()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .filter(|n| {
            Path::new(n)
                .extension()
                .is_some_and(|x| extensions.iter().any(|e| x == *e))
        })
        .collect();
    names.sort();
    if names.is_empty() {
        return Err(format!(
            "the directory holds no `{}` file",
            extensions.join("`, `")
        ));
    }
    if names.len() > MAX_FILES {
        return Err(format!("the directory holds more than {MAX_FILES} files"));
    }
    names
        .into_iter()
        .map(|name| {
            let text = read_text(&path.join(&name)).map_err(|why| format!("`{name}`: {why}"))?;
            Ok(FileText { name, text })
        })
        .collect()
}

fn read_text(path: &Path) -> Result<String, String> {
    use std::io::Read as _;
    let file = std::fs::File::open(path).map_err(|e| plain(&e))?;
    let mut bytes = Vec::new();
    file.take(LIMIT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| plain(&e))?;
    if bytes.len() as u64 > LIMIT {
        return Err(format!("larger than {} MiB", LIMIT >> 20));
    }
    String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_owned())
}

/// An I/O error as people say it, without Rust's `(os error 2)`.
fn plain(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{Document, Inputs, load};
    use crate::diagnostic::Diagnostic;

    const RULES: &str = "groups:\n- name: team\n  rules:\n  - alert: TeamDown\n    expr: up{job=\"team\"} == 0\n    for: 5m\n";

    /// A config in `dir`, loaded as `-c dir/stack.yaml` loads it.
    fn load_in(
        dir: &std::path::Path,
        spec: &str,
    ) -> Result<crate::config::Loaded, Vec<Diagnostic>> {
        let path = dir.join("stack.yaml");
        let text =
            format!("apiVersion: stackgen.dev/v1alpha1\nkind: MonitoringStack\nspec:\n{spec}");
        std::fs::write(&path, &text).unwrap();
        load(&Inputs {
            documents: vec![Document {
                name: path.to_string_lossy().into_owned(),
                text,
            }],
            ..Inputs::default()
        })
        .map_err(|r| r.diagnostics)
    }

    #[test]
    fn rule_files_are_read_relative_to_the_config_file_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("rules")).unwrap();
        std::fs::write(dir.path().join("rules/a.rules.yaml"), RULES).unwrap();
        std::fs::write(
            dir.path().join("rules/b.rules.yml"),
            RULES.replace("team", "other"),
        )
        .unwrap();
        std::fs::write(dir.path().join("rules/notes.md"), "not a rule file").unwrap();
        std::fs::write(dir.path().join("one.yaml"), RULES.replace("team", "one")).unwrap();
        let loaded = load_in(
            dir.path(),
            "  prometheus: {ruleFilesFrom: [rules]}\n  thanos: {ruler: {ruleFilesFrom: [one.yaml]}}\n",
        )
        .expect("loads");
        let names: Vec<&str> = loaded
            .config
            .spec
            .prometheus
            .rule_files
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(names, ["a.rules.yaml", "b.rules.yml"]);
        assert_eq!(
            loaded.config.spec.thanos.ruler.rule_files[0].groups[0].name,
            "one"
        );
    }

    #[test]
    fn unreadable_and_malformed_rule_files_are_refused_at_their_reference() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("bad.yaml"),
            "groups:\n- name: g\n  rulez: []\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("broken-promql.yaml"),
            "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: 'rate(x[5m]'\n",
        )
        .unwrap();
        let errors = load_in(
            dir.path(),
            "  prometheus: {ruleFilesFrom: [missing.yaml, bad.yaml, broken-promql.yaml]}\n",
        )
        .unwrap_err();
        let at = |path: &str| {
            errors
                .iter()
                .filter(|d| d.path.as_deref().is_some_and(|p| p.starts_with(path)))
                .map(|d| d.message.clone())
                .collect::<Vec<_>>()
        };
        let missing = at("spec.prometheus.ruleFilesFrom[0]");
        assert!(
            missing[0].contains("cannot read `missing.yaml`")
                && missing[0].contains("no such file"),
            "{errors:#?}"
        );
        let bad = at("spec.prometheus.ruleFilesFrom[1]");
        assert!(
            bad[0].contains("`bad.yaml` is not a Prometheus rule file") && bad[0].contains("rulez"),
            "{errors:#?}"
        );
        // Parsed like an inline file: the PromQL is checked, at the reference that read it.
        assert_eq!(
            at("spec.prometheus.ruleFilesFrom[2]").len(),
            1,
            "{errors:#?}"
        );
        let origin = errors[0].origin.as_ref().expect("an origin").to_string();
        assert!(origin.ends_with("stack.yaml:4:32"), "{origin}");
    }
}
