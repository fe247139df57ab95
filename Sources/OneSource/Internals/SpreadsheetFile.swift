/// One sheet written as an Office Open XML workbook (.xlsx) whose every cell is text, and every column
/// formatted as text: opened and saved again in Excel, WPS or LibreOffice, an 18-digit identity number stays
/// 18 digits (a CSV cell would become 3.21082196604267E+017), a value beginning with "=" stays a value
/// (never a formula), and what an agency types into the reply columns stays as typed.
enum SpreadsheetFile {
    private static let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    private static let relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    private static let packageRelationships = "http://schemas.openxmlformats.org/package/2006/relationships"

    /// The workbook's bytes: `rows[0]` is the header (bold, frozen); column widths from `widths` (characters).
    static func xlsx(sheet: String, rows: [[String]], widths: [Int] = []) -> [UInt8] {
        let columns = rows.map(\.count).max() ?? 0
        var zip = ZipArchive()
        zip.add("[Content_Types].xml", Array("""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
            <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
            <Default Extension="xml" ContentType="application/xml"/>\
            <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
            <Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
            <Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
            </Types>
            """.utf8))
        zip.add("_rels/.rels", Array("""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="\(packageRelationships)">\
            <Relationship Id="rId1" Type="\(relationships)/officeDocument" Target="xl/workbook.xml"/></Relationships>
            """.utf8))
        zip.add("xl/workbook.xml", Array("""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <workbook xmlns="\(main)" xmlns:r="\(relationships)"><sheets><sheet name="\(MarkupText.escape(sheet))" sheetId="1" r:id="rId1"/></sheets></workbook>
            """.utf8))
        zip.add("xl/_rels/workbook.xml.rels", Array("""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="\(packageRelationships)">\
            <Relationship Id="rId1" Type="\(relationships)/worksheet" Target="worksheets/sheet1.xml"/>\
            <Relationship Id="rId2" Type="\(relationships)/styles" Target="styles.xml"/></Relationships>
            """.utf8))
        // Style 1: text (number format 49, "@"); style 2: text, bold, for the header.
        zip.add("xl/styles.xml", Array("""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <styleSheet xmlns="\(main)"><fonts count="2"><font><sz val="11"/><name val="宋体"/></font>\
            <font><b/><sz val="11"/><name val="宋体"/></font></fonts>\
            <fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>\
            <borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
            <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
            <cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
            <xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
            <xf numFmtId="49" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1"/></cellXfs>\
            <cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>
            """.utf8))
        var sheetXML = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <worksheet xmlns="\(main)"><sheetViews><sheetView workbookViewId="0">\
            <pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><cols>
            """
        for column in 0..<max(columns, 1) {
            let width = column < widths.count ? widths[column] : 16
            sheetXML += "<col min=\"\(column + 1)\" max=\"\(column + 1)\" width=\"\(width)\" style=\"1\" customWidth=\"1\"/>"
        }
        sheetXML += "</cols><sheetData>"
        for (index, row) in rows.enumerated() {
            sheetXML += "<row r=\"\(index + 1)\">"
            for (column, value) in row.enumerated() {
                sheetXML += "<c r=\"\(columnName(column))\(index + 1)\" t=\"inlineStr\" s=\"\(index == 0 ? 2 : 1)\"><is><t xml:space=\"preserve\">"
                    + MarkupText.escape(value) + "</t></is></c>"
            }
            sheetXML += "</row>"
        }
        sheetXML += "</sheetData></worksheet>"
        zip.add("xl/worksheets/sheet1.xml", Array(sheetXML.utf8))
        return zip.bytes
    }

    /// A, B, …, Z, AA, AB, …
    static func columnName(_ index: Int) -> String {
        var n = index + 1
        var name = ""
        while n > 0 {
            let remainder = (n - 1) % 26
            name = String(Character(Unicode.Scalar(UInt8(65 + remainder)))) + name
            n = (n - 1) / 26
        }
        return name
    }

}
