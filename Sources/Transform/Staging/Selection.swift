import Foundation

/// A selection of one dimension's categories: one code, a list, or a range of codes (a
/// measure's `contents` and `select` in the pipeline language, docs/PIPELINE.md).
public enum Selection: Codable, Sendable, Equatable {
    case codes([String])
    case range(from: String, to: String)

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { self = .codes([s]); return }
        if let i = try? c.decode(Int.self) { self = .codes([String(i)]); return }
        if let l = try? c.decode([String].self) { self = .codes(l); return }
        struct R: Codable { var from: String; var to: String }
        if let r = try? c.decode(R.self) { self = .range(from: r.from, to: r.to); return }
        throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected a code, a list of codes, or {from: CODE, to: CODE}")
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .codes(let l): try c.encode(l)
        case .range(let f, let t): try c.encode(["from": f, "to": t])
        }
    }

    public func matches(_ code: String) -> Bool {
        switch self {
        case .codes(let l): return l.contains(code)
        case .range(let f, let t):
            // Zero-padded numeric codes compare as numbers; others as text.
            if let a = Int(f), let b = Int(t), let x = Int(code) { return x >= a && x <= b }
            return code >= f && code <= t
        }
    }

    public var isSingle: Bool {
        if case .codes(let l) = self { return l.count == 1 }
        return false
    }
}
