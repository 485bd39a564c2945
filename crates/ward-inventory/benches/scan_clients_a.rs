//! Scan time of the Codex, Claude Code, Claude Desktop, Gemini CLI, Copilot CLI and OpenCode
//! scanners over a generated large home (hundreds of extensions and plugins, dozens of MCP
//! servers and skills), warm cache. Prints one row per scanner and the total; the whole
//! `ward scan` budget is 300 ms warm (DESIGN.md), of which these scanners are a part.
//!
//! Run: `cargo bench -p ward-inventory --bench scan_clients_a`

use std::path::Path;
use std::time::{Duration, Instant};

use ward_inventory::{clients, Inventory, Os, ScanContext};

const EXTENSIONS: usize = 500;
const PLUGINS: usize = 300;
const MCP_SERVERS: usize = 60;
const SKILLS: usize = 100;
const PROJECTS: usize = 20;
const RUNS: usize = 15;

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("generated paths have a parent")).expect("create dir");
    std::fs::write(path, text).expect("write fixture file");
}

fn skill(dir: &Path, name: &str) {
    write(
        &dir.join(name).join("SKILL.md"),
        &format!("---\nname: {name}\ndescription: does {name}\n---\nSteps.\n"),
    );
}

fn generate(root: &Path) -> ScanContext {
    let home = root.join("home");
    let mut servers = serde_json::Map::new();
    let mut toml_servers = String::new();
    for i in 0..MCP_SERVERS {
        servers.insert(
            format!("srv{i}"),
            serde_json::json!({"command": "npx", "args": ["-y", format!("mcp-server-{i}@1.0.{i}")], "env": {"TOKEN": "${TOKEN}"}}),
        );
        toml_servers
            .push_str(&format!("[mcp_servers.srv{i}]\ncommand = \"uvx\"\nargs = [\"srv{i}==1.0\"]\n\n"));
    }
    let mcp = serde_json::json!({ "mcpServers": servers }).to_string();
    write(&home.join(".claude.json"), &mcp);
    write(&home.join(".gemini/settings.json"), &mcp);
    write(&home.join(".copilot/mcp-config.json"), &mcp);
    write(&home.join("Library/Application Support/Claude/claude_desktop_config.json"), &mcp);
    write(&home.join(".codex/config.toml"), &format!("sandbox_mode = \"workspace-write\"\n\n{toml_servers}"));
    write(&home.join(".config/opencode/opencode.json"), r#"{"plugin": ["opencode-wakatime@1.0.0"]}"#);
    for i in 0..SKILLS {
        for dir in [".claude/skills", ".agents/skills", ".gemini/skills", ".codex/skills"] {
            skill(&home.join(dir), &format!("skill{i}"));
        }
    }
    for i in 0..EXTENSIONS {
        let ext = home.join(format!(".gemini/extensions/ext{i}"));
        write(
            &ext.join("gemini-extension.json"),
            &format!(
                r#"{{"name":"ext{i}","version":"1.0.{i}","mcpServers":{{"m{i}":{{"command":"node","args":["${{extensionPath}}/s.js"]}}}}}}"#
            ),
        );
        skill(&ext.join("skills"), "ext-skill");
    }
    for i in 0..PLUGINS {
        let p = home.join(format!(".claude/plugins/cache/market/plugin{i}/1.0.{i}"));
        write(
            &p.join(".claude-plugin/plugin.json"),
            &format!(r#"{{"name":"plugin{i}","version":"1.0.{i}"}}"#),
        );
        write(
            &p.join("hooks/hooks.json"),
            r#"{"hooks":{"PostToolUse":[{"matcher":"Write","hooks":[{"type":"command","command":"${CLAUDE_PLUGIN_ROOT}/fmt.sh"}]}]}}"#,
        );
        let c = home.join(format!(".codex/plugins/cache/market/cplugin{i}/1.0.0"));
        write(&c.join(".codex-plugin/plugin.json"), &format!(r#"{{"name":"cplugin{i}"}}"#));
    }
    let mut projects = Vec::new();
    for i in 0..PROJECTS {
        let repo = root.join(format!("projects/repo{i}"));
        write(&repo.join(".mcp.json"), &mcp);
        write(
            &repo.join(".claude/settings.json"),
            r#"{"hooks":{"PreToolUse":[{"matcher":"Bash","hooks":[{"type":"command","command":"ward hook claude-code"}]}]}}"#,
        );
        write(&repo.join(".codex/config.toml"), "approval_policy = \"on-request\"\n");
        skill(&repo.join(".agents/skills"), "repo-skill");
        projects.push(repo);
    }
    let bin = root.join("bin");
    for name in ["codex", "claude", "gemini", "copilot", "opencode"] {
        write(&bin.join(name), "#!/bin/sh\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(bin.join(name), std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
    }
    ScanContext { home, system_root: root.join("system"), projects, path_dirs: vec![bin], os: Os::MacOs }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cx = generate(dir.path());
    let scanners = clients::all();
    let mut per_client: Vec<Vec<Duration>> = vec![Vec::new(); scanners.len()];
    let mut totals = Vec::new();
    let mut counts = vec![0usize; scanners.len()];
    for run in 0..=RUNS {
        let start = Instant::now();
        let mut inv = Inventory::default();
        for (i, scanner) in scanners.iter().enumerate() {
            let before = inv.artifacts.len();
            let t = Instant::now();
            scanner.scan(&cx, &mut inv);
            // Run 0 warms the page cache and is not counted.
            if run > 0 {
                per_client[i].push(t.elapsed());
            }
            counts[i] = inv.artifacts.len() - before;
        }
        inv.finish();
        if run > 0 {
            totals.push(start.elapsed());
        }
    }
    println!(
        "scan, warm, median of {RUNS} runs ({EXTENSIONS} Gemini extensions, {} plugins, {MCP_SERVERS} MCP servers per file, {SKILLS} skills per root, {PROJECTS} projects)",
        PLUGINS * 2
    );
    println!("{:<16} {:>10} {:>12}", "scanner", "artifacts", "median ms");
    for (i, scanner) in scanners.iter().enumerate() {
        let ms = median(per_client[i].clone()).as_secs_f64() * 1000.0;
        println!("{:<16} {:>10} {:>12.2}", scanner.client(), counts[i], ms);
    }
    let total = median(totals).as_secs_f64() * 1000.0;
    println!("{:<16} {:>10} {:>12.2}", "total", counts.iter().sum::<usize>(), total);
}
