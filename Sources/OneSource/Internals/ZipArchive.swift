/// A ZIP archive of stored (uncompressed) entries, as office files are: enough for an .xlsx, which every
/// spreadsheet opens whatever the compression. Entries keep the order they were added in; names are UTF-8.
struct ZipArchive {
    private var body: [UInt8] = []
    private var directory: [UInt8] = []
    private var count = 0

    /// CRC-32 (IEEE 802.3, as ZIP uses it).
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = (crc >> 8) ^ crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] }
        return crc ^ 0xFFFF_FFFF
    }

    private static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    private static func le16(_ value: Int, into out: inout [UInt8]) {
        out += [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF)]
    }

    private static func le32(_ value: UInt32, into out: inout [UInt8]) {
        out += [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8(value >> 24)]
    }

    /// Adds a file. A fixed time stamp (1980-01-01) keeps the archive the same for the same content.
    mutating func add(_ name: String, _ data: [UInt8]) {
        let nameBytes = Array(name.utf8)
        let crc = ZipArchive.crc32(data)
        let offset = UInt32(body.count)
        func common(into out: inout [UInt8]) {
            ZipArchive.le16(20, into: &out)          // version needed: 2.0
            ZipArchive.le16(0x0800, into: &out)      // names are UTF-8
            ZipArchive.le16(0, into: &out)           // stored
            ZipArchive.le16(0, into: &out)           // time 00:00
            ZipArchive.le16(0x21, into: &out)        // date 1980-01-01
            ZipArchive.le32(crc, into: &out)
            ZipArchive.le32(UInt32(data.count), into: &out)
            ZipArchive.le32(UInt32(data.count), into: &out)
            ZipArchive.le16(nameBytes.count, into: &out)
            ZipArchive.le16(0, into: &out)           // extra field
        }
        ZipArchive.le32(0x0403_4B50, into: &body)
        common(into: &body)
        body += nameBytes
        body += data
        ZipArchive.le32(0x0201_4B50, into: &directory)
        ZipArchive.le16(20, into: &directory)        // made by: 2.0
        common(into: &directory)
        ZipArchive.le16(0, into: &directory)         // comment
        ZipArchive.le16(0, into: &directory)         // disk
        ZipArchive.le16(0, into: &directory)         // internal attributes
        ZipArchive.le32(0, into: &directory)         // external attributes
        ZipArchive.le32(offset, into: &directory)
        directory += nameBytes
        count += 1
    }

    /// The whole archive.
    var bytes: [UInt8] {
        var out = body + directory
        ZipArchive.le32(0x0605_4B50, into: &out)
        ZipArchive.le16(0, into: &out)
        ZipArchive.le16(0, into: &out)
        ZipArchive.le16(count, into: &out)
        ZipArchive.le16(count, into: &out)
        ZipArchive.le32(UInt32(directory.count), into: &out)
        ZipArchive.le32(UInt32(body.count), into: &out)
        ZipArchive.le16(0, into: &out)
        return out
    }
}
