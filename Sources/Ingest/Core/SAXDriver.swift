import CLibXML2
import Foundation

// The one libxml2 SAX driver every XML reader uses (SDMX, .xlsx parts, KLASS): streaming,
// no network, no DTD, no entities, and never stopped from inside an element callback.

/// Compares a NUL-terminated UTF-8 C string with an ASCII literal.
@inline(__always)
func cStringEquals(_ p: UnsafePointer<UInt8>, _ s: StaticString) -> Bool {
    let n = s.utf8CodeUnitCount
    let q = s.utf8Start
    for i in 0..<n where p[i] != q[i] { return false }
    return p[n] == 0
}

/// The attributes of one start tag (libxml2's five pointers per attribute).
struct SAXAttributes {
    let count: Int
    let pointer: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?

    /// The value of the attribute with this local name: un-prefixed, or (when `namespaced`)
    /// in any namespace, as `r:id` is.
    func value(_ localName: StaticString, namespaced: Bool = false) -> String? {
        guard let pointer, count > 0 else { return nil }
        for k in 0..<count {
            let base = pointer + 5 * k
            guard let local = base[0], let start = base[3], let end = base[4] else { continue }
            if (base[2] != nil) != namespaced { continue }
            if cStringEquals(local, localName) {
                return SAXAttributes.decode(UnsafeBufferPointer(start: start, count: end - start))
            }
        }
        return nil
    }

    /// Without entity substitution libxml2 hands `&` in attribute values over as `&#38;`.
    static func decode(_ value: UnsafeBufferPointer<UInt8>) -> String {
        guard value.contains(0x26) else { return String(decoding: value, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(value.count)
        var i = 0
        while i < value.count {
            if value[i] == 0x26, i + 4 < value.count, value[i + 1] == 0x23, value[i + 2] == 0x33, value[i + 3] == 0x38, value[i + 4] == 0x3B
            {
                out.append(0x26)
                i += 5
            } else {
                out.append(value[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// libxml2's global initialisation, done once (its own guard is not thread-safe on first use).
private let saxLibxmlInitialized: Void = { xmlInitParser() }()

/// Receives the events of a `SAXDriver`. Element names are local names, so any namespace
/// prefix works; attribute and text pointers are valid only during the call.
protocol SAXHandler: AnyObject {
    func startElement(_ name: UnsafePointer<UInt8>, _ attributes: SAXAttributes)
    func endElement(_ name: UnsafePointer<UInt8>)
    func characters(_ text: UnsafeBufferPointer<UInt8>)
    /// The handler's first error. A handler that sets it must ignore later events; the driver
    /// throws it once the current chunk is parsed.
    var failure: (any Error)? { get }
}

/// What the driver refuses, for the message the reader gives.
enum SAXRefusal: Sendable {
    /// `<!DOCTYPE …>` (internal or external subset).
    case doctype
    /// `<!ENTITY …>` inside a DOCTYPE.
    case entityDeclaration
    /// `&name;` for an entity other than XML's five.
    case entityReference
}

/// A streaming XML parser over libxml2's SAX2 push interface, hardened once for every reader:
///
/// - no network (`XML_PARSE_NONET`), no DTD loading, no entity substitution;
/// - a DOCTYPE or an entity declaration is refused where it starts, before any entity is
///   declared or expanded (external entities, "billion laughs"); an entity reference is refused;
/// - a handler's error is never acted on inside the callback: `xmlStopParser` there frees the
///   input buffer that the callback's attribute pointers still point into (the SDMX
///   use-after-free of docs/bad-input.md). The handler records it and ignores later events,
///   and the driver throws it after the chunk. Only the DOCTYPE callbacks, which hold no such
///   pointers, stop the parser at once.
final class SAXDriver {
    /// The handler is owned by the reader that owns this driver.
    unowned(unsafe) let handler: any SAXHandler
    /// The location of a line (and column) of the document.
    let locate: (Int, Int?) -> SourceLocation
    /// `malformed XML` or `malformed XML in an .xlsx worksheet`: the start of syntax-error messages.
    let malformed: String
    /// The message for each refusal, given the name involved.
    let refusalMessage: (SAXRefusal, String) -> String
    private let filename: String?
    private var ctxt: xmlParserCtxtPtr?
    private var refusal: ReadError?
    private var fatal: (message: String, line: Int, column: Int)?
    private var started = false

    init(
        handler: any SAXHandler, malformed: String, filename: String? = nil,
        locate: @escaping (Int, Int?) -> SourceLocation, refusalMessage: @escaping (SAXRefusal, String) -> String
    ) {
        _ = saxLibxmlInitialized
        self.handler = handler
        self.malformed = malformed
        self.filename = filename
        self.locate = locate
        self.refusalMessage = refusalMessage
    }

    deinit {
        if let ctxt { xmlFreeParserCtxt(ctxt) }
    }

    /// The line the parser is at (1-based).
    var line: Int {
        guard let ctxt else { return 1 }
        return Int(xmlSAX2GetLineNumber(UnsafeMutableRawPointer(ctxt)))
    }

    @inline(__always)
    private static func from(_ ctx: UnsafeMutableRawPointer) -> SAXDriver {
        Unmanaged<SAXDriver>.fromOpaque(ctx).takeUnretainedValue()
    }

    private func start() throws {
        started = true
        var h = xmlSAXHandler()
        h.initialized = UInt32(XML_SAX2_MAGIC)
        h.startElementNs = { ctx, localname, _, _, _, _, nbAttributes, _, attributes in
            guard let ctx, let localname else { return }
            let d = SAXDriver.from(ctx)
            guard d.refusal == nil else { return }
            d.handler.startElement(localname, SAXAttributes(count: Int(nbAttributes), pointer: attributes))
        }
        h.endElementNs = { ctx, localname, _, _ in
            guard let ctx, let localname else { return }
            let d = SAXDriver.from(ctx)
            guard d.refusal == nil else { return }
            d.handler.endElement(localname)
        }
        h.characters = { ctx, ch, len in
            guard let ctx, let ch else { return }
            let d = SAXDriver.from(ctx)
            guard d.refusal == nil else { return }
            d.handler.characters(UnsafeBufferPointer(start: ch, count: Int(len)))
        }
        h.ignorableWhitespace = h.characters
        h.cdataBlock = h.characters
        h.internalSubset = { ctx, name, _, _ in
            guard let ctx else { return }
            SAXDriver.from(ctx).refuse(.doctype, name, stop: true)
        }
        h.externalSubset = h.internalSubset
        h.entityDecl = { ctx, name, _, _, _, _ in
            guard let ctx else { return }
            SAXDriver.from(ctx).refuse(.entityDeclaration, name, stop: true)
        }
        // An undeclared entity (`&xxe;` with an external DTD never loaded) would otherwise read as empty text.
        h.reference = { ctx, name in
            guard let ctx else { return }
            SAXDriver.from(ctx).refuse(.entityReference, name, stop: false)
        }
        h.serror = { userData, error in
            guard let userData, let error else { return }
            SAXDriver.from(userData).libxmlError(error.pointee)
        }
        let userData = Unmanaged.passUnretained(self).toOpaque()
        guard let ctxt = xmlCreatePushParserCtxt(&h, userData, nil, 0, filename) else {
            throw ReadError(locate(1, nil), "cannot create an XML parser (libxml2 out of memory?)")
        }
        self.ctxt = ctxt
        _ = xmlCtxtUseOptions(ctxt, Int32(XML_PARSE_NONET.rawValue))
    }

    /// Parses the next bytes of the document; throws the first error (a handler's, a refusal,
    /// a syntax error) after the chunk.
    func feed(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        if !started { try start() }
        try check(0)
        var offset = 0
        // libxml2 takes an Int32 length.
        while offset < bytes.count {
            let n = min(bytes.count - offset, 1 << 20)
            let start = UnsafeRawPointer(bytes.baseAddress! + offset).assumingMemoryBound(to: CChar.self)
            let rc = xmlParseChunk(ctxt, start, Int32(n), 0)
            try check(rc)
            offset += n
        }
    }

    /// Ends the document.
    func finish() throws {
        if !started { try start() }
        try check(0)
        let rc = xmlParseChunk(ctxt, nil, 0, 1)
        try check(rc)
    }

    private func check(_ rc: Int32) throws {
        if let refusal { throw refusal }
        if let failure = handler.failure { throw failure }
        guard rc != 0 else { return }
        if let e = fatal {
            throw ReadError(locate(e.line, e.column > 0 ? e.column : nil), "\(malformed): \(e.message)")
        }
        if let ctxt, let last = xmlCtxtGetLastError(ctxt), let m = last.pointee.message {
            throw ReadError(
                locate(Int(last.pointee.line), nil), "\(malformed): \(String(cString: m).trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        throw ReadError(locate(line, nil), "\(malformed) (libxml2 error \(rc))")
    }

    private func refuse(_ what: SAXRefusal, _ name: UnsafePointer<UInt8>?, stop: Bool) {
        guard refusal == nil, handler.failure == nil else { return }
        refusal = ReadError(locate(line, nil), refusalMessage(what, name.map { String(cString: $0) } ?? "?"))
        if stop, let ctxt { xmlStopParser(ctxt) }
    }

    private func libxmlError(_ error: xmlError) {
        // Warnings and recoverable (namespace) errors do not stop the parse; fatal ones do.
        guard error.level == XML_ERR_FATAL, fatal == nil else { return }
        let message = error.message.map { String(cString: $0) } ?? "error \(error.code)"
        fatal = (message.trimmingCharacters(in: .whitespacesAndNewlines), Int(error.line), Int(error.int2))
    }
}

/// The driver with closures for handlers, for the small XML dialects (.xlsx parts, KLASS
/// change lists). An error thrown by a closure is recorded, later events are ignored, and
/// `feed` or `finish` rethrows it.
final class SafeSAXParser: SAXHandler {
    var onStart: (UnsafePointer<UInt8>, SAXAttributes) throws -> Void = { _, _ in }
    var onEnd: (UnsafePointer<UInt8>) throws -> Void = { _ in }
    var onText: (UnsafeBufferPointer<UInt8>) throws -> Void = { _ in }
    private(set) var failure: (any Error)?
    private var driver: SAXDriver!

    init(purpose: String, locate: @escaping (Int, Int?) -> SourceLocation) {
        driver = SAXDriver(handler: self, malformed: "malformed XML in \(purpose)", locate: locate) { what, name in
            switch what {
            case .doctype, .entityDeclaration:
                return
                    "a DOCTYPE declaration (<!DOCTYPE \(name) …>) is not allowed in \(purpose); such files never need one, and DTD entities are the vehicle of external-entity (XXE) and entity-expansion attacks"
            case .entityReference:
                return
                    "entity reference &\(name); is not allowed in \(purpose); such files use only XML's five (&amp; &lt; &gt; &quot; &apos;)"
            }
        }
    }

    /// A parser for a ZIP entry: locations name the file and the entry.
    static func forEntry(file: String, entry: String, purpose: String) -> SafeSAXParser {
        SafeSAXParser(purpose: purpose) { line, column in
            SourceLocation(file: file, path: "\(entry) line \(line)" + (column.map { " column \($0)" } ?? ""))
        }
    }

    /// The line the parser is at (1-based).
    var line: Int { driver.line }

    func feed(_ bytes: UnsafeBufferPointer<UInt8>) throws { try driver.feed(bytes) }
    func finish() throws { try driver.finish() }

    func startElement(_ name: UnsafePointer<UInt8>, _ attributes: SAXAttributes) {
        guard failure == nil else { return }
        do { try onStart(name, attributes) } catch { failure = error }
    }

    func endElement(_ name: UnsafePointer<UInt8>) {
        guard failure == nil else { return }
        do { try onEnd(name) } catch { failure = error }
    }

    func characters(_ text: UnsafeBufferPointer<UInt8>) {
        guard failure == nil else { return }
        do { try onText(text) } catch { failure = error }
    }
}
