//! What a fleet's members were told, each thing said once: a warning about a built-in
//! default or a shared file is every member's, and a thousand copies of it would bury the
//! one finding that matters.

use std::fmt::Write as _;

use indexmap::IndexMap;

use crate::diagnostic::{Diagnostic, in_document_order};
use crate::source::{Origin, Sources};

/// How many members a note names before it says "and N more".
const NAMED: usize = 5;

/// The diagnostics of every member (its file, its diagnostics, the sources they quote), in
/// the members' order and each member's in document order, as `render_all` renders them.
/// A diagnostic several members share is said once; one that does not point into the
/// member's own file (a shared file, a `--set`, a default) ends with the members it concerns.
pub fn diagnostics<'a>(
    members: impl IntoIterator<Item = (&'a str, &'a [Diagnostic], &'a Sources)>,
) -> String {
    // Keyed by the rendered text: two diagnostics that read the same are the same to the
    // reader, and a member's own file is named in its text, which keeps those apart.
    let mut said: IndexMap<String, Vec<(&'a str, bool)>> = IndexMap::new();
    for (file, diagnostics, sources) in members {
        for d in in_document_order(diagnostics) {
            let home = matches!(&d.origin, Some(Origin::File { name, .. }) if &**name == file);
            let concerned = said.entry(d.render(sources)).or_default();
            if concerned.last().is_none_or(|(last, _)| *last != file) {
                concerned.push((file, home));
            }
        }
    }
    let mut out = String::new();
    for (text, concerned) in said {
        out.push_str(&text);
        match concerned.as_slice() {
            [(_, true)] => {}
            [(file, false)] => {
                let _ = writeln!(out, "  = note: in fleet member `{file}`");
            }
            _ => {
                let _ = writeln!(
                    out,
                    "  = note: in {} fleet members: {}",
                    concerned.len(),
                    named(concerned.iter().map(|(file, _)| *file))
                );
            }
        }
        out.push('\n');
    }
    out
}

/// `` `a`, `b`, `c`, `d`, `e` and 7 more ``.
pub fn named<'a>(files: impl ExactSizeIterator<Item = &'a str>) -> String {
    let total = files.len();
    let shown: Vec<String> = files.take(NAMED).map(|f| format!("`{f}`")).collect();
    match total.saturating_sub(NAMED) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(name: &str) -> Sources {
        let mut sources = Sources::default();
        sources.add("base.yaml", "spec:\n  cluster: x\n".to_owned());
        sources.add(name, "metadata:\n  name: a\n".to_owned());
        sources
    }

    fn at(name: &str, source: usize, line: usize) -> Diagnostic {
        Diagnostic::warning("look here").from_origin(Some(Origin::File {
            name: name.into(),
            source,
            line,
            column: 3,
        }))
    }

    #[test]
    fn a_shared_diagnostic_is_said_once_with_the_members_it_concerns() {
        let (a, b) = (sources("a.yaml"), sources("b.yaml"));
        let shared = [
            Diagnostic::warning("from the defaults"),
            at("base.yaml", 0, 2),
        ];
        let text = diagnostics([("a.yaml", &shared[..], &a), ("b.yaml", &shared[..], &b)]);
        assert_eq!(text.matches("from the defaults").count(), 1, "{text}");
        assert_eq!(text.matches("--> base.yaml:2:3").count(), 1, "{text}");
        assert_eq!(
            text.matches("= note: in 2 fleet members: `a.yaml`, `b.yaml`")
                .count(),
            2,
            "{text}"
        );
    }

    #[test]
    fn a_diagnostic_in_the_members_own_file_needs_no_note() {
        let (a, b) = (sources("a.yaml"), sources("b.yaml"));
        let text = diagnostics([
            ("a.yaml", &[at("a.yaml", 1, 2)][..], &a),
            ("b.yaml", &[at("b.yaml", 1, 2)][..], &b),
        ]);
        assert!(text.contains("--> a.yaml:2:3") && text.contains("--> b.yaml:2:3"));
        assert!(!text.contains("note"), "{text}");
        // The members' order, not the order of the texts.
        assert!(text.find("a.yaml").unwrap() < text.find("b.yaml").unwrap());
    }

    #[test]
    fn a_shared_file_diagnostic_of_one_member_names_it() {
        let a = sources("a.yaml");
        let text = diagnostics([("a.yaml", &[at("base.yaml", 0, 2)][..], &a)]);
        assert!(text.contains("= note: in fleet member `a.yaml`"), "{text}");
    }

    #[test]
    fn long_lists_are_cut() {
        let files = ["a", "b", "c", "d", "e", "f", "g"];
        assert_eq!(
            named(files.iter().copied()),
            "`a`, `b`, `c`, `d`, `e` and 2 more"
        );
    }
}
