//! The effective-configuration readers (`ward floor check`, `ward install`'s after-check) read
//! every agent's settings, hook and MCP files as they are on the machine: seeded mutations of
//! realistic files, written where each agent reads them, must give warnings, never a panic.

use std::path::Path;

use ward_inventory::locations::HOOKABLE_AGENTS;
use ward_inventory::{effective, Locations, Os};

const SEEDS: &[(&str, &str)] = &[
    (".codex/config.toml", "sandbox_mode = \"workspace-write\"\n[mcp_servers.a]\ncommand = \"npx\"\nargs = [\"x\"]\n[hooks.state.\"/h/.codex/hooks.json:pre_tool_use:0:0\"]\nenabled = true\ntrusted_hash = \"sha256:00\"\n"),
    (".codex/hooks.json", r#"{"hooks":{"PreToolUse":[{"hooks":[{"type":"command","command":"/usr/bin/ward hook codex","timeout":10}]}]}}"#),
    (".claude/settings.json", r#"{"hooks":{"PreToolUse":[{"matcher":"*","hooks":[{"type":"command","command":"ward hook","timeout":10}]}]},"allowedMcpServers":[{"serverUrl":"https://*.x/*"},{"serverCommand":["npx","y"]}],"deniedMcpServers":[{"serverName":"b"}]}"#),
    (".claude.json", r#"{"mcpServers":{"a":{"command":"npx","args":["y"]},"r":{"type":"http","url":"https://m.x/mcp"}},"projects":{"/p":{"mcpServers":{}}}}"#),
    (".gemini/settings.json", r#"{"hooksConfig":{"enabled":true,"disabled":["ward"]},"hooks":{"BeforeTool":[{"matcher":".*","hooks":[{"type":"command","name":"ward","command":"ward hook gemini-cli","timeout":10000}]}]},"mcp":{"allowed":["a"]},"mcpServers":{"a":{"httpUrl":"https://a"}}}"#),
    (".cursor/mcp.json", r#"{"mcpServers":{"c":{"command":"node","args":["s.js"]}}}"#),
    (".cursor/hooks.json", r#"{"version":1,"hooks":{"preToolUse":[{"command":"ward hook cursor","timeout":10}]}}"#),
    (".copilot/hooks/ward.json", r#"{"version":1,"hooks":{"preToolUse":[{"type":"command","bash":"ward hook copilot-cli","timeoutSec":10}]}}"#),
    (".codeium/windsurf/hooks.json", r#"{"hooks":{"pre_run_command":[{"command":"ward hook windsurf"}]}}"#),
    (".continue/settings.json", "{\n // c\n \"disableAllHooks\": false, \"hooks\": {\"PreToolUse\": [{\"hooks\": [{\"command\": \"ward hook continue\"}]}]},\n}"),
    ("Documents/Cline/Hooks/PreToolUse", "#!/bin/sh\nexec ward hook cline\n"),
    (".aws/amazonq/cli-agents/dev.json", r#"{"hooks":{"preToolUse":[{"command":"ward hook amazon-q","timeout_ms":10000}]}}"#),
];

fn mutate(seed: &[u8], next: &mut impl FnMut() -> u64) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for _ in 0..(next() % 6 + 1) {
        let len = bytes.len().max(1) as u64;
        let pos = (next() % len) as usize;
        match next() % 4 {
            0 if !bytes.is_empty() => {
                bytes.remove(pos.min(bytes.len() - 1));
            }
            1 => bytes.insert(pos.min(bytes.len()), (next() % 256) as u8),
            2 if !bytes.is_empty() => {
                let i = pos.min(bytes.len() - 1);
                let alphabet = b"{}[]\":,\n=-#/*\\";
                bytes[i] = alphabet[(next() % alphabet.len() as u64) as usize];
            }
            _ => {
                let i = pos.min(bytes.len());
                let tail = bytes[i..].to_vec();
                bytes.extend_from_slice(&tail);
            }
        }
    }
    bytes
}

#[test]
fn effective_readers_survive_mutated_files() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let project = dir.path().join("p");
    std::fs::create_dir_all(&project).unwrap();
    let loc = Locations::new(home.clone(), dir.path().join("sys"), Os::Linux);
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let write = |rel: &str, bytes: &[u8]| {
        let path = home.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    };
    // Unmutated first: the readers find every Ward registration.
    for (rel, text) in SEEDS {
        write(rel, text.as_bytes());
    }
    for agent in HOOKABLE_AGENTS {
        let eff = effective::of(agent, &loc, Some(Path::new(&project))).unwrap();
        assert!(!eff.ward_hooks.is_empty(), "{agent}: {eff:?}");
    }
    for _ in 0..150 {
        for (rel, text) in SEEDS {
            write(rel, &mutate(text.as_bytes(), &mut next));
        }
        for agent in HOOKABLE_AGENTS {
            let _ = effective::of(agent, &loc, Some(Path::new(&project)));
        }
    }
}
