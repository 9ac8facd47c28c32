//! Buckets: every bucket a component writes (sidecars upload blocks, the Ruler its own) is
//! read by a Store gateway and compacted by exactly one Compactor, unless the config hands
//! reading or compacting to another cluster of a fleet sharing the bucket (which the fleet
//! check holds to it); never by two Compactors. A bucket is known by its objstore config,
//! as the Thanos component reads it from its mounted file.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::stream::{Pods, Stream};

pub const FLAG: &str = "--objstore.config-file=";

#[derive(Default)]
struct Users {
    writers: Vec<String>,
    readers: Vec<String>,
    compactors: Vec<String>,
}

pub fn check(stream: &Stream, cluster: &super::Cluster, problems: &mut Vec<String>) {
    let mut buckets: BTreeMap<String, Users> = BTreeMap::new();
    for pods in stream.pods() {
        for c in pods.containers() {
            let args: Vec<&str> = c["args"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Json::as_str)
                .collect();
            let Some(path) = args.iter().find_map(|a| a.strip_prefix(FLAG)) else {
                continue;
            };
            let Some(config) = objstore_config(stream, &pods, c, path) else {
                problems.push(format!(
                    "{} reads its bucket from `{path}`, which no rendered Secret holds",
                    pods.owner()
                ));
                continue;
            };
            let users = buckets.entry(config).or_default();
            let who = pods.owner();
            match args.first().copied() {
                Some("sidecar" | "rule") => users.writers.push(who),
                Some("store") => users.readers.push(who),
                Some("compact") => users.compactors.push(who),
                _ => {}
            }
        }
    }
    for (config, users) in buckets {
        let bucket = config.lines().collect::<Vec<_>>().join(" ");
        if users.writers.is_empty() {
            continue;
        }
        if users.readers.is_empty() && cluster.reads {
            problems.push(format!(
                "the bucket ({bucket}) written by {} is read by no Store gateway",
                users.writers.join(", ")
            ));
        }
        let wanted = usize::from(cluster.compacts);
        if users.compactors.len() != wanted {
            problems.push(format!(
                "the bucket ({bucket}) written by {} has {} Compactors, not {wanted}",
                users.writers.join(", "),
                users.compactors.len()
            ));
        }
    }
}

/// The objstore config a container reads from `path`: the key of the Secret mounted there.
pub fn objstore_config(stream: &Stream, pods: &Pods, c: &Json, path: &str) -> Option<String> {
    let (dir, key) = path.rsplit_once('/')?;
    let mount = c["volumeMounts"]
        .as_array()?
        .iter()
        .find(|m| m["mountPath"] == dir)?;
    let volume = pods.spec["volumes"]
        .as_array()?
        .iter()
        .find(|v| v["name"] == mount["name"])?;
    let secret = stream.find("Secret", volume["secret"]["secretName"].as_str()?)?;
    secret["stringData"][key]
        .as_str()
        .or_else(|| secret["data"][key].as_str())
        .map(str::to_owned)
}
