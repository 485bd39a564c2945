//! `ward install`, `ward floor render` and `ward floor check` end to end through the built
//! binary: the command-line contract the real-agent suite relies on (`--home`, `$WARD_HOME`,
//! `$WARD_SYSTEM_ROOT`, `CODEX_HOME`, `CLAUDE_CONFIG_DIR`), exit statuses, and the round trip
//! render → install files → check compliant.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

struct Machine {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Machine {
    fn new() -> Machine {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        for d in ["home", "sys", "data", "work"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        Machine { _tmp: tmp, root }
    }

    fn home(&self) -> PathBuf {
        self.root.join("home")
    }

    fn ward(&self, args: &[&str], env: &[(&str, &Path)]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ward"));
        cmd.arg("--home")
            .arg(self.home())
            .args(args)
            .current_dir(self.root.join("work"))
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", self.home())
            .env("WARD_HOME", self.root.join("data"))
            .env("WARD_SYSTEM_ROOT", self.root.join("sys"));
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn install_registers_the_running_binary_and_honours_agent_homes() {
    let m = Machine::new();
    let codex_home = m.root.join("codex-home");
    let claude_dir = m.root.join("claude-dir");
    let out = m.ward(
        &["install", "codex", "claude-code", "--format", "json"],
        &[("CODEX_HOME", &codex_home), ("CLAUDE_CONFIG_DIR", &claude_dir)],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["schema_version"], 1);
    let exe = Path::new(env!("CARGO_BIN_EXE_ward")).canonicalize().unwrap();
    let expected = format!("{} hook codex", exe.display());
    let hooks: Value =
        serde_json::from_str(&std::fs::read_to_string(codex_home.join("hooks.json")).unwrap()).unwrap();
    assert_eq!(hooks["hooks"]["PreToolUse"][0]["hooks"][0]["command"], expected);
    assert!(std::fs::read_to_string(codex_home.join("config.toml"))
        .unwrap()
        .contains("trusted_hash = \"sha256:"));
    assert!(claude_dir.join("settings.json").is_file());
    assert!(!m.home().join(".codex").exists() && !m.home().join(".claude").exists());

    // Managed: under $WARD_SYSTEM_ROOT, with a longer deadline giving a longer timeout.
    let out =
        m.ward(&["install", "--managed", "codex", "gemini"], &[("WARD_HOOK_DEADLINE_MS", Path::new("8000"))]);
    assert!(out.status.success(), "{}", stderr(&out));
    let req = std::fs::read_to_string(m.root.join("sys/etc/codex/requirements.toml")).unwrap();
    assert!(req.contains("timeout = 13"), "{req}");
    let gemini = std::fs::read_to_string(m.root.join("sys/etc/gemini-cli/settings.json")).unwrap();
    assert!(gemini.contains("13000"), "{gemini}");

    let out = m.ward(&["uninstall", "--managed", "codex", "gemini"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!m.root.join("sys/etc/codex/requirements.toml").exists());
}

#[test]
fn bad_agent_names_and_paths_are_usage_errors() {
    let m = Machine::new();
    for args in [
        &["install", "vim"][..],
        &["install", "cline", "--managed"],
        &["install", "codex", "--ward-binary", "relative/ward"],
        &["floor", "render", "--tier", "prod", "--target", "cursor-hooks"],
        &["floor", "check", "--projects", "/nonexistent/dir"],
    ] {
        let out = m.ward(args, &[]);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).is_empty());
    }
    let out = m.ward(&["floor", "render", "--tier", "open", "--target", "codex"], &[]);
    assert!(stderr(&out).contains("codex-requirements"), "lists the targets: {}", stderr(&out));
}

#[test]
fn rendered_files_installed_make_floor_check_pass() {
    let m = Machine::new();
    let repo = m.root.join("work/infra");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    std::fs::write(repo.join(".ward-tier-sensitive"), "").unwrap();
    // Codex and Claude Code are "installed": they have configuration.
    std::fs::create_dir_all(m.home().join(".codex")).unwrap();
    std::fs::write(m.home().join(".codex/config.toml"), "model = \"gpt-5.5\"\n").unwrap();
    std::fs::create_dir_all(m.home().join(".claude")).unwrap();
    std::fs::write(m.home().join(".claude/settings.json"), "{}\n").unwrap();

    let check = |m: &Machine| {
        m.ward(&["floor", "check", "--projects", repo.to_str().unwrap(), "--format", "json"], &[])
    };
    let out = check(&m);
    assert_eq!(out.status.code(), Some(1), "violations exit 1: {}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["compliant"], false);
    let table = m.ward(&["floor", "check", "--projects", repo.to_str().unwrap()], &[]);
    assert!(stdout(&table).contains("infra is sensitive but"), "{}", stdout(&table));
    // The table ends with the commands that fix it: the most cautious failing tier, per agent,
    // written where the agent reads it.
    let hint = format!(
        "floor render --tier sensitive --target codex-requirements -o {}",
        m.root.join("sys/etc/codex/requirements.toml").display()
    );
    assert!(stdout(&table).contains(&hint), "{}", stdout(&table));
    assert!(stdout(&table).contains("--target claude-managed"), "{}", stdout(&table));

    for (target, path) in [
        ("codex-requirements", "sys/etc/codex/requirements.toml"),
        ("codex-config", "sys/etc/codex/managed_config.toml"),
        ("claude-managed", "sys/etc/claude-code/managed-settings.json"),
    ] {
        let dest = m.root.join(path);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        // The repository is sensitive; the machine outside it (standard) gets the same files,
        // which hold standard too: the sensitive floor is stricter.
        let out = m.ward(
            &[
                "floor",
                "render",
                "--tier",
                "sensitive",
                "--target",
                target,
                "--agent-version",
                "0.171.0",
                "-o",
                dest.to_str().unwrap(),
            ],
            &[],
        );
        assert!(out.status.success(), "{target}: {}", stderr(&out));
    }
    let out = check(&m);
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(out.status.code(), Some(0), "{:#}", report["repositories"]);
    assert_eq!(report["agents"][0]["enforces"], "sensitive");

    // The scan carries the same answer.
    let scan = m.ward(&["scan", "--format", "json", "--projects", repo.to_str().unwrap()], &[]);
    let doc: Value = serde_json::from_str(&stdout(&scan)).unwrap();
    assert_eq!(doc["floor_check"]["compliant"], true);
    let codex = doc["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "agent" && a["client"] == "codex")
        .unwrap();
    assert_eq!(codex["attributes"]["floor_enforced"], "sensitive");
    assert_eq!(codex["attributes"]["ward_hook"], true);
}

#[test]
fn uninstall_all_cleans_agents_the_scan_no_longer_finds() {
    let m = Machine::new();
    // Registered, then the agents' binaries and most of their files went away.
    let out = m.ward(&["install", "claude-code", "windsurf", "--ward-binary", "/opt/ward/bin/ward"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("Next: `ward floor check`"));
    let out = m.ward(&["uninstall", "--all"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("claude-code") && text.contains("windsurf"), "{text}");
    assert!(text.contains("Ward was not registered with: codex"), "{text}");
    assert!(!m.home().join(".claude/settings.json").exists());
    assert!(!m.home().join(".codeium/windsurf/hooks.json").exists());
}

#[test]
fn server_managed_claude_settings_make_scan_and_check_say_cannot_verify() {
    let m = Machine::new();
    std::fs::create_dir_all(m.home().join(".claude")).unwrap();
    std::fs::write(m.home().join(".claude/settings.json"), "{}\n").unwrap();
    std::fs::write(m.home().join(".claude/remote-settings.json"), "{\"permissions\": {\"deny\": []}}\n")
        .unwrap();
    let scan = m.ward(&["scan"], &[]);
    assert!(
        stdout(&scan)
            .contains("cannot verify: Claude Code takes its managed settings from Anthropic's server"),
        "{}",
        stdout(&scan)
    );
    let check = m.ward(&["floor", "check"], &[]);
    assert_eq!(check.status.code(), Some(1));
    assert!(stdout(&check).contains("cannot verify"), "{}", stdout(&check));
}
