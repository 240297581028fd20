/// The parts of a workbook package by name (`xl/workbook.xml`), however they are stored: a
/// ZIP file (`XLSXReader`), or memory in tests and the fuzzer.
protocol XLSXPackage {
    /// The part's bytes; nil when the package has no such part (names compare without case).
    func part(_ name: String) throws -> [UInt8]?
}

/// A problem in one part of a workbook, at a byte offset of that part when known.
struct XLSXProblem: Error {
    var place: String
    var message: String
    var hint: String?
}

/// What a workbook says about all its sheets: their names and parts, the date system, the
/// shared strings and what each cell style's number format shows.
struct XLSXWorkbook {
    struct Sheet {
        var name: String
        var part: String
    }

    var sheets: [Sheet] = []
    var date1904 = false
    var sharedStrings = XLSXSharedStrings()
    /// The number format of each cell style (`s` of a cell indexes it).
    var styleFormats: [XLSXNumberFormat] = []

    init(_ package: XLSXPackage) throws {
        let workbookPart = try Self.officeDocument(package)
        guard let workbook = try package.part(workbookPart) else {
            throw XLSXProblem(place: "the package", message: "it has no workbook part (`\(workbookPart)`)",
                              hint: "the file is a ZIP archive but not an Excel workbook")
        }
        let relationships = try Self.relationships(package, of: workbookPart)
        try readWorkbook(workbook, part: workbookPart, relationships: relationships)
        let folder = Self.folder(of: workbookPart)
        let stringsPart = relationships.first { $0.type.hasSuffix("/sharedStrings") }.map { Self.resolve($0.target, from: folder) }
            ?? folder + "sharedStrings.xml"
        if let strings = try package.part(stringsPart) {
            sharedStrings = try XLSXSharedStrings(strings, part: stringsPart)
        }
        let stylesPart = relationships.first { $0.type.hasSuffix("/styles") }.map { Self.resolve($0.target, from: folder) }
            ?? folder + "styles.xml"
        if let styles = try package.part(stylesPart) {
            styleFormats = try Self.styleFormats(styles, part: stylesPart)
        }
    }

    // MARK: - Parts

    /// The main part, from the package's relationships (`_rels/.rels`); `xl/workbook.xml` by default.
    private static func officeDocument(_ package: XLSXPackage) throws -> String {
        guard let rels = try package.part("_rels/.rels") else { return "xl/workbook.xml" }
        let list = try relationshipList(rels, part: "_rels/.rels")
        return list.first { $0.type.hasSuffix("/officeDocument") }.map { resolve($0.target, from: "") } ?? "xl/workbook.xml"
    }

    private struct Relationship {
        var id: String
        var type: String
        var target: String
    }

    private static func relationships(_ package: XLSXPackage, of part: String) throws -> [Relationship] {
        let folder = folder(of: part)
        let name = String(part.dropFirst(folder.count))
        let relsPart = folder + "_rels/" + name + ".rels"
        guard let rels = try package.part(relsPart) else { return [] }
        return try relationshipList(rels, part: relsPart)
    }

    private static func relationshipList(_ bytes: [UInt8], part: String) throws -> [Relationship] {
        try parse(bytes, part: part) { xml in
            var list: [Relationship] = []
            while true {
                switch try xml.next() {
                case .start where xml.nameIs("Relationship"):
                    list.append(Relationship(id: try xml.attribute("Id") ?? "", type: try xml.attribute("Type") ?? "",
                                             target: try xml.attribute("Target") ?? ""))
                case .done: return list
                default: break
                }
            }
        }
    }

    private mutating func readWorkbook(_ bytes: [UInt8], part: String, relationships: [Relationship]) throws {
        let folder = Self.folder(of: part)
        var found: [Sheet] = []
        var date1904 = false
        try Self.parse(bytes, part: part) { xml in
            while true {
                switch try xml.next() {
                case .start where xml.nameIs("workbookPr"):
                    let value = try xml.attribute("date1904")?.lowercased()
                    date1904 = value == "1" || value == "true"
                case .start where xml.nameIs("sheet"):
                    let name = try xml.attribute("name") ?? ""
                    // The relationship id is `r:id`; its local name is `id`.
                    let id = try xml.attribute("id") ?? ""
                    guard let relationship = relationships.first(where: { $0.id == id }) else {
                        throw XLSXProblem(place: part, message: "sheet `\(name)` names relationship `\(id)`, which the workbook does not have")
                    }
                    // Chart sheets and dialog sheets hold no cells: only worksheets are listed.
                    if relationship.type.hasSuffix("/worksheet") {
                        found.append(Sheet(name: name, part: Self.resolve(relationship.target, from: folder)))
                    }
                case .done: return
                default: break
                }
            }
        }
        sheets = found
        self.date1904 = date1904
    }

    /// The number format of each cell style (`cellXfs`), from built-in ids and custom codes.
    private static func styleFormats(_ bytes: [UInt8], part: String) throws -> [XLSXNumberFormat] {
        try parse(bytes, part: part) { xml in
            var custom: [Int: XLSXNumberFormat] = [:]
            var formats: [XLSXNumberFormat] = []
            var inCellFormats = false
            while true {
                switch try xml.next() {
                case .start where xml.nameIs("numFmt"):
                    if let id = xml.integerAttribute("numFmtId"), let code = try xml.attribute("formatCode") {
                        custom[id] = XLSXNumberFormat(code: code)
                    }
                case .start where xml.nameIs("cellXfs"): inCellFormats = true
                case .end where xml.nameIs("cellXfs"): inCellFormats = false
                case .start where inCellFormats && xml.nameIs("xf"):
                    let id = xml.integerAttribute("numFmtId") ?? 0
                    formats.append(custom[id] ?? XLSXNumberFormat(builtinID: id))
                case .done: return formats
                default: break
                }
            }
        }
    }

    // MARK: - Helpers

    static func parse<T>(_ bytes: [UInt8], part: String, _ body: (inout XMLPullTokenizer) throws -> T) throws -> T {
        try bytes.withUnsafeBufferPointer { buffer in
            var xml = XMLPullTokenizer(base: buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!, count: buffer.count)
            do {
                return try body(&xml)
            } catch let error as XMLPullTokenizer.SyntaxError {
                throw XLSXProblem(place: "\(part), byte \(error.offset)", message: "malformed XML: \(error.message)")
            }
        }
    }

    /// `xl/` of `xl/workbook.xml`.
    static func folder(of part: String) -> String {
        guard let slash = part.lastIndex(of: "/") else { return "" }
        return String(part[...slash])
    }

    /// A relationship's target as a part name: absolute (`/xl/...`) or relative to the folder.
    static func resolve(_ target: String, from folder: String) -> String {
        var segments: [Substring] = []
        let full = target.hasPrefix("/") ? String(target.dropFirst()) : folder + target
        for segment in full.split(separator: "/", omittingEmptySubsequences: true) {
            if segment == ".." { _ = segments.popLast() } else if segment != "." { segments.append(segment) }
        }
        return segments.joined(separator: "/")
    }
}
