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
}
