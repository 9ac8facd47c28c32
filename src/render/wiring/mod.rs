//! The wiring check: the checked stream, taken as a system. Every in-cluster address a
//! component dials resolves to a rendered Service and port; every file it reads lies on a
//! mounted volume and, where that volume is a rendered ConfigMap or Secret, names a key it
//! holds; every reference to a Secret or ConfigMap the stack does not render is a declared
//! prerequisite; every Service, PDB and Ingress backend finds its pods; every bucket written
//! is read and compacted once; every scrape target is scraped by exactly one Prometheus
//! (shard); and with NetworkPolicies on, every flow the stack needs is
//! allowed when the policies are evaluated as Kubernetes does. Runs on every render; a
//! violation is an internal error naming both ends.

mod addresses;
mod buckets;
mod files;
mod flows;
mod scrapes;
mod selectors;
mod stream;

#[cfg(test)]
mod tests;

pub use stream::Stream;

use super::RenderError;
use super::object::Object;
use crate::render::prerequisites::Prerequisites;

/// What the stack is told about the cluster it runs in.
pub struct Cluster<'a> {
    pub namespace: &'a str,
    pub domain: &'a str,
    /// Ports the API server answers on, each of which a client may need.
    pub api_server_ports: &'a [u16],
    /// Ports notification receivers listen on.
    pub receiver_ports: &'a [u16],
    /// The buckets are compacted by a Compactor of the stack, not by another cluster's.
    pub compacts: bool,
    /// The buckets are read by a Store gateway of the stack, not by another cluster's.
    pub reads: bool,
}

impl<'a> Cluster<'a> {
    pub fn of(spec: &'a crate::config::model::Spec) -> Self {
        Self {
            namespace: spec.namespace.as_str(),
            domain: spec.cluster_domain.as_str(),
            api_server_ports: &spec.network_policies.api_server_ports,
            receiver_ports: &spec.network_policies.receiver_ports,
            compacts: spec.thanos.compact.enabled,
            reads: spec.thanos.store.enabled,
        }
    }
}

/// Checks `objects` as one system; `prerequisites` are what may be referenced unrendered.
pub fn check(
    objects: &[Object],
    cluster: &Cluster,
    prerequisites: &Prerequisites,
) -> Result<(), RenderError> {
    let problems = problems(objects, cluster, prerequisites);
    match problems.first() {
        None => Ok(()),
        Some(_) => Err(RenderError::new("wiring check", problems.join("; "))),
    }
}

/// Every problem [`check`] finds, one sentence each.
pub fn problems(
    objects: &[Object],
    cluster: &Cluster,
    prerequisites: &Prerequisites,
) -> Vec<String> {
    let stream = Stream::new(objects, cluster);
    let mut problems = Vec::new();
    let dials = addresses::check(&stream, &mut problems);
    files::check(&stream, prerequisites, &mut problems);
    selectors::check(&stream, &mut problems);
    buckets::check(&stream, cluster, &mut problems);
    scrapes::shares(&stream, &mut problems);
    flows::check(&stream, &dials, prerequisites, &mut problems);
    problems
}
