//! The rendered stream as the wiring checks see it: workloads' pod templates, Services and
//! what selects what.

use std::borrow::Cow;

use serde_json::{Map, Value as Json};

use crate::render::object::Object;

/// Set by the StatefulSet controller on each pod, so no pod template carries it.
const POD_NAME_LABEL: &str = "statefulset.kubernetes.io/pod-name";

pub struct Stream<'a> {
    pub objects: &'a [Object],
    pub namespace: &'a str,
    pub domain: &'a str,
    pub api_server_ports: &'a [u16],
    pub receiver_ports: &'a [u16],
    /// Every ConfigMap's and Secret's config files, parsed once: `(kind, name)` →
    /// documents. Content (rules, dashboards) is left out: nothing dials or opens what its
    /// free text names.
    configs: Vec<(&'a str, &'a str, Cow<'a, [Json]>)>,
}

/// The pods of one workload.
#[derive(Clone, Copy)]
pub struct Pods<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    pub labels: &'a Map<String, Json>,
    pub spec: &'a Json,
    /// DaemonSets: one per node, counted as one.
    pub replicas: u64,
    /// The governing Service of a StatefulSet.
    pub service_name: Option<&'a str>,
}

/// A port a container listens on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listen<'a> {
    pub name: Option<&'a str>,
    pub number: u64,
    pub protocol: &'a str,
}

impl<'a> Pods<'a> {
    pub fn owner(&self) -> String {
        format!("{}/{}", self.kind, self.name)
    }

    /// Containers and native sidecars.
    pub fn containers(&self) -> impl Iterator<Item = &'a Json> {
        let spec = self.spec;
        ["initContainers", "containers"]
            .into_iter()
            .flat_map(move |list| spec[list].as_array().into_iter().flatten())
    }

    pub fn listens(&self) -> Vec<Listen<'a>> {
        self.containers()
            .flat_map(|c| c["ports"].as_array().into_iter().flatten())
            .map(|p| Listen {
                name: p["name"].as_str(),
                number: p["containerPort"].as_u64().unwrap_or_default(),
                protocol: p["protocol"].as_str().unwrap_or("TCP"),
            })
            .collect()
    }

    /// The container port a Service's `targetPort` (a name or a number) reaches.
    pub fn target(&self, target: &Json) -> Option<Listen<'a>> {
        self.listens().into_iter().find(|l| match target {
            Json::String(name) => l.name == Some(name.as_str()),
            other => other.as_u64() == Some(l.number),
        })
    }

    /// The names of the pods, where they are stable (StatefulSets).
    pub fn pod_names(&self) -> Vec<String> {
        if self.kind != "StatefulSet" {
            return Vec::new();
        }
        (0..self.replicas)
            .map(|i| format!("{}-{i}", self.name))
            .collect()
    }

    /// Whether every label of `selector` is on these pods.
    pub fn selected_by(&self, selector: &Map<String, Json>) -> bool {
        !selector.is_empty()
            && selector.iter().all(|(key, value)| {
                if key == POD_NAME_LABEL {
                    value
                        .as_str()
                        .is_some_and(|pod| self.pod_names().iter().any(|n| n == pod))
                } else {
                    self.labels.get(key) == Some(value)
                }
            })
    }
}

/// One backend of an Ingress or route.
pub struct Backend<'a> {
    pub by: &'a Object,
    pub service: &'a str,
    pub port: &'a Json,
}

impl<'a> Stream<'a> {
    pub fn new(objects: &'a [Object], cluster: &super::Cluster<'a>) -> Self {
        let configs = objects
            .iter()
            .filter(|o| matches!(o.kind(), "ConfigMap" | "Secret"))
            .map(|o| {
                let files = match &o.config {
                    Some(parsed) => Cow::Borrowed(parsed.as_slice()),
                    None => ["data", "stringData"]
                        .iter()
                        .filter_map(|f| o.value[f].as_object())
                        .flat_map(|m| m.values().filter_map(Json::as_str))
                        .filter_map(parse)
                        .collect(),
                };
                (o.kind(), o.name(), files)
            })
            .collect();
        Self {
            objects,
            namespace: cluster.namespace,
            domain: cluster.domain,
            api_server_ports: cluster.api_server_ports,
            receiver_ports: cluster.receiver_ports,
            configs,
        }
    }

    /// The parsed files of a rendered ConfigMap or Secret (none when it is not rendered).
    pub fn config(&self, kind: &str, name: &str) -> &[Json] {
        self.configs
            .iter()
            .find(|(k, n, _)| *k == kind && *n == name)
            .map_or(&[], |(_, _, files)| files.as_ref())
    }

    /// The parsed files of every rendered ConfigMap and Secret a pod spec mounts.
    pub fn mounted_configs(&self, spec: &Json) -> Vec<&Json> {
        spec["volumes"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|v| {
                let map = v["configMap"]["name"]
                    .as_str()
                    .map(|n| self.config("ConfigMap", n));
                let secret = v["secret"]["secretName"]
                    .as_str()
                    .map(|n| self.config("Secret", n));
                map.into_iter().chain(secret).flatten()
            })
            .collect()
    }

    /// Every Prometheus (one per shard): the pods that mount a config with scrape jobs,
    /// and those jobs.
    pub fn scrapers(&self) -> Vec<(Pods<'a>, Vec<&Json>)> {
        self.pods()
            .into_iter()
            .filter_map(|pods| {
                let jobs: Vec<&Json> = self
                    .mounted_configs(pods.spec)
                    .into_iter()
                    .flat_map(|doc| doc["scrape_configs"].as_array().into_iter().flatten())
                    .collect();
                (!jobs.is_empty()).then_some((pods, jobs))
            })
            .collect()
    }

    /// What an Ingress or a Gateway API route sends traffic to: the routing object, and the
    /// Service name and port number of each backend.
    pub fn route_backends(&self) -> Vec<Backend<'a>> {
        let mut out = Vec::new();
        for o in self.objects {
            let refs: Vec<(&Json, &Json)> = match o.kind() {
                "Ingress" => o.value["spec"]["rules"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .flat_map(|r| r["http"]["paths"].as_array().into_iter().flatten())
                    .map(|p| &p["backend"]["service"])
                    .map(|svc| (&svc["name"], &svc["port"]["number"]))
                    .collect(),
                "HTTPRoute" | "GRPCRoute" => o.value["spec"]["rules"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .flat_map(|r| r["backendRefs"].as_array().into_iter().flatten())
                    .map(|b| (&b["name"], &b["port"]))
                    .collect(),
                _ => continue,
            };
            for (name, port) in refs {
                out.push(Backend {
                    by: o,
                    service: name.as_str().unwrap_or_default(),
                    port,
                });
            }
        }
        out
    }

    pub fn of_kind(&self, kind: &'a str) -> impl Iterator<Item = &'a Object> {
        self.objects.iter().filter(move |o| o.kind() == kind)
    }

    pub fn find(&self, kind: &str, name: &str) -> Option<&'a Json> {
        self.objects
            .iter()
            .find(|o| o.kind() == kind && o.name() == name)
            .map(|o| &o.value)
    }

    /// Every workload's pods.
    pub fn pods(&self) -> Vec<Pods<'a>> {
        self.objects
            .iter()
            .filter(|o| matches!(o.kind(), "Deployment" | "StatefulSet" | "DaemonSet"))
            .map(|o| {
                let template = &o.value["spec"]["template"];
                Pods {
                    kind: o.kind(),
                    name: o.name(),
                    labels: template["metadata"]["labels"]
                        .as_object()
                        .unwrap_or(empty()),
                    spec: &template["spec"],
                    replicas: o.value["spec"]["replicas"].as_u64().unwrap_or(1),
                    service_name: o.value["spec"]["serviceName"].as_str(),
                }
            })
            .collect()
    }

    /// The pods a label selector picks.
    pub fn selected(&self, selector: &Map<String, Json>) -> Vec<Pods<'a>> {
        self.pods()
            .into_iter()
            .filter(|p| p.selected_by(selector))
            .collect()
    }

    /// The labels of a namespace: the stack's own, or one outside it as Kubernetes labels
    /// every namespace (`kubernetes.io/metadata.name`).
    pub fn namespace_labels(&self, namespace: &str) -> Map<String, Json> {
        let own = self
            .find("Namespace", namespace)
            .and_then(|n| n["metadata"]["labels"].as_object());
        match own {
            Some(labels) => labels.clone(),
            None => Map::from_iter([(
                "kubernetes.io/metadata.name".to_owned(),
                Json::from(namespace),
            )]),
        }
    }
}

/// A config file as data: JSON (dashboards) read as JSON, the rest as YAML; `None` for
/// text that is neither.
fn parse(text: &str) -> Option<Json> {
    if text.trim_start().starts_with('{') {
        serde_json::from_str(text).ok()
    } else {
        serde_saphyr::from_str(text).ok()
    }
}

pub fn empty() -> &'static Map<String, Json> {
    static EMPTY: std::sync::LazyLock<Map<String, Json>> = std::sync::LazyLock::new(Map::new);
    &EMPTY
}

/// Every string in a value, depth first.
pub fn strings(value: &Json) -> Vec<&str> {
    let mut out = Vec::new();
    collect(value, &mut out);
    out
}

fn collect<'a>(value: &'a Json, out: &mut Vec<&'a str>) {
    match value {
        Json::String(s) => out.push(s),
        Json::Array(items) => items.iter().for_each(|i| collect(i, out)),
        Json::Object(map) => map.values().for_each(|v| collect(v, out)),
        _ => {}
    }
}
