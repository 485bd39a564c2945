//! `~/.claude/settings.json` is read by Claude Code, VS Code, Continue and Cursor, so `ward
//! install vscode` registers `ward hook` there without an agent name and Ward tells the caller
//! from its payload. With the real Claude Code running that entry, Ward must still recognise
//! Claude Code (its events carry `agent = "claude-code"`), deny and allow as for its own entry.

use super::*;

/// Replaces Claude Code's own registration by the one `ward install vscode` writes.
fn register_through_vscode(_: Agent, world: &World) {
    for args in [&["uninstall", "claude-code"][..], &["install", "vscode"]] {
        let done = run_with_timeout(world.ward_cmd(args), Duration::from_secs(60), &world.logs, args[0]);
        assert!(done.ok(), "ward {}: {}", args.join(" "), done.tails(20));
    }
    let settings = std::fs::read_to_string(world.home.join(".claude/settings.json")).unwrap();
    let doc: Value = serde_json::from_str(&settings).unwrap();
    let command =
        doc["hooks"]["PreToolUse"][0]["hooks"][0]["command"].as_str().unwrap_or_default().to_owned();
    assert!(command.ends_with(" hook"), "the shared entry names no agent: {settings}");
}

#[test]
fn claude_runs_the_agent_neutral_entry_vscode_installs() {
    denies_allows_and_records_after(Agent::Claude, Scope::User, register_through_vscode);
}
