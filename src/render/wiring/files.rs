//! Volumes and files: every mount names a volume; every ConfigMap or Secret a pod uses is
//! rendered or a declared prerequisite; every file a component reads (a flag, an env value,
//! a `*_file` in a config it mounts) lies on a mounted volume and, on a ConfigMap or Secret,
//! names a key that exists; every file a bucket client's objstore config names (its CA
//! bundle) lies on a volume mounted in that very container; every directory a component
//! writes is mounted writable.

use serde_json::Value as Json;

use super::buckets::{FLAG, objstore_config};
use super::stream::{Pods, Stream};
use crate::config::facts::SERVICE_ACCOUNT_DIR;
use crate::render::prerequisites::Prerequisites;

/// Flags whose directory or file the process writes.
const WRITTEN: [&str; 5] = [
    "--storage.tsdb.path",
    "--data-dir",
    "--storage.path",
    "--tsdb.path",
    "--reloader.config-envsubst-file",
];

pub fn check(stream: &Stream, prerequisites: &Prerequisites, problems: &mut Vec<String>) {
    for pods in stream.pods() {
        let files = Files {
            stream,
            pods,
            prerequisites,
        };
        files.volumes_exist(problems);
        for c in pods.containers() {
            files.container(c, problems);
        }
        files.configs(problems);
    }
}

struct Files<'s, 'a> {
    stream: &'s Stream<'a>,
    pods: Pods<'a>,
    prerequisites: &'s Prerequisites,
}

/// What a mounted path resolves to.
enum Source<'a> {
    /// A ConfigMap or Secret: kind, name, and the rendered object (None: not rendered).
    Keys(&'static str, &'a str, Option<&'a Json>),
    /// emptyDir, claims, host paths: written at run time.
    Storage,
}

impl<'s, 'a> Files<'s, 'a> {
    fn owner(&self) -> String {
        self.pods.owner()
    }

    fn claim_names(&self) -> Vec<&'a str> {
        self.stream
            .find(self.pods.kind, self.pods.name)
            .and_then(|w| w["spec"]["volumeClaimTemplates"].as_array())
            .into_iter()
            .flatten()
            .filter_map(|c| c["metadata"]["name"].as_str())
            .collect()
    }

    fn volume(&self, name: &str) -> Option<&'a Json> {
        self.pods.spec["volumes"]
            .as_array()?
            .iter()
            .find(|v| v["name"] == name)
    }

    /// Every volume is rendered or declared, and every mount names a volume.
    fn volumes_exist(&self, problems: &mut Vec<String>) {
        for v in self.pods.spec["volumes"].as_array().into_iter().flatten() {
            if let Some(name) = v["configMap"]["name"].as_str() {
                self.referenced("ConfigMap", name, None, problems);
            }
            if let Some(name) = v["secret"]["secretName"].as_str() {
                self.referenced("Secret", name, None, problems);
            }
        }
        let claims = self.claim_names();
        for c in self.pods.containers() {
            for m in c["volumeMounts"].as_array().into_iter().flatten() {
                let name = m["name"].as_str().unwrap_or_default();
                if self.volume(name).is_none() && !claims.contains(&name) {
                    problems.push(format!(
                        "{} mounts volume `{name}`, which it does not have",
                        self.owner()
                    ));
                }
            }
        }
    }

    /// A ConfigMap or Secret (and one of its keys) is rendered or a declared prerequisite.
    fn referenced(&self, kind: &str, name: &str, key: Option<&str>, problems: &mut Vec<String>) {
        if let Some(object) = self.stream.find(kind, name) {
            if let Some(key) = key
                && !has_key(object, key)
            {
                problems.push(format!(
                    "{} reads key `{key}` of {kind} `{name}`, which has no such key",
                    self.owner()
                ));
            }
            return;
        }
        let declared = match kind {
            "Secret" => self.prerequisites.secrets.get(name),
            "ConfigMap" => self.prerequisites.config_maps.get(name),
            _ => None,
        };
        match (declared, key) {
            (None, _) => problems.push(format!(
                "{} uses {kind} `{name}`, which is neither rendered nor a declared prerequisite",
                self.owner()
            )),
            // A prerequisite listing no keys is used whole (a user's Secret mounted by
            // `extra.volumes` without `items`): any key may be in it.
            (Some(need), Some(key)) if !need.keys.is_empty() && !need.keys.contains(key) => {
                problems.push(format!(
                    "{} reads key `{key}` of {kind} `{name}`, which the prerequisites do not list",
                    self.owner()
                ))
            }
            _ => {}
        }
    }

    fn container(&self, c: &'a Json, problems: &mut Vec<String>) {
        let name = c["name"].as_str().unwrap_or_default();
        for e in c["env"].as_array().into_iter().flatten() {
            let from = &e["valueFrom"];
            if let Some(secret) = from["secretKeyRef"]["name"].as_str() {
                self.referenced(
                    "Secret",
                    secret,
                    from["secretKeyRef"]["key"].as_str(),
                    problems,
                );
            }
            if let Some(map) = from["configMapKeyRef"]["name"].as_str() {
                self.referenced(
                    "ConfigMap",
                    map,
                    from["configMapKeyRef"]["key"].as_str(),
                    problems,
                );
            }
            if let Some(path) = e["value"].as_str().filter(|v| v.starts_with('/')) {
                self.read(c, name, path, problems);
            }
        }
        for arg in c["args"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
        {
            let (flag, value) = arg.split_once('=').unwrap_or(("", arg));
            if !value.starts_with('/') {
                continue;
            }
            if WRITTEN.contains(&flag) {
                self.written(c, name, flag, value, problems);
            } else {
                self.read(c, name, value, problems);
            }
        }
        self.bucket_files(c, name, problems);
    }

    /// Thanos opens the files of its objstore config (the CA bundle's `ca_file`) in the
    /// container that reads the config, so each must lie on a volume mounted there: a mount
    /// in a sibling container does not count.
    fn bucket_files(&self, c: &'a Json, container: &str, problems: &mut Vec<String>) {
        let Some(config_path) = c["args"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
            .find_map(|a| a.strip_prefix(FLAG))
        else {
            return;
        };
        let Some(doc) = objstore_config(self.stream, &self.pods, c, config_path)
            .and_then(|text| serde_saphyr::from_str::<Json>(&text).ok())
        else {
            return; // the buckets check reports a config no Secret holds
        };
        for path in file_refs(&doc) {
            let mut found = Vec::new();
            self.read(c, container, &path, &mut found);
            problems.extend(
                found
                    .into_iter()
                    .map(|p| format!("{p} (named by its objstore config `{config_path}`)")),
            );
        }
    }

    /// The mount `path` lies on, in container `c`: the longest mount path that holds it.
    fn mount_of(&self, c: &'a Json, path: &str) -> Option<(&'a Json, String)> {
        c["volumeMounts"]
            .as_array()?
            .iter()
            .filter_map(|m| {
                let dir = m["mountPath"].as_str()?;
                let rest = path.strip_prefix(dir)?;
                (rest.is_empty() || rest.starts_with('/') || dir == "/")
                    .then(|| (m, rest.trim_start_matches('/').to_owned()))
            })
            .max_by_key(|(m, _)| m["mountPath"].as_str().map_or(0, str::len))
    }

    fn source(&self, mount: &Json) -> Source<'a> {
        let Some(volume) = mount["name"].as_str().and_then(|n| self.volume(n)) else {
            return Source::Storage; // a claim template
        };
        if let Some(name) = volume["configMap"]["name"].as_str() {
            Source::Keys("ConfigMap", name, self.stream.find("ConfigMap", name))
        } else if let Some(name) = volume["secret"]["secretName"].as_str() {
            Source::Keys("Secret", name, self.stream.find("Secret", name))
        } else {
            Source::Storage
        }
    }

    fn read(&self, c: &'a Json, container: &str, path: &str, problems: &mut Vec<String>) {
        if path.starts_with(SERVICE_ACCOUNT_DIR) {
            if self.pods.spec["automountServiceAccountToken"] != true {
                problems.push(format!(
                    "{} container `{container}` reads `{path}`, but the pod has no ServiceAccount token",
                    self.owner()
                ));
            }
            return;
        }
        let holds_mounts = c["volumeMounts"].as_array().into_iter().flatten().any(|m| {
            m["mountPath"]
                .as_str()
                .is_some_and(|dir| dir.strip_prefix(path).is_some_and(|r| r.starts_with('/')))
        });
        let Some((mount, rest)) = self.mount_of(c, path) else {
            if holds_mounts {
                return; // a directory the volumes are mounted below
            }
            problems.push(format!(
                "{} container `{container}` reads `{path}`, which is on no mounted volume",
                self.owner()
            ));
            return;
        };
        let key = rest.split('/').next().unwrap_or_default();
        if key.is_empty() {
            return; // the directory itself
        }
        match self.source(mount) {
            Source::Keys(kind, name, Some(object)) => {
                let found = if key.contains('*') {
                    keys(object).iter().any(|k| glob(key, k))
                } else {
                    has_key(object, key)
                };
                if !found {
                    problems.push(format!(
                        "{} container `{container}` reads `{path}`, but {kind} `{name}` has no key `{key}`",
                        self.owner()
                    ));
                }
            }
            Source::Keys(kind, name, None) => self.referenced(kind, name, Some(key), problems),
            Source::Storage => {}
        }
    }

    fn written(
        &self,
        c: &'a Json,
        container: &str,
        flag: &str,
        path: &str,
        problems: &mut Vec<String>,
    ) {
        match self.mount_of(c, path) {
            Some((mount, _)) if mount["readOnly"] != true && matches!(self.source(mount), Source::Storage) => {}
            _ => problems.push(format!(
                "{} container `{container}` writes `{path}` ({flag}), which is on no writable volume",
                self.owner()
            )),
        }
    }

    /// The `*_file`/`*_files` paths of every rendered config the pods mount must resolve
    /// in some container of the pods.
    fn configs(&self, problems: &mut Vec<String>) {
        for doc in self.stream.mounted_configs(self.pods.spec) {
            for path in file_refs(doc) {
                let resolved = self.pods.containers().any(|c| {
                    let mut found = Vec::new();
                    self.read(c, "", &path, &mut found);
                    found.is_empty()
                });
                if !resolved {
                    problems.push(format!(
                        "{} mounts a config that reads `{path}`, which no container of it can read",
                        self.owner()
                    ));
                }
            }
        }
    }
}

/// Values of `*_file` and `*_files` keys, and Alertmanager's `templates`: the files a config
/// tells its reader to open.
fn file_refs(doc: &Json) -> Vec<String> {
    let mut out = Vec::new();
    walk(doc, &mut out);
    out
}

fn walk(value: &Json, out: &mut Vec<String>) {
    match value {
        Json::Object(map) => {
            for (key, child) in map {
                if key.ends_with("_file") || key.ends_with("_files") || key == "templates" {
                    match child {
                        Json::String(s) => out.push(s.clone()),
                        Json::Array(items) => {
                            out.extend(items.iter().filter_map(|i| i.as_str().map(str::to_owned)))
                        }
                        _ => {}
                    }
                } else {
                    walk(child, out);
                }
            }
        }
        Json::Array(items) => items.iter().for_each(|i| walk(i, out)),
        _ => {}
    }
}

fn keys(object: &Json) -> Vec<&str> {
    ["data", "stringData", "binaryData"]
        .iter()
        .filter_map(|f| object[f].as_object())
        .flat_map(|m| m.keys().map(String::as_str))
        .collect()
}

fn has_key(object: &Json, key: &str) -> bool {
    keys(object).contains(&key)
}

/// `*` matches any run of characters within a file name.
fn glob(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((head, tail)) => {
            name.len() >= head.len() + tail.len() && name.starts_with(head) && name.ends_with(tail)
        }
    }
}
