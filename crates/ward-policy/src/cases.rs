//! Decision test cases an admin keeps beside a policy (`ward policy test`), like `opa test`:
//! a TOML table of tool calls with the decision each must get. This module parses the file,
//! builds the tool calls and checks them; turning a `command = "…"` shell string into commands
//! is the caller's (the hook's shell analysis), passed in as a function.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;
use ward_model::{Access, Action, Decision, McpTarget, PathTarget, ShellCommand, ToolCall, Verdict};

use crate::error::{line_column, Diagnostic, PolicyError};
use crate::pattern::normalize_host;
use crate::policy::{EvalContext, Policy};
use crate::repo::{normalize_remote, RepoInfo};

/// One decision test.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub name: String,
    /// The agent asking (default `test`).
    pub agent: Option<String>,
    /// Evaluate under this tier. Otherwise the tier comes from `remote`/`cwd`
    /// ([`Policy::tier_for`]), and with neither it is the policy's `default_tier`.
    pub tier: Option<String>,
    /// Working directory; with `remote`, it is also the repository root. Without `remote`, the
    /// repository around it is discovered on disk.
    pub cwd: Option<String>,
    /// The repository's git remote (any form; it is normalized).
    pub remote: Option<String>,
    /// The primary action; inferred when absent (command → exec, mcp → mcp, url/host →
    /// network, write access → write, paths → read, else other).
    pub action: Option<Action>,
    /// A shell command line, analyzed into commands by the caller's shell analysis.
    pub command: Option<String>,
    /// One already-split command.
    pub argv: Option<Vec<String>>,
    pub path: Option<String>,
    #[serde(default)]
    pub paths: Vec<String>,
    /// How `path`/`paths` are touched (default: write for a write action, else read).
    pub access: Option<Access>,
    pub url: Option<String>,
    pub host: Option<String>,
    #[serde(default)]
    pub hosts: Vec<String>,
    pub mcp_server: Option<String>,
    pub mcp_tool: Option<String>,
    /// Flag `runs_downloaded_code` on the `argv` command (`curl … | sh`).
    #[serde(default)]
    pub runs_downloaded_code: bool,
    pub expect: Decision,
    /// The deciding rule id the verdict must name.
    pub expect_rule: Option<String>,
    /// The tier the case must resolve to.
    pub expect_tier: Option<String>,
    /// 1-based line of the case in its file.
    #[serde(skip)]
    pub line: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CasesFile {
    #[serde(default)]
    case: Vec<Spanned<Case>>,
}

/// Parses a cases file: `[[case]]` tables. Errors carry line and column.
pub fn parse_cases(text: &str, origin: &str) -> Result<Vec<Case>, PolicyError> {
    let error = |span: Option<std::ops::Range<usize>>, message: String| {
        let (line, column) = line_column(text, span.map_or(0, |s| s.start));
        PolicyError { origin: origin.to_owned(), diagnostics: vec![Diagnostic { line, column, message }] }
    };
    let file: CasesFile = toml::from_str(text).map_err(|e| error(e.span(), e.message().trim().to_owned()))?;
    let mut out = Vec::with_capacity(file.case.len());
    let mut diagnostics = Vec::new();
    for spanned in file.case {
        let span = spanned.span();
        let mut case = spanned.into_inner();
        case.line = line_column(text, span.start).0;
        if let Err(message) = case.validate() {
            let (line, column) = line_column(text, span.start);
            diagnostics.push(Diagnostic {
                line,
                column,
                message: format!("case \"{}\": {message}", case.name),
            });
        }
        out.push(case);
    }
    if !diagnostics.is_empty() {
        return Err(PolicyError { origin: origin.to_owned(), diagnostics });
    }
    if out.is_empty() {
        return Err(error(None, "no test cases: add `[[case]]` tables".to_owned()));
    }
    Ok(out)
}

impl Case {
    fn validate(&self) -> Result<(), String> {
        if self.command.is_some() && self.argv.is_some() {
            return Err("give `command` or `argv`, not both".into());
        }
        if self.argv.as_ref().is_some_and(|a| a.is_empty()) {
            return Err("`argv` is empty".into());
        }
        if self.mcp_server.is_some() != self.mcp_tool.is_some() {
            return Err("give both `mcp_server` and `mcp_tool`".into());
        }
        if self.tier.is_some() && self.expect_tier.is_some() {
            return Err("`expect_tier` checks tier resolution; it makes no sense with a fixed `tier`".into());
        }
        Ok(())
    }

    /// The tool call this case describes, except the analysis of a `command` string (which is
    /// stored in `ToolCall::command`; the caller adds the commands, paths and hosts it yields).
    pub fn tool_call(&self) -> ToolCall {
        let action = self.action.unwrap_or_else(|| self.inferred_action());
        let mut call = ToolCall::new(self.agent.as_deref().unwrap_or("test"), "test", "test", action);
        call.cwd = self.cwd.clone();
        call.command = self.command.clone();
        if let Some(argv) = &self.argv {
            let program =
                argv.first().map(|a| a.rsplit('/').next().unwrap_or(a).to_owned()).unwrap_or_default();
            call.commands.push(ShellCommand {
                argv: argv.clone(),
                program,
                runs_downloaded_code: self.runs_downloaded_code,
                ..ShellCommand::default()
            });
        }
        let access =
            self.access.unwrap_or(if action == Action::Write { Access::Write } else { Access::Read });
        for p in self.path.iter().chain(&self.paths) {
            call.paths.push(PathTarget { path: p.clone(), access });
        }
        if let Some(u) = &self.url {
            call.urls.push(u.clone());
            if let Some(h) = u.split_once("://").and_then(|(_, r)| r.split(['/', '?', '#']).next()) {
                let h = normalize_host(h.rsplit_once('@').map_or(h, |(_, h)| h));
                if !h.is_empty() {
                    call.hosts.push(h);
                }
            }
        }
        for h in self.host.iter().chain(&self.hosts) {
            let h = normalize_host(h);
            if !call.hosts.contains(&h) {
                call.hosts.push(h);
            }
        }
        if let (Some(server), Some(tool)) = (&self.mcp_server, &self.mcp_tool) {
            call.mcp = Some(McpTarget { server: server.clone(), tool: tool.clone() });
        }
        call
    }

    fn inferred_action(&self) -> Action {
        if self.command.is_some() || self.argv.is_some() {
            Action::Exec
        } else if self.mcp_server.is_some() {
            Action::Mcp
        } else if self.url.is_some() || self.host.is_some() || !self.hosts.is_empty() {
            Action::Network
        } else if self.path.is_some() || !self.paths.is_empty() {
            match self.access {
                Some(Access::Write) | Some(Access::Delete) => Action::Write,
                Some(Access::Execute) => Action::Exec,
                _ => Action::Read,
            }
        } else {
            Action::Other
        }
    }
}

/// The outcome of one case.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseResult {
    pub name: String,
    pub line: usize,
    pub passed: bool,
    /// The tier the case was evaluated under and why.
    pub tier: String,
    pub tier_why: String,
    pub verdict: Verdict,
    /// What was wrong, when it failed.
    pub failure: Option<String>,
}

/// Runs every case against `policy`. `home` is what `~` stands for; `build` turns a case into
/// its tool call (normally [`Case::tool_call`] plus shell analysis of `command`).
pub fn run_cases(
    policy: &Policy,
    cases: &[Case],
    home: &Path,
    build: impl Fn(&Case) -> ToolCall,
) -> Vec<CaseResult> {
    cases.iter().map(|case| run_case(policy, case, home, &build)).collect()
}

fn run_case(policy: &Policy, case: &Case, home: &Path, build: &impl Fn(&Case) -> ToolCall) -> CaseResult {
    let cwd = case.cwd.as_deref().map(PathBuf::from);
    let repo = match (&case.remote, &cwd) {
        (Some(remote), _) => Some(RepoInfo {
            root: cwd.clone().unwrap_or_else(|| PathBuf::from("/")),
            remote: Some(normalize_remote(remote)),
        }),
        (None, Some(dir)) => RepoInfo::discover(dir),
        (None, None) => None,
    };
    let (tier, why) = match &case.tier {
        Some(t) => (t.clone(), "set by the case".to_owned()),
        None if case.cwd.is_none() && case.remote.is_none() => {
            (policy.default_tier().to_owned(), "no tier, cwd or remote in the case: default_tier".to_owned())
        }
        None => {
            let r = policy.tier_for(cwd.as_deref(), repo.as_ref(), home);
            (r.tier, r.why)
        }
    };
    let ctx = EvalContext { home: home.to_path_buf(), workspace_root: repo.map(|r| r.root).or(cwd) };
    let call = build(case);
    // With the file-system lookups the hook makes (links, name globs), so a case decides as the hook would.
    let verdict = policy.evaluate_on_disk(&call, &tier, &ctx);
    let mut problems = Vec::new();
    if !policy.has_tier(&tier) {
        problems.push(format!("tier `{tier}` is not defined"));
    }
    if let Some(want) = &case.expect_tier {
        if *want != tier {
            problems.push(format!("tier {tier}, expected {want}"));
        }
    }
    if verdict.decision != case.expect {
        problems.push(format!("got {} by {}, expected {}", verdict.decision, verdict.rule, case.expect));
    }
    if let Some(want) = &case.expect_rule {
        if *want != verdict.rule {
            problems.push(format!("decided by {}, expected {want}", verdict.rule));
        }
    }
    CaseResult {
        name: case.name.clone(),
        line: case.line,
        passed: problems.is_empty(),
        tier,
        tier_why: why,
        verdict,
        failure: (!problems.is_empty()).then(|| problems.join("; ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cases_and_reports_bad_ones_with_lines() {
        let text = "[[case]]\nname = \"a\"\nargv = [\"ls\"]\nexpect = \"allow\"\n\n[[case]]\nname = \"b\"\nexpect = \"nope\"\n";
        let err = parse_cases(text, "c.toml").unwrap_err();
        assert_eq!(err.diagnostics.len(), 1);
        assert_eq!(err.diagnostics[0].line, 8, "{err}");
        assert!(err.diagnostics[0].message.contains("nope"), "{err}");

        let text = "[[case]]\nname = \"a\"\nargv = [\"ls\"]\nexpect = \"allow\"\ntypo = 1\n";
        let err = parse_cases(text, "c.toml").unwrap_err();
        assert_eq!(err.diagnostics[0].line, 5, "{err}");

        let text = "[[case]]\nname = \"a\"\nargv = [\"ls\"]\ncommand = \"ls\"\nexpect = \"allow\"\n";
        let err = parse_cases(text, "c.toml").unwrap_err();
        assert!(err.to_string().starts_with("c.toml:1:1: case \"a\": give `command` or `argv`"), "{err}");

        let text = "[[case]]\nname = \"a\"\ntier = \"open\"\nexpect_tier = \"open\"\nexpect = \"allow\"\n";
        assert!(parse_cases(text, "c.toml")
            .unwrap_err()
            .to_string()
            .contains("`expect_tier` checks tier resolution"));

        assert!(parse_cases("", "c.toml").is_err());
        assert!(parse_cases("[[case]\n", "c.toml").is_err());

        let ok = parse_cases(
            "[[case]]\nname = \"x\"\nurl = \"https://u:p@Example.com:443/a\"\nexpect = \"deny\"\n",
            "c",
        )
        .unwrap();
        let call = ok[0].tool_call();
        assert_eq!(call.action, Action::Network);
        assert_eq!(call.hosts, vec!["example.com".to_string()]);
    }

    #[test]
    fn runs_cases_and_names_failures() {
        let cases = parse_cases(
            "[[case]]\nname = \"tf\"\ntier = \"standard\"\nargv = [\"terraform\", \"apply\"]\nexpect = \"ask\"\nexpect_rule = \"standard.terraform-apply\"\n\
             [[case]]\nname = \"wrong\"\ntier = \"standard\"\nargv = [\"ls\"]\nexpect = \"deny\"\n\
             [[case]]\nname = \"by remote\"\nremote = \"git@github.com:acme/x.git\"\ncwd = \"/w/x\"\nargv = [\"ls\"]\nexpect = \"allow\"\nexpect_tier = \"standard\"\n",
            "c",
        )
        .unwrap();
        let results = run_cases(Policy::builtin(), &cases, Path::new("/home/u"), Case::tool_call);
        assert!(results[0].passed, "{:?}", results[0]);
        assert!(!results[1].passed);
        assert_eq!(results[1].failure.as_deref(), Some("got allow by default, expected deny"));
        assert!(results[2].passed, "{:?}", results[2]);
        assert_eq!(results[2].line, 12);
    }
}
