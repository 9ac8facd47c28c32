//! What a component contributes to the stack: the objects it renders (each a kind template
//! and what that template reads), the targets Prometheus scrapes, and its NetworkPolicy.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1 as core;
use k8s_openapi::api::networking::v1 as net;
use k8s_openapi::api::rbac::v1 as rbac;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use minijinja::Value;
use minijinja::value::Serde;
use serde::Serialize;

use super::stack::{Labels, Stack};
use super::workload::{Port, Workload};
use crate::config::facts::Ui;
use crate::config::model::scrape::{
    KubernetesRole, KubernetesSdConfig, RelabelAction, RelabelConfig, ScrapeConfig, SdNamespaces,
};

/// One object to render: a template under `templates/kinds/` and the values it lays out.
pub struct Job {
    pub template: &'static str,
    pub vars: Value,
    /// What the wiring check reads of a ConfigMap: see [`super::Object::config`].
    pub config: Option<Vec<serde_json::Value>>,
}

/// A scrape job over the pods of one component, selected by name label and port name.
#[derive(Debug, Clone, Serialize)]
pub struct ScrapeJob {
    pub job: String,
    pub app: String,
    pub port: &'static str,
    /// kube-state-metrics reports other objects' `namespace` and `pod`: keep those.
    pub honor_labels: bool,
    /// node-exporter is one per node, so the node name is the useful `instance`.
    pub node_instance: bool,
}

impl ScrapeJob {
    pub fn new(job: &str, app: &str, port: Port) -> Self {
        Self {
            job: job.to_owned(),
            app: app.to_owned(),
            port: port.name,
            honor_labels: false,
            node_instance: false,
        }
    }

    /// The job in Prometheus's format: the component's pods in `namespace`, labelled with
    /// their namespace, pod and node, and then cut by the steps of `share`.
    pub fn scrape_config(&self, namespace: &str, share: Vec<RelabelConfig>) -> ScrapeConfig {
        let copy = |from: &str, to: &str| RelabelConfig {
            source_labels: vec![from.to_owned()],
            target_label: Some(to.to_owned()),
            ..RelabelConfig::default()
        };
        let mut steps = vec![
            RelabelConfig {
                source_labels: vec![
                    "__meta_kubernetes_pod_label_app_kubernetes_io_name".to_owned(),
                    "__meta_kubernetes_pod_container_port_name".to_owned(),
                ],
                regex: Some(format!("{};{}", self.app, self.port)),
                action: Some(RelabelAction::Keep),
                ..RelabelConfig::default()
            },
            copy("__meta_kubernetes_namespace", "namespace"),
            copy("__meta_kubernetes_pod_name", "pod"),
        ];
        if self.node_instance {
            steps.push(copy("__meta_kubernetes_pod_node_name", "instance"));
        }
        steps.push(copy("__meta_kubernetes_pod_node_name", "node"));
        steps.extend(share);
        ScrapeConfig {
            job_name: self.job.clone(),
            honor_labels: self.honor_labels.then_some(true),
            kubernetes_sd_configs: vec![KubernetesSdConfig {
                role: KubernetesRole::Pod,
                namespaces: Some(SdNamespaces {
                    names: vec![namespace.to_owned()],
                    own_namespace: None,
                }),
                selectors: Vec::new(),
            }],
            relabel_configs: steps,
            ..ScrapeConfig::default()
        }
    }
}

/// Who a component's pods accept traffic from, on some of its ports.
#[derive(Debug, Clone)]
pub struct Allow {
    pub ports: Vec<Port>,
    pub from: Vec<From>,
}

impl Allow {
    pub fn new(ports: &[Port], from: &[From]) -> Self {
        Self {
            ports: ports.to_vec(),
            from: from.to_vec(),
        }
    }
}

/// A kind of client, resolved against the whole stack when the policies are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum From {
    /// Prometheus, which scrapes every component.
    Scraper,
    /// Every component that declares it dials this one on one of the ports.
    Clients,
    /// The ingress controller, when the UI is exposed.
    Ingress(Ui),
    /// Observer clusters, when the Store API is offered to them: through the ingress
    /// controller, or from `storeApi.sources` through a load balancer.
    Observers,
}

/// What a component dials inside the stack.
#[derive(Debug, Clone)]
pub struct Dial {
    pub to: Target,
    pub ports: Vec<Port>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A component, by name.
    App(&'static str),
    /// Every pod serving the Store API (found through the discovery Service).
    StoreApi,
}

/// One egress rule of a component: a dial inside the stack, or a rule to the outside
/// (object storage, the API server, other clusters).
#[derive(Debug, Clone)]
pub enum Egress {
    Dial(Dial),
    Rule(net::NetworkPolicyEgressRule),
}

impl Egress {
    /// A dial to `to` on `ports`.
    pub fn dial(to: Target, ports: &[Port]) -> Self {
        Egress::Dial(Dial {
            to,
            ports: ports.to_vec(),
        })
    }
}

/// The traffic a component's pods accept and send, when NetworkPolicies are on.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub ingress: Vec<Allow>,
    pub egress: Vec<Egress>,
}

impl Policy {
    /// What the component dials inside the stack.
    pub fn dials(&self) -> impl Iterator<Item = &Dial> {
        self.egress.iter().filter_map(|e| match e {
            Egress::Dial(d) => Some(d),
            Egress::Rule(_) => None,
        })
    }
}

/// A component's share of the stack.
pub struct Part {
    /// The component's name: the folder of its objects that carry no name label.
    pub name: &'static str,
    pub jobs: Vec<Job>,
    pub scrape: Vec<ScrapeJob>,
    pub policy: Option<Policy>,
    /// Its pods serve the Store API (they carry the discovery label).
    pub store_api: bool,
    /// It scrapes every component (Prometheus).
    pub scraper: bool,
    /// What the user's extras for its pods would break.
    pub findings: Vec<super::extras::Finding>,
}

/// A Service as `kinds/service.yaml.j2` lays it out.
#[derive(Serialize)]
struct ServiceVars<'a> {
    metadata: ObjectMeta,
    headless: bool,
    publish_not_ready: bool,
    selector: &'a Labels,
    ports: Vec<core::ServicePort>,
    load_balancer: Option<LoadBalancer<'a>>,
}

/// A Service of type LoadBalancer: who may connect through it.
#[derive(Serialize)]
pub struct LoadBalancer<'a> {
    /// Address blocks admitted; empty: any.
    pub sources: &'a [String],
}

/// How a Service reaches its pods.
pub struct Service<'a> {
    pub name: &'a str,
    pub labels: &'a Labels,
    pub selector: &'a Labels,
    pub ports: &'a [Port],
    /// No cluster IP: DNS gives every pod (governing Services, discovery).
    pub headless: bool,
    /// Pods are listed before they are ready (gossip peers must find each other to start).
    pub publish_not_ready: bool,
}

impl Part {
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            jobs: Vec::new(),
            scrape: Vec::new(),
            policy: None,
            store_api: false,
            scraper: false,
            findings: Vec::new(),
        }
    }

    /// Renders `kinds/<kind>.yaml.j2` with `vars`.
    pub fn push(&mut self, template: &'static str, vars: impl Serialize) {
        self.jobs.push(Job {
            template,
            vars: Value::from(Serde(vars)),
            config: None,
        });
    }

    /// The workload, its ServiceAccount and, for replicated ones, its disruption budget.
    pub fn workload(&mut self, template: &'static str, w: &Workload) {
        self.account(w);
        self.pods(template, w);
    }

    /// The ServiceAccount a component's pods run as: once, however many workloads (shards)
    /// share it.
    pub fn account(&mut self, w: &Workload) {
        self.push("kinds/serviceaccount.yaml.j2", &w.account);
    }

    /// The workload and, for a replicated one, its disruption budget, without the
    /// ServiceAccount (see [`Part::account`]).
    pub fn pods(&mut self, template: &'static str, w: &Workload) {
        self.findings.extend(w.findings.iter().cloned());
        if w.budget {
            self.push(
                "kinds/poddisruptionbudget.yaml.j2",
                minijinja::context! { metadata => Serde(&w.metadata), selector => &w.selector },
            );
        }
        self.push(template, minijinja::context! { w => Serde(w) });
    }

    pub fn service(&mut self, stack: &Stack, s: Service) {
        self.push_service(stack, s, None);
    }

    /// A LoadBalancer Service in front of a workload's pods, for clients outside the cluster.
    pub fn load_balancer(
        &mut self,
        stack: &Stack,
        (w, name): (&Workload, &str),
        ports: &[Port],
        lb: LoadBalancer,
    ) {
        let s = Service {
            name,
            labels: &w.labels,
            selector: &w.selector,
            ports,
            headless: false,
            publish_not_ready: false,
        };
        self.push_service(stack, s, Some(lb));
    }

    fn push_service(&mut self, stack: &Stack, s: Service, load_balancer: Option<LoadBalancer>) {
        self.push(
            "kinds/service.yaml.j2",
            ServiceVars {
                metadata: stack.meta(s.name, s.labels),
                headless: s.headless,
                publish_not_ready: s.publish_not_ready,
                selector: s.selector,
                ports: s.ports.iter().map(|p| p.service_port()).collect(),
                load_balancer,
            },
        );
    }

    /// The Service in front of a workload's pods.
    pub fn front(
        &mut self,
        stack: &Stack,
        w: &Workload,
        name: &str,
        ports: &[Port],
        headless: bool,
    ) {
        self.service(
            stack,
            Service {
                name,
                labels: &w.labels,
                selector: &w.selector,
                ports,
                headless,
                publish_not_ready: false,
            },
        );
    }

    /// A ConfigMap of config files: what its readers dial and open is in them, and the
    /// wiring check reads them as `parsed`, the data each file's text was written from.
    pub fn config_map(
        &mut self,
        stack: &Stack,
        name: &str,
        labels: &Labels,
        data: &BTreeMap<String, String>,
        parsed: Vec<serde_json::Value>,
    ) {
        self.push(
            "kinds/configmap.yaml.j2",
            minijinja::context! { metadata => Serde(stack.meta(name, labels)), data },
        );
        if let Some(job) = self.jobs.last_mut() {
            job.config = Some(parsed);
        }
    }

    /// A ConfigMap of content its readers evaluate or display (rules, dashboards): free
    /// text such as an alert's description may name any host or port without anything
    /// dialling it, so the wiring check does not read into it.
    pub fn content_map(
        &mut self,
        stack: &Stack,
        name: &str,
        labels: &Labels,
        data: &BTreeMap<String, String>,
    ) {
        self.config_map(stack, name, labels, data, Vec::new());
    }

    /// A ClusterRole named `<namespace>-<component>` and its binding to the component's
    /// ServiceAccount, labelled as the account is (the component's, not one shard's).
    pub fn cluster_role(&mut self, stack: &Stack, w: &Workload, rules: Vec<rbac::PolicyRule>) {
        let account = w.account.metadata.name.clone().unwrap_or_default();
        let name = format!("{}-{account}", stack.namespace);
        let labels = w.account.metadata.labels.as_ref().unwrap_or(&w.labels);
        let metadata = stack.cluster_meta(&name, labels);
        self.push(
            "kinds/clusterrole.yaml.j2",
            minijinja::context! { metadata => Serde(&metadata), rules => Serde(&rules) },
        );
        let subject = rbac::Subject {
            kind: "ServiceAccount".to_owned(),
            name: account,
            namespace: Some(stack.namespace.to_owned()),
            ..rbac::Subject::default()
        };
        self.push(
            "kinds/clusterrolebinding.yaml.j2",
            minijinja::context! { metadata => Serde(&metadata), role => name, subject => Serde(&subject) },
        );
    }
}
