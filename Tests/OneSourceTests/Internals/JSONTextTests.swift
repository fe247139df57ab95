import Foundation
import Testing
@testable import OneSource

@Suite struct JSONTextTests {
    @Test func writesWhatJSONSerializationWrites() throws {
        let cases: [[String: String]] = [
            [:],
            ["person.name": "张三", "person.id_number": "32120219980315001X"],
            ["b": "quote \" backslash \\ slash / tab \t newline \n return \r", "a": "bell \u{07} nul \u{00} esc \u{1B} \u{08} \u{0C}"],
            ["地址": "泰州市海陵区（东）〔2024〕1号", "emoji": "😀 é ０１"],
            // Escapes first, last, back to back and alone; text ending in a character of four UTF-8 bytes.
            ["\"": "\"\\/\n", "starts": "/泰州", "ends": "泰州\u{1F}", "pairs": "a\"\"b\\\\c//d\r\n", "": "", "wide": "１😀"],
        ]
        for members in cases {
            let expected = String(decoding: try JSONSerialization.data(withJSONObject: members, options: [.sortedKeys]), as: UTF8.self)
            #expect(JSONText.object(members) == expected)
        }
        #expect(JSONText.object(["k": "a/b\u{01}"]) == #"{"k":"a\/b\u0001"}"#)
    }

    /// The same value for `JSONSerialization`.
    private func foundation(_ value: JSONValue) -> Any {
        switch value {
        case .string(let text): return text
        case .int(let number): return number
        case .double(let number): return number
        case .bool(let flag): return flag
        case .null: return NSNull()
        case .array(let elements): return elements.map(foundation)
        case .object(let members): return Dictionary(members.map { ($0.key, foundation($0.value)) }, uniquingKeysWith: { a, _ in a })
        }
    }

    @Test func prettyPrintsWhatJSONSerializationPrettyPrints() throws {
        let documents: [JSONValue] = [
            [:],
            [],
            ["a": [], "b": [:], "c": nil, "d": true, "e": false],
            // Keys in Foundation's order: numbers by value, case ignored first, "_" before "-".
            ["b": 1, "A2": "x", "a10": 1, "a9": 2, "a_b": 2, "a-b": 1, "ab": 3, "aB": 4, "_x": 1, "error": 2, "Error": 3, "error_overdue": 1,
             "openTasks": [1, 2], "openTaskTotal": 3, "openTaskListLimit": 4, "地址": "泰州", "Z": 0],
            ["text": "quote \" backslash \\ slash / tab \t newline \n \u{01} 泰州 😀 ０１", "long": .int(Int.max), "negative": -7],
            ["numbers": .array([0, 1, 100, 99.5, 87.35, 0.01, 1e-7, 1e16, 1e20, -3.5, 2.0 / 3.0, 1e15, 25].map { JSONValue.double($0) })],
            [["nested": [["deeper": [1, [2, [3]]]], [:]]], "x", 1, nil],
        ]
        for document in documents {
            let expected = String(decoding: try JSONSerialization.data(withJSONObject: foundation(document), options: [.prettyPrinted, .sortedKeys]),
                                  as: UTF8.self)
            #expect(document.prettyPrinted() == expected)
        }
        #expect(JSONValue.object([("k", .double(100)), ("j", .double(0.5))]).prettyPrinted() == "{\n  \"j\" : 0.5,\n  \"k\" : 100\n}")
        #expect(JSONValue.array([]).prettyPrinted() == "[\n\n]")
    }
}
