//! `ward policy check|test|explain`: validate a policy file, run the decision test cases an admin
//! keeps beside it, and explain one decision the way the hook would make it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use ward_model::ToolCall;
use ward_policy::cases::{parse_cases, run_cases, Case, CaseResult};
use ward_policy::{LoadError, Policy};

use crate::env::WardPaths;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Validate a policy file: prints `ok: N tiers, M rules (…)`, or every error as
    /// `FILE:LINE:COLUMN: message` (exit 1). Default: the policy in force.
    Check {
        /// The policy file (default: `--policy`, the discovered policy, else the built-in one).
        file: Option<PathBuf>,
    },
    /// Run decision test cases (`[[case]]` tables) against a policy: `ward policy test FILE CASES`,
    /// or `ward policy test CASES` for the policy in force. Exit 1 on any failure.
    Test {
        /// `[POLICY] CASES`: the policy file (optional) and the cases file.
        #[arg(value_name = "FILE", num_args = 1..=2, required = true)]
        files: Vec<PathBuf>,
        /// Print the tier reason and every matched rule for each case.
        #[arg(long, short)]
        verbose: bool,
    },
    /// Explain one decision: the tier of DIR and why, the decision, the deciding rule and every
    /// rule that matched. `ward policy explain --agent codex --cwd ~/src/infra -- terraform apply`;
    /// or `--payload FILE` for a recorded hook payload (stdin with `-`), decided exactly as
    /// `ward hook` would.
    Explain {
        /// The agent making the call (codex, claude-code, cursor, …).
        #[arg(long, default_value = "codex")]
        agent: String,
        /// The working directory of the call (default: the current directory).
        #[arg(long, value_name = "DIR")]
        cwd: Option<PathBuf>,
        /// A hook payload (JSON, as the agent sends it on stdin) instead of a command.
        #[arg(long, value_name = "FILE", conflicts_with = "command")]
        payload: Option<PathBuf>,
        /// Output format. `json` prints the tier, repository and verdict as one object.
        #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
        format: ExplainFormat,
        /// The shell command line, after `--`.
        #[arg(last = true, value_name = "COMMAND", required_unless_present = "payload")]
        command: Vec<String>,
    },
    /// Compile the managed policy ($WARD_SYSTEM_ROOT/etc/ward/policy.toml) into the root-owned
    /// $WARD_SYSTEM_ROOT/var/cache/ward, where `ward hook` takes it instead of compiling the
    /// file on every call. The managed daemon (`ward agent run --managed`) does this by itself
    /// whenever the file changes; run as root.
    Compile {
        /// The managed policy (the only one compiled this way).
        #[arg(long, required = true)]
        managed: bool,
    },
    /// Print the policy in force as TOML, with where it came from: the policy file Ward found
    /// (/etc/ward/policy.toml, which wins over everything, then `--policy`, $WARD_POLICY,
    /// ~/.config/ward/policy.toml), else the built-in default. Redirect it to a file to start your own policy from it.
    Show {
        /// Print the built-in default policy, whatever policy is in force.
        #[arg(long)]
        builtin: bool,
    },
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExplainFormat {
    Text,
    Json,
}

pub fn run(command: Command, paths: &WardPaths) -> Result<ExitCode> {
    match command {
        Command::Check { file } => check(file.as_deref().or(paths.policy_file.as_deref())),
        Command::Test { files, verbose } => {
            let (policy_file, cases_file) = match files.as_slice() {
                [cases] => (paths.policy_file.as_deref(), cases.as_path()),
                [policy, cases] => (Some(policy.as_path()), cases.as_path()),
                _ => bail!("usage: ward policy test [POLICY] CASES"),
            };
            test(policy_file, cases_file, &paths.home, verbose)
        }
        Command::Explain { agent, cwd, payload, format, command } => {
            explain(paths, &agent, cwd, payload.as_deref(), format, &command)
        }
        Command::Show { builtin } => show(paths, builtin),
        Command::Compile { managed: _ } => compile_managed(paths),
    }
}

fn explain(
    paths: &WardPaths,
    agent: &str,
    cwd: Option<PathBuf>,
    payload: Option<&Path>,
    format: ExplainFormat,
    command: &[String],
) -> Result<ExitCode> {
    // Exactly the hook's loading path: the same cache rules, the same stand-in when the policy
    // in force cannot be used.
    let loaded = ward_endpoint::load_policy(paths);
    if let Some(problem) = &loaded.problem {
        match &loaded.invalid {
            Some(e) => eprintln!("{e}"),
            None => eprintln!("ward: {problem}"),
        }
        eprintln!("ward: the hook decides by the built-in policy until this is fixed; explaining that");
    }
    let policy = loaded.policy;
    let Some(named) = ward_hook::Agent::from_name(agent) else {
        let known: Vec<&str> = ward_hook::Agent::ALL.iter().map(|a| a.name()).collect();
        bail!("unknown agent `{agent}` (--agent): expected one of {}", known.join(", "));
    };
    let agent = named.name();
    let cwd = match cwd {
        // A directory that does not exist would silently get the outside-repository tier.
        Some(c) if !c.is_dir() => bail!("--cwd {}: no such directory", c.display()),
        Some(c) => c,
        None => std::env::current_dir().context("cannot tell the current directory; pass --cwd")?,
    };
    let cwd = std::path::absolute(&cwd).unwrap_or(cwd).to_string_lossy().into_owned();
    let call = match payload {
        Some(file) => {
            let bytes = if file == Path::new("-") {
                let mut b = Vec::new();
                std::io::Read::read_to_end(&mut std::io::stdin(), &mut b).context("reading stdin")?;
                b
            } else {
                std::fs::read(file).with_context(|| format!("reading {}", file.display()))?
            };
            // The hook's environment, as the hook reads it (`$WARD_HOME` in a command).
            let (_, mut call) =
                ward_hook::parse_payload_with_env(Some(named), &bytes, &|k| std::env::var(k).ok())
                    .map(|p| (p.agent, p.call))
                    .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            if call.cwd.as_deref().is_none_or(str::is_empty) {
                call.cwd = Some(cwd);
            }
            call
        }
        None => {
            let words: Vec<&str> = command.iter().map(String::as_str).collect();
            // One word is taken as a whole command line (`-- 'a && b'`); several as an argv.
            let line = match words.as_slice() {
                [one] => (*one).to_owned(),
                many => ward_hook::shell_join(many),
            };
            ward_hook::exec_call_with_env(agent, Some(&cwd), &line, &|k| std::env::var(k).ok())
        }
    };
    let seen = ward_endpoint::SeenTiers::load(&paths.data_dir);
    if let Some(problem) = &seen.problem {
        eprintln!("ward: {problem}");
    }
    let decided = ward_endpoint::decide_call(&policy, &call, &paths.home, &seen).decided;
    match format {
        ExplainFormat::Text => {
            let mut text = String::new();
            if let Some(c) = &call.command {
                let _ = writeln!(text, "command:  {c}");
            }
            text.push_str(&decided.explain(&policy));
            crate::out::stdout(text)?;
        }
        ExplainFormat::Json => {
            let out = serde_json::json!({
                "schema_version": 1,
                "call": &call,
                "tier": decided.tier.tier,
                "tier_why": decided.tier.why,
                "repo": decided.repo.as_ref().map(|r| serde_json::json!({
                    "root": r.root.display().to_string(),
                    "remote": r.remote,
                })),
                "verdict": decided.verdict,
                "classes": decided.classes,
                "policy_load": {
                    "file": paths.policy_file.as_ref().map(|p| p.display().to_string()),
                    "managed": paths.policy_managed,
                    "via": loaded.via.name(),
                    "detail": loaded.via.detail(),
                },
            });
            crate::out::stdout(format!("{}\n", serde_json::to_string_pretty(&out)?))?;
        }
    }
    Ok(if loaded.problem.is_some() { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// `ward policy compile --managed`.
fn compile_managed(paths: &WardPaths) -> Result<ExitCode> {
    use ward_endpoint::managed::compiled::{compile, Compiled};
    let uid = ward_audit::trust::effective_uid();
    if uid != ward_endpoint::managed::compiled::OWNER_UID {
        bail!("the compiled managed policy must be root's (this is uid {uid}): sudo ward policy compile --managed");
    }
    let (result, file) = match compile(&paths.system_root) {
        Ok(Compiled::Written(file)) => ("written", Some(file)),
        Ok(Compiled::Unchanged(file)) => ("unchanged", Some(file)),
        Ok(Compiled::NoPolicy) => ("no managed policy", None),
        Err(ward_endpoint::managed::compiled::CompileError::Invalid(e)) => {
            eprintln!("{e}");
            return Ok(ExitCode::from(1));
        }
        Err(e) => return Err(e.into()),
    };
    let out = serde_json::json!({
        "schema_version": 1,
        "result": result,
        "file": file.map(|f| f.display().to_string()),
    });
    crate::out::stdout(format!("{}\n", serde_json::to_string_pretty(&out)?))?;
    Ok(ExitCode::SUCCESS)
}

/// The policy at `file`, else the built-in one. `Ok(Err(code))`: the policy is invalid and its
/// errors have been printed.
fn load(file: Option<&Path>) -> Result<std::result::Result<Policy, ExitCode>> {
    let Some(path) = file else {
        return Ok(Ok(Policy::builtin().clone()));
    };
    match Policy::load(path) {
        Ok(p) => Ok(Ok(p)),
        Err(LoadError::Invalid(e)) => {
            eprintln!("{e}");
            let n = e.diagnostics.len();
            eprintln!("{}: {n} error{}", path.display(), if n == 1 { "" } else { "s" });
            Ok(Err(ExitCode::from(1)))
        }
        // The I/O error is part of the message once, not repeated as its cause.
        Err(LoadError::Io { path, source }) => bail!("cannot read the policy {path}: {source}"),
    }
}

/// `ward policy show`: the policy text in force, preceded by comments saying which file it is,
/// why that one, and how to start from it. Exit 1 (text still printed) when it does not compile.
fn show(paths: &WardPaths, builtin: bool) -> Result<ExitCode> {
    let managed = paths.system_root.join("etc/ward/policy.toml");
    let user = paths.home.join(".config/ward/policy.toml");
    let env = std::env::var_os("WARD_POLICY").filter(|v| !v.is_empty()).map(PathBuf::from);
    let file = if builtin { None } else { paths.policy_file.as_deref() };
    let (origin, why, text) = match file {
        None => (
            ward_policy::BUILTIN_ORIGIN.to_owned(),
            if builtin {
                "--builtin".to_owned()
            } else {
                "no policy file found, so the built-in default is in force".to_owned()
            },
            ward_policy::BUILTIN_POLICY.to_owned(),
        ),
        Some(p) => {
            let why = if p == managed {
                "the managed policy (it outranks --policy, $WARD_POLICY and the user policy)".to_owned()
            } else if env.as_deref() == Some(p) {
                "$WARD_POLICY".to_owned()
            } else if p == user {
                "the user policy".to_owned()
            } else {
                "--policy".to_owned()
            };
            let text = std::fs::read_to_string(p)
                .map_err(|e| anyhow::anyhow!("cannot read the policy {}: {e}", p.display()))?;
            (p.display().to_string(), why, text)
        }
    };
    let state = |p: &Path| if p.is_file() { "present" } else { "absent" };
    let mut out = String::new();
    let _ = writeln!(out, "# Ward policy in force: {origin}");
    let _ = writeln!(out, "# Chosen because: {why}.");
    let _ = writeln!(
        out,
        "# Looked for, first found wins: {} ({}); --policy; $WARD_POLICY ({}); {} ({}); else the built-in default.",
        managed.display(),
        state(&managed),
        env.as_deref().map_or("unset".to_owned(), |p| format!("{}, {}", p.display(), state(p))),
        user.display(),
        state(&user)
    );
    let _ = writeln!(
        out,
        "# To start your own: `ward policy show > policy.toml`, edit it, `ward policy check policy.toml`, then\n\
         # install it as {} (all users; needs root) or {} (you). Format: docs/policy.md, docs/drift.md.",
        managed.display(),
        user.display()
    );
    out.push('\n');
    out.push_str(&text);
    if !text.ends_with('\n') {
        out.push('\n');
    }
    crate::out::stdout(out)?;
    match ward_policy::Policy::from_toml_str(&text, &origin) {
        Ok(_) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            eprintln!("{e}");
            eprintln!("{origin}: does not compile; `ward policy check` lists the errors");
            Ok(ExitCode::from(1))
        }
    }
}

fn check(file: Option<&Path>) -> Result<ExitCode> {
    let policy = match load(file)? {
        Ok(p) => p,
        Err(code) => return Ok(code),
    };
    let tiers = policy.tier_names();
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    crate::out::stdout(format!(
        "ok: {} tier{}, {} rule{} ({}; tiers from least to most cautious: {})\n",
        tiers.len(),
        plural(tiers.len()),
        policy.rule_count(),
        plural(policy.rule_count()),
        policy.origin(),
        tiers.join(", "),
    ))?;
    let lists = policy.approved_lists();
    if !lists.is_empty() {
        let parts: Vec<String> = lists.iter().map(|(name, n)| format!("{name} {n}")).collect();
        crate::out::stdout(format!("approved lists (docs/drift.md): {}\n", parts.join(", ")))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn test(policy_file: Option<&Path>, cases_file: &Path, home: &Path, verbose: bool) -> Result<ExitCode> {
    let policy = match load(policy_file)? {
        Ok(p) => p,
        Err(code) => return Ok(code),
    };
    let text = std::fs::read_to_string(cases_file)
        .with_context(|| format!("cannot read the cases file {}", cases_file.display()))?;
    let cases = match parse_cases(&text, &cases_file.display().to_string()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return Ok(ExitCode::from(1));
        }
    };
    let results = run_cases(&policy, &cases, home, build_call);
    let failed = results.iter().filter(|r| !r.passed).count();
    crate::out::stdout(render_results(&results, verbose))?;
    crate::out::stdout(format!(
        "{} passed, {failed} failed ({} against {})\n",
        results.len() - failed,
        cases_file.display(),
        policy.origin()
    ))?;
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// A case's tool call; a `command` string goes through the hook's shell analysis, exactly as
/// `ward hook` would see it.
fn build_call(case: &Case) -> ToolCall {
    let mut call = case.tool_call();
    if let Some(line) = &case.command {
        let analysis = ward_hook::shell::analyze(line);
        call.unanalyzed = analysis.unanalyzed();
        call.commands = analysis.commands;
        for p in analysis.paths {
            if !call.paths.contains(&p) {
                call.paths.push(p);
            }
        }
        for u in analysis.urls {
            if !call.urls.contains(&u) {
                call.urls.push(u);
            }
        }
        for h in analysis.hosts {
            if !call.hosts.contains(&h) {
                call.hosts.push(h);
            }
        }
    }
    call
}

fn render_results(results: &[CaseResult], verbose: bool) -> String {
    let name_width = results.iter().map(|r| r.name.chars().count()).max().unwrap_or(4).clamp(4, 48);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<4}  {:>5}  {:<name_width$}  {:<10}  {:<8}  rule",
        "", "line", "case", "tier", "decision"
    );
    for r in results {
        let name: String = r.name.chars().take(name_width).collect();
        let _ = writeln!(
            out,
            "{:<4}  {:>5}  {:<name_width$}  {:<10}  {:<8}  {}",
            if r.passed { "ok" } else { "FAIL" },
            r.line,
            name,
            r.tier,
            r.verdict.decision.as_str(),
            r.verdict.rule,
        );
        if let Some(f) = &r.failure {
            let _ = writeln!(out, "      {f}");
        }
        if verbose {
            let _ = writeln!(out, "      tier: {}", r.tier_why);
            for m in &r.verdict.matched {
                let _ = writeln!(out, "      matched {} ({}): {}", m.rule, m.decision, m.reason);
            }
        }
    }
    out
}
