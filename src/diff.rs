//! `stackgen diff`: what applying the rendered stack would change in a committed rendering.
//!
//! Objects are matched by apiVersion, kind, namespace and name and compared in a canonical
//! form (keys sorted, layout and comments gone), so reordering or reformatting the committed
//! files is never a difference. Changes the API server refuses on apply are called out.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::{Map, Value as Json};

use crate::yaml;

/// An object's identity: apiVersion, kind, namespace, name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Key {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub kind: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    pub name: String,
}

impl Key {
    pub fn of(object: &Json) -> Self {
        let field = |p: &str| {
            object
                .pointer(p)
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        Self {
            api_version: field("/apiVersion"),
            kind: field("/kind"),
            namespace: field("/metadata/namespace"),
            name: field("/metadata/name"),
        }
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{} {} ({})", self.kind, self.name, self.api_version)
        } else {
            write!(
                f,
                "{} {}/{} ({})",
                self.kind, self.namespace, self.name, self.api_version
            )
        }
    }
}

/// One field that differs, by path (`spec.template.spec.containers[0].image`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<Json>,
}

/// A change the API server refuses to apply in place, and what to do about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Immutable {
    pub path: String,
    pub help: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Changed {
    #[serde(flatten)]
    pub key: Key,
    pub fields: Vec<FieldChange>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub immutable: Vec<Immutable>,
    /// Unified diff of the canonical YAML of both sides.
    #[serde(skip)]
    pub unified: String,
}

/// The differences between a committed rendering (`before`) and the rendered stack (`after`).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Report {
    pub added: Vec<Key>,
    pub removed: Vec<Key>,
    pub changed: Vec<Changed>,
}

impl Report {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }

    pub fn summary(&self) -> String {
        format!(
            "{} added, {} removed, {} changed",
            self.added.len(),
            self.removed.len(),
            self.changed.len()
        )
    }

    /// Machine-readable form: every change with its field paths, and the summary.
    pub fn to_json(&self) -> Json {
        let mut value = serde_json::to_value(self).expect("report serializes");
        value["summary"] = serde_json::json!({
            "added": self.added.len(), "removed": self.removed.len(), "changed": self.changed.len(),
        });
        value
    }

    /// Human-readable form, ANSI-coloured when `color` is set.
    pub fn to_text(&self, color: bool) -> String {
        let paint = |code: &str, text: &str| {
            if color {
                format!("\x1b[{code}m{text}\x1b[0m")
            } else {
                text.to_owned()
            }
        };
        let mut out = String::new();
        for key in &self.added {
            let _ = writeln!(out, "{}", paint("32;1", &format!("+ added: {key}")));
        }
        for key in &self.removed {
            let _ = writeln!(out, "{}", paint("31;1", &format!("- removed: {key}")));
        }
        for change in &self.changed {
            let _ = writeln!(out, "{}", paint("1", &format!("~ changed: {}", change.key)));
            for line in change.unified.lines() {
                let painted = match line.chars().next() {
                    Some('+') if !line.starts_with("+++") => paint("32", line),
                    Some('-') if !line.starts_with("---") => paint("31", line),
                    Some('@') => paint("36", line),
                    _ => line.to_owned(),
                };
                let _ = writeln!(out, "{painted}");
            }
            for i in &change.immutable {
                let _ = writeln!(
                    out,
                    "{}",
                    paint(
                        "33;1",
                        &format!("  ! `{}` cannot be changed in place: {}", i.path, i.help)
                    )
                );
            }
        }
        let _ = writeln!(out, "{}", self.summary());
        out
    }
}

/// Compares `before` (the committed objects) with `after` (the rendered ones).
pub fn compare(before: &[Json], after: &[Json]) -> Report {
    let index = |objects: &[Json]| -> BTreeMap<Key, Json> {
        objects.iter().map(|o| (Key::of(o), canonical(o))).collect()
    };
    let before = index(before);
    let after = index(after);
    let mut report = Report::default();
    for (key, new) in &after {
        match before.get(key) {
            None => report.added.push(key.clone()),
            Some(old) if old != new => {
                let old_text = yaml::json_to_string(old);
                let new_text = yaml::json_to_string(new);
                let unified = similar::TextDiff::from_lines(&old_text, &new_text)
                    .unified_diff()
                    .context_radius(3)
                    .header(&format!("committed {key}"), &format!("rendered {key}"))
                    .to_string();
                let mut fields = Vec::new();
                field_changes(old, new, "", &mut fields);
                let immutable = immutable_changes(key, &fields);
                report.changed.push(Changed {
                    key: key.clone(),
                    fields,
                    immutable,
                    unified,
                });
            }
            Some(_) => {}
        }
    }
    report.removed = before
        .keys()
        .filter(|k| !after.contains_key(*k))
        .cloned()
        .collect();
    report
}

/// Keys sorted at every level, so key order is never a difference.
pub fn canonical(value: &Json) -> Json {
    match value {
        Json::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Json::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), canonical(&map[k])))
                    .collect::<Map<_, _>>(),
            )
        }
        Json::Array(items) => Json::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

fn field_changes(old: &Json, new: &Json, path: &str, out: &mut Vec<FieldChange>) {
    let join = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match (old, new) {
        (Json::Object(a), Json::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => field_changes(x, y, &join(key), out),
                    (x, y) => out.push(FieldChange {
                        path: join(key),
                        before: x.cloned(),
                        after: y.cloned(),
                    }),
                }
            }
        }
        (Json::Array(a), Json::Array(b)) => {
            for i in 0..a.len().max(b.len()) {
                let child = format!("{path}[{i}]");
                match (a.get(i), b.get(i)) {
                    (Some(x), Some(y)) => field_changes(x, y, &child, out),
                    (x, y) => out.push(FieldChange {
                        path: child,
                        before: x.cloned(),
                        after: y.cloned(),
                    }),
                }
            }
        }
        (x, y) if x == y => {}
        (x, y) => out.push(FieldChange {
            path: path.to_owned(),
            before: Some(x.clone()),
            after: Some(y.clone()),
        }),
    }
}

/// Fields the API server will not change on an existing object (apply fails with
/// "field is immutable"), by kind, with the way out.
const IMMUTABLE: &[(&str, &str, &str)] = &[
    (
        "StatefulSet",
        "spec.selector",
        "delete the StatefulSet with `kubectl delete statefulset NAME --cascade=orphan`, then apply; the pods are adopted again",
    ),
    (
        "StatefulSet",
        "spec.serviceName",
        "delete the StatefulSet with `--cascade=orphan`, then apply",
    ),
    (
        "StatefulSet",
        "spec.volumeClaimTemplates",
        "delete the StatefulSet with `--cascade=orphan`, then apply; existing claims keep their old size and class (resize each PVC by hand where the StorageClass allows expansion)",
    ),
    (
        "StatefulSet",
        "spec.podManagementPolicy",
        "delete the StatefulSet with `--cascade=orphan`, then apply",
    ),
    (
        "Deployment",
        "spec.selector",
        "delete and recreate the Deployment (`kubectl delete deployment NAME`, then apply); its pods restart",
    ),
    (
        "DaemonSet",
        "spec.selector",
        "delete and recreate the DaemonSet; its pods restart",
    ),
    (
        "Service",
        "spec.clusterIP",
        "delete and recreate the Service; its cluster IP changes",
    ),
    (
        "Service",
        "spec.clusterIPs",
        "delete and recreate the Service; its cluster IP changes",
    ),
    (
        "PersistentVolumeClaim",
        "spec.accessModes",
        "create a new claim and migrate the data",
    ),
    (
        "PersistentVolumeClaim",
        "spec.storageClassName",
        "create a new claim and migrate the data",
    ),
    ("Job", "spec.template", "delete the Job, then apply"),
    ("Job", "spec.selector", "delete the Job, then apply"),
    (
        "ClusterRoleBinding",
        "roleRef",
        "delete the ClusterRoleBinding, then apply",
    ),
    (
        "RoleBinding",
        "roleRef",
        "delete the RoleBinding, then apply",
    ),
];

fn immutable_changes(key: &Key, fields: &[FieldChange]) -> Vec<Immutable> {
    let mut found: Vec<Immutable> = Vec::new();
    for (kind, prefix, help) in IMMUTABLE {
        if key.kind != *kind {
            continue;
        }
        let touched = fields.iter().any(|f| {
            f.path == *prefix
                || f.path.starts_with(&format!("{prefix}."))
                || f.path.starts_with(&format!("{prefix}["))
        });
        if touched {
            found.push(Immutable {
                path: (*prefix).to_owned(),
                help: (*help).to_owned(),
            });
        }
    }
    found
}

/// Every object in a YAML stream; empty documents are skipped and `List`s unwrapped.
pub fn parse_objects(text: &str) -> Result<Vec<Json>, String> {
    let docs: Vec<Json> = serde_saphyr::from_multiple(text)
        .map_err(|e| e.to_string().lines().next().unwrap_or_default().to_owned())?;
    let mut objects = Vec::new();
    for doc in docs {
        match doc {
            Json::Null => {}
            Json::Object(_) if doc.get("kind").and_then(Json::as_str) == Some("List") => {
                objects.extend(
                    doc.get("items")
                        .and_then(Json::as_array)
                        .cloned()
                        .unwrap_or_default(),
                );
            }
            Json::Object(_) => objects.push(doc),
            other => {
                return Err(format!(
                    "a document is a {}, not a Kubernetes object",
                    if other.is_array() { "list" } else { "scalar" }
                ));
            }
        }
    }
    Ok(objects)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sts(replicas: u32, service: &str) -> Json {
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "prometheus", "namespace": "monitoring"},
               "spec": {"replicas": replicas, "serviceName": service}})
    }

    #[test]
    fn equal_streams_in_another_order_are_no_difference() {
        let cm = json!({"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"namespace": "monitoring", "name": "x"}});
        assert!(compare(&[cm.clone(), sts(3, "p")], &[sts(3, "p"), cm]).is_empty());
    }

    #[test]
    fn reports_added_removed_and_changed_with_paths() {
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "monitoring"}});
        let report = compare(&[sts(3, "p"), cm], &[sts(5, "p")]);
        assert_eq!(report.summary(), "0 added, 1 removed, 1 changed");
        assert_eq!(
            report.changed[0].fields,
            vec![FieldChange {
                path: "spec.replicas".into(),
                before: Some(json!(3)),
                after: Some(json!(5))
            }]
        );
        assert!(report.changed[0].immutable.is_empty());
        assert!(
            report.changed[0].unified.contains("-  replicas: 3")
                && report.changed[0].unified.contains("+  replicas: 5")
        );
    }

    #[test]
    fn immutable_fields_are_called_out() {
        let report = compare(&[sts(3, "a")], &[sts(3, "b")]);
        assert_eq!(report.changed[0].immutable[0].path, "spec.serviceName");
        assert!(report.to_text(false).contains("cannot be changed in place"));
    }

    #[test]
    fn lists_and_empty_documents_are_read() {
        let objects = parse_objects("---\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n").unwrap();
        assert_eq!(objects.len(), 1);
        assert!(parse_objects("- a\n").is_err());
    }
}
