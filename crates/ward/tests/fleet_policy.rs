//! Policy distribution end to end: `ward admin policy push` (validated first), devices pulling
//! with ETag / If-None-Match, the policy installed where the hook reads it (the hook's decision
//! changes), and every device's enforced digest in the device list, honest when a managed policy
//! outranks the fleet's file or the user edits it — on SQLite and PostgreSQL.

mod fleet_support;

use std::path::Path;

use fleet_support::*;
use serde_json::Value;

/// The built-in policy plus one rule a hook call can show: `fortune` is denied.
fn fleet_policy(extra: &str) -> String {
    let builtin = ward_policy_text();
    format!(
        "{builtin}\n[[rules]]\nid = \"fleet.no-fortune\"\ncommand = [\"fortune\"]\ndecision = \"deny\"\n\
         reason = \"fleet test rule {extra}\"\n"
    )
}

fn ward_policy_text() -> String {
    let out = std::process::Command::new(WARD).args(["policy", "show", "--builtin"]).output().unwrap();
    assert!(out.status.success());
    // `policy show` starts with comment lines saying where the policy came from.
    String::from_utf8(out.stdout).unwrap()
}

fn digest_of(bytes: &[u8]) -> String {
    use sha2::Digest;
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)))
}

fn device_entry(url: &str, admin: &str, device: &str) -> Value {
    let devices = get(&format!("{url}/api/v1/devices"), admin);
    devices["devices"].as_array().unwrap().iter().find(|d| d["id"] == device).unwrap().clone()
}

/// `fortune` through the Claude Code hook: the answer's text.
fn fortune(endpoint: &Endpoint) -> String {
    let payload = serde_json::json!({
        "session_id": "s", "transcript_path": "/tmp/t.jsonl", "cwd": endpoint.repo,
        "permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": "Bash",
        "tool_input": {"command": "fortune"}, "tool_use_id": "toolu_f"
    });
    let out = endpoint.run(&["hook", "claude-code"], payload.to_string().as_bytes());
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn policy_distribution(database: impl Fn(&Path) -> String) {
    let dir = tempfile::tempdir().unwrap();
    let server_data = dir.path().join("server-data");
    let database = database(&server_data);
    let mut server = start_server(&server_data, &database, "127.0.0.1:0");
    let token = server.enroll_token.clone().unwrap();
    let admin = std::fs::read_to_string(server_data.join("server/admin.token")).unwrap().trim().to_owned();
    let url = server.url.clone();

    let a = Endpoint::new(dir.path(), "a");
    let b = Endpoint::new(dir.path(), "b");
    for endpoint in [&a, &b] {
        endpoint.hook(0);
        let out = endpoint
            .run(&["agent", "enroll", "--server", &url, "--token", &token, "--policy-target", "user"], b"");
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(answer["policy"]["result"], "nothing_pushed", "{answer}");
        assert_eq!(answer["policy"]["enforced"]["source"], "builtin");
    }
    assert!(!fortune(&a).contains("fleet test rule"));

    // An invalid policy is refused before upload, with `ward policy check`'s messages.
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[[rules]]\nid = \"x\"\ndecision = \"maybe\"\n").unwrap();
    let push = |file: &Path, extra: &[&str]| {
        let mut args = vec!["admin", "policy", "push"];
        let file = file.display().to_string();
        args.push(&file);
        args.extend_from_slice(&["--server", &url]);
        args.extend_from_slice(extra);
        a.command(&args).env("WARD_ADMIN_TOKEN", &admin).output().unwrap()
    };
    let out = push(&bad, &[]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{}:", bad.display())) && stderr.contains("nothing was pushed"),
        "{stderr}"
    );
    let listed = get(&format!("{url}/api/v1/policies"), &admin);
    assert_eq!(listed["versions"], serde_json::json!([]), "nothing invalid reaches the server");
    // The server checks too, whatever the client did.
    let raw = http(
        "PUT",
        &format!("{url}/api/v1/policy"),
        &[("Authorization", &format!("Bearer {admin}"))],
        b"decision = = 1",
    );
    assert_eq!(raw.status, 400);
    assert!(raw.json()["error"]["message"].as_str().unwrap().contains("does not validate"));

    // A valid policy: version 1.
    let v1 = fleet_policy("v1");
    let v1_file = dir.path().join("v1.toml");
    std::fs::write(&v1_file, &v1).unwrap();
    let out = push(&v1_file, &["--label", "first"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let pushed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let v1_digest = digest_of(v1.as_bytes());
    assert_eq!((pushed["version"].as_u64(), pushed["digest"].as_str()), (Some(1), Some(v1_digest.as_str())));
    assert_eq!(pushed["unchanged"], false);
    let again: Value = serde_json::from_slice(&push(&v1_file, &[]).stdout).unwrap();
    assert_eq!(again["unchanged"], true, "the same text twice is one version");

    // The device API: ETag, 304 on If-None-Match, the device's report recorded.
    let enrollment: Value =
        serde_json::from_slice(&std::fs::read(a.data.join("agent/enrollment.json")).unwrap()).unwrap();
    let bearer = format!("Bearer {}", enrollment["credential"].as_str().unwrap());
    let fetched = http("GET", &format!("{url}/api/v1/policy"), &[("Authorization", &bearer)], b"");
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.body, v1.as_bytes());
    assert_eq!(fetched.header("etag"), Some(format!("\"{v1_digest}\"").as_str()));
    assert_eq!(fetched.header("ward-policy-version"), Some("1"));
    let etag = format!("\"{v1_digest}\"");
    for tag in [etag.as_str(), &format!("W/{etag}"), &format!("\"sha256:00\", {etag}"), "*"] {
        let cached = http(
            "GET",
            &format!("{url}/api/v1/policy"),
            &[("Authorization", &bearer), ("If-None-Match", tag)],
            b"",
        );
        assert_eq!(cached.status, 304, "{tag}");
        assert!(cached.body.is_empty());
    }
    let admin_bearer = format!("Bearer {admin}");
    let wrong = http("GET", &format!("{url}/api/v1/policy"), &[("Authorization", &admin_bearer)], b"");
    assert_eq!(wrong.status, 401, "the device endpoint takes a device credential");
    let forged = http(
        "GET",
        &format!("{url}/api/v1/policy"),
        &[("Authorization", &bearer), ("Ward-Policy-Enforced", "sha256:../../etc")],
        b"",
    );
    assert_eq!(forged.status, 400);

    // `ward agent run` pulls and installs where the hook reads it; the hook obeys it.
    let user_policy = a.home.join(".config/ward/policy.toml");
    let out = a.run(&["agent", "run", "--once", "--policy-target", "user"], b"");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(user_policy.is_file(), "{out:?}");
    assert_eq!(std::fs::read_to_string(&user_policy).unwrap(), v1);
    assert!(fortune(&a).contains("fleet test rule v1"), "{}", fortune(&a));
    let entry = device_entry(&url, &admin, &a.device());
    assert_eq!(entry["policy_digest"], v1_digest.as_str(), "{entry}");
    assert_eq!(
        (entry["policy_source"].as_str(), entry["policy_current"].as_bool()),
        (Some("user"), Some(true))
    );

    // A local edit is reported at once and undone by the next pull.
    std::fs::write(&user_policy, format!("{v1}\n# loosened by someone\n")).unwrap();
    let out = a.run(&["agent", "run", "--once", "--policy-target", "user"], b"");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(std::fs::read_to_string(&user_policy).unwrap(), v1, "the admin's policy is back");
    assert_eq!(device_entry(&url, &admin, &a.device())["policy_current"], true);

    // A managed policy outranks the fleet's user file: b reports what the hook really enforces.
    let managed = b.system_root.join("etc/ward/policy.toml");
    std::fs::create_dir_all(managed.parent().unwrap()).unwrap();
    let local_admin = fleet_policy("managed-by-someone-else");
    std::fs::write(&managed, &local_admin).unwrap();
    let out = b.run(&["agent", "run", "--once", "--policy-target", "user"], b"");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(std::fs::read_to_string(b.home.join(".config/ward/policy.toml")).unwrap(), v1);
    let entry = device_entry(&url, &admin, &b.device());
    assert_eq!(entry["policy_source"], "managed", "{entry}");
    assert_eq!(entry["policy_digest"], digest_of(local_admin.as_bytes()).as_str());
    assert_eq!(entry["policy_current"], false);

    // A running daemon picks up a new version on its schedule; the CLI lists who runs what.
    let mut daemon = a.daemon_with(&["--policy-interval-seconds", "0.2", "--policy-target", "user"]);
    let v2 = fleet_policy("v2");
    let v2_file = dir.path().join("v2.toml");
    std::fs::write(&v2_file, &v2).unwrap();
    let out = push(&v2_file, &["--label", "second"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v2_digest = digest_of(v2.as_bytes());
    wait_for("the daemon to install v2", || {
        device_entry(&url, &admin, &a.device())["policy_digest"] == v2_digest.as_str()
    });
    assert_eq!(std::fs::read_to_string(&user_policy).unwrap(), v2);
    assert!(fortune(&a).contains("fleet test rule v2"));
    kill9(&mut daemon);
    let out = a
        .command(&["admin", "policy", "list", "--server", &url])
        .env("WARD_ADMIN_TOKEN", &admin)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let listing: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listing["current"], v2_digest.as_str());
    let versions: Vec<(u64, &str)> = listing["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["version"].as_u64().unwrap(), v["label"].as_str().unwrap()))
        .collect();
    assert_eq!(versions, [(2, "second"), (1, "first")]);
    let current: Vec<bool> =
        listing["devices"].as_array().unwrap().iter().map(|d| d["policy_current"] == true).collect();
    assert_eq!(current.iter().filter(|c| **c).count(), 1, "{listing}");
    kill9(&mut server.child);
}

#[test]
fn policy_distribution_on_sqlite() {
    policy_distribution(|data| data.join("server/ward.db").display().to_string());
}

#[test]
fn policy_distribution_on_postgres() {
    policy_distribution(|_| {
        ward_store::throwaway::fresh_database("fleet_policy").expect("a PostgreSQL to test against")
    });
}
