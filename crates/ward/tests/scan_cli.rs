//! `ward scan` end to end: the built binary over the fixtures of crates/ward-inventory/tests/
//! fixtures/. The key property: no planted secret value reaches stdout or stderr, for every
//! fixture (other client fixtures are picked up automatically), in both output formats.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const MARKER: &str = "PLANTED";

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../ward-inventory/tests/fixtures")
}

/// Copy a fixture per tests/fixtures/README.md: `dot-git` → `.git`, `dot-gitignore` →
/// `.gitignore`, files under `bin/` executable.
fn copy_fixture(src: &Path, dst: &Path, in_bin: bool) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dst).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        let to = dst.join(match name.as_str() {
            "dot-git" => ".git",
            "dot-gitignore" => ".gitignore",
            other => other,
        });
        let ty = entry.file_type().unwrap();
        if ty.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(entry.path()).unwrap(), &to).unwrap();
        } else if ty.is_dir() {
            copy_fixture(&entry.path(), &to, in_bin);
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
            let mode = if in_bin { 0o755 } else { 0o600 };
            std::fs::set_permissions(&to, std::fs::Permissions::from_mode(mode)).unwrap();
        }
    }
}

struct Machine {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Machine {
    fn from_fixture(fixture: &Path) -> Machine {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("machine");
        std::fs::create_dir_all(&root).unwrap();
        for entry in std::fs::read_dir(fixture).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name();
            if entry.file_type().unwrap().is_dir() {
                copy_fixture(&entry.path(), &root.join(&name), name == "bin");
            } else {
                std::fs::copy(entry.path(), root.join(&name)).unwrap();
            }
        }
        for d in ["home", "system", "bin"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        // Client fixtures keep one repository per child of projects/ without a `.git` (git
        // cannot commit one); such a child becomes a repository here, as in the client tests.
        for child in std::fs::read_dir(root.join("projects")).into_iter().flatten() {
            let child = child.unwrap().path();
            if child.is_dir() && !contains_git(&child) {
                std::fs::write(child.join(".git"), "gitdir: ../.git-placeholder\n").unwrap();
            }
        }
        Machine { _tmp: tmp, root }
    }

    fn ward(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ward"));
        cmd.arg("scan").arg("--home").arg(self.root.join("home"));
        if self.root.join("projects").is_dir() {
            cmd.arg("--projects").arg(self.root.join("projects"));
        }
        cmd.args(args)
            .env("WARD_SYSTEM_ROOT", self.root.join("system"))
            .env("PATH", self.root.join("bin"))
            .env("WARD_HOME", self.root.join("ward-data"))
            .env_remove("WARD_POLICY")
            .env_remove("COLUMNS");
        cmd.output().unwrap()
    }

    fn json(&self) -> Value {
        let out = self.ward(&["--format", "json"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

fn contains_git(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .any(|e| e.file_name() == ".git" || (e.file_type().unwrap().is_dir() && contains_git(&e.path())))
}

fn all_fixtures() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("home").is_dir())
        .collect();
    v.sort();
    v
}

#[test]
fn no_planted_value_in_any_output_of_any_fixture() {
    let fixtures = all_fixtures();
    assert!(fixtures.iter().any(|f| f.ends_with("secrets")), "{fixtures:?}");
    for fixture in fixtures {
        let m = Machine::from_fixture(&fixture);
        let formats = [
            &["--format", "json"][..],
            &["--format", "table"],
            &["--format", "sarif"],
            &["--format", "cyclonedx"],
            &[],
        ];
        for args in formats {
            let out = m.ward(args);
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "{} {args:?}: {stderr}", fixture.display());
            assert!(!stdout.is_empty());
            assert!(!stdout.contains(MARKER), "{} {args:?} leaked in stdout", fixture.display());
            assert!(!stderr.contains(MARKER), "{} {args:?} leaked in stderr", fixture.display());
        }
        // The report file gets the same content as stdout would.
        let file = m.root.join("report.json");
        let out = m.ward(&["--format", "json", "--output", file.to_str().unwrap()]);
        assert!(out.status.success());
        assert!(out.stdout.is_empty());
        let written = std::fs::read_to_string(&file).unwrap();
        assert!(!written.contains(MARKER));
        serde_json::from_str::<Value>(&written).unwrap();
    }
}

#[test]
fn json_document_has_the_documented_fields() {
    let m = Machine::from_fixture(&fixtures_dir().join("secrets"));
    let doc = m.json();
    assert_eq!(doc["schema_version"], ward_model::artifact::SCAN_SCHEMA_VERSION);
    assert!(doc["ward_version"].is_string());
    let at = doc["generated_at"].as_str().unwrap();
    assert!(at.ends_with('Z') && at.len() == "2026-01-01T00:00:00Z".len(), "{at}");
    for k in ["hostname", "os", "arch", "user", "home"] {
        assert!(doc["device"][k].is_string(), "device.{k}");
    }
    assert!(doc["device"]["home"].as_str().unwrap().ends_with("machine/home"));
    assert!(doc["findings"].is_array());
    let artifacts = doc["artifacts"].as_array().unwrap();
    assert!(artifacts.len() >= 30);
    for a in artifacts {
        for k in ["id", "kind", "client", "name", "scope", "source", "identity"] {
            assert!(a[k].is_string(), "{k} in {a}");
        }
        assert_eq!(a["id"].as_str().unwrap().len(), 16);
        assert!(a["attributes"].is_object());
        assert!(a["risk"].is_array());
        for r in a["risk"].as_array().unwrap() {
            assert!(r["flag"].is_string() && r["explanation"].is_string());
            assert!(matches!(r["severity"].as_str(), Some("low" | "medium" | "high")));
        }
        if a["kind"] == "secret" {
            for k in ["secret_kind", "path", "mode", "size", "readable_by"] {
                assert!(!a["attributes"][k].is_null(), "secret without {k}: {a}");
            }
        }
    }
    let kinds: Vec<&str> = artifacts.iter().filter_map(|a| a["kind"].as_str()).collect();
    assert!(kinds.contains(&"secret") && kinds.contains(&"cli"));
}

#[test]
fn ids_are_stable_across_runs() {
    let m = Machine::from_fixture(&fixtures_dir().join("secrets"));
    let ids = |doc: &Value| {
        doc["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let first = ids(&m.json());
    let second = ids(&m.json());
    assert!(!first.is_empty());
    assert_eq!(first, second);
}

#[test]
fn table_groups_by_kind_with_summary() {
    let m = Machine::from_fixture(&fixtures_dir().join("secrets"));
    let out = m.ward(&[]);
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).unwrap();
    let secrets = table.find("\nSECRETS (").expect("secrets heading");
    let clis = table.find("\nCLIS (2)").expect("clis heading");
    assert!(secrets < clis);
    assert!(table.contains("CLIENT") && table.contains("IDENTITY") && table.contains("RISK"));
    assert!(table.contains("~/.aws/credentials"));
    assert!(table.contains("long-lived-cloud-key(high)"));
    let last = table.trim_end().lines().last().unwrap();
    assert!(last.contains("artifacts (") && last.contains(" finding"), "{last}");
    // No progress output when stderr is not a terminal.
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn fail_on_sets_the_exit_status() {
    let m = Machine::from_fixture(&fixtures_dir().join("secrets"));
    // The copy leaves credential files at 0600, but ~/.aws/credentials holds a long-lived key.
    assert_eq!(m.ward(&["--fail-on", "high"]).status.code(), Some(1));
    assert_eq!(m.ward(&["--fail-on", "low", "--format", "json"]).status.code(), Some(1));
    let empty = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ward"))
        .args(["scan", "--fail-on", "low", "--home"])
        .arg(empty.path())
        .env("WARD_SYSTEM_ROOT", empty.path())
        .env("PATH", empty.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn bad_arguments_are_usage_errors() {
    let m = Machine::from_fixture(&fixtures_dir().join("secrets"));
    let bad_format = m.ward(&["--format", "xml"]);
    assert_eq!(bad_format.status.code(), Some(2));
    let bad_output = m.ward(&["--output", "/nonexistent-dir/x/report.json"]);
    assert_eq!(bad_output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_output.stderr).contains("cannot write the report"));
    // A missing --projects directory is a usage error (issue 13): a typo must not look like a
    // clean scan of nothing.
    let out = m.ward(&["--format", "json", "--projects", "/nonexistent-projects-dir"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim(), "ward: --projects /nonexistent-projects-dir: no such directory");
}

#[test]
fn credential_env_vars_apply_only_to_the_own_home() {
    let m = Machine::from_fixture(&fixtures_dir().join("secrets"));
    let kc = m.root.join("kc.yaml");
    std::fs::write(&kc, "users:\n- name: a\n  user:\n    token: PLANTEDkube0000000\n").unwrap();
    let run = |home_env: &Path| {
        let out = Command::new(env!("CARGO_BIN_EXE_ward"))
            .args(["scan", "--format", "json", "--home"])
            .arg(m.root.join("home"))
            .env("HOME", home_env)
            .env("KUBECONFIG", &kc)
            .env("WARD_SYSTEM_ROOT", m.root.join("system"))
            .env("PATH", m.root.join("bin"))
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(!text.contains(MARKER));
        text.contains("machine/kc.yaml")
    };
    assert!(run(&m.root.join("home")), "own home: KUBECONFIG is followed");
    assert!(!run(&m.root), "another user's home: this process's KUBECONFIG says nothing about it");
}

#[test]
fn help_explains_every_flag() {
    let out = Command::new(env!("CARGO_BIN_EXE_ward")).args(["scan", "--help"]).output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for flag in ["--projects", "--format", "--output", "--fail-on", "--home"] {
        assert!(help.contains(flag), "{flag} missing from:\n{help}");
    }
    assert!(help.contains("Exit status"));
}
