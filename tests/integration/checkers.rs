//! Every rendered output checked by real, independent checkers: kubernetes-validate (the API
//! server's OpenAPI schemas, 1.29 to 1.37, strict), promtool, amtool, and Grafana's JSON and
//! PromQL. The input sets are those of the golden files: the default, every built-in profile
//! and every example config.
//!
//! The tools come from `scripts/install-test-tools`; a missing tool fails the test with that
//! hint, it never skips. Each check is a function returning `Err(message)`, and the negative
//! tests run the same functions on broken inputs (`tests/checkers/`, or a real output with one
//! defect planted), so a green run proves the checkers can fail. A failing test keeps what it
//! gave the checkers under `target/tmp/checkers/<pid>/<test>`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{LazyLock, OnceLock};

use serde_json::{Value, json};

use crate::support::{KeptDir, Test};

const KUBERNETES_VERSIONS: [&str; 9] = [
    "1.29", "1.30", "1.31", "1.32", "1.33", "1.34", "1.35", "1.36", "1.37",
];
const INSTALL_HINT: &str = "run scripts/install-test-tools";
/// Roles of Prometheus's Kubernetes service discovery, and the selector roles each accepts
/// (Prometheus refuses any other pairing when it loads the config).
const SD_ROLES: [(&str, &[&str]); 6] = [
    ("node", &["node"]),
    ("pod", &["pod"]),
    ("service", &["service"]),
    ("endpoints", &["pod", "service", "endpoints"]),
    ("endpointslice", &["pod", "service", "endpointslice"]),
    ("ingress", &["ingress"]),
];
const SA_TOKEN_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    repo().join("tests/checkers").join(name)
}

fn write(path: &Path, text: &str) -> PathBuf {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    path.to_owned()
}

/// Runs a checker; a checker that is not installed fails the test, with the fix.
fn run(tool: &str, cmd: &mut Command) -> Output {
    match cmd.output() {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            panic!("`{tool}` is not installed: {INSTALL_HINT}")
        }
        Err(e) => panic!("cannot run `{tool}`: {e}"),
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn finish(what: &str, failures: &[String]) {
    assert!(failures.is_empty(), "{what}:\n\n{}", failures.join("\n\n"));
}

// ---------------------------------------------------------------------------------------------
// The input sets and their rendered streams.

/// One rendered input set: its name, the YAML stream as printed, and its documents.
#[derive(Clone)]
struct Rendered {
    name: String,
    text: String,
    docs: Vec<Value>,
}

impl Rendered {
    fn parse(name: &str, text: &str) -> Self {
        let docs: Vec<Value> = serde_saphyr::from_multiple(text)
            .unwrap_or_else(|e| panic!("{name}: the rendered stream is not YAML: {e}"));
        let docs = docs.into_iter().filter(|d| !d.is_null()).collect();
        Self {
            name: name.to_owned(),
            text: text.to_owned(),
            docs,
        }
    }

    /// A file-name-safe form of the set's name.
    fn slug(&self) -> String {
        self.name.replace('/', "-")
    }

    fn objects<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.docs.iter().filter(move |d| d["kind"] == kind)
    }

    fn object(&self, kind: &str, name: &str) -> Option<&Value> {
        self.docs
            .iter()
            .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
    }

    /// A workload's pod spec, whatever kind runs it.
    fn pod_spec(&self, name: &str) -> Option<&Value> {
        ["StatefulSet", "Deployment", "DaemonSet"]
            .iter()
            .find_map(|kind| self.object(kind, name))
            .map(|w| &w["spec"]["template"]["spec"])
    }

    /// The `data` of a ConfigMap, key → text.
    fn config_map(&self, name: &str) -> Option<BTreeMap<String, String>> {
        let data = self.object("ConfigMap", name)?["data"].as_object()?;
        Some(
            data.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect(),
        )
    }

    fn config_file(&self, map: &str, key: &str) -> Result<String, String> {
        self.config_map(map)
            .ok_or_else(|| format!("no ConfigMap `{map}`"))?
            .remove(key)
            .ok_or_else(|| format!("ConfigMap `{map}` has no key `{key}`"))
    }

    /// A copy whose ConfigMap `map` has `key` rewritten, for planting a defect.
    fn with_config_file(&self, map: &str, key: &str, edit: impl Fn(&str) -> String) -> Self {
        let mut copy = self.clone();
        let cm = copy
            .docs
            .iter_mut()
            .find(|d| d["kind"] == "ConfigMap" && d["metadata"]["name"] == map)
            .unwrap();
        let old = cm["data"][key].as_str().unwrap().to_owned();
        let new = edit(&old);
        assert_ne!(
            old, new,
            "the planted defect changed nothing in {map}/{key}"
        );
        cm["data"][key] = Value::String(new);
        copy
    }
}

/// The input sets with golden files: the default, every profile, every example config.
fn input_sets() -> Vec<(String, Vec<String>)> {
    crate::golden::cases()
}

/// Every input set rendered once by the real binary, shared by the tests of this module.
fn rendered() -> &'static [Rendered] {
    static RENDERED: OnceLock<Vec<Rendered>> = OnceLock::new();
    RENDERED.get_or_init(|| {
        input_sets()
            .into_iter()
            .map(|(name, args)| Rendered::parse(&name, &crate::golden::render(&args)))
            .collect()
    })
}

fn default_set() -> &'static Rendered {
    rendered().iter().find(|r| r.name == "default").unwrap()
}

// ---------------------------------------------------------------------------------------------
// kubernetes-validate

/// `kubernetes-validate` on PATH, or the module through `python3` (pyenv may not have
/// rehashed its shims yet).
fn kubernetes_validate_command() -> Command {
    static PROGRAM: OnceLock<Vec<&'static str>> = OnceLock::new();
    let program = PROGRAM.get_or_init(|| {
        let on_path = Command::new("kubernetes-validate")
            .arg("--version")
            .output();
        if on_path.is_ok_and(|o| o.status.success()) {
            return vec!["kubernetes-validate"];
        }
        let module = Command::new("python3")
            .args(["-c", "import kubernetes_validate"])
            .output();
        if module.is_ok_and(|o| o.status.success()) {
            return vec!["python3", "-m", "kubernetes_validate"];
        }
        panic!("`kubernetes-validate` is not installed: {INSTALL_HINT}")
    });
    let mut cmd = Command::new(program[0]);
    cmd.args(&program[1..]);
    cmd
}

/// `kubernetes-validate --strict` against every supported Kubernetes version, all files in
/// few processes. Passes only when it exits 0 and every line it prints is a pass; each
/// version must be reported for every document (it silently falls back to an older schema
/// set when it lacks the one asked for, and merely warns on an unknown kind).
fn kubernetes_validate(files: &[PathBuf]) -> Result<(), String> {
    let counts: Vec<usize> = files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            Rendered::parse(&f.display().to_string(), &text).docs.len()
        })
        .collect();
    let documents: usize = counts.iter().sum();
    // Two processes, so both cores work: the tool is Python and checks one document at a
    // time. Files go to the process with fewer documents so far, largest first.
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(counts[i]));
    let mut chunks: [(usize, Vec<PathBuf>); 2] = Default::default();
    for i in order {
        let lighter = chunks.iter_mut().min_by_key(|(n, _)| *n).unwrap();
        lighter.0 += counts[i];
        lighter.1.push(files[i].clone());
    }
    let chunks: Vec<Vec<PathBuf>> = chunks
        .into_iter()
        .map(|(_, f)| f)
        .filter(|f| !f.is_empty())
        .collect();
    let outputs: Vec<Output> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|chunk| {
                s.spawn(move || {
                    let mut cmd = kubernetes_validate_command();
                    cmd.arg("--strict");
                    for v in KUBERNETES_VERSIONS {
                        cmd.args(["-k", v]);
                    }
                    run("kubernetes-validate", cmd.args(chunk))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    let mut problems = Vec::new();
    let mut passes: BTreeMap<&str, usize> = KUBERNETES_VERSIONS.iter().map(|v| (*v, 0)).collect();
    let all: Vec<String> = outputs.iter().map(text).collect();
    for out in &outputs {
        if !out.status.success() {
            problems.push(format!("kubernetes-validate exited with {}", out.status));
        }
    }
    for line in all
        .iter()
        .flat_map(|t| t.lines())
        .filter(|l| !l.trim().is_empty())
    {
        let version = line
            .strip_prefix("INFO ")
            .and_then(|l| l.rsplit_once(" against version "))
            .map(|(_, v)| v);
        match version.and_then(|v| passes.get_mut(v)) {
            Some(count) => *count += 1,
            None => problems.push(line.to_owned()),
        }
    }
    for (version, count) in &passes {
        if *count != documents {
            problems.push(format!(
                "{count} of {documents} documents reported as passing against Kubernetes {version} \
                 (does this kubernetes-validate bundle schemas for {version}? {INSTALL_HINT})"
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// Whether a document as printed is a Gateway API object.
fn is_gateway_api(document: &str) -> bool {
    document
        .lines()
        .any(|l| l.starts_with("apiVersion: gateway.networking.k8s.io/"))
}

// ---------------------------------------------------------------------------------------------
// Gateway API routes, against the upstream CRDs' schemas

/// Validates each route against the schema its kind has under `tests/schemas/gateway-api/`
/// with Python's `jsonschema` (which kubernetes-validate brings), strictly: every object
/// schema with properties refuses others, as `kubectl apply --validate=strict` does.
const GATEWAY_API_VALIDATOR: &str = r#"
import json, sys, yaml
import jsonschema

def strict(schema, path=()):
    if isinstance(schema, dict):
        if "properties" in schema and path[-1:] != ("metadata",):
            schema.setdefault("additionalProperties", False)
        for key, value in schema.items():
            if key == "properties":
                for name, sub in value.items():
                    strict(sub, path + (name,))
            elif key == "items":
                strict(value, path)
    return schema

folder, routes = sys.argv[1], sys.argv[2]
schemas = {}
for kind, file in (("HTTPRoute", "httproute.v1.yaml"), ("GRPCRoute", "grpcroute.v1.yaml")):
    with open(f"{folder}/{file}") as f:
        schemas[kind] = jsonschema.Draft7Validator(strict(yaml.safe_load(f)))
failed = False
with open(routes) as f:
    for line in f:
        route = json.loads(line)
        name = f"{route['kind']} {route['metadata']['name']}"
        validator = schemas.get(route["kind"])
        if validator is None or route.get("apiVersion") != "gateway.networking.k8s.io/v1":
            print(f"{name}: no schema for {route.get('apiVersion')} {route['kind']}")
            failed = True
            continue
        for error in validator.iter_errors(route):
            print(f"{name}: {'.'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}")
            failed = True
        else:
            print(f"ok {name}")
sys.exit(1 if failed else 0)
"#;

/// Every route in `routes` against its upstream schema; `Err` with what the validator said.
fn gateway_api_validate(dir: &Path, routes: &[&Value]) -> Result<(), String> {
    let lines: Vec<String> = routes.iter().map(|r| r.to_string()).collect();
    let file = write(&dir.join("routes.jsonl"), &(lines.join("\n") + "\n"));
    let check = Command::new("python3")
        .args(["-c", "import jsonschema, yaml"])
        .output();
    if !check.is_ok_and(|o| o.status.success()) {
        panic!("python3 cannot import `jsonschema` (and PyYAML): {INSTALL_HINT}");
    }
    let out = run(
        "python3",
        Command::new("python3")
            .args(["-c", GATEWAY_API_VALIDATOR])
            .arg(repo().join("tests/schemas/gateway-api"))
            .arg(&file),
    );
    let said = text(&out);
    let checked = said.lines().filter(|l| l.starts_with("ok ")).count();
    if out.status.success() && checked == routes.len() {
        Ok(())
    } else {
        Err(said)
    }
}

/// The documents of a stream as printed, each ending in a newline.
fn split_documents(stream: &str) -> Vec<&str> {
    let mut documents = Vec::new();
    let mut start = 0;
    let mut at = 0;
    for line in stream.split_inclusive('\n') {
        if line.trim_end() == "---" {
            documents.push(&stream[start..at]);
            start = at + line.len();
        }
        at += line.len();
    }
    documents.push(&stream[start..]);
    documents.retain(|d| !d.trim().is_empty());
    documents
}

// ---------------------------------------------------------------------------------------------
// promtool

fn promtool(args: &[&str], files: &[PathBuf]) -> Result<String, String> {
    let out = run(
        "promtool",
        Command::new("promtool")
            .args(args)
            .args(files)
            .current_dir(repo()),
    );
    let said = text(&out);
    if !out.status.success() {
        return Err(format!(
            "promtool {} failed ({}):\n{said}",
            args.join(" "),
            out.status
        ));
    }
    // Any warning fails too; file names (which may well contain "warn") are left out.
    let words: Vec<&str> = said
        .split_whitespace()
        .filter(|w| !(w.contains('/') || w.contains(".yaml") || w.contains(".yml")))
        .collect();
    if words.iter().any(|w| w.to_lowercase().contains("warn")) {
        return Err(format!("promtool {} warned:\n{said}", args.join(" ")));
    }
    Ok(said)
}

/// `promtool check rules` with every lint fatal.
fn promtool_check_rules(files: &[PathBuf]) -> Result<(), String> {
    promtool(&["check", "rules", "--lint=all", "--lint-fatal"], files).map(drop)
}

/// The problems of one `kubernetes_sd_configs` entry: promtool 2.42 (Debian) is built
/// without Kubernetes discovery, so this suite checks the entries itself, strictly.
fn check_kubernetes_sd(job: &str, sd: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let mut bad = |msg: String| problems.push(format!("job `{job}`: kubernetes_sd_configs: {msg}"));
    let Some(map) = sd.as_object() else {
        bad(format!("{sd} is not a mapping"));
        return problems;
    };
    let role = map.get("role").and_then(Value::as_str).unwrap_or_default();
    let allowed_selectors = SD_ROLES.iter().find(|(r, _)| *r == role).map(|(_, s)| *s);
    if allowed_selectors.is_none() {
        bad(format!(
            "role {} is not one of {:?}",
            map.get("role").unwrap_or(&Value::Null),
            SD_ROLES.map(|(r, _)| r)
        ));
    }
    for (key, value) in map {
        match key.as_str() {
            "role" => {}
            "api_server" => {
                let url = value.as_str().unwrap_or_default();
                if !(url.starts_with("https://") || url.starts_with("http://")) {
                    bad(format!("api_server {value} is not an http(s) URL"));
                }
            }
            "namespaces" => {
                for (k, v) in value.as_object().into_iter().flatten() {
                    match k.as_str() {
                        "names"
                            if v.as_array().is_some_and(|a| {
                                a.iter().all(|n| n.as_str().is_some_and(|n| !n.is_empty()))
                            }) => {}
                        "own_namespace" if v.is_boolean() => {}
                        _ => bad(format!(
                            "namespaces.{k}: {v} is not allowed (names: [string], own_namespace: bool)"
                        )),
                    }
                }
                if !value.is_object() {
                    bad(format!("namespaces {value} is not a mapping"));
                }
            }
            "selectors" => {
                let mut seen = BTreeSet::new();
                for sel in value.as_array().into_iter().flatten() {
                    for (k, v) in sel.as_object().into_iter().flatten() {
                        match k.as_str() {
                            "role" => {
                                let r = v.as_str().unwrap_or_default();
                                if !allowed_selectors.unwrap_or_default().contains(&r) {
                                    bad(format!(
                                        "selector role {v} is not allowed with role `{role}`"
                                    ));
                                }
                                if !seen.insert(r.to_owned()) {
                                    bad(format!("selector role {v} appears twice"));
                                }
                            }
                            "label" | "field" if v.is_string() => {}
                            _ => bad(format!(
                                "selectors[].{k}: {v} is not allowed (role, label, field)"
                            )),
                        }
                    }
                    if sel.get("role").is_none() {
                        bad(format!("selector {sel} has no role"));
                    }
                }
                if !value.is_array() {
                    bad(format!("selectors {value} is not a list"));
                }
            }
            "attach_metadata" => {
                for (k, v) in value.as_object().into_iter().flatten() {
                    if !(k == "node" && v.is_boolean()) {
                        bad(format!(
                            "attach_metadata.{k}: {v} is not allowed (node: bool)"
                        ));
                    }
                }
            }
            _ => bad(format!(
                "key `{key}` is not one this suite checks (role, namespaces, selectors, api_server, attach_metadata); \
                 check it against the Prometheus docs and extend tests/integration/checkers.rs"
            )),
        }
    }
    problems
}

/// Where `path` comes from inside a container, or why it would not exist there.
/// Every golden case keeps Kubernetes' default cluster domain.
const CLUSTER_DOMAIN: &str = "cluster.local";

/// A pod's containers and its native sidecars (init containers that keep running).
fn containers(pod: &Value) -> impl Iterator<Item = &Value> {
    ["initContainers", "containers"]
        .into_iter()
        .flat_map(move |list| pod[list].as_array().into_iter().flatten())
}

fn check_path_in_pod(
    r: &Rendered,
    workload: &str,
    container: &str,
    path: &str,
) -> Result<(), String> {
    let pod = r
        .pod_spec(workload)
        .ok_or_else(|| format!("no workload `{workload}`"))?;
    let c = containers(pod)
        .find(|c| c["name"] == container)
        .ok_or_else(|| format!("workload `{workload}` has no container `{container}`"))?;
    let mount = c["volumeMounts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| {
            let at = m["mountPath"].as_str()?.trim_end_matches('/');
            let rel = path.strip_prefix(at)?.strip_prefix('/')?;
            Some((m, rel))
        });
    // The longest mount path wins, as in the container's filesystem.
    if let Some((m, rel)) = mount.max_by_key(|(m, _)| m["mountPath"].as_str().unwrap().len()) {
        let volume = pod["volumes"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|v| v["name"] == m["name"])
            .ok_or_else(|| format!("`{path}`: volume mount `{}` names no volume", m["name"]))?;
        if m.get("subPath").is_some() {
            return Err(format!("`{path}` lies under a subPath mount"));
        }
        let keys_of = |items: &Value| -> Option<Vec<String>> {
            items.as_array().map(|a| {
                a.iter()
                    .filter_map(|i| i["path"].as_str().map(str::to_owned))
                    .collect()
            })
        };
        if let Some(cm) = volume.get("configMap") {
            let name = cm["name"].as_str().unwrap_or_default();
            let keys = keys_of(&cm["items"])
                .or_else(|| r.config_map(name).map(|d| d.into_keys().collect()));
            return match keys {
                Some(keys) if keys.iter().any(|k| k == rel) => Ok(()),
                Some(keys) => Err(format!(
                    "`{path}`: ConfigMap `{name}` mounted at {} has no `{rel}` (has {keys:?})",
                    m["mountPath"]
                )),
                None => Err(format!("`{path}`: ConfigMap `{name}` is not in the output")),
            };
        }
        if let Some(secret) = volume.get("secret") {
            // The Secret itself is the user's: only an explicit `items` list says its keys.
            return match keys_of(&secret["items"]) {
                Some(keys) if !keys.iter().any(|k| k == rel) => Err(format!(
                    "`{path}`: Secret volume `{}` projects only {keys:?}",
                    m["name"]
                )),
                _ => Ok(()),
            };
        }
        return Ok(());
    }
    if let Some(file) = path
        .strip_prefix(SA_TOKEN_DIR)
        .and_then(|p| p.strip_prefix('/'))
    {
        let sa_name = pod["serviceAccountName"].as_str().unwrap_or("default");
        let sa_automount = r
            .object("ServiceAccount", sa_name)
            .and_then(|sa| sa["automountServiceAccountToken"].as_bool());
        let automount = pod["automountServiceAccountToken"]
            .as_bool()
            .or(sa_automount)
            .unwrap_or(true);
        if !automount {
            return Err(format!(
                "`{path}`: the pod of `{workload}` does not mount its service account token"
            ));
        }
        if !["token", "ca.crt", "namespace"].contains(&file) {
            return Err(format!(
                "`{path}`: the service account volume has no `{file}`"
            ));
        }
        return Ok(());
    }
    Err(format!(
        "`{path}` is on no volume of container `{container}` in `{workload}`"
    ))
}

/// Every string under a key ending in `_file` (credentials_file, ca_file, api_url_file …),
/// with its JSON pointer.
fn file_fields(value: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let here = format!("{at}/{k}");
                match v {
                    Value::String(s) if k.ends_with("_file") => out.push((here, s.clone())),
                    _ => file_fields(v, &here, out),
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                file_fields(v, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// The container of a pod running `thanos sidecar`, if any.
fn thanos_sidecar(pod: &Value) -> Option<&Value> {
    containers(pod).find(|c| {
        c["args"]
            .as_array()
            .is_some_and(|a| a.first().is_some_and(|a| a == "sidecar"))
    })
}

/// Every Prometheus of an output (one per shard), by workload name: the StatefulSets whose
/// Thanos sidecar expands a config template for Prometheus.
fn prometheus_workloads(r: &Rendered) -> Vec<String> {
    r.objects("StatefulSet")
        .filter(|s| {
            thanos_sidecar(&s["spec"]["template"]["spec"]).is_some_and(|c| {
                c["args"].as_array().into_iter().flatten().any(|a| {
                    a.as_str()
                        .is_some_and(|a| a.starts_with("--reloader.config-file="))
                })
            })
        })
        .filter_map(|s| s["metadata"]["name"].as_str().map(str::to_owned))
        .collect()
}

/// The ConfigMap and key a Prometheus workload's config template comes from: the file its
/// sidecar's `--reloader.config-file` names, found through the sidecar's mounts, as the
/// kubelet would find it.
fn config_template_of(r: &Rendered, workload: &str) -> Result<(String, String), String> {
    let pod = r
        .pod_spec(workload)
        .ok_or_else(|| format!("no workload `{workload}`"))?;
    let sidecar = thanos_sidecar(pod)
        .ok_or_else(|| format!("`{workload}` has no container running `thanos sidecar`"))?;
    let file = sidecar["args"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|a| a.as_str()?.strip_prefix("--reloader.config-file="))
        .ok_or_else(|| format!("the sidecar of `{workload}` reads no config template"))?;
    let (dir, key) = file
        .rsplit_once('/')
        .ok_or_else(|| format!("`{file}` is not an absolute path"))?;
    let volume = sidecar["volumeMounts"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|m| m["mountPath"].as_str().map(|p| p.trim_end_matches('/')) == Some(dir))
        .and_then(|m| {
            pod["volumes"]
                .as_array()?
                .iter()
                .find(|v| v["name"] == m["name"])
        })
        .ok_or_else(|| format!("the sidecar of `{workload}` mounts nothing at `{dir}`"))?;
    let map = volume["configMap"]["name"]
        .as_str()
        .ok_or_else(|| format!("`{dir}` of `{workload}` is not a ConfigMap"))?;
    Ok((map.to_owned(), key.to_owned()))
}

/// Turns the config template of the Prometheus workload `workload` (`prometheus`, or one
/// shard's) into a config promtool 2.42 can check, in `dir`: the sidecar's `$(VAR)`s
/// expanded, each Kubernetes SD entry checked here and replaced by a static target, the
/// rules ConfigMap written where the `rule_files` glob looks, and every `*_file` pointed at
/// an existing file, after checking that the original path exists in the Prometheus
/// container. Returns the config and how many rule files its globs must find.
fn prepare_prometheus_config(
    r: &Rendered,
    workload: &str,
    dir: &Path,
) -> Result<(PathBuf, usize), String> {
    let mut problems = Vec::new();
    let (map, key) = config_template_of(r, workload)?;
    let mut template = r.config_file(&map, &key)?;
    // The sidecar expands `$(VAR)` from its own environment.
    let pod = r
        .pod_spec(workload)
        .ok_or_else(|| format!("no workload `{workload}`"))?;
    let sidecar = thanos_sidecar(pod)
        .ok_or_else(|| format!("`{workload}` has no container running `thanos sidecar`"))?;
    let env: BTreeMap<&str, &Value> = sidecar["env"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| Some((e["name"].as_str()?, &e["value"])))
        .collect();
    let vars: BTreeSet<String> = regex::Regex::new(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")
        .unwrap()
        .captures_iter(&template)
        .map(|c| c[1].to_owned())
        .collect();
    for var in vars {
        let value = match (var.as_str(), env.get(var.as_str())) {
            ("POD_NAME", Some(_)) => format!("{workload}-0"),
            (_, Some(Value::String(v))) => v.clone(),
            (_, Some(_)) => format!("{}-value", var.to_lowercase()),
            (_, None) => {
                problems.push(format!(
                    "`$({var})` in prometheus.yaml.tmpl is not in the sidecar's env"
                ));
                continue;
            }
        };
        template = template.replace(&format!("$({var})"), &value);
    }
    // Parsed with a YAML 1.2 reader and written back as JSON, which promtool reads as YAML.
    let mut config: Value = serde_saphyr::from_str(&template)
        .map_err(|e| format!("prometheus.yaml.tmpl is not YAML: {e}"))?;

    for job in config["scrape_configs"]
        .as_array_mut()
        .into_iter()
        .flatten()
    {
        let name = job["job_name"].as_str().unwrap_or("?").to_owned();
        let Some(job) = job.as_object_mut() else {
            continue;
        };
        if let Some(sds) = job.remove("kubernetes_sd_configs") {
            for sd in sds
                .as_array()
                .ok_or(format!("job `{name}`: kubernetes_sd_configs is not a list"))?
            {
                problems.extend(check_kubernetes_sd(&name, sd));
            }
            let statics = job.entry("static_configs").or_insert_with(|| json!([]));
            statics
                .as_array_mut()
                .ok_or(format!("job `{name}`: static_configs is not a list"))?
                .push(json!({"targets": ["localhost:9090"]}));
        }
    }

    let mut rule_files = 0;
    let rules_dir = dir.join("rules");
    let globs: Vec<String> = config["rule_files"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|g| g.as_str().map(str::to_owned))
        .collect();
    let mut rewritten = Vec::new();
    for (i, glob) in globs.iter().enumerate() {
        let (at, pattern) = glob
            .rsplit_once('/')
            .ok_or(format!("rule_files entry `{glob}` is not an absolute path"))?;
        let container = containers(pod).find(|c| c["name"] == "prometheus");
        let volume = container
            .and_then(|c| c["volumeMounts"].as_array())
            .into_iter()
            .flatten()
            .find(|m| {
                m["mountPath"]
                    .as_str()
                    .is_some_and(|p| p.trim_end_matches('/') == at)
            })
            .and_then(|m| {
                pod["volumes"]
                    .as_array()?
                    .iter()
                    .find(|v| v["name"] == m["name"])
            });
        let Some(map) = volume.and_then(|v| v["configMap"]["name"].as_str()) else {
            problems.push(format!(
                "rule_files `{glob}`: no ConfigMap is mounted at `{at}` in the prometheus container"
            ));
            continue;
        };
        let files = r.config_map(map).ok_or(format!(
            "rule_files `{glob}`: ConfigMap `{map}` is not in the output"
        ))?;
        let here = rules_dir.join(i.to_string());
        for (key, body) in &files {
            write(&here.join(key), body);
        }
        rule_files += files.len();
        rewritten.push(Value::String(format!("{}/{pattern}", here.display())));
    }
    if let Some(list) = config.get_mut("rule_files") {
        *list = Value::Array(rewritten);
    }

    let mut fields = Vec::new();
    file_fields(&config, "", &mut fields);
    for (i, (pointer, path)) in fields.into_iter().enumerate() {
        if let Err(e) = check_path_in_pod(r, workload, "prometheus", &path) {
            problems.push(format!("{pointer}: {e}"));
        }
        let stand_in = write(
            &dir.join("files").join(format!(
                "{i}-{}",
                Path::new(&path).file_name().unwrap().to_string_lossy()
            )),
            "stand-in\n",
        );
        *config.pointer_mut(&pointer).unwrap() = Value::String(stand_in.display().to_string());
    }

    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }
    let file = write(
        &dir.join("prometheus.yaml"),
        &serde_json::to_string_pretty(&config).unwrap(),
    );
    Ok((file, rule_files))
}

/// The Prometheus config of one workload of an output: prepared as above, then `promtool
/// check config`, which must also find every file of the rules ConfigMap through the
/// `rule_files` globs.
fn promtool_check_prometheus_config(
    r: &Rendered,
    workload: &str,
    dir: &Path,
) -> Result<(), String> {
    let (file, expected) = prepare_prometheus_config(r, workload, dir)?;
    let said = promtool(&["check", "config", "--lint=all", "--lint-fatal"], &[file])?;
    let found = regex::Regex::new(r"SUCCESS: (\d+) rule files found")
        .unwrap()
        .captures(&said)
        .map_or(0, |c| c[1].parse::<usize>().unwrap());
    if found != expected {
        return Err(format!(
            "the rule_files globs find {found} of the {expected} files mounted from the rules ConfigMap:\n{said}"
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// amtool

/// `amtool check-config` on every file at once.
fn amtool_check(files: &[PathBuf]) -> Result<(), String> {
    let out = run(
        "amtool",
        Command::new("amtool").arg("check-config").args(files),
    );
    if out.status.success() {
        return Ok(());
    }
    let mut said = text(&out);
    if said.contains("_file not found") || said.contains("_configs not found") {
        said.push_str(
            "\nnote: Alertmanager 0.26 to 0.28 added the field; this amtool may be older \
             (Debian bookworm ships 0.25) and `for_older_amtool` may need to know it",
        );
    }
    Err(format!(
        "amtool check-config failed ({}):\n{said}",
        out.status
    ))
}

/// The Alertmanager config of one output, written to `dir`; every secret file and template
/// it reads must exist in the alertmanager container (amtool 0.25 does not open secret
/// files). Template files are written beside it and named by their local paths, so amtool
/// parses them as Alertmanager does when it starts.
fn prepare_alertmanager_config(r: &Rendered, dir: &Path) -> Result<Option<PathBuf>, String> {
    let Some(map) = r.config_map("alertmanager-config") else {
        return Ok(None);
    };
    let body = map
        .get("alertmanager.yaml")
        .ok_or("ConfigMap `alertmanager-config` has no `alertmanager.yaml`")?;
    let mut config: Value =
        serde_saphyr::from_str(body).map_err(|e| format!("alertmanager.yaml is not YAML: {e}"))?;
    let mut fields = Vec::new();
    file_fields(&config, "", &mut fields);
    for (i, t) in config["templates"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        fields.push((
            format!("/templates/{i}"),
            t.as_str().unwrap_or_default().to_owned(),
        ));
    }
    let problems: Vec<String> = fields
        .iter()
        .filter_map(|(pointer, path)| {
            check_path_in_pod(r, "alertmanager", "alertmanager", path)
                .err()
                .map(|e| format!("{pointer}: {e}"))
        })
        .collect();
    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }
    let shipped = r.config_map("alertmanager-templates").unwrap_or_default();
    for t in config["templates"].as_array_mut().into_iter().flatten() {
        let name = t
            .as_str()
            .unwrap_or_default()
            .rsplit('/')
            .next()
            .unwrap_or_default();
        let text = shipped.get(name).ok_or_else(|| {
            format!("template `{t}` is not in ConfigMap `alertmanager-templates`")
        })?;
        let local = write(
            &dir.join(format!("{}.templates", r.slug())).join(name),
            text,
        );
        *t = json!(local.to_string_lossy());
    }
    if !amtool_knows_v0_28() {
        for_older_amtool(&mut config);
    }
    Ok(Some(write(
        &dir.join(format!("{}.alertmanager.yaml", r.slug())),
        &serde_saphyr::to_string(&config).unwrap(),
    )))
}

/// Whether this amtool reads every field Alertmanager 0.28 (the image) does.
fn amtool_knows_v0_28() -> bool {
    static KNOWS: LazyLock<bool> = LazyLock::new(|| {
        let out = run("amtool", Command::new("amtool").arg("--version"));
        let said = text(&out);
        let version = said
            .split_whitespace()
            .skip_while(|w| *w != "version")
            .nth(1)
            .unwrap_or_default();
        let mut parts = version.split('.').map(|p| p.parse::<u64>().unwrap_or(0));
        (parts.next().unwrap_or(0), parts.next().unwrap_or(0)) >= (0, 28)
    });
    *KNOWS
}

/// Secret files an amtool older than 0.26/0.27 does not know, per integration, with the
/// inline field and a placeholder it does know.
const NEWER_FILES: [(&str, &str, &str, &str); 5] = [
    (
        "webhook_configs",
        "url_file",
        "url",
        "http://url-file.invalid/",
    ),
    (
        "pushover_configs",
        "user_key_file",
        "user_key",
        "user-key-file",
    ),
    ("pushover_configs", "token_file", "token", "token-file"),
    (
        "telegram_configs",
        "bot_token_file",
        "bot_token",
        "bot-token-file",
    ),
    (
        "discord_configs",
        "webhook_url_file",
        "webhook_url",
        "http://webhook-url-file.invalid/",
    ),
];

/// The config as Debian's amtool 0.25 can read it (the image runs 0.28): each secret file
/// it predates swapped for a placeholder of its inline twin, and Microsoft Teams (0.26) taken
/// out. Only those keys leave its sight; the files were checked above to be mounted, and
/// every other field, template and route is checked as written.
fn for_older_amtool(config: &mut Value) {
    for receiver in config["receivers"].as_array_mut().into_iter().flatten() {
        if let Some(map) = receiver.as_object_mut() {
            map.remove("msteams_configs");
        }
        for (integration, file, inline, placeholder) in NEWER_FILES {
            for c in receiver[integration].as_array_mut().into_iter().flatten() {
                if let Some(map) = c.as_object_mut()
                    && map.remove(file).is_some()
                {
                    map.insert(inline.to_owned(), json!(placeholder));
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Grafana

fn walk_dashboard(value: &Value, at: &str, problems: &mut Vec<String>) {
    static LEFTOVER: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r"\$\{?[A-Za-z_]").unwrap());
    let expected = json!({"type": "prometheus", "uid": "DS_PROMETHEUS"});
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let here = format!("{at}/{k}");
                if k == "datasource" && *v != expected {
                    problems.push(format!("{here}: datasource {v} is not {expected}"));
                }
                if k == "expr" {
                    let Some(expr) = v.as_str() else {
                        problems.push(format!("{here}: expr {v} is not a string"));
                        continue;
                    };
                    let promql = stackgen::render::grafana_variables_to_promql(expr);
                    if let Err(e) = promql_parser::parser::parse(&promql) {
                        problems.push(format!("{here}: `{expr}` is not PromQL: {e}"));
                    } else if LEFTOVER.is_match(&promql) {
                        problems.push(format!(
                            "{here}: `{promql}` keeps a Grafana variable that was not substituted"
                        ));
                    }
                }
                walk_dashboard(v, &here, problems);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk_dashboard(v, &format!("{at}/{i}"), problems);
            }
        }
        _ => {}
    }
}

/// Dashboards: valid JSON, every datasource the provisioned one, every `expr` PromQL once
/// Grafana's variables are substituted. Datasources: `DS_PROMETHEUS` of type prometheus at
/// the querier's Service. Returns how many dashboards were checked.
fn check_grafana(r: &Rendered) -> Result<usize, String> {
    let mut problems = Vec::new();
    let mut dashboards = 0;
    for cm in r.objects("ConfigMap") {
        let name = cm["metadata"]["name"].as_str().unwrap_or_default();
        if !name.starts_with("grafana-dashboard-") || name == "grafana-dashboard-provider" {
            continue;
        }
        for (key, body) in cm["data"].as_object().into_iter().flatten() {
            dashboards += 1;
            match serde_json::from_str::<Value>(body.as_str().unwrap_or_default()) {
                Ok(dashboard) => {
                    let mut found = Vec::new();
                    walk_dashboard(&dashboard, "", &mut found);
                    problems.extend(
                        found
                            .into_iter()
                            .map(|p| format!("ConfigMap `{name}` {key}: {p}")),
                    );
                }
                Err(e) => problems.push(format!("ConfigMap `{name}` {key}: not JSON: {e}")),
            }
        }
    }
    if let Some(cm) = r.object("ConfigMap", "grafana-datasources") {
        let ns = cm["metadata"]["namespace"].as_str().unwrap_or_default();
        // Grafana reads through the Query Frontend where there is one, else the Query in
        // front: the global one, where one federates clusters.
        let query = [
            "thanos-query-frontend",
            "thanos-global-querier",
            "thanos-querier",
        ]
        .into_iter()
        .find(|name| r.object("Deployment", name).is_some())
        .unwrap_or("thanos-querier");
        let url = format!("http://{query}.{ns}.svc.{}:9090", CLUSTER_DOMAIN);
        let mut found = false;
        for (key, body) in cm["data"].as_object().into_iter().flatten() {
            let doc: Value = match serde_saphyr::from_str(body.as_str().unwrap_or_default()) {
                Ok(doc) => doc,
                Err(e) => {
                    problems.push(format!(
                        "ConfigMap `grafana-datasources` {key}: not YAML: {e}"
                    ));
                    continue;
                }
            };
            for ds in doc["datasources"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|d| d["name"] == "DS_PROMETHEUS")
            {
                found = true;
                for (field, want) in [
                    ("type", "prometheus"),
                    ("uid", "DS_PROMETHEUS"),
                    ("url", url.as_str()),
                ] {
                    if ds[field] != want {
                        problems.push(format!(
                            "datasource DS_PROMETHEUS: {field} is {}, not {want:?}",
                            ds[field]
                        ));
                    }
                }
            }
        }
        if !found {
            problems.push(
                "ConfigMap `grafana-datasources` provisions no datasource named DS_PROMETHEUS"
                    .to_owned(),
            );
        }
        let service = r
            .objects("Service")
            .find(|s| s["metadata"]["name"] == query && s["metadata"]["namespace"] == ns);
        if !service.is_some_and(|s| {
            s["spec"]["ports"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|p| p["port"] == 9090)
        }) {
            problems.push(format!(
                "the datasource URL {url} names no Service `{query}` in `{ns}` with port 9090"
            ));
        }
    } else if dashboards > 0 {
        problems.push(
            "dashboards are provisioned but ConfigMap `grafana-datasources` is missing".to_owned(),
        );
    }
    if problems.is_empty() {
        Ok(dashboards)
    } else {
        Err(problems.join("\n"))
    }
}

// ---------------------------------------------------------------------------------------------
// The rendered outputs, checked.

#[test]
fn kubernetes_validate_accepts_every_output_on_kubernetes_1_33_to_1_37() {
    let dir = KeptDir::new("checkers", "kubernetes-validate");
    // About half the documents are the same in every output: each is checked once, in the
    // file of the first output that has it.
    let mut seen = BTreeSet::new();
    let mut files = Vec::new();
    for r in rendered() {
        let documents = split_documents(&r.text);
        assert_eq!(
            documents.len(),
            r.docs.len(),
            "{}: splitting the stream on `---` went wrong",
            r.name
        );
        // Gateway API routes are no kind of the API server's own: kubernetes-validate only
        // warns on them, and `gateway_api_routes_match_the_upstream_crd_schemas` checks them.
        let fresh: Vec<&str> = documents
            .into_iter()
            .filter(|d| !is_gateway_api(d))
            .filter(|d| seen.insert(d.trim()))
            .collect();
        if !fresh.is_empty() {
            files.push(write(
                &dir.join(format!("{}.yaml", r.slug())),
                &fresh.join("---\n"),
            ));
        }
    }
    if let Err(e) = kubernetes_validate(&files) {
        panic!(
            "kubernetes-validate --strict rejects rendered output (a document shared by several \
             outputs is reported once, under the first of them):\n{e}"
        );
    }
}

#[test]
fn gateway_api_routes_match_the_upstream_crd_schemas() {
    let dir = KeptDir::new("checkers", "gateway-api");
    // The example exposes Grafana alone; the same config exposing every UI and offering
    // the Store API (in plaintext, as validation lets a GRPCRoute through) renders every
    // route stackgen writes.
    let every_route = Rendered::parse(
        "examples/gateway-api with every route",
        &crate::golden::render(
            &[
                "-c",
                "examples/gateway-api.yaml",
                "--set",
                "ingress.expose.querier=true",
                "--set",
                "ingress.expose.alertmanager=true",
                "--set",
                "ingress.expose.ruler=true",
                "--set",
                "ingress.expose.prometheus=true",
                "--set",
                "storeApi.expose=ingress",
                "--set",
                "storeApi.tls.mode=plaintext",
            ]
            .map(str::to_owned),
        ),
    );
    let mut routes: Vec<&Value> = Vec::new();
    for r in rendered().iter().chain([&every_route]) {
        routes.extend(r.docs.iter().filter(|d| {
            d["apiVersion"]
                .as_str()
                .is_some_and(|v| v.starts_with("gateway.networking.k8s.io/"))
        }));
    }
    let kinds: BTreeSet<&str> = routes.iter().filter_map(|r| r["kind"].as_str()).collect();
    assert_eq!(
        kinds,
        BTreeSet::from(["GRPCRoute", "HTTPRoute"]),
        "both route kinds must be checked"
    );
    assert!(
        every_route.objects("HTTPRoute").count() >= 5,
        "every UI gets its route"
    );
    if let Err(e) = gateway_api_validate(&dir, &routes) {
        panic!("rendered Gateway API routes break the upstream schemas:\n{e}");
    }
}

#[test]
fn the_gateway_api_check_refuses_what_the_api_server_would() {
    let dir = KeptDir::new("checkers", "gateway-api-negative");
    let good = serde_json::json!({
        "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
        "metadata": {"name": "grafana"},
        "spec": {"parentRefs": [{"name": "public"}], "hostnames": ["grafana.example.org"],
                 "rules": [{"matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                            "backendRefs": [{"name": "grafana", "port": 3000}]}]},
    });
    gateway_api_validate(&dir, &[&good]).expect("the valid twin must pass");
    let mut unknown = good.clone();
    unknown["spec"]["rules"][0]["backendRefs"][0]["prot"] = json!(3000);
    let err = gateway_api_validate(&dir, &[&unknown]).unwrap_err();
    assert!(err.contains("prot"), "{err}");
    let mut wrong = good.clone();
    wrong["spec"]["rules"][0]["matches"][0]["path"]["type"] = json!("Prefix");
    let err = gateway_api_validate(&dir, &[&wrong]).unwrap_err();
    assert!(err.contains("Prefix"), "{err}");
    let mut host = good;
    host["spec"]["hostnames"][0] = json!("Grafana.example.org");
    assert!(gateway_api_validate(&dir, &[&host]).is_err());
}

#[test]
fn promtool_accepts_every_prometheus_config() {
    let dir = KeptDir::new("checkers", "promtool-config");
    // Every ConfigMap holding a Prometheus config template, by output.
    let templates = |r: &Rendered| -> BTreeSet<String> {
        r.objects("ConfigMap")
            .filter(|cm| cm["data"].get("prometheus.yaml.tmpl").is_some())
            .filter_map(|cm| cm["metadata"]["name"].as_str().map(str::to_owned))
            .collect()
    };
    // An observer without Prometheus (`prometheus.enabled: false`) has no config to check;
    // every output with a Prometheus workload (one per shard) must have one that passes.
    let (with_prometheus, without): (Vec<&Rendered>, Vec<&Rendered>) = rendered()
        .iter()
        .partition(|r| !prometheus_workloads(r).is_empty() || !templates(r).is_empty());
    let without: Vec<&str> = without.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        without,
        ["examples/shared-bucket-observer"],
        "outputs without Prometheus"
    );
    let mut failures = Vec::new();
    let mut checked = BTreeMap::new();
    for r in with_prometheus {
        let workloads = prometheus_workloads(r);
        checked.insert(r.name.clone(), workloads.clone());
        let mut read = BTreeSet::new();
        for workload in &workloads {
            match config_template_of(r, workload) {
                Ok((map, _)) => {
                    read.insert(map);
                }
                Err(e) => failures.push(format!("{} {workload}: {e}", r.name)),
            }
            let at = dir.join(r.slug()).join(workload);
            if let Err(e) = promtool_check_prometheus_config(r, workload, &at) {
                failures.push(format!("{} {workload}: {e}", r.name));
            }
        }
        // Each shard reads a config of its own, and no config is left unread (unchecked).
        if read.len() != workloads.len() || read != templates(r) {
            failures.push(format!(
                "{}: the Prometheus workloads {workloads:?} read the configs {read:?}, the output holds {:?}",
                r.name,
                templates(r)
            ));
        }
    }
    assert_eq!(
        checked["examples/sharded-prometheus"],
        ["prometheus-shard-0", "prometheus-shard-1"],
        "every shard's config is checked"
    );
    assert_eq!(checked["default"], ["prometheus"]);
    finish("the Prometheus config fails its check", &failures);
}

#[test]
fn promtool_accepts_every_rules_file() {
    let dir = KeptDir::new("checkers", "promtool-rules");
    // Identical files across sets are checked once.
    let mut files: BTreeMap<String, PathBuf> = BTreeMap::new();
    for r in rendered() {
        for map in ["prometheus-rules", "thanos-ruler-rules"] {
            for (key, body) in r.config_map(map).into_iter().flatten() {
                let n = files.len();
                files.entry(body).or_insert_with_key(|body| {
                    write(&dir.join(format!("{n}-{}-{map}-{key}", r.slug())), body)
                });
            }
        }
    }
    assert!(
        default_set().config_map("prometheus-rules").is_some()
            && default_set().config_map("thanos-ruler-rules").is_some(),
        "the default output has no prometheus-rules or thanos-ruler-rules ConfigMap to check"
    );
    let files: Vec<PathBuf> = files.into_values().collect();
    if let Err(e) = promtool_check_rules(&files) {
        panic!("{e}");
    }
}

/// The unit tests as written (against the template sources) and once more against the rules
/// as the default output ships them, so a renderer that changes a rule cannot slip by.
#[test]
fn promtool_unit_tests_pass_on_the_sources_and_on_the_rendered_rules() {
    let dir = KeptDir::new("checkers", "promtool-test");
    let mut tests: Vec<PathBuf> = std::fs::read_dir(repo().join("tests/promtool"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".test.yaml"))
        .collect();
    tests.sort();
    assert!(!tests.is_empty(), "no tests/promtool/*.test.yaml");
    let shipped: BTreeMap<String, String> = ["prometheus-rules", "thanos-ruler-rules"]
        .iter()
        .flat_map(|m| default_set().config_map(m).unwrap_or_default())
        .collect();
    let mut all: Vec<PathBuf> = tests
        .iter()
        .map(|t| t.strip_prefix(repo()).unwrap().to_owned())
        .collect();
    let mut problems = Vec::new();
    for t in &tests {
        let name = t.file_name().unwrap().to_string_lossy().into_owned();
        let mut doc: Value = serde_saphyr::from_str(&std::fs::read_to_string(t).unwrap()).unwrap();
        for rule_file in doc["rule_files"].as_array_mut().into_iter().flatten() {
            let base = Path::new(rule_file.as_str().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            match shipped.get(&base) {
                Some(body) => {
                    *rule_file = Value::String(
                        write(&dir.join("rendered").join(&base), body)
                            .display()
                            .to_string(),
                    )
                }
                None => problems.push(format!(
                    "{name}: the default output ships no rules file `{base}`"
                )),
            }
        }
        all.push(write(
            &dir.join(&name),
            &serde_json::to_string_pretty(&doc).unwrap(),
        ));
    }
    finish(
        "promtool unit tests cannot run on the rendered rules",
        &problems,
    );
    if let Err(e) = promtool(&["test", "rules"], &all) {
        panic!("{e}");
    }
}

#[test]
fn amtool_accepts_every_alertmanager_config() {
    let dir = KeptDir::new("checkers", "amtool");
    let mut failures = Vec::new();
    let mut files = Vec::new();
    for r in rendered() {
        match prepare_alertmanager_config(r, &dir) {
            Ok(file) => files.extend(file),
            Err(e) => failures.push(format!("{}: {e}", r.name)),
        }
    }
    assert!(
        default_set().config_map("alertmanager-config").is_some(),
        "the default output has no alertmanager-config"
    );
    if let Err(e) = amtool_check(&files) {
        failures.push(e);
    }
    finish("the Alertmanager config fails its check", &failures);
}

#[test]
fn grafana_dashboards_use_the_provisioned_datasource_and_parse_as_promql() {
    let failures: Vec<String> = rendered()
        .iter()
        .filter_map(|r| check_grafana(r).err().map(|e| format!("{}: {e}", r.name)))
        .collect();
    finish("Grafana provisioning is inconsistent", &failures);
    assert!(
        check_grafana(default_set()).unwrap() > 0,
        "the default output has no dashboards to check"
    );
}

// ---------------------------------------------------------------------------------------------
// The checkers can fail.

#[test]
fn kubernetes_validate_rejects_a_field_the_api_server_would_reject() {
    kubernetes_validate(&[fixture("deployment.valid.yaml")]).expect("the valid twin must pass");
    let unknown = kubernetes_validate(&[fixture("deployment.unknown-field.yaml")]).unwrap_err();
    assert!(unknown.contains("'replicsa' was unexpected"), "{unknown}");
    let wrong_type = kubernetes_validate(&[fixture("deployment.wrong-type.yaml")]).unwrap_err();
    assert!(
        wrong_type.contains("spec.replicas: 'three' is not of type 'integer'"),
        "{wrong_type}"
    );
    // Every version is checked, not only the newest.
    for v in KUBERNETES_VERSIONS {
        assert!(
            unknown.contains(&format!("against version {v}:")),
            "no verdict for {v}:\n{unknown}"
        );
    }
}

#[test]
fn promtool_rejects_a_broken_alert_expression() {
    promtool_check_rules(&[fixture("alerts.valid.rules.yaml")]).expect("the valid twin must pass");
    let e = promtool_check_rules(&[fixture("alerts.broken-expr.rules.yaml")]).unwrap_err();
    assert!(
        e.contains("\"HighErrorRate\": could not parse expression"),
        "{e}"
    );
}

#[test]
fn amtool_rejects_a_route_to_an_undefined_receiver() {
    amtool_check(&[fixture("alertmanager.valid.yaml")]).expect("the valid twin must pass");
    let e = amtool_check(&[fixture("alertmanager.undefined-receiver.yaml")]).unwrap_err();
    assert!(
        e.contains("undefined receiver \"team-paymnets\" used in route"),
        "{e}"
    );
}

#[test]
fn prometheus_config_check_rejects_a_planted_defect_in_the_real_output() {
    let dir = KeptDir::new("checkers", "promtool-config-negative");
    let base = default_set();
    promtool_check_prometheus_config(base, "prometheus", &dir.join("as-rendered"))
        .expect("the default output must pass");

    type Edit = fn(&str) -> String;
    let cases: [(&str, Edit, &str); 5] = [
        (
            "bad-interval",
            |t| t.replacen("scrape_interval: 30s", "scrape_interval: thirty", 1),
            "not a valid duration string",
        ),
        (
            "sd-role",
            |t| t.replacen("- role: node", "- role: nodes", 1),
            "role \"nodes\" is not one of",
        ),
        (
            "sd-key",
            |t| t.replacen("- role: pod", "- role: pod\n    namespace: monitoring", 1),
            "key `namespace` is not one this suite checks",
        ),
        (
            "rules-glob",
            |t| {
                t.replacen(
                    "/etc/prometheus/rules/*.yaml",
                    "/etc/prometheus/rules/*.yml",
                    1,
                )
            },
            "the rule_files globs find 0 of the",
        ),
        (
            "token-path",
            |t| t.replacen("serviceaccount/token", "serviceaccount/tokn", 1),
            "the service account volume has no `tokn`",
        ),
    ];
    for (name, edit, expected) in cases {
        let broken = base.with_config_file("prometheus-config", "prometheus.yaml.tmpl", edit);
        let e = promtool_check_prometheus_config(&broken, "prometheus", &dir.join(name))
            .expect_err(name);
        assert!(
            e.contains(expected),
            "{name}: expected `{expected}` in:\n{e}"
        );
    }
    // A shard's config is checked as its own: a hashmod without a modulus is refused.
    let sharded = rendered()
        .iter()
        .find(|r| r.name == "examples/sharded-prometheus")
        .unwrap();
    let shard = "prometheus-shard-1";
    promtool_check_prometheus_config(sharded, shard, &dir.join("shard-as-rendered"))
        .expect("the sharded output must pass");
    let broken =
        sharded.with_config_file(&format!("{shard}-config"), "prometheus.yaml.tmpl", |t| {
            t.replacen("modulus: 2", "modulus: 0", 1)
        });
    let e = promtool_check_prometheus_config(&broken, shard, &dir.join("shard-modulus"))
        .expect_err("a zero modulus");
    assert!(e.contains("requires non-zero modulus"), "{e}");
}

#[test]
fn grafana_check_rejects_a_foreign_datasource_and_a_query_that_is_not_promql() {
    let base = default_set();
    let (map, key) = base
        .objects("ConfigMap")
        .filter_map(|cm| {
            let name = cm["metadata"]["name"].as_str()?;
            let key = cm["data"].as_object()?.keys().next()?;
            (name.starts_with("grafana-dashboard-") && name != "grafana-dashboard-provider")
                .then(|| (name.to_owned(), key.clone()))
        })
        .next()
        .expect("the default output has a dashboard");
    check_grafana(base).expect("the default output must pass");

    let foreign = base.with_config_file(&map, &key, |t| {
        t.replacen("\"uid\": \"DS_PROMETHEUS\"", "\"uid\": \"prometheus\"", 1)
    });
    let e = check_grafana(&foreign).unwrap_err();
    assert!(
        e.contains("is not {\"type\":\"prometheus\",\"uid\":\"DS_PROMETHEUS\"}"),
        "{e}"
    );

    let bad_expr = base.with_config_file(&map, &key, |t| {
        t.replacen("\"expr\": \"", "\"expr\": \"sum by ((", 1)
    });
    let e = check_grafana(&bad_expr).unwrap_err();
    assert!(e.contains("is not PromQL"), "{e}");

    let wrong_url = base.with_config_file("grafana-datasources", "datasources.yaml", |t| {
        t.replace(":9090", ":9091")
    });
    let e = check_grafana(&wrong_url).unwrap_err();
    assert!(
        e.contains("url is \"http://thanos-query-frontend.monitoring.svc.cluster.local:9091\""),
        "{e}"
    );
}

#[test]
fn a_missing_checker_fails_with_the_install_hint() {
    let panic = std::panic::catch_unwind(|| {
        run(
            "no-such-checker",
            &mut Command::new("stackgen-no-such-checker-xyz"),
        )
    })
    .expect_err("a missing tool must fail the test");
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains(INSTALL_HINT), "{message}");
}

/// `stackgen test-rules` runs the user's promtool unit tests against the rules as rendered:
/// a user's alert fires as the test expects, and a built-in alert tuned in the config is
/// tested as tuned (its `for` of 10m keeps it silent at 6m, which an expectation of the
/// shipped 5m would miss).
#[test]
fn test_rules_tests_the_rendered_rules() {
    let config = "apiVersion: stackgen.dev/v1alpha1
kind: MonitoringStack
spec:
  builtInAlerts:
    overrides:
      NodeExporterDown: {for: 10m}
  prometheus:
    ruleFiles:
      - name: team.rules.yaml
        groups:
          - name: team
            rules:
              - alert: TeamServiceDown
                expr: up{job=\"team\"} == 0
                for: 5m
                labels: {severity: critical}
";
    let test = |alert: &str, job: &str, expected: &str| {
        format!(
            "rule_files: [prometheus/team.rules.yaml, prometheus/stack.rules.yaml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'up{{job=\"{job}\", instance=\"a\"}}'
        values: '0x10'
    alert_rule_test:
      - eval_time: 6m
        alertname: {alert}
        exp_alerts: {expected}
"
        )
    };
    let fires = "[{exp_labels: {severity: critical, job: team, instance: a}}]";
    Test::new()
        .args([
            "test-rules",
            "-c",
            "stack.yaml",
            "team.test.yaml",
            "node.test.yaml",
        ])
        .file("stack.yaml", config)
        .file("team.test.yaml", test("TeamServiceDown", "team", fires))
        .file(
            "node.test.yaml",
            test("NodeExporterDown", "node-exporter", "[]"),
        )
        .run()
        .status(0)
        .stdout_has("SUCCESS");
    // Expecting the shipped `for: 5m` fails against the tuned rule.
    let shipped = "[{exp_labels: {severity: warning, job: node-exporter, instance: a}}]";
    Test::new()
        .args(["test-rules", "-c", "stack.yaml", "node.test.yaml"])
        .file("stack.yaml", config)
        .file(
            "node.test.yaml",
            test("NodeExporterDown", "node-exporter", shipped),
        )
        .run()
        .status(1)
        .stderr_has("FAILED");
}

/// The example's rule file, read from beside its config, passes its own unit test.
#[test]
fn the_team_content_example_passes_its_rule_tests() {
    let out = run(
        "stackgen",
        Command::new(env!("CARGO_BIN_EXE_stackgen"))
            .args([
                "test-rules",
                "-c",
                "examples/team-content.yaml",
                "examples/team-content/rules/payments.test.yaml",
            ])
            .current_dir(repo()),
    );
    assert!(out.status.success(), "{}", text(&out));
}
