//! Thanos Query: the deduplicated PromQL view over every Store API of the cluster (found
//! through the Store gateway's discovery Service) and of remote clusters.

use super::{store, thanos};
use crate::config::facts::Ui;
use crate::render::network::anywhere;
use crate::render::part::{Allow, Egress, From, Part, Policy, ScrapeJob, Target};
use crate::render::stack::Stack;
use crate::render::workload::{Pod, Port};

pub const NAME: &str = "thanos-querier";
/// Query's HTTP API, where Grafana, the Ruler and the ingress send PromQL.
pub const HTTP: Port = Port::tcp("http", 9090);
const PORTS: [Port; 2] = [thanos::GRPC, HTTP];

/// The URL Grafana's datasource points at.
pub fn url(stack: &Stack) -> String {
    format!("http://{}:{}", stack.service_host(NAME), HTTP.number)
}

/// The address the Ruler queries: every Query replica, through DNS SRV.
pub fn srv(stack: &Stack) -> String {
    stack.srv(HTTP.name, NAME)
}

pub fn part(stack: &Stack) -> Part {
    let spec = stack.spec;
    let q = &spec.thanos.query;
    let mut args = thanos::command("query", q.log_level);
    args.push(format!("--grpc-address={}", thanos::GRPC.listen()));
    args.push(format!("--http-address={}", HTTP.listen()));
    // Without it Query reads raw blocks only unless a request names a resolution, so once
    // raw retention has passed, older ranges come back empty although 5m and 1h blocks
    // exist (thanos-io/thanos#813, #4634).
    args.push("--query.auto-downsampling".to_owned());
    // Deduplicate on every replica label in use: Prometheus's and, with a Ruler, the Ruler's.
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
    args.push(format!("--endpoint=dnssrv+{}", store::discovery_srv(stack)));
    args.extend(q.remote_endpoints.iter().map(|e| format!("--endpoint={e}")));

    let mut pod = Pod::new(NAME, "query-layer", &spec.images.thanos, q.replicas);
    pod.containers.push(thanos::container(
        stack,
        "thanos-query",
        (&PORTS, HTTP),
        &q.resources,
        args,
    ));
    let w = pod.build(stack, None, false);

    let mut part = Part::new(NAME);
    part.workload("kinds/deployment.yaml.j2", &w);
    part.front(stack, &w, NAME, &[HTTP, thanos::GRPC], false);
    // The thanos-mixin's dashboards and alerts select `job=~".*thanos-query.*"`.
    part.scrape.push(ScrapeJob::new("thanos-query", NAME, HTTP));
    let mut egress = vec![Egress::dial(Target::StoreApi, &[thanos::GRPC])];
    let mut remote_ports: Vec<u16> = q
        .remote_endpoints
        .iter()
        .filter_map(|e| e.as_str().rsplit(':').next()?.parse().ok())
        .collect();
    remote_ports.sort_unstable();
    remote_ports.dedup();
    if !remote_ports.is_empty() {
        egress.push(anywhere(&remote_ports));
    }
    part.policy = Some(Policy {
        ingress: vec![Allow::new(
            &[HTTP],
            &[From::Scraper, From::Clients, From::Ingress(Ui::Querier)],
        )],
        egress,
    });
    part
}
