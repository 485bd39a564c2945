//! `ward scan --format sarif` and `--format cyclonedx` validate against the official SARIF
//! 2.1.0 and CycloneDX 1.6 JSON schemas (vendored in tests/fixtures/schemas with their origin),
//! for every scan fixture and with drift. The validator is Python's `jsonschema` (installed on
//! Ward's build machines); a machine without it fails this test with the reason, it never
//! passes without validating.

use std::path::{Path, PathBuf};
use std::process::Command;

fn schemas() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/schemas")
}

fn validate(kind: &str, document: &Path) -> Result<(), String> {
    let out =
        Command::new("python3").arg(schemas().join("validate.py")).arg(kind).arg(document).output().map_err(
            |e| format!("cannot run python3 (needed to validate against the official schemas): {e}"),
        )?;
    match out.status.code() {
        Some(0) => Ok(()),
        Some(2) => panic!("the schema validator cannot run: {}", String::from_utf8_lossy(&out.stderr)),
        _ => Err(String::from_utf8_lossy(&out.stderr).into_owned()),
    }
}

fn copy_tree(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let to = dst.join(match entry.file_name().to_str() {
            Some("dot-git") => ".git".into(),
            _ => entry.file_name(),
        });
        let ty = entry.file_type().unwrap();
        if ty.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(entry.path()).unwrap(), &to).unwrap();
        } else if ty.is_dir() {
            copy_tree(&entry.path(), &to);
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
}

#[test]
fn the_validator_rejects_what_the_schemas_reject() {
    let tmp = tempfile::tempdir().unwrap();
    let bad_bom = tmp.path().join("bad.cdx.json");
    std::fs::write(
        &bad_bom,
        r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"gadget","name":"x"}]}"#,
    )
    .unwrap();
    assert!(validate("cyclonedx", &bad_bom).unwrap_err().contains("'gadget' is not one of"));
    let bad_sarif = tmp.path().join("bad.sarif");
    std::fs::write(&bad_sarif, r#"{"version":"2.1.0","runs":[{"tool":{"driver":{}}}]}"#).unwrap();
    assert!(validate("sarif", &bad_sarif).unwrap_err().contains("'name' is a required property"));
}

#[test]
fn sarif_and_cyclonedx_outputs_of_every_fixture_are_valid() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ward-inventory/tests/fixtures");
    let policy = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/drift/policy.toml");
    let mut machines: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("home").is_dir())
        .collect();
    machines.sort();
    assert!(machines.len() > 10);
    let mut failures = Vec::new();
    for machine in machines {
        let tmp = tempfile::tempdir().unwrap();
        copy_tree(&machine, tmp.path());
        for d in ["system", "bin"] {
            std::fs::create_dir_all(tmp.path().join(d)).unwrap();
        }
        for (format, kind) in [("sarif", "sarif"), ("cyclonedx", "cyclonedx")] {
            let doc = tmp.path().join(format!("out.{format}.json"));
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_ward"));
            cmd.arg("--home").arg(tmp.path().join("home")).arg("--policy").arg(&policy).arg("scan");
            if tmp.path().join("projects").is_dir() {
                cmd.arg("--projects").arg(tmp.path().join("projects"));
            }
            let out = cmd
                .args(["--format", format, "--output"])
                .arg(&doc)
                .env("WARD_SYSTEM_ROOT", tmp.path().join("system"))
                .env("PATH", tmp.path().join("bin"))
                .env("WARD_HOME", tmp.path().join("data"))
                .env_remove("WARD_POLICY")
                .output()
                .unwrap();
            assert!(out.status.success(), "{}: {}", machine.display(), String::from_utf8_lossy(&out.stderr));
            if let Err(e) = validate(kind, &doc) {
                failures.push(format!("{} --format {format}:\n{e}", machine.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
