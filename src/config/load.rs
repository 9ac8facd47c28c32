//! Layers in, one merged tree out: defaults < profiles < config files < `--set`.

use super::model::MonitoringStack;
use super::profiles;
use super::tree::{Node, Path, Value};
use crate::diagnostic::Diagnostic;
use crate::source::{Origin, Sources};

/// One config document as read by the shell: a display name (the path, or `<stdin>`) and text.
#[derive(Debug, Clone)]
pub struct Document {
    pub name: String,
    pub text: String,
}

/// Everything the user layered, in the order Helm users expect to be applied.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// `-p NAME`, in order.
    pub profiles: Vec<String>,
    /// `-c FILE`, in order.
    pub documents: Vec<Document>,
    /// `--set PATH=VALUE`, in order; applied after every file.
    pub sets: Vec<String>,
    /// Where relative paths in the config (rule files, dashboards …) resolve, instead of the
    /// folder of the config file that names them: the kustomization's folder for the exec
    /// plugin, which is given a temporary copy of its config.
    pub file_root: Option<std::path::PathBuf>,
}

/// The merged tree, the texts it came from, and what went wrong on the way.
pub struct Merged {
    pub tree: Node,
    pub sources: Sources,
    pub diagnostics: Vec<Diagnostic>,
}

/// Merges every layer; a broken layer is reported and skipped so the rest still get checked.
pub fn merge(inputs: &Inputs) -> Merged {
    let defaults = serde_json::to_value(MonitoringStack::default()).expect("defaults serialize");
    let mut tree = Node::from_json(&defaults, &Origin::Default);
    let mut sources = Sources::default();
    let mut diagnostics = Vec::new();

    for name in &inputs.profiles {
        match profiles::find(name) {
            Some(profile) => {
                layer(
                    &mut tree,
                    &mut sources,
                    &mut diagnostics,
                    &profile.file_name(),
                    profile.text.to_owned(),
                );
            }
            None => diagnostics.push(unknown_profile(name)),
        }
    }
    for document in &inputs.documents {
        layer(
            &mut tree,
            &mut sources,
            &mut diagnostics,
            &document.name,
            document.text.clone(),
        );
    }
    for set in &inputs.sets {
        if let Err(d) = apply_set(&mut tree, set) {
            diagnostics.push(*d);
        }
    }
    Merged {
        tree,
        sources,
        diagnostics,
    }
}

fn unknown_profile(name: &str) -> Diagnostic {
    let names: Vec<&str> = profiles::all().iter().map(|p| p.name).collect();
    let mut help = format!("built-in profiles: {}", names.join(", "));
    if let Some(best) = super::suggest::closest(name, names.iter().copied()) {
        help = format!("did you mean `{best}`? {help}");
    }
    Diagnostic::error(format!("unknown profile `{name}`")).help(help)
}

fn layer(
    tree: &mut Node,
    sources: &mut Sources,
    diagnostics: &mut Vec<Diagnostic>,
    name: &str,
    text: String,
) {
    let (id, shared_name) = sources.add(name, text);
    let text = sources.text(id).unwrap_or_default();
    let at = |line: usize, column: usize| {
        Some(Origin::File {
            name: shared_name.clone(),
            source: id,
            line,
            column,
        })
    };
    // YAML indents with spaces; the parser reports a tab where its scanner gave up, often a
    // line earlier, so point at the tab ourselves.
    if let Some((line, column)) = indenting_tab(text) {
        diagnostics.push(
            Diagnostic::error("invalid YAML: a tab indents this line")
                .from_origin(at(line, column))
                .help("YAML indents with spaces only: replace the tab with spaces"),
        );
        return;
    }
    match Node::parse(text, id, &shared_name) {
        Ok(node) => match node.value {
            Value::Map(_) => tree.merge(node),
            Value::Null => diagnostics.push(
                Diagnostic::warning(format!("`{name}` holds no settings, so the built-in defaults apply"))
                    .from_origin(at(1, 1))
                    .help("an empty file, a file of comments or empty stdin changes nothing; check you gave the file you meant"),
            ),
            ref other => diagnostics.push(
                Diagnostic::error(format!(
                    "a config must be a map, found a {}",
                    other.type_name()
                ))
                .from_origin(Some(node.origin.clone()))
                .help("start from `stackgen init`"),
            ),
        },
        Err(e) => diagnostics.push(yaml_error(&e, id, &shared_name)),
    }
}

/// The first tab in a line's indentation (outside block scalars it is never allowed), as
/// 1-based line and column.
fn indenting_tab(text: &str) -> Option<(usize, usize)> {
    text.lines().enumerate().find_map(|(i, line)| {
        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
        let at = line[..indent].find('\t')?;
        // A line of only whitespace carries nothing.
        (indent < line.len()).then_some((i + 1, at + 1))
    })
}

/// A YAML syntax error, located so the renderer can quote the line.
fn yaml_error(
    error: &serde_saphyr::Error,
    source: usize,
    name: &std::sync::Arc<str>,
) -> Diagnostic {
    let origin = error.location().map(|l| Origin::File {
        name: name.clone(),
        source,
        line: l.line() as usize,
        column: l.column() as usize,
    });
    // serde-saphyr's Display repeats the location and a snippet; our renderer draws its own.
    let full = error.to_string();
    let message = full
        .lines()
        .next()
        .unwrap_or("malformed YAML")
        .trim_start_matches("error: ");
    let message = message
        .split_once(": ")
        .filter(|(head, _)| head.starts_with("line "))
        .map_or(message, |(_, rest)| rest);
    // The parser's advice to its own API users ("set DuplicateKeyPolicy in Options") is not
    // for ours.
    let message = message.split(", set ").next().unwrap_or(message);
    Diagnostic::error(format!("invalid YAML: {message}")).from_origin(origin.or_else(|| {
        Some(Origin::File {
            name: name.clone(),
            source,
            line: 1,
            column: 1,
        })
    }))
}

/// Applies one `--set PATH=VALUE`; the value is read as a YAML scalar (`3`, `true`, `"on"`).
fn apply_set(tree: &mut Node, flag: &str) -> Result<(), Box<Diagnostic>> {
    let origin = Origin::Set(flag.into());
    let fail = |message: String, help: &str| {
        Err(Box::new(
            Diagnostic::error(message)
                .from_origin(Some(origin.clone()))
                .help(help),
        ))
    };
    let Some((path_text, value_text)) = flag.split_once('=') else {
        return fail(
            format!("`{flag}` has no `=`"),
            "write `--set PATH=VALUE`, such as `--set prometheus.replicas=5`",
        );
    };
    let mut path = match Path::parse(path_text) {
        Ok(path) => path,
        Err(message) => {
            return fail(
                message,
                "paths are dot-separated keys with optional list indexes, such as `thanos.query.remoteEndpoints[0]`",
            );
        }
    };
    // Helm users write paths below `spec`; the document's own top-level keys stay reachable.
    let rooted = matches!(path.0.first(), Some(super::tree::Segment::Key(k)) if ["apiVersion", "kind", "metadata", "spec"].contains(&k.as_str()));
    if !rooted {
        path.0
            .insert(0, super::tree::Segment::Key("spec".to_owned()));
    }
    let value = parse_scalar(value_text, &origin)?;
    tree.set(&path, value).map_err(|message| {
        Box::new(
            Diagnostic::error(message)
                .at(path.to_string())
                .from_origin(Some(origin.clone())),
        )
    })
}

fn parse_scalar(text: &str, origin: &Origin) -> Result<Node, Box<Diagnostic>> {
    if text.trim().is_empty() {
        return Ok(Node::new(Value::String(String::new()), origin.clone()));
    }
    let name = std::sync::Arc::from("--set");
    let node = Node::parse(text, 0, &name).map_err(|e| {
        Box::new(
            Diagnostic::error(format!(
                "cannot read the value `{text}`: {}",
                e.to_string().lines().next().unwrap_or_default()
            ))
            .from_origin(Some(origin.clone()))
            .help("quote values with YAML syntax in them, such as `--set 'cluster=\"a: b\"'`"),
        )
    })?;
    Ok(retag(node, origin))
}

/// Points every node of a `--set` value at the flag rather than a phantom file.
fn retag(mut node: Node, origin: &Origin) -> Node {
    node.origin = origin.clone();
    node.key_origin = node.key_origin.map(|_| origin.clone());
    node.value = match node.value {
        Value::Seq(items) => Value::Seq(items.into_iter().map(|n| retag(n, origin)).collect()),
        Value::Map(map) => Value::Map(
            map.into_iter()
                .map(|(k, n)| (k, retag(n, origin)))
                .collect(),
        ),
        other => other,
    };
    node
}

#[cfg(test)]
#[path = "load_tests.rs"]
mod tests;
