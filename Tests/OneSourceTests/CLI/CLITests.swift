import Foundation
import Testing
@testable import OneSource

@Suite struct CLITests {
    @Test func helpPrintsTheSectionsAndExitsZero() throws {
        for arguments in [["--help"], ["-h"], ["help"]] {
            let result = try runBinary(arguments)
            #expect(result.status == 0)
            #expect(result.stdout.hasPrefix("OVERVIEW: OneSource"))
            #expect(result.stdout.contains("USAGE: onesource <subcommand> [options]"))
            #expect(result.stdout.contains("SUBCOMMANDS:"))
        }
        let run = try runBinary(["help", "run"])
        #expect(run.status == 0)
        #expect(run.stdout == (try runBinary(["run", "--help"])).stdout)
        #expect(run.stdout.contains("USAGE: onesource run <pipeline.json> [--as-of <date>] [--data <dir>] [--store <path>]"))
    }

    @Test func usageErrorsExit64WithTheUsage() throws {
        let unknown = try runBinary(["frobnicate"])
        #expect(unknown.status == 64)
        #expect(errorMessage(unknown.stderr) == "unknown subcommand frobnicate")
        #expect(errorUsage(unknown.stderr) == ["onesource <subcommand> [options]", "see `onesource --help` for the subcommands"])
        let missing = try runBinary(["stage", "ingest"])
        #expect(missing.status == 64)
        #expect(errorMessage(missing.stderr) == "--run is required")
        #expect(errorUsage(missing.stderr) == ["onesource stage <name> --run <id> [--store <path>] [--threads <n>]", "see `onesource stage --help`"])
        let extra = try runBinary(["stage", "load", "--run", "1", "Pipelines/nightly.json"])
        #expect(extra.status == 64)
        #expect(errorMessage(extra.stderr) == "stage takes exactly one stage name, got 2: load Pipelines/nightly.json "
                + "(the run's pipeline definition is read from the store: give only the stage name and --run)")
        let none = try runBinary(["stage", "--run", "1"])
        #expect(none.status == 64)
        #expect(errorMessage(none.stderr) == "stage takes exactly one stage name")
        let badOption = try runBinary(["runs", "--colour"])
        #expect(badOption.status == 64)
        #expect(errorMessage(badOption.stderr)?.hasPrefix("unknown option --colour") == true)
    }

    @Test func catalogCheckExitsZeroWhenCleanAndTwoWithProblems() throws {
        let clean = try runBinary(["catalog", "check"])
        #expect(clean.status == 0)
        #expect(clean.stdout == "catalog \(Paths.packageRoot.path)/Pipelines/catalog: 7 agencies, 58 elements, 6 code tables, 8 datasets; no problems\n")
        let missing = try runBinary(["catalog", "check", "--catalog", "/nonexistent"])
        #expect(missing.status == 2)
        #expect(missing.stdout == "/nonexistent: $: catalog directory not found\n1 problem(s) in catalog /nonexistent\n")
    }

    @Test func runPrintsTheSummaryAndExitsThreeForRejectedRows() throws {
        let store = try Paths.temporaryDirectory().appendingPathComponent("cli.sqlite").path
        let result = try runBinary(["run", "Pipelines/nightly.json", "--store", store])
        #expect(result.status == 3)
        #expect(result.stdout.hasPrefix("Run 1 · pipeline nightly · done_with_defects · exit 3: 3 row(s) rejected, 52 error finding(s), "
                                        + "24 record(s) quarantined\n"))
        #expect(result.stdout.contains("Rows: read 3238 = staged 3235 + rejected 3 (reconciles)\n"))
        #expect(result.stdout.contains("  verify       done_with_defects — verified 3235 records; findings: 24 errors, 3 warnings, 8 notices; 24 records with errors\n"))
        #expect(result.stdout.contains("  公安局/户籍人口.csv:1203: a quote opened in field 2 is not closed on this line (fields may not span lines in this dataset)\n"))
        let runs = try runBinary(["runs", "--store", store])
        #expect(runs.status == 0)
        #expect(runs.stdout.hasPrefix("run  pipeline  status             started"))
        #expect(runs.stdout.contains("  8  3238    3235         3\n"))
        let again = try runBinary(["stage", "ingest", "--run", "1", "--store", store])
        #expect(again.status == 3)   // ingest itself rejected rows; the run is incomplete: verify must run again
        #expect(again.stdout.contains("Run 1 · pipeline nightly · incomplete · exit 1: stages not run: verify, load, compare, associate, rectify, report\n"))
        #expect(again.stdout.hasSuffix("stage ingest re-run; later stages now pending: verify, load, compare, associate, rectify, report "
                                       + "(`onesource run --resume 1` runs them)\n"))
        #expect(again.stdout.contains("  verify       pending — inputs changed when ingest was re-run; re-run this stage\n"))
        #expect(again.stdout.contains("  associate    pending — inputs changed when ingest was re-run; re-run this stage\n"))
        #expect(again.stdout.contains("Rows: read 3238 = staged 3235 + rejected 3 (reconciles)\n"))
        for stage in ["verify", "load", "compare", "associate", "rectify"] {
            let result = try runBinary(["stage", stage, "--run", "1", "--store", store])
            #expect(result.stdout.contains("Run 1 · pipeline nightly · incomplete · exit 1: stages not run: "), "\(stage)")
            #expect(result.status == 3, "\(stage)")   // each found defects itself: the exit code is the stage's
        }
        let associate = try runBinary(["stage", "report", "--run", "1", "--store", store])
        #expect(associate.status == 0)
        #expect(associate.stdout.contains("Run 1 · pipeline nightly · done_with_defects · exit 3: "))
        let findings = try runBinary(["findings", "--run", "1", "--rule", "unique_key", "--store", store])
        #expect(findings.status == 0)
        let lines = findings.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("公安局/户籍人口.csv:1202\terror\tunique_key\tgongan\t"))
        #expect(lines[0].range(of: #"\t\d{6}\*{8}[0-9X]{4}\t记录键“\d{6}\*{8}[0-9X]{4}”与第502行重复$"#, options: .regularExpression) != nil)
        #expect(lines[1] == "行政审批局/行政许可.csv:383\terror\tunique_key\tshenpi\tJY3321283000101\t记录键“JY3321283000101”与第102行重复")
        #expect(lines[2] == "2 of 2 finding(s) shown; personal data masked")
        // lookup: masked by default; --reveal shows the values and is recorded.
        let key = try #require(try Store.open(path: store).queryScalarText(
            "SELECT record_key FROM findings WHERE rule_id = 'matches_authority' AND line = 14"))
        let masked = try runBinary(["lookup", key, "--store", store])
        #expect(masked.status == 0)
        #expect(masked.stdout.hasPrefix("自然人基础库 (base_persons) · 公民身份号码 \(Masking.mask(key, kind: "id_number"))\n"))
        #expect(!masked.stdout.contains(key))
        #expect(masked.stdout.contains("[error] compare/matches_authority → 泰州市人力资源和社会保障局 人社局/社保参保.csv:14: 姓名"))
        #expect(masked.stdout.hasSuffix("(personal data masked; --reveal shows it and is recorded)\n"))
        let revealed = try runBinary(["lookup", key, "--reveal", "--store", store])
        #expect(revealed.stdout.contains(key))
        let reveals = try Store.open(path: store).rows("SELECT lookup_key, command FROM reveals")
        #expect(reveals == [[.text(key), .text("onesource lookup \(key) --reveal --store \(store)")]])
        let unknown = try runBinary(["lookup", "91110000600037341L", "--store", store])
        #expect(unknown.status == 3)
        #expect(unknown.stdout == "nothing known about 911100********341L (tried: 911100********341L)\n")
        let badPipeline = try runBinary(["run", "/nonexistent.json", "--store", store])
        #expect(badPipeline.status == 2)
        #expect(errorMessage(badPipeline.stderr) == "the pipeline cannot run: /nonexistent.json: file not found")
    }

    @Test func standardizePrintsCanonicalValuesOrWhyNot() throws {
        let result = try runBinary(["standardize", "identity_number", "321202199803150011", "110105491231002",
                                    "321202199803150012", "--today", "2026-11-29"])
        #expect(result.status == 3)
        #expect(result.stdout == "321202199803150011\n11010519491231002X\t15位旧号码已升级为18位\ninvalid\tcheck_character: 校验码错误：应为1，实为2\n")
        let clean = try runBinary(["standardize", "gender", "男", "2"])
        #expect(clean.status == 0)
        #expect(clean.stdout == "1\t名称已映射为代码\n2\n")
        let unknown = try runBinary(["standardize", "colour", "red"])
        #expect(unknown.status == 64)
        #expect(errorMessage(unknown.stderr)?.hasPrefix("unknown standard colour (known: address, credit_code, date, datetime, division_code, document_number, identity_number, integer, licence_id, money, person_name, phone, text, gender, ethnicity") == true)
    }

    @Test func standardizeReadsValuesFromStandardInput() throws {
        let process = Process()
        process.executableURL = Paths.binary
        process.arguments = ["standardize", "phone"]
        process.currentDirectoryURL = Paths.packageRoot
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data("+86 139-1234-5678\n86881234\n".utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(String(decoding: data, as: UTF8.self) == "13912345678\t去除了国家代码+86；去除了分隔符\n0523-86881234\t补充了区号0523\n")
        #expect(process.terminationStatus == 0)
    }

    @Test func calendarAnswersWhenATaskIsDue() throws {
        let add = try runBinary(["calendar", "add", "2026-09-24", "7"])
        #expect(add.status == 0)
        #expect(add.stdout == "2026-10-12\n")
        let check = try runBinary(["calendar", "check", "2026-10-01", "2026-10-10", "2026-10-12", "2026-11-29"])
        #expect(check.stdout == """
            2026-10-01\t周四\toff\t休息日（国庆节）
            2026-10-10\t周六\tworking\t工作日（国庆节调休上班）
            2026-10-12\t周一\tworking\t工作日
            2026-11-29\t周日\toff\t休息日（周末）

            """)
        // A year without the State Council's notice is provisional, never an error.
        let provisional = try runBinary(["calendar", "check", "2027-01-01", "2027-01-04"])
        #expect(provisional.status == 0)
        #expect(provisional.stdout == "2027-01-01\t周五\toff\t休息日（元旦，暂定）\n2027-01-04\t周一\tworking\t工作日\n")
        let across = try runBinary(["calendar", "add", "2026-12-23", "7"])
        #expect(across.stdout == "2027-01-04\t暂定（2027年：暂定日历（国务院放假安排尚未发布；按法定节假日推算，春节、清明、端午、中秋按农历及节气推算，不含调休））\n")
    }
}

/// Help and parsing come from one declaration per command, so they cannot disagree: every option a command's help
/// lists is accepted, and every option its usage lines name is listed.
@Suite struct CommandDeclarationTests {
    @Test func everyOptionInTheHelpIsAcceptedAndEveryOptionInTheUsageIsListed() throws {
        let main = try runBinary(["--help"]).stdout
        let names = main.components(separatedBy: "SUBCOMMANDS:\n")[1].components(separatedBy: "\n\n")[0]
            .split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }.filter { $0 != "help" }
        #expect(names.count == 24)
        for name in names {
            let help = try runBinary(["help", name]).stdout
            let options = help.components(separatedBy: "OPTIONS:\n")[1].components(separatedBy: "\n\n")[0].split(separator: "\n")
                .compactMap { line -> (String, Bool)? in
                    let words = line.split(separator: " ")
                    guard let first = words.first, first.hasPrefix("--") else { return nil }
                    return (String(first), words.count > 1 && words[1].hasPrefix("<"))
                }
            #expect(!options.isEmpty, "\(name)")
            for (option, takesValue) in options {
                let result = try runBinary([name, option] + (takesValue ? ["x"] : []) + ["--help"])
                #expect(result.status == 0, "\(name) \(option): \(result.stderr)")
            }
            let usage = help.components(separatedBy: "USAGE: ")[1].components(separatedBy: "\n\n")[0]
            let named = Set(usage.split(whereSeparator: { " []|\n".contains($0) }).map(String.init).filter { $0.hasPrefix("--") })
            #expect(named.isSubset(of: Set(options.map(\.0))), "\(name): \(named.subtracting(options.map(\.0)))")
            let unknown = try runBinary([name, "--no-such-option"])
            #expect(unknown.status == 64)
            #expect(errorMessage(unknown.stderr)?.hasPrefix("unknown option --no-such-option") == true, "\(name)")
        }
    }
}
