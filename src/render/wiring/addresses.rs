//! In-cluster addresses: every one a component dials (in its args, env, or a config it
//! mounts, a config inside a flag's value included) in the stack's namespace resolves to a
//! rendered Service of the stack's cluster domain, a port that Service has, and pods that
//! listen behind it. A `dnssrvnoa+` name, whose SRV records clients use as pod names,
//! names a headless Service that governs the StatefulSets behind it. A Service of another
//! namespace (a user's own memcached) lies outside the stack, like any other host.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value as Json;

use super::stream::{Listen, Pods, Stream, strings};

/// One resolved dial: who dials, what, and the pods and port it reaches.
pub struct Dial<'a> {
    pub from: Pods<'a>,
    pub address: String,
    pub to: Vec<(Pods<'a>, Listen<'a>)>,
}

static SERVICE_DNS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([A-Za-z0-9_.-]+)\.svc((?:\.[A-Za-z0-9-]+)*)(?::(\d+))?").expect("valid")
});
/// Thanos's SRV lookup without the A lookup: the SRV records' targets are dialled by name.
const NO_A: &str = "dnssrvnoa+";
static LOOPBACK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:127\.0\.0\.1|localhost):(\d+)").expect("valid"));

/// Resolves every address; what does not resolve is a problem.
pub fn check<'a>(stream: &'a Stream<'a>, problems: &mut Vec<String>) -> Vec<Dial<'a>> {
    let mut dials = Vec::new();
    for pods in stream.pods() {
        for text in dialled_strings(stream, &pods) {
            for m in LOOPBACK.captures_iter(text) {
                let port: u64 = m[1].parse().unwrap_or_default();
                if !pods.listens().iter().any(|l| l.number == port) {
                    problems.push(format!(
                        "{} dials `{}` in its own pod, where no container listens on {port}",
                        pods.owner(),
                        &m[0]
                    ));
                }
            }
            for m in SERVICE_DNS.captures_iter(text) {
                let end = m.get(0).map_or(0, |g| g.end());
                if text[end..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '-') {
                    continue; // `.svcfoo`: not a Service name
                }
                let address = m[0].to_owned();
                let start = m.get(0).map_or(0, |g| g.start());
                let names_pods = text[..start].ends_with(NO_A);
                match resolve(stream, &m, names_pods) {
                    Ok(to) => dials.push(Dial {
                        from: pods,
                        address,
                        to,
                    }),
                    Err(why) => {
                        problems.push(format!("{} dials `{address}`, but {why}", pods.owner()))
                    }
                }
            }
        }
    }
    dials
}

/// The strings a workload's pods dial from: container args and env, and every rendered
/// ConfigMap or Secret they mount.
fn dialled_strings<'a>(stream: &'a Stream<'a>, pods: &Pods<'a>) -> Vec<&'a str> {
    let mut out = Vec::new();
    for c in pods.containers() {
        out.extend(strings(&c["args"]));
        out.extend(strings(&c["env"]));
    }
    for doc in stream.mounted_configs(pods.spec) {
        out.extend(strings(doc));
    }
    out
}

/// The pods and ports an address reaches; none for a Service of another namespace, which
/// the stack does not render. `names_pods`: the clients dial the SRV records' targets.
fn resolve<'a>(
    stream: &Stream<'a>,
    m: &regex::Captures,
    names_pods: bool,
) -> Result<Vec<(Pods<'a>, Listen<'a>)>, String> {
    let head: Vec<&str> = m[1].split('.').collect();
    let domain = m[2].trim_start_matches('.');
    let port: Option<u64> = m.get(3).and_then(|p| p.as_str().parse().ok());
    let (srv_port, pod, service, namespace) = match head.as_slice() {
        [p, "_tcp", s, n] if p.starts_with('_') => (Some(&p[1..]), None, *s, *n),
        [pod, s, n] => (None, Some(*pod), *s, *n),
        [s, n] => (None, None, *s, *n),
        _ => return Err("it is no Service address".to_owned()),
    };
    if namespace != stream.namespace {
        return Ok(Vec::new());
    }
    if domain != stream.domain {
        return Err(format!(
            "its cluster domain is `{domain}`, not the stack's `{}`",
            stream.domain
        ));
    }
    let svc = stream
        .find("Service", service)
        .ok_or_else(|| format!("no Service `{service}` is rendered"))?;
    let selector = svc["spec"]["selector"].as_object();
    let pods = selector.map(|s| stream.selected(s)).unwrap_or_default();
    if pods.is_empty() {
        return Err(format!("Service `{service}` selects no rendered pods"));
    }
    if let Some(pod) = pod {
        return resolve_pod(svc, service, pod, port, &pods);
    }
    if names_pods {
        pods_are_named(svc, service, &pods)?;
    }
    let ports = svc["spec"]["ports"].as_array().cloned().unwrap_or_default();
    let wanted = ports.iter().find(|p| match (srv_port, port) {
        (Some(name), _) => p["name"] == name,
        (None, Some(number)) => p["port"].as_u64() == Some(number),
        (None, None) => p["port"].as_u64() == Some(80),
    });
    let Some(service_port) = wanted else {
        let what = srv_port.map_or_else(
            || format!("port {}", port.unwrap_or(80)),
            |n| format!("port named `{n}`"),
        );
        return Err(format!("Service `{service}` has no {what}"));
    };
    let target = service_port
        .get("targetPort")
        .cloned()
        .unwrap_or_else(|| service_port["port"].clone());
    targets(&pods, &target, service)
}

/// A `dnssrvnoa+` client keys on the SRV targets: each pod's own name only where the
/// Service is headless and governs every StatefulSet behind it; otherwise one name for
/// the Service's address, or names that change with the pods' IPs.
fn pods_are_named(svc: &Json, service: &str, pods: &[Pods]) -> Result<(), String> {
    if svc["spec"]["clusterIP"] != "None" {
        return Err(format!(
            "Service `{service}` is not headless, so its SRV records name no pods"
        ));
    }
    match pods.iter().find(|p| p.service_name != Some(service)) {
        Some(p) => Err(format!(
            "{} behind Service `{service}` is not a StatefulSet it governs, so its pods have no stable names",
            p.owner()
        )),
        None => Ok(()),
    }
}

/// `pod.service.ns.svc`: a StatefulSet pod's own name under its headless governing Service.
fn resolve_pod<'a>(
    svc: &Json,
    service: &str,
    pod: &str,
    port: Option<u64>,
    pods: &[Pods<'a>],
) -> Result<Vec<(Pods<'a>, Listen<'a>)>, String> {
    if svc["spec"]["clusterIP"] != "None" {
        return Err(format!(
            "Service `{service}` is not headless, so pods have no names under it"
        ));
    }
    let owner = pods
        .iter()
        .find(|p| p.service_name == Some(service) && p.pod_names().iter().any(|n| n == pod))
        .ok_or_else(|| format!("no StatefulSet governed by `{service}` has a pod `{pod}`"))?;
    let number = port.ok_or_else(|| "a pod address needs a port".to_owned())?;
    targets(std::slice::from_ref(owner), &Json::from(number), service)
}

fn targets<'a>(
    pods: &[Pods<'a>],
    target: &Json,
    service: &str,
) -> Result<Vec<(Pods<'a>, Listen<'a>)>, String> {
    pods.iter()
        .map(|p| {
            p.target(target).map(|l| (*p, l)).ok_or_else(|| {
                format!(
                    "{} behind Service `{service}` does not listen on {target}",
                    p.owner()
                )
            })
        })
        .collect()
}
