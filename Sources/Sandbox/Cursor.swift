import Foundation

/// Where a listing stands: an index page (RFC 7644 §3.4.2.4) or a cursor (RFC 9865), nil for the first.
enum Paging {
    case index(Int)
    case cursor(Cursor?)

    /// The rowid to resume after, or the offset to start at.
    var position: (after: Int64?, offset: Int) {
        switch self {
        case .index(let start): (nil, start - 1)
        case .cursor(nil): (nil, 0)
        case .cursor(let cursor?): (cursor.rowid, cursor.offset ?? 0)
        }
    }
}

/// An opaque RFC 9865 cursor: the query it belongs to, and where the next page starts, either after a
/// rowid (one type in creation order: stable while resources are added and deleted) or at an offset
/// (sorted or mixed-type listings). A cursor from another query is refused (`invalidCursor`) rather
/// than misread.
struct Cursor {
    var scope: String
    var rowid: Int64?
    var offset: Int?

    init(scope: String, rowid: Int64) {
        self.scope = scope
        self.rowid = rowid
    }

    init(scope: String, offset: Int) {
        self.scope = scope
        self.offset = offset
    }

    /// What a cursor is bound to: the resource types, the filter and the sort.
    static func scope(_ types: [StoredType], _ query: Query) -> String {
        let text = [
            types.map(\.rawValue).joined(separator: ","), query.filter ?? "", query.sortBy ?? "",
            query.descending ? "d" : "a",
        ].joined(separator: "\u{1F}")
        // FNV-1a: short, stable across runs (unlike Hasher), enough to tell queries apart.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(hash, radix: 36)
    }

    init(decoding text: String, scope: String) throws {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        let parts =
            Data(base64Encoded: base64).map { String(decoding: $0, as: UTF8.self).split(separator: ":") } ?? []
        guard parts.count == 3, parts[0] == scope, let position = Int64(parts[2]), position >= 0 else {
            throw SandboxError(
                400, scimType: "invalidCursor", detail: "the cursor is not one this listing gave (or the query changed)"
            )
        }
        self.scope = scope
        switch parts[1] {
        case "r": rowid = position
        case "o": offset = Int(position)
        default: throw SandboxError(400, scimType: "invalidCursor", detail: "the cursor is not one this listing gave")
        }
    }

    var encoded: String {
        let text = rowid.map { "\(scope):r:\($0)" } ?? "\(scope):o:\(offset ?? 0)"
        return Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
