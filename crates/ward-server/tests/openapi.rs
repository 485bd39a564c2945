//! `/api/openapi.json` describes exactly the routes the server serves: every path and method in
//! the document is answered by a handler (never the 404 fallback, never 405), every method the
//! document leaves out of a path is a 405, and the document's references all resolve.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::Value;
use ward_server::api::{OPENAPI, ROUTES};

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "DELETE", "PATCH"];

fn document() -> Value {
    serde_json::from_str(OPENAPI).expect("openapi.json is JSON")
}

fn documented() -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in document()["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            out.insert((path.clone(), method.to_uppercase()));
        }
    }
    out
}

fn routed() -> BTreeSet<(String, String)> {
    ROUTES
        .iter()
        .flat_map(|(path, methods)| methods.iter().map(move |m| ((*path).to_owned(), (*m).to_owned())))
        .collect()
}

#[test]
fn the_document_lists_exactly_the_routes() {
    let documented = documented();
    let routed = routed();
    let missing: Vec<_> = routed.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&routed).collect();
    assert!(missing.is_empty(), "served but not documented: {missing:?}");
    assert!(extra.is_empty(), "documented but not served: {extra:?}");
}

#[test]
fn every_reference_resolves_and_operations_are_complete() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    fn walk(value: &Value, doc: &Value, refs: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(target)) = map.get("$ref") {
                    let pointer = target.strip_prefix('#').expect("local references only");
                    assert!(doc.pointer(pointer).is_some(), "unresolved {target}");
                    refs.push(target.clone());
                }
                map.values().for_each(|v| walk(v, doc, refs));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, doc, refs)),
            _ => {}
        }
    }
    let mut refs = Vec::new();
    walk(&doc, &doc, &mut refs);
    assert!(refs.len() > 20);
    let mut ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id =
                operation["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path}: operationId"));
            assert!(ids.insert(id.to_owned()), "operationId {id} twice");
            assert!(operation["summary"].is_string(), "{method} {path}: summary");
            assert!(operation["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path}");
        }
    }
}

#[test]
fn the_server_answers_every_documented_route_and_only_those_methods() {
    let dir = tempfile::tempdir().unwrap();
    let config = ward_server::ServeConfig {
        database: dir.path().join("ward.db").display().to_string(),
        listen: "127.0.0.1:0".parse().unwrap(),
        insecure_listen: false,
        data_dir: dir.path().to_owned(),
        workers: 2,
        tls: None,
        retention: ward_server::maintenance::Retention::from_days(90),
    };
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = ward_server::serve(config, |started| sender.send(started.addr).unwrap());
    });
    let addr = receiver.recv_timeout(Duration::from_secs(30)).expect("the server started");
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .allow_non_standard_methods(true)
            .timeout_global(Some(Duration::from_secs(10)))
            .build(),
    );
    let call = |method: &str, path: &str| -> (u16, Value) {
        let request = ureq::http::Request::builder().method(method).uri(format!("http://{addr}{path}"));
        let mut response = agent.run(request.body(Vec::new()).unwrap()).unwrap();
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    };
    let routed = routed();
    for (path, _) in ROUTES {
        for method in METHODS {
            let (status, body) = call(method, path);
            if routed.contains(&((*path).to_owned(), method.to_owned())) {
                assert_ne!(status, 405, "{method} {path} is documented but not served");
                let fallback =
                    body["error"]["message"].as_str().is_some_and(|m| m.contains("no such endpoint"));
                assert!(!fallback, "{method} {path} fell through to the 404 fallback");
            } else {
                assert_eq!(status, 405, "{method} {path} is served but not documented");
                assert_eq!(body["error"]["code"], "method_not_allowed");
            }
        }
    }
    let (status, body) = call("GET", "/api/v1/nothing-here");
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")));
    let (status, served) = call("GET", "/api/openapi.json");
    assert_eq!(status, 200);
    assert_eq!(served, document(), "the document is served as written");
}
