//! Thanos Query: the deduplicated PromQL view over every Store API of the cluster (found
//! through the Store gateway's discovery Service) and, where a cluster federates others,
//! the global Query over theirs and this one's.

use super::{store, thanos};
use crate::config::facts::Ui;
use crate::config::model::{GrpcTls, Query};
use crate::render::network::anywhere;
use crate::render::part::{Allow, Egress, From, Part, Policy, ScrapeJob, Target};
use crate::render::stack::Stack;
use crate::render::workload::{Pod, Port, read_only, secret_volume};

pub const NAME: &str = "thanos-querier";
/// The Query over other clusters' Store APIs and this one's, when they are dialled with TLS.
pub const GLOBAL_NAME: &str = "thanos-global-querier";
/// Query's HTTP API, where Grafana, the Ruler and the ingress send PromQL.
pub const HTTP: Port = Port::tcp("http", 9090);
const PORTS: [Port; 2] = [thanos::GRPC, HTTP];
const SERVER_TLS_DIR: &str = "/etc/thanos/grpc-server-tls";
const CLIENT_TLS_DIR: &str = "/etc/thanos/grpc-client-tls";

/// The Query users, Grafana and the Ruler read: the global one where there is one.
pub fn front(stack: &Stack) -> &'static str {
    if stack.spec.global_query() {
        GLOBAL_NAME
    } else {
        NAME
    }
}

/// The address the Ruler queries: every replica of the front Query, through DNS SRV.
pub fn srv(stack: &Stack) -> String {
    stack.srv(HTTP.name, front(stack))
}

/// The flags every Query starts with: listeners, downsampling, and deduplication on every
/// replica label in use.
fn args(stack: &Stack, q: &Query) -> Vec<String> {
    let spec = stack.spec;
    let mut args = thanos::command("query", q.log_level);
    args.push(format!("--grpc-address={}", thanos::GRPC.listen()));
    args.push(format!("--http-address={}", HTTP.listen()));
    // Without it Query reads raw blocks only unless a request names a resolution, so once
    // raw retention has passed, older ranges come back empty although 5m and 1h blocks
    // exist (thanos-io/thanos#813, #4634).
    args.push("--query.auto-downsampling".to_owned());
    // Prometheus's replica label and, with a Ruler, the Ruler's. Other clusters use the
    // same names (the fleet check holds them to it), so the global Query dedups theirs too.
    let mut replica_labels = vec![spec.replica_label.to_string()];
    if spec.thanos.ruler.enabled
        && !replica_labels.contains(&spec.thanos.ruler.replica_label.to_string())
    {
        replica_labels.push(spec.thanos.ruler.replica_label.to_string());
    }
    args.extend(
        replica_labels
            .iter()
            .map(|l| format!("--query.replica-label={l}")),
    );
    args
}

/// The ports of the remote endpoints, each once.
fn remote_ports(q: &Query) -> Vec<u16> {
    let mut ports: Vec<u16> = q
        .remote_endpoints
        .iter()
        .filter_map(|e| e.as_str().rsplit(':').next()?.parse().ok())
        .collect();
    ports.sort_unstable();
    ports.dedup();
    ports
}

/// A Query's pods: one `thanos-query` container with `args`.
fn pod<'a>(stack: &Stack<'a>, (name, component): (&'a str, &'a str), args: Vec<String>) -> Pod<'a> {
    let q = &stack.spec.thanos.query;
    let mut pod = Pod::new(
        name,
        component,
        &stack.spec.images.thanos,
        q.replicas,
        &q.pod,
    );
    pod.containers.push(thanos::container(
        stack,
        "thanos-query",
        (&PORTS, HTTP),
        &q.resources,
        args,
    ));
    pod.extra("thanos-query", &q.extra, "spec.thanos.query.extra");
    pod
}

/// Mounts `tls`'s Secret into the Query container at `dir`.
fn mount_tls(pod: &mut Pod, volume: &str, tls: &GrpcTls, dir: &str) {
    pod.volumes
        .push(secret_volume(volume, tls.secret_name.as_str()));
    if let Some(c) = pod.containers.first_mut() {
        c.volume_mounts
            .get_or_insert_with(Vec::new)
            .push(read_only(volume, dir));
    }
}

/// This cluster's Query, over its own Store APIs (and, dialled in plaintext, the remote
/// ones when no global Query does).
pub fn part(stack: &Stack) -> Part {
    let spec = stack.spec;
    let q = &spec.thanos.query;
    let mut args = args(stack, q);
    args.push(format!("--endpoint=dnssrv+{}", store::discovery_srv(stack)));
    let dials_remotes = !spec.global_query();
    if dials_remotes {
        args.extend(q.remote_endpoints.iter().map(|e| format!("--endpoint={e}")));
    }
    if spec.query_serves_tls() {
        args.push(format!("--grpc-server-tls-cert={SERVER_TLS_DIR}/tls.crt"));
        args.push(format!("--grpc-server-tls-key={SERVER_TLS_DIR}/tls.key"));
    }
    if spec.query_checks_clients() {
        args.push(format!(
            "--grpc-server-tls-client-ca={SERVER_TLS_DIR}/ca.crt"
        ));
    }

    let mut pod = pod(stack, (NAME, "query-layer"), args);
    if spec.query_serves_tls() {
        mount_tls(
            &mut pod,
            "grpc-server-tls",
            &spec.store_api.tls,
            SERVER_TLS_DIR,
        );
    }
    let w = pod.build(stack, None, false);

    let mut part = Part::new(NAME);
    part.workload("kinds/deployment.yaml.j2", &w);
    part.front(stack, &w, NAME, &[HTTP, thanos::GRPC], false);
    if !spec.thanos.store.enabled {
        store::discovery_service(stack, &mut part, &w.labels);
    }
    super::store_api::expose(stack, &mut part, &w);
    // The thanos-mixin's dashboards and alerts select `job=~".*thanos-query.*"`.
    part.scrape.push(ScrapeJob::new("thanos-query", NAME, HTTP));
    let mut egress = vec![Egress::dial(Target::StoreApi, &[thanos::GRPC])];
    let ports = remote_ports(q);
    if dials_remotes && !ports.is_empty() {
        egress.push(anywhere(&ports));
    }
    let mut readers = vec![From::Scraper, From::Clients];
    if !spec.global_query() {
        readers.push(From::Ingress(Ui::Querier));
    }
    let mut ingress = vec![Allow::new(&[HTTP], &readers)];
    // Only when someone dials it: a rule whose peers all resolve to nothing would admit
    // every source.
    if spec.global_query() || spec.store_api_address().is_some() {
        ingress.push(Allow::new(
            &[thanos::GRPC],
            &[From::Clients, From::Observers],
        ));
    }
    part.policy = Some(Policy { ingress, egress });
    part
}

/// The global Query: every remote endpoint and this cluster's Query, all over mutual TLS
/// with the client certificate of `thanos.query.remoteTls`.
pub fn global_part(stack: &Stack) -> Part {
    let spec = stack.spec;
    let q = &spec.thanos.query;
    let mut args = args(stack, q);
    args.push(format!(
        "--endpoint={}:{}",
        stack.service_host(NAME),
        thanos::GRPC.number
    ));
    args.extend(q.remote_endpoints.iter().map(|e| format!("--endpoint={e}")));
    args.extend([
        "--grpc-client-tls-secure".to_owned(),
        format!("--grpc-client-tls-cert={CLIENT_TLS_DIR}/tls.crt"),
        format!("--grpc-client-tls-key={CLIENT_TLS_DIR}/tls.key"),
        format!("--grpc-client-tls-ca={CLIENT_TLS_DIR}/ca.crt"),
    ]);

    let mut pod = pod(stack, (GLOBAL_NAME, "global-query-layer"), args);
    mount_tls(&mut pod, "grpc-client-tls", &q.remote_tls, CLIENT_TLS_DIR);
    let w = pod.build(stack, None, false);

    let mut part = Part::new(GLOBAL_NAME);
    part.workload("kinds/deployment.yaml.j2", &w);
    part.front(stack, &w, GLOBAL_NAME, &[HTTP, thanos::GRPC], false);
    part.scrape
        .push(ScrapeJob::new("thanos-query-global", GLOBAL_NAME, HTTP));
    part.policy = Some(Policy {
        ingress: vec![Allow::new(
            &[HTTP],
            &[From::Scraper, From::Clients, From::Ingress(Ui::Querier)],
        )],
        egress: vec![
            Egress::dial(Target::App(NAME), &[thanos::GRPC]),
            anywhere(&remote_ports(q)),
        ],
    });
    part
}
