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
        ]
        for members in cases {
            let expected = String(decoding: try JSONSerialization.data(withJSONObject: members, options: [.sortedKeys]), as: UTF8.self)
            #expect(JSONText.object(members) == expected)
        }
        #expect(JSONText.object(["k": "a/b\u{01}"]) == #"{"k":"a\/b\u0001"}"#)
    }
}
