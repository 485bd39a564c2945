//! Change-triggered inventory scans: `ward agent run` looks at the agents' configuration files
//! and folders (the shared table, [`ward_inventory::Locations::watched_paths`]) every couple of
//! seconds and scans when one of them changed, besides its schedule.
//!
//! Why polling and not inotify/FSEvents (the `notify` crate): the paths are a fixed list of
//! about 80, most of which do not exist on a given machine, and a missing one must be noticed
//! when it appears (an agent installed after the daemon started). A kernel watch needs an
//! existing object, so each missing path would need a watch on its nearest existing ancestor,
//! re-armed as folders appear — usually the home itself, where every file any program writes is
//! an event. And the agents write constantly inside their own folders (`~/.codex/sessions`,
//! `~/.claude/projects`, `~/.claude.json` on every start), so recursive watches would wake the
//! daemon on every agent turn. One `stat` per path per look costs 78 µs for the whole list
//! (`cargo bench -p ward-endpoint --bench config_watch`; docs/fleet.md), and sees a missing path
//! appear.
//!
//! What a look compares, per path: whether it exists, its kind, inode, size, modification and
//! change times (following links, as the agents do). A folder's times change when an entry is
//! added, removed or renamed (an editor's save by rename included), not when a file deep inside
//! it is edited; the scheduled scan covers that.
//!
//! [`ScanTrigger`] turns changes into scans: a scan waits until the paths have been quiet for
//! the debounce (an agent writing its config in several steps is scanned once, after the last),
//! and two change-triggered scans are at least the minimum gap apart (an agent rewriting a file
//! in a loop costs one scan per gap, not one per write).

use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// What a look saw of one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    dir: bool,
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

fn stamp(path: &std::path::Path) -> Option<Stamp> {
    let m = std::fs::metadata(path).ok()?;
    Some(Stamp {
        dir: m.is_dir(),
        dev: m.dev(),
        ino: m.ino(),
        size: if m.is_dir() { 0 } else { m.size() },
        mtime: (m.mtime(), m.mtime_nsec()),
        ctime: (m.ctime(), m.ctime_nsec()),
    })
}

/// The watched paths and what the last look saw of each.
#[derive(Debug)]
pub struct ConfigWatch {
    paths: Vec<(PathBuf, Option<Stamp>)>,
}

impl ConfigWatch {
    /// Starts watching `paths` (what they are now is the baseline).
    pub fn new(paths: Vec<PathBuf>) -> ConfigWatch {
        ConfigWatch {
            paths: paths
                .into_iter()
                .map(|p| {
                    let s = stamp(&p);
                    (p, s)
                })
                .collect(),
        }
    }

    /// The paths watched.
    pub fn paths(&self) -> impl Iterator<Item = &PathBuf> {
        self.paths.iter().map(|(p, _)| p)
    }

    /// One look: the paths that changed since the last one (appeared, disappeared, modified).
    pub fn changed(&mut self) -> Vec<PathBuf> {
        let mut changed = Vec::new();
        for (path, last) in &mut self.paths {
            let now = stamp(path);
            if now != *last {
                *last = now;
                changed.push(path.clone());
            }
        }
        changed
    }
}

/// When a change-triggered scan is due.
#[derive(Debug, Clone)]
pub struct ScanTrigger {
    /// Quiet time after the last change before scanning.
    pub debounce: Duration,
    /// Shortest time between the start of a scan and a change-triggered one after it.
    pub min_gap: Duration,
    last_change: Option<Instant>,
    last_scan: Option<Instant>,
}

impl ScanTrigger {
    pub fn new(debounce: Duration, min_gap: Duration) -> ScanTrigger {
        ScanTrigger { debounce, min_gap, last_change: None, last_scan: None }
    }

    /// Something changed at `now`.
    pub fn changed(&mut self, now: Instant) {
        self.last_change = Some(now);
    }

    /// A change is waiting, quiet for the debounce, and the last scan is at least the minimum
    /// gap ago.
    pub fn due(&self, now: Instant) -> bool {
        let Some(change) = self.last_change else { return false };
        now.saturating_duration_since(change) >= self.debounce
            && self.last_scan.is_none_or(|scan| now.saturating_duration_since(scan) >= self.min_gap)
    }

    /// A scan (scheduled or triggered) started at `now`: it sees every change before it.
    pub fn scanned(&mut self, now: Instant) {
        self.last_scan = Some(now);
        self.last_change = None;
    }
}

/// How [`run_scans`] schedules scans.
#[derive(Debug, Clone)]
pub struct ScanSchedule {
    /// Between scheduled scans (the first is at start).
    pub interval: Duration,
    /// Between looks at the watched paths; `None`: scheduled scans only.
    pub watch_every: Option<Duration>,
    pub debounce: Duration,
    pub min_gap: Duration,
}

/// Why a scan runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanReason {
    /// At start, or the interval passed.
    Scheduled,
    /// These watched paths changed (the first few).
    Changed(Vec<PathBuf>),
}

/// Runs `scan` on the schedule and on changes of `paths` until `stop` is set. `scan` runs on
/// this thread and says whether the snapshot was sent; one that was not (the server
/// unreachable) is tried again the minimum gap later, as a change would be. Changes during a
/// scan are seen at the next look.
pub fn run_scans(
    schedule: &ScanSchedule,
    paths: Vec<PathBuf>,
    stop: &std::sync::atomic::AtomicBool,
    mut scan: impl FnMut(ScanReason) -> bool,
) {
    use std::sync::atomic::Ordering;
    let mut watch = schedule.watch_every.map(|_| ConfigWatch::new(paths));
    let mut trigger = ScanTrigger::new(schedule.debounce, schedule.min_gap);
    let mut next_scheduled = Instant::now();
    let mut pending: Vec<PathBuf> = Vec::new();
    let tick = schedule.watch_every.unwrap_or(schedule.interval).min(Duration::from_millis(500));
    let mut next_look = Instant::now();
    while !stop.load(Ordering::SeqCst) {
        let now = Instant::now();
        if let (Some(watch), Some(every)) = (watch.as_mut(), schedule.watch_every) {
            if now >= next_look {
                next_look = now + every;
                let changed = watch.changed();
                if !changed.is_empty() {
                    trigger.changed(now);
                    for path in changed {
                        if pending.len() < 8 && !pending.contains(&path) {
                            pending.push(path);
                        }
                    }
                }
            }
        }
        let sent = if now >= next_scheduled {
            trigger.scanned(now);
            pending.clear();
            next_scheduled = now + schedule.interval;
            Some(scan(ScanReason::Scheduled))
        } else if trigger.due(now) {
            trigger.scanned(now);
            Some(scan(ScanReason::Changed(std::mem::take(&mut pending))))
        } else {
            None
        };
        if sent == Some(false) {
            // Due again once the gap has passed (the debounce counts from now too).
            trigger.changed(now);
        }
        std::thread::sleep(tick);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appearing_changing_and_disappearing_paths_are_seen() {
        let dir = tempfile::tempdir().unwrap();
        let agent_dir = dir.path().join(".codex");
        let config = agent_dir.join("config.toml");
        let mut watch = ConfigWatch::new(vec![agent_dir.clone(), config.clone()]);
        assert!(watch.changed().is_empty());
        // The agent installed after the watch started.
        std::fs::create_dir(&agent_dir).unwrap();
        assert_eq!(watch.changed(), vec![agent_dir.clone()]);
        std::fs::write(&config, "model = \"a\"\n").unwrap();
        let changed = watch.changed();
        assert!(changed.contains(&config), "{changed:?}");
        assert!(watch.changed().is_empty(), "no change, nothing reported");
        // An edit in place that keeps the size (the change time moves, whatever the mtime).
        std::fs::write(&config, "model = \"b\"\n").unwrap();
        assert_eq!(watch.changed(), vec![config.clone()]);
        // Replaced by rename, as editors save.
        let tmp = agent_dir.join("config.toml.tmp");
        std::fs::write(&tmp, "model = \"b\"\n").unwrap();
        std::fs::rename(&tmp, &config).unwrap();
        assert!(watch.changed().contains(&config));
        std::fs::remove_file(&config).unwrap();
        assert!(watch.changed().contains(&config));
    }

    #[test]
    fn a_scan_waits_for_quiet_and_for_the_gap() {
        let t0 = Instant::now();
        let s = |n: u64| t0 + Duration::from_secs(n);
        let mut trigger = ScanTrigger::new(Duration::from_secs(2), Duration::from_secs(30));
        assert!(!trigger.due(s(100)), "nothing changed");
        trigger.changed(s(1));
        assert!(!trigger.due(s(2)), "not quiet yet");
        trigger.changed(s(2));
        assert!(!trigger.due(s(3)), "a later change restarts the debounce");
        assert!(trigger.due(s(4)));
        trigger.scanned(s(4));
        assert!(!trigger.due(s(10)));
        trigger.changed(s(5));
        assert!(!trigger.due(s(20)), "within the gap of the last scan");
        assert!(trigger.due(s(34)));
        trigger.scanned(s(34));
        // A scheduled scan counts too: it saw the change.
        trigger.changed(s(40));
        trigger.scanned(s(41));
        assert!(!trigger.due(s(100)));
    }

    #[test]
    fn run_scans_scans_at_start_and_after_a_change() {
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::{Arc, Mutex};
        let dir = tempfile::tempdir().unwrap();
        let watched = dir.path().join("mcp.json");
        let schedule = ScanSchedule {
            interval: Duration::from_secs(3600),
            watch_every: Some(Duration::from_millis(20)),
            debounce: Duration::from_millis(50),
            min_gap: Duration::from_millis(50),
        };
        let stop = Arc::new(AtomicBool::new(false));
        let reasons = Arc::new(Mutex::new(Vec::new()));
        let runner = {
            let (stop, reasons, watched) = (Arc::clone(&stop), Arc::clone(&reasons), watched.clone());
            std::thread::spawn(move || {
                run_scans(&schedule, vec![watched], &stop, |reason| {
                    let mut reasons = reasons.lock().unwrap();
                    reasons.push(reason);
                    // The first change-triggered snapshot fails: it is tried again.
                    reasons.len() != 2
                })
            })
        };
        let wait = |n: usize| {
            let started = Instant::now();
            while reasons.lock().unwrap().len() < n {
                assert!(started.elapsed() < Duration::from_secs(20), "{:?}", reasons.lock().unwrap());
                std::thread::sleep(Duration::from_millis(10));
            }
        };
        wait(1);
        std::fs::write(&watched, "{}").unwrap();
        wait(3);
        stop.store(true, Ordering::SeqCst);
        runner.join().unwrap();
        let reasons = reasons.lock().unwrap();
        assert_eq!(reasons[0], ScanReason::Scheduled);
        assert_eq!(reasons[1], ScanReason::Changed(vec![watched]));
        assert_eq!(reasons[2], ScanReason::Changed(vec![]), "the failed snapshot is tried again");
    }
}
