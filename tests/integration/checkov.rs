//! checkov (PyPI, `--framework kubernetes`) over the default rendering: every failed check must
//! be covered by `tests/checkov-allowlist.yaml`, where each entry says why it is right for this
//! stack, and every entry must still match a failed check, so the list cannot go stale.
//!
//! checkov comes from `scripts/install-test-tools`, pinned, in a virtualenv under
//! `${XDG_CACHE_HOME:-~/.cache}/stackgen-test-tools/checkov-venv` (else `checkov` on PATH);
//! missing, it fails the test with that hint, it never skips. It runs offline
//! (`--skip-download`), a few seconds a run. The opt-ins that some entries point to are
//! proven to clear their checks, and a privileged fixture (`tests/checkov/`) proves that the
//! filter fails. A failing test keeps what it gave checkov under
//! `target/tmp/checkov/<pid>/<test>`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::Value;

use crate::support::{KeptDir, Test};

const INSTALL_HINT: &str = "run scripts/install-test-tools";
const ALLOWLIST: &str = "tests/checkov-allowlist.yaml";
/// Far above the few seconds a run takes: only a checkov that hangs (on the network, say) hits it.
const TIMEOUT: Duration = Duration::from_secs(300);

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Where `scripts/install-test-tools` puts checkov; `checkov` on PATH when it is not there.
fn checkov_program() -> PathBuf {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")));
    cache
        .map(|dir| dir.join("stackgen-test-tools/checkov-venv/bin/checkov"))
        .filter(|path| path.is_file())
        .unwrap_or_else(|| PathBuf::from("checkov"))
}

/// `stackgen ARGS` in `dir`, which must succeed; its stdout.
fn stackgen(dir: &Path, args: &[&str]) -> String {
    let out = Test::new()
        .args(args.iter().copied())
        .current_dir(dir)
        .run();
    out.status(0);
    out.stdout
}

/// `stackgen render ARGS`, written to `name` in the scratch folder.
fn render(scratch: &KeptDir, name: &str, args: &[&str]) -> PathBuf {
    let mut all = vec!["render"];
    all.extend_from_slice(args);
    let text = stackgen(scratch, &all);
    scratch.write(name, &text)
}

// ---------------------------------------------------------------------------------------------
// checkov and its findings.

/// One failed check on one resource.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Failure {
    id: String,
    resource: String,
    name: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} ({})", self.id, self.resource, self.name)
    }
}

/// What one checkov run found.
struct Report {
    version: String,
    failures: BTreeSet<Failure>,
    /// The ids of the checks that passed on some resource; listed only for a run limited to
    /// a few checks (for a full run checkov is `--quiet`: 65 KB of JSON instead of 1.3 MB).
    passed: BTreeSet<String>,
}

/// checkov names the pods it derives from workloads for its graph checks (`CKV2_K8S_*`)
/// `Pod.<namespace>.<name>.<label>-<value>...`; the labels are cut, leaving the
/// `<kind>.<namespace>.<name>` form of every other resource. Kinds and namespaces hold no dot.
fn resource_name(resource: &str) -> String {
    match resource.strip_prefix("Pod.") {
        Some(rest) => {
            let mut parts = rest.splitn(3, '.');
            let namespace = parts.next().unwrap_or_default();
            let name = parts.next().unwrap_or_default();
            format!("Pod.{namespace}.{name}")
        }
        None => resource.to_owned(),
    }
}

/// Runs checkov on `files` together (graph checks relate the objects of one run: a
/// `NetworkPolicy` in one file covers the pods of another) and reads its failed checks.
/// `checks` limits the run to those check ids, and has it list what passed, when not empty.
fn checkov(scratch: &KeptDir, files: &[&Path], checks: &[&str]) -> Report {
    let program = checkov_program();
    let mut cmd = Command::new(&program);
    for file in files {
        cmd.arg("--file").arg(file);
    }
    cmd.args(["--framework", "kubernetes", "--skip-download"])
        .args(["--output", "json", "--soft-fail", "--compact"]);
    if checks.is_empty() {
        cmd.arg("--quiet");
    } else {
        cmd.args(["--check", &checks.join(",")]);
    }
    // Offline and unconfigured: no platform key, no CKV_* settings from the caller's
    // environment, no .checkov.yaml from the working directory.
    for (key, _) in std::env::vars_os() {
        let key_text = key.to_string_lossy();
        if ["CKV_", "BC_", "PRISMA_"]
            .iter()
            .any(|prefix| key_text.starts_with(prefix))
        {
            cmd.env_remove(&key);
        }
    }
    cmd.current_dir(&**scratch)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            panic!("checkov is not installed: {INSTALL_HINT}")
        }
        Err(e) => panic!("cannot run {}: {e}", program.display()),
    };
    let out = wait_with_timeout(child, &program);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // --soft-fail: findings exit 0, so anything else is checkov itself failing.
    assert!(
        out.status.success(),
        "{} failed ({}):\n{stdout}\n{stderr}",
        program.display(),
        out.status
    );
    let json: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("checkov's output is not JSON ({e}):\n{stdout}\n{stderr}"));
    // One framework gives one report; several, a list of them.
    let report = match &json {
        Value::Array(reports) => reports
            .iter()
            .find(|r| r["check_type"] == "kubernetes")
            .unwrap_or(&Value::Null),
        _ => &json,
    };
    // With nothing parsed, checkov prints only a summary.
    let failed = report["results"]["failed_checks"]
        .as_array()
        .unwrap_or_else(|| panic!("checkov scanned no Kubernetes object:\n{stdout}\n{stderr}"));
    let summary = &report["summary"];
    assert_eq!(
        summary["parsing_errors"], 0,
        "checkov could not parse all of its input:\n{summary}\n{stderr}"
    );
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    Report {
        version: text(&summary["checkov_version"]),
        failures: failed
            .iter()
            .map(|f| Failure {
                id: text(&f["check_id"]),
                resource: resource_name(f["resource"].as_str().unwrap_or_default()),
                name: text(&f["check_name"]),
            })
            .collect(),
        passed: report["results"]["passed_checks"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| text(&p["check_id"]))
            .collect(),
    }
}

fn wait_with_timeout(mut child: std::process::Child, program: &Path) -> std::process::Output {
    // Reading the pipes on threads, so a chatty checkov cannot fill one and stall.
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let read = |pipe: &mut dyn std::io::Read| {
        let mut buf = Vec::new();
        let _ = pipe.read_to_end(&mut buf);
        buf
    };
    let out_thread = std::thread::spawn(move || read(&mut stdout));
    let err_thread = std::thread::spawn(move || read(&mut stderr));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for checkov") {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{} ran for more than {}s and was stopped (is it trying to reach the network \
                 despite --skip-download?)",
                program.display(),
                TIMEOUT.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    std::process::Output {
        status,
        stdout: out_thread.join().unwrap(),
        stderr: err_thread.join().unwrap(),
    }
}

// ---------------------------------------------------------------------------------------------
// The allowlist and the judgement.

/// One allowed check: on which resources, and why.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    check: String,
    resources: Vec<String>,
    reason: String,
}

/// `tests/checkov-allowlist.yaml`, each entry checked for form.
fn allowlist() -> Vec<Entry> {
    let path = repo().join(ALLOWLIST);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let entries: Vec<Entry> =
        serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{ALLOWLIST}: {e}"));
    let id = regex::Regex::new(r"^CKV2?_K8S_[0-9]+$").unwrap();
    let mut seen = BTreeSet::new();
    let mut problems = Vec::new();
    for entry in &entries {
        let check = &entry.check;
        if !id.is_match(check) {
            problems.push(format!("`{check}` is not a checkov Kubernetes check id"));
        }
        if entry.reason.split_whitespace().count() < 5 {
            problems.push(format!("{check}: give the reason, in a sentence at least"));
        }
        if entry.resources.is_empty() {
            problems.push(format!("{check}: name its resources (\"*\" for every one)"));
        }
        for pattern in &entry.resources {
            if !seen.insert((check.clone(), pattern.clone())) {
                problems.push(format!("{check} {pattern}: listed twice"));
            }
        }
    }
    assert!(problems.is_empty(), "{ALLOWLIST}:\n{}", problems.join("\n"));
    entries
}

/// `*` matches any run of characters, dots included; everything else matches itself.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if parts.len() == 1 {
        return pattern == text;
    }
    if text.len() < first.len() + last.len() || !text.starts_with(first) || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// Every failed check that no entry allows, then every entry's pattern that allows nothing
/// (stale: the gap was fixed, or checkov renamed the resource), one line each.
fn judge(failures: &BTreeSet<Failure>, entries: &[Entry]) -> Vec<String> {
    let allows = |entry: &Entry, pattern: &str, f: &Failure| {
        entry.check == f.id && glob(pattern, &f.resource)
    };
    let mut problems: Vec<String> = failures
        .iter()
        .filter(|f| {
            !entries
                .iter()
                .any(|e| e.resources.iter().any(|p| allows(e, p, f)))
        })
        .map(|f| format!("not allowlisted: {f}"))
        .collect();
    for entry in entries {
        for pattern in &entry.resources {
            if !failures.iter().any(|f| allows(entry, pattern, f)) {
                problems.push(format!(
                    "stale allowlist entry: {} {pattern} matches no failed check",
                    entry.check
                ));
            }
        }
    }
    problems
}

// ---------------------------------------------------------------------------------------------
// The tests.

#[test]
fn checkov_on_the_default_fails_only_allowlisted_checks() {
    let scratch = KeptDir::new("checkov", "default");
    let default = render(&scratch, "default.yaml", &[]);
    let report = checkov(&scratch, &[&default], &[]);
    let problems = judge(&report.failures, &allowlist());
    assert!(
        problems.is_empty(),
        "checkov {} on the default rendering ({}):\n{}\n\nFix the template, or, only when the \
         check is wrong for this stack, add an entry with its reason to {ALLOWLIST}; remove \
         stale entries.",
        report.version,
        default.display(),
        problems.join("\n")
    );
}

/// The allowlist excuses these checks because users can opt into what clears them: digests
/// in `spec.images` (`CKV_K8S_43`, and `CKV_K8S_15`, which passes any image with a digest) and
/// `spec.networkPolicies.enabled` (`CKV2_K8S_6`). With both on, none of them fails.
#[test]
fn checkov_checks_excused_by_an_opt_in_pass_with_it_on() {
    const CLEARED: [&str; 3] = ["CKV_K8S_43", "CKV_K8S_15", "CKV2_K8S_6"];
    let scratch = KeptDir::new("checkov", "opt-ins");
    let schema: Value = serde_json::from_str(&stackgen(&scratch, &["schema"])).unwrap();
    let images = schema["properties"]["spec"]["default"]["images"]
        .as_object()
        .expect("the schema gives the default images");
    assert!(!images.is_empty());
    let digest = format!("@sha256:{}", "0123456789abcdef".repeat(4));
    let mut args = vec![
        "--set".to_owned(),
        "networkPolicies.enabled=true".to_owned(),
    ];
    for (key, image) in images {
        let image = image.as_str().expect("an image is a string");
        args.push("--set".to_owned());
        args.push(format!("images.{key}={image}{digest}"));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let opted_in = render(&scratch, "opted-in.yaml", &args);
    let report = checkov(&scratch, &[&opted_in], &CLEARED);
    let failures: Vec<String> = report.failures.iter().map(ToString::to_string).collect();
    assert!(
        failures.is_empty(),
        "checkov {}: with digests and NetworkPolicies on ({}), still:\n{}",
        report.version,
        opted_in.display(),
        failures.join("\n")
    );
    // Those checks ran (an unknown id runs nothing), and the allowlist excuses them on the
    // default, where they fail (else the default's test reports the entries stale).
    let passed: BTreeSet<&str> = report.passed.iter().map(String::as_str).collect();
    assert_eq!(passed, BTreeSet::from(CLEARED), "the checks that passed");
    let allowed: BTreeSet<String> = allowlist().into_iter().map(|e| e.check).collect();
    for id in CLEARED {
        assert!(
            allowed.contains(id),
            "{ALLOWLIST} no longer excuses {id}: drop it here"
        );
    }
}

/// A green run proves something only if the filter can fail: a privileged workload with no
/// hardening is reported check by check, and the entries it does not match are stale.
#[test]
fn checkov_filter_reports_what_the_allowlist_does_not_cover() {
    let scratch = KeptDir::new("checkov", "fixture");
    let fixture = repo().join("tests/checkov/privileged-deployment.yaml");
    let report = checkov(&scratch, &[&fixture], &[]);
    let problems = judge(&report.failures, &allowlist());
    let text = problems.join("\n");
    let resource = "Deployment.checkov-fixture.privileged";
    for expected in [
        format!("not allowlisted: CKV_K8S_16 {resource} (Container should not be privileged)"),
        format!("not allowlisted: CKV_K8S_20 {resource} "),
        format!("not allowlisted: CKV_K8S_22 {resource} "),
        format!("not allowlisted: CKV_K8S_38 {resource} "),
        "stale allowlist entry: CKV_K8S_17 DaemonSet.monitoring.node-exporter".to_owned(),
        "stale allowlist entry: CKV2_K8S_6 Pod.monitoring.*".to_owned(),
    ] {
        assert!(
            text.contains(&expected),
            "checkov {}: the filter did not report {expected:?}; it reported:\n{text}",
            report.version
        );
    }
    // What the allowlist allows everywhere is not reported, though the fixture fails it too.
    for allowed in ["CKV_K8S_43", "CKV_K8S_15", "CKV_K8S_11"] {
        assert!(
            report.failures.iter().any(|f| f.id == allowed),
            "the fixture should fail {allowed}"
        );
        assert!(
            !text.contains(&format!("not allowlisted: {allowed} ")),
            "{allowed} is allowlisted for every resource:\n{text}"
        );
    }
}

#[test]
fn checkov_allowlist_entries_each_match_something() {
    // Without any failure, every entry is stale: the check that catches stale entries works.
    let entries = allowlist();
    let problems = judge(&BTreeSet::new(), &entries);
    let patterns: usize = entries.iter().map(|e| e.resources.len()).sum();
    assert_eq!(problems.len(), patterns, "{}", problems.join("\n"));
    assert!(
        problems
            .iter()
            .all(|p| p.starts_with("stale allowlist entry: "))
    );
}

#[test]
fn checkov_resource_names_and_patterns() {
    assert_eq!(
        resource_name(
            "Pod.monitoring.grafana.app.kubernetes.io/name-grafana.app.kubernetes.io/version-12.1.1"
        ),
        "Pod.monitoring.grafana"
    );
    assert_eq!(
        resource_name("Deployment.monitoring.grafana"),
        "Deployment.monitoring.grafana"
    );
    assert!(glob("*", "DaemonSet.monitoring.node-exporter"));
    assert!(glob("Pod.monitoring.*", "Pod.monitoring.grafana"));
    assert!(glob(
        "*.node-exporter",
        "DaemonSet.monitoring.node-exporter"
    ));
    assert!(glob("*.monitoring.*", "DaemonSet.monitoring.node-exporter"));
    assert!(!glob("Pod.monitoring.*", "Pod.other.grafana"));
    assert!(!glob(
        "Deployment.monitoring.grafana",
        "Deployment.monitoring.grafana-2"
    ));
    assert!(!glob("a*a", "a"));
}

/// The large example (Prometheus and Store gateway shards, memcached, the Query Frontend):
/// every check it fails is one the allowlist excuses for the default. Entries it does not
/// match are not stale here: the default's test holds the list to that.
#[test]
fn checkov_on_the_large_example_fails_only_allowlisted_checks() {
    let scratch = KeptDir::new("checkov", "large");
    let large = render(
        &scratch,
        "large.yaml",
        &["-c", &repo().join("examples/large.yaml").to_string_lossy()],
    );
    let report = checkov(&scratch, &[&large], &[]);
    let problems: Vec<String> = judge(&report.failures, &allowlist())
        .into_iter()
        .filter(|p| !p.starts_with("stale allowlist entry: "))
        .collect();
    assert!(
        problems.is_empty(),
        "checkov {} on examples/large.yaml ({}):\n{}",
        report.version,
        large.display(),
        problems.join("\n")
    );
}
