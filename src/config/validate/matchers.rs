//! Alertmanager's matcher syntax, as v0.28 reads routes' and inhibition rules' `matchers`:
//! one string holds one or more matchers (`a="b", c=~"d|e"`), optionally in braces; names
//! and values are double-quoted strings or bare words. v0.28 tries its UTF-8 parser and
//! falls back to the classic one, so what either accepts is accepted here.

use regex::Regex;

/// One parsed matcher; only what the rules need of it.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Matcher {
    pub name: String,
    pub op: &'static str,
    pub value: String,
}

/// Characters that end a bare word (Alertmanager's reserved characters and whitespace).
fn ends_word(c: char) -> bool {
    c.is_whitespace() || "{}!=~,\"'`".contains(c)
}

struct Cursor<'a> {
    rest: &'a str,
}

impl<'a> Cursor<'a> {
    fn skip_space(&mut self) {
        self.rest = self.rest.trim_start();
    }

    fn eat(&mut self, token: &str) -> bool {
        match self.rest.strip_prefix(token) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }

    /// A double-quoted string with Go's escapes, or a bare word (possibly empty).
    fn word(&mut self, what: &str) -> Result<String, String> {
        self.skip_space();
        if let Some(body) = self.rest.strip_prefix('"') {
            let mut out = String::new();
            let mut chars = body.char_indices();
            while let Some((i, c)) = chars.next() {
                match c {
                    '"' => {
                        self.rest = &body[i + 1..];
                        return Ok(out);
                    }
                    '\\' => match chars.next() {
                        Some((_, 'n')) => out.push('\n'),
                        Some((_, 't')) => out.push('\t'),
                        Some((_, e @ ('\\' | '"'))) => out.push(e),
                        Some((_, e)) => {
                            return Err(format!("`\\{e}` is not an escape a quoted {what} allows"));
                        }
                        None => break,
                    },
                    _ => out.push(c),
                }
            }
            return Err(format!("the quoted {what} is never closed"));
        }
        let end = self.rest.find(ends_word).unwrap_or(self.rest.len());
        let (word, rest) = self.rest.split_at(end);
        self.rest = rest;
        Ok(word.to_owned())
    }
}

/// The matchers of one string, or why Alertmanager would refuse it.
pub(super) fn parse(text: &str) -> Result<Vec<Matcher>, String> {
    let mut c = Cursor { rest: text.trim() };
    let braced = c.eat("{");
    if braced && !c.rest.trim_end().ends_with('}') {
        return Err("`{` is never closed by `}`".to_owned());
    }
    if braced {
        c.rest = c.rest.trim_end().strip_suffix('}').unwrap_or(c.rest);
    }
    let mut out = Vec::new();
    loop {
        c.skip_space();
        if c.rest.is_empty() && (braced || !out.is_empty()) {
            break;
        }
        let name = c.word("label name")?;
        if name.is_empty() {
            return Err("a matcher starts with a label name".to_owned());
        }
        c.skip_space();
        let op = ["=~", "!~", "!=", "="]
            .into_iter()
            .find(|op| c.eat(op))
            .ok_or_else(|| format!("`{name}` is not followed by `=`, `!=`, `=~` or `!~`"))?;
        let value = c.word("value")?;
        if op.contains('~') {
            // Alertmanager anchors matcher regexes and uses Go's RE2, which the regex crate
            // follows.
            if let Err(e) = Regex::new(&format!("^(?:{value})$")) {
                let why = e.to_string().lines().last().unwrap_or_default().to_owned();
                return Err(format!("`{value}` is not a regular expression: {why}"));
            }
        }
        out.push(Matcher { name, op, value });
        c.skip_space();
        if c.rest.is_empty() {
            break;
        }
        if !c.eat(",") {
            return Err(format!("unexpected `{}` after a matcher", c.rest));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn matchers_alertmanager_reads_parse() {
        for ok in [
            r#"severity="critical""#,
            "env!=dev",
            r#"team=~"a|b""#,
            r#"{severity="page", team!~"x.*"}"#,
            r#"service="a \"quoted\" name""#,
            r#""label with space"="v""#,
            r#"empty="""#,
            "{}",
        ] {
            assert!(parse(ok).is_ok(), "{ok}: {:?}", parse(ok));
        }
        let m = parse(r#"a="1", b=~"x""#).unwrap();
        assert_eq!(
            (m[1].name.as_str(), m[1].op, m[1].value.as_str()),
            ("b", "=~", "x")
        );
    }

    #[test]
    fn broken_matchers_say_why() {
        for (bad, why) in [
            ("severity", "is not followed by"),
            (r#"team=~"(a""#, "is not a regular expression"),
            (r#"a="unclosed"#, "never closed"),
            (r#"{a="b""#, "never closed by `}`"),
            (r#"a="b" c="d""#, "unexpected"),
            ("=x", "starts with a label name"),
            ("", "starts with a label name"),
        ] {
            let err = parse(bad).unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }
}
