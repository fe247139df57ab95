/// The store's schema, as an ordered list of migrations; `PRAGMA user_version` records how many ran.
public enum Schema {
    /// Each entry moves the schema from version `index` to `index + 1`. Never edit a shipped entry:
    /// append a new one.
    static let migrations: [String] = [
        // 1: run ledger, input files, rejections.
        """
        CREATE TABLE runs (
            run_id      INTEGER PRIMARY KEY AUTOINCREMENT,
            pipeline    TEXT NOT NULL,
            pipeline_path TEXT NOT NULL,
            definition  TEXT NOT NULL,
            started_at  TEXT NOT NULL,
            finished_at TEXT,
            status      TEXT NOT NULL,
            user_name   TEXT NOT NULL,
            host_name   TEXT NOT NULL
        );
        CREATE TABLE run_stages (
            run_id      INTEGER NOT NULL REFERENCES runs(run_id),
            stage       TEXT NOT NULL,
            position    INTEGER NOT NULL,
            status      TEXT NOT NULL,
            started_at  TEXT,
            finished_at TEXT,
            records_in  INTEGER NOT NULL DEFAULT 0,
            records_out INTEGER NOT NULL DEFAULT 0,
            records_rejected INTEGER NOT NULL DEFAULT 0,
            message     TEXT,
            PRIMARY KEY (run_id, stage)
        );
        CREATE TABLE run_files (
            file_id     INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id      INTEGER NOT NULL REFERENCES runs(run_id),
            dataset_id  TEXT NOT NULL,
            path        TEXT NOT NULL,
            size_bytes  INTEGER,
            sha256      TEXT,
            status      TEXT NOT NULL CHECK (status IN ('ingested', 'missing', 'failed')),
            rows_read   INTEGER NOT NULL DEFAULT 0,
            rows_staged INTEGER NOT NULL DEFAULT 0,
            rows_rejected INTEGER NOT NULL DEFAULT 0,
            blank_lines INTEGER NOT NULL DEFAULT 0,
            staging_first INTEGER,
            staging_last  INTEGER,
            error       TEXT
        );
        CREATE INDEX run_files_by_run ON run_files(run_id, dataset_id);
        CREATE TABLE rejections (
            run_id      INTEGER NOT NULL REFERENCES runs(run_id),
            dataset_id  TEXT NOT NULL,
            file_id     INTEGER NOT NULL REFERENCES run_files(file_id),
            line        INTEGER,
            record_index INTEGER,
            field       TEXT,
            reason      TEXT NOT NULL,
            raw         TEXT
        );
        CREATE INDEX rejections_by_run ON rejections(run_id, dataset_id);
        CREATE TABLE staging_tables (
            dataset_id  TEXT PRIMARY KEY,
            table_name  TEXT NOT NULL UNIQUE
        );
        """,
        // 2: findings of the verify stage (and later comparison stages).
        """
        CREATE TABLE findings (
            finding_id  INTEGER PRIMARY KEY,
            run_id      INTEGER NOT NULL REFERENCES runs(run_id),
            stage       TEXT NOT NULL,
            rule_id     TEXT NOT NULL,
            dimension   TEXT NOT NULL,
            severity    TEXT NOT NULL CHECK (severity IN ('error', 'warning', 'notice')),
            agency      TEXT NOT NULL,
            dataset_id  TEXT NOT NULL,
            record_key  TEXT,
            element     TEXT,
            observed    TEXT,
            expected    TEXT,
            reason      TEXT,
            file_id     INTEGER,
            line        INTEGER,
            record_index INTEGER,
            message     TEXT NOT NULL
        );
        CREATE INDEX findings_by_run ON findings(run_id, stage, dataset_id);
        CREATE TABLE standardized_tables (
            dataset_id  TEXT PRIMARY KEY,
            table_name  TEXT NOT NULL UNIQUE
        );
        """,
        // 3: base databases' bookkeeping: loads, value history, quarantine, reveals of personal data.
        """
        CREATE TABLE base_loads (
            run_id      INTEGER NOT NULL REFERENCES runs(run_id),
            base        TEXT NOT NULL,
            records     INTEGER NOT NULL,
            inserted    INTEGER NOT NULL,
            changed     INTEGER NOT NULL,
            values_changed INTEGER NOT NULL,
            PRIMARY KEY (run_id, base)
        );
        CREATE TABLE base_history (
            history_id  INTEGER PRIMARY KEY,
            base        TEXT NOT NULL,
            record_key  TEXT NOT NULL,
            element     TEXT NOT NULL,
            old_value   TEXT,
            old_file_id INTEGER,
            old_line    INTEGER,
            new_value   TEXT,
            new_file_id INTEGER,
            new_line    INTEGER,
            replaced_by_run INTEGER NOT NULL,
            replaced_at TEXT NOT NULL
        );
        CREATE INDEX base_history_by_key ON base_history(base, record_key);
        CREATE INDEX base_history_by_run ON base_history(replaced_by_run);
        CREATE TABLE quarantine (
            run_id      INTEGER NOT NULL REFERENCES runs(run_id),
            dataset_id  TEXT NOT NULL,
            file_id     INTEGER NOT NULL,
            line        INTEGER,
            record_index INTEGER,
            record_key  TEXT,
            raw         TEXT NOT NULL,
            reasons     TEXT NOT NULL
        );
        CREATE INDEX quarantine_by_run ON quarantine(run_id, dataset_id);
        CREATE TABLE reveals (
            revealed_at TEXT NOT NULL,
            user_name   TEXT NOT NULL,
            host_name   TEXT NOT NULL,
            lookup_key  TEXT NOT NULL,
            command     TEXT NOT NULL
        );
        """,
        // 4: rectification tasks and their life.
        """
        CREATE TABLE tasks (
            task_id     INTEGER PRIMARY KEY,
            identity    TEXT NOT NULL UNIQUE,
            rule_id     TEXT NOT NULL,
            agency      TEXT NOT NULL,
            dataset_id  TEXT NOT NULL,
            record_key  TEXT NOT NULL,
            element     TEXT NOT NULL,
            severity    TEXT NOT NULL,
            status      TEXT NOT NULL CHECK (status IN ('open', 'corrected', 'disputed', 'resolved', 'reopened')),
            observed    TEXT,
            expected    TEXT,
            expected_source TEXT,
            message     TEXT NOT NULL,
            path        TEXT,
            line        INTEGER,
            first_run   INTEGER NOT NULL,
            last_seen_run INTEGER NOT NULL,
            issued_on   TEXT NOT NULL,
            due_on      TEXT NOT NULL,
            resolved_on TEXT,
            resolved_run INTEGER,
            reply       TEXT,
            reply_reason TEXT,
            reply_by    TEXT,
            reply_at    TEXT,
            previous    TEXT
        );
        CREATE INDEX tasks_by_agency ON tasks(agency, status);
        CREATE TABLE task_events (
            event_id    INTEGER PRIMARY KEY,
            task_id     INTEGER NOT NULL REFERENCES tasks(task_id),
            run_id      INTEGER,
            at          TEXT NOT NULL,
            from_status TEXT,
            to_status   TEXT NOT NULL,
            note        TEXT
        );
        CREATE INDEX task_events_by_task ON task_events(task_id);
        CREATE TABLE rectify_runs (
            run_id      INTEGER PRIMARY KEY,
            rectified_at TEXT NOT NULL
        );
        """,
        // 5: quality measurements per run, kept so trends can be drawn.
        """
        CREATE TABLE quality_metrics (
            run_id      INTEGER NOT NULL REFERENCES runs(run_id),
            agency      TEXT NOT NULL,
            dataset_id  TEXT NOT NULL,
            dimension   TEXT NOT NULL,
            numerator   INTEGER NOT NULL,
            denominator INTEGER NOT NULL,
            PRIMARY KEY (run_id, dataset_id, dimension)
        );
        CREATE TABLE quality_deliveries (
            run_id      INTEGER NOT NULL REFERENCES runs(run_id),
            dataset_id  TEXT NOT NULL,
            status      TEXT NOT NULL,
            delivered_on TEXT,
            age_days    INTEGER,
            allowed_days INTEGER NOT NULL,
            late        INTEGER NOT NULL,
            duplicate_of_run INTEGER,
            records     INTEGER NOT NULL,
            previous_records INTEGER,
            sharp_change INTEGER NOT NULL,
            PRIMARY KEY (run_id, dataset_id)
        );
        """,
        // 6: the audit trail (measures art. 23: every data event traceable); append-only, enforced by triggers.
        """
        CREATE TABLE audit (
            audit_id    INTEGER PRIMARY KEY,
            at          TEXT NOT NULL,
            user_name   TEXT NOT NULL,
            host_name   TEXT NOT NULL,
            action      TEXT NOT NULL,
            run_id      INTEGER,
            dataset_id  TEXT,
            path        TEXT,
            size_bytes  INTEGER,
            sha256      TEXT,
            counts      TEXT,
            outcome     TEXT NOT NULL
        );
        CREATE INDEX audit_by_time ON audit(at);
        CREATE INDEX audit_by_sha ON audit(sha256);
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
        """,
        // 7: tasks know their stage, how their due date was reached (provisional calendar years are recomputed),
        // the bureau's decision on a dispute and an accepted exception's value; the run that last changed them.
        // A run may be dated (`run --as-of`): its rules, deadlines and reports judge as on that day.
        // SQLite cannot change a CHECK constraint in place: the table is rebuilt (foreign keys checked at commit).
        """
        PRAGMA defer_foreign_keys = ON;
        CREATE TABLE tasks_v7 (
            task_id     INTEGER PRIMARY KEY,
            identity    TEXT NOT NULL UNIQUE,
            rule_id     TEXT NOT NULL,
            stage       TEXT,
            agency      TEXT NOT NULL,
            dataset_id  TEXT NOT NULL,
            record_key  TEXT NOT NULL,
            element     TEXT NOT NULL,
            severity    TEXT NOT NULL,
            status      TEXT NOT NULL CHECK (status IN ('open', 'corrected', 'disputed', 'resolved', 'reopened', 'accepted')),
            observed    TEXT,
            expected    TEXT,
            expected_source TEXT,
            message     TEXT NOT NULL,
            path        TEXT,
            line        INTEGER,
            record_index INTEGER,
            first_run   INTEGER NOT NULL,
            last_seen_run INTEGER NOT NULL,
            changed_run INTEGER,
            issued_on   TEXT NOT NULL,
            due_on      TEXT NOT NULL,
            due_from    TEXT NOT NULL,
            due_days    INTEGER,
            due_provisional INTEGER NOT NULL DEFAULT 0,
            resolved_on TEXT,
            resolved_run INTEGER,
            reply       TEXT,
            reply_reason TEXT,
            reply_by    TEXT,
            reply_at    TEXT,
            decision    TEXT,
            decision_reason TEXT,
            decided_by  TEXT,
            decided_at  TEXT,
            accepted_value TEXT,
            previous    TEXT
        );
        INSERT INTO tasks_v7 (task_id, identity, rule_id, agency, dataset_id, record_key, element, severity, status, observed, expected,
                              expected_source, message, path, line, first_run, last_seen_run, changed_run, issued_on, due_on, due_from,
                              resolved_on, resolved_run, reply, reply_reason, reply_by, reply_at, previous)
        SELECT task_id, identity, rule_id, agency, dataset_id, record_key, element, severity, status, observed, expected,
               expected_source, message, path, line, first_run, last_seen_run, max(last_seen_run, coalesce(resolved_run, 0)), issued_on,
               due_on, issued_on, resolved_on, resolved_run, reply, reply_reason, reply_by, reply_at, previous
        FROM tasks;
        DROP TABLE tasks;
        ALTER TABLE tasks_v7 RENAME TO tasks;
        CREATE INDEX tasks_by_agency ON tasks(agency, status);
        CREATE INDEX tasks_by_dataset ON tasks(dataset_id, status);
        CREATE INDEX tasks_by_changed_run ON tasks(changed_run);
        ALTER TABLE runs ADD COLUMN as_of TEXT;
        """,
        // 8: each file's records as counted from its raw bytes, independently of the reader, and the CSV lines that
        // records spanning lines took beyond their first: read + continuation lines must equal the count.
        """
        ALTER TABLE run_files ADD COLUMN rows_counted INTEGER;
        ALTER TABLE run_files ADD COLUMN continuation_lines INTEGER NOT NULL DEFAULT 0;
        """,
        // 9: the store over a year (measures art. 22). A file's delivered copies (staging, standardized, quarantined
        // values, rejected lines' text) may be pruned by the retention policy, when is recorded; sealed data is kept but
        // not used, shared, exported or shown; destroyed data leaves who, when, why and the key's hash, not its values.
        """
        ALTER TABLE run_files ADD COLUMN pruned_at TEXT;
        CREATE TABLE seals (
            seal_id     INTEGER PRIMARY KEY,
            dataset_id  TEXT,
            record_key  TEXT,
            sealed_at   TEXT NOT NULL,
            sealed_by   TEXT NOT NULL,
            reason      TEXT NOT NULL,
            basis       TEXT NOT NULL,
            unsealed_at TEXT,
            unsealed_by TEXT,
            unseal_reason TEXT,
            CHECK (dataset_id IS NOT NULL OR record_key IS NOT NULL)
        );
        CREATE INDEX seals_in_force ON seals(record_key, dataset_id) WHERE unsealed_at IS NULL;
        CREATE TABLE destructions (
            destruction_id INTEGER PRIMARY KEY,
            dataset_id  TEXT,
            key_sha256  TEXT,
            destroyed_at TEXT NOT NULL,
            destroyed_by TEXT NOT NULL,
            reason      TEXT NOT NULL,
            basis       TEXT NOT NULL,
            removed     TEXT NOT NULL
        );
        """,
        // 10: what ingest learns for later stages, recorded with its files instead of handed over in memory: whether it
        // standardized and verified the file's rows as it staged them (verify then has nothing left to do), and how the
        // dataset's keys arrived (the number of ascending streams over all its files this run; -1: more than load's
        // limit; NULL: not counted), which load uses to choose how to write the bases.
        """
        ALTER TABLE run_files ADD COLUMN verified_at_ingest INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE run_files ADD COLUMN key_streams INTEGER;
        """,
        // 11: the request ledger (measures art. 11, 15): data demands and share requests between agencies, with their
        // working-day deadlines and the answers, deliveries and the data bureau's decisions.
        """
        CREATE TABLE requests (
            request_id  INTEGER PRIMARY KEY,
            kind        TEXT NOT NULL CHECK (kind IN ('demand', 'share')),
            requester   TEXT NOT NULL,
            source      TEXT NOT NULL,
            dataset_id  TEXT,
            elements    TEXT NOT NULL,
            purpose     TEXT NOT NULL,
            status      TEXT NOT NULL CHECK (status IN ('pending', 'agreed', 'delivered', 'approved', 'refused', 'escalated')),
            filed_on    TEXT NOT NULL,
            answer_due  TEXT NOT NULL,
            answer_due_provisional INTEGER NOT NULL DEFAULT 0,
            answered_on TEXT,
            refusal_reason TEXT,
            refusal_basis TEXT,
            granted     TEXT,
            deliver_due TEXT,
            deliver_due_provisional INTEGER NOT NULL DEFAULT 0,
            delivered_on TEXT,
            decided_on  TEXT,
            decision_reason TEXT
        );
        CREATE INDEX requests_by_source ON requests(source, status);
        """,
        // 12: a run's findings by rule. The reports list each frequent rule's first findings and count them; by the index
        // on (run, stage, dataset) each of those read every finding of the run (0.4 s of a 1M-person night's report).
        """
        CREATE INDEX findings_by_rule ON findings(run_id, rule_id);
        """,
        // 13: a task's status checked by comparisons, not `IN (…)`: SQLite builds a list of more than two values into a
        // temporary b-tree each time a statement runs, and the check runs for every task inserted or updated (1M-person
        // night: 24,716 new tasks, a third of the rectify stage's instructions). The same six statuses; the table is
        // rebuilt. Its rows are put back after the new table has the name `tasks`: the events' foreign key, which the
        // drop left unsatisfied (deferred), is satisfied again by those inserts, not by a rename.
        """
        PRAGMA defer_foreign_keys = ON;
        CREATE TEMP TABLE tasks_v12 AS SELECT * FROM tasks;
        DROP TABLE tasks;
        CREATE TABLE tasks (
            task_id     INTEGER PRIMARY KEY,
            identity    TEXT NOT NULL UNIQUE,
            rule_id     TEXT NOT NULL,
            stage       TEXT,
            agency      TEXT NOT NULL,
            dataset_id  TEXT NOT NULL,
            record_key  TEXT NOT NULL,
            element     TEXT NOT NULL,
            severity    TEXT NOT NULL,
            status      TEXT NOT NULL CHECK (status = 'open' OR status = 'corrected' OR status = 'disputed' OR status = 'resolved'
                                            OR status = 'reopened' OR status = 'accepted'),
            observed    TEXT,
            expected    TEXT,
            expected_source TEXT,
            message     TEXT NOT NULL,
            path        TEXT,
            line        INTEGER,
            record_index INTEGER,
            first_run   INTEGER NOT NULL,
            last_seen_run INTEGER NOT NULL,
            changed_run INTEGER,
            issued_on   TEXT NOT NULL,
            due_on      TEXT NOT NULL,
            due_from    TEXT NOT NULL,
            due_days    INTEGER,
            due_provisional INTEGER NOT NULL DEFAULT 0,
            resolved_on TEXT,
            resolved_run INTEGER,
            reply       TEXT,
            reply_reason TEXT,
            reply_by    TEXT,
            reply_at    TEXT,
            decision    TEXT,
            decision_reason TEXT,
            decided_by  TEXT,
            decided_at  TEXT,
            accepted_value TEXT,
            previous    TEXT
        );
        INSERT INTO tasks (task_id, identity, rule_id, stage, agency, dataset_id, record_key, element, severity, status, observed, expected,
                               expected_source, message, path, line, record_index, first_run, last_seen_run, changed_run, issued_on,
                               due_on, due_from, due_days, due_provisional, resolved_on, resolved_run, reply, reply_reason, reply_by,
                               reply_at, decision, decision_reason, decided_by, decided_at, accepted_value, previous)
        SELECT task_id, identity, rule_id, stage, agency, dataset_id, record_key, element, severity, status, observed, expected,
                               expected_source, message, path, line, record_index, first_run, last_seen_run, changed_run, issued_on,
                               due_on, due_from, due_days, due_provisional, resolved_on, resolved_run, reply, reply_reason, reply_by,
                               reply_at, decision, decision_reason, decided_by, decided_at, accepted_value, previous
        FROM temp.tasks_v12 ORDER BY task_id;
        DROP TABLE temp.tasks_v12;
        CREATE INDEX tasks_by_agency ON tasks(agency, status);
        CREATE INDEX tasks_by_dataset ON tasks(dataset_id, status);
        CREATE INDEX tasks_by_changed_run ON tasks(changed_run);
        """,
    ]

    /// The schema version this build writes.
    public static var currentVersion: Int { migrations.count }

    /// Brings the database up to `currentVersion`, one migration per transaction.
    /// - Throws: `SQLiteError`, or `StoreError.newerSchema` when the file was written by a newer build.
    public static func migrate(_ database: Database) throws {
        let version = Int(try database.queryScalarInt("PRAGMA user_version") ?? 0)
        if version > currentVersion {
            throw StoreError.newerSchema(path: database.path, found: version, supported: currentVersion)
        }
        for index in version..<currentVersion {
            try database.transaction {
                try database.execute(migrations[index])
                try database.execute("PRAGMA user_version = \(index + 1)")
            }
        }
    }
}

/// Errors about the store as a whole, rather than one SQL statement.
public enum StoreError: Error, CustomStringConvertible {
    case newerSchema(path: String, found: Int, supported: Int)
    case olderSchema(path: String, found: Int, current: Int, why: String)
    case noStore(path: String)
    case noSuchRun(Int64)
    /// A write was interrupted (a run killed while ingest wrote) and this user may not write the store to roll it back.
    case interruptedWrite(path: String)

    public var description: String {
        switch self {
        case .interruptedWrite(let path):
            return "store \(path) was left in the middle of a write (a run was stopped while ingest wrote; \(path)-journal holds what it "
                + "changed): reading it now could show half of that write. It is put back when a user who may write the store and its "
                + "folder opens it: as that user, run any onesource command on it (onesource runs --store \(path)), or resume the run."
        case .newerSchema(let path, let found, let supported):
            return "store \(path) has schema version \(found); this build supports up to \(supported). Use a newer onesource."
        case .olderSchema(let path, let found, let current, let why):
            return "store \(path) has schema version \(found) and this build reads version \(current); migrating it needs to write it, "
                + "which cannot be done now: \(why)"
        case .noStore(let path):
            return "no store at \(path) (a run creates it: onesource run Pipelines/nightly.json --store \(path))"
        case .noSuchRun(let id):
            return "no run with id \(id) in the store"
        }
    }
}
