//! What points at what: every Service and PodDisruptionBudget selects rendered pods, and
//! every Service port reaches a port they listen on; every Ingress and Gateway API route
//! backend is a rendered Service port; every pod's ServiceAccount and every binding's role and subject exist.

use super::stream::Stream;

pub fn check(stream: &Stream, problems: &mut Vec<String>) {
    services(stream, problems);
    for pdb in stream.of_kind("PodDisruptionBudget") {
        let selects = pdb.value["spec"]["selector"]["matchLabels"]
            .as_object()
            .is_some_and(|s| !stream.selected(s).is_empty());
        if !selects {
            problems.push(format!(
                "PodDisruptionBudget `{}` selects no rendered pods",
                pdb.name()
            ));
        }
    }
    ingresses(stream, problems);
    accounts(stream, problems);
}

fn services(stream: &Stream, problems: &mut Vec<String>) {
    for svc in stream.of_kind("Service") {
        let Some(selector) = svc.value["spec"]["selector"].as_object() else {
            continue;
        };
        let pods = stream.selected(selector);
        if pods.is_empty() {
            problems.push(format!("Service `{}` selects no rendered pods", svc.name()));
        }
        for port in svc.value["spec"]["ports"].as_array().into_iter().flatten() {
            let target = port.get("targetPort").unwrap_or(&port["port"]);
            for p in &pods {
                let listens = p.target(target);
                let protocol = port["protocol"].as_str().unwrap_or("TCP");
                if listens.is_none_or(|l| l.protocol != protocol) {
                    problems.push(format!(
                        "Service `{}` sends port {} to {target}/{protocol}, where {} does not listen",
                        svc.name(),
                        port["port"],
                        p.owner()
                    ));
                }
            }
        }
    }
}

fn ingresses(stream: &Stream, problems: &mut Vec<String>) {
    for backend in stream.route_backends() {
        let name = backend.service;
        let number = backend.port;
        let found = stream.find("Service", name).is_some_and(|svc| {
            svc["spec"]["ports"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|p| &p["port"] == number)
        });
        if !found {
            problems.push(format!(
                "{} `{}` routes to Service `{name}` port {number}, which is not rendered",
                backend.by.kind(),
                backend.by.name()
            ));
        }
    }
}

fn accounts(stream: &Stream, problems: &mut Vec<String>) {
    for pods in stream.pods() {
        let account = pods.spec["serviceAccountName"]
            .as_str()
            .unwrap_or("default");
        if stream.find("ServiceAccount", account).is_none() {
            problems.push(format!(
                "{} runs as ServiceAccount `{account}`, which is not rendered",
                pods.owner()
            ));
        }
    }
    for binding in stream.of_kind("ClusterRoleBinding") {
        let role = binding.value["roleRef"]["name"]
            .as_str()
            .unwrap_or_default();
        if stream.find("ClusterRole", role).is_none() {
            problems.push(format!(
                "ClusterRoleBinding `{}` grants ClusterRole `{role}`, which is not rendered",
                binding.name()
            ));
        }
        for subject in binding.value["subjects"].as_array().into_iter().flatten() {
            let name = subject["name"].as_str().unwrap_or_default();
            let here = subject["namespace"] == stream.namespace;
            if !here || stream.find("ServiceAccount", name).is_none() {
                problems.push(format!(
                    "ClusterRoleBinding `{}` binds ServiceAccount `{name}`, which is not rendered",
                    binding.name()
                ));
            }
        }
    }
}
