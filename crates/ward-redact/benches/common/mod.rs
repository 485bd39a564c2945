//! Inputs shared by the redaction benchmarks: secret-free source text, hook payloads, and the
//! adversarial generator (hostile inputs for every rule family, built at any size).
#![allow(dead_code)] // each bench uses part of this module

use std::hint::black_box;
use std::time::{Duration, Instant};

use ward_redact::{FingerprintKey, Format, Redactor};

/// Real Rust source from the workspace, repeated to 1 MiB: identifiers like `token`, `key`,
/// `secret` and `password` occur, secrets do not.
pub fn source_text() -> String {
    let files = [
        include_str!("../../../ward-model/src/artifact.rs"),
        include_str!("../../../ward-model/src/toolcall.rs"),
        include_str!("../../../ward-model/src/event.rs"),
        include_str!("../../../ward-model/src/decision.rs"),
        include_str!("../../../ward-inventory/src/mcp.rs"),
        include_str!("../../../ward-inventory/src/read.rs"),
        include_str!("../../../ward-inventory/src/context.rs"),
        include_str!("../../src/engine.rs"),
        include_str!("../../src/json.rs"),
        include_str!("../../src/key.rs"),
    ];
    let mut text = String::new();
    while text.len() < 1 << 20 {
        for f in files {
            text.push_str(f);
        }
    }
    text
}

/// A Claude Code `PreToolUse` payload for a Write of `size` bytes of source with three secrets.
pub fn payload(size: usize) -> String {
    let mut content = String::from(
        "import os\nfrom app.db import connect\n\nGITHUB_TOKEN = \"ghp_q8Zr2LmX0pWvT3sKd9YhQ8Zr2LmX0pWvT3sK\"\n",
    );
    let filler = "def handler(event, context):\n    rows = connect(os.environ[\"DATABASE_URL\"]).query(\"select id, name from users where id = %s\", (event[\"id\"],))\n    return {\"statusCode\": 200, \"body\": json.dumps([dict(r) for r in rows])}\n\n";
    while content.len() < size.saturating_sub(600) {
        content.push_str(filler);
    }
    content.push_str("# deploy: PGPASSWORD=Tr0ub4dor3x psql -h db.internal -U app\n");
    content.push_str("STRIPE = \"sk_live_4eC39HqLyjWDarjtT1zdp7dc\"\n");
    serde_json::json!({
        "session_id": "0b6a3c4e-1f2d-4a5b-8c7d-9e0f1a2b3c4d",
        "transcript_path": "/home/dev/.claude/projects/app/0b6a3c4e.jsonl",
        "cwd": "/home/dev/src/app",
        "hook_event_name": "PreToolUse",
        "tool_name": "Write",
        "tool_input": {"file_path": "/home/dev/src/app/handler.py", "content": content}
    })
    .to_string()
}

/// `unit` repeated to `size` bytes (cut on a char boundary).
pub fn repeat(unit: &str, size: usize) -> String {
    let mut s = String::with_capacity(size + unit.len());
    while s.len() < size {
        s.push_str(unit);
    }
    truncate(&mut s, size);
    s
}

/// `head` once, then `run` repeated up to `size` bytes: an unterminated token or quote.
pub fn then(head: &str, run: &str, size: usize) -> String {
    let mut s = String::from(head);
    if run.is_empty() {
        return s;
    }
    while s.len() < size {
        s.push_str(run);
    }
    truncate(&mut s, size);
    s
}

fn truncate(s: &mut String, size: usize) {
    let mut cut = size.min(s.len());
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    s.truncate(cut);
}

/// A deterministic xorshift stream.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// `size` bytes drawn from `alphabet`.
pub fn random(alphabet: &[u8], size: usize, seed: u64) -> String {
    let mut rng = Rng::new(seed);
    (0..size).map(|_| alphabet[rng.below(alphabet.len())] as char).collect()
}

/// Units drawn at random and concatenated to `size` bytes.
pub fn mixed(units: &[&str], size: usize, seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let mut s = String::with_capacity(size + 64);
    while s.len() < size {
        s.push_str(units[rng.below(units.len())]);
    }
    truncate(&mut s, size);
    s
}

/// A hook payload whose command is `text`.
pub fn in_payload(text: &str) -> String {
    serde_json::json!({"tool_name": "Bash", "tool_input": {"command": text}}).to_string()
}

/// One adversarial input, built at any size.
pub struct Case {
    /// The rule family or grammar feature it attacks.
    pub family: String,
    pub name: String,
    /// Redacted through `redact_bytes(Auto)` (JSON) rather than `redact_text`.
    pub json: bool,
    pub make: Box<dyn Fn(usize) -> String>,
}

fn case(family: &str, name: &str, json: bool, make: impl Fn(usize) -> String + 'static) -> Case {
    Case { family: family.into(), name: name.into(), json, make: Box::new(make) }
}

const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// The hand-written families: the assignment grammar (every keyword class and operator), value
/// runs, quoting, structural rules (PEM, URIs, JWTs, headers, command lines), JSON forms, mixes.
pub fn named_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let rep =
        |family: &str, name: &str, unit: &'static str| case(family, name, false, move |n| repeat(unit, n));
    // Assignment keywords and operators repeated.
    for unit in [
        "api_key=",
        "pwd=",
        "password=",
        "token=",
        "secret=",
        "SECRET_KEY=",
        "auth=",
        "psk=",
        "pass=",
        "apiKey:",
        "x_api_key2=",
        "passwordpassword",
    ] {
        cases.push(rep("assignment", &format!("{unit} repeated"), unit));
    }
    for unit in [
        "password:=",
        "password::=",
        "password:::=",
        "password?=",
        "password.=",
        "password=>",
        "password: ",
        "password = ",
        "password\t=\t",
        "$password='",
        "password\\=",
        "password:\"",
    ] {
        cases.push(rep("operator", &format!("{unit:?} repeated"), unit));
    }
    cases.push(rep("operator", "password: x lines", "password: x\n"));
    cases.push(rep("operator", "= repeated", "="));
    cases.push(rep("operator", ": repeated", ":"));
    cases.push(rep("operator", "=: mixed", "=:=::=?=.=>"));
    cases.push(case("operator", "password then = run", false, |n| then("password", "=", n)));
    cases.push(case("operator", "password then : run", false, |n| then("password", ":", n)));
    // Long runs of value characters.
    cases.push(case("value run", "password= then alnum", false, |n| then("password=", "a1B2c3D4", n)));
    cases.push(case("value run", "token: then base64", false, move |n| {
        format!("token: {}", random(B64, n, 3))
    }));
    cases.push(case("value run", "alnum one line", false, move |n| random(ALNUM, n, 5)));
    cases.push(case("value run", "base64 one line", false, move |n| random(B64, n, 7)));
    cases.push(case("value run", "hex one line", false, move |n| random(b"0123456789abcdef", n, 9)));
    cases.push(case("value run", "api_key=value, repeated", false, |n| repeat("api_key=Zq8rT2mWx9Lp4 ", n)));
    // Quoting.
    cases.push(case("quoting", "password=\" unterminated", false, |n| then("password=\"", "a1B2c3D4", n)));
    cases.push(case("quoting", "password=' unterminated", false, |n| then("password='", "a1B2c3D4", n)));
    cases.push(case("quoting", "password=` unterminated", false, |n| then("password=`", "a1B2c3D4", n)));
    cases.push(rep("quoting", "\"token\":\" repeated", "\"token\":\""));
    cases.push(rep("quoting", "nested '\"' quoting", "password='\"'\"'"));
    cases.push(rep("quoting", "escaped \\\" quoting", "password=\\\"\\\\\\\"a"));
    cases.push(rep("quoting", "quotes only", "\"'`"));
    cases.push(case("quoting", "setProperty(\"password\", unterminated", false, |n| {
        then("setProperty(\"password\", \"", "a1B2c3D4", n)
    }));
    cases.push(rep("call", "setProperty(\"password\", repeated", "setProperty(\"password\","));
    cases.push(rep("call", "NetworkCredential( repeated", "NetworkCredential(u, "));
    cases.push(rep("xml", "<password> repeated", "<password>"));
    cases.push(rep("xml", "<password>v</password> repeated", "<password>a1B2c3D4e5</password>"));
    cases.push(rep("names", "secret.token.key idents", "secret.token.key_"));
    cases.push(rep("names", "camelCase secret words", "dbPasswordApiTokenSecretKey"));
    // Structural rules.
    cases.push(rep("pem", "BEGIN PRIVATE KEY repeated", "-----BEGIN RSA PRIVATE KEY-----\n"));
    cases.push(case("pem", "BEGIN then base64, no END", false, |n| {
        then("-----BEGIN OPENSSH PRIVATE KEY-----\n", "b3BlbnNzaC1rZXktdjEAAAAA\n", n)
    }));
    cases.push(rep("pem", "-----BEGIN repeated", "-----BEGIN "));
    cases.push(rep("pem", "escaped BEGIN repeated", "\\n-----BEGIN PRIVATE KEY-----\\n"));
    cases.push(rep("uri", "://a:b@ repeated", "://a:b@"));
    cases.push(case("uri", "postgres://u: no host end", false, |n| then("postgres://user:", "p4ssW0rd", n)));
    cases.push(case("uri", "https://u:p no @", false, |n| then("https://user:", "a/b+c=d", n)));
    cases.push(rep("uri", "https://a:b@ repeated", "https://a:b@"));
    cases.push(rep("uri", "mongodb+srv:// repeated", "mongodb+srv://"));
    cases.push(rep("jwt", "eyJ. repeated", "eyJ."));
    cases.push(rep("jwt", "JWT header segment repeated", "eyJhbGciOiJIUzI1NiJ9."));
    cases
        .push(case("jwt", "eyJ then base64, no dot", false, move |n| format!("eyJ{}", random(ALNUM, n, 13))));
    cases.push(rep("jwt", "eyJa.eyJb. glued", "eyJhbGci.eyJzdWIi."));
    cases.push(rep("header", "Authorization: Bearer repeated", "Authorization: Bearer "));
    cases.push(rep("header", "Authorization: repeated", "Authorization:"));
    cases.push(rep("header", "X-API-Key: repeated", "X-API-Key: "));
    cases.push(rep("header", "Cookie: a=b; repeated", "Cookie: a=b; "));
    cases.push(rep("cli", "--password repeated", " --password "));
    cases.push(rep("cli", "mysql -p repeated", "mysql -p"));
    cases.push(rep("cli", "curl -u a:b repeated", "curl -u a:b "));
    cases.push(case("cli", "curl then -u a: run", false, |n| then("curl ", "-u a:", n)));
    cases.push(case("cli", "curl then spaces", false, |n| then("curl", " x", n)));
    cases.push(rep("cli", "sshpass -p repeated", "sshpass -p "));
    cases.push(rep("cli", "PGPASSWORD= repeated", "PGPASSWORD="));
    cases.push(rep("cli", "Password=x; repeated", "Password=x;"));
    // Every provider prefix glued (each rule also gets its own generated cases below).
    cases.push(rep("provider", "ghp_ repeated", "ghp_"));
    cases.push(rep("provider", "AKIA repeated", "AKIA"));
    cases.push(rep("provider", "sk- repeated", "sk-"));
    cases.push(rep("provider", "xoxb- repeated", "xoxb-"));
    // Mixed.
    let soup: &[&str] = &[
        "api_key=",
        "password",
        "\"",
        "'",
        "=",
        ":",
        " ",
        "\n",
        "eyJ",
        ".",
        "://",
        "@",
        "-----BEGIN ",
        "ghp_",
        "AKIA",
        "curl -u ",
        "a1B2",
        "\\\"",
        "token",
        "<",
        ">",
        "Bearer ",
        "sk_live_",
    ];
    cases.push(case("mixed", "keyword soup units", false, move |n| mixed(soup, n, 17)));
    cases.push(case("mixed", "keyword soup bytes", false, move |n| {
        random(b"apikeysecrtoknpwd_=:\"' -/.\n", n, 11)
    }));
    // JSON mode: hostile text inside a hook payload, many small strings, nested JSON.
    cases.push(case("json", "payload of api_key=", true, |n| in_payload(&repeat("api_key=", n))));
    cases.push(case("json", "payload of mixed soup", true, move |n| in_payload(&mixed(soup, n, 19))));
    cases.push(case("json", "array of \"--password\"", true, |n| {
        format!("[{}\"x\"]", repeat("\"--password\",", n))
    }));
    cases.push(case("json", "object of password keys", true, |n| {
        format!("{{{}\"z\":1}}", repeat("\"password\":\"pw\",", n))
    }));
    cases.push(case("json", "nested JSON strings", true, |n| {
        serde_json::json!({"a": repeat("{\\\"password\\\":\\\"", n)}).to_string()
    }));
    cases.push(case("json", "escaped \\\"api_key\\\": repeated", true, |n| {
        serde_json::json!({"a": repeat("\\\"api_key\\\": \\\"", n)}).to_string()
    }));
    cases.push(case("json", "\\u escapes", true, |n| {
        serde_json::json!({"a": repeat("password\u{1}=\u{7f}", n)}).to_string()
    }));
    cases
}

/// Generated from the rule table, for every rule: its token prefix repeated, its sample's
/// context repeated with a cut value, its secret extended by a run of its own characters with no
/// terminator, its sample glued to itself; and every keyword repeated bare and with `=`.
pub fn generated_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut push = |family: &str, name: String, make: Box<dyn Fn(usize) -> String>, key: String| {
        if seen.insert(key) {
            cases.push(Case { family: family.into(), name, json: false, make });
        }
    };
    for (id, keywords, positives) in ward_redact::rule_samples() {
        if let Some(sample) = positives.first() {
            let (Some(open), Some(close)) = (sample.find('⟦'), sample.find('⟧')) else { continue };
            let before = &sample[..open];
            let secret = &sample[open + '⟦'.len_utf8()..close];
            let after = &sample[close + '⟧'.len_utf8()..];
            let cut = |s: &str, n: usize| -> String { s.chars().take(n).collect() };
            let prefix = cut(secret, 4);
            let context: String = {
                let tail: String = before.chars().rev().take(24).collect();
                tail.chars().rev().collect::<String>() + &cut(secret, secret.chars().count() / 2)
            };
            let body: String = secret.chars().skip(4).collect();
            let head = format!("{before}{secret}");
            let glued = format!("{before}{secret}{after}");
            push(
                "rule",
                format!("{id}: token prefix repeated"),
                {
                    let p = prefix.clone();
                    Box::new(move |n| repeat(&p, n))
                },
                format!("r:{prefix}"),
            );
            push(
                "rule",
                format!("{id}: context, cut value"),
                {
                    let c = context.clone();
                    Box::new(move |n| repeat(&c, n))
                },
                format!("r:{context}"),
            );
            if !body.is_empty() {
                push(
                    "rule",
                    format!("{id}: value run, no end"),
                    {
                        let (h, b) = (head.clone(), body.clone());
                        Box::new(move |n| then(&h, &b, n))
                    },
                    format!("t:{head}|{body}"),
                );
            }
            push(
                "rule",
                format!("{id}: sample glued"),
                {
                    let g = glued.clone();
                    Box::new(move |n| repeat(&g, n))
                },
                format!("r:{glued}"),
            );
        }
        for keyword in keywords {
            let k = keyword.to_string();
            push(
                "keyword",
                format!("{id}: {keyword:?} repeated"),
                {
                    let k = k.clone();
                    Box::new(move |n| repeat(&k, n))
                },
                format!("r:{k}"),
            );
            let assigned = format!("{k}=");
            push(
                "keyword",
                format!("{id}: \"{keyword}=\" repeated"),
                {
                    let a = assigned.clone();
                    Box::new(move |n| repeat(&a, n))
                },
                format!("r:{assigned}"),
            );
        }
    }
    cases
}

/// A clock for the work of this thread: its CPU time (`CLOCK_THREAD_CPUTIME_ID`), or wall time
/// where that is not available. The benchmark machines are shared: wall time also counts the
/// time other processes held the CPU, which made the same build measure 4× apart under load.
#[derive(Clone, Copy)]
pub struct Clock(Option<Duration>, Instant);

fn thread_cpu_time() -> Option<Duration> {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec; the call only writes it.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    (rc == 0).then(|| Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}

impl Clock {
    pub fn now() -> Clock {
        Clock(thread_cpu_time(), Instant::now())
    }

    pub fn elapsed(&self) -> Duration {
        match (self.0, thread_cpu_time()) {
            (Some(a), Some(b)) => b.saturating_sub(a),
            _ => self.1.elapsed(),
        }
    }

    /// What the figures are.
    pub fn kind() -> &'static str {
        if thread_cpu_time().is_some() {
            "thread CPU time"
        } else {
            "wall time"
        }
    }
}

/// Best time (see [`Clock`]) of `runs` redactions of `input`.
pub fn time(redactor: &Redactor, input: &str, json: bool, runs: usize) -> Duration {
    let mut best = Duration::MAX;
    for _ in 0..runs {
        let start = Clock::now();
        if json {
            black_box(redactor.redact_bytes(black_box(input.as_bytes()), Format::Auto).ok());
        } else {
            black_box(redactor.redact_text(black_box(input)));
        }
        best = best.min(start.elapsed());
    }
    best
}

pub fn redactor() -> Redactor {
    Redactor::new(FingerprintKey::from_bytes(b"bench key"))
}
