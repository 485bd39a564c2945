//! Where each agent keeps its configuration, at every scope (managed, user, project): the one
//! table shared by `ward scan`, `ward install` and `ward floor check`, so the three can never
//! disagree about which file an agent reads.
//!
//! Paths derive from a home, a system root (managed files: `/etc/...` becomes
//! `<system_root>/etc/...`) and the OS. The agents' own environment overrides (`CODEX_HOME`,
//! `CLAUDE_CONFIG_DIR`, `GEMINI_CLI_SYSTEM_SETTINGS_PATH`) are honoured only when the caller
//! asks for them ([`Locations::with_agent_env`]): install and floor check act for the user who
//! runs them, as the agent would; a scan sees the machine through its home alone.

use std::path::{Path, PathBuf};

use crate::context::{Os, ScanContext};

/// The agents Ward can register itself with and check floors for: every agent `ward hook`
/// answers, by its inventory client name.
pub const HOOKABLE_AGENTS: &[&str] = &[
    "codex",
    "claude-code",
    "cursor",
    "gemini-cli",
    "copilot-cli",
    "vscode",
    "windsurf",
    "continue",
    "cline",
    "amazon-q",
];

/// The machine as the agents see it.
#[derive(Debug, Clone)]
pub struct Locations {
    pub home: PathBuf,
    pub system_root: PathBuf,
    pub os: Os,
    /// `$CODEX_HOME`, when honoured and set.
    pub codex_home: Option<PathBuf>,
    /// `$CLAUDE_CONFIG_DIR`, when honoured and set.
    pub claude_config_dir: Option<PathBuf>,
    /// `$GEMINI_CLI_SYSTEM_SETTINGS_PATH`, when honoured and set.
    pub gemini_system_settings: Option<PathBuf>,
    /// `$COPILOT_HOME`, when honoured and set.
    pub copilot_home: Option<PathBuf>,
}

impl Locations {
    pub fn new(home: PathBuf, system_root: PathBuf, os: Os) -> Locations {
        Locations {
            home,
            system_root,
            os,
            codex_home: None,
            claude_config_dir: None,
            gemini_system_settings: None,
            copilot_home: None,
        }
    }

    /// The locations a scan uses: no environment overrides.
    pub fn of_scan(cx: &ScanContext) -> Locations {
        Locations::new(cx.home.clone(), cx.system_root.clone(), cx.os)
    }

    /// Honour the agents' own environment variables, looked up with `var` (the process
    /// environment in the CLI, a map in tests). Empty values count as unset, as the agents do.
    pub fn with_agent_env(mut self, var: impl Fn(&str) -> Option<String>) -> Locations {
        let set = |name: &str| var(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        self.codex_home = set("CODEX_HOME");
        self.claude_config_dir = set("CLAUDE_CONFIG_DIR");
        self.gemini_system_settings = set("GEMINI_CLI_SYSTEM_SETTINGS_PATH");
        self.copilot_home = set("COPILOT_HOME");
        self
    }

    /// A system path under the system root.
    pub fn system_path(&self, absolute: &str) -> PathBuf {
        self.system_root.join(absolute.trim_start_matches('/'))
    }

    // --- Codex (reference/codex.md §1.1, §2.1, §4) ---

    /// `$CODEX_HOME`, else `~/.codex`.
    pub fn codex_home(&self) -> PathBuf {
        self.codex_home.clone().unwrap_or_else(|| self.home.join(".codex"))
    }

    pub fn codex_user_config(&self) -> PathBuf {
        self.codex_home().join("config.toml")
    }

    /// The user-level hooks file, which runs only when trusted in the user config.
    pub fn codex_user_hooks(&self) -> PathBuf {
        self.codex_home().join("hooks.json")
    }

    /// `/etc/codex` (`%ProgramData%\OpenAI\Codex` on Windows): requirements, system config,
    /// managed hooks and skills.
    pub fn codex_managed_dir(&self) -> PathBuf {
        match self.os {
            Os::Windows => self.system_path("ProgramData/OpenAI/Codex"),
            Os::Linux | Os::MacOs => self.system_path("/etc/codex"),
        }
    }

    pub fn codex_requirements(&self) -> PathBuf {
        self.codex_managed_dir().join("requirements.toml")
    }

    pub fn codex_system_config(&self) -> PathBuf {
        self.codex_managed_dir().join("config.toml")
    }

    /// The legacy managed defaults file (`~/.codex/managed_config.toml` on Windows).
    pub fn codex_managed_config(&self) -> PathBuf {
        match self.os {
            Os::Windows => self.codex_home().join("managed_config.toml"),
            Os::Linux | Os::MacOs => self.codex_managed_dir().join("managed_config.toml"),
        }
    }

    /// The macOS MDM payload of `com.openai.codex` as it lands on disk (managed preferences).
    pub fn codex_mdm_plist(&self) -> PathBuf {
        self.system_path("/Library/Managed Preferences/com.openai.codex.plist")
    }

    pub fn codex_project_config(root: &Path) -> PathBuf {
        root.join(".codex/config.toml")
    }

    // --- Claude Code (reference/agents.md §1) ---

    /// `$CLAUDE_CONFIG_DIR`, else `~/.claude`.
    pub fn claude_dir(&self) -> PathBuf {
        self.claude_config_dir.clone().unwrap_or_else(|| self.home.join(".claude"))
    }

    pub fn claude_user_settings(&self) -> PathBuf {
        self.claude_dir().join("settings.json")
    }

    /// `~/.claude.json` (inside `$CLAUDE_CONFIG_DIR` when that is set).
    pub fn claude_state_file(&self) -> PathBuf {
        match &self.claude_config_dir {
            Some(dir) => dir.join(".claude.json"),
            None => self.home.join(".claude.json"),
        }
    }

    pub fn claude_managed_dir(&self) -> PathBuf {
        match self.os {
            Os::MacOs => self.system_path("/Library/Application Support/ClaudeCode"),
            Os::Windows => self.system_path("Program Files/ClaudeCode"),
            Os::Linux => self.system_path("/etc/claude-code"),
        }
    }

    pub fn claude_managed_settings(&self) -> PathBuf {
        self.claude_managed_dir().join("managed-settings.json")
    }

    /// Project settings, lowest precedence first: shared, then local.
    pub fn claude_project_settings(root: &Path) -> [PathBuf; 2] {
        [root.join(".claude/settings.json"), root.join(".claude/settings.local.json")]
    }

    // --- Gemini CLI (reference/agents.md, Gemini CLI) ---

    pub fn gemini_dir(&self) -> PathBuf {
        self.home.join(".gemini")
    }

    pub fn gemini_user_settings(&self) -> PathBuf {
        self.gemini_dir().join("settings.json")
    }

    pub fn gemini_system_dir(&self) -> PathBuf {
        match self.os {
            Os::MacOs => self.system_path("/Library/Application Support/GeminiCli"),
            Os::Windows => self.system_path("ProgramData/gemini-cli"),
            Os::Linux => self.system_path("/etc/gemini-cli"),
        }
    }

    /// The system settings file, which overrides every other settings file.
    pub fn gemini_system_settings(&self) -> PathBuf {
        self.gemini_system_settings.clone().unwrap_or_else(|| self.gemini_system_dir().join("settings.json"))
    }

    pub fn gemini_project_settings(root: &Path) -> PathBuf {
        root.join(".gemini/settings.json")
    }

    // --- Cursor (reference/agents.md §3.3) ---

    pub fn cursor_dir(&self) -> PathBuf {
        self.home.join(".cursor")
    }

    pub fn cursor_user_hooks(&self) -> PathBuf {
        self.cursor_dir().join("hooks.json")
    }

    /// The enterprise (MDM-deployed) hooks file.
    pub fn cursor_enterprise_hooks(&self) -> PathBuf {
        match self.os {
            Os::MacOs => self.system_path("/Library/Application Support/Cursor/hooks.json"),
            Os::Windows => self.system_path("ProgramData/Cursor/hooks.json"),
            Os::Linux => self.system_path("/etc/cursor/hooks.json"),
        }
    }

    pub fn cursor_project_hooks(root: &Path) -> PathBuf {
        root.join(".cursor/hooks.json")
    }

    /// A managed file under the OS's admin location: `/etc/<linux>`, macOS
    /// `/Library/Application Support/<macos>`, Windows `ProgramData/<windows>`.
    fn managed(&self, linux: &str, macos: &str, windows: &str) -> PathBuf {
        match self.os {
            Os::Linux => self.system_path(&format!("/etc/{linux}")),
            Os::MacOs => self.system_path(&format!("/Library/Application Support/{macos}")),
            Os::Windows => self.system_path(&format!("ProgramData/{windows}")),
        }
    }

    // --- Copilot CLI (reference/agents.md §4.1) ---

    /// `$COPILOT_HOME`, else `~/.copilot`.
    pub fn copilot_home(&self) -> PathBuf {
        self.copilot_home.clone().unwrap_or_else(|| self.home.join(".copilot"))
    }

    /// The user-level hooks folder: every `*.json` in it is loaded and all of them run.
    pub fn copilot_user_hooks_dir(&self) -> PathBuf {
        self.copilot_home().join("hooks")
    }

    /// The file `ward install copilot-cli` owns in the user-level hooks folder.
    pub fn copilot_ward_hooks(&self) -> PathBuf {
        self.copilot_user_hooks_dir().join("ward.json")
    }

    pub fn copilot_user_settings(&self) -> PathBuf {
        self.copilot_home().join("settings.json")
    }

    pub fn copilot_project_hooks_dir(root: &Path) -> PathBuf {
        root.join(".github/hooks")
    }

    // --- VS Code Copilot agent (reference/agents.md §4.2) ---

    /// The only user-level hooks file VS Code reads: `~/.claude/settings.json` (not
    /// `$CLAUDE_CONFIG_DIR`), shared with Claude Code, Continue CLI and Cursor.
    pub fn vscode_user_hooks(&self) -> PathBuf {
        self.home.join(".claude/settings.json")
    }

    // --- Windsurf (reference/agents.md §6) ---

    pub fn windsurf_user_hooks(&self) -> PathBuf {
        self.home.join(".codeium/windsurf/hooks.json")
    }

    /// The system hooks file, merged before the user's and the workspace's.
    pub fn windsurf_system_hooks(&self) -> PathBuf {
        self.managed("windsurf/hooks.json", "Windsurf/hooks.json", "Windsurf/hooks.json")
    }

    pub fn windsurf_project_hooks(root: &Path) -> PathBuf {
        root.join(".windsurf/hooks.json")
    }

    // --- Continue CLI (reference/agents.md §8) ---

    /// Continue's own settings file (Claude Code's hook format; Continue also reads
    /// `~/.claude/settings.json`).
    pub fn continue_user_settings(&self) -> PathBuf {
        self.home.join(".continue/settings.json")
    }

    pub fn continue_project_settings(root: &Path) -> [PathBuf; 2] {
        [root.join(".continue/settings.json"), root.join(".continue/settings.local.json")]
    }

    // --- Cline (reference/agents.md §7.1) ---

    /// The VS Code extension's global hooks folder: one executable per event, named after it.
    pub fn cline_hooks_dir(&self) -> PathBuf {
        self.home.join("Documents/Cline/Hooks")
    }

    /// The Cline CLI's hooks folder (unconfirmed).
    pub fn cline_cli_hooks_dir(&self) -> PathBuf {
        self.home.join(".cline/hooks")
    }

    pub fn cline_project_hooks_dir(root: &Path) -> PathBuf {
        root.join(".clinerules/hooks")
    }

    // --- Amazon Q Developer CLI and Kiro CLI (reference/agents.md §10) ---

    /// Amazon Q CLI's global agent files (`*.json`; hooks live in each agent).
    pub fn amazon_q_agents_dir(&self) -> PathBuf {
        self.home.join(".aws/amazonq/cli-agents")
    }

    /// Kiro CLI's global agent files (Amazon Q CLI's agent format).
    pub fn kiro_agents_dir(&self) -> PathBuf {
        self.home.join(".kiro/agents")
    }

    // --- Change detection ---

    /// The user- and managed-scope files and folders whose change means the inventory may have
    /// changed: each agent's configuration files (MCP servers, hooks, settings, requirements)
    /// and the folders whose entries are artifacts (extensions, skills, plugins, hook folders,
    /// agent files), with the folders that hold them. `ward agent run` looks at exactly these to
    /// scan when something changes, whether or not they exist yet (an agent installed after it
    /// started). A folder stands for its entries (added, removed, renamed), not for files deep
    /// inside it; its scheduled scans cover the rest. Project-scope files are not included.
    pub fn watched_paths(&self) -> Vec<PathBuf> {
        let home = |rel: &str| self.home.join(rel);
        let mut paths = vec![
            // Codex
            self.codex_home(),
            self.codex_user_config(),
            self.codex_user_hooks(),
            self.codex_home().join("skills"),
            self.codex_home().join("plugins"),
            self.codex_managed_dir(),
            self.codex_requirements(),
            self.codex_system_config(),
            self.codex_managed_config(),
            // Skills and MCP servers shared by several agents.
            home(".agents"),
            home(".agents/skills"),
            home(".agents/mcp.json"),
            // Claude Code
            self.claude_dir(),
            self.claude_user_settings(),
            self.claude_dir().join("settings.local.json"),
            self.claude_state_file(),
            self.claude_dir().join("skills"),
            self.claude_dir().join("plugins"),
            self.claude_dir().join("agents"),
            self.claude_managed_dir(),
            self.claude_managed_settings(),
            self.claude_managed_dir().join("managed-mcp.json"),
            // Gemini CLI
            self.gemini_dir(),
            self.gemini_user_settings(),
            self.gemini_dir().join("extensions"),
            self.gemini_system_dir(),
            self.gemini_system_settings(),
            // Cursor
            self.cursor_dir(),
            self.cursor_user_hooks(),
            self.cursor_dir().join("mcp.json"),
            self.cursor_dir().join("plugins"),
            self.cursor_enterprise_hooks(),
            // Copilot CLI
            self.copilot_home(),
            self.copilot_user_settings(),
            self.copilot_home().join("mcp-config.json"),
            self.copilot_user_hooks_dir(),
            // VS Code (hooks in ~/.claude/settings.json, above) and Windsurf
            self.vscode_user_hooks(),
            home(".codeium/windsurf"),
            self.windsurf_user_hooks(),
            home(".codeium/windsurf/mcp_config.json"),
            self.windsurf_system_hooks(),
            // Continue, Cline, Amazon Q, Kiro, opencode
            home(".continue"),
            self.continue_user_settings(),
            home(".continue/config.yaml"),
            home(".continue/config.json"),
            home(".continue/mcpServers"),
            home(".cline"),
            self.cline_cli_hooks_dir(),
            self.cline_hooks_dir(),
            home(".aws/amazonq"),
            home(".aws/amazonq/mcp.json"),
            self.amazon_q_agents_dir(),
            home(".kiro"),
            home(".kiro/settings/mcp.json"),
            self.kiro_agents_dir(),
            home(".config/opencode"),
        ];
        // Editors: their extension folders, and their user settings and MCP files.
        for editor in crate::extensions::EDITORS {
            paths.push(home(editor.extensions_dir));
        }
        for app in ["Code", "Code - Insiders", "Cursor", "Windsurf", "Kiro"] {
            let user = self.editor_user_data(app).join("User");
            paths.push(user.join("settings.json"));
            paths.push(user.join("mcp.json"));
            paths.push(user);
        }
        paths.push(home(".vscode-server/data/User/mcp.json"));
        paths.sort();
        paths.dedup();
        paths
    }

    /// The VS Code-style user-data folder of an editor (as [`ScanContext::editor_user_data`]).
    fn editor_user_data(&self, app: &str) -> PathBuf {
        match self.os {
            Os::MacOs => self.home.join("Library/Application Support").join(app),
            Os::Windows => self.home.join("AppData/Roaming").join(app),
            Os::Linux => self.home.join(".config").join(app),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(os: Os) -> Locations {
        Locations::new("/h".into(), "/sys".into(), os)
    }

    #[test]
    fn managed_paths_live_under_the_system_root() {
        assert_eq!(loc(Os::Linux).codex_requirements(), Path::new("/sys/etc/codex/requirements.toml"));
        assert_eq!(
            loc(Os::MacOs).claude_managed_settings(),
            Path::new("/sys/Library/Application Support/ClaudeCode/managed-settings.json")
        );
        assert_eq!(loc(Os::Linux).cursor_enterprise_hooks(), Path::new("/sys/etc/cursor/hooks.json"));
        assert_eq!(loc(Os::Linux).gemini_system_settings(), Path::new("/sys/etc/gemini-cli/settings.json"));
        assert_eq!(loc(Os::Windows).codex_managed_config(), Path::new("/h/.codex/managed_config.toml"));
        assert_eq!(loc(Os::Linux).windsurf_system_hooks(), Path::new("/sys/etc/windsurf/hooks.json"));
        assert_eq!(
            loc(Os::MacOs).windsurf_system_hooks(),
            Path::new("/sys/Library/Application Support/Windsurf/hooks.json")
        );
        assert_eq!(
            loc(Os::Windows).windsurf_system_hooks(),
            Path::new("/sys/ProgramData/Windsurf/hooks.json")
        );
    }

    #[test]
    fn watched_paths_cover_every_user_and_managed_config_file() {
        for os in [Os::Linux, Os::MacOs, Os::Windows] {
            let l = loc(os);
            let watched = l.watched_paths();
            for file in [
                l.codex_user_config(),
                l.codex_user_hooks(),
                l.codex_requirements(),
                l.codex_system_config(),
                l.codex_managed_config(),
                l.claude_user_settings(),
                l.claude_state_file(),
                l.claude_managed_settings(),
                l.gemini_user_settings(),
                l.gemini_system_settings(),
                l.cursor_user_hooks(),
                l.cursor_enterprise_hooks(),
                l.copilot_user_hooks_dir(),
                l.copilot_user_settings(),
                l.vscode_user_hooks(),
                l.windsurf_user_hooks(),
                l.windsurf_system_hooks(),
                l.continue_user_settings(),
                l.cline_hooks_dir(),
                l.cline_cli_hooks_dir(),
                l.amazon_q_agents_dir(),
                l.kiro_agents_dir(),
            ] {
                assert!(watched.contains(&file), "{os:?}: {} is not watched", file.display());
            }
            // Nothing outside the home and the system root.
            assert!(watched.iter().all(|p| p.starts_with("/h") || p.starts_with("/sys")), "{watched:?}");
        }
        // The agents' own overrides move what is watched with them.
        let moved = loc(Os::Linux).with_agent_env(|k| (k == "CODEX_HOME").then(|| "/h/alt".to_owned()));
        assert!(moved.watched_paths().contains(&PathBuf::from("/h/alt/config.toml")));
    }

    #[test]
    fn agent_environment_applies_only_when_asked() {
        let env = |k: &str| match k {
            "CODEX_HOME" => Some("/c".to_owned()),
            "CLAUDE_CONFIG_DIR" => Some("/cl".to_owned()),
            "GEMINI_CLI_SYSTEM_SETTINGS_PATH" => Some(String::new()),
            _ => None,
        };
        assert_eq!(loc(Os::Linux).codex_user_hooks(), Path::new("/h/.codex/hooks.json"));
        let l = loc(Os::Linux).with_agent_env(env);
        assert_eq!(l.codex_user_hooks(), Path::new("/c/hooks.json"));
        assert_eq!(l.claude_user_settings(), Path::new("/cl/settings.json"));
        assert_eq!(l.claude_state_file(), Path::new("/cl/.claude.json"));
        assert_eq!(l.gemini_system_settings(), Path::new("/sys/etc/gemini-cli/settings.json"));
    }
}
