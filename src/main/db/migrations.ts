/**
 * Numbered schema migrations (after Signal Desktop's ts/sql/migrations): `PRAGMA user_version`
 * holds the number of the last step applied, and all pending steps run in ONE immediate
 * transaction, so a crash or a second process opening the same file at the same moment never
 * leaves a half-migrated database. A step, once released, never changes: add a new one.
 *
 * Tables are STRICT (no silent type coercion: a param value stays the text "0.02", a seed stays
 * an integer). Timestamps are ISO-8601 text (`new Date().toISOString()`), which sorts as time.
 */
import type { Database } from 'better-sqlite3'

export interface Migration {
  version: number
  description: string
  up: string | ((db: Database) => void)
}

/** Marks our files (`PRAGMA application_id`), so another program's SQLite file is not migrated. */
export const APPLICATION_ID = 0x534e4e57 // "SNNW"

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'experiments, runs, params, metrics, snapshots, evaluations, tags, notes',
    up: `
      CREATE TABLE experiments (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL
      ) STRICT;

      -- AUTOINCREMENT: a deleted run's id is never handed to a new run (ids appear in file
      -- names, URLs and the user's notes).
      CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        experiment_id INTEGER NOT NULL REFERENCES experiments (id),
        name TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        seed INTEGER NOT NULL,
        preset TEXT NOT NULL,
        engine_version TEXT NOT NULL,
        config_hash TEXT NOT NULL,
        error TEXT,
        done INTEGER NOT NULL DEFAULT 0,
        total INTEGER NOT NULL DEFAULT 0,
        accuracy REAL,
        -- "pid@host" of the process training it, so a startup sweep can tell a run interrupted
        -- by a crash from one another process (CLI next to the app) is still training.
        runner TEXT,
        -- Last: the config is kilobytes (overflow pages); every column a list reads comes
        -- before it, so sorting and filtering 10,000 runs never reads a config.
        config_json TEXT NOT NULL
      ) STRICT;
      CREATE INDEX runs_created ON runs (created_at, id);
      CREATE INDEX runs_status ON runs (status, created_at);
      CREATE INDEX runs_experiment ON runs (experiment_id, created_at);
      CREATE INDEX runs_name ON runs (name COLLATE NOCASE);
      CREATE INDEX runs_accuracy ON runs (accuracy);

      CREATE TABLE params (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (run_id, key)
      ) STRICT, WITHOUT ROWID;
      -- Covers "runs whose key = value" (the primary key's run_id rides along in the index).
      CREATE INDEX params_key_value ON params (key, value);

      CREATE TABLE metrics (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        step INTEGER NOT NULL,
        value REAL, -- NULL stands for NaN (SQLite cannot store NaN)
        time TEXT NOT NULL,
        PRIMARY KEY (run_id, key, step)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE latest_metrics (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        step INTEGER NOT NULL,
        value REAL,
        time TEXT NOT NULL,
        PRIMARY KEY (run_id, key)
      ) STRICT, WITHOUT ROWID;

      -- data last: the columns before a large BLOB can be read without touching its overflow
      -- pages (listing snapshots reads no weights).
      CREATE TABLE snapshots (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        layer INTEGER NOT NULL,
        neurons INTEGER NOT NULL,
        inputs INTEGER NOT NULL,
        dtype TEXT NOT NULL CHECK (dtype IN ('f64')), -- little-endian float64, neuron-major
        rng_json TEXT NOT NULL,
        created_at TEXT NOT NULL,
        data BLOB NOT NULL CHECK (length(data) = neurons * inputs * 8),
        PRIMARY KEY (run_id, step, layer)
      ) STRICT;

      CREATE TABLE evaluations (
        run_id INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
        accuracy REAL,
        train_accuracy REAL,
        payload_json TEXT NOT NULL,
        class_labels_json TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE tags (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        tag TEXT NOT NULL,
        PRIMARY KEY (run_id, tag)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX tags_tag ON tags (tag);

      CREATE TABLE notes (
        run_id INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
        text TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
    `
  },
  {
    version: 2,
    description: 'sweeps, trials, trial reports',
    up: `
      -- AUTOINCREMENT for the same reason as runs: ids are shown and typed by users.
      CREATE TABLE sweeps (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        method TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'paused', 'completed', 'cancelled', 'failed')),
        budget INTEGER NOT NULL CHECK (budget >= 1),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        finished_at TEXT,
        -- "pid@host" of the process scheduling it, as runs.runner: a sweep marked running whose
        -- runner is gone was interrupted and may be resumed by another process.
        runner TEXT,
        error TEXT,
        -- The parsed definition (base config, space, method, …): parses again to itself.
        definition_json TEXT NOT NULL
      ) STRICT;
      CREATE INDEX sweeps_created ON sweeps (created_at, id);

      -- A trial is one point of the space; its run (when it trains in an engine process) may be
      -- deleted later without losing what the trial found.
      CREATE TABLE trials (
        sweep_id INTEGER NOT NULL REFERENCES sweeps (id) ON DELETE CASCADE,
        trial_index INTEGER NOT NULL CHECK (trial_index >= 0),
        run_id INTEGER REFERENCES runs (id) ON DELETE SET NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'pruned', 'failed', 'cancelled')),
        params_json TEXT NOT NULL,
        objective REAL,
        pruned INTEGER NOT NULL DEFAULT 0 CHECK (pruned IN (0, 1)),
        pruned_step INTEGER,
        error TEXT,
        created_at TEXT NOT NULL,
        finished_at TEXT,
        PRIMARY KEY (sweep_id, trial_index)
      ) STRICT;
      -- Deleting a run looks its trials up by run_id (ON DELETE SET NULL).
      CREATE INDEX trials_run ON trials (run_id);

      -- Intermediate objectives (step = training images so far), read by the pruners.
      CREATE TABLE trial_reports (
        sweep_id INTEGER NOT NULL,
        trial_index INTEGER NOT NULL,
        step INTEGER NOT NULL,
        value REAL, -- NULL stands for NaN
        PRIMARY KEY (sweep_id, trial_index, step),
        FOREIGN KEY (sweep_id, trial_index) REFERENCES trials (sweep_id, trial_index) ON DELETE CASCADE
      ) STRICT, WITHOUT ROWID;
    `
  },
  {
    version: 3,
    description: 'model state with each snapshot (diehl-cook-2015: θ, potentials, traces)',
    up: `
      -- A model's state beyond weights and the encoder's generator at a snapshot step, one row
      -- per named array (excitatory.theta, stdp.post1 …), written in the same transaction as
      -- the step's weights: a resumed run continues exactly, evaluation and export read θ.
      -- Runs of models without such state (seed-2017) have no rows. Not WITHOUT ROWID: the
      -- rows are large BLOBs.
      CREATE TABLE snapshot_states (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        name TEXT NOT NULL,
        dtype TEXT NOT NULL CHECK (dtype IN ('f64')), -- little-endian float64
        data BLOB NOT NULL CHECK (length(data) % 8 = 0),
        PRIMARY KEY (run_id, step, name)
      ) STRICT;
    `
  },
  {
    version: 4,
    description: 'metric chunks: a key\'s values of one batch in one row',
    up: `
      -- Per-image metrics (two keys × thousands of images a run) cost ~5 µs a row in metrics;
      -- a chunk holds one key's values of one batch as little-endian float64 BLOBs (NaN kept
      -- as is). Rows of metrics written before this step stay and are read with the chunks.
      -- id is the write order: where chunks (or a chunk and an older metrics row) share a
      -- step, the later one's value counts, as a step logged again (a resumed run) replaces
      -- the old value. Not WITHOUT ROWID: the rows carry BLOBs.
      CREATE TABLE metric_chunks (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        first_step INTEGER NOT NULL,
        count INTEGER NOT NULL CHECK (count >= 1),
        -- NULL: the steps are first_step, first_step + 1, …; else count float64 steps.
        steps BLOB CHECK (steps IS NULL OR length(steps) = 8 * count),
        "values" BLOB NOT NULL CHECK (length("values") = 8 * count),
        time TEXT NOT NULL
      ) STRICT;
      CREATE INDEX metric_chunks_run_key ON metric_chunks (run_id, key, id);
    `
  },
  {
    version: 5,
    description: 'sweeps.stop_trials_requested: pause a sweep another process runs and stop its trials in hand',
    up: `
      -- Set (with status 'paused') by \`sweep pause ID --stop-trials\` or the app's Pause now from
      -- any process; the sweep's scheduler, which re-reads its row every poll, then stops its
      -- trials in hand (recorded cancelled, run again on resume). Any later status change
      -- (resume sets 'running') clears it. Rows of older databases read 0: nothing requested.
      ALTER TABLE sweeps ADD COLUMN stop_trials_requested INTEGER NOT NULL DEFAULT 0 CHECK (stop_trials_requested IN (0, 1));
    `
  }
]

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version

/** The file's schema is newer than any migration this build knows. */
export class SchemaTooNewError extends Error {
  override name = 'SchemaTooNewError'
  constructor(
    readonly found: number,
    readonly known: number
  ) {
    super(`schema version ${found}; this version knows up to ${known}`)
  }
}

/** The file is a SQLite database, but another program's. */
export class ForeignDatabaseError extends Error {
  override name = 'ForeignDatabaseError'
}

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number
}

/**
 * Bring `db` to LATEST_SCHEMA_VERSION. Returns the version found. Throws SchemaTooNewError for a
 * newer file and ForeignDatabaseError for a SQLite file that is not ours.
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number {
  const latest = migrations[migrations.length - 1].version
  const found = schemaVersion(db)
  checkVersion(db, found, latest)
  if (found === latest) return found // the common case takes no write lock

  // Read the version again under the write lock: another process may have migrated meanwhile.
  const apply = db.transaction(() => {
    const current = schemaVersion(db)
    checkVersion(db, current, latest)
    for (const step of migrations) {
      if (step.version <= current) continue
      if (typeof step.up === 'string') db.exec(step.up)
      else step.up(db)
    }
    if (current === 0) db.pragma(`application_id = ${APPLICATION_ID}`)
    db.pragma(`user_version = ${latest}`)
  })
  apply.immediate()
  return found
}

function checkVersion(db: Database, version: number, latest: number): void {
  const applicationId = db.pragma('application_id', { simple: true }) as number
  if (applicationId !== 0 && applicationId !== APPLICATION_ID) {
    throw new ForeignDatabaseError(`it belongs to another application (application_id ${applicationId})`)
  }
  if (version > latest) throw new SchemaTooNewError(version, latest)
  if (version === 0) {
    const objects = db.prepare("SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'").pluck().get() as number
    if (objects > 0) throw new ForeignDatabaseError('it already holds tables of another program')
  } else if (applicationId !== APPLICATION_ID) {
    throw new ForeignDatabaseError(`it has schema version ${version} but no SNN Workbench mark`)
  }
}
