//! Counters of one server process, rendered as Prometheus text for `GET /metrics`. Per process
//! by design (each replica is scraped on its own); fleet totals come from the store.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct Metrics {
    pub requests: AtomicU64,
    pub client_errors: AtomicU64,
    pub server_errors: AtomicU64,
    pub ingest_batches: AtomicU64,
    pub events_inserted: AtomicU64,
    pub events_duplicate: AtomicU64,
    pub chain_findings: AtomicU64,
    pub enrollments: AtomicU64,
    /// Sum of ingest handling time, microseconds (with `ingest_batches`, the mean).
    pub ingest_micros: AtomicU64,
    /// Maintenance passes (retention, partitions ahead) completed and failed.
    pub maintenance_runs: AtomicU64,
    pub maintenance_failures: AtomicU64,
    /// Events retention removed, and (PostgreSQL) day partitions it dropped.
    pub retention_deleted_events: AtomicU64,
    pub retention_dropped_partitions: AtomicU64,
}

impl Metrics {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// The Prometheus text exposition format (version 0.0.4).
    pub fn render(&self) -> String {
        let rows: [(&str, &str, &AtomicU64); 13] = [
            ("ward_http_requests_total", "HTTP requests handled", &self.requests),
            ("ward_http_client_errors_total", "Requests answered with a 4xx status", &self.client_errors),
            ("ward_http_server_errors_total", "Requests answered with a 5xx status", &self.server_errors),
            ("ward_ingest_batches_total", "Ingest batches stored", &self.ingest_batches),
            ("ward_ingest_events_inserted_total", "Events stored by ingest", &self.events_inserted),
            (
                "ward_ingest_events_duplicate_total",
                "Events received again and skipped (same id)",
                &self.events_duplicate,
            ),
            (
                "ward_ingest_chain_findings_total",
                "Chain findings (gap, broken link, restart, …) at ingest",
                &self.chain_findings,
            ),
            ("ward_enrollments_total", "Devices enrolled or re-enrolled", &self.enrollments),
            ("ward_ingest_seconds_total", "Time spent handling ingest batches", &self.ingest_micros),
            (
                "ward_maintenance_runs_total",
                "Maintenance passes completed (retention, partitions ahead)",
                &self.maintenance_runs,
            ),
            ("ward_maintenance_failures_total", "Maintenance passes that failed", &self.maintenance_failures),
            (
                "ward_retention_events_deleted_total",
                "Events removed for being older than the retention window",
                &self.retention_deleted_events,
            ),
            (
                "ward_retention_partitions_dropped_total",
                "Day partitions dropped whole by retention (PostgreSQL)",
                &self.retention_dropped_partitions,
            ),
        ];
        let mut out = String::new();
        for (name, help, counter) in rows {
            let value = counter.load(Ordering::Relaxed);
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            if name == "ward_ingest_seconds_total" {
                let _ = writeln!(out, "{name} {}.{:06}", value / 1_000_000, value % 1_000_000);
            } else {
                let _ = writeln!(out, "{name} {value}");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let metrics = Metrics::default();
        Metrics::add(&metrics.events_inserted, 5);
        Metrics::add(&metrics.ingest_micros, 1_500_000);
        let text = metrics.render();
        assert!(text.contains(
            "# TYPE ward_ingest_events_inserted_total counter\nward_ingest_events_inserted_total 5\n"
        ));
        assert!(text.contains("ward_ingest_seconds_total 1.500000\n"));
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let (name, value) = line.split_once(' ').unwrap();
            assert!(name.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{line}");
            assert!(value.parse::<f64>().is_ok(), "{line}");
        }
    }
}
