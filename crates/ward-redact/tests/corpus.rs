//! Corpus test: realistic JSON tool-call payloads (Bash commands, Write/Edit content, WebFetch
//! requests and headers, MCP arguments and server configs), generated from templates, some with
//! one planted secret and some without. Measures recall (planted secrets that no longer appear
//! in the output) and the share of secret-free payloads the redactor altered at all.

use serde_json::{json, Value};
use ward_redact::{FingerprintKey, Redactor};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
    fn chars(&mut self, alphabet: &str, n: usize) -> String {
        let a = alphabet.as_bytes();
        (0..n).map(|_| a[(self.next() % a.len() as u64) as usize] as char).collect()
    }
    fn alnum(&mut self, n: usize) -> String {
        self.chars("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789", n)
    }
    fn hex(&mut self, n: usize) -> String {
        self.chars("0123456789abcdef", n)
    }
    fn uuid(&mut self) -> String {
        format!("{}-{}-4{}-a{}-{}", self.hex(8), self.hex(4), self.hex(3), self.hex(3), self.hex(12))
    }
    /// A human-chosen password: word, digits, a symbol.
    fn password(&mut self) -> String {
        let word = self.pick(&[
            "Summer",
            "hunter",
            "Dragon",
            "letmein",
            "Welcome",
            "sunshine",
            "Football",
            "monkey",
            "Shadow",
            "Tr0ub4dor",
            "correcthorse",
            "Passw0rd",
        ]);
        let symbol = self.pick(&["!", "#", "@", "%", "_", "-", "+", "."]);
        format!("{word}{}{symbol}{}", self.next() % 10_000, self.chars("abcxyzQRS", 2))
    }
}

fn bash(command: &str) -> Value {
    json!({"session_id": "s", "hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": command, "description": "Run command"}})
}
fn write(path: &str, content: &str) -> Value {
    json!({"hook_event_name": "PreToolUse", "tool_name": "Write", "tool_input": {"file_path": path, "content": content}})
}
fn edit(path: &str, old: &str, new: &str) -> Value {
    json!({"tool_name": "Edit", "tool_input": {"file_path": path, "old_string": old, "new_string": new}})
}
fn mcp(server: &str, tool: &str, arguments: Value) -> Value {
    json!({"tool_name": format!("mcp__{server}__{tool}"), "tool_input": arguments})
}

/// Payloads each carrying one secret, with that secret's value.
fn positives(rng: &mut Rng) -> Vec<(Value, String)> {
    let mut out = Vec::new();
    for round in 0..9 {
        let pw = rng.password();
        let token = rng.alnum(32);
        let ghp = format!("ghp_{}", rng.alnum(36));
        let stripe = format!("sk_live_{}", rng.alnum(24));
        let openai = format!("sk-proj-{}T3BlbkFJ{}", rng.alnum(58), rng.alnum(58));
        let anthropic = format!("sk-ant-api03-{}AA", rng.alnum(93));
        let aws_id = format!("AKIA{}", rng.chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16));
        let aws_secret = rng.chars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+", 40);
        let google = format!("AIza{}", rng.alnum(35));
        let slack = format!(
            "xoxb-{}-{}-{}",
            1000000000 + rng.next() % 8999999999,
            1000000000 + rng.next() % 8999999999,
            rng.alnum(24)
        );
        let npm = format!("npm_{}", rng.alnum(36));
        let hf = format!("hf_{}", rng.chars("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", 34));
        let gitlab = format!("glpat-{}", rng.alnum(20));
        let jwt = format!("eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJ{}.{}", rng.alnum(60), rng.alnum(43));
        let pem_body = format!("MIIEowIBAAKCAQEA{}\n{}\n{}==", rng.alnum(48), rng.alnum(64), rng.alnum(40));
        let sendgrid = format!("SG.{}.{}", rng.alnum(22), rng.alnum(43));
        let dd = rng.hex(32);
        let host = rng.pick(&["db.internal", "10.0.3.7", "pg-prod.corp.net", "localhost"]);
        let cases: Vec<(Value, String)> = vec![
            (bash(&format!("PGPASSWORD={pw} psql -h {host} -U app -c 'select count(*) from users'")), pw.clone()),
            (bash(&format!("mysql -u root -p{pw} -h {host} shop < dump.sql")), pw.clone()),
            (bash(&format!("mysqldump --user=root --password={pw} --all-databases > all.sql")), pw.clone()),
            (bash(&format!("docker login -u ci -p {pw} registry.corp.net")), pw.clone()),
            (bash(&format!("redis-cli -h {host} -a {pw} INFO keyspace")), pw.clone()),
            (bash(&format!("curl -s -u admin:{pw} https://jenkins.corp/api/json | jq .jobs")), pw.clone()),
            (bash(&format!("psql \"postgresql://app:{pw}@{host}:5432/app\" -c '\\dt'")), pw.clone()),
            (bash(&format!("git remote set-url origin https://deploy:{token}@git.corp.net/team/app.git")), token.clone()),
            (bash(&format!("export API_TOKEN={token} && ./deploy.sh")), token.clone()),
            (bash(&format!("echo '{pw}' | sudo -S systemctl restart nginx")), pw.clone()),
            (bash(&format!("sshpass -p '{pw}' ssh admin@{host} uptime")), pw.clone()),
            (bash(&format!("kubectl create secret generic db --from-literal=password={pw} -n prod")), pw.clone()),
            (bash(&format!("curl -H \"Authorization: Bearer {token}\" https://api.internal/v1/users")), token.clone()),
            (bash(&format!("gh api -H \"Authorization: token {ghp}\" /user/repos")), ghp.clone()),
            (bash(&format!("ldapsearch -x -D cn=admin,dc=corp -w {pw} -b dc=corp '(uid=*)'")), pw.clone()),
            (bash(&format!("openssl pkcs12 -export -in c.pem -inkey k.pem -passout pass:{pw} -out c.p12")), pw.clone()),
            (bash(&format!("DB_PASSWORD='{pw}' npm run migrate")), pw.clone()),
            (bash(&format!("echo \"{ghp}\" | docker login ghcr.io -u me --password-stdin")), ghp.clone()),
            (bash(&format!("mongosh \"mongodb+srv://admin:{pw}@cluster0.ab1cd.mongodb.net/app\"")), pw.clone()),
            (bash(&format!("aws configure set aws_secret_access_key {aws_secret} && aws s3 ls")), aws_secret.clone()),
            (write(".env", &format!("NODE_ENV=production\nDATABASE_URL=postgres://app:{pw}@{host}/app\nPORT=3000\n")), pw.clone()),
            (write(".env", &format!("STRIPE_SECRET_KEY={stripe}\nSTRIPE_PUBLISHABLE_KEY=pk_live_{}\n", rng.alnum(24))), stripe.clone()),
            (write("config/database.yml", &format!("production:\n  adapter: postgresql\n  host: {host}\n  username: app\n  password: {pw}\n")), pw.clone()),
            (write("app/settings.py", &format!("DEBUG = False\nSECRET_KEY = \"{token}\"\nALLOWED_HOSTS = [\"*\"]\n")), token.clone()),
            (write("/home/dev/.ssh/id_rsa", &format!("-----BEGIN RSA PRIVATE KEY-----\n{pem_body}\n-----END RSA PRIVATE KEY-----\n")), pem_body.clone()),
            (write("config.json", &json!({"openai": {"apiKey": openai}}).to_string()), openai.clone()),
            (write("/home/dev/.npmrc", &format!("//registry.npmjs.org/:_authToken={npm}\n")), npm.clone()),
            (write("/home/dev/.aws/credentials", &format!("[default]\naws_access_key_id = {aws_id}\n")), aws_id.clone()),
            (edit("src/client.ts", "const apiKey = process.env.KEY;", &format!("const apiKey = \"{anthropic}\";")), anthropic.clone()),
            (edit("deploy.sh", "docker login", &format!("docker login -u bot -p {pw} quay.io")), pw.clone()),
            (json!({"tool_name": "WebFetch", "tool_input": {"url": format!("https://generativelanguage.googleapis.com/v1/models?key={google}"), "prompt": "list models"}}), google.clone()),
            (mcp("fetch", "fetch", json!({"url": "https://api.corp/v1/me", "headers": {"Authorization": format!("Bearer {jwt}")}})), jwt.clone()),
            (mcp("http", "request", json!({"method": "GET", "url": "https://api.vendor.io/x", "headers": {"X-API-Key": token}})), token.clone()),
            (mcp("postgres", "query", json!({"connection_string": format!("postgresql://reader:{pw}@{host}/analytics"), "sql": "select 1"})), pw.clone()),
            (mcp("github", "config", json!({"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"], "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": ghp}})), ghp.clone()),
            (mcp("db", "connect", json!({"user": "admin", "password": pw})), pw.clone()),
            (mcp("runner", "exec", json!({"argv": ["deploy", "--api-key", token, "--env", "prod"]})), token.clone()),
            (mcp("slack", "post", json!({"config": json!({"token": slack}).to_string(), "channel": "#ops"})), slack.clone()),
            (mcp("hf", "download", json!({"env": {"HF_TOKEN": hf}})), hf.clone()),
            (bash(&format!("git clone https://oauth2:{gitlab}@gitlab.com/group/proj.git")), gitlab.clone()),
            (write("send.py", &format!("sg = SendGridAPIClient(\"{sendgrid}\")\n")), sendgrid.clone()),
            (bash(&format!("DD_API_KEY={dd} DD_SITE=datadoghq.eu bash -c \"$(curl -L https://install.datadoghq.com/agent.sh)\"")), dd.clone()),
        ];
        // Each round uses a rotating subset so the corpus is varied without repeating the same
        // secret shape too often.
        for (index, case) in cases.into_iter().enumerate() {
            if (index + round) % 2 == 0 || round < 4 {
                out.push(case);
            }
        }
    }
    out
}

/// Payloads without secrets (including look-alikes that must be left alone).
fn negatives(rng: &mut Rng) -> Vec<Value> {
    let mut out = Vec::new();
    for _ in 0..9 {
        let sha = rng.hex(40);
        let digest = rng.hex(64);
        let uuid = rng.uuid();
        let integrity = rng.chars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 86);
        let n = rng.next() % 1000;
        let cases = vec![
            bash(&format!("git show {sha} --stat")),
            bash(&format!("docker pull ghcr.io/corp/app@sha256:{digest}")),
            bash("cargo test -p ward-redact -- --nocapture"),
            bash(&format!("kubectl get pods -n prod -l app=api --sort-by=.metadata.creationTimestamp | tail -{n}")),
            bash("psql -h db.internal -U app -W app"),
            bash("mysql -u root -p shop"),
            bash("docker login -u me --password-stdin ghcr.io < ~/.config/ghcr-token"),
            bash("curl -H \"Authorization: Bearer $TOKEN\" https://api.internal/v1/users"),
            bash("export GITHUB_TOKEN=$(gh auth token) && gh pr list"),
            bash("PGPASSWORD=\"$DB_PASSWORD\" psql -h db -U app"),
            bash(&format!("git log --format='%H %s' {sha}..HEAD")),
            bash("grep -rn 'password' src/ | head -20"),
            bash("npm ci && npm run build -- --mode production"),
            write("src/auth.rs", "pub fn login(user: &str, password: &str) -> Result<Session, AuthError> {\n    let token = issue_token(user)?;\n    if password.is_empty() { return Err(AuthError::Empty); }\n    Ok(Session { token, user: user.to_string() })\n}\n"),
            write("app/login.py", "import getpass\n\ndef main():\n    password = getpass.getpass()\n    token = client.login(username, password=password)\n    api_key = os.environ.get(\"API_KEY\")\n"),
            write("package-lock.json", &json!({"packages": {"node_modules/left-pad": {"version": format!("1.3.{n}"), "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz", "integrity": format!("sha512-{integrity}==")}}}).to_string()),
            write(".github/workflows/ci.yml", "jobs:\n  build:\n    steps:\n      - run: make deploy\n        env:\n          API_TOKEN: ${{ secrets.API_TOKEN }}\n          DB_PASSWORD: ${{ secrets.DB_PASSWORD }}\n"),
            write(".env.example", "DATABASE_URL=postgres://user:password@localhost/app\nSTRIPE_SECRET_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx\nOPENAI_API_KEY=<your-openai-key>\nSECRET_KEY=changeme\n"),
            write("README.md", "Configure credentials:\n\n    aws configure set aws_access_key_id AKIAIOSFODNN7EXAMPLE\n    export API_KEY=your_api_key_here\n\nThen run `make`.\n"),
            write("/home/dev/.ssh/authorized_keys", &format!("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{} dev@laptop\n", rng.alnum(43))),
            write("certs/ca.pem", &format!("-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIE{}\n{}\n-----END CERTIFICATE-----\n", rng.alnum(44), rng.alnum(64))),
            write("k8s/deploy.yaml", "env:\n  - name: DB_PASSWORD\n    valueFrom:\n      secretKeyRef:\n        name: db\n        key: password\n"),
            edit("src/config.ts", "const timeout = 30;", &format!("const requestId = \"{uuid}\";\nconst timeout = {n};")),
            json!({"tool_name": "WebFetch", "tool_input": {"url": format!("https://github.com/corp/app/commit/{sha}"), "prompt": "Summarize the change"}}),
            mcp("github", "get_commit", json!({"owner": "corp", "repo": "app", "sha": sha})),
            mcp("db", "query", json!({"sql": format!("select id, token_count from requests where id = '{uuid}'"), "limit": n})),
            mcp("fetch", "fetch", json!({"url": "https://api.corp/v1/me", "headers": {"Accept": "application/json", "X-Request-Id": uuid}})),
            write("src/main.rs", "fn main() -> anyhow::Result<()> {\n    let api_key = std::env::var(\"API_KEY\")?;\n    let token = auth::token(&api_key)?;\n    println!(\"{}\", token.expires_at);\n    Ok(())\n}\n"),
            write("app/models.py", "class Settings(BaseSettings):\n    api_key: str = Field(..., env=\"API_KEY\")\n    password: SecretStr\n    def __init__(self, token=None):\n        self.token = token\n"),
            write("infra/main.tf", "variable \"db_password\" {\n  type      = string\n  sensitive = true\n}\nresource \"aws_db_instance\" \"db\" {\n  password = var.db_password\n}\n"),
            write("src/api.ts", "const token = await getToken();\nconst res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });\n"),
            write("docs/jwt.md", "Example: eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c\n"),
            bash("docker run -e POSTGRES_PASSWORD -p 5432:5432 postgres:16"),
            bash(&format!("git commit -m 'rotate token handling ({n})'")),
            mcp("drive", "list", json!({"pageSize": 50, "pageToken": rng.alnum(24)})),
            mcp("gcs", "list", json!({"next_page_token": rng.alnum(16), "prefix": "logs/"})),
            write("src/lib.go", "token, err := auth.Token(ctx)\nif err != nil {\n\treturn err\n}\npassword := os.Getenv(\"DB_PASSWORD\")\n"),
        ];
        out.extend(cases);
    }
    out
}

#[test]
fn corpus_recall_and_negative_alteration() {
    let redactor = Redactor::new(FingerprintKey::from_bytes(b"corpus key"));
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let positives = positives(&mut rng);
    let negatives = negatives(&mut rng);
    assert!(positives.len() >= 200, "{} positives", positives.len());
    assert!(negatives.len() >= 200, "{} negatives", negatives.len());

    let mut missed = Vec::new();
    for (payload, secret) in &positives {
        let text = payload.to_string();
        let out = redactor.redact_json_str(&text).expect("payload is JSON");
        serde_json::from_str::<Value>(&out.output).expect("output stays JSON");
        let mut value = payload.clone();
        redactor.redact_json_value(&mut value);
        let escaped = serde_json::to_string(secret).expect("string");
        let escaped = &escaped[1..escaped.len() - 1];
        if out.output.contains(escaped) || value.to_string().contains(escaped) {
            missed.push(text);
        }
    }
    let mut altered = Vec::new();
    for payload in &negatives {
        let text = payload.to_string();
        let out = redactor.redact_json_str(&text).expect("payload is JSON");
        let mut value = payload.clone();
        let value_findings = redactor.redact_json_value(&mut value);
        if out.output != text || !value_findings.is_empty() {
            altered.push((text, out.findings));
        }
    }
    let recall = 1.0 - missed.len() as f64 / positives.len() as f64;
    let alteration = altered.len() as f64 / negatives.len() as f64;
    println!(
        "corpus: {} positives, recall {recall:.3}; {} negatives, altered {alteration:.3}",
        positives.len(),
        negatives.len()
    );
    for m in &missed {
        println!("MISSED: {m}");
    }
    for (a, findings) in &altered {
        println!("ALTERED: {a}\n  {findings:?}");
    }
    assert!(recall >= 0.95, "recall {recall:.3} below 0.95");
    assert!(alteration <= 0.02, "negative alteration {alteration:.3} above 0.02");
}
