import Testing
@testable import OneSource

@Suite struct DateStandardTests {
    @Test func readsTheFormsAgenciesDeliver() {
        let all = Set(DateStandard.Form.allCases)
        for raw in ["2024-03-07", "2024/3/7", "2024/03/07", "20240307", "2024年3月7日", "2024.3.7", "2024-03-07 08:30",
                    "2024-03-07T08:30:15", "2024/3/7 8:05", " 2024-03-07 ", "２０２４－０３－０７"] {
            #expect(DateStandard.standardize(raw, allowed: all).value == "2024-03-07", "\(raw)")
        }
        #expect(DateStandard.standardize("2024-03-07 08:30", allowed: nil, keepTime: true) == .valid("2024-03-07 08:30:00"))
    }

    @Test func rejectsImpossibleDatesAndKnowsLeapYears() {
        #expect(DateStandard.standardize("2023-02-30", allowed: nil) == .invalid(StandardFailure("date", "“2023-02-30”不是真实日期")))
        #expect(DateStandard.standardize("2024-02-29", allowed: nil) == .valid("2024-02-29"))
        #expect(DateStandard.standardize("2100-02-29", allowed: nil).failure?.code == "date")   // not a leap year
        #expect(DateStandard.standardize("2000-02-29", allowed: nil) == .valid("2000-02-29"))   // is one
        #expect(DateStandard.standardize("20250229", allowed: [.compact]).failure?.code == "date")
        #expect(DateStandard.standardize("1988年2月30日", allowed: [.chinese]).failure?.code == "date")
        #expect(DateStandard.standardize("2025-13-01", allowed: nil) == .invalid(StandardFailure("date", "“2025-13-01”不是真实日期（月份13）")))
        #expect(DateStandard.standardize("2024-03-07 25:00", allowed: nil).failure?.code == "time")
        #expect(DateStandard.standardize("yesterday", allowed: nil).failure?.code == "format")
        #expect(DateStandard.standardize("", allowed: nil) == .empty)
    }

    @Test func flagsFormsTheDatasetDidNotDeclare() {
        #expect(DateStandard.standardize("2024/3/7", allowed: [.slash]) == .valid("2024-03-07"))
        #expect(DateStandard.standardize("2024/3/7", allowed: nil) == .valid("2024-03-07", [.reformatted]))
        #expect(DateStandard.standardize("2024年3月7日", allowed: [.slash]) == .valid("2024-03-07", [.reformatted]))
        #expect(DateStandard.standardize("2026-10", allowed: [.iso, .month]) == .valid("2026-10"))
        #expect(DateStandard.standardize("2026-10", allowed: [.iso]).failure?.code == "precision")
        // An ISO day where the dataset declared only other forms is still reformatted (not taken by the fast path).
        #expect(DateStandard.standardize("2024-03-07", allowed: [.compact]) == .valid("2024-03-07", [.reformatted]))
    }

    /// The forms as bits: six distinct bits, and for every one of the 64 sets of forms a dataset can declare, the
    /// same answers as asking the set itself (which form was read, and whether it was declared).
    @Test func formBitsAnswerAsTheSetOfForms() {
        let forms = DateStandard.Form.allCases
        #expect(forms.map(\.bit.rawValue) == [1, 2, 4, 8, 16, 32])
        #expect(DateStandard.Forms(forms).rawValue == 63)
        #expect(DateStandard.Forms([]).rawValue == 0)
        let samples = ["2024-03-07", "2024/3/7", "20240307", "2024年3月7日", "2024.3.7", "2024-03", "202403", "2024年3月",
                       "2024-02-30", "", "  2024-03-07 ", "２０２４-03-07"]
        for mask in 0..<64 {
            let declared = Set(forms.filter { mask & Int($0.bit.rawValue) != 0 })
            #expect(DateStandard.Forms(declared).rawValue == UInt8(mask))
            for raw in samples {
                let expected: StandardResult
                switch DateStandard.parse(TextNormalizer.normalize(raw).text) {
                case .failure: expected = DateStandard.standardize(raw, allowed: declared)
                case .success(let parsed):
                    var changes = TextNormalizer.normalize(raw).changes
                    if !parsed.hasDay && !declared.contains(.month) {
                        #expect(DateStandard.standardize(raw, forms: DateStandard.Forms(declared)).failure?.code == "precision", "\(raw) \(mask)")
                        continue
                    }
                    if !declared.contains(parsed.form) { changes.append(.reformatted) }
                    expected = .valid(parsed.hasDay ? parsed.date.description : String(parsed.date.description.prefix(7)), changes)
                }
                #expect(DateStandard.standardize(raw, forms: DateStandard.Forms(declared)) == expected, "\(raw) \(mask)")
            }
        }
    }

    /// The fast path for days already written yyyy-MM-dd accepts exactly what the full parse accepts.
    @Test func canonicalDaysTakeTheFastPathOnlyWhenReal() {
        #expect(DateStandard.isValidCanonicalDay("2024-02-29"))
        #expect(!DateStandard.isValidCanonicalDay("2023-02-29"))
        #expect(DateStandard.isValidCanonicalDay("1800-01-01"))
        #expect(!DateStandard.isValidCanonicalDay("1799-12-31"))
        #expect(!DateStandard.isValidCanonicalDay("2024-00-10"))
        #expect(!DateStandard.isValidCanonicalDay("2024-3-07 "))
        #expect(!DateStandard.isValidCanonicalDay("２０２４-03-07"))
        #expect(DateStandard.standardize("1799-12-31", allowed: nil) == .invalid(StandardFailure("date", "“1799-12-31”不是真实日期")))
        #expect(DateStandard.standardize("1800-01-01", allowed: nil) == .valid("1800-01-01"))
        #expect(DateStandard.standardize("2024-12-31", allowed: [.iso, .slash], keepTime: true) == .valid("2024-12-31 00:00:00"))
        for raw in ["2024-02-29", "2023-02-29", "1800-01-01", "1799-12-31", "2024-00-10", "2024-13-01", "2024-04-31"] {
            let full: Bool = {
                if case .success(let parsed) = DateStandard.parse(raw) { return parsed.form == .iso && parsed.hasDay }
                return false
            }()
            #expect(DateStandard.isValidCanonicalDay(raw) == full, "\(raw)")
        }
    }
}

@Suite struct PhoneNumberTests {
    @Test func canonicalizesMobilesAndLandlines() {
        #expect(PhoneNumber.standardize("13912345678") == .valid("13912345678"))
        #expect(PhoneNumber.standardize("+86 139-1234-5678") == .valid("13912345678", [.countryCodeRemoved, .separatorsRemoved]))
        #expect(PhoneNumber.standardize("008613912345678") == .valid("13912345678", [.countryCodeRemoved]))
        #expect(PhoneNumber.standardize("0523-86881234") == .valid("0523-86881234"))
        #expect(PhoneNumber.standardize("(0523)86881234") == .valid("0523-86881234", [.separatorsRemoved]))
        #expect(PhoneNumber.standardize("052386881234") == .valid("0523-86881234"))
        #expect(PhoneNumber.standardize("010-12345678") == .valid("010-12345678"))
        #expect(PhoneNumber.standardize("86881234") == .valid("0523-86881234", [.areaCodeAdded]))
        #expect(PhoneNumber.standardize("１３９１２３４５６７８") == .valid("13912345678", [.fullWidth]))
    }

    @Test func rejectsWhatIsNoPhoneNumber() {
        #expect(PhoneNumber.standardize("0523-86688").failure?.code == "length")
        #expect(PhoneNumber.standardize("1391234567").failure == StandardFailure("length", "手机号码应为11位，实为10位"))
        #expect(PhoneNumber.standardize("12912345678").failure?.code == "format")
        #expect(PhoneNumber.standardize("139x2345678").failure?.code == "character")
        #expect(PhoneNumber.standardize("5555").failure?.code == "format")
    }

    /// An 11-digit value starting with 1 is either a mobile as written (second digit 3–9) or a format failure, whatever
    /// path it takes; a space taken out of it is still said, as a separator.
    @Test func elevenDigitsStartingWithOne() {
        for second in 0...9 {
            let number = "1\(second)912345678"
            let result = PhoneNumber.standardize(number)
            if second >= 3 {
                #expect(result == .valid(number), "\(number)")
            } else {
                #expect(result == .invalid(StandardFailure("format", "手机号码第2位应为3至9"), []), "\(number)")
            }
        }
        #expect(PhoneNumber.standardize("139\t12345678") == .valid("13912345678", [.separatorsRemoved]))
        #expect(PhoneNumber.standardize("139\u{3000}1234\u{3000}5678") == .valid("13912345678", [.separatorsRemoved]))
        #expect(PhoneNumber.standardize(" 13912345678 ") == .valid("13912345678", [.trimmed]))
        #expect(PhoneNumber.standardize("1391234567８") == .valid("13912345678", [.fullWidth]))
        #expect(PhoneNumber.standardize("13912345678 9") == .invalid(StandardFailure("length", "手机号码应为11位，实为12位"), []))
    }

    /// The country code in each of its forms, once or twice; "86" alone only before an 11-digit mobile; a leading "+"
    /// before anything else, and a "+" further on; landline area codes of three digits (010, 02x) and four; dashes of other widths as separators.
    @Test func countryCodesAreaCodesAndSeparators() {
        #expect(PhoneNumber.standardize("8613912345678") == .valid("13912345678", [.countryCodeRemoved]))
        #expect(PhoneNumber.standardize("+86008613912345678") == .valid("13912345678", [.countryCodeRemoved, .countryCodeRemoved]))
        #expect(PhoneNumber.standardize("8605238688123") == .invalid(StandardFailure("format", "既不是手机号码也不是固定电话"), []))
        #expect(PhoneNumber.standardize("+13912345678") == .invalid(StandardFailure("format", "“+”只能用于国家代码+86"), []))
        #expect(PhoneNumber.standardize("139+12345678") == .invalid(StandardFailure("character", "含非法字符“+”"), []))
        #expect(PhoneNumber.standardize("02112345678") == .valid("021-12345678"))
        #expect(PhoneNumber.standardize("0101234567") == .valid("010-1234567"))
        #expect(PhoneNumber.standardize("05230123456") == .invalid(StandardFailure("length", "固定电话应为区号加7至8位号码，实为11位"), []))
        #expect(PhoneNumber.standardize("139—1234—5678") == .valid("13912345678", [.separatorsRemoved]))
        #expect(PhoneNumber.standardize("()") == .invalid(StandardFailure("format", "既不是手机号码也不是固定电话"), []))
    }

    /// ASCII numbers take a byte path, the rest the character path: both give the same answers and messages.
    @Test func asciiAndNonASCIIPathsAgree() {
        #expect(PhoneNumber.standardize("139x2345678").failure == StandardFailure("character", "含非法字符“x”"))
        #expect(PhoneNumber.standardize("139号2345678").failure == StandardFailure("character", "含非法字符“号”"))
        #expect(PhoneNumber.standardize("（0523）86881234") == .valid("0523-86881234", [.fullWidth, .separatorsRemoved]))
        #expect(PhoneNumber.standardize("0523—86881234") == .valid("0523-86881234", [.separatorsRemoved]))
        #expect(PhoneNumber.standardize("139+12345678").failure == StandardFailure("character", "含非法字符“+”"))
        #expect(PhoneNumber.standardize("+8613912345678") == .valid("13912345678", [.countryCodeRemoved]))
    }
}

@Suite struct TextStandardsTests {
    @Test func cleansNamesAndUnifiesMiddleDots() {
        #expect(TextStandards.personName("阿依古丽•买买提") == .valid("阿依古丽·买买提", [.middleDot]))
        #expect(TextStandards.personName("阿依古丽・买买提") == .valid("阿依古丽·买买提", [.middleDot]))
        #expect(TextStandards.personName("阿依古丽．买买提") == .valid("阿依古丽·买买提", [.fullWidth, .middleDot]))
        #expect(TextStandards.personName("阿依古丽·买买提") == .valid("阿依古丽·买买提"))
        #expect(TextStandards.personName("\u{3000}张三 ") == .valid("张三", [.trimmed]))
        #expect(TextStandards.personName("张\u{0007}三") == .valid("张三", [.controlCharacters]))
        #expect(TextStandards.personName("李4").failure == StandardFailure("character", "姓名中不应含数字“4”"))
        #expect(TextStandards.personName("   ") == .empty)
    }

    /// Spaces inside a typed code, found by bytes in ASCII text and by scalars in the rest: every kind is taken out
    /// and said once.
    @Test func spacesInsideACodeOfEveryKind() {
        #expect(TextNormalizer.hasInnerSpace("3212 02") && TextNormalizer.hasInnerSpace("3212\t02") && TextNormalizer.hasInnerSpace("3212\u{0B}02"))
        #expect(!TextNormalizer.hasInnerSpace("321202") && !TextNormalizer.hasInnerSpace(""))
        #expect(TextNormalizer.hasInnerSpace("３２1\u{2002}2") && TextNormalizer.hasInnerSpace("1\u{3000}2") && TextNormalizer.hasInnerSpace("1\u{1680}2"))
        #expect(!TextNormalizer.hasInnerSpace("３２１２") && !TextNormalizer.hasInnerSpace("1\u{200B}2"))
        #expect(TextNormalizer.normalizeCode("3212 02") == ("321202", [.spacesRemoved]))
        #expect(TextNormalizer.normalizeCode("32\u{2002}12０2") == ("321202", [.fullWidth, .spacesRemoved]))
        #expect(TextNormalizer.normalizeCode("321202") == ("321202", []))
    }

    /// Whether a value needs no clean-up: eight ASCII bytes are judged at once, so a control character or DEL is
    /// sought at every place of such a run; multi-byte characters by their lead byte.
    @Test func aCleanValueHasNoControlSpaceOrFullWidthFormAnywhere() {
        func clean(_ text: String, alphanumericsOnly: Bool = false) -> Bool {
            TextNormalizer.isClean(text, halfWidth: true, alphanumericsOnly: alphanumericsOnly)
        }
        let run = "0123456789abcdefXYZ~!"
        #expect(clean(run) && clean("泰州市海陵区" + run + "𠀀号") && clean("") && clean("a"))
        for index in run.indices.dropFirst().dropLast() {
            for bad in ["\u{7F}", "\u{1F}", "\u{0}", "\t", "\u{85}", "\u{A0}", "\u{3000}", "\u{200B}", "\u{FEFF}", "Ａ", "！"] {
                var text = run
                text.insert(contentsOf: bad, at: index)
                #expect(!clean(text), "\(bad.unicodeScalars.first!.value) at \(run.distance(from: run.startIndex, to: index))")
            }
        }
        #expect(!clean(" a") && !clean("a ") && !clean("\u{3000}泰"))
        #expect(!clean("泰州，") && clean("泰州，（一）·¥", alphanumericsOnly: true) && clean("\u{A1}\u{FF5F}\u{FF61}·¥"))
        #expect(clean("（一）！", alphanumericsOnly: true) && !clean("第１号", alphanumericsOnly: true))
        // Characters of two, three and four bytes are stepped over whole: what follows each is still looked at.
        for before in ["é", "§", "泰", "𠀀", "泰州é𠀀", "¥·—"] {
            #expect(clean(before + "x" + before), "\(before)")
            for bad in ["\u{7F}", "\u{1F}", "\t", "\u{85}", "\u{A0}", "\u{3000}", "\u{200B}", "\u{FEFF}", "Ａ", "！"] {
                #expect(!clean("x" + before + bad + "x"), "\(bad.unicodeScalars.first!.value) after \(before)")
            }
        }
    }

    @Test func keepsChinesePunctuationInTextButFoldsFullWidthDigits() {
        #expect(TextStandards.text("预包装食品销售，散装食品\r\n（含冷藏）") == .valid("预包装食品销售，散装食品\n（含冷藏）"))
        #expect(TextStandards.address("海陵区海陵南路１２号") == .valid("海陵区海陵南路12号", [.fullWidth]))
    }

    @Test func normalizesDocumentNumbersAndMoney() {
        #expect(TextStandards.documentNumber("泰审批许[2019]300号") == .valid("泰审批许〔2019〕300号", [.bracketsNormalized]))
        #expect(TextStandards.documentNumber("泰审批许（2019）300号") == .valid("泰审批许〔2019〕300号", [.bracketsNormalized]))
        #expect(TextStandards.documentNumber("泰审批许〔2019〕300号") == .valid("泰审批许〔2019〕300号"))
        #expect(TextStandards.money("1,234.50万元") == .valid("1234.5", [.unitRemoved, .separatorsRemoved]))
        #expect(TextStandards.money("0.20") == .valid("0.2"))
        #expect(TextStandards.money("007") == .valid("7"))
        #expect(TextStandards.money("-5").failure?.code == "negative")
        #expect(TextStandards.money("5E3").failure?.code == "format")
    }

    @Test func checksDivisionCodesAgainstTheTable() {
        let context = StandardFixtures.context
        #expect(TextStandards.divisionCode("321204", context: context) == .valid("321204"))
        #expect(TextStandards.divisionCode("321284", context: context) == .valid("321284"))   // retired, still a real code
        #expect(TextStandards.divisionCode("321299", context: context).failure?.code == "not_found")
        #expect(TextStandards.divisionCode("3212", context: context).failure?.code == "format")
        #expect(StandardFixtures.divisions.name(of: "321284") == "姜堰市")
        #expect(StandardFixtures.divisions.entries(for: "321284") == [
            DivisionTable.Entry(code: "321284", name: "姜堰市", validFrom: 1996, validTo: 2012)])
        #expect(StandardFixtures.divisions.isCurrent("321204"))
        #expect(!StandardFixtures.divisions.isKnown("321271"))   // a statistical code for a development zone
    }

    /// `isKnown` and `isCurrent` read a table indexed by the code's number: only exactly six ASCII digits are a code
    /// there; anything else answers as the table's entries do (a table built by hand may hold other codes).
    @Test func aDivisionIsKnownByItsSixDigitsOnly() {
        let table = DivisionTable(entries: [
            DivisionTable.Entry(code: "000000", name: "零", validFrom: nil, validTo: nil),
            DivisionTable.Entry(code: "999999", name: "末", validFrom: 1990, validTo: 2000),
            DivisionTable.Entry(code: "321284", name: "姜堰市", validFrom: 1996, validTo: 2012),
            DivisionTable.Entry(code: "321284", name: "姜堰区", validFrom: 2012, validTo: nil),
            DivisionTable.Entry(code: "X1", name: "手工", validFrom: nil, validTo: nil),
        ], source: "test")
        #expect(table.isKnown("000000") && table.isCurrent("000000"))
        #expect(table.isKnown("999999") && !table.isCurrent("999999"))
        #expect(table.isKnown("321284") && table.isCurrent("321284"))   // a later period is current
        #expect(table.isKnown("X1") && table.isCurrent("X1"))
        #expect(!table.isKnown("321204") && !table.isCurrent("321204"))
        for text in ["", "32128", "3212840", "３２１２８４", "32128４", " 321284", "321284 ", "-21284", "x"] {
            #expect(!table.isKnown(text), "\(text)")
            #expect(!table.isCurrent(text), "\(text)")
        }
        #expect(table.count == 4)
    }
}

@Suite struct CodeLookupAndLicenceTests {
    let catalog: Catalog? = try? Catalog.load(directory: Paths.packageRoot.appendingPathComponent("Pipelines/catalog").path)

    @Test func mapsCodesMeaningsAndAliases() throws {
        let catalog = try #require(catalog)
        let gender = CodeLookup(try #require(catalog.codeTable("gender")))
        #expect(gender.standardize("1") == .valid("1"))
        #expect(gender.standardize("男") == .valid("1", [.mappedToCode]))
        #expect(gender.standardize("女性") == .valid("2", [.mappedToCode]))
        #expect(gender.standardize("3").failure == StandardFailure("not_in_table", "GB/T 2261.1-2003 人的性别代码中没有此代码"))
        let ethnicity = CodeLookup(try #require(catalog.codeTable("ethnicity")))
        #expect(ethnicity.standardize("汉") == .valid("01", [.mappedToCode]))
        #expect(ethnicity.standardize("维吾尔族") == .valid("05", [.mappedToCode]))
        #expect(ethnicity.standardize("8") == .valid("08", [.zeroPadded]))
        #expect(ethnicity.standardize("56") == .valid("56"))
        #expect(ethnicity.standardize("97") == .valid("97"))
        #expect(ethnicity.standardize("99").failure?.code == "not_in_table")
    }

    @Test func checksElectronicLicenceIdentifiers() {
        let context = StandardFixtures.context
        let example = "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U"
        #expect(LicenceIdentifier.standardize(example, context: context) == .valid(example))
        #expect(LicenceIdentifier.checkCharacter(for: "11100000000013338W011" + "11430000006122244L" + "20230000403" + "001") == "U")
        #expect(LicenceIdentifier.standardize(String(example.dropLast()) + "V", context: context).failure
                == StandardFailure("check_character", "校验位错误：应为U，实为V"))
        #expect(LicenceIdentifier.standardize(example.replacingOccurrences(of: ".001.", with: ".01."), context: context).failure?.code == "version")
        #expect(LicenceIdentifier.standardize(example.replacingOccurrences(of: "6122244L", with: "6122244M"), context: context).failure?.code == "issuer")
        #expect(LicenceIdentifier.standardize("2.2.156", context: context).failure?.code == "prefix")
        #expect(LicenceIdentifier.standardize(example.lowercased(), context: context) == .valid(example, [.lowerCase]))
    }
}
