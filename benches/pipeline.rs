//! `cargo bench`: the pipeline's speed, in process (no process start-up in the numbers).
//! Prints the median and the fastest of many runs for each stage; the README keeps the
//! numbers of a reference machine. No criterion: the stages are milliseconds long and a
//! median of plain `Instant` timings is stable enough to compare runs.

use std::hint::black_box;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use stackgen::config::{Document, Inputs};
use stackgen::pipeline::{self, Options};

fn measure(name: &str, runs: usize, mut f: impl FnMut()) {
    f(); // warm caches and lazily built statics
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "{name:<48} median {:>9.3?}   fastest {:>9.3?}   ({runs} runs)",
        times[runs / 2],
        times[0]
    );
}

/// A stream of `n` ConfigMaps and Deployments, and a copy with every tenth one changed,
/// for the diff benchmark.
fn streams(n: usize) -> (Vec<Value>, Vec<Value>) {
    let object = |i: usize, replicas: usize| {
        if i.is_multiple_of(2) {
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": format!("cm-{i}"), "namespace": "monitoring"},
                   "data": {"config.yaml": format!("key: {i}\nreplicas: {replicas}\n")}})
        } else {
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": format!("app-{i}"), "namespace": "monitoring"},
                   "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": format!("app-{i}")}},
                            "template": {"metadata": {"labels": {"app": format!("app-{i}")}},
                                         "spec": {"containers": [{"name": "app", "image": "registry.example.com/app:v1", "args": ["--a", "--b"]}]}}}})
        }
    };
    let before: Vec<Value> = (0..n).map(|i| object(i, 2)).collect();
    let after: Vec<Value> = (0..n)
        .map(|i| object(i, if i.is_multiple_of(10) { 3 } else { 2 }))
        .collect();
    (before, after)
}

/// A config with `rules` user alerting rules (in files of 50) and `receivers` webhook
/// receivers, each with a route: the parts of a config that grow without bound.
fn grown(rules: usize, receivers: usize) -> Inputs {
    let mut text = String::from(
        "apiVersion: stackgen.dev/v1alpha1\nkind: MonitoringStack\nmetadata:\n  name: grown\nspec:\n  prometheus:\n    ruleFiles:\n",
    );
    for file in 0..rules.div_ceil(50) {
        text += &format!(
            "      - name: team-{file}.yaml\n        groups:\n          - name: team-{file}\n            rules:\n"
        );
        for rule in (file * 50)..rules.min((file + 1) * 50) {
            text += &format!(
                "              - alert: Alert{rule}\n                expr: sum by (job) (rate(http_requests_total{{code=~\"5..\", job=\"job-{rule}\"}}[5m])) > {rule}\n                for: 5m\n                labels:\n                  severity: warning\n                annotations:\n                  summary: \"{{{{ $labels.job }}}} fails\"\n"
            );
        }
    }
    text += "  alertmanager:\n    receivers:\n      - name: default\n";
    for r in 0..receivers {
        text += &format!(
            "      - name: team-{r}\n        webhook:\n          urlSecret: {{name: hook-{r}, key: url}}\n"
        );
    }
    text += "    route:\n      routes:\n";
    for r in 0..receivers {
        text += &format!("        - receiver: team-{r}\n          matchers: ['team=\"{r}\"']\n");
    }
    Inputs {
        documents: vec![Document {
            name: "grown.yaml".to_owned(),
            text,
        }],
        ..Inputs::default()
    }
}

fn main() {
    let eks = Inputs {
        profiles: vec!["eks".to_owned()],
        documents: vec![Document {
            name: "examples/eks-s3.yaml".to_owned(),
            text: std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/examples/eks-s3.yaml"
            ))
            .unwrap(),
        }],
        sets: vec!["prometheus.replicas=5".to_owned()],
        file_root: None,
    };
    let options = Options::default();
    measure("load + validate (profile, file, --set)", 200, || {
        black_box(pipeline::validate(black_box(&eks), options).unwrap());
    });
    let valid = pipeline::validate(&eks, options).unwrap();
    measure("render + check (every object round-tripped)", 100, || {
        black_box(black_box(valid.clone()).render().unwrap());
    });
    let rendered = pipeline::run(&eks, options).unwrap();
    measure("emit YAML stream", 100, || {
        black_box(stackgen::output::yaml_stream(black_box(&rendered.objects)));
    });
    measure("whole pipeline: defaults → YAML", 100, || {
        let rendered = pipeline::run(&Inputs::default(), Options::default()).unwrap();
        black_box(stackgen::output::yaml_stream(&rendered.objects));
    });
    for (rules, receivers) in [(100, 10), (1000, 10), (100, 100), (1000, 100)] {
        let inputs = grown(rules, receivers);
        measure(
            &format!("whole pipeline: {rules} rules, {receivers} receivers"),
            20,
            || {
                let rendered = pipeline::run(&inputs, Options::default()).unwrap();
                black_box(stackgen::output::yaml_stream(&rendered.objects));
            },
        );
    }
    let (before, after) = streams(1000);
    measure("diff of two 1,000-object streams (100 changed)", 20, || {
        let report = stackgen::diff::compare(black_box(&before), black_box(&after));
        assert_eq!(report.changed.len(), 100);
        black_box(report.to_text(false));
    });
    let before_text: String = before
        .iter()
        .map(stackgen::yaml::to_string)
        .collect::<Vec<_>>()
        .join("---\n");
    measure("parse a 1,000-object committed stream", 20, || {
        black_box(stackgen::diff::parse_objects(black_box(&before_text)).unwrap());
    });
}
