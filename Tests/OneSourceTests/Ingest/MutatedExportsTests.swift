import Foundation
import Testing
@testable import OneSource

/// Hundreds of damaged copies of the SampleData exports, per format (flipped bytes, truncations, inserted quotes,
/// brackets and line breaks, long fields, deep nesting), each read as its dataset's export. For every file: no
/// crash (only `IngestError` for a file that cannot be read at all), a buffer that stays bounded, and every record
/// the raw bytes hold, counted independently of the reader, read as a record or a rejection.
@Suite struct MutatedExportsTests {
    /// The exports damaged, each cut to its first records (so the suite stays quick), per format: CSV in UTF-8 and
    /// in GB18030, a JSON array, NDJSON, XML.
    static let cases: [(dataset: String, file: String, lines: Int)] = [
        ("gongan_household", "公安局/户籍人口.csv", 120), ("renshe_insured", "人社局/社保参保.csv", 120),
        ("minzheng_deaths", "民政局/死亡登记.json", 200), ("xinyong_penalties", "信用办/行政处罚.ndjson", 120),
        ("shichang_entities", "市场监管局/市场主体.xml", 242),
    ]

    /// The first `lines` lines of a file (and, for XML, the root element closed again).
    static func head(_ bytes: [UInt8], lines: Int, xml: Bool) -> [UInt8] {
        var seen = 0, end = 0
        while end < bytes.count && seen < lines { if bytes[end] == 0x0A { seen += 1 }; end += 1 }
        return Array(bytes[0..<end]) + (xml && end < bytes.count ? Array("</市场主体列表>\n".utf8) : [])
    }

    /// One damage to `bytes`, chosen by `random`.
    static func mutate(_ bytes: [UInt8], _ random: inout SeededGenerator) -> (String, [UInt8]) {
        var out = bytes
        let at = Int.random(in: 0..<max(1, out.count), using: &random)
        switch Int.random(in: 0..<20, using: &random) {
        case 13 where Int.random(in: 0..<8, using: &random) != 0:
            // A field past the record limit is costly to hash in a debug build: one draw in eight of this kind.
            out.insert(contentsOf: [UInt8](repeating: 0x41, count: 3000), at: at)
            return ("3 KB field at \(at)", out)
        case 0..<5:
            for _ in 0..<Int.random(in: 1...8, using: &random) {
                let i = Int.random(in: 0..<out.count, using: &random)
                out[i] ^= UInt8.random(in: 1...255, using: &random)
            }
            return ("flipped bytes", out)
        case 5, 6: return ("truncated at \(at)", Array(out[0..<at]))
        case 7, 8: out.insert(0x22, at: at); return ("quote at \(at)", out)
        case 9, 10: out.insert(contentsOf: Array(["{[", "}", "]", "<", ">", ","][Int.random(in: 0..<6, using: &random)].utf8), at: at)
            return ("bracket at \(at)", out)
        case 11, 12: out.insert(0x0A, at: at); return ("line break at \(at)", out)
        case 13: out.insert(contentsOf: [UInt8](repeating: 0x41, count: (1 << 20) + 100), at: at); return ("1 MiB field at \(at)", out)
        case 14, 15:
            let depth = Int.random(in: 300...3000, using: &random)
            out.insert(contentsOf: Array((String(repeating: "<a>[{\"k\":", count: depth)).utf8), at: at)
            return ("nesting \(depth) at \(at)", out)
        case 16, 17: out.removeSubrange(at..<min(out.count, at + Int.random(in: 1...200, using: &random))); return ("cut out at \(at)", out)
        default: out.insert(contentsOf: [0xFF, 0xFE, 0x00], at: at); return ("invalid bytes at \(at)", out)
        }
    }

    @Test func noDamagedExportCrashesGrowsWithoutBoundOrLosesARow() throws {
        let catalog = try Catalog.load(directory: Paths.packageRoot.appendingPathComponent("Pipelines/catalog").path)
        let folder = try Paths.temporaryDirectory()
        var random = SeededGenerator(seed: 20261130)
        var read: [String: Int] = [:], failed: [String: Int] = [:]
        for (dataset, file, lines) in MutatedExportsTests.cases {
            let original = MutatedExportsTests.head(try [UInt8](Data(contentsOf: Paths.packageRoot.appendingPathComponent("SampleData/" + file))),
                                                    lines: lines, xml: file.hasSuffix(".xml"))
            let definition = try #require(catalog.dataset(dataset))
            for copy in 0..<200 {
                let (damage, bytes) = MutatedExportsTests.mutate(original, &random)
                let path = folder.appendingPathComponent("\(dataset)-\(copy)").path
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                do {
                    let summary = try FileInspection.inspect(definition, path: path, limit: 0).summary
                    #expect(summary.unaccounted == 0, "\(file) \(damage): read \(summary.rowsRead) + \(summary.continuationLines), counted \(summary.counted ?? -1)")
                    #expect(summary.counted != nil)
                    #expect(summary.peakBufferBytes <= 8 << 20, "\(file) \(damage): buffer \(summary.peakBufferBytes)")
                    read[dataset, default: 0] += 1
                } catch is IngestError {
                    failed[dataset, default: 0] += 1
                }
                try FileManager.default.removeItem(atPath: path)
            }
        }
        // Most damaged files are still read row by row; some fail as a whole (a broken header, XML not well-formed).
        for (dataset, _, _) in MutatedExportsTests.cases {
            #expect(read[dataset, default: 0] + failed[dataset, default: 0] == 200)
        }
        #expect(read["gongan_household", default: 0] > 150 && read["xinyong_penalties", default: 0] > 150 && read["minzheng_deaths", default: 0] > 100)
    }
}
