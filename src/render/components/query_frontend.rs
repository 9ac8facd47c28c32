//! Thanos Query Frontend: in front of Query for Grafana and the ingress. It splits range
//! queries by interval, retries failed pieces, caches results and, where raw data has aged
//! out of the bucket, asks again for the downsampled data.

use super::{memcached, query};
use crate::config::facts::Ui;
use crate::render::part::{Allow, Egress, From, Part, Policy, ScrapeJob, Target};
use crate::render::stack::Stack;
use crate::render::workload::{Pod, Port, container, http_probe};

pub const NAME: &str = "thanos-query-frontend";
pub const HTTP: Port = Port::tcp("http", 9090);
/// The in-memory results cache, unless the config sizes it: a quarter of the default
/// memory limit.
const DEFAULT_CACHE_SIZE: &str = "256MB";

/// The Query that Grafana and the ingress's query host read: the frontend when there is
/// one, else the Query in front.
pub fn reader(stack: &Stack) -> &'static str {
    if stack.spec.thanos.query_frontend.enabled {
        NAME
    } else {
        query::front(stack)
    }
}

/// The URL Grafana's datasource points at.
pub fn url(stack: &Stack) -> String {
    format!(
        "http://{}:{}",
        stack.service_host(reader(stack)),
        HTTP.number
    )
}

pub fn part(stack: &Stack) -> Part {
    let spec = stack.spec;
    let qf = &spec.thanos.query_frontend;
    let mut args = vec![
        "query-frontend".to_owned(),
        format!(
            "--log.level={}",
            crate::render::workload::level(qf.log_level)
        ),
        format!("--http-address={}", HTTP.listen()),
        format!(
            "--query-frontend.downstream-url=http://{}:{}",
            stack.service_host(query::front(stack)),
            query::HTTP.number
        ),
        format!("--query-range.split-interval={}", qf.split_interval),
        format!("--query-range.max-retries-per-request={}", qf.max_retries),
        format!("--labels.max-retries-per-request={}", qf.max_retries),
        // Once raw data is past retention, a range comes back empty unless the frontend
        // asks again for the 5m and 1h blocks.
        "--query-range.request-downsampled".to_owned(),
        "--query-frontend.compress-responses".to_owned(),
    ];
    // The results cache of ranges and of labels, as `pkg/queryfrontend/config.go` reads
    // it: `type` and the provider's `config`.
    for flag in [
        "query-range.response-cache-config",
        "labels.response-cache-config",
    ] {
        args.push(memcached::flag(flag, stack, &qf.cache, DEFAULT_CACHE_SIZE));
    }

    let mut pod = Pod::new(
        NAME,
        "query-cache",
        &spec.images.thanos,
        qf.replicas,
        &qf.pod,
    );
    let mut c = container(
        "thanos-query-frontend",
        &spec.images.thanos,
        &[HTTP],
        &qf.resources,
    );
    c.args = Some(args);
    c.liveness_probe = Some(http_probe("/-/healthy", HTTP, 30, Some(4)));
    c.readiness_probe = Some(http_probe("/-/ready", HTTP, 5, Some(20)));
    pod.containers.push(c);
    pod.extra(
        "thanos-query-frontend",
        &qf.extra,
        "spec.thanos.queryFrontend.extra",
    );
    let w = pod.build(stack, None, false);

    let mut part = Part::new(NAME);
    part.workload("kinds/deployment.yaml.j2", &w);
    part.front(stack, &w, NAME, &[HTTP], false);
    // The thanos-mixin's frontend dashboard selects `job=~".*thanos-query-frontend.*"`.
    part.scrape.push(ScrapeJob::new(NAME, NAME, HTTP));
    let mut egress = vec![Egress::dial(
        Target::App(query::front(stack)),
        &[query::HTTP],
    )];
    egress.extend(memcached::egress(&[&qf.cache]));
    part.policy = Some(Policy {
        ingress: vec![Allow::new(
            &[HTTP],
            &[From::Scraper, From::Clients, From::Ingress(Ui::Querier)],
        )],
        egress,
    });
    part
}

#[cfg(test)]
mod tests {
    use serde_json::Value as Json;

    use crate::config::model::{MemcachedCache, MonitoringStack};

    fn render(config: &MonitoringStack) -> Vec<(String, String, Json)> {
        crate::render::render(config)
            .expect("renders")
            .into_iter()
            .map(|o| (o.kind().to_owned(), o.name().to_owned(), o.value.clone()))
            .collect()
    }

    fn find<'a>(objects: &'a [(String, String, Json)], kind: &str, name: &str) -> &'a Json {
        &objects
            .iter()
            .find(|(k, n, _)| k == kind && n == name)
            .unwrap_or_else(|| panic!("no {kind} {name}"))
            .2
    }

    fn args(objects: &[(String, String, Json)]) -> Vec<String> {
        find(objects, "Deployment", super::NAME)["spec"]["template"]["spec"]["containers"][0]
            ["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn grafana_and_the_ingress_read_through_the_frontend() {
        let mut config = MonitoringStack::default();
        config.spec.ingress.basic_auth_secret = Some("auth".parse().unwrap());
        let objects = render(&config);
        let datasources = find(&objects, "ConfigMap", "grafana-datasources").to_string();
        assert!(
            datasources.contains("http://thanos-query-frontend.monitoring.svc.cluster.local:9090"),
            "{datasources}"
        );
        let ingress = find(&objects, "Ingress", "monitoring-ingress").to_string();
        assert!(
            ingress.contains(r#""name":"thanos-query-frontend""#),
            "{ingress}"
        );
        let args = args(&objects);
        assert!(args.contains(
            &"--query-frontend.downstream-url=http://thanos-querier.monitoring.svc.cluster.local:9090"
                .to_owned()
        ));
        assert!(args.contains(&"--query-range.request-downsampled".to_owned()));
    }

    #[test]
    fn memcached_of_its_own_is_rendered_and_dialled() {
        let mut config = MonitoringStack::default();
        config.spec.network_policies.enabled = true;
        config.spec.thanos.query_frontend.cache.memcached = Some(MemcachedCache::default());
        let objects = render(&config);
        assert!(
            objects
                .iter()
                .any(|(k, n, _)| k == "StatefulSet" && n == "memcached")
        );
        let args = args(&objects);
        assert!(
            args.iter()
                .any(|a| a.starts_with("--query-range.response-cache-config=")
                    && a.contains(
                        "dnssrvnoa+_memcached._tcp.memcached.monitoring.svc.cluster.local"
                    )),
            "{args:?}"
        );
        let admitted = find(&objects, "NetworkPolicy", "memcached")["spec"]["ingress"].to_string();
        assert!(admitted.contains(super::NAME), "{admitted}");
    }

    #[test]
    fn without_the_frontend_grafana_reads_query() {
        let mut config = MonitoringStack::default();
        config.spec.thanos.query_frontend.enabled = false;
        let objects = render(&config);
        let datasources = find(&objects, "ConfigMap", "grafana-datasources").to_string();
        assert!(datasources.contains("http://thanos-querier.monitoring.svc.cluster.local:9090"));
        assert!(!objects.iter().any(|(_, n, _)| n == super::NAME));
    }

    #[test]
    fn the_frontend_reads_the_global_query_and_caches_in_memcached() {
        let mut config = MonitoringStack::default();
        config.spec.network_policies.enabled = true;
        config.spec.thanos.query.remote_endpoints = vec!["a.example.com:443".parse().unwrap()];
        config.spec.thanos.query_frontend.cache.in_memory = None;
        config.spec.thanos.query_frontend.cache.memcached = Some(MemcachedCache {
            addresses: vec!["memcached.example.com:11211".to_owned()],
        });
        let args = args(&render(&config));
        assert!(args.iter().any(|a| a
            == "--query-frontend.downstream-url=http://thanos-global-querier.monitoring.svc.cluster.local:9090"));
        assert!(args.contains(
            &r#"--query-range.response-cache-config={"type":"MEMCACHED","config":{"addresses":["memcached.example.com:11211"]}}"#
                .to_owned()
        ));
        let objects = render(&config);
        let policy = find(&objects, "NetworkPolicy", super::NAME)["spec"]["egress"].to_string();
        assert!(
            policy.contains(r#"{"ports":[{"port":11211,"protocol":"TCP"}]}"#),
            "{policy}"
        );
    }
}
