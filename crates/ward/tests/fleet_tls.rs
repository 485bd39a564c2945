//! Native TLS: `ward serve --tls-cert/--tls-key` with a certificate from a CA made here (rcgen),
//! endpoints that trust exactly the CA given at enrollment (`--ca-cert`, kept with the
//! enrollment), admin queries over HTTPS, and plain HTTP refused off loopback.

mod fleet_support;

use std::path::Path;
use std::process::Command;

use fleet_support::*;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use serde_json::Value;

/// A CA; returns its PEM and an issuer for leaves.
fn ca(name: &str) -> (String, Issuer<'static, KeyPair>) {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    let cert = params.self_signed(&key).unwrap();
    (cert.pem(), Issuer::new(params, key))
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn tls_with_a_private_ca_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let (ca_pem, issuer) = ca("Ward test CA");
    let (other_ca_pem, _) = ca("Someone else's CA");
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    // The chain file: the leaf, then the CA (as servers usually ship it).
    let cert_file = write(dir.path(), "server.pem", &format!("{}{ca_pem}", leaf.pem()));
    let key_file = write(dir.path(), "server.key", &leaf_key.serialize_pem());
    let ca_file = write(dir.path(), "ca.pem", &ca_pem);
    let other_ca_file = write(dir.path(), "other-ca.pem", &other_ca_pem);

    let server_data = dir.path().join("server-data");
    let database = server_data.join("server/ward.db").display().to_string();
    let mut server = start_server_with(
        &server_data,
        &database,
        "127.0.0.1:0",
        &["--tls-cert", &cert_file, "--tls-key", &key_file],
    );
    assert!(server.url.starts_with("https://127.0.0.1:"), "{}", server.url);
    let url = server.url.clone();
    let token = server.enroll_token.clone().unwrap();
    let admin = std::fs::read_to_string(server_data.join("server/admin.token")).unwrap().trim().to_owned();

    let a = Endpoint::new(dir.path(), "a");
    a.hook(0);
    let enroll = |extra: &[&str]| {
        let mut args =
            vec!["agent", "enroll", "--server", &url, "--token", &token, "--policy-target", "none"];
        args.extend_from_slice(extra);
        a.run(&args, b"")
    };
    // Not trusted: the public roots, or another CA.
    for extra in [&[][..], &["--ca-cert", &other_ca_file][..]] {
        let out = enroll(extra);
        assert_ne!(out.status.code(), Some(0), "{extra:?}: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("cannot reach the server") && stderr.contains("ertificate"), "{stderr}");
    }
    assert!(!a.data.join("agent/enrollment.json").exists());
    // A file that is not a certificate is refused before any request.
    let out = enroll(&["--ca-cert", &key_file]);
    assert_ne!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("private key"), "{out:?}");

    let out = enroll(&["--ca-cert", &ca_file]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let enrollment: Value =
        serde_json::from_slice(&std::fs::read(a.data.join("agent/enrollment.json")).unwrap()).unwrap();
    assert_eq!(enrollment["ca_cert"], ca_pem.as_str());

    // The daemon ships over TLS with the CA it kept.
    for n in 1..=5 {
        a.hook(n);
    }
    let out =
        a.run(&["agent", "run", "--once", "--policy-target", "none", "--scan-interval-seconds", "0"], b"");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let query = |extra: &[&str]| {
        let mut args =
            vec!["audit", "query", "", "--count-by", "device", "--server", &url, "--format", "json"];
        args.extend_from_slice(extra);
        a.command(&args).env("WARD_ADMIN_TOKEN", &admin).env_remove("WARD_CA_CERT").output().unwrap()
    };
    let out = query(&["--ca-cert", &ca_file]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["total"].as_u64(), Some(a.recorded()), "{answer}");
    let out = query(&[]);
    assert_eq!(out.status.code(), Some(2), "an untrusted server is an error: {out:?}");

    // Plain HTTP to the TLS port gets no HTTP answer.
    let plain = ureq::get(&url.replace("https://", "http://")).call();
    assert!(plain.is_err() || plain.unwrap().status() != 200);
    kill9(&mut server.child);

    // Plain HTTP is refused off loopback unless insisted on; bad TLS files name the file.
    let serve = |args: &[&str]| {
        Command::new(WARD)
            .args(["serve", "--database", &database])
            .args(args)
            .env("WARD_HOME", &server_data)
            .env("HOME", &server_data)
            .output()
            .unwrap()
    };
    let out = serve(&["--listen", "0.0.0.0:0"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("refusing to serve plain HTTP"), "{out:?}");
    let missing = dir.path().join("missing.pem").display().to_string();
    let out = serve(&["--listen", "127.0.0.1:0", "--tls-cert", &missing, "--tls-key", &key_file]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains(&missing), "{out:?}");
    let out = serve(&["--listen", "127.0.0.1:0", "--tls-cert", &cert_file, "--tls-key", &ca_file]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains(&ca_file), "{out:?}");
    let out = serve(&["--listen", "127.0.0.1:0", "--tls-cert", &cert_file]);
    assert_eq!(out.status.code(), Some(2), "--tls-cert needs --tls-key: {out:?}");
}
