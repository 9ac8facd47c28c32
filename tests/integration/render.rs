//! `stackgen render` through the real binary: stdout, directories, formats, determinism.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn stackgen(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stackgen"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn render_without_config_prints_the_whole_stack() {
    let dir = scratch();
    let out = stackgen(&["render"], dir.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    assert!(
        text.starts_with("apiVersion: v1\nkind: Namespace\n"),
        "{}",
        &text[..200]
    );
    for (kind, name) in [
        ("StatefulSet", "prometheus"),
        ("Service", "thanos-store-gateway"),
        ("Deployment", "thanos-querier"),
        ("StatefulSet", "thanos-store-gateway"),
        ("StatefulSet", "thanos-compactor"),
        ("StatefulSet", "thanos-ruler"),
        ("StatefulSet", "alertmanager"),
        ("Deployment", "kube-state-metrics"),
        ("DaemonSet", "node-exporter"),
        ("Deployment", "grafana"),
        ("Ingress", "monitoring-ingress"),
        ("Service", "prometheus-2-service"),
        ("ConfigMap", "prometheus-config"),
        ("ConfigMap", "prometheus-rules"),
        ("Secret", "thanos-objstore-config"),
    ] {
        let needle = format!("\nkind: {kind}\n");
        let found = text
            .split("---\n")
            .any(|doc| doc.contains(&needle) && doc.contains(&format!("\n  name: {name}\n")));
        assert!(found, "no {kind} {name} in the default output");
    }
}

#[test]
fn render_is_byte_identical_across_runs() {
    let dir = scratch();
    let first = stdout(&stackgen(&["render", "-p", "eks"], dir.path()));
    let second = stdout(&stackgen(&["render", "-p", "eks"], dir.path()));
    assert!(!first.is_empty());
    assert_eq!(first, second);
}

#[test]
fn render_refuses_an_invalid_config_with_empty_stdout() {
    let dir = scratch();
    let out = stackgen(
        &["render", "--set", "thanos.compact.replicas=2"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("spec.thanos.compact.replicas"));
}

#[test]
fn strict_render_refuses_warnings() {
    let dir = scratch();
    let out = stackgen(&["render", "-p", "dev", "--strict"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
}

#[test]
fn json_format_is_a_v1_list_of_the_same_objects() {
    let dir = scratch();
    let yaml = stdout(&stackgen(&["render"], dir.path()));
    let json: serde_json::Value =
        serde_json::from_slice(&stackgen(&["render", "--format", "json"], dir.path()).stdout)
            .unwrap();
    assert_eq!(json["apiVersion"], "v1");
    assert_eq!(json["kind"], "List");
    assert_eq!(
        json["items"].as_array().unwrap().len(),
        yaml.split("---\n").count()
    );
    assert_eq!(json["items"][0]["kind"], "Namespace");
}

#[test]
fn output_dir_holds_one_file_per_object_and_a_kustomization() {
    let dir = scratch();
    let out = stackgen(&["render", "-o", "out"], dir.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    let kustomization = std::fs::read_to_string(dir.path().join("out/kustomization.yaml")).unwrap();
    let stream = stdout(&stackgen(&["render"], dir.path()));
    let count = stream.split("---\n").count();
    let resources: Vec<&str> = kustomization
        .lines()
        .filter_map(|l| l.strip_prefix("- "))
        .collect();
    assert_eq!(resources.len(), count);
    for r in &resources {
        assert!(
            dir.path().join("out").join(r).is_file(),
            "{r} listed but missing"
        );
    }
    assert!(
        resources.contains(&"prometheus/24-statefulset-prometheus.yaml"),
        "{resources:?}"
    );
    // The files, concatenated in kustomization order, are the stream.
    let joined: Vec<String> = resources
        .iter()
        .map(|r| std::fs::read_to_string(dir.path().join("out").join(r)).unwrap())
        .collect();
    assert_eq!(joined.join("---\n"), stream);
}

#[test]
fn output_dir_replaces_old_content() {
    let dir = scratch();
    std::fs::create_dir_all(dir.path().join("out/stale")).unwrap();
    std::fs::write(dir.path().join("out/stale/old.yaml"), "old").unwrap();
    assert_eq!(
        stackgen(&["render", "-o", "out"], dir.path()).status.code(),
        Some(0)
    );
    assert!(!dir.path().join("out/stale").exists());
    assert!(dir.path().join("out/kustomization.yaml").is_file());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "temporary directories left behind: {leftovers:?}"
    );
}

#[test]
fn output_dir_is_untouched_when_the_config_is_invalid() {
    let dir = scratch();
    std::fs::create_dir_all(dir.path().join("out")).unwrap();
    std::fs::write(dir.path().join("out/keep.yaml"), "keep").unwrap();
    let out = stackgen(
        &["render", "-o", "out", "--set", "prometheus.replicas=-1"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out/keep.yaml")).unwrap(),
        "keep"
    );
}

#[test]
fn render_reads_the_config_from_stdin() {
    let dir = scratch();
    let mut child = Command::new(env!("CARGO_BIN_EXE_stackgen"))
        .args(["render", "-c", "-"])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"spec:\n  namespace: observability\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("  name: observability\n"));
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let dir = scratch();
    let mut child = Command::new(env!("CARGO_BIN_EXE_stackgen"))
        .arg("render")
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// kubectl reads YAML 1.1, where `on` and `yes` are booleans: PyYAML reads it the same way.
#[test]
fn output_reads_the_same_to_a_yaml_1_1_reader() {
    let dir = scratch();
    let out = stackgen(
        &[
            "render",
            "--set",
            "metadata.name=\"on\"",
            "--set",
            "cluster=\"yes\"",
            "--set",
            "externalLabels.env=\"no\"",
        ],
        dir.path(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(dir.path().join("stack.yaml"), &out.stdout).unwrap();
    let script = r#"
import sys, yaml
docs = list(yaml.safe_load_all(open(sys.argv[1])))
ns = docs[0]
assert ns["metadata"]["labels"]["app.kubernetes.io/instance"] == "on", ns
cm = [d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "prometheus-config"][0]
prom = yaml.safe_load(cm["data"]["prometheus.yaml.tmpl"])
labels = prom["global"]["external_labels"]
assert labels["cluster"] == "yes" and labels["env"] == "no", labels
print("ok")
"#;
    let check = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(dir.path().join("stack.yaml"))
        .output()
        .expect("python3 with PyYAML (scripts/install-test-tools)");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}
