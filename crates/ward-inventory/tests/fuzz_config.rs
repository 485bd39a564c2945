//! Drives the `inventory_config` fuzz target's function with seeded mutations of real config
//! shapes, so every CI run exercises it (cargo-fuzz explores further on demand).

const SEEDS: &[&str] = &[
    r#"{"mcpServers":{"gh":{"command":"npx","args":["-y","@x/y"],"env":{"TOKEN":"abc"}}},"hooks":{"PreToolUse":[{"matcher":"Bash","hooks":[{"type":"command","command":"~/h.sh"}]}]}}"#,
    "[mcp_servers.docs]\ncommand = \"uvx\"\nargs = [\"mcp-docs\"]\n[mcp_servers.remote]\nurl = \"http://h/mcp\"\n",
    "mcpServers:\n  - name: x\n    command: npx\n    args: [a, b]\n",
    "{\n // c\n \"servers\": {\"a\": {\"type\": \"http\", \"url\": \"https://x\", \"headers\": {\"Authorization\": \"Bearer t\"}},},\n}",
    r#"{"context_servers":{"z":{"command":{"path":"/bin/z","args":["--token","t"],"env":{"A":"b"}}}}}"#,
];

#[test]
fn config_readers_survive_mutations() {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for seed in SEEDS {
        ward_inventory::fuzz_config(seed.as_bytes());
        for _ in 0..800 {
            let mut bytes = seed.as_bytes().to_vec();
            for _ in 0..(next() % 6 + 1) {
                let len = bytes.len().max(1) as u64;
                let pos = (next() % len) as usize;
                match next() % 4 {
                    0 if !bytes.is_empty() => {
                        bytes.remove(pos.min(bytes.len() - 1));
                    }
                    1 => bytes.insert(pos.min(bytes.len()), (next() % 256) as u8),
                    2 if !bytes.is_empty() => {
                        let i = pos.min(bytes.len() - 1);
                        let alphabet = b"{}[]\":,\n=-#/*\\";
                        bytes[i] = alphabet[(next() % alphabet.len() as u64) as usize];
                    }
                    _ => {
                        let i = pos.min(bytes.len());
                        let tail = bytes[i..].to_vec();
                        bytes.extend_from_slice(&tail);
                    }
                }
            }
            ward_inventory::fuzz_config(&bytes);
        }
    }
}
