/// Help texts: OVERVIEW, USAGE, OPTIONS and SUBCOMMANDS, printed by `-h`, `--help` and `help <command>`.
enum Help {
    static let storeOption = "  --store <path>          The SQLite store (default: var/onesource.sqlite).\n"
    static let helpOption = "  -h, --help              Show help information.\n"
    static let threadsOption = "  --threads <n>           Threads for parallel stages (default: all cores); results do not depend on it.\n"

    static let main = """
        OVERVIEW: OneSource — one number, one source, one standard for the city's public data.

        USAGE: onesource <subcommand> [options]

        OPTIONS:
        \(helpOption)
        SUBCOMMANDS:
          run                     Run a pipeline: ingest, verify, load, compare, associate, rectify, report.
          stage                   Re-run one stage of an existing run.
          runs                    List runs with their counts.
          summary                 Print the summary of one run.
          findings                List a run's findings (personal data masked).
          lookup                  What the city knows about one key, and why a record is flagged.
          calendar                Working days: add N working days to a date, or check dates.
          tasks                   Rectification tasks: list, show, export per agency, import replies, summary.
          report                  Quality reports of a run (HTML, JSON, CSV), for the city and each agency.
          audit                   The audit trail: runs, stages, input files, exports, replies, reveals.
          prune                   Apply the retention policy and give the space back.
          backup                  Write a consistent copy of the store (while readers and a run go on).
          restore                 Put a backup in the place of the store.
          seal, unseal            Seal data that may no longer be used (kept, not used or shown), or lift a seal.
          destroy                 Destroy a dataset's or a key's values, leaving who, when, why and the counts.
          generate                Write a synthetic city with injected defects and their ground truth.
          catalog check           Check the catalog and list every problem.
          inspect                 Read one export with its dataset's reader, without the store.
          standardize             Put values through a standard: canonical form, or why not.
          help <subcommand>       Show help for a subcommand.

        EXIT CODES: 0 success, 1 could not run, 2 invalid catalog or pipeline, 3 ran but found
          defects (rejected rows, missing or unreadable files, error findings), 64 usage error,
          75 another process is writing to the store.

        """

    static let run = """
        OVERVIEW: Run a pipeline definition: a new run in the store, every stage in order.

        USAGE: onesource run <pipeline.json> [--as-of <date>] [--data <dir>] [--store <path>] [--threads <n>]
               onesource run --resume <id> [--store <path>] [--threads <n>]

        ARGUMENTS:
          <pipeline.json>         A pipeline definition, e.g. Pipelines/nightly.json.

        OPTIONS:
          --as-of <date>          Judge as on this day (rules, deadlines, reports); default today in Beijing.
          --data <dir>            Read the exports from this folder instead of the pipeline's dataRoot.
          --resume <id>           Continue an interrupted run from its first unfinished stage.
        \(storeOption)\(threadsOption)\(helpOption)
        Only one process writes to a store at a time: a second one is refused (exit 75) with the holder named.
        Prints the run summary: files read, rows staged and rejected, and the first rejected rows.
        Exits 0 when clean, 3 when rows were rejected or files were missing, 1 when it could not run.

        """

    static let stage = """
        OVERVIEW: Re-run one stage of an existing run, replacing that stage's output for the run.

        USAGE: onesource stage <name> --run <id> [--store <path>] [--threads <n>]

        ARGUMENTS:
          <name>                  The stage: ingest, verify (standardize and verify), load, compare, associate, rectify or report.

        OPTIONS:
          --run <id>              The run whose stage is re-run (see `onesource runs`).
        \(storeOption)\(threadsOption)\(helpOption)
        Re-running ingest sets the later stages of the run back to pending: re-run them too.

        """

    static let runs = """
        OVERVIEW: List the most recent runs with their status and row counts.

        USAGE: onesource runs [--limit <n>] [--store <path>]

        OPTIONS:
          --limit <n>             How many runs to list (default 20).
        \(storeOption)\(helpOption)
        """

    static let summary = """
        OVERVIEW: Print the summary of one run: stages, files, row accounting, rejected rows.

        USAGE: onesource summary --run <id> [--rejections <n>] [--store <path>]

        OPTIONS:
          --run <id>              The run.
          --rejections <n>        How many rejected rows to list (default 20).
        \(storeOption)\(helpOption)
        """

    static let inspect = """
        OVERVIEW: Read one export file with its dataset's reader and report rows, rejections and speed.
        Nothing is written to the store: use it to check a delivery before a run.

        USAGE: onesource inspect <dataset> <file> [--catalog <dir>] [--rejections <n>]

        ARGUMENTS:
          <dataset>               A dataset id from the catalog, e.g. gongan_household.
          <file>                  The export to read.

        OPTIONS:
          --catalog <dir>         The catalog folder (default: Pipelines/catalog).
          --rejections <n>        How many rejected rows to list (default 20).
        \(helpOption)
        Exits 0 when every row reads, 3 when rows were rejected or the file cannot be read.

        """

    static let standardize = """
        OVERVIEW: Put values through one standard and print, per value, the canonical form (with what was
        changed, after a tab) or `invalid`, a tab, and the reason.

        USAGE: onesource standardize <standard> [<value> ...] [--summary] [--today <date>] [--catalog <dir>] [--divisions <file>]

        ARGUMENTS:
          <standard>              identity_number, credit_code, division_code, date, datetime, phone,
                                  person_name, text, address, licence_id, money, integer, document_number,
                                  or a code table id (gender, ethnicity, …).
          <value>                 Values to check; read from standard input, one per line, when none is given.

        OPTIONS:
          --summary               Print counts (valid, changed, invalid by reason) and the speed instead of each value.
          --today <date>          The reference date for "not in the future" (default: today in Beijing).
          --catalog <dir>         The catalog folder, for code tables (default: Pipelines/catalog).
          --divisions <file>      The division table (default: Pipelines/divisions/gbt2260.tsv).
        \(helpOption)
        Exits 0 when every value is valid, 3 when any is invalid or empty.

        """

    static let findings = """
        OVERVIEW: List the findings of a run, one per line: location, severity, rule, agency, record key and
        the Chinese message. Identity numbers, names, phones and addresses are masked.

        USAGE: onesource findings --run <id> [--dataset <id>] [--rule <id>] [--severity <level>] [--limit <n>] [--store <path>]

        OPTIONS:
          --run <id>              The run.
          --dataset <id>          Only this dataset.
          --rule <id>             Only this rule (e.g. conforms, unique_key).
          --severity <level>      Only error, warning or notice.
          --limit <n>             At most this many lines (default 100).
        \(storeOption)\(helpOption)
        """

    static let lookup = """
        OVERVIEW: Show what the city knows about one key: the base record with the source of every value,
        every agency's value with its provenance, which value won and why, the history of changes and the
        findings of the latest run. This is how to answer an agency that asks "why is our record flagged?".

        USAGE: onesource lookup <key> [--reveal] [--store <path>] [--catalog <dir>] [--divisions <file>]

        ARGUMENTS:
          <key>                   An identity number (18 or 15 digits, full-width, lower-case x), a unified social
                                  credit code, a licence number or a decision number.

        OPTIONS:
          --reveal                Show personal data unmasked. Every reveal is recorded in the store (who, host, when).
        \(storeOption)\(helpOption)
        Exits 0 when the key is known, 3 when nothing is known about it.

        """

    static let calendar = """
        OVERVIEW: The working-day calendar (weekends, holidays and 调休 working days from the State Council
        notices, one file per year under Pipelines/calendar/). A year without its notice is provisional: weekends
        and the statutory holidays only (元旦, 春节, 清明, 劳动节, 端午, 中秋, 国庆), no 调休.

        USAGE: onesource calendar add <date> <n> [--calendar <dir>]
               onesource calendar check <date> ... [--calendar <dir>]
               onesource calendar check [--today <date>] [--store <path>] [--calendar <dir>]

        SUBCOMMANDS:
          add                     Print the date <n> working days after <date> (counting from the day after), and
                                  "暂定" when a day of a provisional year was counted.
          check                   With dates: whether each is a working day and why. Without: where this and next
                                  year's days come from, and the tasks whose provisional due dates the next run will
                                  move (after a year's notice was added).

        OPTIONS:
          --calendar <dir>        The calendar folder (default: Pipelines/calendar).
          --today <date>          The day to judge coverage on (default: today in Beijing).
        \(storeOption)\(helpOption)

        """

    static let tasks = """
        OVERVIEW: Rectification tasks (整改任务, measures art. 12 and 26): made by the rectify stage from findings,
        due in 7 working days; open → 已更正 / 有异议 (agency replies) → 已核销 when a later run gets the record
        again without the problem, or reopened when it still has it. A dispute is decided by the bureau.

        USAGE: onesource tasks list [--agency <code>] [--status <s>] [--rule <id>] [--overdue] [--limit <n>]
               onesource tasks show <id>
               onesource tasks export --agency <code> --out <dir>
               onesource tasks import-replies <file.csv|file.json>
               onesource tasks decide <id> --accept|--reject --reason <text>
               onesource tasks summary

        SUBCOMMANDS:
          list                    Tasks, one per line (status: open, reopened, corrected, disputed, accepted, resolved).
          show                    One task with every change of status.
          export                  The agency's live tasks as <dir>/<agency>/tasks.xlsx (every cell text: keys survive Excel
                                  and WPS), tasks.csv (UTF-8 with BOM) and tasks.json, in Chinese, owner-only; with empty
                                  答复/理由/答复人/答复时间 columns so the same file goes back. Other agencies' keys are masked.
          import-replies          Apply replies from the export sent back (CSV saved by Excel or WPS in any encoding, or
                                  JSON): 任务编号, 答复 (已更正 / 有异议), 理由, 答复人, 答复时间 (or task_id, reply, reason,
                                  who, when). Rows without a reply are skipped; a reply already recorded is not applied
                                  twice. Bad rows are listed with their line; good rows apply.
          decide                  The bureau's decision on a dispute: --reject opens the task again, due in its working
                                  days from today; --accept makes the value an exception no later run raises again.
          summary                 Per agency: tasks, open, overdue, corrected, disputes awaiting a decision and the
                                  longest wait, accepted exceptions, resolved, on time, median working days.

        OPTIONS:
          --today <date>          The date overdue is judged on (default: today in Beijing).
          --catalog <dir>         The catalog (default: Pipelines/catalog).
          --calendar <dir>        The working-day calendar (default: Pipelines/calendar).
        \(storeOption)\(helpOption)
        """

    static let report = """
        OVERVIEW: Measure a run's data quality per agency, dataset and GB/T 36344 dimension and write the reports:
        city.html / city.json, agency-<code>.html / .json (self-contained, Chinese, printable) and metrics.csv.
        Personal data in the reports is masked.

        USAGE: onesource report --run <id> --out <dir> [--agency <code>] [--store <path>]

        OPTIONS:
          --run <id>              The run.
          --out <dir>             Where to write the reports.
          --agency <code>         Only this agency's report (and its metrics).
        \(storeOption)\(helpOption)
        """

    static let audit = """
        OVERVIEW: Query the append-only audit trail (measures art. 23): every run, stage, input file (path, size,
        SHA-256), task export, reply import, report and reveal of personal data, with who, on which host and when.

        USAGE: onesource audit [--since <date>] [--until <date>] [--dataset <id>] [--sha256 <hash>] [--key <key>] [--store <path>]

        OPTIONS:
          --since, --until <date> Only entries on or after / on or before these dates (Beijing time).
          --dataset <id>          Only entries about this dataset.
          --sha256 <hash>         Only entries about the file with this content.
          --key <key>             The files that delivered this record key, and the reveals of it.
          --limit <n>             At most this many entries (default 500).
        \(storeOption)\(helpOption)
        """

    static let generate = """
        OVERVIEW: Write a synthetic city: every agency's exports (formats and encodings as in SampleData), with
        defects injected at a known rate, ground-truth.csv listing each one (file, line, stage, rule), and the
        catalog, division table, calendar and nightly.json to run it as is. Deterministic for a seed.

        USAGE: onesource generate --persons <n> --out <dir> [--seed <s>] [--defect-rate <r>] [--pipelines <dir>]

        OPTIONS:
          --persons <n>           People in the city; the other agencies' data are in proportion.
          --seed <s>              Seed of the generator (default 1).
          --defect-rate <r>       Share of records with an injected defect (default 0.01).
          --pipelines <dir>       Where the catalog, divisions and calendar are copied from (default: Pipelines).
          --night <n>             The same city n nights later: 3 in 1,000 people a night have moved house or
                                  changed phone; the defects and the ground truth stay night 0's (default 0).
        \(helpOption)
        """

    static let catalog = """
        OVERVIEW: Work with the data catalog.

        USAGE: onesource catalog check [--catalog <dir>]

        OPTIONS:
          --catalog <dir>         The catalog folder (default: Pipelines/catalog).
        \(helpOption)
        SUBCOMMANDS:
          check                   Load the catalog and report every problem with its file and JSON path.
                                  Exits 0 when clean, 2 when there are problems.

        """
}
