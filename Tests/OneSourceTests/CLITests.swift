import Foundation
import Testing

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
        #expect(run.stdout.contains("USAGE: onesource run <pipeline.json> [--store <path>]"))
    }

    @Test func usageErrorsExit64WithTheUsage() throws {
        let unknown = try runBinary(["frobnicate"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.hasPrefix("Error: unknown subcommand frobnicate\nOVERVIEW:"))
        let missing = try runBinary(["stage", "ingest"])
        #expect(missing.status == 64)
        #expect(missing.stderr.hasPrefix("Error: --run is required\nOVERVIEW: Re-run one stage"))
        let badOption = try runBinary(["runs", "--colour"])
        #expect(badOption.status == 64)
        #expect(badOption.stderr.hasPrefix("Error: unknown option --colour"))
    }

    @Test func catalogCheckExitsZeroWhenCleanAndTwoWithProblems() throws {
        let clean = try runBinary(["catalog", "check"])
        #expect(clean.status == 0)
        #expect(clean.stdout == "catalog Pipelines/catalog: 7 agencies, 58 elements, 6 code tables, 8 datasets; no problems\n")
        let missing = try runBinary(["catalog", "check", "--catalog", "/nonexistent"])
        #expect(missing.status == 2)
        #expect(missing.stdout == "/nonexistent: $: catalog directory not found\n1 problem(s) in catalog /nonexistent\n")
    }

    @Test func runPrintsTheSummaryAndExitsThreeForRejectedRows() throws {
        let store = try Paths.temporaryDirectory().appendingPathComponent("cli.sqlite").path
        let result = try runBinary(["run", "Pipelines/nightly.json", "--store", store])
        #expect(result.status == 3)
        #expect(result.stdout.hasPrefix("Run 1 · pipeline nightly · done_with_defects\n"))
        #expect(result.stdout.contains("Rows: read 3238 = staged 3235 + rejected 3 (reconciles)\n"))
        #expect(result.stdout.contains("  公安局/户籍人口.csv:1203: quoted field is never closed before the end of the file\n"))
        let runs = try runBinary(["runs", "--store", store])
        #expect(runs.status == 0)
        #expect(runs.stdout.hasPrefix("run  pipeline  status             started"))
        #expect(runs.stdout.contains("  8  3238    3235         3\n"))
        let again = try runBinary(["stage", "ingest", "--run", "1", "--store", store])
        #expect(again.status == 3)
        #expect(again.stdout.contains("Rows: read 3238 = staged 3235 + rejected 3 (reconciles)\n"))
        let badPipeline = try runBinary(["run", "/nonexistent.json", "--store", store])
        #expect(badPipeline.status == 2)
        #expect(badPipeline.stderr == "Error: pipeline definition /nonexistent.json: file not found\n")
    }
}
