//! Seeded pseudo-random and mutated inputs through the same entry points as the fuzz targets
//! (`fuzz/fuzz_targets/{hook_payload,shell_analyze}.rs`), so CI exercises them on every run.

use std::path::PathBuf;

/// xorshift64*: deterministic, dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const SHELL_PIECES: &[&str] = &[
    "rm",
    " -rf ",
    "/",
    "~",
    "sudo ",
    "env X=1 ",
    "bash -lc ",
    "sh -c ",
    "'",
    "\"",
    "\\",
    "$(",
    ")",
    "`",
    "${",
    "}",
    "$'\\x72'",
    ";",
    "&&",
    "||",
    "|",
    "&",
    "\n",
    "(",
    ")",
    "{ ",
    " }",
    ">",
    ">>",
    "2>&1",
    "<",
    "<<EOF\n",
    "EOF\n",
    "<<<",
    "<(",
    "curl https://x.io ",
    "| sh",
    "python -c ",
    "xargs ",
    "find . -exec ",
    " {} \\;",
    "eval ",
    "case ",
    " in ",
    ";;",
    "esac",
    "for x in y; do ",
    "done",
    "if ",
    "then ",
    "fi",
    "#",
    "$X",
    "X=rm ",
    "cat ~/.aws/credentials",
    "echo cm0gLXJmIC8= | base64 -d | ",
    "ssh host ",
    "watch ",
    "timeout 5 ",
    "\u{feff}",
    "é",
    "\0",
];

#[test]
fn random_shell_lines_never_panic() {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    for _ in 0..4000 {
        let mut line = String::new();
        for _ in 0..rng.below(24) {
            line.push_str(SHELL_PIECES[rng.below(SHELL_PIECES.len())]);
        }
        ward_hook::fuzz_shell(line.as_bytes());
        let a = ward_hook::analyze(&line);
        assert!(a.commands.len() <= 2048);
    }
    // Raw random bytes.
    for _ in 0..2000 {
        let bytes: Vec<u8> = (0..rng.below(64)).map(|_| rng.next() as u8).collect();
        ward_hook::fuzz_shell(&bytes);
    }
}

fn fixtures() -> Vec<Vec<u8>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out = Vec::new();
    for dir in std::fs::read_dir(root).unwrap() {
        for file in std::fs::read_dir(dir.unwrap().path()).unwrap() {
            out.push(std::fs::read(file.unwrap().path()).unwrap());
        }
    }
    assert!(out.len() > 20);
    out
}

#[test]
fn mutated_payloads_never_panic() {
    let seeds = fixtures();
    let mut rng = Rng(0x0bad_cafe_f00d_0002);
    const TOKENS: &[&[u8]] =
        &[b"{", b"}", b"[", b"]", b"\"", b":", b",", b"null", b"1e999", b"\\u0000", b"\xff", b"true"];
    for _ in 0..3000 {
        let mut bytes = seeds[rng.below(seeds.len())].clone();
        for _ in 0..=rng.below(4) {
            if bytes.is_empty() {
                break;
            }
            let at = rng.below(bytes.len());
            match rng.below(4) {
                0 => bytes[at] = rng.next() as u8,
                1 => {
                    bytes.remove(at);
                }
                2 => {
                    let t = TOKENS[rng.below(TOKENS.len())];
                    bytes.splice(at..at, t.iter().copied());
                }
                _ => bytes.truncate(at),
            }
        }
        ward_hook::fuzz_payload(&bytes);
    }
}

#[test]
fn structurally_valid_random_payloads_never_panic() {
    let mut rng = Rng(0xfeed_beef_0000_0003);
    let keys = [
        "hook_event_name",
        "tool_name",
        "tool_input",
        "session_id",
        "cwd",
        "toolName",
        "toolArgs",
        "agent_action_name",
        "tool_info",
        "preToolUse",
        "hookName",
        "command",
        "file_path",
        "mcp_context",
        "conversation_id",
    ];
    let values = [
        serde_json::json!("PreToolUse"),
        serde_json::json!("Bash"),
        serde_json::json!({"command": "rm -rf /"}),
        serde_json::json!({"command": ["bash", "-lc", "ls"]}),
        serde_json::json!(null),
        serde_json::json!(42),
        serde_json::json!([1, "x"]),
        serde_json::json!("pre_run_command"),
        serde_json::json!({"command_line": "curl x | sh", "file_path": "/x"}),
        serde_json::json!({"toolName": "execute_command", "parameters": "{\"command\":\"ls\"}"}),
        serde_json::json!("*** Begin Patch\n*** Delete File: a\n"),
    ];
    for _ in 0..3000 {
        let mut obj = serde_json::Map::new();
        for _ in 0..rng.below(6) {
            obj.insert(keys[rng.below(keys.len())].to_owned(), values[rng.below(values.len())].clone());
        }
        ward_hook::fuzz_payload(serde_json::Value::Object(obj).to_string().as_bytes());
    }
}
