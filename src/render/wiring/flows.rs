//! The flows the stack needs: the dials resolved from args and configs, Prometheus's
//! scrapes (each job must find pods), DNS, the API server, object storage, the ingress
//! controller, other clusters, receivers. With NetworkPolicies, each must be allowed by the
//! egress policies of its source and the ingress policies of its destination, evaluated as
//! Kubernetes does.

use std::net::Ipv4Addr;

use serde_json::{Map, Value as Json};

use super::addresses::Dial;
use super::scrapes::pod_job;
use super::stream::{Listen, Pods, Stream, empty};
use crate::render::prerequisites::Prerequisites;

/// One end of a flow.
#[derive(Clone, Copy)]
enum End<'a> {
    /// Pods of the stack (or of another namespace, with the labels known of them).
    Pods {
        namespace: &'a str,
        labels: &'a Map<String, Json>,
        /// Pods in the host's network namespace are outside every NetworkPolicy.
        host_network: bool,
    },
    /// Outside the cluster: an address when it is known.
    External(Option<Ipv4Addr>),
}

struct Flow<'a> {
    what: String,
    from: End<'a>,
    to: End<'a>,
    port: u64,
    port_name: Option<&'a str>,
    protocol: &'a str,
}

pub fn check<'a>(
    stream: &Stream<'a>,
    dials: &[Dial<'a>],
    prerequisites: &'a Prerequisites,
    problems: &mut Vec<String>,
) {
    let flows = needed(stream, dials, prerequisites, problems);
    let policies: Vec<&Json> = stream.of_kind("NetworkPolicy").map(|o| &o.value).collect();
    if policies.is_empty() {
        return;
    }
    for flow in flows {
        let egress = flow_allowed(stream, &policies, &flow, Direction::Egress);
        let ingress = flow_allowed(stream, &policies, &flow, Direction::Ingress);
        if !(egress && ingress) {
            let side = if egress {
                "ingress to the destination"
            } else {
                "egress from the source"
            };
            problems.push(format!(
                "NetworkPolicies block {} (port {}/{}): no policy allows the {side}",
                flow.what, flow.port, flow.protocol
            ));
        }
    }
}

fn pod_end<'a>(stream: &Stream<'a>, pods: &Pods<'a>) -> End<'a> {
    End::Pods {
        namespace: stream.namespace,
        labels: pods.labels,
        host_network: pods.spec["hostNetwork"] == true,
    }
}

fn to_pods<'a>(
    stream: &Stream<'a>,
    what: String,
    from: End<'a>,
    to: &Pods<'a>,
    l: Listen<'a>,
) -> Flow<'a> {
    Flow {
        what,
        from,
        to: pod_end(stream, to),
        port: l.number,
        port_name: l.name,
        protocol: l.protocol,
    }
}

fn outside<'a>(
    what: String,
    from: End<'a>,
    ip: Option<Ipv4Addr>,
    port: u64,
    protocol: &'a str,
) -> Flow<'a> {
    Flow {
        what,
        from,
        to: End::External(ip),
        port,
        port_name: None,
        protocol,
    }
}

/// Every flow the rendered stack needs.
fn needed<'a>(
    stream: &Stream<'a>,
    dials: &[Dial<'a>],
    prerequisites: &'a Prerequisites,
    problems: &mut Vec<String>,
) -> Vec<Flow<'a>> {
    let mut flows = Vec::new();
    for dial in dials {
        for (pods, listen) in &dial.to {
            let what = format!(
                "{} dialling `{}` ({})",
                dial.from.owner(),
                dial.address,
                pods.owner()
            );
            flows.push(to_pods(
                stream,
                what,
                pod_end(stream, &dial.from),
                pods,
                *listen,
            ));
        }
    }
    scrapes(stream, &mut flows, problems);
    for pods in stream.pods() {
        let from = pod_end(stream, &pods);
        for protocol in ["UDP", "TCP"] {
            flows.push(outside(
                format!("{} resolving names", pods.owner()),
                from,
                None,
                53,
                protocol,
            ));
        }
        if pods.spec["automountServiceAccountToken"] == true {
            for port in stream.api_server_ports {
                let what = format!("{} calling the API server", pods.owner());
                flows.push(outside(what, from, None, u64::from(*port), "TCP"));
            }
        }
        outside_dials(stream, &pods, from, &mut flows);
    }
    ingress(stream, prerequisites, &mut flows);
    flows
}

/// Scrape jobs over the stack's pods, of every Prometheus: each keeps the pods with a name
/// label and a port name (and, on a shard, its own pods), and must find some.
fn scrapes<'a>(stream: &Stream<'a>, flows: &mut Vec<Flow<'a>>, problems: &mut Vec<String>) {
    for (prometheus, jobs) in stream.scrapers() {
        for job in jobs {
            let Some(job) = pod_job(stream, job) else {
                continue;
            };
            for (pods, listen) in &job.kept {
                let what = format!("scrape job `{}` reaching {}", job.name, pods.owner());
                flows.push(to_pods(
                    stream,
                    what,
                    pod_end(stream, &prometheus),
                    pods,
                    *listen,
                ));
            }
            if job.kept.is_empty() {
                problems.push(format!(
                    "scrape job `{}` of {} keeps pods named `{}` with a port `{}`, and no rendered pod is",
                    job.name,
                    prometheus.owner(),
                    job.app,
                    job.port
                ));
            }
        }
    }
}

/// What a pod dials outside the cluster, read from its args and the configs it mounts:
/// object storage (and GKE's metadata server for Workload Identity), other clusters' Store
/// APIs, notification receivers.
fn outside_dials<'a>(
    stream: &Stream<'a>,
    pods: &Pods<'a>,
    from: End<'a>,
    flows: &mut Vec<Flow<'a>>,
) {
    let owner = pods.owner();
    for c in pods.containers() {
        for arg in c["args"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
        {
            // Another cluster's Store API; a Service of this one (the global Query dials the
            // local one) is a dial inside the stack, which the address check resolves.
            if let Some(endpoint) = arg
                .strip_prefix("--endpoint=")
                .filter(|e| !e.starts_with("dnssrv+") && !is_service(e))
                && let Some(port) = endpoint.rsplit_once(':').and_then(|(_, p)| p.parse().ok())
            {
                flows.push(outside(
                    format!("{owner} dialling `{endpoint}`"),
                    from,
                    None,
                    port,
                    "TCP",
                ));
            }
            if let Some(path) = arg.strip_prefix(super::buckets::FLAG)
                && let Some(port) = super::buckets::objstore_config(stream, pods, c, path)
                    .and_then(|config| bucket_port(&config))
            {
                flows.push(outside(
                    format!("{owner} reaching its bucket"),
                    from,
                    None,
                    port,
                    "TCP",
                ));
                if workload_identity(stream, pods) {
                    for (ip, port) in [
                        (Ipv4Addr::new(169, 254, 169, 254), 80),
                        (Ipv4Addr::new(169, 254, 169, 252), 988),
                    ] {
                        let what = format!("{owner} asking GKE's metadata server for its identity");
                        flows.push(outside(what, from, Some(ip), port, "TCP"));
                    }
                }
            }
        }
    }
    if sends_notifications(stream, pods) {
        for port in stream.receiver_ports {
            let what = format!("{owner} notifying its receivers");
            flows.push(outside(what, from, None, u64::from(*port), "TCP"));
        }
    }
}

/// Whether a `host:port` names a Service of the cluster (`<name>.<namespace>.svc…`).
fn is_service(endpoint: &str) -> bool {
    let host = endpoint.rsplit_once(':').map_or(endpoint, |(host, _)| host);
    host.ends_with(".svc") || host.contains(".svc.")
}

/// The port of the object store an objstore config names; none for a local directory.
fn bucket_port(config: &str) -> Option<u64> {
    let doc: Json = serde_saphyr::from_str(config).ok()?;
    match doc["type"].as_str()? {
        "FILESYSTEM" => None,
        "S3" => {
            let endpoint = doc["config"]["endpoint"].as_str().unwrap_or_default();
            let explicit = endpoint.rsplit_once(':').and_then(|(_, p)| p.parse().ok());
            Some(explicit.unwrap_or(if doc["config"]["insecure"] == true {
                80
            } else {
                443
            }))
        }
        _ => Some(443),
    }
}

/// Whether the pods' ServiceAccount is bound to a GKE Workload Identity.
fn workload_identity(stream: &Stream, pods: &Pods) -> bool {
    pods.spec["serviceAccountName"]
        .as_str()
        .and_then(|n| stream.find("ServiceAccount", n))
        .is_some_and(|sa| {
            sa["metadata"]["annotations"]["iam.gke.io/gcp-service-account"].is_string()
        })
}

/// Whether a config the pods mount has receivers with integrations.
fn sends_notifications(stream: &Stream, pods: &Pods) -> bool {
    stream.mounted_configs(pods.spec).into_iter().any(|doc| {
        doc["receivers"].as_array().into_iter().flatten().any(|r| {
            r.as_object()
                .is_some_and(|m| m.keys().any(|k| k.ends_with("_configs")))
        })
    })
}

/// The ingress controller (or the Gateway's proxies) reaches every backend an Ingress or
/// route sends it to.
fn ingress<'a>(stream: &Stream<'a>, prerequisites: &'a Prerequisites, flows: &mut Vec<Flow<'a>>) {
    let Some(namespace) = prerequisites.ingress_controller_namespace.as_deref() else {
        return;
    };
    let controller = End::Pods {
        namespace,
        labels: empty(),
        host_network: false,
    };
    for backend in stream.route_backends() {
        let Some(svc) = stream.find("Service", backend.service) else {
            continue;
        };
        let Some(port) = svc["spec"]["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| &p["port"] == backend.port)
        else {
            continue;
        };
        let selector = svc["spec"]["selector"].as_object().unwrap_or(empty());
        for pods in stream.selected(selector) {
            if let Some(l) = pods.target(port.get("targetPort").unwrap_or(&port["port"])) {
                let what = format!(
                    "the ingress controller reaching {} through {} `{}`",
                    pods.owner(),
                    backend.by.kind(),
                    backend.by.name()
                );
                flows.push(to_pods(stream, what, controller, &pods, l));
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Direction {
    Ingress,
    Egress,
}

/// Whether the policies that select the flow's source (egress) or destination (ingress)
/// let it through; an end no policy selects in that direction is open.
fn flow_allowed(stream: &Stream, policies: &[&Json], flow: &Flow, direction: Direction) -> bool {
    let (me, peer) = match direction {
        Direction::Egress => (flow.from, flow.to),
        Direction::Ingress => (flow.to, flow.from),
    };
    let End::Pods {
        namespace,
        labels,
        host_network: false,
    } = me
    else {
        return true;
    };
    let (kind, rules_key, peers_key) = match direction {
        Direction::Egress => ("Egress", "egress", "to"),
        Direction::Ingress => ("Ingress", "ingress", "from"),
    };
    let selecting: Vec<&&Json> = policies
        .iter()
        .filter(|p| p["metadata"]["namespace"] == namespace)
        .filter(|p| policy_types(p).contains(&kind))
        .filter(|p| selector_matches(&p["spec"]["podSelector"], labels))
        .collect();
    if selecting.is_empty() {
        return true;
    }
    selecting.iter().any(|p| {
        p["spec"][rules_key]
            .as_array()
            .into_iter()
            .flatten()
            .any(|rule| {
                ports_match(&rule["ports"], flow)
                    && peers_match(stream, &rule[peers_key], namespace, &peer)
            })
    })
}

/// `policyTypes`, or what Kubernetes assumes when it is left out.
fn policy_types(policy: &Json) -> Vec<&str> {
    match policy["spec"]["policyTypes"].as_array() {
        Some(types) => types.iter().filter_map(Json::as_str).collect(),
        None if policy["spec"]["egress"].is_array() => vec!["Ingress", "Egress"],
        None => vec!["Ingress"],
    }
}

fn ports_match(ports: &Json, flow: &Flow) -> bool {
    let Some(ports) = ports.as_array().filter(|p| !p.is_empty()) else {
        return true;
    };
    ports.iter().any(|p| {
        let protocol = p["protocol"].as_str().unwrap_or("TCP");
        let number = match &p["port"] {
            Json::Null => true,
            Json::String(name) => flow.port_name == Some(name.as_str()),
            n => {
                let start = n.as_u64().unwrap_or_default();
                let end = p["endPort"].as_u64().unwrap_or(start);
                (start..=end).contains(&flow.port)
            }
        };
        protocol == flow.protocol && number
    })
}

fn peers_match(stream: &Stream, peers: &Json, policy_namespace: &str, end: &End) -> bool {
    let Some(peers) = peers.as_array().filter(|p| !p.is_empty()) else {
        return true;
    };
    peers.iter().any(|peer| match end {
        End::External(ip) => peer["ipBlock"]["cidr"]
            .as_str()
            .is_some_and(|cidr| cidr_contains(cidr, *ip)),
        End::Pods {
            namespace, labels, ..
        } => {
            if peer["ipBlock"].is_object() {
                return false;
            }
            let namespace_ok = match peer.get("namespaceSelector") {
                None => *namespace == policy_namespace,
                Some(selector) => selector_matches(selector, &stream.namespace_labels(namespace)),
            };
            let pods_ok = peer
                .get("podSelector")
                .is_none_or(|selector| selector_matches(selector, labels));
            namespace_ok && pods_ok
        }
    })
}

/// A label selector: `matchLabels` and `matchExpressions`; an empty one matches everything.
fn selector_matches(selector: &Json, labels: &Map<String, Json>) -> bool {
    let by_labels = selector["matchLabels"]
        .as_object()
        .into_iter()
        .flatten()
        .all(|(k, v)| labels.get(k) == Some(v));
    let by_expressions = selector["matchExpressions"]
        .as_array()
        .into_iter()
        .flatten()
        .all(|e| {
            let key = e["key"].as_str().unwrap_or_default();
            let values: Vec<&Json> = e["values"].as_array().into_iter().flatten().collect();
            let value = labels.get(key);
            match e["operator"].as_str() {
                Some("In") => value.is_some_and(|v| values.contains(&v)),
                Some("NotIn") => value.is_none_or(|v| !values.contains(&v)),
                Some("Exists") => value.is_some(),
                Some("DoesNotExist") => value.is_none(),
                _ => false,
            }
        });
    by_labels && by_expressions
}

/// Whether `cidr` holds `ip`; an unknown address is held only by the whole range.
fn cidr_contains(cidr: &str, ip: Option<Ipv4Addr>) -> bool {
    let Some((base, bits)) = cidr.split_once('/') else {
        return false;
    };
    let (Ok(base), Ok(bits)) = (base.parse::<Ipv4Addr>(), bits.parse::<u32>()) else {
        return false;
    };
    match ip {
        None => bits == 0,
        Some(ip) => {
            let mask = u32::MAX.checked_shl(32 - bits.min(32)).unwrap_or(0);
            u32::from(base) & mask == u32::from(ip) & mask
        }
    }
}
