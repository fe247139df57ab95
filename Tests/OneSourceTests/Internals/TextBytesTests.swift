import Foundation
import Testing
@testable import OneSource

@Suite struct TextBytesTests {
    @Test func equalComparesBytes() {
        #expect(TextBytes.equal("泰州市海陵区", "泰州市海陵区"))
        #expect(TextBytes.equal("", ""))
        #expect(!TextBytes.equal("泰州", "泰州市"))
        // Canonically equivalent but differently encoded (é composed / decomposed): a different delivery.
        #expect("\u{E9}" == "e\u{301}")
        #expect(!TextBytes.equal("\u{E9}", "e\u{301}"))
        // Long (heap) and short (inline) strings alike.
        let long = String(repeating: "3212021990", count: 3)
        #expect(TextBytes.equal(long, String(long.utf8.map { Character(Unicode.Scalar($0)) })))
    }

    @Test func prefixOrderIsByteOrder() {
        #expect(TextBytes.prefix("2026-11-30", 10, isAfter: "2026-11-29"))
        #expect(!TextBytes.prefix("2026-11-29", 10, isAfter: "2026-11-29"))
        #expect(!TextBytes.prefix("2026-11-28 23:59:59", 10, isAfter: "2026-11-29"))
        #expect(!TextBytes.prefix("2026-11-29 23:59:59", 10, isAfter: "2026-11-29"))
        #expect(TextBytes.prefix("2026-12", 10, isAfter: "2026-11-29"))
        #expect(!TextBytes.prefix("2026-11", 10, isAfter: "2026-11-29"))
        #expect(TextBytes.prefix("2027", 10, isAfter: "2026-11-29"))
    }

    /// Keys by their bytes: two spellings of one text are two keys; of two entries with one key the first stays;
    /// the empty text and long (heap) texts are keys like any other; many keys collide in a small table and are
    /// still all found.
    @Test func aFrozenTableLooksUpByBytes() {
        let long = String(repeating: "泰州市海陵区", count: 4)
        let table = FrozenTextTable([("汉族", "01"), ("蒙古族", "02"), ("\u{E9}", "composed"), ("e\u{301}", "decomposed"),
                                     ("汉族", "second"), ("", "empty"), (long, "long")])
        #expect(table["汉族"] == "01")
        #expect(table["蒙古族"] == "02")
        #expect(table["汉"] == nil)
        #expect(table["汉族 "] == nil)
        #expect(table["\u{E9}"] == "composed")
        #expect(table["e\u{301}"] == "decomposed")
        #expect(table[""] == "empty")
        #expect(table[long] == "long")
        #expect(table[String(long.dropLast())] == nil)
        let many = FrozenTextTable((0..<1000).map { (String($0), $0) })
        #expect((0..<1000).allSatisfy { many[String($0)] == $0 })
        #expect(many["1000"] == nil && many["-1"] == nil)
        #expect(FrozenTextTable<Int>([])["x"] == nil)
        let merged = FrozenTextTable([("a", 1), ("b", 2), ("a", 3), ("\u{E9}", 5), ("e\u{301}", 7)]) { $0 += $1 }
        #expect(merged["a"] == 4 && merged["b"] == 2 && merged["\u{E9}"] == 5 && merged["e\u{301}"] == 7)
    }
}

@Suite struct RuleTemplateTests {
    private func rule(_ message: String) -> RuleDefinition {
        RuleDefinition(id: "r", name: "r", dimension: .conformity, severity: .error, message: message, params: [:])
    }

    @Test func fillsEveryPlaceholderOnce() {
        let text = rule("{element}“{observed}”不符合{standard}：{reason}（应为{expected}）")
            .render(element: "公民身份号码", observed: "3212", expected: "18位", standard: "GB 11643", reason: "长度不符")
        #expect(text == "公民身份号码“3212”不符合GB 11643：长度不符（应为18位）")
        #expect(rule("{observed}与{observed}").render(element: nil, observed: "甲", expected: nil) == "甲与甲")
        #expect(rule("没有占位符").render(element: "x", observed: nil, expected: nil) == "没有占位符")
    }

    @Test func missingValuesAreEmptyAndValuesAreNotExpanded() {
        #expect(rule("“{observed}”{reason}").render(element: nil, observed: nil, expected: nil) == "“”")
        // A delivered value that looks like a placeholder is printed as delivered.
        #expect(rule("值“{observed}”，应为{expected}").render(element: nil, observed: "{expected}", expected: "1")
                == "值“{expected}”，应为1")
    }

    @Test func unknownAndUnclosedBracesStayAsWritten() {
        #expect(rule("{unknown}与{observed}").render(element: nil, observed: "甲", expected: nil) == "{unknown}与甲")
        #expect(rule("开头{observed").render(element: nil, observed: "甲", expected: nil) == "开头{observed")
        #expect(rule("{{observed}}").render(element: nil, observed: "甲", expected: nil) == "{甲}")
    }
}
