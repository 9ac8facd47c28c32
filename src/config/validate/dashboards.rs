//! What every Grafana dashboard stackgen ships must satisfy, built-in or the user's: a JSON
//! object with a title, read through the datasource stackgen provisions, every PromQL query
//! parsing. The built-in ones are held to it by the test suite, the user's on every run.

use std::collections::BTreeSet;

use serde_json::{Map, Value as Json};

use crate::config::model::DATASOURCE;

/// Grafana's own pseudo-datasources: annotations and alerts, mixed panels (whose queries
/// name their own datasource, checked in turn), a panel reusing another's results, and
/// server-side expressions over other queries.
const GRAFANA_OWN: [&str; 5] = [
    "-- Grafana --",
    "grafana",
    "-- Mixed --",
    "-- Dashboard --",
    "__expr__",
];

const ANNOTATIONS: &str = "the annotations";

/// What a dashboard file says about itself, and what is wrong with it.
#[derive(Debug, Default)]
pub struct Checked {
    pub title: Option<String>,
    pub uid: Option<String>,
    /// Each problem names where in the dashboard it lies (a panel, a variable).
    pub problems: Vec<String>,
}

/// Reads and checks one dashboard.
pub fn check(text: &str) -> Checked {
    let mut checked = Checked::default();
    let dashboard: Json = match serde_json::from_str(text) {
        Ok(d) => d,
        Err(e) => {
            checked.problems.push(format!("is not valid JSON: {e}"));
            return checked;
        }
    };
    let Some(top) = dashboard.as_object() else {
        checked
            .problems
            .push("is not a JSON object (a dashboard is `{\"title\": …, \"panels\": […]}`)".into());
        return checked;
    };
    checked.title = top
        .get("title")
        .and_then(Json::as_str)
        .filter(|t| !t.trim().is_empty())
        .map(str::to_owned);
    if checked.title.is_none() {
        checked.problems.push("has no `title`".to_owned());
    }
    checked.uid = top.get("uid").and_then(Json::as_str).map(str::to_owned);
    let walker = Walker {
        datasource_variables: datasource_variables(top),
    };
    walker.object(top, "the dashboard", &mut checked.problems);
    checked
}

/// Variables of type `datasource` limited to Prometheus datasources: a reference to one
/// resolves, at view time, to a Prometheus datasource, and the provisioned one is the only
/// one stackgen makes (and the default).
fn datasource_variables(top: &Map<String, Json>) -> BTreeSet<String> {
    top.get("templating")
        .and_then(|t| t["list"].as_array())
        .into_iter()
        .flatten()
        .filter(|v| v["type"] == "datasource" && v["query"] == "prometheus")
        .filter_map(|v| v["name"].as_str().map(str::to_owned))
        .collect()
}

struct Walker {
    datasource_variables: BTreeSet<String>,
}

impl Walker {
    fn object(&self, map: &Map<String, Json>, place: &str, problems: &mut Vec<String>) {
        for (key, child) in map {
            match key.as_str() {
                "datasource" => {
                    if let Err(why) = self.datasource(child) {
                        problems.push(format!("{place}: {why}"));
                    }
                }
                "expr" => {
                    if let Some(expr) = child.as_str().filter(|e| !e.trim().is_empty())
                        && let Err(why) = parses(expr)
                    {
                        problems.push(format!("{place}: query `{expr}` does not parse: {why}"));
                    }
                }
                _ => {}
            }
            let list = |name: &str| match key.as_str() {
                "panels" | "rows" => Some(format!("panel {name}")),
                "list" if place == ANNOTATIONS => Some(format!("annotation {name}")),
                "list" => Some(format!("variable {name}")),
                _ => None,
            };
            match child {
                Json::Object(inner) => {
                    let inner_place = match key.as_str() {
                        "annotations" => ANNOTATIONS.to_owned(),
                        _ => place.to_owned(),
                    };
                    self.object(inner, &inner_place, problems);
                }
                Json::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        let Some(inner) = item.as_object() else {
                            continue;
                        };
                        let name = inner
                            .get("title")
                            .or_else(|| inner.get("name"))
                            .and_then(Json::as_str)
                            .filter(|n| !n.is_empty())
                            .map_or_else(|| format!("#{}", i + 1), |n| format!("`{n}`"));
                        let inner_place = list(&name).unwrap_or_else(|| place.to_owned());
                        self.object(inner, &inner_place, problems);
                    }
                }
                _ => {}
            }
        }
    }

    fn datasource(&self, value: &Json) -> Result<(), String> {
        let uid = match value {
            Json::Null => return Ok(()),
            Json::String(name) => name.as_str(),
            Json::Object(map) => {
                let Some(uid) = map.get("uid").and_then(Json::as_str) else {
                    return match map.get("type") {
                        None => Ok(()),
                        Some(_) => Err(format!(
                            "datasource {value} names no `uid`, so it is not the provisioned one; use `{{\"type\": \"prometheus\", \"uid\": \"{DATASOURCE}\"}}`"
                        )),
                    };
                };
                if let Some(kind) = map.get("type").and_then(Json::as_str)
                    && kind != "prometheus"
                    && (uid == DATASOURCE || variable(uid).is_some())
                {
                    return Err(format!(
                        "datasource {value} has type `{kind}`, but the provisioned datasource `{DATASOURCE}` is `prometheus`"
                    ));
                }
                uid
            }
            other => {
                return Err(format!(
                    "datasource {other} is neither a name nor a reference"
                ));
            }
        };
        if uid == DATASOURCE || GRAFANA_OWN.contains(&uid) {
            return Ok(());
        }
        if let Some(name) = variable(uid) {
            if self.datasource_variables.contains(name) {
                return Ok(());
            }
            if name.starts_with("DS_") {
                return Err(format!(
                    "datasource `{uid}` is an input of a dashboard exported for sharing externally, which file provisioning never fills in; use the uid `{DATASOURCE}` (or export without \"Export for sharing externally\")"
                ));
            }
            return Err(format!(
                "datasource `{uid}` is no variable of type `datasource` with query `prometheus` in this dashboard's `templating`"
            ));
        }
        Err(format!(
            "datasource `{uid}` is not the provisioned one: stackgen provisions Thanos Query as uid `{DATASOURCE}`"
        ))
    }
}

/// The variable a `$name` or `${name}` (or `${name:format}`) reference names.
fn variable(reference: &str) -> Option<&str> {
    let rest = reference.strip_prefix('$')?;
    let name = match rest.strip_prefix('{') {
        Some(inner) => inner.strip_suffix('}')?.split(':').next()?,
        None => rest,
    };
    (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then_some(name)
}

/// Whether a query parses once Grafana has filled in its variables. The value a variable
/// takes is unknown, so each is given one that fits where it stands: any text inside a
/// string, a duration inside brackets or after `offset`, a label name in a label list,
/// and elsewhere a selector or, failing that, a number.
pub fn parses(expr: &str) -> Result<(), String> {
    promql_parser::parser::parse(&concrete(expr))
        .map(drop)
        .map_err(|e| e.to_string())
}

/// `expr` with Grafana's variables filled in by the stand-ins of [`parses`]: the first
/// filling that parses, or the first when none does.
pub fn concrete(expr: &str) -> String {
    let first = substitute(expr, "x");
    if promql_parser::parser::parse(&first).is_ok() {
        return first;
    }
    let second = substitute(expr, "1");
    if promql_parser::parser::parse(&second).is_ok() {
        second
    } else {
        first
    }
}

/// `expr` with every Grafana variable replaced by a stand-in that fits where it stands;
/// `elsewhere` is the stand-in outside strings, brackets and label lists.
pub fn substitute(expr: &str, elsewhere: &str) -> String {
    const LABEL_LISTS: [&str; 6] = [
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
    ];
    let chars: Vec<char> = expr.chars().collect();
    let mut out = String::with_capacity(expr.len());
    let mut quote: Option<char> = None;
    let mut brackets = 0usize;
    // For each open parenthesis, whether it holds label names.
    let mut parens: Vec<bool> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if let Some(q) = quote {
            if c == '\\' && q != '`' {
                out.push(c);
                if let Some(next) = chars.get(i + 1) {
                    out.push(*next);
                }
                i += 2;
                continue;
            }
            if c == q {
                quote = None;
                out.push(c);
                i += 1;
                continue;
            }
        }
        let reference = if c == '$' {
            reference_len(&chars[i..])
        } else if c == '[' && chars.get(i + 1) == Some(&'[') {
            double_bracket_len(&chars[i..])
        } else {
            None
        };
        if let Some(len) = reference {
            let stand_in = if quote.is_some() {
                "x"
            } else if brackets > 0 || out.trim_end().ends_with("offset") {
                "5m"
            } else if parens.last() == Some(&true) {
                "x"
            } else {
                elsewhere
            };
            out.push_str(stand_in);
            i += len;
            continue;
        }
        if quote.is_none() {
            match c {
                '"' | '\'' | '`' => quote = Some(c),
                '[' => brackets += 1,
                ']' => brackets = brackets.saturating_sub(1),
                '(' => {
                    let before = out.trim_end();
                    let word: String = before
                        .chars()
                        .rev()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect::<Vec<_>>()
                        .into_iter()
                        .rev()
                        .collect();
                    parens.push(LABEL_LISTS.contains(&word.to_ascii_lowercase().as_str()));
                }
                ')' => {
                    parens.pop();
                }
                _ => {}
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

/// The length of a `$name`, `${…}` reference at the start of `chars`.
fn reference_len(chars: &[char]) -> Option<usize> {
    match chars.get(1)? {
        '{' => chars.iter().position(|c| *c == '}').map(|end| end + 1),
        c if c.is_ascii_alphabetic() || *c == '_' => Some(
            1 + chars[1..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                .count(),
        ),
        _ => None,
    }
}

/// The length of a deprecated `[[name]]` reference at the start of `chars`.
fn double_bracket_len(chars: &[char]) -> Option<usize> {
    let name = chars[2..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == '_' || **c == ':')
        .count();
    (name > 0 && chars.get(2 + name) == Some(&']') && chars.get(3 + name) == Some(&']'))
        .then_some(name + 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        check(text).problems
    }

    #[test]
    fn grafana_variables_get_stand_ins_that_fit_where_they_stand() {
        for expr in [
            r#"sum by (job) (rate(http_requests_total{job=~"$job", code=~"5.."}[$__rate_interval]))"#,
            r#"topk($n, sum by ($group) (rate(x{a="${a:regex}"}[$__interval])))"#,
            "histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m]))) > $threshold",
            "sum(x offset $__interval) / $__range_s",
            r#"rate(x{pod=~"[[pod]]"}[[[interval]]])"#,
            r#"max_over_time(x{a="b"}[1h:$step])"#,
        ] {
            assert!(parses(expr).is_ok(), "{expr}: {:?}", parses(expr));
        }
        assert!(parses("sum(rate(x[5m])").is_err());
    }

    #[test]
    fn a_dashboard_needs_a_json_object_with_a_title() {
        assert!(problems("{").iter().any(|p| p.contains("not valid JSON")));
        assert!(
            problems("[]")
                .iter()
                .any(|p| p.contains("not a JSON object"))
        );
        assert_eq!(problems(r#"{"panels": []}"#), ["has no `title`"]);
        assert!(problems(r#"{"title": "A"}"#).is_empty());
    }

    #[test]
    fn only_the_provisioned_datasource_is_read() {
        let ok = r#"{"title": "A", "panels": [
            {"title": "p", "datasource": {"type": "prometheus", "uid": "DS_PROMETHEUS"},
             "targets": [{"datasource": "DS_PROMETHEUS", "expr": "up"}]},
            {"title": "q", "datasource": {"type": "prometheus", "uid": "${ds}"}}],
            "annotations": {"list": [{"name": "Annotations & Alerts", "enable": true,
              "datasource": {"type": "grafana", "uid": "-- Grafana --"}}]},
            "templating": {"list": [{"name": "ds", "type": "datasource", "query": "prometheus"}]}}"#;
        assert!(problems(ok).is_empty(), "{:?}", problems(ok));
        let other = r#"{"title": "A", "panels": [{"title": "Load",
            "targets": [{"datasource": {"type": "prometheus", "uid": "abc123"}, "expr": "up"}]}]}"#;
        let found = problems(other);
        assert!(
            found[0].starts_with("panel `Load`: datasource `abc123` is not the provisioned one"),
            "{found:?}"
        );
        let exported = r#"{"title": "A", "panels": [{"title": "Load",
            "datasource": "${DS_PROM}"}]}"#;
        assert!(problems(exported)[0].contains("exported for sharing externally"));
        let loki = r#"{"title": "A", "panels": [{"title": "Logs",
            "datasource": {"type": "loki", "uid": "DS_PROMETHEUS"}}]}"#;
        assert!(problems(loki)[0].contains("has type `loki`"));
    }

    #[test]
    fn every_query_parses_and_the_panel_is_named() {
        let text = r#"{"title": "A", "panels": [{"title": "Row", "type": "row", "panels": [
            {"title": "Errors", "targets": [{"expr": "sum(rate(x[5m])"}]}]}]}"#;
        let found = problems(text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("panel `Errors`: query `sum(rate(x[5m])` does not parse"),
            "{found:?}"
        );
    }
}
