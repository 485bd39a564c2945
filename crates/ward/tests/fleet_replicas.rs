//! Stateless replicas: two `ward serve` processes on one PostgreSQL, side by side. One first
//! start between them; devices enroll through either; the same batches ingested through both at
//! once (a load balancer's retry racing the original) are stored exactly once with the chain
//! intact; daemons ship through both while one replica is killed and its devices fail over; a
//! policy pushed through one is served by the other. Exact counts at the end.

mod fleet_support;

use std::time::Duration;

use fleet_support::*;
use serde_json::{json, Value};

/// The events of an endpoint's spool, in order, as the daemon would send them.
fn spool_events(endpoint: &Endpoint) -> Vec<Value> {
    let mut segments: Vec<_> = std::fs::read_dir(endpoint.data.join("spool"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    segments.sort();
    segments
        .iter()
        .flat_map(|s| std::fs::read_to_string(s).unwrap().lines().map(str::to_owned).collect::<Vec<_>>())
        .map(|line| serde_json::from_str(&line).unwrap())
        .collect()
}

fn credential(endpoint: &Endpoint) -> String {
    let enrollment: Value =
        serde_json::from_slice(&std::fs::read(endpoint.data.join("agent/enrollment.json")).unwrap()).unwrap();
    enrollment["credential"].as_str().unwrap().to_owned()
}

/// Points an endpoint's enrollment at another replica (what a load balancer does for it).
fn repoint(endpoint: &Endpoint, url: &str) {
    let path = endpoint.data.join("agent/enrollment.json");
    let mut enrollment: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    enrollment["server"] = json!(url);
    std::fs::write(&path, enrollment.to_string()).unwrap();
}

#[test]
fn two_replicas_on_one_postgres() {
    let database =
        ward_store::throwaway::fresh_database("fleet_replicas").expect("a PostgreSQL to test against");
    let dir = tempfile::tempdir().unwrap();
    let (data1, data2) = (dir.path().join("replica-1"), dir.path().join("replica-2"));
    let mut one = start_server(&data1, &database, "127.0.0.1:0");
    let mut two = start_server(&data2, &database, "127.0.0.1:0");
    let token = one.enroll_token.clone().expect("the first replica makes the first start");
    assert!(two.enroll_token.is_none(), "exactly one first start per database");
    assert!(!data2.join("server/admin.token").exists());
    let admin = std::fs::read_to_string(data1.join("server/admin.token")).unwrap().trim().to_owned();
    let (url1, url2) = (one.url.clone(), two.url.clone());

    let a = Endpoint::new(dir.path(), "a");
    let b = Endpoint::new(dir.path(), "b");
    let c = Endpoint::new(dir.path(), "c");
    for (endpoint, url) in [(&a, &url1), (&b, &url2), (&c, &url1)] {
        endpoint.hook(0);
        let out = endpoint
            .run(&["agent", "enroll", "--server", url, "--token", &token, "--policy-target", "none"], b"");
        assert_eq!(out.status.code(), Some(0), "{out:?}");
    }

    // a's batches through both replicas at once: every batch twice, concurrently.
    for n in 1..=40 {
        a.hook(n);
    }
    let events = spool_events(&a);
    let bearer = format!("Bearer {}", credential(&a));
    let (mut inserted, mut duplicates) = (0, 0);
    for batch in events.chunks(7) {
        let body = json!({"schema_version": 1, "events": batch}).to_string();
        let answers: Vec<Value> = std::thread::scope(|scope| {
            let posts: Vec<_> = [&url1, &url2]
                .map(|url| {
                    let (body, bearer) = (&body, &bearer);
                    scope.spawn(move || {
                        let answer = http(
                            "POST",
                            &format!("{url}/api/v1/events"),
                            &[("Authorization", bearer), ("Content-Type", "application/json")],
                            body.as_bytes(),
                        );
                        assert_eq!(answer.status, 200, "{}", String::from_utf8_lossy(&answer.body));
                        answer.json()
                    })
                })
                .into_iter()
                .collect();
            posts.into_iter().map(|p| p.join().unwrap()).collect()
        });
        for answer in &answers {
            assert_eq!(answer["findings"], json!([]), "{answer}");
            inserted += answer["inserted"].as_u64().unwrap();
            duplicates += answer["duplicates"].as_u64().unwrap();
        }
    }
    assert_eq!((inserted, duplicates), (events.len() as u64, events.len() as u64));

    // b and c ship through their replicas; replica one dies and c fails over to two.
    for n in 1..=20 {
        b.hook(n);
        c.hook(n);
    }
    let mut daemon_b = b.daemon_with(&["--policy-target", "none"]);
    let mut daemon_c = c.daemon_with(&["--policy-target", "none"]);
    wait_for("c's first events", || count(&url2, &admin, &c.device()) > 0);
    kill9(&mut one.child);
    for n in 21..=40 {
        b.hook(n);
        c.hook(n);
    }
    kill9(&mut daemon_c);
    repoint(&c, &url2);
    daemon_c = c.daemon_with(&["--policy-target", "none"]);
    // A new replica joins on the first one's address.
    one = start_server(&data1, &database, url1.trim_start_matches("http://"));
    assert!(one.enroll_token.is_none());
    for endpoint in [&a, &b, &c] {
        let device = endpoint.device();
        wait_for("every event", || count(&url1, &admin, &device) >= endpoint.recorded());
    }
    std::thread::sleep(Duration::from_millis(300));
    kill9(&mut daemon_b);
    kill9(&mut daemon_c);
    for url in [&url1, &url2] {
        for endpoint in [&a, &b, &c] {
            assert_eq!(count(url, &admin, &endpoint.device()), endpoint.recorded(), "exactly once via {url}");
        }
        let verify = get(&format!("{url}/api/v1/verify"), &admin);
        assert_eq!(verify["intact"], true, "{verify}");
        assert_eq!(verify["devices"].as_array().unwrap().len(), 3);
    }

    // A policy pushed through one replica is what the other serves.
    let policy = dir.path().join("policy.toml");
    let show = a.run(&["policy", "show", "--builtin"], b"");
    std::fs::write(&policy, &show.stdout).unwrap();
    let out = a
        .command(&["admin", "policy", "push", &policy.display().to_string(), "--server", &url1])
        .env("WARD_ADMIN_TOKEN", &admin)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let pushed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let fetched = http("GET", &format!("{url2}/api/v1/policy"), &[("Authorization", &bearer)], b"");
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.header("etag"), Some(format!("\"{}\"", pushed["digest"].as_str().unwrap()).as_str()));
    kill9(&mut one.child);
    kill9(&mut two.child);
}
