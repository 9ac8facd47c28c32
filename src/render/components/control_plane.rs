//! Scrape jobs for the control plane (`prometheus.controlPlane`), which runs outside the stack
//! as kubeadm lays it out: static pods and DaemonSets in kube-system found by their labels,
//! at the ports their components listen on. Static pods declare no ports, so each job puts
//! the port on the pod's address itself.

use crate::config::facts::SERVICE_ACCOUNT_DIR;
use crate::config::model::scrape::ControlPlane;
use crate::config::model::scrape::{
    Authorization, KubernetesRole, KubernetesSdConfig, RelabelConfig, Scheme, ScrapeConfig,
    SdNamespaces, SdSelector, TlsConfig,
};

/// One component: its job name, pod label selector, port, and whether it serves HTTPS
/// (with Prometheus's token, on a self-signed serving certificate).
struct Target {
    job: &'static str,
    selector: &'static str,
    port: u16,
    https: bool,
}

/// The jobs switched on, in a fixed order.
pub fn jobs(switches: &ControlPlane) -> Vec<ScrapeConfig> {
    let all = [
        (
            switches.core_dns,
            Target {
                job: "coredns",
                selector: "k8s-app=kube-dns",
                port: 9153,
                https: false,
            },
        ),
        (
            switches.etcd,
            Target {
                job: "etcd",
                selector: "component=etcd",
                port: 2381,
                https: false,
            },
        ),
        (
            switches.scheduler,
            Target {
                job: "kube-scheduler",
                selector: "component=kube-scheduler",
                port: 10259,
                https: true,
            },
        ),
        (
            switches.controller_manager,
            Target {
                job: "kube-controller-manager",
                selector: "component=kube-controller-manager",
                port: 10257,
                https: true,
            },
        ),
        (
            switches.kube_proxy,
            Target {
                job: "kube-proxy",
                selector: "k8s-app=kube-proxy",
                port: 10249,
                https: false,
            },
        ),
    ];
    all.into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, target)| job(&target))
        .collect()
}

fn job(t: &Target) -> ScrapeConfig {
    let copy = |from: &str, to: &str| RelabelConfig {
        source_labels: vec![from.to_owned()],
        target_label: Some(to.to_owned()),
        ..RelabelConfig::default()
    };
    ScrapeConfig {
        job_name: t.job.to_owned(),
        scheme: t.https.then_some(Scheme::Https),
        authorization: t.https.then(|| Authorization {
            type_: None,
            credentials_file: format!("{SERVICE_ACCOUNT_DIR}/token"),
        }),
        tls_config: t.https.then(|| TlsConfig {
            ca_file: Some(format!("{SERVICE_ACCOUNT_DIR}/ca.crt")),
            // The components serve certificates they signed themselves (kubeadm's default).
            insecure_skip_verify: Some(true),
            ..TlsConfig::default()
        }),
        kubernetes_sd_configs: vec![KubernetesSdConfig {
            role: KubernetesRole::Pod,
            namespaces: Some(SdNamespaces {
                names: vec!["kube-system".to_owned()],
                own_namespace: None,
            }),
            selectors: vec![SdSelector {
                role: KubernetesRole::Pod,
                label: Some(t.selector.to_owned()),
                field: None,
            }],
        }],
        relabel_configs: vec![
            // One target per pod, whatever ports its containers declare (static pods none).
            RelabelConfig {
                source_labels: vec!["__meta_kubernetes_pod_ip".to_owned()],
                regex: Some("(.+)".to_owned()),
                replacement: Some(format!("$1:{}", t.port)),
                target_label: Some("__address__".to_owned()),
                ..RelabelConfig::default()
            },
            copy("__meta_kubernetes_pod_name", "pod"),
            copy("__meta_kubernetes_pod_node_name", "node"),
        ],
        ..ScrapeConfig::default()
    }
}
