import Foundation

/// Writes a synthetic city for tests and benchmarks: every agency's export in the catalog's formats and
/// encodings, with defects injected at a known rate, the ground truth of every injected defect, and the
/// catalog and pipeline definition to run it as is. Deterministic for a seed.
public struct CityGenerator {
    public let persons: Int
    public let seed: UInt64
    /// Probability that a record carries one injected defect.
    public let defectRate: Double
    public let output: String
    /// Where the catalog, division table and calendar are copied from.
    public let pipelines: String
    /// The city on a later night (0: the first): some people have moved house or changed phone since, as on real
    /// nights; the defects and the ground truth stay those of night 0.
    public let night: Int

    public init(persons: Int, seed: UInt64, defectRate: Double = 0.01, output: String, pipelines: String, night: Int = 0) {
        self.persons = persons
        self.seed = seed
        self.defectRate = defectRate
        self.output = output
        self.pipelines = pipelines
        self.night = night
    }

    /// How many times person `i` changed `what` (0: address, 1: phone) by `night`: each night 3 in 1,000 do.
    func changes(_ i: Int, _ what: UInt64) -> Int {
        var count = 0
        for n in stride(from: 1, through: night, by: 1) {
            var random = Random(state: seed &* 0x2545_F491_4F6C_DD1D ^ UInt64(n) << 40 ^ what << 60 ^ UInt64(i))
            if random.next() % 1000 < 3 { count += 1 }
        }
        return count
    }

    /// One injected defect: where it is and what must report it.
    public struct Defect: Sendable, Equatable {
        public let path: String
        public let line: Int
        public let stage: String
        public let rule: String
        public let element: String
    }

    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func int(_ range: Range<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
        mutating func chance(_ p: Double) -> Bool { Double(next() % 1_000_000) / 1_000_000 < p }
    }

    static let surnames = Array("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
    static let given = Array("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国玉志晓东海燕红梅春花立新")
    static let counties = ["321202", "321203", "321204", "321281", "321282", "321283"]
    static let countyNames = ["321202": "海陵区", "321203": "高港区", "321204": "姜堰区", "321281": "兴化市", "321282": "靖江市", "321283": "泰兴市"]
    static let creditAlphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")

    /// A valid unified social credit code for entity `i` (department 9, category 1, region `county`).
    static func creditCode(_ i: Int, county: String) -> String {
        var digits = ""
        var n = i
        for _ in 0..<6 { digits.append(creditAlphabet[n % 31]); n /= 31 }
        let organisation = "MA" + digits
        let bytes = Array(organisation.utf8)
        let check = CreditCode.organisationCheck(for: bytes[0..<8]).map(String.init) ?? "0"
        let first17 = Array(("91" + county + organisation + check).utf8)
        return String(decoding: first17, as: UTF8.self) + String(CreditCode.checkCharacter(for: first17) ?? "0")
    }

    /// Writes the city; returns the injected defects (also written to ground-truth.csv). The city is written into a
    /// hidden folder beside `output` and renamed into place at the end (replacing an earlier city there), so a failure
    /// leaves no half-written city.
    /// - Throws: `GenerateError` naming the folder that cannot be written and why.
    @discardableResult
    public func write() throws -> [Defect] {
        let fm = FileManager.default
        let target = URL(fileURLWithPath: output).standardizedFileURL
        let parent = target.deletingLastPathComponent()
        do {
            try fm.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw GenerateError(path: parent.path, reason: "cannot create the folder: \(GenerateError.reason(error))")
        }
        guard fm.isWritableFile(atPath: parent.path) else {
            throw GenerateError(path: parent.path, reason: "this user cannot write into the folder that would hold \(target.lastPathComponent)")
        }
        let staging = parent.appendingPathComponent(".\(target.lastPathComponent).partial-\(getpid())")
        try? fm.removeItem(at: staging)
        let staged = CityGenerator(persons: persons, seed: seed, defectRate: defectRate, output: staging.path, pipelines: pipelines, night: night)
        do {
            let defects = try staged.writeFiles()
            let aside = parent.appendingPathComponent(".\(target.lastPathComponent).replaced-\(getpid())")
            let replacing = fm.fileExists(atPath: target.path)
            if replacing { try fm.moveItem(at: target, to: aside) }
            try fm.moveItem(at: staging, to: target)
            if replacing { try? fm.removeItem(at: aside) }
            return defects
        } catch {
            try? fm.removeItem(at: staging)
            if let error = error as? GenerateError { throw error }
            throw GenerateError(path: target.path, reason: GenerateError.reason(error))
        }
    }

    private func writeFiles() throws -> [Defect] {
        var random = Random(state: seed)
        let fm = FileManager.default
        let data = (output as NSString).appendingPathComponent("data")
        for folder in ["公安局", "人社局", "民政局", "市场监管局", "行政审批局", "信用办", "自然资源和规划局"] {
            try fm.createDirectory(atPath: (data as NSString).appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        var defects: [Defect] = []
        func defect(_ path: String, _ line: Int, _ stage: String, _ rule: String, _ element: String) {
            defects.append(Defect(path: path, line: line, stage: stage, rule: rule, element: element))
        }
        // People: valid, unique identity numbers (1,000 sequence numbers per birth date).
        struct Person { let id: String; let name: String; let gender: String; let birth: CivilDate; let county: String }
        var people: [Person] = []
        people.reserveCapacity(persons)
        for i in 0..<persons {
            let county = CityGenerator.counties[i % CityGenerator.counties.count]
            let birth = CivilDate(year: 1940, month: 1, day: 1)!.adding(days: (i / 1000) * 11 % 29_000)
            let body = county + birth.compact + String(format: "%03d", i % 1000)
            let id = body + String(IdentityNumber.checkCharacter(for: Array(body.utf8)))
            let name = String(CityGenerator.surnames[random.int(0..<CityGenerator.surnames.count)])
                + String(CityGenerator.given[random.int(0..<CityGenerator.given.count)])
                + (random.chance(0.6) ? String(CityGenerator.given[random.int(0..<CityGenerator.given.count)]) : "")
            people.append(Person(id: id, name: name, gender: (i % 1000) % 2 == 1 ? "1" : "2", birth: birth, county: county))
        }
        // 公安局: household registration (CSV, UTF-8). Defects: check character, full-width, birth date, missing name,
        // impossible date, unterminated quote.
        var clean = [Bool](repeating: true, count: persons)
        var csv = "公民身份号码,姓名,性别,民族,出生日期,户籍地址,户籍区划代码,登记日期\r\n"
        let gonganPath = "公安局/户籍人口.csv"
        var line = 1
        for (i, p) in people.enumerated() {
            line += 1
            var id = p.id, name = p.name, birth = p.birth.description
            var row: String?
            if random.chance(defectRate) {
                clean[i] = false
                switch random.int(0..<7) {
                case 0:
                    let wrong = "0123456789X".filter { $0 != id.last }
                    id = String(id.dropLast()) + String(wrong[wrong.index(wrong.startIndex, offsetBy: random.int(0..<wrong.count))])
                    defect(gonganPath, line, "verify", BuiltInRule.conforms.rawValue, "person.id_number")
                case 1:
                    id = String(id.unicodeScalars.map { $0.value >= 0x30 && $0.value <= 0x39 ? Character(Unicode.Scalar($0.value + 0xFEE0)!) : Character($0) })
                    defect(gonganPath, line, "verify", BuiltInRule.nonstandardForm.rawValue, "person.id_number")
                    clean[i] = true   // usable after standardization: it is loaded and compared like any other
                case 2:
                    birth = p.birth.adding(days: 1).description
                    defect(gonganPath, line, "verify", BuiltInRule.birthDateMatchesIdentity.rawValue, "person.birth_date")
                case 3:
                    name = ""
                    defect(gonganPath, line, "verify", BuiltInRule.required.rawValue, "person.name")
                case 4:
                    birth = "\(p.birth.year)-02-30"
                    defect(gonganPath, line, "verify", BuiltInRule.conforms.rawValue, "person.birth_date")
                case 5:
                    // Typed with spaces inside: a space, a tab, an ideographic space or a no-break space.
                    let space = [" ", "\t", "\u{3000}", "\u{00A0}"][random.int(0..<4)]
                    id = String(id.prefix(6)) + space + String(id.dropFirst(6).prefix(8)) + space + String(id.dropFirst(14))
                    defect(gonganPath, line, "verify", BuiltInRule.nonstandardForm.rawValue, "person.id_number")
                    clean[i] = true   // usable after standardization
                default:
                    row = "\(id),\"\(name),\(p.gender == "1" ? "男" : "女"),01,\(birth),江苏省泰州市,\(p.county),2015-06-01"
                    defect(gonganPath, line, "ingest", "rejected", "")
                }
            }
            csv += (row ?? "\(id),\(name),\(p.gender == "1" ? "男" : "女"),01,\(birth),江苏省泰州市\(CityGenerator.countyNames[p.county] ?? "")人民路\((i + 7 * changes(i, 0)) % 300 + 1)号,\(p.county),2015-06-01") + "\r\n"
        }
        try csv.write(toFile: (data as NSString).appendingPathComponent(gonganPath), atomically: true, encoding: .utf8)
        // 民政局: deaths (JSON array, one object a line) of 2% of the clean people. Defect: impossible death date.
        var dead: [Int: String] = [:]
        var json = "[\n"
        var deathLines: [String] = []
        // Only the lower half dies: legal representatives come from the upper half.
        for i in stride(from: 7, to: persons / 2, by: 50) where clean[i] {
            let p = people[i]
            var date = CivilDate(year: 2025, month: 1 + i % 12, day: 1 + i % 28)!.description
            let lineNumber = deathLines.count + 2
            if random.chance(defectRate) {
                date = "2025-02-30"
                defect("民政局/死亡登记.json", lineNumber, "verify", BuiltInRule.conforms.rawValue, "death.date")
            } else {
                dead[i] = date
            }
            deathLines.append("  {\"登记编号\": \"泰民死字〔2025〕\(String(format: "%06d", i))号\", \"身份证号\": \"\(p.id)\", \"姓名\": \"\(p.name)\", \"死亡日期\": \"\(date)\", \"登记机关\": \"泰州市民政局\"}")
        }
        json += deathLines.joined(separator: ",\n") + "\n]\n"
        try json.write(toFile: (data as NSString).appendingPathComponent("民政局/死亡登记.json"), atomically: true, encoding: .utf8)
        // 人社局: insured (CSV, GB18030, dates as 1988年2月3日), half the clean people. Defects: a name that differs
        // from 公安局's, a benefit still paid after a registered death.
        var insured = "社会保障号码,姓名,性别,出生日期,参保状态,险种类型,最近缴费或发放年月,联系电话\r\n"
        line = 1
        for i in stride(from: 0, to: persons, by: 2) where clean[i] && dead[i] == nil {
            let p = people[i]
            line += 1
            var name = p.name
            let status = p.birth.year < 1964 ? "待遇享受" : "正常参保"
            if random.chance(defectRate) {
                name = p.name + "某"
                defect("人社局/社保参保.csv", line, "compare", BuiltInRule.matchesAuthority.rawValue, "person.name")
            }
            insured += "\(p.id),\(name),\(p.gender == "1" ? "男" : "女"),\(p.birth.year)年\(p.birth.month)月\(p.birth.day)日,\(status),城镇职工基本养老保险,2026-10,139\(String(format: "%08d", (i + 1_000_003 * changes(i, 1)) % 100_000_000))\r\n"
        }
        // Benefits after death: dead pensioners still paid; and people still 正常参保 (contributing) after a registered
        // death, with no payment month (found by the catalog's SQL rule insured_after_death).
        for (i, _) in dead.sorted(by: { $0.key < $1.key }) {
            let p = people[i]
            let person = "\(p.id),\(p.name),\(p.gender == "1" ? "男" : "女"),\(p.birth.year)年\(p.birth.month)月\(p.birth.day)日"
            if p.birth.year < 1964 && random.chance(defectRate * 20) {
                line += 1
                insured += "\(person),待遇享受,城镇职工基本养老保险,2026-10,13900000000\r\n"
                defect("人社局/社保参保.csv", line, "associate", "benefit_after_death", "insurance.status")
            } else if random.chance(defectRate * 10) {
                line += 1
                insured += "\(person),正常参保,城镇职工基本养老保险,,13900000001\r\n"
                defect("人社局/社保参保.csv", line, "associate", "insured_after_death", "insurance.status")
            }
        }
        try Data(try Self.encoded(insured, "GB18030")).write(to: URL(fileURLWithPath: (data as NSString).appendingPathComponent("人社局/社保参保.csv")))
        // 市场监管局: legal entities (XML, one record a line), legal representatives from the living end of the
        // population. Defects: a credit code with a wrong check character. Some entities are deregistered.
        let entities = max(20, persons / 5)
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<市场主体列表>\n"
        var entityCode: [String] = [], entityStatus: [String] = [], entityClean: [Bool] = [], established: [CivilDate] = []
        for k in 0..<entities {
            let county = CityGenerator.counties[k % CityGenerator.counties.count]
            var code = CityGenerator.creditCode(k, county: county)
            let status = k % 97 == 5 ? "注销" : "存续"
            let rep = people[persons - 1 - (k % max(1, persons / 2))]
            let since = CivilDate(year: 2005 + k % 15, month: 1 + k % 12, day: 1 + k % 28)!
            var ok = true
            var name = "泰州市\(CityGenerator.countyNames[county] ?? "")恒达商贸有限公司\(k)"
            if k == 5 || k % 89 == 7 {
                // Delivered without a name: quarantined, yet it exists (its licences are not "of an unregistered
                // holder"), and the first deregistered company's licences are still flagged from its own record.
                name = ""
                defect("市场监管局/市场主体.xml", k + 3, "verify", BuiltInRule.required.rawValue, "entity.name")
            } else if random.chance(defectRate) {
                if random.chance(0.5) {
                    let last = code.last!
                    code = String(code.dropLast()) + (last == "0" ? "1" : "0")
                    ok = false
                    defect("市场监管局/市场主体.xml", k + 3, "verify", BuiltInRule.conforms.rawValue, "entity.credit_code")
                } else {
                    code = String(code.prefix(2)) + " " + String(code.dropFirst(2).prefix(6)) + " " + String(code.dropFirst(8))
                    defect("市场监管局/市场主体.xml", k + 3, "verify", BuiltInRule.nonstandardForm.rawValue, "entity.credit_code")
                }
            }
            entityCode.append(CityGenerator.creditCode(k, county: county)); entityStatus.append(status); entityClean.append(ok); established.append(since)
            xml += "<市场主体><统一社会信用代码>\(code)</统一社会信用代码><名称>\(name)</名称><法定代表人><姓名>\(rep.name)</姓名><证件号码>\(rep.id)</证件号码></法定代表人><登记状态>\(status)</登记状态><成立日期>\(since)</成立日期><住所>泰州市人民路\(k)号</住所><登记机关区划>\(county)</登记机关区划></市场主体>\n"
        }
        xml += "</市场主体列表>\n"
        try xml.write(toFile: (data as NSString).appendingPathComponent("市场监管局/市场主体.xml"), atomically: true, encoding: .utf8)
        // 行政审批局: licences (CSV with BOM, dates as 2024/3/7) of entities registered correctly. Defects: a valid
        // licence of a deregistered holder (every licence of such a holder), an unregistered holder, expiry before issue.
        var licences = "\u{FEFF}行政许可决定文书号,许可证书名称,许可编号,相对人名称,统一社会信用代码,法定代表人,许可决定日期,有效期自,有效期至,许可机关,当前状态,许可内容,电子证照标识\r\n"
        line = 1
        for n in 0..<(entities * 3 / 2) {
            let k = n % entities
            guard entityClean[k] else { continue }
            line += 1
            let issued = established[k].adding(days: 30 + n % 300)
            let slash = { (d: CivilDate) in "\(d.year)/\(d.month)/\(d.day)" }
            var holder = entityCode[k], expiry = issued.adding(days: 5 * 365)
            var name = "泰州市\(CityGenerator.countyNames[CityGenerator.counties[k % CityGenerator.counties.count]] ?? "")恒达商贸有限公司\(k)"
            if entityStatus[k] == "注销" {
                defect("行政审批局/行政许可.csv", line, "associate", "licence_holder_inactive", "licence.status")
            } else if random.chance(defectRate) {
                if random.chance(0.5) {
                    holder = CityGenerator.creditCode(entities + n, county: "321283")
                    name = "泰兴市未登记商贸有限公司\(n)"
                    defect("行政审批局/行政许可.csv", line, "associate", "licence_holder_unregistered", "licence.holder_credit_code")
                } else {
                    expiry = issued.adding(days: -30)
                    defect("行政审批局/行政许可.csv", line, "verify", BuiltInRule.expiryNotBeforeIssue.rawValue, "licence.valid_to")
                }
            }
            licences += "泰审批许〔\(issued.year)〕\(n + 1)号,食品经营许可证,JY3\(String(format: "%010d", n)),\(name),\(holder),张三,\(slash(issued)),\(slash(issued)),\(slash(expiry)),泰州市行政审批局,有效,预包装食品销售,\r\n"
        }
        try licences.write(toFile: (data as NSString).appendingPathComponent("行政审批局/行政许可.csv"), atomically: true, encoding: .utf8)
        // 信用办: penalties (NDJSON, dates as 20240307). Defects: an unregistered subject, a malformed line.
        var penalties = ""
        var penaltyLine = 0
        for n in 0..<max(10, entities / 4) {
            let k = (n * 7) % entities
            guard entityClean[k] else { continue }
            penaltyLine += 1
            var code = entityCode[k]
            var name = "泰州市\(CityGenerator.countyNames[CityGenerator.counties[k % CityGenerator.counties.count]] ?? "")恒达商贸有限公司\(k)"
            if random.chance(defectRate) {
                if random.chance(0.5) {
                    code = CityGenerator.creditCode(entities * 2 + n, county: "321202")
                    name = "泰州市海陵区未登记餐饮店\(n)"
                    defect("信用办/行政处罚.ndjson", penaltyLine, "associate", "penalty_subject_unregistered", "penalty.subject_credit_code")
                } else {
                    penalties += "{\"行政处罚决定书文号\": \"泰市监罚〔2025〕\(n)号\", \"行政相对人名称\": }\n"
                    defect("信用办/行政处罚.ndjson", penaltyLine, "ingest", "rejected", "")
                    continue
                }
            }
            penalties += "{\"行政处罚决定书文号\": \"泰市监罚〔2025〕\(String(format: "%06d", n))号\", \"行政相对人名称\": \"\(name)\", \"行政相对人类别\": \"法人及非法人组织\", \"统一社会信用代码\": \"\(code)\", \"法定代表人\": \"张三\", \"违法行为类型\": \"违反食品安全法\", \"处罚类别\": \"罚款\", \"罚款金额（万元）\": 0.5, \"处罚决定日期\": \"2025\(String(format: "%02d%02d", 1 + n % 12, 1 + n % 28))\", \"处罚机关\": \"泰州市市场监督管理局\", \"数据来源单位\": \"泰州市市场监督管理局\"}\n"
        }
        try penalties.write(toFile: (data as NSString).appendingPathComponent("信用办/行政处罚.ndjson"), atomically: true, encoding: .utf8)
        // 自然资源和规划局: divisions and standard addresses (clean).
        var divisions = "区划代码,区划名称,上级区划代码,级别,启用日期,停用日期\r\n320000,江苏省,,省,1949-10-01,\r\n321200,泰州市,320000,地级市,1996-08-12,\r\n"
        for county in CityGenerator.counties { divisions += "\(county),\(CityGenerator.countyNames[county] ?? ""),321200,县级,1997-01-01,\r\n" }
        try divisions.write(toFile: (data as NSString).appendingPathComponent("自然资源和规划局/行政区划.csv"), atomically: true, encoding: .utf8)
        var addresses = "地址编码,所属区划代码,标准地址,经度,纬度\r\n"
        for n in 0..<max(10, persons / 10) {
            addresses += "321200\(String(format: "%08d", n + 1)),321202,江苏省泰州市海陵区海陵南路\(n % 300 + 1)号,119.9\(String(format: "%03d", n % 1000)),32.4\(String(format: "%03d", n % 1000))\r\n"
        }
        try addresses.write(toFile: (data as NSString).appendingPathComponent("自然资源和规划局/标准地址.csv"), atomically: true, encoding: .utf8)
        try copyReferenceData()
        // Ground truth.
        var truth = "path,line,stage,rule,element\n"
        for d in defects.sorted(by: { ($0.path, $0.line) < ($1.path, $1.line) }) { truth += "\(d.path),\(d.line),\(d.stage),\(d.rule),\(d.element)\n" }
        try truth.write(toFile: (output as NSString).appendingPathComponent("ground-truth.csv"), atomically: true, encoding: .utf8)
        return defects
    }

    /// `text` in a legacy encoding, as an agency delivers it.
    static func encoded(_ text: String, _ encoding: String) throws -> [UInt8] {
        guard let bytes = Iconv.encode(text, to: encoding) else {
            throw CocoaError(.fileWriteInapplicableStringEncoding, userInfo: [NSLocalizedDescriptionKey: "cannot encode the city's text in \(encoding)"])
        }
        return bytes
    }

    /// Copies the catalog, division table and calendar, and writes the pipeline definition.
    private func copyReferenceData() throws {
        let fm = FileManager.default
        for folder in ["catalog", "divisions", "calendar"] {
            let target = (output as NSString).appendingPathComponent(folder)
            if fm.fileExists(atPath: target) { try fm.removeItem(atPath: target) }
            let source = (pipelines as NSString).appendingPathComponent(folder)
            guard fm.fileExists(atPath: source) else {
                throw GenerateError(path: source, reason: "not found: --pipelines names the folder holding catalog, divisions and calendar")
            }
            try fm.copyItem(atPath: source, toPath: target)
        }
        try """
            {
              "name": "generated-city",
              "description": "A generated city of \(persons) persons (seed \(seed), defect rate \(defectRate)); ground truth in ground-truth.csv.",
              "catalog": "catalog",
              "dataRoot": "data",
              "divisions": "divisions/gbt2260.tsv",
              "calendar": "calendar",
              "stages": ["ingest", "verify", "load", "compare", "associate", "rectify", "report"],
              "retention": {"keepRuns": 7}
            }

            """.write(toFile: (output as NSString).appendingPathComponent("nightly.json"), atomically: true, encoding: .utf8)
    }
}

/// Why a city could not be generated: the path and a plain reason (not Foundation's error domain and code).
public struct GenerateError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "cannot generate the city at \(path): \(reason)" }

    static func reason(_ error: any Error) -> String {
        let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
        if let posix = underlying, posix.domain == NSPOSIXErrorDomain, let message = strerror(Int32(posix.code)) {
            return String(cString: message)
        }
        return (error as NSError).localizedDescription
    }
}
