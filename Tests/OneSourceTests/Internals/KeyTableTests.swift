import Foundation
import Testing
@testable import OneSource

@Suite struct KeyTableTests {
    @Test func remembersTheFirstLineOfEveryKey() {
        var table = KeyTable()
        #expect(table.firstLine(of: "321202197805064054", insertingAt: 2) == nil)
        #expect(table.firstLine(of: "321202197805064054", insertingAt: 9) == 2)
        #expect(table.firstLine(of: "321202197805064054", insertingAt: 12) == 2)   // still the first
        #expect(table.firstLine(of: "91321200MA1XXXXX0X", insertingAt: 3) == nil)
        #expect(table.firstLine(of: "", insertingAt: 4) == nil)
        #expect(table.firstLine(of: "", insertingAt: 5) == 4)
        #expect(table.firstLine(of: "泰州|海陵", insertingAt: 6) == nil)
        #expect(table.firstLine(of: "泰州|海陵", insertingAt: 7) == 6)
        // Keys are bytes: a prefix, a longer key and a differently encoded é are all different keys.
        #expect(table.firstLine(of: "32120219780506405", insertingAt: 8) == nil)
        #expect(table.firstLine(of: "3212021978050640544", insertingAt: 9) == nil)
        #expect(table.firstLine(of: "\u{E9}", insertingAt: 10) == nil)
        #expect(table.firstLine(of: "e\u{301}", insertingAt: 11) == nil)
        // Lines past 32 bits come back whole.
        #expect(table.firstLine(of: "line-5000000000", insertingAt: 5_000_000_000) == nil)
        #expect(table.firstLine(of: "line-5000000000", insertingAt: 1) == 5_000_000_000)
        #expect(table.count == 9)
    }

    @Test func growsFromEmptyAndKeepsEveryKey() {
        var table = KeyTable()
        for i in 0..<100_000 { #expect(table.firstLine(of: "key-\(i)", insertingAt: i) == nil) }
        var wrong = 0
        for i in 0..<100_000 where table.firstLine(of: "key-\(i)", insertingAt: -1) != i { wrong += 1 }
        #expect(wrong == 0)
        #expect(table.count == 100_000)
        table.reserve(1_000_000)
        #expect(table.firstLine(of: "key-99999", insertingAt: 0) == 99_999)
    }

    @Test func takesBackTheKeysOfAFailedFile() {
        var table = KeyTable()
        _ = table.firstLine(of: "a", insertingAt: 1)
        _ = table.firstLine(of: "b", insertingAt: 2)
        let mark = table.mark
        #expect(table.firstLine(of: "b", insertingAt: 10) == 2)     // seen before the mark: stays
        #expect(table.firstLine(of: "c", insertingAt: 11) == nil)
        for i in 0..<1000 { _ = table.firstLine(of: "new-\(i)", insertingAt: 100 + i) }   // grows past the mark
        table.removeKeys(addedSince: mark)
        #expect(table.count == 2)
        #expect(table.firstLine(of: "a", insertingAt: 20) == 1)
        #expect(table.firstLine(of: "b", insertingAt: 21) == 2)
        #expect(table.firstLine(of: "c", insertingAt: 22) == nil)   // forgotten, so new again
        #expect(table.firstLine(of: "new-5", insertingAt: 23) == nil)
        #expect(table.count == 4)
    }

    /// A batch checked sixteen keys at a time (their slots read first) gives each record exactly the finding checking
    /// one record after the other gives: duplicates within a group, across groups and of an earlier batch.
    @Test func aBatchCheckedInGroupsFindsEveryDuplicateOnce() throws {
        let catalog = try Catalog.load(directory: Paths.packageRoot.appendingPathComponent("Pipelines/catalog").path)
        let verifier = try RecordVerifier(dataset: try #require(catalog.dataset("gongan_household")), catalog: catalog,
                                          context: StandardFixtures.context)
        // 40 keys: 3 again at 10 (same group), 17 (next group) and 35; 20 again at 39; at 38 a key an earlier batch had.
        let keys = (0..<40).map { i in [10, 17, 35].contains(i) ? "key-3" : i == 39 ? "key-20" : i == 38 ? "key-earlier" : "key-\(i)" }
        func outputs() -> [RecordVerifier.Output] {
            keys.map { RecordVerifier.Output(values: [], recordKey: $0, hasError: false, findings: []) }
        }
        var grouped = outputs(), single = outputs()
        let batched = DuplicateKeys(verifier: verifier), oneByOne = DuplicateKeys(verifier: verifier)
        for table in [batched, oneByOne] {
            var earlier = [RecordVerifier.Output(values: [], recordKey: "key-earlier", hasError: false, findings: [])]
            table.check(&earlier[0], fileID: 1, line: 1, recordIndex: 1)
        }
        batched.check(&grouped, fileID: 1, line: { $0 + 2 }, recordIndex: { $0 + 1 })
        for record in single.indices { oneByOne.check(&single[record], fileID: 1, line: record + 2, recordIndex: record + 1) }
        let found = grouped.enumerated().compactMap { position, output in
            output.findings.first.map { "\(position): \($0.ruleID) \($0.observed ?? "") first on line \($0.reason ?? "")" }
        }
        #expect(found == ["10: unique_key key-3 first on line 5", "17: unique_key key-3 first on line 5", "35: unique_key key-3 first on line 5",
                          "38: unique_key key-earlier first on line 1", "39: unique_key key-20 first on line 22"])
        #expect(grouped.map(\.findings) == single.map(\.findings))
        #expect(grouped.map(\.hasError) == single.map(\.hasError))
        #expect(grouped.filter(\.hasError).count == 5)
    }

    @Test func hashesDependOnEveryByte() {
        func hash(_ text: String) -> UInt64 { var text = text; return text.withUTF8 { KeyTable.hash($0) } }
        #expect(hash("321202197805064054") != hash("321202197805064055"))
        #expect(hash("12345678") != hash("123456780"))
        #expect(hash("") != hash("\0"))
        #expect(hash("abc") == hash("abc"))
        // Spread: 10,000 similar keys fill nearly all of 16,384 buckets' worth of distinct low bits.
        let low = Set((0..<10_000).map { hash("3212021978\(String(format: "%08d", $0))") & 0x3FFF })
        #expect(low.count > 7_000)
    }
}
