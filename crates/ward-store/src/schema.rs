//! The stores' schema and its versioned migrations, one list per dialect. Migrations run at
//! open, in order, each in its own transaction, recorded in `schema_migrations`; a store written
//! by a newer Ward (a version this one does not know) is refused rather than misread.
//!
//! Tables (the logical schema `ward-query` compiles against), as of version 10 (version 6 changed
//! one index on each store, versions 7, 8 and 10 rewrote path rows, not the tables, version 9
//! added an index; PostgreSQL's version 11 narrowed one):
//!
//! * `events` — one row per event: `pk`, `time_us` (µs since the epoch), `seq`, `hash`, one
//!   text column per scalar query field (`agent`, `device`, `kind`, `decision`, `tier`, `repo`,
//!   `tool`, `action`, `session`, `cwd`, `id`). Kept narrow so scans and lookups touch few pages.
//! * `event_bodies` — `(pk, time_us, raw)`: the event's canonical JSON **without** `hash` (the
//!   bytes its hash is computed over, so ingest serializes an event once; the hash is put back
//!   from `events.hash` on read — version-1 rows still carry it, which reads the same). Read only
//!   for the events a query lists.
//! * `event_tags` — `(event_pk, field, value, time_us)`: one row per value of a set field
//!   (`class`, `rule`, `host`, `fingerprint`, `path`; since version 7 a path's row holds its
//!   canonical form, `~/.ssh/x` for `~//.ssh/x`, since version 8 without ASCII case and since
//!   version 10 without the non-ASCII letters read as ASCII ones (`ward_model::path_case`),
//!   `~/.ssh/x` for `~/.SSH/X`; the spelling stays in the body). Stored in event order (SQLite: clustered
//!   on `(event_pk, field, value)`), so inserts append and `--count-by rule` joins read it in
//!   order.
//!   Since version 4 the `class` rows also carry the event's `agent` and `device` (NULL on other
//!   fields' rows): the credential question (`class:… --count-by agent,device`) is then answered
//!   from the tag rows alone.
//! * `devices` — each device's chain position (`last_seq`, `last_hash`) and event count; since
//!   version 3 also the highest seq received (`max_seq`), findings recorded (`findings`) and, for
//!   batches the fleet server received, when (`last_seen_us`) and the agent's `version`: all
//!   written in the batch's own transaction, so ingest makes one write per batch, not two.
//! * `findings` — chain problems found at ingest (gap, broken_link, bad_hash, restart,
//!   reordered, conflict).
//! * `meta` — small key/value state (the local indexer's checkpoint).
//!
//! On PostgreSQL `events`, `event_bodies` and `event_tags` are partitioned by `time_us`, one
//! partition per UTC day (created at ingest), so retention drops whole partitions.
//!
//! **Indexes: only what the documented queries (`docs/query.md`) need**, each one costing every
//! insert. Versions 2, 4, 5 and 6 keep:
//!
//! | index | serves |
//! |---|---|
//! | `events (time_us)` (PostgreSQL: its primary key, below) | `since:`/`until:` windows; newest-first listing (`ORDER BY time_us DESC LIMIT n` walks it backwards and stops; on SQLite only when the count says many events match, see `SqliteStore::events_and_total`) |
//! | `events (id, time_us)` unique | idempotent ingest (an event is identified by id and time); `id:` |
//! | `events (device, seq)` | `device:` ("what did this machine do") |
//! | `events (decision, time_us)`, on SQLite + `tier`, `agent`, `action`, `tool` (version 6) | `decision:deny since:7d`, the most asked narrow question, and the same with the filters asked beside it (`decision:deny -tier:open`, `decision:ask agent:codex`, `--count-by tier,agent`): read from the index alone, no row per match |
//! | `events (repo, time_us)` | `repo:github.com/acme/*` (a prefix: SQLite GLOB and PostgreSQL LIKE in the C collation use it) |
//! | `event_tags (field, value, time_us)` + event key, **but for `path`** (version 5) | every set term but `path:`: `class:`, `rule:`, `fingerprint:`, `host:` |
//! | `event_tags (time_us, value)` + event key, **only `field = 'path'`** (version 5) | `path:` terms: the paths of the query's window, read index-only and matched one by one (inserts append, in time order) |
//! | `event_tags (value)`, **only path values with `*`, `?`, `[` or `{`** (version 9) | a `path:` term's first step: the stored globs (`cat ~/.s?h/id_rsa`), read whole and intersected with the question in Rust (`ward_query::Query::with_globbed_paths`); few rows, so inserts barely pay |
//! | `event_tags (event_pk …)`, on PostgreSQL **but for `path`** (version 11) | `--count-by class/rule/…` joins (a `--count-by path` join reads the path index by the event's time), retention (SQLite: the clustering key) |
//! | `event_tags (value, time_us)` + `agent`, `device`, event key, **only `field = 'class'`** (version 4) | the credential question and any `class:` term counted by agent/device: one index range, no lookup per match (a partial index: 3% of the rows, so inserts barely pay for it) |
//! | PostgreSQL: `events` primary key `(time_us, pk) INCLUDE (agent, device)` (version 6; `(pk, time_us)` before) | a set term's matches are looked up in their day's partition by key (equality on both columns, so either order serves); carrying `agent` and `device` in the key's index makes the credential question (`--count-by agent,device`) an index-only lookup per match, no heap page; time first, it is also the time index |
//!
//! Split in version 5: `event_tags_lookup` no longer holds `path` values (a partial index,
//! `WHERE field <> 'path'`), and `event_tags_path` holds them in time order instead (the two
//! predicates are `ward_query::sql::VALUE_INDEX_PREDICATE` and `PATH_INDEX_PREDICATE`). A path
//! is a row per tool call with as many distinct values as files the agents touch: in the value
//! index its entries landed at random places and cost a third of a bulk load's writer time on
//! SQLite; in time order they append. The price: a `path:` term reads every path of the query's
//! window (index-only) instead of seeking to a value, which only a literal or a prefix could
//! use; the usual path question (`path:*/.ssh/*`, a leading wildcard) read them all before as
//! well. The path question with a purpose, "which calls touched credentials", is `class:`,
//! which stays indexed by value.
//!
//! Widened in version 6, SQLite only: `events_decision_time` carries `tier`, `agent`, `action`
//! and `tool` as trailing key columns. A decision question almost always comes with one of them,
//! and without them each match cost a row lookup: `ward audit query 'decision:deny -tier:open'
//! --limit 50` over a 500k-event local index read 23k rows to count its 6.5k matches,
//! 90–230 ms; from the index, 11–12 ms. The entries are wider, the number of index inserts the
//! same (bulk load within noise, back to back). On PostgreSQL the same columns (as INCLUDE) cost
//! about 5% of its bulk load, which is short of its budget already, for 1–2 ms on its windowed
//! decision questions (day partitions keep their row lookups few), so PostgreSQL's version 6 is
//! another change (below).
//!
//! Reordered in version 6, PostgreSQL only: the primary key is `(time_us, pk)`, and `events_time`
//! is gone. A key lookup gives both columns, so the order does not matter to it, while time first
//! makes the key serve time windows and the newest-first walk (`ORDER BY time_us DESC, pk DESC`,
//! the listing's own order) as well: one B-tree fewer per inserted event. Bulk load, backend CPU
//! per event at 1M events, two rounds back to back: 24.6/24.9 µs before, 21.4/21.4 µs after
//! (32.4k → 36.5k events/s); the questions' times within noise.
//!
//! Dropped in version 2: `events (agent, time_us)` and `events (tier, time_us)` (a handful of
//! values each, a third of the rows per value: a time-range scan is as fast and costs no
//! insert), `event_bodies (time_us)` and `event_tags (time_us)` (retention deletes by event key
//! on SQLite and drops partitions on PostgreSQL).

/// Version 3, the same on both stores: the device's chain state kept with its row (written in
/// ingest's one transaction).
const DEVICE_CHAIN_STATE: &str = r#"
ALTER TABLE devices ADD COLUMN max_seq BIGINT;
ALTER TABLE devices ADD COLUMN findings BIGINT NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN last_seen_us BIGINT;
ALTER TABLE devices ADD COLUMN version TEXT;
"#;

/// Version 7, the same on both stores: every stored path is in its canonical form (resolved
/// against the event's `cwd`, lexically normal: `ward_query::path_form`), as ingest now writes
/// it. No table or index changes: the stored paths are rewritten at [`PATH_VALUES_VERSION`].
pub const CANONICAL_PATHS_VERSION: i64 = 7;
/// Version 8, the same on both stores: stored paths are also without ASCII case
/// (`ward_query::path_form::path_value`), as ingest now writes them. No table or index changes.
pub const FOLDED_PATHS_VERSION: i64 = 8;
/// Version 10, the same on both stores: stored paths also have the non-ASCII letters a
/// case-insensitive file system takes for ASCII ones folded (`ſ` → `s`,
/// `ward_model::path_case`), as ingest now writes them. No table or index changes; a store at
/// version 8 or 9 rewrites only its paths with non-ASCII text (no other value changed).
pub const LOOKALIKE_PATHS_VERSION: i64 = 10;
/// The version at which a store rewrites the path values it holds into what ingest writes now
/// (`crate::ingest::paths_to_rewrite`, in Rust: the form is not SQL), inside the migration's
/// transaction: the latest version that changed that form. A store below it passes through it,
/// so the rewrite runs once whatever version the store starts from. Every server replica must
/// run this version before it ingests again: an older one still connected would go on writing
/// paths in the older form.
pub const PATH_VALUES_VERSION: i64 = LOOKALIKE_PATHS_VERSION;
/// The SQL of versions 7, 8 and 10 does nothing: the work is the Rust step at [`PATH_VALUES_VERSION`].
const PATH_VALUES: &str = "SELECT 1";
/// Version 9, both stores: an index of the path values that may be shell globs
/// (`ward_query::sql::glob_path_predicate`), which a `path:` question reads whole first to find
/// the globs that could name what it asks about (`cat ~/.s?h/id_rsa` for `path:~/.ssh/*`).
pub const GLOB_PATHS_VERSION: i64 = 9;

/// Version 11, PostgreSQL only: the event index of `event_tags` (`event_tags_event`) leaves out
/// the `path` rows (`WHERE` `ward_query::sql::VALUE_INDEX_PREDICATE`, as the value index). A
/// path row's event is found by the path index instead, which holds the partition key first
/// and the event key beside it (`(time_us, value) INCLUDE (event_pk)`): a `--count-by path`
/// join looks the event's time up there. Path rows are half the tag rows (one per tool call),
/// so this is one index entry fewer per event: 4.5% of the backend's instructions on the bulk
/// load (callgrind, docs/query.md). SQLite keeps the index whole: it is that table's
/// clustering key.
pub const EVENT_INDEX_WITHOUT_PATHS_VERSION: i64 = 11;

/// (version, SQL) for SQLite.
pub const SQLITE_MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        r#"
CREATE TABLE events (
    pk        INTEGER PRIMARY KEY,
    time_us   INTEGER NOT NULL,
    seq       INTEGER NOT NULL,
    hash      TEXT NOT NULL,
    "agent" TEXT, "device" TEXT NOT NULL, "kind" TEXT NOT NULL, "decision" TEXT, "tier" TEXT,
    "repo" TEXT, "tool" TEXT, "action" TEXT, "session" TEXT, "cwd" TEXT, "id" TEXT NOT NULL
);
CREATE TABLE event_bodies (
    pk      INTEGER PRIMARY KEY,
    time_us INTEGER NOT NULL,
    raw     TEXT NOT NULL
);
CREATE INDEX event_bodies_time ON event_bodies (time_us);
CREATE UNIQUE INDEX events_id ON events ("id");
CREATE INDEX events_time ON events (time_us);
CREATE INDEX events_device_seq ON events ("device", seq);
CREATE INDEX events_agent_time ON events ("agent", time_us);
CREATE INDEX events_decision_time ON events ("decision", time_us);
CREATE INDEX events_tier_time ON events ("tier", time_us);
CREATE INDEX events_repo_time ON events ("repo", time_us);
CREATE TABLE event_tags (
    event_pk INTEGER NOT NULL,
    time_us  INTEGER NOT NULL,
    field    TEXT NOT NULL,
    value    TEXT NOT NULL
);
CREATE INDEX event_tags_lookup ON event_tags (field, value, event_pk);
CREATE INDEX event_tags_event ON event_tags (event_pk, field, value);
CREATE INDEX event_tags_time ON event_tags (time_us);
CREATE TABLE devices (
    device     TEXT PRIMARY KEY,
    last_seq   INTEGER NOT NULL,
    last_hash  TEXT NOT NULL,
    events     INTEGER NOT NULL
);
CREATE TABLE findings (
    pk          INTEGER PRIMARY KEY,
    device      TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    message     TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    detected_us INTEGER NOT NULL
);
CREATE INDEX findings_device ON findings (device, seq);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"#,
    ),
    (
        2,
        r#"
DROP INDEX IF EXISTS events_agent_time;
DROP INDEX IF EXISTS events_tier_time;
DROP INDEX IF EXISTS event_bodies_time;
DROP INDEX IF EXISTS events_id;
CREATE UNIQUE INDEX events_id_time ON events ("id", time_us);
CREATE TABLE event_tags_v2 (
    event_pk INTEGER NOT NULL,
    field    TEXT NOT NULL,
    value    TEXT NOT NULL,
    time_us  INTEGER NOT NULL,
    PRIMARY KEY (event_pk, field, value)
) WITHOUT ROWID;
INSERT OR IGNORE INTO event_tags_v2 (event_pk, field, value, time_us)
    SELECT event_pk, field, value, time_us FROM event_tags;
DROP TABLE event_tags;
ALTER TABLE event_tags_v2 RENAME TO event_tags;
CREATE INDEX event_tags_lookup ON event_tags (field, value, time_us);
"#,
    ),
    (3, DEVICE_CHAIN_STATE),
    (
        4,
        r#"
ALTER TABLE event_tags ADD COLUMN "agent" TEXT;
ALTER TABLE event_tags ADD COLUMN "device" TEXT;
UPDATE event_tags SET
    "agent" = (SELECT e."agent" FROM events e WHERE e.pk = event_tags.event_pk),
    "device" = (SELECT e."device" FROM events e WHERE e.pk = event_tags.event_pk)
    WHERE field = 'class';
CREATE INDEX event_tags_class ON event_tags (value, time_us, "agent", "device") WHERE field = 'class';
"#,
    ),
    (
        5,
        r#"
DROP INDEX IF EXISTS event_tags_lookup;
CREATE INDEX event_tags_lookup ON event_tags (field, value, time_us) WHERE field <> 'path';
CREATE INDEX IF NOT EXISTS event_tags_path ON event_tags (time_us, value) WHERE field = 'path';
"#,
    ),
    (
        6,
        r#"
DROP INDEX IF EXISTS events_decision_time;
CREATE INDEX events_decision_time ON events ("decision", time_us, "tier", "agent", "action", "tool");
"#,
    ),
    (CANONICAL_PATHS_VERSION, PATH_VALUES),
    (FOLDED_PATHS_VERSION, PATH_VALUES),
    (
        GLOB_PATHS_VERSION,
        "CREATE INDEX IF NOT EXISTS event_tags_path_glob ON event_tags (value) WHERE field = 'path' AND \
         (instr(value, '*') > 0 OR instr(value, '?') > 0 OR instr(value, '[') > 0 OR instr(value, '{') > 0);",
    ),
    (LOOKALIKE_PATHS_VERSION, PATH_VALUES),
];

/// (version, SQL) for PostgreSQL.
pub const POSTGRES_MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        r#"
CREATE SEQUENCE events_pk_seq;
CREATE TABLE events (
    pk        BIGINT NOT NULL,
    time_us   BIGINT NOT NULL,
    seq       BIGINT NOT NULL,
    hash      TEXT NOT NULL,
    "agent" TEXT, "device" TEXT NOT NULL, "kind" TEXT NOT NULL, "decision" TEXT, "tier" TEXT,
    "repo" TEXT, "tool" TEXT, "action" TEXT, "session" TEXT, "cwd" TEXT, "id" TEXT NOT NULL,
    PRIMARY KEY (pk, time_us),
    UNIQUE ("id", time_us)
) PARTITION BY RANGE (time_us);
CREATE TABLE events_default PARTITION OF events DEFAULT;
CREATE TABLE event_bodies (
    pk      BIGINT NOT NULL,
    time_us BIGINT NOT NULL,
    raw     TEXT NOT NULL,
    PRIMARY KEY (pk, time_us)
) PARTITION BY RANGE (time_us);
CREATE TABLE event_bodies_default PARTITION OF event_bodies DEFAULT;
CREATE INDEX events_time ON events (time_us);
CREATE INDEX events_device_seq ON events ("device", seq);
CREATE INDEX events_agent_time ON events ("agent", time_us);
CREATE INDEX events_decision_time ON events ("decision", time_us);
CREATE INDEX events_tier_time ON events ("tier", time_us);
CREATE INDEX events_repo_time ON events ("repo", time_us);
CREATE TABLE event_tags (
    event_pk BIGINT NOT NULL,
    time_us  BIGINT NOT NULL,
    field    TEXT NOT NULL,
    value    TEXT NOT NULL
) PARTITION BY RANGE (time_us);
CREATE TABLE event_tags_default PARTITION OF event_tags DEFAULT;
CREATE INDEX event_tags_lookup ON event_tags (field, value, event_pk);
CREATE INDEX event_tags_event ON event_tags (event_pk, field, value);
CREATE TABLE devices (
    device     TEXT PRIMARY KEY,
    last_seq   BIGINT NOT NULL,
    last_hash  TEXT NOT NULL,
    events     BIGINT NOT NULL
);
CREATE TABLE findings (
    pk          BIGSERIAL PRIMARY KEY,
    device      TEXT NOT NULL,
    seq         BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    message     TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    detected_us BIGINT NOT NULL
);
CREATE INDEX findings_device ON findings (device, seq);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"#,
    ),
    (
        2,
        r#"
DROP INDEX IF EXISTS events_agent_time;
DROP INDEX IF EXISTS events_tier_time;
DROP INDEX IF EXISTS event_tags_lookup;
DROP INDEX IF EXISTS event_tags_event;
CREATE INDEX event_tags_lookup ON event_tags (field, value, time_us) INCLUDE (event_pk);
CREATE INDEX event_tags_event ON event_tags (event_pk);
ALTER TABLE events DROP CONSTRAINT events_pkey;
ALTER TABLE events ADD PRIMARY KEY (pk, time_us) INCLUDE ("agent", "device");
"#,
    ),
    (3, DEVICE_CHAIN_STATE),
    (
        4,
        r#"
ALTER TABLE event_tags ADD COLUMN "agent" TEXT, ADD COLUMN "device" TEXT;
UPDATE event_tags t SET "agent" = e."agent", "device" = e."device"
    FROM events e WHERE e.pk = t.event_pk AND e.time_us = t.time_us AND t.field = 'class';
CREATE INDEX event_tags_class ON event_tags (value, time_us) INCLUDE (event_pk, "agent", "device")
    WHERE field = 'class';
"#,
    ),
    (
        5,
        r#"
DROP INDEX IF EXISTS event_tags_lookup;
CREATE INDEX event_tags_lookup ON event_tags (field, value, time_us) INCLUDE (event_pk)
    WHERE field <> 'path';
CREATE INDEX IF NOT EXISTS event_tags_path ON event_tags (time_us, value) INCLUDE (event_pk) WHERE field = 'path';
"#,
    ),
    (
        6,
        r#"
ALTER TABLE events DROP CONSTRAINT events_pkey;
ALTER TABLE events ADD PRIMARY KEY (time_us, pk) INCLUDE ("agent", "device");
DROP INDEX IF EXISTS events_time;
"#,
    ),
    (CANONICAL_PATHS_VERSION, PATH_VALUES),
    (FOLDED_PATHS_VERSION, PATH_VALUES),
    (
        GLOB_PATHS_VERSION,
        "CREATE INDEX IF NOT EXISTS event_tags_path_glob ON event_tags (value) WHERE field = 'path' AND \
         (strpos(value, '*') > 0 OR strpos(value, '?') > 0 OR strpos(value, '[') > 0 OR strpos(value, '{') > 0);",
    ),
    (LOOKALIKE_PATHS_VERSION, PATH_VALUES),
    (
        EVENT_INDEX_WITHOUT_PATHS_VERSION,
        "DROP INDEX IF EXISTS event_tags_event;
CREATE INDEX event_tags_event ON event_tags (event_pk) WHERE field <> 'path';",
    ),
];

/// Microseconds in a day: the PostgreSQL partition width.
pub const DAY_US: i64 = 86_400_000_000;
