import Foundation
import SCIM

/// `POST /Bulk` (RFC 7644 §3.7): operations run in order, each as its own request; `bulkId:` references
/// in paths and data are replaced by the ids the referenced creates got. An operation whose reference
/// is defined later waits for it, and so does a later change to a resource the waiting operation refers
/// to (so a delete cannot overtake the group that was to take its user in); references that can never
/// resolve (undefined, failed, or circular) fail that operation with 409. `failOnErrors` stops the job
/// after that many errors.
extension SandboxProvider {
    func bulk(_ request: HTTPRequest) async -> HTTPResponse {
        guard profile.servesBulk else {
            return SandboxError(501, detail: "Bulk is not supported by this provider").response
        }
        let size = request.body?.count ?? 0
        guard size <= Discovery.bulkMaxPayloadSize else {
            return SandboxError(
                413, detail: "the request is \(size) bytes; maxPayloadSize is \(Discovery.bulkMaxPayloadSize)"
            ).response
        }
        let body: [String: JSONValue]
        do { body = try self.body(request) } catch let error as SandboxError { return error.response } catch {
            return SandboxError(400, scimType: "invalidSyntax", detail: "\(error)").response
        }
        guard let items = body[attribute: "Operations"]?.arrayValue else {
            return SandboxError(400, scimType: "invalidSyntax", detail: "a BulkRequest needs Operations").response
        }
        guard items.count <= Discovery.bulkMaxOperations else {
            return SandboxError(
                413, detail: "\(items.count) operations; maxOperations is \(Discovery.bulkMaxOperations)"
            ).response
        }
        let failOnErrors = body[attribute: "failOnErrors"]?.intValue
        if let failOnErrors, failOnErrors < 1 {
            return SandboxError(400, scimType: "invalidValue", detail: "failOnErrors must be at least 1").response
        }
        let operations = items.map(BulkOperation.init)
        var defined: Set<String> = []
        for case let id? in operations.map(\.bulkId) where !defined.insert(id).inserted {
            return SandboxError(400, scimType: "invalidValue", detail: "bulkId '\(id)' is used twice").response
        }

        var resolved: [String: String] = [:]
        var failed: Set<String> = []
        var results: [Int: JSONValue] = [:]
        var errors = 0
        var pending = Array(operations.indices)
        func record(_ index: Int, _ result: JSONValue, error: Bool) {
            results[index] = result
            if error {
                errors += 1
                if let id = operations[index].bulkId { failed.insert(id) }
            }
        }
        run: while !pending.isEmpty {
            var waiting: [Int] = []
            var held: Set<String> = []
            for index in pending {
                if let failOnErrors, errors >= failOnErrors { break run }
                let operation = operations[index]
                let references = operation.references
                if let missing = references.first(where: { !defined.contains($0) || failed.contains($0) }) {
                    let why =
                        defined.contains(missing)
                        ? "the operation with bulkId '\(missing)' failed" : "no operation has bulkId '\(missing)'"
                    record(
                        index, operation.failure(SandboxError(409, scimType: "invalidValue", detail: why)), error: true)
                } else if references.allSatisfy({ resolved[$0] != nil }),
                    operation.pathReferences.isDisjoint(with: held)
                {
                    let (result, id) = await execute(operation, resolved: resolved)
                    if let id, let bulkId = operation.bulkId { resolved[bulkId] = id }
                    record(index, result, error: id == nil)
                } else {
                    waiting.append(index)
                    held.formUnion(references)
                }
            }
            if waiting.count == pending.count {
                // Nothing ran this round: what is left refers in a circle.
                for index in waiting {
                    if let failOnErrors, errors >= failOnErrors { break }
                    let error = SandboxError(409, scimType: "invalidValue", detail: "circular bulkId references")
                    record(index, operations[index].failure(error), error: true)
                }
                break
            }
            pending = waiting
        }
        let ordered = results.keys.sorted().compactMap { results[$0] }
        return json(
            200,
            .object(["schemas": .array([.string(SCIMSchema.bulkResponse)]), "Operations": .array(ordered)]))
    }

    /// Runs one operation as the request it stands for; the id of what it created or changed, nil when it
    /// failed.
    private func execute(_ operation: BulkOperation, resolved: [String: String]) async -> (JSONValue, String?) {
        guard let method = operation.method, ["POST", "PUT", "PATCH", "DELETE"].contains(method) else {
            let error = SandboxError(
                400, scimType: "invalidSyntax", detail: "method must be POST, PUT, PATCH or DELETE")
            return (operation.failure(error), nil)
        }
        guard let rawPath = operation.path, rawPath.hasPrefix("/"), !rawPath.contains("?") else {
            return (operation.failure(SandboxError(400, scimType: "invalidPath", detail: "path must be /Users…")), nil)
        }
        let path = BulkOperation.substitute(rawPath, resolved)
        let components = path.split(separator: "/")
        guard let endpoint = components.first.flatMap({ Endpoint(rawValue: String($0)) }), endpoint.type != nil,
            method == "POST" ? components.count == 1 : components.count == 2
        else {
            let error = SandboxError(400, scimType: "invalidPath", detail: "'\(rawPath)' is not a resource path")
            return (operation.failure(error), nil)
        }
        if method == "POST", operation.bulkId == nil {
            let error = SandboxError(400, scimType: "invalidValue", detail: "a POST needs a bulkId")
            return (operation.failure(error), nil)
        }
        guard let url = URL(string: baseURL + path) else {
            return (operation.failure(SandboxError(400, scimType: "invalidPath", detail: "bad path")), nil)
        }
        var headers = ["Content-Type": "application/scim+json"]
        if let version = operation.version { headers["If-Match"] = version }
        let data = operation.data.map { BulkOperation.substitute($0, resolved).serialized() }
        let response = await handle(HTTPRequest(method: method, url: url, headers: headers, body: data))
        var result: [String: JSONValue] = ["method": .string(method), "status": .string(String(response.status))]
        if let bulkId = operation.bulkId { result["bulkId"] = .string(bulkId) }
        guard response.status < 400 else {
            result["response"] = (try? JSONValue.parse(response.body)) ?? .null
            return (.object(result), nil)
        }
        let id =
            method == "POST"
            ? (try? JSONValue.parse(response.body))?.objectValue?["id"]?.stringValue : String(components[1])
        result["location"] = .string(response.headers["Location"] ?? "\(baseURL)/\(components[0])/\(id ?? "")")
        if let etag = response.headers["ETag"] { result["version"] = .string(etag) }
        return (.object(result), id)
    }
}

/// One entry of a BulkRequest, read leniently: what is missing is reported by that entry's result.
private struct BulkOperation {
    var method: String?
    var path: String?
    var bulkId: String?
    var version: String?
    var data: JSONValue?

    init(_ json: JSONValue) {
        let object = json.objectValue ?? [:]
        method = object[attribute: "method"]?.stringValue?.uppercased()
        path = object[attribute: "path"]?.stringValue
        bulkId = object[attribute: "bulkId"]?.stringValue
        version = object[attribute: "version"]?.stringValue
        data = object[attribute: "data"]
    }

    /// The bulkIds this operation refers to (`bulkId:…` in its path or in any string of its data).
    var references: Set<String> {
        var found: Set<String> = []
        func scan(_ value: JSONValue) {
            switch value {
            case .string(let text) where text.hasPrefix("bulkId:"): found.insert(String(text.dropFirst(7)))
            case .array(let items): items.forEach(scan)
            case .object(let object): object.values.forEach(scan)
            default: break
            }
        }
        if let data { scan(data) }
        return found.union(pathReferences)
    }

    /// The bulkIds in the path: the resource this operation changes.
    var pathReferences: Set<String> {
        Set((path ?? "").split(separator: "/").filter { $0.hasPrefix("bulkId:") }.map { String($0.dropFirst(7)) })
    }

    static func substitute(_ path: String, _ resolved: [String: String]) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix("bulkId:") ? resolved[String(part.dropFirst(7))] ?? String(part) : String(part)
        }.joined(separator: "/")
    }

    static func substitute(_ value: JSONValue, _ resolved: [String: String]) -> JSONValue {
        switch value {
        case .string(let text) where text.hasPrefix("bulkId:"):
            .string(resolved[String(text.dropFirst(7))] ?? text)
        case .array(let items): .array(items.map { substitute($0, resolved) })
        case .object(let object): .object(object.mapValues { substitute($0, resolved) })
        default: value
        }
    }

    func failure(_ error: SandboxError) -> JSONValue {
        var result: [String: JSONValue] = [
            "status": .string(String(error.status)),
            "response": (try? JSONValue.parse(error.response.body)) ?? .null,
        ]
        if let method { result["method"] = .string(method) }
        if let bulkId { result["bulkId"] = .string(bulkId) }
        return .object(result)
    }
}
