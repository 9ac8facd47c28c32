//! "Did you mean …?" for misspelt keys and values.

/// The candidate closest to `input`, if one is close enough to be a likely typo.
///
/// Spelling variants that differ only in case or separators (`scrape_interval`,
/// `ScrapeInterval`) match outright; otherwise Jaro-Winkler similarity, which favours a
/// shared prefix, picks the best candidate above a threshold.
pub fn closest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let normal = normalize(input);
    let mut best: Option<(&str, f64)> = None;
    for candidate in candidates {
        if normalize(candidate) == normal {
            return Some(candidate);
        }
        let other = normalize(candidate);
        let score = strsim::jaro_winkler(&normal, &other);
        // Jaro-Winkler sees no match in very short words (`dve` for `dev`); one edit or
        // transposition still marks a likely typo there.
        let close = score >= 0.8 || strsim::damerau_levenshtein(&normal, &other) <= 1;
        if close && best.is_none_or(|(_, s)| score > s) {
            best = Some((candidate, score));
        }
    }
    best.map(|(candidate, _)| candidate)
}

fn normalize(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn suggests_the_likely_key() {
        let keys = ["replicas", "retention", "scrapeInterval", "storage"];
        assert_eq!(closest("replica", keys), Some("replicas"));
        assert_eq!(closest("scrape_interval", keys), Some("scrapeInterval"));
        assert_eq!(closest("retnetion", keys), Some("retention"));
        assert_eq!(closest("zzz", keys), None);
        assert_eq!(closest("dve", ["dev", "eks", "gke"]), Some("dev"));
        assert_eq!(closest("gek", ["dev", "eks", "gke"]), Some("gke"));
    }
}
