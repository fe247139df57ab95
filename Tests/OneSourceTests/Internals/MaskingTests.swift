import Testing
@testable import OneSource

@Suite struct MaskingTests {
    @Test func masksEachKindOfPersonalData() {
        #expect(Masking.mask("321202199803150011", kind: "id_number") == "321202********0011")
        #expect(Masking.mask("110105491231002", kind: "id_number") == "110105*****1002")
        #expect(Masking.mask("张三丰", kind: "name") == "张**")
        #expect(Masking.mask("阿依古丽·买买提", kind: "name") == "阿*******")
        #expect(Masking.mask("张", kind: "name") == "张*")   // never shown whole
        #expect(Masking.mask("18012341999", kind: "phone") == "180****1999")
        #expect(Masking.mask("0523-86881234", kind: "phone") == "052******1234")
        #expect(Masking.mask("江苏省泰州市海陵区海陵南路1号", kind: "address") == "江苏省泰州市*********")
        #expect(Masking.mask("91321202MA1Q2W3E4R", kind: nil) == "91321202MA1Q2W3E4R")
        #expect(Masking.mask("12", kind: "id_number") == "1*")
        #expect(Masking.maskKey("321202199803150011|2024", kinds: ["id_number", nil]) == "321202********0011|2024")
    }

    @Test func aPairKeepsOnlyItsDifferenceVisible() {
        // The masked forms would read the same: the differing characters are shown, the rest stays hidden.
        #expect(Masking.maskPair("武晓梅", "武梅梅", kind: "name") == ("武晓*", "武梅*"))
        #expect(Masking.maskPair("321202199803150011", "321202199803160011", kind: "id_number")
                == ("321202*******50011", "321202*******60011"))
        // Never the whole value: a two-character name keeps its mask.
        #expect(Masking.maskPair("陆晓", "陆海", kind: "name") == ("陆*", "陆*"))
        // Masked forms that already differ, values of different lengths, equal values and values not personal: as usual.
        #expect(Masking.maskPair("张三丰", "李四", kind: "name") == ("张**", "李*"))
        #expect(Masking.maskPair("武晓梅", "武晓梅", kind: "name") == ("武**", "武**"))
        #expect(Masking.maskPair("武晓梅梅", "武晓梅", kind: "name") == ("武***", "武**"))
        #expect(Masking.maskPair("01", "02", kind: nil) == ("01", "02"))
        // A task's placeholder key holds no value and is shown as it is.
        #expect(Masking.maskKey("（第7条记录，无记录键）", kinds: ["id_number"]) == "（第7条记录，无记录键）")
    }
}
