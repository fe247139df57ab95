import Testing
@testable import OneSource

@Suite struct IdentityNumberTests {
    let context = StandardFixtures.context

    func parse(_ raw: String) -> (IdentityNumber?, [StandardChange], StandardFailure?) {
        switch IdentityNumber.parse(raw, context: context) {
        case .success(let (number, changes)): return (number, changes, nil)
        case .failure(let failure): return (nil, failure.changes, failure.failure)
        }
    }

    @Test func acceptsTheValidExamplesOfTheStandard() {
        for (raw, gender, birth) in [("321202199803150011", "1", "1998-03-15"), ("321281200001010026", "2", "2000-01-01"),
                                     ("321283200112310032", "1", "2001-12-31"), ("11010519491231002X", "2", "1949-12-31")] {
            let (number, changes, failure) = parse(raw)
            #expect(failure == nil, "\(raw)")
            #expect(number?.value == raw)
            #expect(number?.genderCode == gender)
            #expect(number?.birthDate.description == birth)
            #expect(changes.isEmpty)
        }
        #expect(parse("321202199803150011").0?.addressCode == "321202")
    }

    @Test func upgradesTheLegacyFifteenDigitForm() {
        let (number, changes, _) = parse("110105491231002")
        #expect(number?.value == "11010519491231002X")
        #expect(changes == [.legacyUpgraded])
        #expect(parse("11010549123100A").2?.code == "character")
        #expect(parse("110105490231002").2?.code == "birth_date")   // 1949-02-31
    }

    @Test func normalizesFullWidthLowerCaseXAndSpaces() {
        let (full, fullChanges, _) = parse("３２１２０２１９９８０３１５００１１")
        #expect(full?.value == "321202199803150011")
        #expect(fullChanges == [.fullWidth])
        let (lower, lowerChanges, _) = parse("11010519491231002x")
        #expect(lower?.value == "11010519491231002X")
        #expect(lowerChanges == [.lowerCase])
        let (spaced, spacedChanges, _) = parse("\u{3000}321202199803150011 ")
        #expect(spaced?.value == "321202199803150011")
        #expect(spacedChanges == [.trimmed])
    }

    @Test func rejectsEachKindOfInvalidInput() {
        #expect(parse("321202199803150012").2 == StandardFailure("check_character", "校验码错误：应为1，实为2"))
        #expect(parse("32120219980315001").2 == StandardFailure("length", "长度应为18位（或15位旧号码），实为17位"))
        #expect(parse("3212021998031500111").2?.code == "length")
        #expect(parse("3212021998031500A1").2 == StandardFailure("character", "第17位应为数字"))
        #expect(parse("32120219980315001Y").2 == StandardFailure("character", "第18位应为数字或X"))
        // 2023-02-29 does not exist; the check character is made valid so only the date is wrong.
        let bad = "32120220230229001"
        #expect(parse(bad + String(IdentityNumber.checkCharacter(for: Array(bad.utf8)))).2?.code == "birth_date")
        let future = "32120220270101001"
        #expect(parse(future + String(IdentityNumber.checkCharacter(for: Array(future.utf8)))).2
                == StandardFailure("birth_date_future", "出生日期2027-01-01晚于今天"))
    }

    @Test func acceptsLeapDaysAndRetiredAddressCodes() {
        let leap = "32120220000229001"
        #expect(parse(leap + String(IdentityNumber.checkCharacter(for: Array(leap.utf8)))).2 == nil)
        // 321284 姜堰市 (1996-2012) and 321083 兴化市 (Yangzhou era): valid checksums, retired codes.
        for area in ["321284", "321083", "321020"] {
            let body = area + "19800101123"
            let (number, _, failure) = parse(body + String(IdentityNumber.checkCharacter(for: Array(body.utf8))))
            #expect(failure == nil)
            #expect(number?.addressCode == area)
            #expect(StandardFixtures.divisions.isKnown(area))
            #expect(!StandardFixtures.divisions.isCurrent(area))
        }
    }

    @Test func catchesEverySingleCharacterCorruptionOfThousandsOfNumbers() {
        var generator = SeededGenerator(seed: 20261129)
        let areas = ["321202", "321203", "321204", "321281", "321282", "321283", "110105", "321284"]
        var checked = 0
        for _ in 0..<3000 {
            let days = Int.random(in: -25_000...20_000, using: &generator)
            let birth = CivilDate.fromDays(days)
            let body = areas[Int.random(in: 0..<areas.count, using: &generator)] + birth.compact
                + String(format: "%03d", Int.random(in: 0...999, using: &generator))
            let valid = body + String(IdentityNumber.checkCharacter(for: Array(body.utf8)))
            #expect(parse(valid).2 == nil, "\(valid)")
            // Corrupt one position with a different digit (or X at the end): MOD 11-2 catches every one.
            let position = Int.random(in: 0..<18, using: &generator)
            var characters = Array(valid)
            let alphabet: [Character] = position == 17 ? Array("0123456789X") : Array("0123456789")
            var replacement = alphabet[Int.random(in: 0..<alphabet.count, using: &generator)]
            while replacement == characters[position] { replacement = alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
            characters[position] = replacement
            let corrupted = String(characters)
            #expect(parse(corrupted).2 != nil, "corruption \(corrupted) of \(valid) not caught")
            checked += 1
        }
        #expect(checked == 3000)
    }
}

/// The generator's deterministic SplitMix64, so randomized tests repeat exactly.
struct SeededGenerator: RandomNumberGenerator {
    private var random: CityGenerator.Random
    init(seed: UInt64) { random = CityGenerator.Random(state: seed) }
    mutating func next() -> UInt64 { random.next() }
}
