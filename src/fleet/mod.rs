//! Fleet mode: one config per cluster, validated together and rendered on every core.
//!
//! A member's layers are the shared ones (defaults < profiles < the shared `-c` files) with
//! the member's own file on top and every `--set` over it, run through the same pipeline as
//! a single config ([`pipeline::validate`], then [`Valid::render`]), so a member renders
//! exactly as `render -c shared… -c member` would. A fleet is all or nothing: every member
//! is validated before any is rendered, and one refused member refuses the fleet, with the
//! diagnostics of every refused member. Two members may not share a `metadata.name` (each
//! renders into its own `<name>/` folder) or a `spec.cluster` (the label Thanos Query tells
//! clusters apart by).

pub mod diff;
pub mod report;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use crate::config::tree::Path as ConfigPath;
use crate::config::{self, Document, Inputs};
use crate::diagnostic::Diagnostic;
use crate::output;
use crate::parallel;
use crate::pipeline::{self, Failure, Options, Rendered, Valid};
use crate::source::Origin;

/// One cluster of a fleet: its config file and the config it validated to.
#[derive(Debug, Clone)]
pub struct Member {
    /// The member's file as diagnostics name it (its `Document::name`).
    pub file: String,
    pub valid: Valid,
}

impl Member {
    /// The folder the member renders into, below the fleet's directory.
    pub fn name(&self) -> &str {
        self.valid.config.metadata.name.as_str()
    }

    /// The value of its `cluster` external label.
    pub fn cluster(&self) -> &str {
        &self.valid.config.spec.cluster
    }
}

/// A member the fleet cannot render, and why.
#[derive(Debug)]
pub struct Refusal {
    pub file: String,
    pub failure: Failure,
}

/// Validates every member (on every core) over the `shared` layers. Either every member is
/// valid, and they come back in the order given, or the refused ones do, in that order:
/// each with all its diagnostics, a name or cluster label it shares with an earlier member
/// included.
pub fn validate(
    shared: &Inputs,
    documents: Vec<Document>,
    options: Options,
) -> Result<Vec<Member>, Vec<Refusal>> {
    let outcomes = parallel::map(documents, |document| {
        let mut inputs = layers(shared, document);
        let outcome = pipeline::validate(&inputs, options);
        (inputs.documents.pop(), outcome)
    });
    // Valid members keep their file until the duplicates are known: where a duplicate value
    // was set is looked up in the merged layers, which validation does not keep.
    let mut valid: Vec<(usize, Member, Document)> = Vec::new();
    let mut refused: BTreeMap<usize, Refusal> = BTreeMap::new();
    for (index, (document, outcome)) in outcomes.into_iter().enumerate() {
        let document = document.unwrap_or_else(|| Document {
            name: String::new(),
            text: String::new(),
        });
        let file = document.name.clone();
        match outcome {
            Ok(config) => valid.push((
                index,
                Member {
                    file,
                    valid: config,
                },
                document,
            )),
            Err(failure) => {
                refused.insert(index, Refusal { file, failure });
            }
        }
    }
    let mut problems = duplicates(shared, &valid);
    for (at, diagnostics) in federation(shared, &valid)
        .into_iter()
        .chain(shared_buckets(shared, &valid))
    {
        problems.entry(at).or_default().extend(diagnostics);
    }
    for (at, diagnostics) in problems {
        let (index, member, _) = &valid[at];
        refused.insert(
            *index,
            Refusal {
                file: member.file.clone(),
                failure: Failure::Invalid {
                    diagnostics,
                    sources: member.valid.sources.clone(),
                },
            },
        );
    }
    if refused.is_empty() {
        Ok(valid.into_iter().map(|(_, member, _)| member).collect())
    } else {
        Err(refused.into_values().collect())
    }
}

/// The layers of one member: the shared ones with its file after the shared files.
fn layers(shared: &Inputs, member: Document) -> Inputs {
    let mut inputs = shared.clone();
    inputs.documents.push(member);
    inputs
}

/// A field two members may not share: its path, what the value is, the advice, and the
/// member's value.
type Unique = (
    &'static str,
    &'static str,
    &'static str,
    fn(&Member) -> &str,
);

const UNIQUE: [Unique; 2] = [
    (
        "metadata.name",
        "the name",
        "each cluster of a fleet renders into the folder of its `metadata.name`: give every \
         member its own",
        Member::name,
    ),
    (
        "spec.cluster",
        "the `cluster` label",
        "Thanos Query tells clusters apart by their `cluster` external label: give every \
         member its own `spec.cluster`",
        Member::cluster,
    ),
];

/// For each member (by its place in `members`) that shares a name or cluster label with
/// an earlier one, the errors saying so, naming both files and where each set the value.
fn duplicates(
    shared: &Inputs,
    members: &[(usize, Member, Document)],
) -> BTreeMap<usize, Vec<Diagnostic>> {
    let mut found: BTreeMap<usize, Vec<Diagnostic>> = BTreeMap::new();
    for (path, what, help, value_of) in UNIQUE {
        let mut first: HashMap<&str, usize> = HashMap::new();
        for (at, (_, member, document)) in members.iter().enumerate() {
            let value = value_of(member);
            let Some(&earlier) = first.get(value) else {
                first.insert(value, at);
                continue;
            };
            let (_, other, other_document) = &members[earlier];
            let diagnostic = Diagnostic::error(format!(
                "`{value}` is also {what} of `{}` ({})",
                other.file,
                origin_of(shared, other_document, path)
            ))
            .at(path)
            .from_origin(Some(origin_of(shared, document, path)))
            .help(help);
            found.entry(at).or_default().push(diagnostic);
        }
    }
    found
}

/// For each observer (by its place in `members`) whose federation does not fit the fleet,
/// the errors: a remote endpoint no member offers, TLS the two ends disagree on, or an
/// observed cluster whose replicas the observer would not deduplicate.
fn federation(
    shared: &Inputs,
    members: &[(usize, Member, Document)],
) -> BTreeMap<usize, Vec<Diagnostic>> {
    let offered: Vec<(String, &Member)> = members
        .iter()
        .filter_map(|(_, m, _)| Some((m.valid.config.spec.store_api_address()?, m)))
        .collect();
    let mut found: BTreeMap<usize, Vec<Diagnostic>> = BTreeMap::new();
    for (at, (_, observer, document)) in members.iter().enumerate() {
        let spec = &observer.valid.config.spec;
        let q = &spec.thanos.query;
        let mut error = |path: String, message: String, help: String| {
            let origin = origin_of(shared, document, &path);
            found.entry(at).or_default().push(
                Diagnostic::error(message)
                    .at(&path)
                    .from_origin(Some(origin))
                    .help(help),
            );
        };
        for (i, endpoint) in q.remote_endpoints.iter().enumerate() {
            let path = format!("spec.thanos.query.remoteEndpoints[{i}]");
            let Some((_, observed)) = offered.iter().find(|(a, _)| a == endpoint.as_str()) else {
                let help = if offered.is_empty() {
                    "no member offers its Store API: set `spec.storeApi.expose` in the \
                     observed clusters' configs"
                        .to_owned()
                } else {
                    let list: Vec<String> = offered
                        .iter()
                        .map(|(a, m)| format!("`{a}` ({})", m.file))
                        .collect();
                    format!("the fleet offers {}", list.join(", "))
                };
                error(
                    path,
                    format!("`{endpoint}` is not the Store API of any member of the fleet"),
                    help,
                );
                continue;
            };
            let theirs = &observed.valid.config.spec;
            if theirs.store_api.tls.mode != q.remote_tls.mode {
                error(
                    "spec.thanos.query.remoteTls.mode".to_owned(),
                    format!(
                        "is `{}`, but `{endpoint}` ({}) offers its Store API in `{}`",
                        q.remote_tls.mode.as_str(),
                        observed.file,
                        theirs.store_api.tls.mode.as_str()
                    ),
                    "both ends of a connection between clusters use the same `mode`".to_owned(),
                );
            }
            let dedups: Vec<&str> = [
                spec.replica_label.as_str(),
                spec.thanos.ruler.replica_label.as_str(),
            ]
            .into_iter()
            .take(if spec.thanos.ruler.enabled { 2 } else { 1 })
            .collect();
            if !dedups.contains(&theirs.replica_label.as_str()) {
                error(
                    path,
                    format!(
                        "`{endpoint}` ({}) labels its Prometheus replicas `{}`, which this \
                         Query does not deduplicate on",
                        observed.file, theirs.replica_label
                    ),
                    format!(
                        "use one `spec.replicaLabel` across the fleet, such as `{}`",
                        spec.replica_label
                    ),
                );
            }
        }
    }
    found
}

/// For each member the errors about the buckets the fleet shares: every bucket written is
/// compacted by exactly one member (two Compactors corrupt a bucket; none leaves it
/// uncompacted, never downsampled or pruned) and read by a Store gateway of some member.
fn shared_buckets(
    shared: &Inputs,
    members: &[(usize, Member, Document)],
) -> BTreeMap<usize, Vec<Diagnostic>> {
    /// Who does what with one bucket: (member's place, its file, the config path naming it).
    #[derive(Default)]
    struct Users<'a> {
        writers: Vec<(usize, &'a str, &'static str)>,
        readers: usize,
        compactors: Vec<(usize, &'a str, &'static str)>,
    }
    let mut buckets: BTreeMap<String, Users> = BTreeMap::new();
    for (at, (_, member, _)) in members.iter().enumerate() {
        for b in member.valid.config.spec.buckets() {
            let users = buckets.entry(b.key).or_default();
            let user = (at, member.file.as_str(), b.path);
            if b.written {
                users.writers.push(user);
            }
            if b.compacted {
                users.compactors.push(user);
            }
            users.readers += usize::from(b.read);
        }
    }
    let mut found: BTreeMap<usize, Vec<Diagnostic>> = BTreeMap::new();
    let mut error = |at: usize, path: &str, message: String, help: &str| {
        let origin = origin_of(shared, &members[at].2, path);
        found.entry(at).or_default().push(
            Diagnostic::error(message)
                .at(path)
                .from_origin(Some(origin))
                .help(help.to_owned()),
        );
    };
    for (bucket, users) in &buckets {
        if let [(_, first, _), others @ ..] = users.compactors.as_slice() {
            for (at, _, path) in others {
                error(
                    *at,
                    path,
                    format!(
                        "`{bucket}` is also compacted by `{first}`: a bucket takes exactly one \
                         Compactor, and two corrupt it"
                    ),
                    "give every cluster a bucket (or `objectStorage.prefix`) of its own, or \
                     set `thanos.compact.enabled: false` in all but one of the clusters \
                     sharing it",
                );
            }
        }
        let Some((at, _, _)) = users.writers.first() else {
            continue;
        };
        let writers: Vec<&str> = users.writers.iter().map(|(_, file, _)| *file).collect();
        if users.compactors.is_empty() {
            error(
                *at,
                "spec.thanos.compact.enabled",
                format!(
                    "`{bucket}`, written by {}, is compacted by no member: it would never be \
                     compacted, downsampled or pruned",
                    report::named(writers.iter().copied())
                ),
                "switch the Compactor on in exactly one of the clusters sharing the bucket",
            );
        }
        if users.readers == 0 {
            error(
                *at,
                "spec.thanos.store.enabled",
                format!(
                    "`{bucket}`, written by {}, is read by no member's Store gateway: its \
                     history past Prometheus's retention would be out of every Query's reach",
                    report::named(writers.iter().copied())
                ),
                "switch the Store gateway on in a cluster whose Query the observer reads",
            );
        }
    }
    found
}

/// Why rendering a valid fleet stopped.
#[derive(Debug)]
pub enum Halt<E> {
    /// A member failed to render: a bug in stackgen, never in its config.
    Render { file: String, failure: Failure },
    /// What the caller's work on a rendered member returned.
    Each(E),
}

impl<E: fmt::Display> fmt::Display for Halt<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Halt::Render {
                file,
                failure: Failure::Internal { error, .. },
            } => write!(f, "cannot render `{file}`: {error}"),
            // `Valid::render` fails only in the stages after validation; should that change,
            // the message still names the member.
            Halt::Render { file, .. } => {
                write!(f, "cannot render `{file}`: it was refused after validation")
            }
            Halt::Each(e) => e.fmt(f),
        }
    }
}

/// Renders every member through the pipeline on every core and hands each stack to `each`
/// as soon as it is rendered, so at most one stack per worker is held at once; the results
/// of `each` come back in the members' order. The first failure stops the fleet: no member
/// is started after it, and the failure of the earliest failing member is returned.
pub fn render_each<T: Send, E: Send>(
    members: Vec<Member>,
    each: impl Fn(&str, Rendered) -> Result<T, E> + Sync,
) -> Result<Vec<T>, Halt<E>> {
    parallel::try_map(members, |member| match member.valid.render() {
        Ok(rendered) => each(&member.file, rendered).map_err(Halt::Each),
        Err(failure) => Err(Halt::Render {
            file: member.file,
            failure,
        }),
    })
}

/// The files of one member in the fleet's directory: what `render -o` writes for it, under
/// `<metadata.name>/`.
pub fn files(rendered: &Rendered) -> BTreeMap<PathBuf, String> {
    let name = Path::new(rendered.config.metadata.name.as_str());
    output::directory_files(&rendered.objects)
        .into_iter()
        .map(|(path, content)| (name.join(path), content))
        .collect()
}

/// Where a member's layers set the value at `path` (a config path such as
/// `metadata.name`): merged again, which only a refusal pays for. The merge is the one
/// validation made, so the origin's source ids match the member's sources.
fn origin_of(shared: &Inputs, member: &Document, path: &str) -> Origin {
    let path = ConfigPath::parse(path).unwrap_or_else(|_| ConfigPath::root());
    config::load::merge(&layers(shared, member.clone()))
        .tree
        .origin_of(&path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::render_all;

    fn member(file: &str, name: &str, cluster: &str) -> Document {
        Document {
            name: file.to_owned(),
            text: format!(
                "apiVersion: stackgen.dev/v1alpha1\nkind: MonitoringStack\nmetadata:\n  \
                 name: {name}\nspec:\n  cluster: {cluster}\n  \
                 objectStorage: {{bucket: {cluster}-metrics, rulerBucket: {cluster}-ruler}}\n"
            ),
        }
    }

    fn refused(members: Vec<Document>) -> Vec<Refusal> {
        validate(&Inputs::default(), members, Options::default()).unwrap_err()
    }

    fn text(refusal: &Refusal) -> String {
        render_all(refusal.failure.diagnostics(), refusal.failure.sources())
    }

    #[test]
    fn members_come_back_valid_in_the_order_given() {
        let members = validate(
            &Inputs::default(),
            vec![member("z.yaml", "z", "z"), member("a.yaml", "a", "a")],
            Options::default(),
        )
        .unwrap();
        let names: Vec<(&str, &str, &str)> = members
            .iter()
            .map(|m| (m.file.as_str(), m.name(), m.cluster()))
            .collect();
        assert_eq!(names, [("z.yaml", "z", "z"), ("a.yaml", "a", "a")]);
    }

    #[test]
    fn a_duplicate_name_is_refused_naming_both_files_and_lines() {
        let refusals = refused(vec![
            member("a.yaml", "eu-1", "a"),
            member("b.yaml", "eu-2", "b"),
            member("c.yaml", "eu-1", "c"),
        ]);
        let [refusal] = refusals.as_slice() else {
            panic!("only the later member is refused: {refusals:?}");
        };
        assert_eq!(refusal.file, "c.yaml");
        let text = text(refusal);
        assert!(
            text.contains("`metadata.name`: `eu-1` is also the name of `a.yaml` (a.yaml:4:9)"),
            "{text}"
        );
        assert!(text.contains("--> c.yaml:4:9"), "{text}");
    }

    #[test]
    fn a_duplicate_cluster_label_is_refused_even_from_the_defaults() {
        let [a, b] = [("a.yaml", "a"), ("b.yaml", "b")].map(|(file, name)| Document {
            name: file.to_owned(),
            text: format!("metadata:\n  name: {name}\n"),
        });
        let refusals = refused(vec![a, b]);
        let text = text(&refusals[0]);
        assert_eq!(refusals.len(), 1);
        assert!(
            text.contains(
                "`spec.cluster`: `prometheus-ha` is also the `cluster` label of `a.yaml` \
                 (built-in default)"
            ),
            "{text}"
        );
        assert!(text.contains("--> built-in default"), "{text}");
    }

    #[test]
    fn every_refused_member_is_reported_in_file_order() {
        let mut broken = member("b.yaml", "b", "b");
        broken
            .text
            .push_str("  thanos:\n    compact:\n      replicas: 2\n");
        let refusals = refused(vec![
            member("a.yaml", "a", "a"),
            broken,
            member("c.yaml", "a", "c"),
            member("d.yaml", "d", "d"),
        ]);
        let files: Vec<&str> = refusals.iter().map(|r| r.file.as_str()).collect();
        assert_eq!(files, ["b.yaml", "c.yaml"]);
        assert!(text(&refusals[0]).contains("--> b.yaml:10:17"));
    }

    fn config(file: &str, body: &str) -> Document {
        Document {
            name: file.to_owned(),
            text: format!("apiVersion: stackgen.dev/v1alpha1\nkind: MonitoringStack\n{body}"),
        }
    }

    fn observed(file: &str, name: &str) -> Document {
        config(
            file,
            &format!(
                "metadata: {{name: {name}}}\nspec:\n  cluster: {name}\n  domain: {name}.example.com\n  \
                 storeApi: {{expose: ingress}}\n  \
                 objectStorage: {{bucket: {name}-metrics, rulerBucket: {name}-ruler}}\n"
            ),
        )
    }

    fn observer(endpoints: &str) -> Document {
        config(
            "observer.yaml",
            &format!(
                "metadata: {{name: observer}}\nspec:\n  cluster: observer\n  \
                 objectStorage: {{bucket: observer-metrics, rulerBucket: observer-ruler}}\n  \
                 thanos:\n    query:\n      remoteEndpoints: [{endpoints}]\n"
            ),
        )
    }

    #[test]
    fn an_observer_of_the_fleets_store_apis_passes() {
        let members = validate(
            &Inputs::default(),
            vec![
                observer("'thanos-grpc.eu.example.com:443', 'thanos-grpc.us.example.com:443'"),
                observed("eu.yaml", "eu"),
                observed("us.yaml", "us"),
            ],
            Options::default(),
        );
        assert!(members.is_ok(), "{:?}", members.err());
    }

    #[test]
    fn an_endpoint_no_member_offers_is_refused_with_what_is_offered() {
        let refusals = refused(vec![
            observer("'thanos-grpc.eu.example.com:10901'"),
            observed("eu.yaml", "eu"),
        ]);
        let text = text(&refusals[0]);
        assert!(
            text.contains("`thanos-grpc.eu.example.com:10901` is not the Store API of any member"),
            "{text}"
        );
        assert!(
            text.contains("the fleet offers `thanos-grpc.eu.example.com:443` (eu.yaml)"),
            "{text}"
        );
        assert!(text.contains("--> observer.yaml:9:"), "{text}");
    }

    #[test]
    fn both_ends_must_agree_on_tls_and_replica_labels() {
        let refusals = refused(vec![
            observer("'thanos-grpc.eu.example.com:10901'"),
            config(
                "eu.yaml",
                "metadata: {name: eu}\nspec:\n  cluster: eu\n  domain: eu.example.com\n  \
                 objectStorage: {bucket: eu-metrics, rulerBucket: eu-ruler}\n  \
                 replicaLabel: prom_replica\n  storeApi: {expose: loadBalancer, \
                 sources: ['203.0.113.0/24'], tls: {mode: plaintext, secretName: s}}\n",
            ),
        ]);
        assert_eq!(refusals.len(), 1, "{refusals:?}");
        let text = text(&refusals[0]);
        assert!(
            text.contains("is `mutual`, but `thanos-grpc.eu.example.com:10901` (eu.yaml) offers its Store API in `plaintext`"),
            "{text}"
        );
        assert!(
            text.contains("labels its Prometheus replicas `prom_replica`"),
            "{text}"
        );
    }

    #[test]
    fn two_clusters_writing_one_bucket_are_refused() {
        let [a, b] = [("a.yaml", "a"), ("b.yaml", "b")].map(|(file, name)| Document {
            name: file.to_owned(),
            text: format!("metadata:\n  name: {name}\nspec:\n  cluster: {name}\n"),
        });
        let refusals = refused(vec![a, b]);
        let text = text(&refusals[0]);
        assert_eq!(refusals.len(), 1);
        assert_eq!(refusals[0].file, "b.yaml");
        assert!(
            text.contains("`gs://prometheus-long-term` is also compacted by `a.yaml`"),
            "{text}"
        );
    }

    /// A member over `bucket`, with `spec` lines after it.
    fn over(file: &str, name: &str, spec: &str) -> Document {
        Document {
            name: file.to_owned(),
            text: format!(
                "metadata:\n  name: {name}\nspec:\n  cluster: {name}\n  \
                 objectStorage: {{bucket: shared, rulerBucket: {name}-ruler}}\n{spec}"
            ),
        }
    }

    #[test]
    fn a_shared_bucket_is_compacted_and_read_by_one_cluster() {
        let hands_over = "  thanos: {compact: {enabled: false}, store: {enabled: false}, \
                          ruler: {enabled: false}}\n";
        let members = validate(
            &Inputs::default(),
            vec![
                over("eu.yaml", "eu", hands_over),
                over("us.yaml", "us", hands_over),
                over(
                    "observer.yaml",
                    "observer",
                    "  prometheus: {enabled: false}\n",
                ),
            ],
            Options::default(),
        );
        assert!(members.is_ok(), "{:?}", members.err());
    }

    #[test]
    fn a_shared_bucket_nobody_compacts_or_reads_is_refused() {
        let hands_over = "  thanos: {compact: {enabled: false}, store: {enabled: false}, \
                          ruler: {enabled: false}}\n";
        let refusals = refused(vec![
            over("eu.yaml", "eu", hands_over),
            over("us.yaml", "us", hands_over),
        ]);
        assert_eq!(refusals.len(), 1, "{refusals:?}");
        let text = text(&refusals[0]);
        assert!(
            text.contains(
                "`gs://shared`, written by `eu.yaml`, `us.yaml`, is compacted by no member"
            ),
            "{text}"
        );
        assert!(
            text.contains("is read by no member's Store gateway"),
            "{text}"
        );
    }

    #[test]
    fn clusters_may_share_a_bucket_under_prefixes_of_their_own() {
        let [a, b] = [("a.yaml", "a"), ("b.yaml", "b")].map(|(file, name)| Document {
            name: file.to_owned(),
            text: format!(
                "metadata:\n  name: {name}\nspec:\n  cluster: {name}\n  \
                 objectStorage: {{prefix: {name}}}\n"
            ),
        });
        let members = validate(&Inputs::default(), vec![a, b], Options::default());
        assert!(members.is_ok(), "{:?}", members.err());
    }

    #[test]
    fn shared_layers_apply_to_every_member() {
        let shared = Inputs {
            documents: vec![Document {
                name: "base.yaml".to_owned(),
                text: "spec:\n  namespace: shared\n".to_owned(),
            }],
            sets: vec!["prometheus.replicas=4".to_owned()],
            ..Inputs::default()
        };
        let members = validate(
            &shared,
            vec![member("a.yaml", "a", "a"), member("b.yaml", "b", "b")],
            Options::default(),
        )
        .unwrap();
        for m in &members {
            assert_eq!(m.valid.config.spec.namespace.as_str(), "shared");
            assert_eq!(m.valid.config.spec.prometheus.replicas, 4);
        }
    }

    #[test]
    fn each_member_renders_into_its_own_folder_in_order() {
        let members = validate(
            &Inputs::default(),
            vec![member("b.yaml", "b", "b"), member("a.yaml", "a", "a")],
            Options::default(),
        )
        .unwrap();
        let rendered = render_each(members, |file, rendered| {
            Ok::<_, ()>((file.to_owned(), files(&rendered)))
        })
        .unwrap();
        assert_eq!(rendered[0].0, "b.yaml");
        assert!(rendered[0].1.keys().all(|p| p.starts_with("b")));
        assert!(
            rendered[1]
                .1
                .contains_key(Path::new("a/kustomization.yaml"))
        );
    }
}
