//! `stackgen render` through the real binary: stdout, directories, formats, determinism.

use std::process::Command;

use crate::support::Test;

#[test]
fn render_without_config_prints_the_whole_stack() {
    let out = Test::new().arg("render").run();
    out.status(0);
    let text = &out.stdout;
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
    let first = Test::new().args(["render", "-p", "eks"]).run();
    let second = Test::new()
        .args(["render", "-p", "eks"])
        .current_dir(first.dir())
        .run();
    assert!(!first.stdout.is_empty());
    assert_eq!(first.stdout, second.stdout);
}

#[test]
fn render_refuses_an_invalid_config_with_empty_stdout() {
    Test::new()
        .args(["render", "--set", "thanos.compact.replicas=2"])
        .run()
        .status(1)
        .stdout_is_empty()
        .stderr_has("spec.thanos.compact.replicas");
}

#[test]
fn strict_render_refuses_warnings() {
    Test::new()
        .args([
            "render",
            "-p",
            "dev",
            "--set",
            "purpose=production",
            "--strict",
        ])
        .run()
        .status(1)
        .stdout_is_empty();
}

#[test]
fn json_format_is_a_v1_list_of_the_same_objects() {
    let yaml = Test::new().arg("render").run();
    let json: serde_json::Value = serde_json::from_str(
        &Test::new()
            .args(["render", "--format", "json"])
            .current_dir(yaml.dir())
            .run()
            .stdout,
    )
    .unwrap();
    assert_eq!(json["apiVersion"], "v1");
    assert_eq!(json["kind"], "List");
    assert_eq!(
        json["items"].as_array().unwrap().len(),
        yaml.stdout.split("---\n").count()
    );
    assert_eq!(json["items"][0]["kind"], "Namespace");
}

#[test]
fn output_dir_holds_one_file_per_object_and_a_kustomization() {
    let out = Test::new().args(["render", "-o", "out"]).run();
    out.status(0).stdout_is_empty();
    let dir = out.dir();
    let kustomization = std::fs::read_to_string(dir.join("out/kustomization.yaml")).unwrap();
    let stream = Test::new().arg("render").current_dir(dir).run().stdout;
    let count = stream.split("---\n").count();
    let resources: Vec<&str> = kustomization
        .lines()
        .filter_map(|l| l.strip_prefix("- "))
        .collect();
    assert_eq!(resources.len(), count);
    for r in &resources {
        assert!(dir.join("out").join(r).is_file(), "{r} listed but missing");
    }
    assert!(
        resources.contains(&"prometheus/24-statefulset-prometheus.yaml"),
        "{resources:?}"
    );
    // The files, concatenated in kustomization order, are the stream.
    let joined: Vec<String> = resources
        .iter()
        .map(|r| std::fs::read_to_string(dir.join("out").join(r)).unwrap())
        .collect();
    assert_eq!(joined.join("---\n"), stream);
}

#[test]
fn output_dir_replaces_what_stackgen_wrote() {
    let first = Test::new()
        .args(["render", "-o", "out", "--set", "prometheus.replicas=4"])
        .run();
    first.status(0);
    let dir = first.dir();
    let fourth = "out/prometheus/18-service-prometheus-3-service.yaml";
    assert!(dir.join(fourth).is_file());
    Test::new()
        .args(["render", "-o", "out"])
        .current_dir(dir)
        .run()
        .status(0);
    assert!(!dir.join(fourth).exists());
    assert!(dir.join("out/kustomization.yaml").is_file());
    let leftovers: Vec<_> = std::fs::read_dir(dir)
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
    let out = Test::new()
        .args(["render", "-o", "out", "--set", "prometheus.replicas=-1"])
        .file("out/keep.yaml", "keep")
        .run();
    out.status(1);
    assert_eq!(
        std::fs::read_to_string(out.dir().join("out/keep.yaml")).unwrap(),
        "keep"
    );
}

#[test]
fn render_reads_the_config_from_stdin() {
    Test::new()
        .args(["render", "-c", "-"])
        .stdin("spec:\n  namespace: observability\n")
        .run()
        .status(0)
        .stdout_has("  name: observability\n");
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    Test::new().arg("render").close_stdout().run().status(0);
}

/// kubectl reads YAML 1.1, where `on` and `yes` are booleans: PyYAML reads it the same way.
#[test]
fn output_reads_the_same_to_a_yaml_1_1_reader() {
    let out = Test::new()
        .args([
            "render",
            "--set",
            "metadata.name=\"on\"",
            "--set",
            "cluster=\"yes\"",
            "--set",
            "externalLabels.env=\"no\"",
        ])
        .run();
    out.status(0);
    std::fs::write(out.dir().join("stack.yaml"), &out.stdout).unwrap();
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
        .arg(out.dir().join("stack.yaml"))
        .output()
        .expect("python3 with PyYAML (scripts/install-test-tools)");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn prerequisites_lists_the_secrets_and_keys_the_output_reads() {
    let out = Test::new()
        .args([
            "prerequisites",
            "--set",
            "grafana.adminSecret=grafana-admin",
        ])
        .run();
    out.status(0);
    assert!(
        out.stdout
            .contains("thanos-objstore-credentials: keys credentials.json"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("grafana-admin: keys admin-password, admin-user"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("gs://prometheus-long-term"),
        "{}",
        out.stdout
    );
    let json = Test::new()
        .args(["prerequisites", "--format", "json", "-p", "eks"])
        .run();
    json.status(0);
    let parsed: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(parsed["buckets"][0], "s3://prometheus-long-term");
    assert!(
        parsed["storageClasses"]
            .as_array()
            .unwrap()
            .contains(&"gp3".into())
    );
}

#[test]
fn prerequisites_lists_the_ca_bundle_config_map_of_an_on_prem_store() {
    let out = Test::new()
        .args(["prerequisites", "-c", "examples/onprem-minio.yaml"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .run();
    out.status(0);
    assert!(
        out.stdout.contains(
            "ConfigMaps in namespace `monitoring`:\n  minio-ca: keys ca.crt (for the object store's CA bundle)\n"
        ),
        "{}",
        out.stdout
    );
    let json = Test::new()
        .args([
            "prerequisites",
            "--format",
            "json",
            "-c",
            "examples/onprem-minio.yaml",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .run();
    json.status(0);
    let parsed: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(parsed["configMaps"]["minio-ca"]["keys"][0], "ca.crt");
}

#[test]
fn prerequisites_refuses_an_invalid_config_with_empty_stdout() {
    Test::new()
        .args(["prerequisites", "--set", "thanos.compact.replicas=2"])
        .run()
        .status(1)
        .stdout_is_empty();
}

/// `stackgen check` reads a stream (here the render itself, on stdin) against the config:
/// 0 when it holds together, 1 with the problems when it does not, 2 when there is nothing
/// to check against.
#[test]
fn check_exit_codes() {
    let rendered = Test::new().arg("render").run();
    rendered.status(0);
    let stream = rendered.stdout.clone();
    Test::new()
        .arg("check")
        .stdin(stream.clone())
        .run()
        .status(0)
        .stdout_is_empty()
        .stderr_has("the manifests hold together");
    // The Store gateway's discovery Service renamed: every Query loses its Store APIs.
    let broken = stream.replace("name: thanos-store-gateway\n", "name: store\n");
    assert_ne!(broken, stream);
    Test::new()
        .args(["check", "-"])
        .stdin(broken)
        .run()
        .status(1)
        .stdout_is_empty()
        .stderr_has("thanos-store-gateway");
    Test::new()
        .args(["check", "--set", "thanos.compact.replicas=2"])
        .stdin(stream)
        .run()
        .status(2)
        .stderr_has("spec.thanos.compact.replicas");
    Test::new()
        .args(["check", "missing.yaml"])
        .run()
        .status(2)
        .stderr_has("missing.yaml");
}
