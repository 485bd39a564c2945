//! Seeded pseudo-random inputs for the policy parser (the same entry point as the
//! `policy_parse` fuzz target): mutations of the built-in policy and random TOML-ish text must
//! give a policy or a list of positioned errors, never a panic.

use ward_model::{Access, Action, PathTarget, ShellCommand, ToolCall};
use ward_policy::{EvalContext, Policy, BUILTIN_POLICY};

/// xorshift64*: deterministic, dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const TOKENS: &[&str] = &[
    "[",
    "]",
    "[[",
    "]]",
    "=",
    "\"",
    "'",
    "\n",
    ",",
    "{",
    "}",
    "*",
    "**",
    "@credentials",
    "@registries",
    "~/",
    "tiers",
    "rules",
    "id",
    "decision",
    "deny",
    "ask",
    "reason",
    "command",
    "paths",
    "hosts_not_in",
    "ç",
    "\\",
    "-1",
    "1e9",
    "true",
    "[tiers.x]",
    "[[tiers.standard.rules]]",
    "[[repos]]",
    "tier = \"open\"",
    "\u{0}",
    "[approved]",
    "[[approved.mcp_servers]]",
    "[[approved.skills]]",
    "{ match = \"regex\", expression = \"(\" }",
    "{ match = \"prefix\", value = \"\" }",
    "sha256 = \"abc\"",
    "required = true",
];

fn mutate(rng: &mut Rng, base: &str) -> String {
    let mut s: Vec<char> = base.chars().collect();
    for _ in 0..=rng.below(6) {
        let at = rng.below(s.len() + 1);
        match rng.below(4) {
            0 if !s.is_empty() => {
                let end = (at + rng.below(40)).min(s.len());
                s.drain(at.min(end)..end);
            }
            1 => {
                let tok = TOKENS[rng.below(TOKENS.len())];
                for (i, c) in tok.chars().enumerate() {
                    s.insert((at + i).min(s.len()), c);
                }
            }
            2 if at < s.len() => s[at] = char::from(b' ' + rng.below(95) as u8),
            _ => {
                let other = rng.below(s.len() + 1);
                let (a, b) = (at.min(other), at.max(other));
                let chunk: Vec<char> = s[a..b.min(a + 60)].to_vec();
                for (i, c) in chunk.into_iter().enumerate() {
                    s.insert((b + i).min(s.len()), c);
                }
            }
        }
    }
    s.into_iter().collect()
}

fn exercise(policy: &Policy) {
    let ctx = EvalContext { home: "/home/u".into(), workspace_root: Some("/w".into()) };
    let mut exec = ToolCall::new("codex", "e", "t", Action::Exec);
    exec.commands.push(ShellCommand {
        argv: vec!["git".into(), "push".into(), "-f".into(), "origin".into(), "main".into()],
        program: "git".into(),
        ..Default::default()
    });
    exec.paths.push(PathTarget { path: "~/.aws/credentials".into(), access: Access::Read });
    exec.hosts.push("evil.test".into());
    for tier in policy.tier_names() {
        let v = policy.evaluate(&exec, tier, &ctx);
        assert_eq!(v.tier, tier);
        let _ = policy.floor(tier, "codex");
    }
}

#[test]
fn mutated_policies_never_panic() {
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let mut accepted = 0;
    let mut rejected = 0;
    for _ in 0..1000 {
        let text = mutate(&mut rng, BUILTIN_POLICY);
        // The fuzz target's own entry point first, then the checks it cannot make.
        ward_policy::fuzz_policy_parse(text.as_bytes());
        match Policy::from_toml_str(&text, "<fuzz>") {
            Ok(p) => {
                accepted += 1;
                exercise(&p);
            }
            Err(e) => {
                rejected += 1;
                assert!(!e.diagnostics.is_empty());
                for d in &e.diagnostics {
                    assert!(d.line >= 1 && d.column >= 1 && d.line <= text.lines().count() + 1, "{e}");
                }
            }
        }
    }
    // Both paths must be exercised for this test to mean anything.
    assert!(accepted > 10 && rejected > 10, "accepted {accepted}, rejected {rejected}");
}

#[test]
fn mutated_approved_lists_never_panic() {
    let base = include_str!("fixtures/approved.toml");
    Policy::from_toml_str(base, "approved.toml").expect("the seed compiles");
    let mut rng = Rng(0x5EED_0A99_0000_0013);
    let (mut accepted, mut rejected) = (0, 0);
    for _ in 0..1000 {
        let text = mutate(&mut rng, base);
        ward_policy::fuzz_policy_parse(text.as_bytes());
        match Policy::from_toml_str(&text, "<fuzz>") {
            Ok(_) => accepted += 1,
            Err(e) => {
                rejected += 1;
                for d in &e.diagnostics {
                    assert!(d.line >= 1 && d.column >= 1 && d.line <= text.lines().count() + 1, "{e}");
                }
            }
        }
    }
    assert!(accepted > 10 && rejected > 10, "accepted {accepted}, rejected {rejected}");
}

#[test]
fn random_text_never_panics() {
    let mut rng = Rng(0xDEAD_BEEF_0000_0042);
    for _ in 0..2000 {
        let mut text = String::new();
        for _ in 0..rng.below(30) {
            text.push_str(TOKENS[rng.below(TOKENS.len())]);
            if rng.below(3) == 0 {
                text.push(' ');
            }
        }
        ward_policy::fuzz_policy_parse(text.as_bytes());
        if let Err(e) = Policy::from_toml_str(&text, "<fuzz>") {
            assert!(!e.to_string().is_empty());
        }
    }
}
