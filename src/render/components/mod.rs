//! One module per component, kube-thanos style: each declares its names, ports and
//! Services, builds its workload and embedded configs, and says who it accepts and dials.
//! `parts` is the registry.

pub mod alertmanager;
pub mod compact;
pub mod control_plane;
pub mod grafana;
pub mod ingress;
pub mod kube_state_metrics;
pub mod memcached;
pub mod node_exporter;
pub mod objstore;
pub mod prometheus;
pub mod query;
pub mod query_frontend;
pub mod ruler;
pub mod store;
pub mod store_api;
pub mod thanos;

use minijinja::context;
use minijinja::value::Serde;

use super::RenderError;
use super::part::Part;
use super::stack::Stack;
use objstore::Buckets;

/// Every component switched on, Prometheus first; the order in which they appear wherever
/// components are listed (scrape jobs).
pub fn parts(stack: &Stack) -> Result<Vec<Part>, RenderError> {
    let spec = stack.spec;
    let buckets = Buckets::new(stack);
    let mut scraped = vec![query::part(stack)];
    if spec.global_query() {
        scraped.push(query::global_part(stack));
    }
    if spec.thanos.query_frontend.enabled {
        scraped.push(query_frontend::part(stack));
    }
    for bucket in buckets.written(stack) {
        if spec.thanos.store.enabled {
            scraped.push(store::part(stack, bucket));
        }
        if spec.thanos.compact.enabled {
            scraped.push(compact::part(stack, bucket));
        }
    }
    if spec.memcached_runs() {
        scraped.push(memcached::part(stack));
    }
    if spec.thanos.ruler.enabled {
        scraped.push(ruler::part(stack, &buckets)?);
    }
    if spec.alertmanager.enabled {
        scraped.push(alertmanager::part(stack)?);
    }
    if spec.grafana.enabled {
        scraped.push(grafana::part(stack)?);
    }
    // Only Prometheus scrapes them.
    if spec.kube_state_metrics_runs() {
        scraped.push(kube_state_metrics::part(stack));
    }
    if spec.node_exporter_runs() {
        scraped.push(node_exporter::part(stack));
    }
    let mut parts = vec![namespace(stack), objstore::part(stack, &buckets)];
    if spec.prometheus.enabled {
        parts.push(prometheus::part(stack, &buckets, &scraped)?);
    }
    parts.extend(scraped);
    parts.push(ingress::part(stack));
    Ok(parts)
}

/// The namespace everything lives in, labelled for Pod Security Admission with the level
/// its pods need: node-exporter's host namespaces and paths need `privileged`; every other
/// pod fits `restricted` (the suite checks that they do).
fn namespace(stack: &Stack) -> Part {
    let mut part = Part::new("namespace");
    let level = if stack.spec.node_exporter_runs() {
        "privileged"
    } else {
        "restricted"
    };
    let mut labels = stack.stack_labels();
    for mode in ["enforce", "audit", "warn"] {
        labels.insert(
            format!("pod-security.kubernetes.io/{mode}"),
            level.to_owned(),
        );
    }
    let metadata = stack.cluster_meta(stack.namespace, &labels);
    part.push(
        "kinds/namespace.yaml.j2",
        context! { metadata => Serde(metadata) },
    );
    part
}
