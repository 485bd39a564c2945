//! The accuracy corpus generator: seeded, so every run of a seed gives the same corpus and every
//! seed gives fresh values. Each labelled sample is a short text as an agent would send it (a
//! command, a file excerpt, a config line); `wrap` then presents it three ways (raw text, inside
//! a hook JSON payload, JSON-escaped inside a string), so a sample counts three times.

use super::providers::{Shape, PROVIDERS};

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.below(items.len())]
    }
    /// `n` characters of `alphabet`, re-drawn until they look random (no run of three, some
    /// digit in long alphanumeric strings), as real generated credentials do.
    pub fn chars(&mut self, alphabet: &str, n: usize) -> String {
        let a = alphabet.as_bytes();
        loop {
            let s: String = (0..n).map(|_| a[self.below(a.len())] as char).collect();
            let b = s.as_bytes();
            if b.windows(3).any(|w| w[0] == w[1] && w[1] == w[2]) {
                continue;
            }
            let lower = s.to_ascii_lowercase();
            if ["xxx", "example", "1234", "abcd", "test", "fake", "dummy", "sample"]
                .iter()
                .any(|m| lower.contains(m))
            {
                continue;
            }
            if n >= 12 && alphabet.len() > 36 && alphabet.contains('7') && !b.iter().any(u8::is_ascii_digit) {
                continue;
            }
            return s;
        }
    }
}

const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Fills a template (`{A32}`, `{h40}`, `{uuid}` …; see `providers.rs`).
pub fn fill(rng: &mut Rng, template: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').map(|c| open + c).expect("template brace");
        let spec = &rest[open + 1..close];
        rest = &rest[close + 1..];
        if spec == "uuid" {
            let h = |rng: &mut Rng, n| rng.chars("0123456789abcdef", n);
            let variant = rng.pick(&["8", "9", "a", "b"]);
            out.push_str(&format!(
                "{}-{}-4{}-{variant}{}-{}",
                h(rng, 8),
                h(rng, 4),
                h(rng, 3),
                h(rng, 3),
                h(rng, 12)
            ));
            continue;
        }
        let (class, n) = spec.split_at(1);
        let n: usize = n.parse().expect("template length");
        let alphabet = match class {
            "A" => ALNUM,
            "a" => "abcdefghijklmnopqrstuvwxyz0123456789",
            "h" => "0123456789abcdef",
            "H" => "0123456789ABCDEF",
            "U" => "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
            "u" => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-",
            "b" => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
            "d" => "0123456789",
            "l" => "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
            "n" => "abcdefghijklmnopqrstuvwxyz234567",
            "2" => "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
            other => panic!("unknown template class {other}"),
        };
        out.push_str(&rng.chars(alphabet, n));
    }
    out.push_str(rest);
    out
}

/// A labelled sample before wrapping.
pub struct Sample {
    pub category: String,
    pub text: String,
    /// Substrings (of `text`) that must not survive redaction; empty for a negative.
    pub secrets: Vec<String>,
    /// Only meaningful inside a JSON payload (JSON mode's own forms); not wrapped as raw text.
    pub json_only: bool,
}

fn pos(category: &str, text: String, secrets: Vec<String>) -> Sample {
    Sample { category: category.to_string(), text, secrets, json_only: false }
}

fn neg(category: &str, text: String) -> Sample {
    Sample { category: category.to_string(), text, secrets: Vec::new(), json_only: false }
}

/// A human-chosen password: word, digits, a symbol, maybe more.
pub fn password(rng: &mut Rng) -> String {
    let word = rng.pick(&[
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
        "Winter",
        "Falcon",
        "Orchid",
        "Quasar",
        "Zephyr",
        "Marble",
        "Copper",
        "Velvet",
    ]);
    let symbol = rng.pick(&["!", "#", "@", "%", "_", "-", "+", ".", "&", "*", "^", "~"]);
    let tail = rng.chars("abcxyzQRSTmn", 2);
    match rng.below(4) {
        0 => format!("{word}{}{symbol}{tail}", rng.below(10_000)),
        1 => format!("{}{symbol}{word}{}", rng.chars("QWERTYPqwertyp", 3), rng.below(1000)),
        2 => fill(rng, "{A12}").to_string() + symbol,
        _ => format!("{word}{symbol}{}{}", rng.below(100), fill(rng, "{A6}")),
    }
}

/// A long passphrase of lowercase words only (`correcthorsebatterystaple`).
pub fn passphrase(rng: &mut Rng) -> String {
    let words = [
        "correct",
        "horse",
        "battery",
        "staple",
        "purple",
        "monkey",
        "dishwasher",
        "orbit",
        "lantern",
        "velvet",
        "granite",
        "meadow",
        "thunder",
        "pickle",
        "saffron",
        "glacier",
        "compass",
        "harbor",
        "walnut",
        "ember",
    ];
    (0..4).map(|_| words[rng.below(words.len())]).collect()
}

fn snake(var: &str) -> String {
    var.to_ascii_lowercase()
}

fn camel(var: &str) -> String {
    let mut out = String::new();
    for (i, part) in var.split('_').filter(|p| !p.is_empty()).enumerate() {
        let lower = part.to_ascii_lowercase();
        if i == 0 {
            out.push_str(&lower);
        } else {
            let mut chars = lower.chars();
            if let Some(first) = chars.next() {
                out.push(first.to_ascii_uppercase());
                out.extend(chars);
            }
        }
    }
    out
}

/// Every provider's credential, in an assignment or (for prefixed shapes) also bare.
fn providers(rng: &mut Rng, out: &mut Vec<Sample>) {
    for (i, &(name, _family, var, template, shape)) in PROVIDERS.iter().enumerate() {
        let value = fill(rng, template);
        let forms = if shape == Shape::Prefixed { 12 } else { 9 };
        let form = (i + rng.below(3)) % forms;
        let text = match form {
            0 => format!("export {var}={value}"),
            1 => format!("{var}=\"{value}\"\nNODE_ENV=production"),
            2 => format!("services:\n  app:\n    environment:\n      {var}: {value}\n"),
            3 => format!("{{\n  \"{}\": \"{value}\",\n  \"region\": \"eu-west-1\"\n}}", camel(var)),
            4 => format!("{} = \"{value}\"\n", snake(var)),
            5 => format!("docker run -e {var}={value} -p 8080:8080 app:latest"),
            6 => format!("const {} = '{value}';", camel(var)),
            7 => format!("[default]\n{} = {value}\n", snake(var)),
            8 => format!("{var}: '{value}'"),
            9 => format!("curl -s https://api.{name}.example/v1/me -H \"Authorization: Bearer {value}\""),
            10 => format!("Here is the key you asked for: {value} (rotate it after the demo)"),
            _ => format!("cp /tmp/{value}/config.json ./ && echo ok"),
        };
        let category = if shape == Shape::Prefixed { "provider-prefixed" } else { "provider-named" };
        out.push(pos(category, text, vec![value]));
    }
}

/// The assignment grammar of issue 12's first cause, one category per form.
fn grammar(rng: &mut Rng, out: &mut Vec<Sample>) {
    type Form = fn(&str, &str) -> String;
    let forms: &[(&str, &[&str], Form)] = &[
        ("key-hyphen", &["SECRET-KEY", "api-token", "X-Db-Password", "client-secret"], |k, v| {
            format!("{k}: {v}")
        }),
        (
            "key-concatenated",
            &["SECRETTOKEN", "APIKEY", "DBPASSWORD", "AUTHTOKEN", "MASTERPASSWORD"],
            |k, v| format!("{k}={v}"),
        ),
        (
            "key-license-consumer-sdk",
            &[
                "license_key",
                "consumer_key",
                "consumer_secret",
                "application_key",
                "app_key",
                "sdk_key",
                "PresharedKey",
                "psk",
                "server_key",
                "signing_secret",
                "webhook_secret",
                "encryption_key",
                "private_key_password",
            ],
            |k, v| format!("{k} = {v}"),
        ),
        (
            "camel-unquoted",
            &["dbPassword", "apiToken", "clientSecret", "accessKey", "authToken", "secretKey"],
            |k, v| format!("{k}={v}"),
        ),
        ("op-conditional", &["API_TOKEN", "DB_PASSWORD", "SECRET"], |k, v| format!("{k} ?= {v}")),
        ("op-posix-make", &["API_TOKEN", "DB_PASSWORD", "SECRET_KEY"], |k, v| format!("{k} ::= {v}")),
        ("op-triple-colon", &["API_TOKEN", "DB_PASSWORD"], |k, v| format!("{k} :::= {v}")),
        ("op-php-append", &["$password", "$apiKey", "$secret"], |k, v| format!("{k} .= '{v}';")),
        ("op-fat-arrow", &["'password'", "\"api_key\"", ":secret_token", "'client_secret'"], |k, v| {
            format!("{k} => '{v}',")
        }),
        ("call-set-property", &["password", "api.key", "auth.token", "db.password"], |k, v| {
            format!("props.setProperty(\"{k}\", \"{v}\");")
        }),
        ("call-env-default", &["API_TOKEN", "DB_PASSWORD", "SECRET_KEY"], |k, v| {
            format!("token = env(\"{k}\", \"{v}\")")
        }),
        ("call-credential-ctor", &["svc-backup", "admin", "deploy"], |k, v| {
            format!("var cred = new NetworkCredential(\"{k}\", \"{v}\");")
        }),
        ("call-map-put", &["password", "apiKey", "client_secret"], |k, v| {
            format!("params.put(\"{k}\", \"{v}\");")
        }),
        ("call-basic-auth", &["admin", "deploy"], |k, v| {
            format!("r = requests.get(url, auth=(\"{k}\", \"{v}\"))")
        }),
        ("typed-java", &["apiKey", "password", "secretToken"], |k, v| {
            format!("private static final String {k} = \"{v}\";")
        }),
        ("typed-ts", &["token", "apiKey", "dbPassword"], |k, v| format!("const {k}: string = \"{v}\";")),
        ("typed-go", &["password", "apiToken"], |k, v| format!("var {k} string = \"{v}\"")),
        ("typed-rust", &["API_KEY", "PASSWORD"], |k, v| format!("const {k}: &str = \"{v}\";")),
        ("typed-csharp", &["ApiKey", "Password", "ClientSecret"], |k, v| {
            format!("public string {k} {{ get; set; }} = \"{v}\";")
        }),
        ("xml-element", &["password", "apiKey", "secret", "token"], |k, v| {
            format!("<server>\n  <{k}>{v}</{k}>\n</server>")
        }),
        ("xml-attribute", &["password", "apiKey", "secret"], |k, v| {
            format!("<connection host=\"db\" {k}=\"{v}\" />")
        }),
        ("xml-key-value", &["ApiKey", "ClientSecret", "DbPassword"], |k, v| {
            format!("<add key=\"{k}\" value=\"{v}\" />")
        }),
        ("maven-settings", &["password"], |k, v| {
            format!("<server><id>corp</id><username>ci</username><{k}>{v}</{k}></server>")
        }),
        ("yaml-nested", &["password", "api_key", "token", "secret"], |k, v| {
            format!("database:\n  host: db\n  {k}: {v}\n")
        }),
        ("toml-quoted", &["password", "api_key", "token"], |k, v| format!("[auth]\n{k} = \"{v}\"\n")),
        ("ini-spaced", &["password", "secret", "api_key"], |k, v| format!("[db]\n{k} = {v}\n")),
        ("properties", &["spring.datasource.password", "app.jwt.secret", "mail.smtp.password"], |k, v| {
            format!("{k}={v}")
        }),
        ("shell-export-quoted", &["DB_PASSWORD", "API_TOKEN", "SECRET_KEY"], |k, v| {
            format!("export {k}='{v}'")
        }),
        ("php-variable", &["$password", "$db_pass", "$apiKey"], |k, v| format!("{k}='{v}';")),
        ("python-kwarg", &["password", "api_key", "token"], |k, v| {
            format!("client = Client(host=\"db\", {k}=\"{v}\")")
        }),
        ("json-member", &["password", "apiKey", "client_secret", "auth_token"], |k, v| {
            format!("{{\"{k}\": \"{v}\"}}")
        }),
        ("hcl", &["password", "api_token", "secret_key"], |k, v| {
            format!("resource \"x\" \"y\" {{\n  {k} = \"{v}\"\n}}")
        }),
        ("dotnet-conn", &["Password", "Pwd"], |k, v| format!("Server=db;Database=app;User Id=sa;{k}={v};")),
    ];
    for (category, keys, form) in forms {
        for i in 0..6 {
            let key = keys[(i + rng.below(keys.len())) % keys.len()];
            let value = if i % 2 == 0 { password(rng) } else { fill(rng, "{A28}") };
            // Quote-terminated forms cannot carry a quote; XML forms cannot carry `<`/`&`.
            let value = value.replace(['\'', '"', '<', '&', ';', '\\'], "9");
            out.push(pos(category, form(key, &value), vec![value]));
        }
    }
    for _ in 0..6 {
        let value = passphrase(rng);
        let key = rng.pick(&["password", "passphrase", "db_password", "adminPassword"]);
        out.push(pos("letters-only-password", format!("{key} = \"{value}\""), vec![value]));
    }
    // UUID-shaped secrets under a key that names the secret.
    for _ in 0..8 {
        let value = fill(rng, "{uuid}");
        let key = rng.pick(&[
            "HUBSPOT_API_KEY",
            "SCW_SECRET_KEY",
            "POSTMARK_SERVER_TOKEN",
            "PINECONE_API_KEY",
            "SNYK_TOKEN",
            "HEROKU_API_KEY",
            "api_secret",
            "X-Api-Key",
        ]);
        out.push(pos("uuid-secret", format!("{key}: {value}"), vec![value]));
    }
}

/// Command lines (issue 12's seventh cause and the older CLI forms).
fn commands(rng: &mut Rng, out: &mut Vec<Sample>) {
    type Form = fn(&str) -> String;
    let forms: &[(&str, Form)] = &[
        ("cookie-header", |v| format!("curl -H 'Cookie: session={v}; theme=dark' https://app.corp/api")),
        ("cookie-flag", |v| format!("curl -b \"sessionid={v}\" https://app.corp/dashboard")),
        ("openssl-k", |v| format!("openssl enc -aes-256-cbc -salt -in db.sql -out db.enc -k {v}")),
        ("sqlcmd-P", |v| format!("sqlcmd -S db.corp -U sa -P {v} -Q \"select 1\"")),
        ("vault-login", |v| format!("vault login hvs.{v}")),
        ("ssh-keygen-N", |v| format!("ssh-keygen -t ed25519 -N '{v}' -f ~/.ssh/deploy")),
        ("mysql-p", |v| format!("mysql -u root -p{v} -h db shop")),
        ("docker-login", |v| format!("docker login -u ci -p {v} registry.corp")),
        ("curl-user-quoted", |v| format!("curl -u 'admin:{v}' https://jenkins.corp/api/json")),
        ("password-flag", |v| format!("mongosh --username admin --password {v} db.corp")),
        ("token-flag", |v| format!("gh auth login --with-token --token={v}")),
        ("pgpassword", |v| format!("PGPASSWORD={v} psql -h db -U app")),
        ("sshpass", |v| format!("sshpass -p '{v}' ssh root@10.0.0.5")),
        ("htpasswd", |v| format!("htpasswd -bc /etc/nginx/.htpasswd admin {v}")),
        ("redis-cli", |v| format!("redis-cli -h cache -a {v} ping")),
        ("kubectl-literal", |v| format!("kubectl create secret generic db --from-literal=password={v}")),
        ("netrc-inline", |v| format!("machine api.corp.net login deploy password {v}")),
        ("netrc-multiline", |v| format!("machine api.corp.net\n  login deploy\n  password {v}\n")),
        ("auth-custom-scheme", |v| {
            format!("curl -H \"Authorization: SharedKey acct:{v}\" https://x.blob.core.windows.net")
        }),
        ("auth-vendor-scheme", |v| format!("-H 'Authorization: Klaviyo-API-Key {v}'")),
        ("url-password-special", |v| format!("git clone https://deploy:{v}/x+y=@git.corp.net/team/app.git")),
        ("keytool", |v| format!("keytool -list -keystore ks.jks -storepass {v}")),
        ("zip-P", |v| format!("zip -P {v} backup.zip db.sql")),
        ("echo-sudo", |v| format!("echo '{v}' | sudo -S apt-get update")),
    ];
    for (category, form) in forms {
        for i in 0..5 {
            let value = if i % 2 == 0 { password(rng) } else { fill(rng, "{A24}") };
            let value = value.replace(['\'', '"', ';', '&', '|', '\\', '<', '>', '*', '~', '^'], "7");
            let text = form(&value);
            let secret = if *category == "url-password-special" { format!("{value}/x+y=") } else { value };
            out.push(pos(category, text, vec![secret]));
        }
    }
}

fn pem_body(rng: &mut Rng, lines: usize) -> Vec<String> {
    (0..lines).map(|_| fill(rng, "{b64}")).collect()
}

fn base64(bytes: &[u8]) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |acc, b| acc << 8 | u32::from(*b)) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Whole objects: key blocks, connection URIs, credential documents, password hashes.
fn structural(rng: &mut Rng, out: &mut Vec<Sample>) {
    let labels = [
        "RSA PRIVATE KEY",
        "PRIVATE KEY",
        "EC PRIVATE KEY",
        "OPENSSH PRIVATE KEY",
        "ENCRYPTED PRIVATE KEY",
        "DSA PRIVATE KEY",
    ];
    for i in 0..8 {
        let label = labels[i % labels.len()];
        let body = pem_body(rng, 4);
        let block = format!("-----BEGIN {label}-----\n{}\n-----END {label}-----", body.join("\n"));
        let mut secrets = body.clone();
        secrets.push(format!("BEGIN {label}"));
        secrets.push(format!("END {label}"));
        out.push(pos("pem-block", format!("cat > key.pem <<'EOF'\n{block}\nEOF"), secrets));
    }
    for i in 0..6 {
        let label = labels[i % 2];
        let body = pem_body(rng, 3);
        let block = format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", body.join("\n"));
        let encoded = base64(block.as_bytes());
        out.push(pos("pem-base64", format!("tls.key: {encoded}"), vec![encoded]));
    }
    for _ in 0..4 {
        let body = pem_body(rng, 3);
        let text = format!(
            "String key = \"-----BEGIN RSA PRIVATE KEY-----\\n\" +\n    \"{}\\n\" +\n    \"{}\\n\" +\n    \"{}\\n\" +\n    \"-----END RSA PRIVATE KEY-----\";",
            body[0], body[1], body[2]
        );
        let mut secrets = body;
        secrets.push("BEGIN RSA PRIVATE KEY".into());
        out.push(pos("pem-concatenated", text, secrets));
    }
    let uri_forms: &[&str] = &[
        "postgresql://app:{P}@db.internal:5432/app",
        "mongodb+srv://admin:{P}@cluster0.ab1cd.mongodb.net/?retryWrites=true",
        "redis://default:{P}@cache.internal:6379/0",
        "amqps://svc:{P}@rabbit.corp:5671/vhost",
        "mysql://root:{P}@127.0.0.1:3306/shop",
        "https://deploy:{P}@git.corp.net/team/app.git",
        "sqlserver://sa:{P}@localhost:1433",
        "smtp://mailer:{P}@smtp.corp.net:587",
    ];
    for i in 0..16 {
        let pw = match i % 3 {
            0 => password(rng),
            1 => format!("{}/{}+{}=", fill(rng, "{A8}"), fill(rng, "{A6}"), fill(rng, "{A4}")),
            _ => format!("{}@{}", fill(rng, "{A10}"), fill(rng, "{A6}")),
        }
        .replace(['\'', '"', '\\', '#', '?', '%', '<', '>', '&', '|', ';', '*', '~', '^'], "5");
        let uri = uri_forms[i % uri_forms.len()].replace("{P}", &pw);
        out.push(pos("connection-uri", format!("DATABASE_URL={uri}"), vec![pw]));
    }
    for _ in 0..6 {
        let key_id = fill(rng, "{h40}");
        let body = pem_body(rng, 3);
        let doc = format!(
            "{{\n  \"type\": \"service_account\",\n  \"project_id\": \"acme-prod\",\n  \"private_key_id\": \"{key_id}\",\n  \"private_key\": \"-----BEGIN PRIVATE KEY-----\\n{}\\n{}\\n{}\\n-----END PRIVATE KEY-----\\n\",\n  \"client_email\": \"ci@acme-prod.iam.gserviceaccount.com\"\n}}",
            body[0], body[1], body[2]
        );
        let mut secrets = body;
        secrets.push(key_id);
        secrets.push("BEGIN PRIVATE KEY".into());
        out.push(pos("credential-document", doc, secrets));
    }
    for _ in 0..4 {
        let auth = base64(format!("ci:{}", fill(rng, "{A20}")).as_bytes());
        let doc = format!("{{\"auths\": {{\"registry.corp.net\": {{\"auth\": \"{auth}\"}}}}}}");
        out.push(pos("credential-document", doc, vec![auth]));
    }
    for _ in 0..4 {
        let id = fill(rng, "AKIA{216}");
        let secret = fill(rng, "{b40}");
        let doc = format!(
            "[default]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\nregion = eu-west-1\n"
        );
        out.push(pos("credential-document", doc, vec![id, secret]));
    }
    for _ in 0..4 {
        let key = base64(fill(rng, "{b200}").as_bytes());
        let doc = format!("users:\n- name: admin\n  user:\n    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t\n    client-key-data: {key}\n");
        out.push(pos("credential-document", doc, vec![key]));
    }
    // Password hashes: crypt(3) families, bcrypt, NTLM, Kerberos.
    let hash_forms: &[&str] = &[
        "root:$6${a16}${A86}:19700:0:99999:7:::",
        "deploy:$y$j9T${A22}${A43}:19800:0:99999:7:::",
        "admin:$5$rounds=5000${a16}${A43}:19000::::::",
        "$2b$12${A53}",
        "$2y$10${A53}",
        "Administrator:500:aad3b435b51404eeaad3b435b51404ee:{h32}:::",
        "svc_sql:1103:aad3b435b51404eeaad3b435b51404ee:{h32}:::",
        "$krb5tgs$23$*svc_sql$CORP.LOCAL$MSSQLSvc/db.corp.local~1433*${h32}${h400}",
        "$krb5asrep$23$jdoe@CORP.LOCAL:{h32}${h300}",
        "$argon2id$v=19$m=65536,t=3,p=4${b22}${b43}",
        "$1${a8}${A22}",
        "SSHA:{b32}",
    ];
    for (i, form) in hash_forms.iter().cycle().take(24).enumerate() {
        let hash_line = fill(rng, form).replace("SSHA:", "{SSHA}");
        let secret = match i % hash_forms.len() {
            0..=2 => hash_line.split(':').nth(1).unwrap_or_default().to_string(),
            5 | 6 => hash_line.split(':').nth(3).unwrap_or_default().to_string(),
            _ => hash_line.clone(),
        };
        let text = match i % 3 {
            0 => format!("cat /etc/shadow\n{hash_line}"),
            1 => format!("found: {hash_line}"),
            _ => format!("hashcat -m 1800 '{hash_line}' rockyou.txt"),
        };
        out.push(pos("password-hash", text, vec![secret]));
    }
    for _ in 0..5 {
        let keys: Vec<String> = (0..3).map(|_| fill(rng, "{b43}=")).collect();
        let text = format!(
            "Unseal Key 1: {}\nUnseal Key 2: {}\nUnseal Key 3: {}\n\nInitial Root Token: hvs.{}",
            keys[0],
            keys[1],
            keys[2],
            fill(rng, "{A24}")
        );
        out.push(pos("vault-unseal", text, keys));
    }
    for _ in 0..5 {
        let key = format!("{}-{}", rng.below(9) + 1, fill(rng, "{A64}"));
        out.push(pos("truenas-key", format!("midclt call --api-key {key} system.info"), vec![key]));
    }
    for _ in 0..5 {
        let value = fill(rng, "{A24}");
        out.push(pos(
            "aws-session",
            format!("aws_session_token = IQoJb3JpZ2luX2Vj{value}{}", fill(rng, "{b300}")),
            vec![value],
        ));
    }
    for _ in 0..4 {
        let cookie = fill(rng, "{h32}");
        out.push(pos(
            "session-cookie",
            format!("curl --cookie \"_gitlab_session={cookie}\" https://gitlab.corp/api/v4/user"),
            vec![cookie],
        ));
        let d = fill(rng, "xoxd-{u120}");
        out.push(pos("session-cookie", format!("Cookie: d={d}; d-s=1700000000"), vec![d]));
    }
}

/// JSON mode's own forms: a `key: value` on the first line of a string value.
fn json_forms(rng: &mut Rng, out: &mut Vec<Sample>) {
    for _ in 0..8 {
        let value = password(rng).replace(['"', '\\', '\''], "3");
        let key = rng.pick(&["password", "api_key", "token", "secret"]);
        out.push(Sample {
            category: "json-first-line".into(),
            text: format!("{key}: {value}\nhost: db.internal"),
            secrets: vec![value],
            json_only: true,
        });
    }
}

/// Hard negatives: text that looks like a secret or sits where one would, and is not.
fn negatives(rng: &mut Rng, out: &mut Vec<Sample>) {
    for _ in 0..12 {
        out.push(neg("hash", format!("{}  release-1.4.2.tar.gz", fill(rng, "{h64}"))));
        out.push(neg("hash", format!("commit {}\nAuthor: Dev <dev@corp.net>", fill(rng, "{h40}"))));
        out.push(neg("hash", format!("\"etag\": \"{}\"", fill(rng, "{h32}"))));
        out.push(neg("hash", format!("git cherry-pick {}", fill(rng, "{h40}"))));
    }
    for _ in 0..10 {
        out.push(neg("digest", format!("image: nginx@sha256:{}", fill(rng, "{h64}"))));
        out.push(neg("digest", format!("\"digest\": \"sha256:{}\"", fill(rng, "{h64}"))));
        out.push(neg("digest", format!("checksum = \"{}\"", fill(rng, "{h64}"))));
        out.push(neg("digest", format!("SHA512 ({}) = {}", "app.zip", fill(rng, "{h128}"))));
    }
    for _ in 0..10 {
        out.push(neg("uuid", format!("request_id={}", fill(rng, "{uuid}"))));
        out.push(neg("uuid", format!("{{\"session_id\": \"{}\", \"ok\": true}}", fill(rng, "{uuid}"))));
        out.push(neg("uuid", format!("tenant_id: {}", fill(rng, "{uuid}"))));
        out.push(neg("uuid", format!("az account set --subscription {}", fill(rng, "{uuid}"))));
    }
    for _ in 0..10 {
        out.push(neg("lockfile", format!("\"integrity\": \"sha512-{}==\"", fill(rng, "{b86}"))));
        out.push(neg("lockfile", format!("  integrity sha1-{}=", fill(rng, "{b27}"))));
        out.push(neg("lockfile", format!("github.com/pkg/errors v0.9.1 h1:{}=", fill(rng, "{b43}"))));
        out.push(neg(
            "lockfile",
            format!(
                "resolved \"https://registry.yarnpkg.com/left-pad/-/left-pad-1.3.0.tgz#{}\"",
                fill(rng, "{h40}")
            ),
        ));
    }
    let placeholders = [
        "API_KEY=your-api-key-here",
        "password: <password>",
        "token=xxx",
        "PASSWORD=changeme",
        "api_key: \"...\"",
        "secret=short",
        "token: not-a-uuid",
        "key = xxx:yyy",
        "password=####",
        "password=abc123",
        "API_TOKEN=12345678",
        "SECRET=aaaaaaaaaaaa",
        "password = \"abcdefgh\"",
        "OPENAI_API_KEY=sk-proj-abc…",
        "token: sk-...",
        "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "password: \"********\"",
        "api_key = \"<YOUR_API_KEY>\"",
        "STRIPE_SECRET_KEY=sk_live_...",
        "export AWS_SECRET_ACCESS_KEY=REPLACE_ME",
        "db_password: TODO",
        "secret_key = \"insert-secret-here\"",
        "TOKEN=<token>",
        "password=qwerty",
        "\"apiKey\": \"YOUR_API_KEY\"",
        "client_secret: '{{ client_secret }}'",
        "password: %(db_password)s",
        "auth_token=none",
        "PASSWORD=null",
        "token: redacted",
        "password=password123",
        "api_key=1234567890abcdef",
        "api_key=0000000000000000",
        "secret: abcdefghijklmnop",
        "password: hunter2 # example",
        "SECRET_KEY=dev",
        "JWT_SECRET=secret",
        "password: \"\"",
        "token = ''",
        "api_key: ~",
        "PASSWORD=xxxxxxxx",
        "api_token: <redacted>",
        "key: 'sk_test_••••••••••••'",
        "token: ghp_…",
        "password: ****",
        "ACCESS_TOKEN=your_access_token",
        "API_KEY=api-key",
        "SECRET=my-secret",
        "password=test",
        "SECRET_TOKEN=random-string",
    ];
    for p in placeholders {
        out.push(neg("placeholder", p.to_string()));
        out.push(neg("placeholder", format!("  {p}\n")));
    }
    let public_examples = [
        "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        "STRIPE_PUBLISHABLE_KEY=pk_live_51H8abcDEFghiJKLmnoPQRstuVWxyz",
        "NEXT_PUBLIC_SUPABASE_URL=https://abcdefgh.supabase.co",
        "stripe.api_key = \"sk_test_4eC39HqLyjWDarjtT1zdp7dc\"",
        "pk.eyJ1IjoibWFwYm94IiwiYSI6ImNpejY4M29iazA2Z2gycXA4N2pmbDZmangifQ.-g_vE53SD2WrJ6tFX7QHmA",
        "AWS_ACCESS_KEY_ID=AKIAI44QH8DHBEXAMPLE",
        "aws_secret_access_key=je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl dev@laptop",
    ];
    for p in public_examples {
        out.push(neg("public-example", p.to_string()));
        out.push(neg("public-example", format!("# from the docs:\n{p}\n")));
    }
    for _ in 0..4 {
        let pk = fill(rng, "pk_live_{A24}");
        out.push(neg("public-example", format!("STRIPE_PUBLISHABLE_KEY={pk}")));
        let ssh = fill(rng, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{b43} ci@runner");
        out.push(neg("public-example", format!("public_key: {ssh}")));
    }
    let references = [
        "GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}",
        "password: ${DB_PASSWORD}",
        "API_KEY=$API_KEY",
        "token = os.environ[\"API_TOKEN\"]",
        "apiKey: process.env.OPENAI_API_KEY",
        "password: !Ref DbPassword",
        "secret: '{{resolve:secretsmanager:prod/db:SecretString:password}}'",
        "PASSWORD=%DB_PASSWORD%",
        "password: {{ .Values.db.password }}",
        "api_key = ENV['STRIPE_KEY']",
        "DB_PASSWORD=$(cat /run/secrets/db)",
        "token: ${env:GITHUB_TOKEN}",
        "password: \"#{vault.db.password}\"",
        "SECRET_KEY=${SECRET_KEY:?required}",
        "password = getenv(\"DB_PASSWORD\")",
        "auth_token: $(vault kv get -field=token secret/ci)",
        "password: \"{{ lookup('env', 'DB_PASS') }}\"",
        "api_key = settings.API_KEY",
        "token = config[\"token\"]",
        "secret: valueFrom.secretKeyRef.name",
        "client_secret=${{ secrets.AZURE_CLIENT_SECRET }}",
        "password: @Value(\"${db.password}\")",
        "token: $GITLAB_TOKEN",
        "ANTHROPIC_API_KEY=\"${ANTHROPIC_API_KEY}\"",
        "export API_KEY=\"$(op read op://prod/api/key)\"",
    ];
    for r in references {
        out.push(neg("reference", r.to_string()));
        out.push(neg("reference", format!("env:\n  {r}\n")));
    }
    for _ in 0..6 {
        let acct = fill(rng, "{d12}");
        out.push(neg(
            "secret-manager-path",
            format!(
                "secret_arn: arn:aws:secretsmanager:us-east-1:{acct}:secret:prod/db-password-{}",
                fill(rng, "{A6}")
            ),
        ));
        out.push(neg(
            "secret-manager-path",
            format!("password: projects/acme-{}/secrets/db-password/versions/latest", fill(rng, "{a6}")),
        ));
        out.push(neg("secret-manager-path", "vault kv get -field=password secret/data/app/db".to_string()));
        out.push(neg("secret-manager-path", "DB_PASSWORD=op://Production/Postgres/password".to_string()));
        out.push(neg(
            "secret-manager-path",
            format!("api_key: azurekeyvault://kv-{}.vault.azure.net/secrets/api-key", fill(rng, "{a6}")),
        ));
        out.push(neg("secret-manager-path", "token: sm://projects/acme/secrets/ci-token".to_string()));
    }
    for _ in 0..15 {
        out.push(neg(
            "sops",
            format!(
                "password: ENC[AES256_GCM,data:{},iv:{}=,tag:{}==,type:str]",
                fill(rng, "{b24}"),
                fill(rng, "{b43}"),
                fill(rng, "{b22}")
            ),
        ));
        out.push(neg(
            "sops",
            format!(
                "\"api_key\": \"ENC[AES256_GCM,data:{}=,iv:{},tag:{},type:str]\"",
                fill(rng, "{b31}"),
                fill(rng, "{b43}"),
                fill(rng, "{b22}")
            ),
        ));
    }
    for _ in 0..8 {
        let v = fill(rng, "{u43}");
        out.push(neg("csrf", format!("<input type=\"hidden\" name=\"csrf_token\" value=\"{v}\">")));
        out.push(neg("csrf", format!("X-CSRF-Token: {}", fill(rng, "{u43}"))));
        out.push(neg("csrf", format!("authenticity_token={}", fill(rng, "{b43}"))));
        out.push(neg("csrf", format!("\"csrfToken\": \"{}\"", fill(rng, "{h64}"))));
        out.push(neg("csrf", format!("<meta name=\"csrf-token\" content=\"{}\">", fill(rng, "{u40}"))));
    }
    let labels = [
        "password: \"Password\"",
        "label=\"Enter your API key\"",
        "placeholder: \"Your secret token\"",
        "\"password_hint\": \"At least 8 characters\"",
        "\"token_expired\": \"Your session token has expired\"",
        "<label for=\"password\">Password</label>",
        "aria-label=\"Show password\"",
        "\"apiKeyLabel\": \"API key\"",
        "title: Reset your password",
        "\"passwordPlaceholder\": \"Enter password\"",
        "confirm_password: Confirm password",
        "\"secret\": \"Secret\"",
        "token: Token",
        "errors.password.too_short: Password is too short",
        "<input type=\"password\" name=\"password\" autocomplete=\"current-password\">",
        "\"forgotPassword\": \"Forgot password?\"",
        "password_label = \"New password\"",
        "\"apiToken\": \"Generate token\"",
        "secret_help: Keep this secret safe",
        "menu.token_settings = Token settings",
    ];
    for l in labels {
        out.push(neg("ui-label", l.to_string()));
        out.push(neg("ui-label", format!("<form>\n  {l}\n</form>")));
    }
    let code = [
        "password = request.form['password']",
        "token = auth.get_token(user)",
        "apiKey: config.apiKey,",
        "const secret = await vault.read(path);",
        "password: hashPassword(input.password),",
        "self.token = token",
        "api_key=api_key",
        "password=form.cleaned_data['password']",
        "secret_key = settings.SECRET_KEY",
        "let token = next_token();",
        "if password == confirm_password:",
        "token: Option<String>,",
        "password: String,",
        "fn check(password: &str) -> bool",
        "def login(username, password):",
        "return jwt.encode(payload, secret, algorithm=\"HS256\")",
        "const apiKey = useApiKey();",
        "token = tokens[i]",
        "password := r.FormValue(\"password\")",
        "secret = os.urandom(32)",
        "api_key = get_api_key(args.profile)",
        "token = response.json()[\"access_token\"]",
        "password=$(read -s -p 'Password: ' pw; echo $pw)",
        "authToken = localStorage.getItem('authToken')",
        "credentials = service_account.Credentials.from_service_account_file(path)",
        "private_key = load_pem_private_key(data, password=None)",
        "max_tokens: 4096",
        "token_type: bearer",
        "tokenizer: cl100k_base",
        "key_id: 2",
        "password_min_length = 12",
        "TOKEN_TTL_SECONDS=3600",
        "token_url: https://oauth2.googleapis.com/token",
        "secret_name: prod/db",
        "password_reset_url=/account/reset",
        "git checkout feature/password-reset",
        "curl https://api.corp/v1/tokens/list",
        "cat ~/.ssh/id_rsa.pub",
        "next_page_token: CiAKGjBpNDd2Nmp2Zml2cXRwYjBpOXA",
        "sort_key = user_id",
        "cache_key = f\"user:{id}\"",
        "primary_key: id",
        "public_key_path: ~/.ssh/id_ed25519.pub",
        "password_file: /run/secrets/db_password",
        "token_file = \"/var/run/secrets/kubernetes.io/serviceaccount/token\"",
        "PASSWORD_HASHERS = [\"argon2\"]",
        "api_key_header = \"X-API-Key\"",
        "secret_ref: db-credentials",
        "keyring.get_password('svc', user)",
    ];
    for c in code {
        out.push(neg("code", c.to_string()));
        out.push(neg("code", format!("    {c}\n")));
    }
    for _ in 0..10 {
        out.push(neg(
            "binary-data",
            format!("\"thumbnail\": \"data:image/png;base64,iVBORw0KGgo{}\"", fill(rng, "{b200}")),
        ));
        out.push(neg(
            "binary-data",
            format!("font-src url(data:font/woff2;base64,d09GMgABAAAAA{})", fill(rng, "{b120}")),
        ));
        out.push(neg(
            "ids",
            format!("\"trace_id\": \"{}\", \"span_id\": \"{}\"", fill(rng, "{h32}"), fill(rng, "{h16}")),
        ));
        out.push(neg("ids", format!("container {} exited with 0", fill(rng, "{h64}"))));
        out.push(neg(
            "ids",
            format!("ami-{} i-{} vpc-{}", fill(rng, "{h17}"), fill(rng, "{h17}"), fill(rng, "{h8}")),
        ));
        out.push(neg("ids", format!("ssh-keygen -lf key.pub  # SHA256:{}", fill(rng, "{b43}"))));
    }
}

/// The whole corpus of one seed, unwrapped.
pub fn samples(seed: u64) -> Vec<Sample> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::new();
    providers(&mut rng, &mut out);
    grammar(&mut rng, &mut out);
    commands(&mut rng, &mut out);
    structural(&mut rng, &mut out);
    json_forms(&mut rng, &mut out);
    negatives(&mut rng, &mut out);
    out
}
