//! Does a floor's one-file deny-read glob really mask the file for Codex's own sandbox? The
//! floor renders `~/.aws/credentials` as `~/.aws/credential[s]` (a literal path whose folder is
//! missing stops Codex's sandbox from starting; the glob is masked only where it exists). Here
//! no Ward hook is registered, so only Codex's sandbox stands between the command and the file:
//! a control run without requirements must read the file (so the check can fail), the run with
//! the floor's `deny_read` must not.

use super::*;

const SECRET: &str = "ward-test-aws-secret-7f3a";
/// Prints the file, then its exit status, so the model's next request shows both.
const READ_CREDENTIALS: &str = "cat ~/.aws/credentials; echo cat-exit=$?";

/// Runs Codex in `workspace-write` with `requirements` (or none) at `/etc/codex`, scripted to
/// read the credentials file, and returns the world, the run and what the command printed (the
/// follow-up request that carries the call's output).
fn codex_reads_credentials(requirements: Option<String>) -> (World, Run, String) {
    let world = World::new();
    std::fs::create_dir_all(world.home.join(".aws")).unwrap();
    std::fs::write(
        world.home.join(".aws/credentials"),
        format!("[default]\naws_access_key_id = AKIATEST\naws_secret_access_key = {SECRET}\n"),
    )
    .unwrap();
    std::fs::create_dir_all(world.etc.join("codex")).unwrap();
    if let Some(req) = &requirements {
        std::fs::write(world.etc.join("codex/requirements.toml"), req).unwrap();
    }
    let script = Script { steps: shell_steps(&[READ_CREDENTIALS]), final_text: FINAL_TEXT.to_owned() };
    let agents = npm::agents();
    let w = world.clone();
    let masked = requirements.is_some();
    let run = in_loopback_namespace(move |network| {
        let server = ModelServer::start(Api::Responses, script).expect("model server on loopback");
        let cmd = agent_command(
            Agent::Codex,
            agents,
            &w,
            server.port,
            "Run the scripted commands.",
            Scope::Managed,
        );
        // Codex's sandbox, not Ward: workspace-write, no hook.
        let config = w.home.join(".codex/config.toml");
        let text = std::fs::read_to_string(&config)
            .unwrap()
            .replace("sandbox_mode = \"danger-full-access\"", "sandbox_mode = \"workspace-write\"");
        std::fs::write(&config, text).unwrap();
        let cmd = with_etc_overlay(&cmd, &w.etc);
        let name = format!("codex-sandbox-mask-{}", if masked { "floor" } else { "control" });
        let finished = run_with_timeout(cmd, RUN_TIMEOUT, &w.logs, &name);
        let requests = server.requests();
        let server_summary = server.summary();
        let dump: String =
            requests.iter().map(|r| format!("{} {}\n{}\n\n", r.method, r.path, r.body)).collect();
        std::fs::write(w.logs.join(format!("{name}.requests")), dump).unwrap();
        Run { finished, requests, server_summary, network }
    });
    let output = run.follow_up(Agent::Codex, 0).map(|r| r.body.clone()).unwrap_or_default();
    (world, run, output)
}

#[test]
fn codex_sandbox_masks_the_floors_one_file_glob() {
    let entry = ward_policy::render::codex_deny_read("~/.aws/credentials").expect("a home path renders");
    assert_eq!(entry, "~/.aws/credential[s]");

    let (_w, control, output) = codex_reads_credentials(None);
    let ctx = control.context(Agent::Codex);
    assert!(control.finished.ok(), "Codex did not run in workspace-write.\n{ctx}");
    assert!(
        output.contains(SECRET) && output.contains("cat-exit=0"),
        "control: Codex's sandbox without a floor should read the file, or this test proves nothing.\n{ctx}"
    );

    let requirements = format!(
        "allowed_sandbox_modes = [\"workspace-write\", \"read-only\"]\n\n[permissions.filesystem]\ndeny_read = [\"{entry}\"]\n"
    );
    let (_w, floor, output) = codex_reads_credentials(Some(requirements));
    let ctx = floor.context(Agent::Codex);
    assert!(floor.finished.ok(), "Codex did not start with the floor's deny_read.\n{ctx}");
    assert!(
        floor.follow_up(Agent::Codex, 0).is_some(),
        "the command's result never reached the model.\n{ctx}"
    );
    assert!(!output.contains(SECRET), "Codex's sandbox let `cat` read a file the floor masks.\n{ctx}");
    assert!(!output.contains("cat-exit=0"), "`cat` of a masked file succeeded.\n{ctx}");
}
