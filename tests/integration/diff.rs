//! `stackgen diff` and `render --check` through the real binary.

use crate::support::{Output, Test};

/// A run of the default rendering whose directory (`dir()`) holds its output as `stack.yaml`.
fn committed() -> Output {
    let render = Test::new().arg("render").run();
    std::fs::write(render.dir().join("stack.yaml"), &render.stdout).unwrap();
    render
}

#[test]
fn no_difference_exits_zero_with_a_summary() {
    let base = committed();
    let out = Test::new()
        .args(["diff", "--against", "stack.yaml"])
        .current_dir(base.dir())
        .run();
    out.status(0);
    assert_eq!(out.stdout, "0 added, 0 removed, 0 changed\n");
}

#[test]
fn key_order_document_order_comments_and_layout_are_not_differences() {
    let base = committed();
    // Reverse the documents, rewrite each as JSON (keys in another order, flow style), and
    // sprinkle comments and empty documents: the same objects, written differently.
    let stream = std::fs::read_to_string(base.dir().join("stack.yaml")).unwrap();
    let mut docs: Vec<serde_json::Value> = serde_saphyr::from_multiple(&stream).unwrap();
    docs.reverse();
    let mut rewritten = String::from("# committed by CI\n---\n");
    for doc in &docs {
        let reversed: serde_json::Map<String, serde_json::Value> = doc
            .as_object()
            .unwrap()
            .iter()
            .rev()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        rewritten.push_str(&format!(
            "# an object\n{}\n---\n",
            serde_json::to_string(&reversed).unwrap()
        ));
    }
    std::fs::write(base.dir().join("reordered.yaml"), rewritten).unwrap();
    Test::new()
        .args(["diff", "--against", "reordered.yaml"])
        .current_dir(base.dir())
        .run()
        .status(0);
}

#[test]
fn changes_are_listed_with_unified_diffs_and_exit_one() {
    let base = committed();
    let out = Test::new()
        .args([
            "diff",
            "--against",
            "stack.yaml",
            "--set",
            "prometheus.replicas=4",
            "--set",
            "grafana.enabled=false",
        ])
        .current_dir(base.dir())
        .run();
    out.status(1)
        .stdout_has("+ added: Service monitoring/prometheus-3-service (v1)")
        .stdout_has("- removed: Deployment monitoring/grafana (apps/v1)")
        .stdout_has("~ changed: StatefulSet monitoring/prometheus (apps/v1)")
        .stdout_has("-  replicas: 3\n+  replicas: 4\n");
    let summary = out.stdout.lines().last().unwrap();
    assert!(
        summary.starts_with("1 added, ") && summary.ends_with(" changed"),
        "{summary}"
    );
}

#[test]
fn exit_zero_reports_but_succeeds() {
    let base = committed();
    Test::new()
        .args([
            "diff",
            "--against",
            "stack.yaml",
            "--set",
            "prometheus.replicas=4",
            "--exit-zero",
        ])
        .current_dir(base.dir())
        .run()
        .status(0)
        .stdout_has("1 added");
}

#[test]
fn changes_the_api_server_refuses_are_called_out() {
    let base = committed();
    Test::new()
        .args([
            "diff",
            "--against",
            "stack.yaml",
            "--set",
            "prometheus.storage.size=100Gi",
            "--set",
            "metadata.name=other",
        ])
        .current_dir(base.dir())
        .run()
        .stdout_has("! `spec.volumeClaimTemplates` cannot be changed in place")
        .stdout_has("! `spec.selector` cannot be changed in place");
}

#[test]
fn json_format_gives_field_paths() {
    let base = committed();
    let out = Test::new()
        .args([
            "diff",
            "--against",
            "stack.yaml",
            "--format",
            "json",
            "--set",
            "thanos.query.replicas=3",
        ])
        .current_dir(base.dir())
        .run();
    out.status(1);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        report["summary"],
        serde_json::json!({"added": 0, "removed": 0, "changed": 1})
    );
    let changed = &report["changed"][0];
    assert_eq!(changed["kind"], "Deployment");
    assert_eq!(changed["name"], "thanos-querier");
    assert_eq!(
        changed["fields"][0],
        serde_json::json!({"path": "spec.replicas", "before": 2, "after": 3})
    );
}

#[test]
fn a_render_directory_is_a_valid_against() {
    let render = Test::new().args(["render", "-o", "out"]).run();
    render.status(0);
    Test::new()
        .args(["diff", "--against", "out"])
        .current_dir(render.dir())
        .run()
        .status(0);
    Test::new()
        .args([
            "diff",
            "--against",
            "out",
            "--set",
            "alertmanager.replicas=5",
        ])
        .current_dir(render.dir())
        .run()
        .status(1)
        .stdout_has("~ changed: StatefulSet monitoring/alertmanager");
}

#[test]
fn stdin_is_a_valid_against() {
    let base = committed();
    Test::new()
        .args(["diff", "--against", "-"])
        .stdin(std::fs::read_to_string(base.dir().join("stack.yaml")).unwrap())
        .current_dir(base.dir())
        .run()
        .status(0);
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let base = committed();
    let args = [
        "diff",
        "--against",
        "stack.yaml",
        "--set",
        "prometheus.replicas=4",
    ];
    let diff = |color: &[&str]| {
        Test::new()
            .args(args)
            .args(color.iter().copied())
            .current_dir(base.dir())
            .run()
    };
    let piped = diff(&[]);
    assert!(
        !piped.stdout.contains('\x1b'),
        "auto must not colour a pipe"
    );
    diff(&["--color", "always"]).stdout_has("\x1b[32m+  replicas: 4");
    let never = diff(&["--color", "never"]);
    assert!(!never.stdout.contains('\x1b'));
}

#[test]
fn errors_exit_two_with_empty_stdout() {
    let base = committed();
    let dir = base.dir();
    Test::new()
        .args(["diff", "--against", "nope.yaml"])
        .current_dir(dir)
        .run()
        .status(2)
        .stdout_is_empty();
    std::fs::write(dir.join("broken.yaml"), "a: [\n").unwrap();
    Test::new()
        .args(["diff", "--against", "broken.yaml"])
        .current_dir(dir)
        .run()
        .status(2)
        .stderr_has("broken.yaml");
    Test::new().arg("diff").current_dir(dir).run().status(2);
    // An invalid config is trouble too: nothing was compared (diff(1) exits 2 likewise).
    Test::new()
        .args([
            "diff",
            "--against",
            "stack.yaml",
            "--set",
            "thanos.compact.replicas=2",
        ])
        .current_dir(dir)
        .run()
        .status(2)
        .stdout_is_empty()
        .stderr_has("spec.thanos.compact.replicas");
}

#[test]
fn render_check_guards_a_committed_directory() {
    let render = Test::new().args(["render", "-o", "out"]).run();
    render.status(0);
    let dir = render.dir();
    Test::new()
        .args(["render", "--check", "out"])
        .current_dir(dir)
        .run()
        .status(0)
        .stdout_is_empty();

    std::fs::write(dir.join("out/extra.yaml"), "x: 1\n").unwrap();
    std::fs::remove_file(dir.join("out/grafana/22-deployment-grafana.yaml")).unwrap();
    let stale = Test::new()
        .args(["render", "--check", "out", "--set", "prometheus.replicas=5"])
        .current_dir(dir)
        .run();
    stale.status(1).stdout_is_empty();
    for line in [
        "differs: prometheus/24-statefulset-prometheus.yaml",
        "missing: grafana/22-deployment-grafana.yaml",
        "missing: prometheus/18-service-prometheus-4-service.yaml",
        "differs: .stackgen",
        // A file stackgen did not write is kept by `render -o`: a note, not drift.
        "note: 1 entry not written by stackgen, which `render -o` keeps: extra.yaml",
    ] {
        stale.stderr_has(line);
    }
    let removed = Test::new()
        .args(["render", "--check", "out", "--set", "prometheus.replicas=2"])
        .current_dir(dir)
        .run();
    removed
        .status(1)
        .stderr_has("removed: prometheus/18-service-prometheus-2-service.yaml");
}

#[test]
fn render_check_exits_two_for_an_invalid_config() {
    let render = Test::new().args(["render", "-o", "out"]).run();
    render.status(0);
    Test::new()
        .args([
            "render",
            "--check",
            "out",
            "--set",
            "thanos.compact.replicas=2",
        ])
        .current_dir(render.dir())
        .run()
        .status(2)
        .stdout_is_empty()
        .stderr_has("spec.thanos.compact.replicas");
    Test::new()
        .args([
            "render",
            "--check",
            "out",
            "-p",
            "dev",
            "--set",
            "purpose=production",
            "--strict",
        ])
        .current_dir(render.dir())
        .run()
        .status(2);
}
