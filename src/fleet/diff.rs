//! `diff --fleet`: the report of every cluster of a fleet against a fleet rendering, one
//! `diff` report per cluster, and what a cluster no config names any more would lose.

use std::fmt::Write as _;

use serde_json::{Map, Value as Json, json};

use crate::diff::Report;

/// One cluster compared: a member of the fleet, or a folder of the rendering that no member
/// renders any more.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// Its folder in the rendering: the member's `metadata.name`.
    pub name: String,
    /// The member's config file; `None` for a cluster no member renders (all removed).
    pub file: Option<String>,
    pub report: Report,
}

/// Every cluster compared, members first in the fleet's order, then the removed ones.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FleetReport {
    pub clusters: Vec<Cluster>,
}

impl FleetReport {
    pub fn is_empty(&self) -> bool {
        self.clusters.iter().all(|c| c.report.is_empty())
    }

    fn differing(&self) -> impl Iterator<Item = &Cluster> {
        self.clusters.iter().filter(|c| !c.report.is_empty())
    }

    /// `2 of 4 clusters differ (1 not in the fleet): 3 added, 52 removed, 1 changed`.
    pub fn summary(&self) -> String {
        let differing = self.differing().count();
        let removed = self.clusters.iter().filter(|c| c.file.is_none()).count();
        let count = |of: fn(&Report) -> usize| -> usize {
            self.clusters.iter().map(|c| of(&c.report)).sum()
        };
        format!(
            "{differing} of {} {} {}{}: {} added, {} removed, {} changed",
            self.clusters.len(),
            if self.clusters.len() == 1 {
                "cluster"
            } else {
                "clusters"
            },
            if differing == 1 { "differs" } else { "differ" },
            if removed > 0 {
                format!(" ({removed} not in the fleet)")
            } else {
                String::new()
            },
            count(|r| r.added.len()),
            count(|r| r.removed.len()),
            count(|r| r.changed.len()),
        )
    }

    /// A header and the `diff` report of each cluster that differs, then the summary.
    pub fn to_text(&self, color: bool) -> String {
        let mut out = String::new();
        for cluster in self.differing() {
            let header = match &cluster.file {
                Some(file) => format!("=== {} ({file})", cluster.name),
                None => format!(
                    "=== {} (no config in the fleet: every object removed)",
                    cluster.name
                ),
            };
            if color {
                let _ = writeln!(out, "\x1b[1m{header}\x1b[0m");
            } else {
                let _ = writeln!(out, "{header}");
            }
            out.push_str(&cluster.report.to_text(color));
        }
        let _ = writeln!(out, "{}", self.summary());
        out
    }

    /// `{"clusters": {"<name>": <the diff report>, …}}`, the clusters that differ only, in
    /// the order of the text report.
    pub fn to_json(&self) -> Json {
        let clusters: Map<String, Json> = self
            .differing()
            .map(|c| (c.name.clone(), c.report.to_json()))
            .collect();
        json!({ "clusters": clusters })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::compare;

    fn object(name: &str, replicas: u32) -> Json {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": name, "namespace": "monitoring"}, "spec": {"replicas": replicas}})
    }

    fn fleet() -> FleetReport {
        let same = compare(&[object("q", 1)], &[object("q", 1)]);
        let changed = compare(&[object("q", 1)], &[object("q", 2)]);
        let removed = compare(&[object("q", 1), object("g", 1)], &[]);
        FleetReport {
            clusters: vec![
                Cluster {
                    name: "eu-1".into(),
                    file: Some("fleet/eu-1.yaml".into()),
                    report: same,
                },
                Cluster {
                    name: "us-1".into(),
                    file: Some("fleet/us-1.yaml".into()),
                    report: changed,
                },
                Cluster {
                    name: "old".into(),
                    file: None,
                    report: removed,
                },
            ],
        }
    }

    #[test]
    fn only_clusters_that_differ_are_reported() {
        let text = fleet().to_text(false);
        assert!(!text.contains("eu-1"), "{text}");
        assert!(text.contains("=== us-1 (fleet/us-1.yaml)\n~ changed: Deployment monitoring/q"));
        assert!(text.contains("=== old (no config in the fleet: every object removed)\n"));
        assert!(text.ends_with(
            "\n2 of 3 clusters differ (1 not in the fleet): 0 added, 2 removed, 1 changed\n"
        ));
        let json = fleet().to_json();
        let names: Vec<&String> = json["clusters"].as_object().unwrap().keys().collect();
        assert_eq!(names, ["us-1", "old"]);
        assert_eq!(json["clusters"]["old"]["summary"]["removed"], 2);
    }

    #[test]
    fn a_fleet_without_differences_says_so() {
        let mut report = fleet();
        report.clusters.truncate(1);
        assert!(report.is_empty());
        assert_eq!(
            report.to_text(false),
            "0 of 1 cluster differ: 0 added, 0 removed, 0 changed\n"
        );
        assert_eq!(report.to_json(), json!({"clusters": {}}));
    }
}
