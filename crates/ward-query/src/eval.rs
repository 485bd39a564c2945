//! In-memory evaluation of a query against one event, with the same meaning as the SQL the
//! compiler writes (a test in `ward-store` runs both and compares). For route filters, which see
//! one event at a time.

use time::OffsetDateTime;
use ward_model::Event;

use crate::ast::{Expr, Pattern, Term, TermValue};
use crate::field::{class_variants, has_variants, home_variants, stored_text, Field, Shape};
use crate::path_glob;

/// Does `event` match `expr`? Relative times (`since:90d`) are taken from `now`.
pub fn matches(expr: &Expr, event: &Event, now: OffsetDateTime) -> bool {
    match expr {
        Expr::All => true,
        Expr::Term(term) => term_matches(term, event, now),
        Expr::Not(inner) => !matches(inner, event, now),
        Expr::And(items) => items.iter().all(|item| matches(item, event, now)),
        Expr::Or(items) => items.iter().any(|item| matches(item, event, now)),
    }
}

fn term_matches(term: &Term, event: &Event, now: OffsetDateTime) -> bool {
    match &term.value {
        TermValue::Time(bound) => {
            let at = event.time.unix_micros();
            let limit = bound.resolve_micros(term.field, now);
            if term.field == Field::Until {
                at < limit
            } else {
                at >= limit
            }
        }
        TermValue::Pattern(pattern) => {
            // A path's home forms and directory are built once per term, not once per value.
            let variants = has_variants(term.field, pattern).then(|| home_variants(term.field, pattern));
            let matches =
                |value: &str| value_matches(term.field, pattern, variants.as_deref(), &stored_text(value));
            match term.field.shape() {
                Shape::Scalar => term.field.scalar(event).is_some_and(matches),
                _ => term.field.set(event).iter().any(|value| matches(value)),
            }
        }
        TermValue::Values(values) => {
            let listed = |value: &str| values.iter().any(|v| *v == stored_text(value));
            match term.field.shape() {
                Shape::Scalar => term.field.scalar(event).is_some_and(listed),
                _ => term.field.set(event).iter().any(|value| listed(value)),
            }
        }
    }
}

/// Does `value` match `pattern`, or one of its `variants` when it has some ([`home_variants`])?
/// A path written as a glob also matches when it could name a matching path
/// ([`path_glob::could_name`]), as the stores find it.
fn value_matches(field: Field, pattern: &Pattern, variants: Option<&[Pattern]>, value: &str) -> bool {
    if field == Field::Path {
        if let Some(glob) = path_glob::Glob::parse(value) {
            let patterns = variants.unwrap_or(std::slice::from_ref(pattern));
            return patterns.iter().any(|p| p.matches(value) || glob.names(&path_glob::Question::new(p)));
        }
    }
    if let Some(variants) = variants {
        return variants.iter().any(|variant| variant.matches(value));
    }
    match pattern.as_literal() {
        Some(literal) if field == Field::Class => class_variants(&literal).iter().any(|v| v == value),
        Some(literal) => literal == value,
        None => pattern.matches(value),
    }
}

#[cfg(test)]
mod tests {
    use ward_model::{EventKind, EventTime, RuleMatch};

    use super::*;
    use crate::Query;

    fn event() -> Event {
        let mut event = Event::draft(EventKind::Decision);
        event.device = "dev-1".into();
        event.agent = Some("claude-code".into());
        event.classes = vec!["credentials".into()];
        event.rule = Some("sensitive.deny-read".into());
        event.matched = vec![RuleMatch {
            rule: "any.log-reads".into(),
            decision: ward_model::Decision::Log,
            reason: String::new(),
        }];
        event.repo = Some("github.com/acme/infra".into());
        event.time = EventTime::parse("2026-08-10T12:00:00Z").unwrap();
        event
    }

    #[test]
    fn terms_sets_negation_and_time() {
        let now =
            OffsetDateTime::parse("2026-08-20T00:00:00Z", &time::format_description::well_known::Rfc3339)
                .unwrap();
        let cases = [
            ("", true),
            ("class:credential", true),
            ("class:@credentials", true),
            ("class:cred*", true),
            ("class:credentialz", false),
            ("agent:claude-code", true),
            ("agent:Claude-code", false),
            ("agent:claude*", true),
            ("-agent:codex", true),
            ("-tier:open", true),
            ("tier:*", false),
            ("rule:any.log-reads", true),
            ("rule:sensitive.*", true),
            ("repo:github.com/acme/* decision:deny", false),
            ("repo:github.com/acme/* OR decision:deny", true),
            ("since:10d", true),
            ("since:9d", false),
            ("until:2026-08-10", true),
            ("until:2026-08-09", false),
            ("since:2026-08-10 until:2026-08-10T12:00:00Z", false),
            ("since:2026-08-10T12:00:00Z", true),
        ];
        for (text, expected) in cases {
            assert_eq!(Query::parse(text).unwrap().matches(&event(), now), expected, "{text}");
        }
    }

    #[test]
    fn a_leading_tilde_means_any_users_home() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let at = |path: &str, cwd: &str| {
            let mut event = event();
            event.paths =
                vec![ward_model::PathTarget { path: path.into(), access: ward_model::Access::Read }];
            event.cwd = Some(cwd.into());
            event
        };
        let cases = [
            ("path:~/.aws/*", "/home/dev/.aws/credentials", true),
            ("path:~/.aws/*", "/Users/ana/.aws/config", true),
            ("path:~/.aws/*", "/root/.aws/credentials", true),
            ("path:~/.aws/*", "~/.aws/credentials", true),
            ("path:~/.aws/*", "C:\\Users\\dev\\.aws\\credentials", true),
            ("path:~/.aws/*", "C:/Users/dev/.aws/credentials", true),
            ("path:~/.aws/credentials", "/home/dev/.aws/credentials", true),
            ("path:~/.aws/credentials", "/home/dev/.aws/credentials.bak", false),
            ("path:~/.aws/*", "/srv/app/.aws/credentials", false),
            ("path:~/.aws/*", "/home/dev/.awsx/credentials", false),
            ("path:~/.aws/*", "/rootkit/.aws/credentials", false),
            ("-path:~/.ssh/*", "/home/dev/.ssh/id_ed25519", false),
            ("-path:~/.ssh/*", "/home/dev/src/main.rs", true),
            // Only a leading `~/` stands for a home; anywhere else `~` is the character.
            ("path:*/~/x", "/home/dev/~/x", true),
            ("path:*/~/x", "/home/dev/x", false),
            ("cwd:~/src/*", "/Users/ana/src/ward", true),
            ("cwd:~/src/*", "/opt/src/ward", false),
            ("path:~/src/*", "/opt/src/ward", false),
        ];
        for (text, path, expected) in cases {
            let event = at(path, path);
            assert_eq!(Query::parse(text).unwrap().matches(&event, now), expected, "{text} on {path}");
        }
    }

    /// A hostile agent's spellings of a credential path: each one is found by the question
    /// asked in the usual spelling, and none escapes an exclusion by matching it as spelled
    /// (only the path's canonical form is a value of the event).
    #[test]
    fn path_spellings_do_not_evade_path_questions() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let at = |path: &str, cwd: Option<&str>| {
            let mut event = event();
            event.paths =
                vec![ward_model::PathTarget { path: path.into(), access: ward_model::Access::Read }];
            event.cwd = cwd.map(str::to_owned);
            event
        };
        let cases = [
            ("path:~/.ssh/*", "~//.ssh/id_rsa", None, true),
            ("path:~/.ssh/*", "~/./.ssh/id_rsa", None, true),
            ("path:~/.ssh/*", "~/.ssh/../.ssh/id_rsa", None, true),
            ("path:~/.ssh/id_rsa", "~/x/../.ssh//id_rsa", None, true),
            ("path:~/.aws/*", "/tmp/../home/dev/.aws/credentials", None, true),
            ("path:~/.aws/*", "//home//dev/.aws/credentials", None, true),
            ("path:/etc/shadow", "/../../etc/./shadow", None, true),
            ("path:~/.aws/*", "C:\\Users\\dev\\x\\..\\.aws\\credentials", None, true),
            ("-path:~/.ssh/*", "~//.ssh/id_rsa", None, false),
            // Relative paths, resolved against the call's working directory.
            ("path:~/.ssh/*", "../../.ssh/id_rsa", Some("/home/dev/src/proj"), true),
            ("path:~/.ssh/*", "./../.././.ssh/id_rsa", Some("~/src/proj"), true),
            ("path:/home/dev/proj/src/*", "src/main.rs", Some("/home/dev/proj"), true),
            // Another user's home, or this one's by way of its parent.
            ("path:~/.ssh/*", "~dev/.ssh/id_rsa", None, true),
            ("path:~/.ssh/*", "~/../dev/.ssh/id_rsa", None, true),
            ("path:~/.ssh/*", "/var/root/.ssh/id_rsa", None, true),
            // An exclusion matches the canonical form, not a spelling chosen to meet it.
            ("path:~/.ssh/* -path:~/src/*", "~/src/../.ssh/id_rsa", None, true),
            ("path:~/.aws/* -path:~/.aws/cli/cache/*", "~/.aws/cli/cache/../../credentials", None, true),
            ("-path:/tmp/* path:/etc/shadow", "/tmp/../etc/shadow", None, true),
            ("path:*/../*", "~/.ssh/../.ssh/id_rsa", None, false),
            // A glob is a component like any other: it cannot hide a `..`.
            ("path:~/.ssh/*", "/root/**/../.ssh/id_rsa", None, true),
            ("path:~/.ssh/* -path:~/src/*", "~/src/**/../../.ssh/id_rsa", None, true),
            ("-path:/tmp/* path:/etc/shadow", "/tmp/**/../../etc/shadow", None, true),
            ("path:~/.ssh/*", "**x/../../.ssh/id_rsa", Some("/home/dev/proj"), true),
            ("path:~/.ssh/*", "\\Users\\dev\\.ssh\\id_rsa", Some("C:\\Users\\dev\\src"), true),
            // The directory itself (`tar cz ~/.ssh`, `cp -r ~/.ssh/ x`), not a sibling.
            ("path:~/.ssh/*", "~/.ssh", None, true),
            ("path:~/.ssh/*", "/home/dev/.ssh/", None, true),
            ("path:~/.ssh/*", "~/.sshx", None, false),
            ("path:/etc/ssh/*", "/etc/ssh", None, true),
            ("path:~/.ssh/id*", "~/.ssh", None, false),
        ];
        for (text, path, cwd, expected) in cases {
            let event = at(path, cwd);
            assert_eq!(
                Query::parse(text).unwrap().matches(&event, now),
                expected,
                "{text} on {path} in {cwd:?}"
            );
        }
    }
}
