//! The fields a query can name, what each one reads from an event, and how the stores index it.
//! One table for the parser, the SQL compiler, the in-memory evaluator and the stores' indexer,
//! so they cannot disagree about what `agent:` or `class:` means.

use std::borrow::Cow;

use ward_model::Event;

use crate::ast::{Pattern, Piece};
use crate::path_form::{fold_case, path_value, UNKNOWN_PLACE};

/// How a field is stored and matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// One value per event (or none): a column of `events`.
    Scalar,
    /// Any number of values per event: rows of `event_tags`, matched if any value matches.
    Set,
    /// The event's time (`since:` / `until:`).
    Time,
}

/// A field of the query language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Agent,
    Device,
    Kind,
    Decision,
    Tier,
    Repo,
    Tool,
    Action,
    Session,
    Cwd,
    Id,
    Class,
    Rule,
    Host,
    Fingerprint,
    Path,
    Since,
    Until,
}

impl Field {
    pub const ALL: [Field; 18] = [
        Field::Agent,
        Field::Device,
        Field::Kind,
        Field::Decision,
        Field::Tier,
        Field::Repo,
        Field::Tool,
        Field::Action,
        Field::Session,
        Field::Cwd,
        Field::Id,
        Field::Class,
        Field::Rule,
        Field::Host,
        Field::Fingerprint,
        Field::Path,
        Field::Since,
        Field::Until,
    ];

    /// The name users type (and the column / tag name in the stores).
    pub fn name(self) -> &'static str {
        match self {
            Field::Agent => "agent",
            Field::Device => "device",
            Field::Kind => "kind",
            Field::Decision => "decision",
            Field::Tier => "tier",
            Field::Repo => "repo",
            Field::Tool => "tool",
            Field::Action => "action",
            Field::Session => "session",
            Field::Cwd => "cwd",
            Field::Id => "id",
            Field::Class => "class",
            Field::Rule => "rule",
            Field::Host => "host",
            Field::Fingerprint => "fingerprint",
            Field::Path => "path",
            Field::Since => "since",
            Field::Until => "until",
        }
    }

    /// Looks a field up by name; the event's plural member names are accepted too.
    pub fn parse(name: &str) -> Option<Field> {
        let canonical = match name {
            "classes" => "class",
            "rules" => "rule",
            "hosts" => "host",
            "fingerprints" => "fingerprint",
            "paths" => "path",
            other => other,
        };
        Field::ALL.into_iter().find(|field| field.name() == canonical)
    }

    pub fn shape(self) -> Shape {
        match self {
            Field::Class | Field::Rule | Field::Host | Field::Fingerprint | Field::Path => Shape::Set,
            Field::Since | Field::Until => Shape::Time,
            _ => Shape::Scalar,
        }
    }

    /// Fields that can be grouped by (`--count-by`): every field but the time bounds.
    pub fn groupable(self) -> bool {
        self.shape() != Shape::Time
    }

    /// The scalar fields, in the order of the `events` table's columns.
    pub fn scalars() -> impl Iterator<Item = Field> {
        Field::ALL.into_iter().filter(|f| f.shape() == Shape::Scalar)
    }

    /// The set fields.
    pub fn sets() -> impl Iterator<Item = Field> {
        Field::ALL.into_iter().filter(|f| f.shape() == Shape::Set)
    }

    /// The value of a scalar field in `event` (as written, unknown enum values included).
    pub fn scalar(self, event: &Event) -> Option<&str> {
        match self {
            Field::Agent => event.agent.as_deref(),
            Field::Device => Some(&event.device),
            Field::Kind => Some(event.kind_name()),
            Field::Decision => event.decision_name(),
            Field::Tier => event.tier.as_deref(),
            Field::Repo => event.repo.as_deref(),
            Field::Tool => event.tool.as_deref(),
            Field::Action => event.action_name(),
            Field::Session => event.session.as_deref(),
            Field::Cwd => event.cwd.as_deref(),
            Field::Id => Some(&event.id),
            _ => None,
        }
    }

    /// The values of a set field in `event`, each once; the stores index these values and the
    /// in-memory evaluation matches them, from this one list. A path's value is its canonical
    /// form without case ([`path_value`]: resolved against the event's `cwd`, in lexical
    /// normal form), so neither a `path:` question nor an exclusion can be walked around by
    /// spelling.
    pub fn set(self, event: &Event) -> Vec<Cow<'_, str>> {
        // A list a newer writer wrote in a shape this version does not model (a path's `access`
        // it does not know, a member added to a redaction record) is kept whole among the
        // event's unknown members; its values are read from there, so they stay searchable.
        let kept = |key: &str, member: Option<&str>| listed(event.unknown.get(key), member);
        let texts: Vec<&str> = match self {
            Field::Class => event.classes.iter().map(String::as_str).chain(kept("classes", None)).collect(),
            Field::Rule => {
                let mut names = event.rule_names();
                names.extend(kept("matched", Some("rule")));
                // Events recorded before `matched` was typed carry the list in `detail.matched`.
                if event.matched.is_empty() {
                    names.extend(listed(event.detail.get("matched"), Some("rule")));
                }
                names
            }
            Field::Host => event.hosts.iter().map(String::as_str).chain(kept("hosts", None)).collect(),
            Field::Fingerprint => event
                .redactions
                .iter()
                .map(|r| r.fingerprint.as_str())
                .chain(kept("redactions", Some("fingerprint")))
                .collect(),
            Field::Path => {
                event.paths.iter().map(|p| p.path.as_str()).chain(kept("paths", Some("path"))).collect()
            }
            _ => Vec::new(),
        };
        let mut values: Vec<Cow<'_, str>> = if self == Field::Path {
            texts.into_iter().map(|path| path_value(path, event.cwd.as_deref())).collect()
        } else {
            texts.into_iter().map(Cow::Borrowed).collect()
        };
        let mut seen = std::collections::HashSet::new();
        values.retain(|value| seen.insert(value.clone()));
        values
    }

    /// One line of help per field, for `docs/query.md` and `--help`.
    pub fn meaning(self) -> &'static str {
        match self {
            Field::Agent => "the agent (codex, claude-code, gemini-cli, cursor, …)",
            Field::Device => "the device id",
            Field::Kind => "decision, inventory_change, drift, floor_check",
            Field::Decision => "allow, log, ask, deny",
            Field::Tier => "the repository's trust tier",
            Field::Repo => "normalized git remote, e.g. github.com/acme/*",
            Field::Tool => "the agent's tool name",
            Field::Action => "exec, read, write, network, mcp, other",
            Field::Session => "the agent's session id",
            Field::Cwd => "the working directory (~/…: under any user's home)",
            Field::Id => "the event id",
            Field::Class => "a path class the call touched (credential or credentials, @credentials)",
            Field::Rule => "a rule that decided or matched the call",
            Field::Host => "a network host the call reached",
            Field::Fingerprint => "the keyed fingerprint of a redacted secret",
            Field::Path => "a path the call touched (~/…: under any user's home)",
            Field::Since => "events at or after: 90d, 12h, 2026-08-01, 2026-08-01T10:00:00Z",
            Field::Until => "events before: same forms; a date means through that day",
        }
    }
}

/// The values a `class:` term matches: the name as typed, without a leading `@`, in singular and
/// plural (`credential` and `credentials`), since the policy names classes in the plural and
/// people ask in the singular.
pub fn class_variants(value: &str) -> Vec<String> {
    let bare = value.strip_prefix('@').unwrap_or(value);
    let mut variants = vec![bare.to_owned()];
    let other = match bare.strip_suffix('s') {
        Some(singular) if !singular.is_empty() => singular.to_owned(),
        _ => format!("{bare}s"),
    };
    if !bare.is_empty() {
        variants.push(other);
    }
    variants
}

/// The homes a leading `~/` in a `path:` or `cwd:` value stands for. Events keep paths as the
/// agent gave them, which is almost always absolute (`/home/dev/.aws/credentials`), and a fleet
/// has a different home on every machine; so `path:~/.aws/*` asks about any user's home. Each
/// entry is the home's pieces and the separator that follows it. `*` crosses separators, so
/// under the forms with a user wildcard the "user" can also be several directory levels
/// (`/home/dev/work/.aws/…` matches too): those err towards finding more. `~*` is `~` as
/// written, another user's home (`~dev/…`, which a shell expands) and a home reached through its
/// parent (`~/../dev/…`, which no lexical form resolves), and deeper as the others. `/root` and
/// `/var/root` (macOS) are exact, and so is a machine's own home ([`under_home`]).
const HOME_FORMS: &[(&[&str], char)] = &[
    (&["~", "*"], '/'),
    (&["/home/", "*"], '/'),
    (&["/Users/", "*"], '/'),
    (&["/root"], '/'),
    (&["/var/root"], '/'),
    (&["*", ":\\Users\\", "*"], '\\'),
    (&["*", ":/Users/", "*"], '/'),
];

/// Whether `pieces[index]` (a star) is one of a home form's own stars ([`HOME_FORMS`]): a
/// user's name (`/home/*/…`, `~*/…`, after the form's text, before a separator) or a drive
/// (`*:\Users\…`, first, before the form's text), in any case. Such a star stands for one
/// path component; matched as SQL text it is any run of characters like every star, which a
/// stored path hardly ever shows, but intersected with a path glob it is one component
/// ([`crate::path_glob`]).
pub fn is_home_name(pieces: &[Piece], index: usize) -> bool {
    let literal = |i: Option<usize>| match i.and_then(|i| pieces.get(i)) {
        Some(Piece::Literal(text)) => Some(text.to_ascii_lowercase()),
        _ => None,
    };
    let (before, after) = (literal(index.checked_sub(1)), literal(Some(index + 1)));
    let Some(after) = after else { return false };
    HOME_FORMS.iter().any(|(home, _)| {
        home.iter().enumerate().any(|(at, piece)| {
            if *piece != "*" {
                return false;
            }
            let before_fits = match at.checked_sub(1).map(|k| home[k].to_ascii_lowercase()) {
                Some(text) => before.as_deref().is_some_and(|b| b.ends_with(&text)),
                None => index == 0,
            };
            let after_fits = match home.get(at + 1) {
                Some(text) => after.starts_with(&text.to_ascii_lowercase()),
                None => after.starts_with(['/', '\\']),
            };
            before_fits && after_fits
        })
    })
}

/// The patterns a value of `field` matches, any of them: for `path:` and `cwd:` a value starting
/// with `~/` matches under every home form ([`HOME_FORMS`]), the `~/` itself included (some
/// agents report paths that way), and a value ending in `/*` also matches the directory itself
/// ([`directory_itself`]); every other value is matched as written. One function for the SQL
/// compiler and the in-memory evaluator, so they cannot disagree.
pub fn home_variants(field: Field, pattern: &Pattern) -> Vec<Pattern> {
    let forms: Vec<Pattern> = match home_rest(field, pattern) {
        Some(rest) => {
            let homes = HOME_FORMS.iter().map(|(home, separator)| {
                let pieces = home.iter().map(|piece| {
                    if *piece == "*" {
                        Piece::Star
                    } else {
                        Piece::Literal((*piece).to_owned())
                    }
                });
                (pieces.collect(), *separator)
            });
            // A path the hook could only place somewhere known at run time (`**/…`: `cat
            // $(pwd)/../.ssh/id_rsa`) may be in a home: the question includes it, as the policy
            // judged it (any path it could name).
            let unknown =
                (field == Field::Path).then(|| (vec![Piece::Literal(UNKNOWN_PLACE.to_owned())], '/'));
            homes
                .chain(unknown)
                .map(|(home, separator)| placed_under(home, separator, rest, pattern))
                // A path's values are without case ([`path_value`]); a cwd's are as spelled.
                .map(|form| if field == Field::Path { form.case_folded() } else { form })
                .collect()
        }
        None => vec![pattern.clone()],
    };
    if !matches!(field, Field::Path | Field::Cwd) {
        return forms;
    }
    let directories: Vec<Pattern> = forms.iter().filter_map(directory_itself).collect();
    forms.into_iter().chain(directories).collect()
}

/// Whether a value of `field` stands for more than itself ([`home_variants`]): the evaluator
/// builds the variants only then, since route filters evaluate every event.
pub fn has_variants(field: Field, pattern: &Pattern) -> bool {
    matches!(field, Field::Path | Field::Cwd)
        && (home_rest(field, pattern).is_some() || directory_of(pattern).is_some())
}

/// `X/*` asks about what is under the directory X, and a call that names X itself reaches all
/// of it: `tar cz ~/.ssh`, `cp -r ~/.ssh /tmp` record `~/.ssh` (canonical paths have no trailing
/// separator). So the pattern also matches X: the pattern without its final separator and `*`.
/// None for any other pattern, and when X ends in no name of its own (`*/*`, `~/*`, `//*`,
/// `C:/*`, `x/**/*`): those would match far more than a directory.
fn directory_itself(pattern: &Pattern) -> Option<Pattern> {
    let (before, directory) = directory_of(pattern)?;
    let last = Piece::Literal(directory.to_owned());
    Some(Pattern::from_pieces(before.iter().cloned().chain(std::iter::once(last))))
}

/// The pieces before X and X's last literal text, for a pattern `…X/*` that [`directory_itself`]
/// reads as a directory's contents.
fn directory_of(pattern: &Pattern) -> Option<(&[Piece], &str)> {
    let [before @ .., Piece::Literal(text), Piece::Star] = pattern.pieces.as_slice() else { return None };
    let directory = text.strip_suffix(['/', '\\'])?;
    let named = !directory.is_empty() && !directory.ends_with(['/', '\\', ':']);
    named.then_some((before, directory))
}

/// What follows the leading `~/` of a `path:` or `cwd:` value; None for any other value (which
/// has no home forms).
pub fn home_rest(field: Field, pattern: &Pattern) -> Option<&str> {
    match pattern.pieces.first() {
        Some(Piece::Literal(first)) if matches!(field, Field::Path | Field::Cwd) => first.strip_prefix("~/"),
        _ => None,
    }
}

/// `pattern` (whose first piece is `~/` + `rest`) with `home` in place of `~`, its `/`
/// written as the home's `separator`.
fn placed_under(home: Vec<Piece>, separator: char, rest: &str, pattern: &Pattern) -> Pattern {
    let after_home =
        std::iter::once(Piece::Literal(format!("/{rest}"))).chain(pattern.pieces[1..].iter().cloned());
    let after_home = after_home.map(|piece| match piece {
        Piece::Literal(text) if separator != '/' => Piece::Literal(text.replace('/', &separator.to_string())),
        other => other,
    });
    Pattern::from_pieces(home.into_iter().chain(after_home))
}

/// Text every home form of `pattern` contains (`.aws` for `~/.aws/*`): the longest literal run
/// of the value after `~/` with no separator in it, the separator being what differs between
/// forms. The compiler tests it (a substring search) before the forms' wildcard matches, which
/// cost several times one match each: over 500k paths, 7 forms 280–300 ms, with the test first
/// 60–100 ms. None when there is no such text or the value has no home forms.
pub fn home_needle(field: Field, pattern: &Pattern) -> Option<String> {
    home_rest(field, pattern)?;
    longest(separator_free_runs(field, pattern))
}

/// Text every value matching any of `patterns` (each with its home forms) contains: a run of
/// [`separator_free_runs`] all of them share, the longest. `path:~/.aws/*` beside this machine's
/// own home (`/var/lib/dev/.aws/*`, [`under_home`]) share `.aws`, so one substring test comes
/// before all their forms, rather than one per pattern and none for the home. None when they
/// share no text.
pub fn shared_needle(field: Field, patterns: &[&Pattern]) -> Option<String> {
    let (first, others) = patterns.split_first()?;
    let mut shared = separator_free_runs(field, first);
    for pattern in others {
        let runs = separator_free_runs(field, pattern);
        shared.retain(|run| runs.contains(run));
    }
    longest(shared)
}

/// The runs of literal text without a separator that every value matching `pattern` (under any
/// of its home forms) contains: of a `~/` value, those after the `~/` (the home differs by form);
/// of any other, those of all its literal pieces. `*` may stand for anything, so a run never
/// spans one.
fn separator_free_runs(field: Field, pattern: &Pattern) -> Vec<&str> {
    let (first, rest) = match home_rest(field, pattern) {
        Some(after_home) => (Some(after_home), &pattern.pieces[1..]),
        None => (None, &pattern.pieces[..]),
    };
    first
        .into_iter()
        .chain(rest.iter().filter_map(|piece| match piece {
            Piece::Literal(text) => Some(text.as_str()),
            Piece::Star => None,
        }))
        .flat_map(|text| text.split(['/', '\\']))
        .filter(|run| !run.is_empty())
        .collect()
}

fn longest(runs: Vec<&str>) -> Option<String> {
    runs.into_iter().max_by_key(|run| run.len()).map(str::to_owned)
}

/// `pattern` (a `path:` or `cwd:` value starting with `~/`) under one machine's own `home`, for
/// a query that knows it (`ward audit query` on that machine, whose home may be none of
/// [`HOME_FORMS`], e.g. `/var/lib/dev`). None when the value does not start with `~/` or the
/// home forms already cover `home`.
pub fn under_home(field: Field, pattern: &Pattern, home: &str) -> Option<Pattern> {
    let rest = home_rest(field, pattern)?;
    // A path's values are without case ([`path_value`]), its home forms too.
    let home = if field == Field::Path { fold_case(home) } else { std::borrow::Cow::Borrowed(home) };
    let separator = if home.contains('\\') && !home.contains('/') { '\\' } else { '/' };
    let home = home.trim_end_matches(['/', '\\']);
    let probe = format!("{home}{separator}x");
    let tilde_x = Pattern::literal("~/x");
    if home_variants(field, &tilde_x).iter().skip(1).any(|form| form.matches(&probe)) {
        return None;
    }
    Some(placed_under(vec![Piece::Literal(home.to_owned())], separator, rest, pattern))
}

/// The strings of a JSON list of strings (`member: None`), or of one member of a list of objects.
fn listed<'a>(list: Option<&'a serde_json::Value>, member: Option<&str>) -> Vec<&'a str> {
    let items = list.and_then(serde_json::Value::as_array).map_or(&[][..], Vec::as_slice);
    items.iter().filter_map(|item| member.map_or(Some(item), |m| item.get(m))?.as_str()).collect()
}

/// A value as the stores keep it in their indexed columns: NUL (which PostgreSQL text cannot
/// hold) replaced by U+FFFD. The in-memory evaluation compares the same form.
pub fn stored_text(value: &str) -> std::borrow::Cow<'_, str> {
    if value.contains('\0') {
        std::borrow::Cow::Owned(value.replace('\0', "\u{FFFD}"))
    } else {
        std::borrow::Cow::Borrowed(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for field in Field::ALL {
            assert_eq!(Field::parse(field.name()), Some(field));
        }
        assert_eq!(Field::parse("classes"), Some(Field::Class));
        assert_eq!(Field::parse("agnt"), None);
    }

    #[test]
    fn set_values_a_newer_writer_shaped_differently_stay_searchable() {
        // Each list holds something this version cannot type (an access it does not know, a
        // member added to a record, a decision it does not know, a non-string element), so the
        // reader keeps the list whole among the unknown members.
        let event: Event = serde_json::from_value(serde_json::json!({
            "schema_version": 1, "id": "e1", "seq": 1, "device": "d1", "time": "2026-12-05T10:00:00Z",
            "kind": "decision", "cwd": "/home/dev/src", "prev_hash": "0".repeat(64), "hash": "1".repeat(64),
            "paths": [{"path": "~/.ssh/id_rsa", "access": "exfiltrate"}, {"path": "notes.txt", "access": "read"}],
            "redactions": [{"rule": "github-pat", "fingerprint": "9f2c41d0", "confidence": "high"}],
            "matched": [{"rule": "sensitive.ssh", "decision": "quarantine", "reason": "key"}],
            "classes": ["credentials", 7],
            "hosts": ["example.com", {"port": 443}]
        }))
        .unwrap();
        assert!(event.paths.is_empty() && event.unknown.contains_key("paths"), "{event:?}");
        let values =
            |field: Field| -> Vec<String> { field.set(&event).into_iter().map(Cow::into_owned).collect() };
        assert_eq!(values(Field::Path), ["~/.ssh/id_rsa", "/home/dev/src/notes.txt"]);
        assert_eq!(values(Field::Fingerprint), ["9f2c41d0"]);
        assert_eq!(values(Field::Rule), ["sensitive.ssh"]);
        assert_eq!(values(Field::Class), ["credentials"]);
        assert_eq!(values(Field::Host), ["example.com"]);
        let query = crate::Query::parse("path:~/.ssh/* fingerprint:9f2c41d0 rule:sensitive.*").unwrap();
        assert!(query.matches(&event, time::OffsetDateTime::now_utc()));
    }

    #[test]
    fn home_forms_of_a_tilde_path() {
        let parsed = |text: &str| match crate::Query::parse(text).unwrap().expr {
            crate::Expr::Term(crate::Term { value: crate::TermValue::Pattern(pattern), field, .. }) => {
                (field, pattern)
            }
            other => panic!("{other:?}"),
        };
        let shown = |field, pattern: &Pattern| -> Vec<String> {
            home_variants(field, pattern)
                .iter()
                .map(|p| {
                    p.pieces
                        .iter()
                        .map(|piece| match piece {
                            Piece::Literal(text) => text.clone(),
                            Piece::Star => "*".to_owned(),
                        })
                        .collect()
                })
                .collect()
        };
        // A path's forms are without case, as its values are (`path_form::path_value`), the
        // value as typed too.
        let (field, pattern) = parsed("path:~/.AWS/*");
        assert_eq!(
            shown(field, &pattern),
            [
                "~*/.aws/*",
                "/home/*/.aws/*",
                "/users/*/.aws/*",
                "/root/.aws/*",
                "/var/root/.aws/*",
                "*:\\users\\*\\.aws\\*",
                "*:/users/*/.aws/*",
                // The hook's unknown place (literal `**`).
                "**/.aws/*",
                // The directory itself.
                "~*/.aws",
                "/home/*/.aws",
                "/users/*/.aws",
                "/root/.aws",
                "/var/root/.aws",
                "*:\\users\\*\\.aws",
                "*:/users/*/.aws",
                "**/.aws"
            ]
        );
        // A working directory's are as spelled (it is compared as recorded).
        let (cwd, cwd_pattern) = parsed("cwd:~/Src");
        assert_eq!(
            shown(cwd, &cwd_pattern),
            [
                "~*/Src",
                "/home/*/Src",
                "/Users/*/Src",
                "/root/Src",
                "/var/root/Src",
                "*:\\Users\\*\\Src",
                "*:/Users/*/Src"
            ]
        );
        // Stars of the home and of the value never become two pieces in a row.
        assert!(home_variants(field, &pattern).iter().all(|p| p.pieces.windows(2).all(|w| w[0] != w[1])));
        for text in
            ["path:/home/dev/.aws/id*", "path:.env", "agent:~/x", "repo:~/x/*", "path:*~/x", "path:/*"]
        {
            let (field, pattern) = parsed(text);
            assert!(!has_variants(field, &pattern), "{text}");
            assert_eq!(home_variants(field, &pattern), [pattern], "{text}");
        }
        // A directory's contents also mean the directory itself, for paths and working directories.
        for (text, directory) in [
            ("path:/home/dev/.aws/*", "/home/dev/.aws"),
            ("cwd:/srv/*", "/srv"),
            ("path:*/.ssh/*", "/home/dev/.ssh"),
        ] {
            let (field, pattern) = parsed(text);
            assert!(has_variants(field, &pattern), "{text}");
            let variants = home_variants(field, &pattern);
            assert_eq!(variants.len(), 2, "{text}");
            assert!(
                variants[1].matches(directory) && !variants[1].matches(&format!("{directory}x")),
                "{text}"
            );
        }
        // Not a directory of its own: these would match far more than one.
        for text in ["path:*/*", "path://*", "path:C:/*", "path:~/.ssh/**/*", "path:/*"] {
            let (_, pattern) = parsed(text);
            assert_eq!(directory_itself(&pattern), None, "{text}");
        }
    }

    #[test]
    fn the_text_every_home_form_contains() {
        let needle = |text: &str| match crate::Query::parse(text).unwrap().expr {
            crate::Expr::Term(crate::Term { value: crate::TermValue::Pattern(pattern), field, .. }) => {
                let needle = home_needle(field, &pattern);
                if let Some(needle) = &needle {
                    // Every form holds it, so testing it first never loses a match.
                    for form in home_variants(field, &pattern) {
                        assert!(
                            form.pieces
                                .iter()
                                .any(|p| matches!(p, Piece::Literal(t) if t.contains(needle.as_str()))),
                            "{text}: {form:?}"
                        );
                    }
                }
                needle
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(needle("path:~/.aws/*").as_deref(), Some(".aws"));
        assert_eq!(needle("path:~/.aws/credentials").as_deref(), Some("credentials"));
        assert_eq!(needle("path:~/*/id_ed25519*").as_deref(), Some("id_ed25519"));
        assert_eq!(needle("cwd:~/src/ward").as_deref(), Some("ward"));
        assert_eq!(needle("path:~/*"), None);
        assert_eq!(needle("path:~/"), None);
        // Several patterns: the text every form of every one of them contains.
        let shared = |texts: &[&str]| {
            let patterns: Vec<Pattern> = texts
                .iter()
                .map(|text| match crate::Query::parse(text).unwrap().expr {
                    crate::Expr::Term(crate::Term { value: crate::TermValue::Pattern(pattern), .. }) => {
                        pattern
                    }
                    other => panic!("{other:?}"),
                })
                .collect();
            let refs: Vec<&Pattern> = patterns.iter().collect();
            let needle = shared_needle(Field::Path, &refs);
            if let Some(needle) = &needle {
                for form in patterns.iter().flat_map(|p| home_variants(Field::Path, p)) {
                    assert!(
                        form.pieces
                            .iter()
                            .any(|p| matches!(p, Piece::Literal(t) if t.contains(needle.as_str()))),
                        "{texts:?}: {form:?}"
                    );
                }
            }
            needle
        };
        assert_eq!(shared(&["path:~/.aws/*", "path:/var/lib/dev/.aws/*"]).as_deref(), Some(".aws"));
        assert_eq!(
            shared(&["path:~/.aws/credentials", "path:C:\\\\dev\\.aws\\credentials"]).as_deref(),
            Some("credentials")
        );
        assert_eq!(shared(&["path:~/.aws/*", "path:~/.ssh/*"]), None);
        assert_eq!(shared(&["path:~/.aws/*", "path:*"]), None);
        // The home's own pieces are not text of a `~/` value: `home` is in one of its forms only.
        assert_eq!(shared(&["path:~/x", "path:/home/dev/x/y"]).as_deref(), Some("x"));
        assert_eq!(shared(&["path:~/x", "path:/home/dev/y"]), None);
        assert_eq!(needle("path:/home/*/.aws/*"), None);
        assert_eq!(needle("repo:~/.aws/*"), None);
    }

    #[test]
    fn class_names_match_singular_plural_and_at() {
        assert_eq!(class_variants("credential"), ["credential", "credentials"]);
        assert_eq!(class_variants("credentials"), ["credentials", "credential"]);
        assert_eq!(class_variants("@credentials"), ["credentials", "credential"]);
        assert_eq!(class_variants("s"), ["s", "ss"]);
        assert_eq!(class_variants(""), [""]);
    }
}
