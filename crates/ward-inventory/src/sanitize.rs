//! Keeping secret values out of inventory output.
//!
//! Inventory reports identities (command lines, URLs) that users sometimes paste tokens into.
//! Everything that goes into an artifact passes through here first.

/// Names of env vars, headers and flags that carry credentials.
pub fn is_secret_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase().replace('-', "_");
    const WORDS: [&str; 14] = [
        "token",
        "secret",
        "password",
        "passwd",
        "pwd",
        "api_key",
        "apikey",
        "access_key",
        "private_key",
        "credential",
        "auth",
        "session",
        "cookie",
        "client_secret",
    ];
    WORDS.iter().any(|w| n.contains(w)) || n.ends_with("_key") || n == "key"
}

/// A configured value that refers to a secret elsewhere instead of holding it: `${VAR}`,
/// `$VAR`, `${env:VAR}`, `{env:VAR}`, `${input:x}`, `${{ secrets.X }}`, or empty.
pub fn is_reference(value: &str) -> bool {
    let v = value.trim();
    v.is_empty()
        || v.starts_with('$')
        || (v.starts_with("{env:") || v.starts_with("{file:"))
        || (v.contains("${") && v.contains('}'))
        || v.starts_with("op://")
        || v.starts_with("keychain:")
}

/// A value that holds a credential literally: a secret-named setting whose value is not a
/// reference, or any value shaped like a well-known token.
pub fn is_plaintext_secret(name: &str, value: &str) -> bool {
    if is_reference(value) {
        return false;
    }
    let v = value.trim();
    let after_scheme = v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("Basic ")).unwrap_or(v);
    (is_secret_name(name) && after_scheme.len() >= 8 && !is_reference(after_scheme)) || looks_like_token(v)
}

/// Well-known token prefixes; enough for inventory classification (the redaction engine in
/// `ward-redact` is the full detector).
pub fn looks_like_token(v: &str) -> bool {
    const PREFIXES: [&str; 16] = [
        "ghp_",
        "gho_",
        "ghu_",
        "ghs_",
        "ghr_",
        "github_pat_",
        "glpat-",
        "sk-",
        "xoxb-",
        "xoxp-",
        "AKIA",
        "ASIA",
        "AIza",
        "hf_",
        "npm_",
        "pypi-",
    ];
    let t = v.trim();
    t.len() >= 16 && !t.contains(char::is_whitespace) && PREFIXES.iter().any(|p| t.starts_with(p))
}

/// Mask credentials in a command-line argument list: values after secret-named flags
/// (`--token X`, `--api-key=X`), token-shaped arguments and URL userinfo.
pub fn scrub_args(args: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len());
    let mut mask_next = false;
    for a in args {
        if mask_next {
            out.push(masked());
            mask_next = false;
            continue;
        }
        if let Some(flag) = a.strip_prefix('-').map(|f| f.trim_start_matches('-')) {
            if let Some((name, value)) = flag.split_once('=') {
                if is_secret_name(name) && !is_reference(value) {
                    out.push(format!("{}={}", &a[..a.len() - value.len() - 1], masked()));
                    continue;
                }
            } else if is_secret_name(flag) {
                mask_next = true;
            }
        }
        out.push(scrub_text(a));
    }
    out
}

/// Mask URL userinfo, secret-named query parameters and token-shaped words in free text.
pub fn scrub_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&scrub_word(word));
    }
    out
}

fn scrub_word(word: &str) -> String {
    if looks_like_token(word) {
        return masked();
    }
    if let Some((name, value)) = word.split_once('=') {
        if !name.contains("://") && is_secret_name(name) && !is_reference(value) && !value.is_empty() {
            return format!("{name}={}", masked());
        }
    }
    if let Some(scheme_end) = word.find("://") {
        return scrub_url(word, scheme_end);
    }
    word.to_owned()
}

fn scrub_url(url: &str, scheme_end: usize) -> String {
    let rest_start = scheme_end + 3;
    let rest = &url[rest_start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let mut out = url[..rest_start].to_owned();
    match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            match userinfo.split_once(':') {
                Some((user, _pw)) => out.push_str(&format!("{user}:{}", masked())),
                None if looks_like_token(userinfo) || userinfo.len() >= 20 => out.push_str(&masked()),
                None => out.push_str(userinfo),
            }
            out.push_str(&authority[at..]);
        }
        None => out.push_str(authority),
    }
    let tail = &rest[authority_end..];
    match tail.split_once('?') {
        Some((path, query)) => {
            out.push_str(path);
            out.push('?');
            let params: Vec<String> = query
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, v)) if (is_secret_name(k) || k == "sig" || k == "key") && !v.is_empty() => {
                        format!("{k}={}", masked())
                    }
                    _ => kv.to_owned(),
                })
                .collect();
            out.push_str(&params.join("&"));
        }
        None => out.push_str(tail),
    }
    out
}

fn masked() -> String {
    "[REDACTED]".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn masks_flag_values_and_tokens() {
        let out = scrub_args(&s(&[
            "-y",
            "server",
            "--api-key",
            "abc123secret",
            "--token=zzz999",
            "ghp_0123456789abcdefghijABCDEFGHIJ012345",
        ]));
        assert_eq!(out, s(&["-y", "server", "--api-key", "[REDACTED]", "--token=[REDACTED]", "[REDACTED]"]));
    }

    #[test]
    fn masks_url_userinfo_and_query() {
        assert_eq!(scrub_text("postgres://app:hunter2@db:5432/x"), "postgres://app:[REDACTED]@db:5432/x");
        assert_eq!(scrub_text("https://h/mcp?api_key=abc&x=1"), "https://h/mcp?api_key=[REDACTED]&x=1");
    }

    #[test]
    fn references_are_not_secrets() {
        assert!(!is_plaintext_secret("GITHUB_TOKEN", "${GITHUB_TOKEN}"));
        assert!(!is_plaintext_secret("API_KEY", "${env:API_KEY}"));
        assert!(!is_plaintext_secret("API_KEY", "{env:API_KEY}"));
        assert!(is_plaintext_secret("GITHUB_TOKEN", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"));
        assert!(is_plaintext_secret("Authorization", "Bearer abcdefgh12345678"));
        assert!(!is_plaintext_secret("Authorization", "Bearer ${TOKEN}"));
        assert!(!is_plaintext_secret("LOG_LEVEL", "debug"));
    }
}
