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
