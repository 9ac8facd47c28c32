//! node-exporter on every node: host PID and network namespaces, `/proc`, `/sys` and `/`
//! mounted read-only.

use k8s_openapi::api::core::v1 as core;

use crate::render::part::{Part, ScrapeJob};
use crate::render::stack::Stack;
use crate::render::workload::{Pod, Port, container, host_path, http_probe, read_only};

pub const NAME: &str = "node-exporter";
const METRICS: Port = Port::tcp("http-metrics", 9100);

pub fn part(stack: &Stack) -> Part {
    let spec = stack.spec;
    let n = &spec.node_exporter;
    let image = &spec.images.node_exporter;
    let mut pod = Pod::new(NAME, "exporter", image, 1, &n.pod);
    let mut mounts = Vec::new();
    for (name, host, path) in [
        ("proc", "/proc", "/host/proc"),
        ("sys", "/sys", "/host/sys"),
        ("root", "/", "/host/root"),
    ] {
        pod.volumes.push(host_path(name, host));
        mounts.push(read_only(name, path));
    }
    // Mounts made on the host after start (new volumes) show up inside too.
    mounts[2].mount_propagation = Some("HostToContainer".to_owned());
    let mut main = container(NAME, image, &[METRICS], &n.resources);
    main.args = Some(vec![
        format!("--web.listen-address=:{}", METRICS.number),
        "--path.procfs=/host/proc".to_owned(),
        "--path.sysfs=/host/sys".to_owned(),
        "--path.rootfs=/host/root".to_owned(),
        "--collector.filesystem.mount-points-exclude=^/(dev|proc|sys|run/k3s/containerd/.+|var/lib/docker/.+|var/lib/kubelet/.+)($|/)".to_owned(),
        "--collector.netclass.ignored-devices=^(veth.*|[a-f0-9]{15})$".to_owned(),
    ]);
    main.volume_mounts = Some(mounts);
    main.liveness_probe = Some(http_probe("/", METRICS, 10, None));
    main.readiness_probe = Some(http_probe("/", METRICS, 5, None));
    pod.containers.push(main);
    pod.extra = core::PodSpec {
        host_network: Some(true),
        host_pid: Some(true),
        // Every node, tainted or not, needs its metrics.
        tolerations: Some(vec![core::Toleration {
            operator: Some("Exists".to_owned()),
            ..core::Toleration::default()
        }]),
        ..core::PodSpec::default()
    };
    pod.extra(NAME, &n.extra, "spec.nodeExporter.extra");
    let w = pod.build(stack, None, false);

    let mut part = Part::new(NAME);
    part.workload("kinds/daemonset.yaml.j2", &w);
    part.front(stack, &w, NAME, &[METRICS], true);
    part.scrape.push(ScrapeJob {
        node_instance: true,
        ..ScrapeJob::new(NAME, NAME, METRICS)
    });
    // No policy: node-exporter runs in the host's network namespace, where NetworkPolicies
    // do not apply.
    part
}
