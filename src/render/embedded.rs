//! The configs that ship inside ConfigMaps and Secrets: Prometheus, rules, objstore,
//! Alertmanager, Grafana provisioning and dashboards. Each is rendered, parsed back into a
//! typed model of its own format (unknown fields refused) and checked, then written into the
//! context with checksums that roll the pods which cannot reload it themselves.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde_json::{Value as Json, json};
use sha2::{Digest, Sha256};

use super::RenderError;
use super::assets;
use super::context::{Context, alertmanager_secret_dir, dashboard_config_map};
use super::formats::{
    AlertmanagerConfig, GrafanaDatasources, GrafanaProviders, PromConfig, RuleFileDoc,
};
use super::names;
use super::templates::Templates;
use crate::config::model::{MonitoringStack, Provider, RuleFile, RuleGroup};
use crate::yaml;

/// Renders and checks every embedded config, and stores them in `ctx`.
pub fn fill(
    ctx: &mut Context,
    config: &MonitoringStack,
    templates: &Templates,
) -> Result<(), RenderError> {
    let spec = &config.spec;

    let template = "prometheus/prometheus.yaml.tmpl.j2";
    let text = templates.render(template, ctx)?;
    let prometheus_config: PromConfig = parse_checked(template, &text)?;
    prometheus_config
        .check()
        .map_err(|m| RenderError::new(template, m))?;
    ctx.prometheus.config_data = BTreeMap::from([(
        "prometheus.yaml.tmpl".to_owned(),
        canonical(template, &text)?,
    )]);

    ctx.prometheus.rules_data = rule_files(assets::STACK_RULES, &spec.prometheus.rule_files)?;
    if let Some(ruler) = &mut ctx.ruler {
        ruler.rules_data = rule_files(assets::GLOBAL_RULES, &spec.thanos.ruler.rule_files)?;
        let sum = checksum(&ruler.rules_data);
        ruler
            .workload
            .pod_annotations
            .insert("checksum/rules".to_owned(), sum);
    }

    let (main, ruler) = objstore(config);
    ctx.objstore.data = BTreeMap::from([(names::OBJSTORE_KEY.to_owned(), main)]);
    ctx.objstore.ruler_data = BTreeMap::from([(names::OBJSTORE_KEY.to_owned(), ruler)]);
    let sum = checksum(&ctx.objstore.data);
    for w in [
        &mut ctx.prometheus.workload,
        &mut ctx.store,
        &mut ctx.compact,
    ] {
        w.pod_annotations
            .insert("checksum/objstore".to_owned(), sum.clone());
    }
    if let Some(ruler) = &mut ctx.ruler {
        ruler.workload.pod_annotations.insert(
            "checksum/objstore".to_owned(),
            checksum(&ctx.objstore.ruler_data),
        );
    }

    if ctx.alertmanager.is_some() {
        let template = "alertmanager/alertmanager.yaml.j2";
        let am_ctx = json!({"am": alertmanager_context(config)});
        let text = templates.render(template, &am_ctx)?;
        let parsed: AlertmanagerConfig = parse_checked(template, &text)?;
        parsed.check().map_err(|m| RenderError::new(template, m))?;
        let data = BTreeMap::from([("alertmanager.yaml".to_owned(), canonical(template, &text)?)]);
        if let Some(am) = &mut ctx.alertmanager {
            am.workload
                .pod_annotations
                .insert("checksum/config".to_owned(), checksum(&data));
            am.config_data = data;
        }
    }

    if ctx.grafana.is_some() {
        let vars = json!({
            "query_url": format!("http://{}.{}.svc:9090", names::QUERY, spec.namespace),
            "scrape_interval": spec.prometheus.scrape_interval.to_string(),
        });
        let template = "grafana/datasources.yaml.j2";
        let text = templates.render(template, &vars)?;
        let _: GrafanaDatasources = parse_checked(template, &text)?;
        let datasources =
            BTreeMap::from([("datasources.yaml".to_owned(), canonical(template, &text)?)]);
        let template = "grafana/dashboard-provider.yaml.j2";
        let text = templates.render(template, &vars)?;
        let _: GrafanaProviders = parse_checked(template, &text)?;
        let provider = BTreeMap::from([("provider.yaml".to_owned(), canonical(template, &text)?)]);

        let mut dashboards = BTreeMap::new();
        let mut wanted = spec.grafana.dashboards.clone();
        wanted.sort();
        wanted.dedup();
        for d in wanted {
            let (file, text) = assets::dashboard(d);
            check_dashboard(file, text)?;
            dashboards.insert(
                dashboard_config_map(d),
                BTreeMap::from([(file.to_owned(), text.to_owned())]),
            );
        }
        if let Some(g) = &mut ctx.grafana {
            let mut all = datasources.clone();
            all.extend(provider.clone());
            g.workload
                .pod_annotations
                .insert("checksum/provisioning".to_owned(), checksum(&all));
            g.datasources_data = datasources;
            g.provider_data = provider;
            g.dashboards = dashboards;
        }
    }
    Ok(())
}

/// SHA-256 over a ConfigMap's data, in key order.
fn checksum(data: &BTreeMap<String, String>) -> String {
    let mut hasher = Sha256::new();
    for (key, value) in data {
        hasher.update(key.as_bytes());
        hasher.update([0]);
        hasher.update(value.as_bytes());
        hasher.update([0]);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn parse_checked<T: DeserializeOwned>(template: &str, text: &str) -> Result<T, RenderError> {
    serde_saphyr::from_str(text).map_err(|e| {
        RenderError::new(
            template,
            format!(
                "rendered config does not fit its format: {}",
                first_line(&e.to_string())
            ),
        )
    })
}

/// Re-emits a rendered config in canonical YAML (comments and layout dropped).
fn canonical(template: &str, text: &str) -> Result<String, RenderError> {
    let value: Json = serde_saphyr::from_str(text)
        .map_err(|e| RenderError::new(template, first_line(&e.to_string())))?;
    Ok(yaml::to_string(&value))
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().to_owned()
}

/// Our own rules file plus the user's, each checked: structure and every PromQL expression.
fn rule_files(
    (name, text): (&str, &str),
    user: &[RuleFile],
) -> Result<BTreeMap<String, String>, RenderError> {
    let ours: RuleFileDoc = parse_checked(name, text)?;
    check_rules(name, &ours.groups)?;
    let mut data = BTreeMap::from([(name.to_owned(), canonical(name, text)?)]);
    for file in user {
        // Validation already parsed these; the check keeps render safe when called directly.
        check_rules(&file.name, &file.groups)?;
        data.insert(
            file.name.clone(),
            yaml::to_string(&RuleFileDoc {
                groups: file.groups.clone(),
            }),
        );
    }
    Ok(data)
}

fn check_rules(file: &str, groups: &[RuleGroup]) -> Result<(), RenderError> {
    for group in groups {
        for rule in &group.rules {
            let name = rule
                .alert
                .as_deref()
                .or(rule.record.as_deref())
                .unwrap_or("?");
            promql_parser::parser::parse(&rule.expr).map_err(|e| {
                RenderError::new(
                    file,
                    format!(
                        "rule `{name}` in group `{}`: PromQL does not parse: {e}",
                        group.name
                    ),
                )
            })?;
        }
    }
    Ok(())
}

/// The objstore config files for the main and the Ruler's bucket. Never any credential.
fn objstore(config: &MonitoringStack) -> (String, String) {
    let os = &config.spec.object_storage;
    let file = |bucket: &str| -> String {
        let doc = match os.provider {
            Provider::Gcs => json!({"type": "GCS", "config": {"bucket": bucket}}),
            Provider::S3 => {
                let s3 = os.s3.as_ref();
                let mut c = json!({"bucket": bucket, "endpoint": s3.map(|s| s.endpoint.clone()).unwrap_or_default()});
                if let Some(region) = s3.and_then(|s| s.region.clone()) {
                    c["region"] = json!(region);
                }
                if s3.is_some_and(|s| s.insecure) {
                    c["insecure"] = json!(true);
                }
                json!({"type": "S3", "config": c})
            }
            Provider::Azure => json!({"type": "AZURE", "config": {
                "storage_account": os.azure.as_ref().map(|a| a.storage_account.clone()).unwrap_or_default(),
                "container": bucket,
            }}),
            Provider::Filesystem => {
                json!({"type": "FILESYSTEM", "config": {"directory": format!("/var/thanos/objstore/{bucket}")}})
            }
        };
        yaml::to_string(&doc)
    };
    (file(&os.bucket), file(&os.ruler_bucket))
}

fn alertmanager_context(config: &MonitoringStack) -> Json {
    let am = &config.spec.alertmanager;
    let file = |r: &crate::config::model::SecretKeyRef| {
        format!("{}/{}", alertmanager_secret_dir(r.name.as_str()), r.key)
    };
    let receivers: Vec<Json> = am
        .receivers
        .iter()
        .map(|r| {
            let mut out = json!({"name": r.name});
            if let Some(w) = &r.webhook {
                out["webhook_configs"] = json!([{"url_file": file(&w.url_secret), "send_resolved": true}]);
            }
            if let Some(s) = &r.slack {
                out["slack_configs"] = json!([{"api_url_file": file(&s.api_url_secret), "channel": s.channel, "send_resolved": true}]);
            }
            if let Some(p) = &r.pagerduty {
                out["pagerduty_configs"] = json!([{"routing_key_file": file(&p.routing_key_secret), "send_resolved": true}]);
            }
            out
        })
        .collect();
    let routes: Vec<Json> = am
        .route
        .routes
        .iter()
        .map(|r| json!({"receiver": r.receiver, "matchers": r.matchers, "continue": r.continue_}))
        .collect();
    json!({
        "route": {
            "receiver": am.route.receiver,
            "group_by": am.route.group_by,
            "group_wait": am.route.group_wait,
            "group_interval": am.route.group_interval,
            "repeat_interval": am.route.repeat_interval,
        },
        "routes": routes,
        "receivers": receivers,
    })
}

/// Every datasource reference is the provisioned one, and every query parses as PromQL.
fn check_dashboard(file: &str, text: &str) -> Result<(), RenderError> {
    let dashboard: Json = serde_json::from_str(text)
        .map_err(|e| RenderError::new(file, format!("not valid JSON: {e}")))?;
    let expected = json!({"type": "prometheus", "uid": "DS_PROMETHEUS"});
    let mut problems = Vec::new();
    walk_dashboard(&dashboard, &expected, &mut problems);
    match problems.first() {
        Some(problem) => Err(RenderError::new(file, problem.clone())),
        None => Ok(()),
    }
}

fn walk_dashboard(value: &Json, expected: &Json, problems: &mut Vec<String>) {
    match value {
        Json::Object(map) => {
            for (key, child) in map {
                if key == "datasource" && child != expected {
                    problems.push(format!(
                        "datasource {child} is not the provisioned {expected}"
                    ));
                }
                if key == "expr"
                    && let Some(expr) = child.as_str()
                {
                    let concrete = grafana_variables_to_promql(expr);
                    if let Err(e) = promql_parser::parser::parse(&concrete) {
                        problems.push(format!("query `{expr}` does not parse: {e}"));
                    }
                }
                walk_dashboard(child, expected, problems);
            }
        }
        Json::Array(items) => items
            .iter()
            .for_each(|i| walk_dashboard(i, expected, problems)),
        _ => {}
    }
}

/// Grafana substitutes these before the query reaches Thanos; stand-ins make it parseable.
pub fn grafana_variables_to_promql(expr: &str) -> String {
    expr.replace("$__rate_interval", "5m")
        .replace("$__interval", "5m")
        .replace("$__range", "1h")
        .replace("${cluster}", ".*")
        .replace("$cluster", ".*")
        .replace("${instance}", ".*")
        .replace("$instance", ".*")
}
