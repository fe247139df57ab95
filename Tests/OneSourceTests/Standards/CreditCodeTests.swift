import Testing
@testable import OneSource

@Suite struct CreditCodeTests {
    let context = StandardFixtures.context

    @Test func acceptsTheValidExamplesIncludingANandY() {
        for code in ["91110000600037341L", "91350100M000100Y43", "91512081MA62K0260E"] {
            #expect(CreditCode.standardize(code, context: context) == .valid(code))
        }
        // Departments A, N and Y are real; build valid codes for them and check they pass.
        for prefix in ["A1", "N2", "Y1", "N3"] {
            let code = make(prefix + "321202" + "MA1Q2W3E")
            #expect(CreditCode.standardize(code, context: context).failure == nil, "\(code)")
        }
    }

    func make(_ first16: String) -> String {
        let bytes = Array(first16.utf8)
        let organisation = CreditCode.organisationCheck(for: bytes[8..<16])!
        let first17 = bytes + Array(String(organisation).utf8)
        return String(decoding: first17, as: UTF8.self) + String(CreditCode.checkCharacter(for: first17)!)
    }

    @Test func rejectsEachKindOfInvalidInput() {
        func failure(_ raw: String) -> StandardFailure? { CreditCode.standardize(raw, context: context).failure }
        #expect(failure("91110000600037341M") == StandardFailure("check_character", "校验码错误：应为L，实为M"))
        #expect(failure("9111000060003734") == StandardFailure("length", "长度应为18位，实为16位"))
        #expect(failure("9111000060003734IL")?.code == "character")        // I is not in the alphabet
        #expect(failure("B1110000600037341L") == StandardFailure("department", "登记管理部门代码“B”不存在"))
        #expect(failure("94110000600037341L")?.code == "category")         // 工商 has categories 1, 2, 3 only
        #expect(failure(make("91999999MA1Q2W3E"))?.code == "region")
        #expect(failure("91110000600037351L")?.code == "organisation_check")
    }

    @Test func saysExactlyWhatIsWrong() {
        func failure(_ raw: String) -> StandardFailure? { CreditCode.standardize(raw, context: context).failure }
        #expect(failure("9111000060003734IL") == StandardFailure("character", "第17位“I”不在代码字符集中（不使用I、O、Z、S、V）"))
        #expect(failure("94110000600037341L") == StandardFailure("category", "机构类别代码“4”不属于登记管理部门“9”"))
        #expect(failure("9A110000600037341L") == StandardFailure("category", "机构类别代码“A”不属于登记管理部门“9”"))
        #expect(failure(make("91999999MA1Q2W3E")) == StandardFailure("region", "登记管理机关行政区划码999999不存在"))
        // Positions 9–16 "60003735": 6·3 + 3·5 + 7·8 + 3·4 + 5·2 = 111, 11 − 111 mod 11 = 10, written X.
        #expect(failure("91110000600037351L") == StandardFailure("organisation_check", "组织机构代码校验码错误：应为X，实为1"))
        #expect(failure("9111000060003734") == StandardFailure("length", "长度应为18位，实为16位"))
    }

    @Test func namesACharacterThatIsNotASCIIAsTyped() {
        func failure(_ raw: String) -> StandardFailure? { CreditCode.standardize(raw, context: context).failure }
        // 16 characters in 18 bytes: the length was right by bytes, and the message named a byte of 中 ("ä").
        #expect(failure("911100006000373中") == StandardFailure("length", "长度应为18位，实为16位"))
        // 18 characters in 20 bytes: the message said "实为18位" of a code 18 long.
        #expect(failure("91110000600037341中") == StandardFailure("character", "第18位“中”不在代码字符集中（不使用I、O、Z、S、V）"))
        #expect(failure("9111000060003734１中") == StandardFailure("character", "第18位“中”不在代码字符集中（不使用I、O、Z、S、V）"))
    }

    @Test func normalizesLowerCaseAndFullWidth() {
        #expect(CreditCode.standardize("91350100m000100y43", context: context) == .valid("91350100M000100Y43", [.lowerCase]))
        #expect(CreditCode.standardize("９１１１００００６０００３７３４１Ｌ", context: context) == .valid("91110000600037341L", [.fullWidth]))
    }

    @Test func catchesEverySingleCharacterCorruptionOfThousandsOfCodes() {
        var generator = SeededGenerator(seed: 7)
        let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
        let organisationAlphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
        let prefixes = ["91", "92", "93", "11", "12", "51", "52", "N1", "Y1", "A1"]
        let regions = ["321202", "321283", "110000", "350100"]
        for _ in 0..<3000 {
            let organisation = String((0..<8).map { _ in organisationAlphabet[Int.random(in: 0..<organisationAlphabet.count, using: &generator)] })
            let code = make(prefixes[Int.random(in: 0..<prefixes.count, using: &generator)]
                            + regions[Int.random(in: 0..<regions.count, using: &generator)] + organisation)
            #expect(CreditCode.standardize(code, context: context).failure == nil, "\(code)")
            var characters = Array(code)
            let position = Int.random(in: 0..<18, using: &generator)
            var replacement = alphabet[Int.random(in: 0..<alphabet.count, using: &generator)]
            while replacement == characters[position] { replacement = alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
            characters[position] = replacement
            #expect(CreditCode.standardize(String(characters), context: context).failure != nil,
                    "corruption \(String(characters)) of \(code) not caught")
        }
    }
}
