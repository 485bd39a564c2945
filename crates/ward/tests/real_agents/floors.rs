//! Each tier's floor as `ward floor render` writes it, installed where the real agent reads
//! managed files, with the repository in that tier: the agent must start with the files, Ward
//! (registered by the floor itself) must decide its calls, a denied call must not run, and an
//! allowed one must run, under the constraints the floor sets.

use std::time::Duration;

use super::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tier {
    Open,
    Standard,
    Sensitive,
}

impl Tier {
    pub fn name(self) -> &'static str {
        match self {
            Tier::Open => "open",
            Tier::Standard => "standard",
            Tier::Sensitive => "sensitive",
        }
    }

    /// The marker file that puts a repository in this tier (none: the default tier).
    fn marker(self) -> Option<&'static str> {
        match self {
            Tier::Open => Some(".ward-tier-open"),
            Tier::Standard => None,
            Tier::Sensitive => Some(".ward-tier-sensitive"),
        }
    }
}

/// The render targets an agent reads, and where each is installed under `/etc`.
fn targets(agent: Agent) -> &'static [(&'static str, &'static str)] {
    match agent {
        Agent::Codex => &[
            ("codex-requirements", "codex/requirements.toml"),
            ("codex-config", "codex/managed_config.toml"),
        ],
        Agent::Claude => &[("claude-managed", "claude-code/managed-settings.json")],
        Agent::Gemini => &[("gemini-settings", "gemini-cli/settings.json")],
    }
}

fn pinned_version(agent: Agent) -> String {
    let command = match agent {
        Agent::Codex => "codex",
        Agent::Claude => "claude",
        Agent::Gemini => "gemini",
    };
    npm::pins().into_iter().find(|p| p.command == command).expect("agent pinned in agents.txt").version
}

/// Puts the world's repository in `tier` and renders the agent's floor files for it into the
/// world's `/etc` tree, for the pinned agent version and this Ward binary.
pub fn install_floor(agent: Agent, tier: Tier, world: &World) {
    if let Some(marker) = tier.marker() {
        std::fs::write(world.repo.join(marker), "").unwrap();
    }
    for (target, path) in targets(agent) {
        let out = world.etc.join(path);
        std::fs::create_dir_all(out.parent().unwrap()).unwrap();
        let ward = world.ward();
        let version = pinned_version(agent);
        let mut cmd = world.ward_cmd(&["floor", "render", "--tier", tier.name(), "--target", target]);
        cmd.arg("--agent-version").arg(&version).arg("--ward-binary").arg(&ward).arg("-o").arg(&out);
        let done = run_with_timeout(cmd, Duration::from_secs(60), &world.logs, &format!("render-{target}"));
        assert!(
            done.ok(),
            "ward floor render --tier {} --target {target} failed:\n{}",
            tier.name(),
            done.tails(20)
        );
    }
}

/// A command every tier allows whose output proves it ran (the model sees upper case, which the
/// command text does not contain), without writing anything (the open tier is read-only) and
/// without `$(`, which Gemini CLI blocks outside yolo mode as "command injection".
const ALLOWED_ECHO: &str = "echo ward-allowed-output | tr a-z A-Z";
const ALLOWED_ECHO_OUTPUT: &str = "WARD-ALLOWED-OUTPUT";

fn starts_with_floor_and_enforces(agent: Agent, tier: Tier) {
    let world = World::new();
    let scope = Scope::Floor(tier);
    let run = run_agent(agent, scope, &world, &[DENIED, ALLOWED_ECHO], RUN_TIMEOUT);
    let ctx = run.context(agent);
    let files: String = targets(agent)
        .iter()
        .map(|(_, p)| {
            format!("--- /etc/{p} ---\n{}\n", std::fs::read_to_string(world.etc.join(p)).unwrap_or_default())
        })
        .collect();
    assert!(
        run.finished.ok(),
        "{agent:?} did not run cleanly with the {} floor installed.\n{ctx}\n{files}",
        tier.name()
    );

    let events = world.spool_events();
    let listing = events.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n");
    let denied = event_for(&events, agent, DENIED).unwrap_or_else(|| {
        panic!(
            "with the {} floor installed, Ward recorded no decision for {agent:?}'s call: the agent \
             ignored the floor's hook registration.\nspool:\n{listing}\n{ctx}\n{files}",
            tier.name()
        )
    });
    assert_eq!(denied["decision"], "deny", "{denied}");
    assert_eq!(denied["tier"], tier.name(), "{denied}");
    assert!(!world.marker(DENIED_MARKER), "{agent:?} ran the command Ward denied.\n{ctx}");
    let rule = denied["rule"].as_str().expect("a decision names its rule");
    let follow_up = run
        .follow_up(agent, 0)
        .unwrap_or_else(|| panic!("no request carried the denied call's result.\n{ctx}"));
    assert!(
        follow_up.body.contains(&format!("(rule {rule})")),
        "the denial reason (rule {rule}) did not reach the model; next request:\n{}\n{ctx}",
        follow_up.body
    );

    let allowed = event_for(&events, agent, ALLOWED_ECHO)
        .unwrap_or_else(|| panic!("no decision recorded for the allowed call.\nspool:\n{listing}\n{ctx}"));
    assert!(matches!(allowed["decision"].as_str(), Some("allow" | "log")), "{allowed}");
    let ran = run.follow_up(agent, 1).is_some_and(|r| r.body.contains(ALLOWED_ECHO_OUTPUT));
    assert!(
        ran,
        "{agent:?} under the {} floor did not run the command Ward allowed (its output {ALLOWED_ECHO_OUTPUT} \
         never reached the model).\n{ctx}\n{files}",
        tier.name()
    );
    world.assert_trail_verifies();
}

#[test]
fn codex_starts_with_the_open_floor() {
    starts_with_floor_and_enforces(Agent::Codex, Tier::Open);
}

#[test]
fn codex_starts_with_the_standard_floor() {
    starts_with_floor_and_enforces(Agent::Codex, Tier::Standard);
}

#[test]
fn codex_starts_with_the_sensitive_floor() {
    starts_with_floor_and_enforces(Agent::Codex, Tier::Sensitive);
}

#[test]
fn claude_starts_with_the_open_floor() {
    starts_with_floor_and_enforces(Agent::Claude, Tier::Open);
}

#[test]
fn claude_starts_with_the_standard_floor() {
    starts_with_floor_and_enforces(Agent::Claude, Tier::Standard);
}

#[test]
fn claude_starts_with_the_sensitive_floor() {
    starts_with_floor_and_enforces(Agent::Claude, Tier::Sensitive);
}

#[test]
fn gemini_starts_with_the_open_floor() {
    starts_with_floor_and_enforces(Agent::Gemini, Tier::Open);
}

#[test]
fn gemini_starts_with_the_standard_floor() {
    starts_with_floor_and_enforces(Agent::Gemini, Tier::Standard);
}

#[test]
fn gemini_starts_with_the_sensitive_floor() {
    starts_with_floor_and_enforces(Agent::Gemini, Tier::Sensitive);
}

#[test]
fn codex_floor_hook_survives_the_user_switching_hooks_off() {
    denies_allows_and_records_after(Agent::Codex, Scope::Floor(Tier::Standard), user_switches_hooks_off);
}

#[test]
fn claude_floor_hook_survives_the_user_switching_hooks_off() {
    denies_allows_and_records_after(Agent::Claude, Scope::Floor(Tier::Standard), user_switches_hooks_off);
}

#[test]
fn gemini_floor_hook_survives_the_user_switching_hooks_off() {
    denies_allows_and_records_after(Agent::Gemini, Scope::Floor(Tier::Standard), user_switches_hooks_off);
}
