//! What each Prometheus scrapes: its scrape jobs over the stack's pods, read as Prometheus
//! would apply their `keep` steps to what the stream says of those pods; and, with several
//! Prometheus StatefulSets (shards), that every target is scraped by exactly one of them.
//! A target two shards keep is stored twice, under two shard labels; one none keeps is
//! never scraped at all.

use std::collections::BTreeMap;

use serde_json::{Value as Json, json};

use super::stream::{Listen, Pods, Stream};

/// The labels whose values the stream knows for a pod target (the kubernetes `pod` role):
/// its name label, the port's name, the owning StatefulSet or DaemonSet, its namespace.
const APP: &str = "__meta_kubernetes_pod_label_app_kubernetes_io_name";
const PORT_NAME: &str = "__meta_kubernetes_pod_container_port_name";
const CONTROLLER: &str = "__meta_kubernetes_pod_controller_name";
const NAMESPACE: &str = "__meta_kubernetes_namespace";
/// The address a target is scraped at: what a shard's hash must be taken of, once the
/// job's own steps have set it.
const ADDRESS: &str = "__address__";

/// A scrape job over the stack's pods: its first step keeps the pods with a name label and
/// a port name (`<app>;<port>`).
pub struct PodJob<'j, 'a> {
    pub name: &'j str,
    pub app: &'j str,
    pub port: &'j str,
    /// The pods every `keep` step the stream can decide lets through, with the port.
    pub kept: Vec<(Pods<'a>, Listen<'a>)>,
    /// The pods with the name label and the port, whatever the later steps keep.
    pub candidates: Vec<Pods<'a>>,
}

/// Reads `job` as a job over the stack's pods; `None` for the jobs over what only the
/// cluster knows (nodes, the API server, annotated Services and pods).
pub fn pod_job<'j, 'a>(stream: &Stream<'a>, job: &'j Json) -> Option<PodJob<'j, 'a>> {
    let steps: Vec<&Json> = job["relabel_configs"].as_array()?.iter().collect();
    let (app, port) = steps
        .iter()
        .find(|r| r["action"] == "keep" && r["source_labels"] == json!([APP, PORT_NAME]))
        .and_then(|r| r["regex"].as_str()?.split_once(';'))?;
    let keeps: Vec<&&Json> = steps.iter().filter(|r| r["action"] == "keep").collect();
    let mut kept = Vec::new();
    let mut candidates = Vec::new();
    for pods in stream.pods() {
        if pods
            .labels
            .get("app.kubernetes.io/name")
            .and_then(Json::as_str)
            != Some(app)
        {
            continue;
        }
        let Some(listen) = pods.listens().into_iter().find(|l| l.name == Some(port)) else {
            continue;
        };
        candidates.push(pods);
        let value = |label: &str| match label {
            APP => Some(app),
            PORT_NAME => Some(port),
            NAMESPACE => Some(stream.namespace),
            // A Deployment's pods belong to a ReplicaSet whose name the stream cannot know.
            CONTROLLER => matches!(pods.kind, "StatefulSet" | "DaemonSet").then_some(pods.name),
            _ => None,
        };
        if keeps.iter().all(|step| lets_through(step, value)) {
            kept.push((pods, listen));
        }
    }
    Some(PodJob {
        name: job["job_name"].as_str().unwrap_or_default(),
        app,
        port,
        kept,
        candidates,
    })
}

/// Whether a `keep` step lets a target through, where that can be told from the stream:
/// its source labels are ones the stream knows and its regex is a literal (stackgen writes
/// no other over the stack's pods). Anything else (a shard's hash) is let through here.
fn lets_through<'v>(step: &Json, value: impl Fn(&str) -> Option<&'v str>) -> bool {
    let Some(regex) = step["regex"].as_str().filter(|r| is_literal(r)) else {
        return true;
    };
    let values: Option<Vec<&str>> = step["source_labels"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| l.as_str().and_then(&value))
        .collect();
    let separator = step["separator"].as_str().unwrap_or(";");
    values.is_none_or(|v| v.join(separator) == regex)
}

/// Whether a (fully anchored, as Prometheus anchors it) regex matches only itself.
fn is_literal(regex: &str) -> bool {
    !regex.contains([
        '\\', '.', '+', '*', '?', '(', ')', '|', '[', ']', '{', '}', '^', '$',
    ])
}

/// The share of a job's targets one Prometheus keeps by hash, `(modulus, number kept)`:
/// a `hashmod` of `__address__` into a label, after every step that sets the address, then
/// a `keep` of one number of that label. `None` when the job hashes nothing.
fn hashed_share(job: &Json) -> Result<Option<(u64, u64)>, String> {
    let steps: Vec<&Json> = job["relabel_configs"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let Some(at) = steps.iter().position(|s| s["action"] == "hashmod") else {
        return Ok(None);
    };
    let (hash, after) = (steps[at], &steps[at + 1..]);
    if hash["source_labels"] != json!([ADDRESS]) {
        return Err(format!(
            "hashes {} instead of `{ADDRESS}`, the target itself",
            hash["source_labels"]
        ));
    }
    if after.iter().any(|s| s["target_label"] == ADDRESS) {
        return Err(format!(
            "sets `{ADDRESS}` after hashing it, so the hash is not of the address scraped"
        ));
    }
    let modulus = hash["modulus"].as_u64().unwrap_or_default();
    let label = hash["target_label"].as_str().unwrap_or_default();
    let Some(keep) = after
        .iter()
        .find(|s| s["action"] == "keep" && s["source_labels"] == json!([label]))
    else {
        return Err(format!(
            "hashes its targets into `{label}` but keeps every hash"
        ));
    };
    let regex = keep["regex"].as_str().unwrap_or_default();
    match regex.parse::<u64>() {
        Ok(kept) if kept < modulus && kept.to_string() == regex => Ok(Some((modulus, kept))),
        _ => Err(format!(
            "keeps the `{label}` values matching `{regex}`, not one number below its modulus {modulus}"
        )),
    }
}

/// Every target of every job is scraped by exactly one Prometheus: the same jobs in every
/// Prometheus's config, each either split by hash (modulus the number of Prometheus
/// StatefulSets, each number kept once) or, over the stack's own pods, split by pod.
pub fn shares(stream: &Stream, problems: &mut Vec<String>) {
    let scrapers = stream.scrapers();
    let count = scrapers.len();
    let mut jobs: BTreeMap<&str, Vec<(String, &Json)>> = BTreeMap::new();
    for (pods, config_jobs) in &scrapers {
        for job in config_jobs {
            let name = job["job_name"].as_str().unwrap_or_default();
            jobs.entry(name).or_default().push((pods.owner(), *job));
        }
    }
    for (name, copies) in jobs {
        if copies.len() != count {
            let owners: Vec<&str> = copies.iter().map(|(o, _)| o.as_str()).collect();
            problems.push(format!(
                "scrape job `{name}` is in the config of {} only, of {count} Prometheus StatefulSets: the others' share of its targets is never scraped",
                owners.join(", ")
            ));
            continue;
        }
        let mut shares = Vec::new();
        for (owner, job) in &copies {
            match hashed_share(job) {
                Ok(share) => shares.push((owner, share)),
                Err(why) => problems.push(format!("scrape job `{name}` of {owner} {why}")),
            }
        }
        if shares.len() != count {
            continue;
        }
        if shares.iter().all(|(_, s)| s.is_none()) {
            if count > 1 {
                by_pod(stream, name, &copies, problems);
            }
            continue;
        }
        let mut keepers: BTreeMap<u64, Vec<&str>> = BTreeMap::new();
        for (owner, share) in &shares {
            match share {
                None => problems.push(format!(
                    "scrape job `{name}` of {owner} keeps every target, while the other Prometheus StatefulSets split them by hash"
                )),
                Some((modulus, _)) if *modulus != count as u64 => problems.push(format!(
                    "scrape job `{name}` of {owner} hashes its targets modulo {modulus}, but {count} Prometheus StatefulSets split them"
                )),
                Some((_, kept)) => keepers.entry(*kept).or_default().push(owner),
            }
        }
        for k in 0..count as u64 {
            match keepers.get(&k).map(Vec::as_slice) {
                Some([_]) => {}
                None | Some([]) => problems.push(format!(
                    "no Prometheus keeps the targets of scrape job `{name}` whose address hashes to {k}: they are never scraped"
                )),
                Some(many) => problems.push(format!(
                    "{} all keep the targets of scrape job `{name}` whose address hashes to {k}: their series are stored {} times",
                    many.join(", "),
                    many.len()
                )),
            }
        }
    }
}

/// A job no Prometheus splits by hash: it must be over the stack's own pods, each kept by
/// exactly one Prometheus (each shard scrapes itself and its own sidecars).
fn by_pod(stream: &Stream, name: &str, copies: &[(String, &Json)], problems: &mut Vec<String>) {
    let mut keepers: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut candidates = Vec::new();
    for (owner, job) in copies {
        let Some(job) = pod_job(stream, job) else {
            problems.push(format!(
                "scrape job `{name}` is scraped whole by each of the {} Prometheus StatefulSets: each target's series would be stored {} times",
                copies.len(),
                copies.len()
            ));
            return;
        };
        for (pods, _) in &job.kept {
            keepers.entry(pods.owner()).or_default().push(owner);
        }
        candidates = job.candidates.iter().map(Pods::owner).collect();
    }
    for pods in candidates {
        match keepers.get(&pods).map(Vec::as_slice) {
            Some([_]) => {}
            None | Some([]) => problems.push(format!(
                "no Prometheus keeps the pods of {pods} in scrape job `{name}`: they are never scraped"
            )),
            Some(many) => problems.push(format!(
                "{} all keep the pods of {pods} in scrape job `{name}`: their series are stored {} times",
                many.join(", "),
                many.len()
            )),
        }
    }
}
