//! A generator of realistic audit events for tests and benchmarks: many devices, each with its
//! own valid hash chain; agents, repositories and tiers in plausible proportions; a few percent
//! of calls touching credential paths; redactions with fingerprints that recur across devices.
//! Deterministic for a seed.

use time::{Duration, OffsetDateTime};
use ward_audit::chain::{self, GENESIS_HASH};
use ward_model::{
    Access, Action, Decision, Event, EventKind, EventTime, PathTarget, RedactionRecord, RuleMatch,
};

/// xorshift64*: small, fast, deterministic.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: f64) -> bool {
        (self.next_u64() % 1_000_000) as f64 / 10_000.0 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    /// Picks by weight.
    fn weighted<'a, T>(&mut self, items: &'a [(T, u64)]) -> &'a T {
        let total: u64 = items.iter().map(|(_, w)| w).sum();
        let mut at = self.below(total);
        for (item, weight) in items {
            if at < *weight {
                return item;
            }
            at -= weight;
        }
        &items[items.len() - 1].0
    }
}

const AGENTS: &[(&str, u64)] = &[
    ("claude-code", 35),
    ("codex", 30),
    ("cursor", 15),
    ("gemini-cli", 10),
    ("copilot-cli", 5),
    ("windsurf", 5),
];
const ORGS: &[&str] = &["acme", "acme-infra", "acme-data", "acme-labs"];
/// Credential paths a call touches; `~/` is the device's home (see [`DeviceChain::home`]).
const CREDENTIAL_PATHS: &[&str] = &[
    "~/.aws/credentials",
    ".env",
    ".env.production",
    "~/.ssh/id_ed25519",
    "deploy/key.pem",
    "~/.kube/config",
];

struct DeviceChain {
    id: String,
    seq: u64,
    prev: String,
    user_agents: Vec<&'static str>,
    /// The user's home as the device's agents report paths under it: Linux, macOS or Windows.
    home: String,
}

/// Generates events spread evenly over `[start, start + span)`.
pub struct Generator {
    rng: Rng,
    devices: Vec<DeviceChain>,
    repos: Vec<(String, &'static str)>,
    fingerprints: Vec<String>,
    start_us: i64,
    step_us: i64,
    emitted: u64,
    /// Percent of calls touching a credential path.
    pub credential_percent: f64,
}

impl Generator {
    /// `devices` devices; `total` events expected over `span` (sets the spacing).
    pub fn new(seed: u64, devices: usize, start: OffsetDateTime, span: Duration, total: u64) -> Generator {
        let mut rng = Rng::new(seed);
        let devices = (0..devices)
            .map(|n| {
                let mut user_agents = vec![*rng.weighted(AGENTS)];
                if rng.chance(40.0) {
                    user_agents.push(*rng.weighted(AGENTS));
                }
                DeviceChain {
                    id: format!("{:08x}-dev0-4000-8000-{:012x}", n, rng.next_u64() & 0xffff_ffff_ffff),
                    seq: 0,
                    prev: GENESIS_HASH.to_owned(),
                    user_agents,
                    home: match n % 10 {
                        0..=4 => format!("/home/dev{n}"),
                        5..=8 => format!("/Users/dev{n}"),
                        _ => format!("C:\\Users\\dev{n}"),
                    },
                }
            })
            .collect();
        let repos = (0..300)
            .map(|n| {
                let org = rng.pick(ORGS);
                let tier = match (n % 10, *org) {
                    (_, "acme-infra") => "sensitive",
                    (0..=1, _) => "open",
                    (2, _) => "sensitive",
                    _ => "standard",
                };
                (format!("github.com/{org}/service-{n:03}"), tier)
            })
            .collect();
        let fingerprints = (0..60).map(|_| format!("{:012x}", rng.next_u64() & 0xffff_ffff_ffff)).collect();
        let span_us = (span.whole_microseconds() as i64).max(1);
        Generator {
            rng,
            devices,
            repos,
            fingerprints,
            start_us: (start.unix_timestamp_nanos() / 1_000) as i64,
            step_us: (span_us / total.max(1) as i64).max(1),
            emitted: 0,
            credential_percent: 3.0,
        }
    }

    /// The next `count` events (sealed, each device's chain intact).
    pub fn batch(&mut self, count: usize) -> Vec<Event> {
        (0..count).map(|_| self.next_event()).collect()
    }

    /// The next `count` events of one device picked at random, in its chain order: a batch as a
    /// device ships it (`ward agent` sends up to 1,000 at a time).
    pub fn device_batch(&mut self, count: usize) -> Vec<Event> {
        let device_index = self.rng.below(self.devices.len() as u64) as usize;
        (0..count).map(|_| self.event_of(device_index)).collect()
    }

    /// The next event, from a device picked at random.
    pub fn next_event(&mut self) -> Event {
        let device_index = self.rng.below(self.devices.len() as u64) as usize;
        self.event_of(device_index)
    }

    fn event_of(&mut self, device_index: usize) -> Event {
        let time_us = self.start_us + self.emitted as i64 * self.step_us;
        self.emitted += 1;
        let mut event = Event::draft(EventKind::Decision);
        let agent = *self.rng.pick(&self.devices[device_index].user_agents);
        let (repo, tier) = self.repos[self.rng.below(self.repos.len() as u64) as usize].clone();
        event.agent = Some(agent.to_owned());
        event.session = Some(format!("s-{}", self.rng.below(50_000)));
        event.repo = Some(repo.clone());
        event.tier = Some(tier.to_owned());
        let credential = self.rng.chance(self.credential_percent);
        let action = if credential {
            *self.rng.pick(&[Action::Read, Action::Read, Action::Exec, Action::Network])
        } else {
            *self.rng.weighted(&[
                (Action::Read, 40),
                (Action::Exec, 30),
                (Action::Write, 20),
                (Action::Network, 5),
                (Action::Mcp, 4),
                (Action::Other, 1),
            ])
        };
        event.action = Some(action);
        event.tool = Some(
            match (agent, action) {
                ("claude-code", Action::Read) => "Read",
                ("claude-code", Action::Write) => "Edit",
                ("claude-code", _) => "Bash",
                ("gemini-cli", Action::Exec) => "run_shell_command",
                (_, Action::Mcp) => "mcp__github__create_issue",
                (_, Action::Write) => "apply_patch",
                _ => "shell",
            }
            .to_owned(),
        );
        let file = format!("src/module_{}.rs", self.rng.below(400));
        let path = if credential { (*self.rng.pick(CREDENTIAL_PATHS)).to_owned() } else { file };
        // Agents report paths under the home absolute, as the machine writes them.
        let home = &self.devices[device_index].home;
        let path = match path.strip_prefix("~/") {
            Some(rest) if home.starts_with("C:") => format!("{home}\\{}", rest.replace('/', "\\")),
            Some(rest) => format!("{home}/{rest}"),
            None => path,
        };
        event.paths = vec![PathTarget {
            path: path.clone(),
            access: if action == Action::Write { Access::Write } else { Access::Read },
        }];
        if credential {
            event.classes = vec!["credentials".to_owned()];
        }
        if action == Action::Network {
            event.hosts = vec![(*self.rng.pick(&[
                "registry.npmjs.org",
                "pypi.org",
                "api.github.com",
                "paste.example.com",
            ]))
            .to_owned()];
        }
        let (decision, rule, reason) = if credential && tier == "sensitive" {
            (Decision::Deny, "sensitive.deny-read-credentials", "credential paths are not readable here")
        } else if credential && action == Action::Network {
            (
                Decision::Deny,
                "any.no-credential-exfiltration",
                "sending a credential off the machine is denied",
            )
        } else if credential {
            (Decision::Log, "standard.log-credential-reads", "credential read flagged for review")
        } else if action == Action::Network && tier != "open" {
            (Decision::Ask, "standard.network-prompt", "network access needs approval")
        } else if tier == "open" && action == Action::Write {
            (Decision::Deny, "open.read-only", "open repositories are read-only")
        } else {
            (Decision::Allow, "default", "tier default")
        };
        event.decision = Some(decision);
        event.rule = Some(rule.to_owned());
        event.reason = Some(reason.to_owned());
        event.matched = vec![RuleMatch { rule: rule.to_owned(), decision, reason: reason.to_owned() }];
        if self.rng.chance(1.0) {
            let fingerprint = self.rng.pick(&self.fingerprints).clone();
            event.redactions =
                vec![RedactionRecord { rule: "aws-access-key".to_owned(), fingerprint: fingerprint.clone() }];
            event.input = serde_json::json!({"command": format!("export AWS_KEY=[REDACTED:aws-access-key:{fingerprint}]")});
        } else {
            event.input = serde_json::json!({"file_path": path});
        }
        let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(time_us) * 1_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        event.time = EventTime::from_datetime(at);
        let device = &mut self.devices[device_index];
        device.seq += 1;
        event.seq = device.seq;
        event.device = device.id.clone();
        event.id = format!("{:016x}-{:08x}-{:012x}", time_us, device_index, device.seq);
        event.prev_hash = device.prev.clone();
        // Sealing a freshly built event cannot fail.
        let _ = chain::seal(&mut event);
        device.prev = event.hash.clone();
        event
    }
}
