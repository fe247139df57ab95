import Foundation
import Testing
@testable import OneSource

/// Codes typed with spaces are untidy, not invalid: cleaned, valid, and reported as a non-standard form.
@Suite struct CodeSpacesTests {
    let context = StandardFixtures.context

    @Test func identityNumbersWithInnerSpacesOfEveryKindAreValid() {
        for raw in ["321025 19781003 2974", "321025\t19781003\t2974", "321025\u{3000}19781003\u{3000}2974",
                    "321025\u{00A0}19781003\u{00A0}2974", "3210 2519 7810 0329 74", " 321025\u{2009}197810032974 "] {
            #expect(IdentityNumber.standardize(raw, context: context) == .valid("321025197810032974", [.spacesRemoved])
                    || IdentityNumber.standardize(raw, context: context) == .valid("321025197810032974", [.trimmed, .spacesRemoved]), "\(raw)")
        }
        // Spaces in a number that is wrong stay wrong, for the right reason.
        #expect(IdentityNumber.standardize("321025 19781003 2975", context: context).failure?.code == "check_character")
        // Full-width digits and an ideographic space: both said.
        #expect(IdentityNumber.standardize("３２１０２５\u{3000}１９７８１００３２９７４", context: context)
                == .valid("321025197810032974", [.fullWidth, .spacesRemoved]))
    }

    @Test func creditCodesLicenceIdentifiersDivisionsAndPhonesToo() {
        #expect(CreditCode.standardize("91 321202 468630833F", context: context) == .valid("91321202468630833F", [.spacesRemoved]))
        #expect(CreditCode.standardize("9111 0000 6000 3734 1l", context: context) == .valid("91110000600037341L", [.spacesRemoved, .lowerCase]))
        #expect(LicenceIdentifier.standardize("1.2.156.3005.2.11100000000013338W011. 11430000006122244L .20230000403.001.U", context: context)
                == .valid("1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U", [.spacesRemoved]))
        #expect(TextStandards.divisionCode("321\u{3000}202", context: context) == .valid("321202", [.spacesRemoved]))
        #expect(PhoneNumber.standardize("139\u{00A0}1234\u{00A0}5678") == .valid("13912345678", [.separatorsRemoved]))
    }

    @Test func aRecordIsKnownByItsCleanedKeyEvenWhenTheKeyIsInvalid() throws {
        let catalog = try Catalog.load(directory: Paths.packageRoot.appendingPathComponent("Pipelines/catalog").path)
        let verifier = try RecordVerifier(dataset: try #require(catalog.dataset("gongan_household")), catalog: catalog, context: context)
        func key(_ id: String) -> String {
            verifier.verify(.init(fileID: 1, line: 2, recordIndex: 1, values: [id, "张三", "男", "01", nil, nil, nil, nil])).recordKey
        }
        #expect(key("321025 19781003 2974") == "321025197810032974")
        // An invalid number (wrong check character) typed with spaces and a lower-case x is known as its cleaned form.
        #expect(key(" 11010519491231002 x\u{3000}") == "11010519491231002X")
        #expect(key("１１０１０５１９４９１２３１００２ｘ") == "11010519491231002X")
        let output = verifier.verify(.init(fileID: 1, line: 2, recordIndex: 1, values: [
            "321025 19781003 2974", "张三", "男", "01", "1978-10-03", "江苏省泰州市泰兴市人民路1号", "321283", "2015-06-01"]))
        #expect(output.findings.map { "\($0.ruleID) \($0.severity)" } == ["nonstandard_form notice"])
        #expect(!output.hasError)
    }
}

@Suite struct CatalogDelimiterTests {
    @Test func aTabDelimiterMayBeARealTabEscapedOrNamed() throws {
        for spelling in ["\"\\t\"", "\"\\\\t\"", "\"tab\""] {
            let directory = try Paths.temporaryDirectory()
            try FileManager.default.removeItem(at: directory)
            try FileManager.default.copyItem(at: Paths.packageRoot.appendingPathComponent("Pipelines/catalog"), to: directory)
            let file = directory.appendingPathComponent("datasets/ziran_divisions.json")
            try (try String(contentsOf: file, encoding: .utf8)).replacingOccurrences(of: "\"format\": \"csv\",", with: "\"format\": \"csv\", \"delimiter\": \(spelling),")
                .write(to: file, atomically: true, encoding: .utf8)
            #expect(try Catalog.load(directory: directory.path).dataset("ziran_divisions")?.delimiter == 0x09, "\(spelling)")
        }
    }
}
