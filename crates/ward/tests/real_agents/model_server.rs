//! A scripted model server on loopback for the real agents: it speaks the three wire protocols
//! the agents use (OpenAI Responses over SSE for Codex, Anthropic Messages over SSE for Claude
//! Code, Gemini `streamGenerateContent`/`generateContent`), answers the agent's main turn with
//! the scripted tool calls one at a time and then a final message, and logs every request so a
//! test can read what the agent sent back after Ward's answer.
//!
//! It is a small std::net server (one thread per connection, `Connection: close`): the agents
//! send a handful of requests per run, and a dependency-free server keeps the test self-contained.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{json, Value};

/// Which wire protocol the server speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    /// OpenAI Responses API (`POST /v1/responses`, SSE), as Codex's custom providers use it.
    Responses,
    /// Anthropic Messages API (`POST /v1/messages`, SSE when `stream` is true).
    Messages,
    /// Gemini (`POST /v1beta/models/M:streamGenerateContent?alt=sse` and `:generateContent`).
    Gemini,
}

/// One request as the agent sent it.
#[derive(Clone, Debug)]
pub struct LoggedRequest {
    pub method: String,
    pub path: String,
    pub body: String,
}

impl LoggedRequest {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// The prefix of every tool-call id the script issues; `<prefix><n>` is the n-th call.
pub const CALL_ID_PREFIX: &str = "ward_call_";

/// One tool call the scripted model makes, in the agent's own tool.
#[derive(Clone, Debug)]
pub enum Step {
    /// A shell command (`exec_command`, `Bash`, `run_shell_command`).
    Shell(String),
    /// A new file `name` in the directory `dir` (the agent's cwd) written with the agent's file
    /// tool: Codex `apply_patch` (freeform, path relative to the cwd), Claude Code `Write` and
    /// Gemini CLI `write_file` (absolute path).
    WriteFile { dir: String, name: String, content: String },
}

/// What the model does in the main turn: the steps, one tool call each, in order, then a final
/// text.
#[derive(Clone, Debug)]
pub struct Script {
    pub steps: Vec<Step>,
    pub final_text: String,
}

pub struct ModelServer {
    pub port: u16,
    log: Arc<Mutex<Vec<LoggedRequest>>>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl ModelServer {
    /// Binds 127.0.0.1 on a free port in the calling thread's network namespace and serves until
    /// dropped.
    pub fn start(api: Api, script: Script) -> std::io::Result<ModelServer> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let script = Arc::new(script);
        let accept = {
            let (log, stop) = (log.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((conn, _)) => {
                            let (log, script) = (log.clone(), script.clone());
                            std::thread::spawn(move || serve_connection(conn, api, &script, &log));
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                            std::thread::sleep(Duration::from_millis(10))
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(10)),
                    }
                }
            })
        };
        Ok(ModelServer { port, log, stop, accept: Some(accept) })
    }

    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.log.lock().unwrap().clone()
    }

    /// A short listing of the requests (method, path, size) for failure messages.
    pub fn summary(&self) -> String {
        self.requests()
            .iter()
            .map(|r| format!("{} {} ({} bytes)", r.method, r.path, r.body.len()))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Drop for ModelServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

fn serve_connection(conn: TcpStream, api: Api, script: &Script, log: &Mutex<Vec<LoggedRequest>>) {
    let _ = conn.set_nonblocking(false);
    let _ = conn.set_read_timeout(Some(Duration::from_secs(30)));
    let Ok(read_half) = conn.try_clone() else { return };
    let mut reader = BufReader::new(read_half);
    let Some(request) = read_request(&mut reader) else { return };
    log.lock().unwrap().push(request.clone());
    let (status, content_type, body) = respond(api, script, &request);
    let mut conn = conn;
    let head = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n",
        body.len()
    );
    let _ = conn.write_all(head.as_bytes());
    let _ = conn.write_all(body.as_bytes());
    let _ = conn.flush();
}

/// Reads one HTTP/1.1 request: request line, headers, then a `content-length` or chunked body.
fn read_request(reader: &mut impl BufRead) -> Option<LoggedRequest> {
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let (mut length, mut chunked) = (0usize, false);
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 {
            return None;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().ok()?,
            "transfer-encoding" => chunked = value.to_ascii_lowercase().contains("chunked"),
            _ => {}
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let size = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).ok()?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else {
        body.resize(length, 0);
        reader.read_exact(&mut body).ok()?;
    }
    Some(LoggedRequest { method, path, body: String::from_utf8_lossy(&body).into_owned() })
}

/// How many of the script's calls already have a result in this request (the agent sends the
/// whole conversation each time, so the count says which step comes next).
fn answered_calls(api: Api, body: &Value) -> usize {
    match api {
        Api::Responses => body["input"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter(|i| {
                        i["type"].as_str().is_some_and(|t| t.ends_with("call_output"))
                            && i["call_id"].as_str().is_some_and(|c| c.starts_with(CALL_ID_PREFIX))
                    })
                    .count()
            })
            .unwrap_or(0),
        Api::Messages => body["messages"]
            .as_array()
            .map(|messages| {
                messages
                    .iter()
                    .filter_map(|m| m["content"].as_array())
                    .flatten()
                    .filter(|b| {
                        b["type"] == "tool_result"
                            && b["tool_use_id"].as_str().is_some_and(|c| c.starts_with(CALL_ID_PREFIX))
                    })
                    .count()
            })
            .unwrap_or(0),
        Api::Gemini => body["contents"]
            .as_array()
            .map(|contents| {
                contents
                    .iter()
                    .filter_map(|c| c["parts"].as_array())
                    .flatten()
                    .filter(|p| p.get("functionResponse").is_some())
                    .count()
            })
            .unwrap_or(0),
    }
}

/// Whether the request offers the shell tool the script calls (side requests such as titles or
/// summaries offer none and get plain text).
fn offers_shell(api: Api, body: &Value) -> bool {
    let names: Vec<&str> = match api {
        Api::Responses => {
            body["tools"].as_array().into_iter().flatten().filter_map(|t| t["name"].as_str()).collect()
        }
        Api::Messages => {
            body["tools"].as_array().into_iter().flatten().filter_map(|t| t["name"].as_str()).collect()
        }
        Api::Gemini => body["tools"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t["functionDeclarations"].as_array())
            .flatten()
            .filter_map(|f| f["name"].as_str())
            .collect(),
    };
    names.contains(&shell_tool(api))
}

/// The agent's own shell tool name.
pub fn shell_tool(api: Api) -> &'static str {
    match api {
        Api::Responses => "exec_command",
        Api::Messages => "Bash",
        Api::Gemini => "run_shell_command",
    }
}

/// The next step for this request: `Some(command index)` for a tool call, `None` for text.
fn next_step(api: Api, script: &Script, body: &Value) -> Option<usize> {
    if !offers_shell(api, body) {
        return None;
    }
    let n = answered_calls(api, body);
    (n < script.steps.len()).then_some(n)
}

fn respond(api: Api, script: &Script, req: &LoggedRequest) -> (&'static str, &'static str, String) {
    let body = req.json();
    let path = req.path.split('?').next().unwrap_or("");
    match api {
        Api::Responses if path.ends_with("/responses") => {
            let step = next_step(api, script, &body);
            ("200 OK", "text/event-stream", responses_sse(script, step))
        }
        Api::Messages if path.ends_with("/count_tokens") => {
            ("200 OK", "application/json", json!({"input_tokens": 100}).to_string())
        }
        Api::Messages if path.ends_with("/messages") => {
            let step = next_step(api, script, &body);
            let message = messages_reply(script, step);
            if body["stream"] == true {
                ("200 OK", "text/event-stream", messages_sse(&message))
            } else {
                ("200 OK", "application/json", message.to_string())
            }
        }
        Api::Gemini if path.ends_with(":countTokens") => {
            ("200 OK", "application/json", json!({"totalTokens": 100}).to_string())
        }
        Api::Gemini if path.ends_with(":streamGenerateContent") || path.ends_with(":generateContent") => {
            let step = next_step(api, script, &body);
            let reply = gemini_reply(script, step, &body).to_string();
            if path.ends_with(":streamGenerateContent") {
                ("200 OK", "text/event-stream", format!("data: {reply}\r\n\r\n"))
            } else {
                ("200 OK", "application/json", reply)
            }
        }
        _ => (
            "404 Not Found",
            "application/json",
            json!({"error": {"message": format!("scripted model server: no route for {}", req.path)}})
                .to_string(),
        ),
    }
}

fn sse_event(out: &mut String, event: &Value) {
    out.push_str(&format!("event: {}\ndata: {event}\n\n", event["type"].as_str().unwrap_or("message")));
}

fn responses_sse(script: &Script, step: Option<usize>) -> String {
    let mut out = String::new();
    sse_event(&mut out, &json!({"type": "response.created", "response": {"id": "resp_ward"}}));
    let item = match step.map(|n| (n, &script.steps[n])) {
        Some((n, Step::Shell(command))) => json!({
            "type": "function_call", "call_id": format!("{CALL_ID_PREFIX}{n}"), "name": "exec_command",
            "arguments": json!({"cmd": command}).to_string()
        }),
        Some((n, Step::WriteFile { name, content, .. })) => json!({
            "type": "custom_tool_call", "call_id": format!("{CALL_ID_PREFIX}{n}"), "name": "apply_patch",
            "input": format!("*** Begin Patch\n*** Add File: {name}\n+{content}\n*** End Patch\n")
        }),
        None => json!({
            "type": "message", "role": "assistant", "id": "msg_ward",
            "content": [{"type": "output_text", "text": script.final_text}]
        }),
    };
    sse_event(&mut out, &json!({"type": "response.output_item.done", "item": item}));
    sse_event(
        &mut out,
        &json!({"type": "response.completed", "response": {"id": "resp_ward", "usage": {
            "input_tokens": 10, "input_tokens_details": null, "output_tokens": 10,
            "output_tokens_details": null, "total_tokens": 20}}}),
    );
    out
}

fn messages_reply(script: &Script, step: Option<usize>) -> Value {
    let (content, stop) = match step.map(|n| (n, &script.steps[n])) {
        Some((n, Step::Shell(command))) => (
            json!([{"type": "tool_use", "id": format!("{CALL_ID_PREFIX}{n}"), "name": "Bash",
                    "input": {"command": command, "description": "scripted step"}}]),
            "tool_use",
        ),
        Some((n, Step::WriteFile { dir, name, content })) => (
            json!([{"type": "tool_use", "id": format!("{CALL_ID_PREFIX}{n}"), "name": "Write",
                    "input": {"file_path": format!("{dir}/{name}"), "content": content}}]),
            "tool_use",
        ),
        None => (json!([{"type": "text", "text": script.final_text}]), "end_turn"),
    };
    json!({
        "id": "msg_ward", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
        "content": content, "stop_reason": stop, "stop_sequence": null,
        "usage": {"input_tokens": 10, "output_tokens": 10}
    })
}

/// The Messages SSE sequence for a complete message (one content block).
fn messages_sse(message: &Value) -> String {
    let mut out = String::new();
    let mut start = message.clone();
    start["content"] = json!([]);
    start["stop_reason"] = Value::Null;
    sse_event(&mut out, &json!({"type": "message_start", "message": start}));
    for (index, block) in message["content"].as_array().into_iter().flatten().enumerate() {
        let (empty, delta) = if block["type"] == "tool_use" {
            let mut empty = block.clone();
            empty["input"] = json!({});
            (empty, json!({"type": "input_json_delta", "partial_json": block["input"].to_string()}))
        } else {
            (json!({"type": "text", "text": ""}), json!({"type": "text_delta", "text": block["text"]}))
        };
        sse_event(&mut out, &json!({"type": "content_block_start", "index": index, "content_block": empty}));
        sse_event(&mut out, &json!({"type": "content_block_delta", "index": index, "delta": delta}));
        sse_event(&mut out, &json!({"type": "content_block_stop", "index": index}));
    }
    sse_event(
        &mut out,
        &json!({"type": "message_delta", "delta": {"stop_reason": message["stop_reason"], "stop_sequence": null},
                "usage": {"output_tokens": 10}}),
    );
    sse_event(&mut out, &json!({"type": "message_stop"}));
    out
}

fn gemini_reply(script: &Script, step: Option<usize>, body: &Value) -> Value {
    let part = match step.map(|n| (n, &script.steps[n])) {
        Some((n, Step::Shell(command))) => json!({"functionCall": {
            "id": format!("{CALL_ID_PREFIX}{n}"), "name": "run_shell_command", "args": {"command": command}}}),
        Some((n, Step::WriteFile { dir, name, content })) => json!({"functionCall": {
            "id": format!("{CALL_ID_PREFIX}{n}"), "name": "write_file",
            "args": {"file_path": format!("{dir}/{name}"), "content": content}}}),
        // Gemini's side calls that expect JSON (e.g. a next-speaker check) set a response schema.
        None if body["generationConfig"]["responseMimeType"] == "application/json" => {
            json!({"text": json!({"reasoning": "the task is complete", "next_speaker": "user"}).to_string()})
        }
        None => json!({"text": script.final_text}),
    };
    json!({
        "candidates": [{"content": {"role": "model", "parts": [part]}, "finishReason": "STOP", "index": 0}],
        "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 10, "totalTokenCount": 20},
        "modelVersion": "gemini-2.5-flash"
    })
}
