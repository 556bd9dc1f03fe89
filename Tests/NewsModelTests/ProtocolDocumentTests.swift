import Foundation
import NewsModel
import Testing

/// docs/PROTOCOL.md against the code: every control method and error code the stages answer with is
/// documented, and nothing documented is gone.
@Suite("The protocol document")
struct ProtocolDocumentTests {
    /// The rows' first cells (in backquotes) of the Markdown table whose header row starts with `header`.
    static func firstColumn(ofTableHeaded header: String) throws -> [String] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let lines = try String(contentsOf: root.appendingPathComponent("docs/PROTOCOL.md"), encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(where: { $0.hasPrefix(header) }) else { return [] }
        var cells: [String] = []
        for line in lines[(start + 2)...] {
            guard line.hasPrefix("| ") else { break }
            let first = line.dropFirst(2).prefix { $0 != "|" }.trimmingCharacters(in: .whitespaces)
            cells.append(first.trimmingCharacters(in: CharacterSet(charactersIn: "`")))
        }
        return cells
    }

    @Test("every control method has a row in the method table and a stage in the stage table, and no other is documented")
    func methods() throws {
        let code = Set(ControlRequest.Method.allCases.map(\.rawValue))
        let documented = try Self.firstColumn(ofTableHeaded: "| method |")
        #expect(Set(documented) == code, "documented \(documented.sorted()), the code has \(code.sorted())")
        #expect(documented.count == Set(documented).count, "a method is documented twice: \(documented)")

        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/PROTOCOL.md"), encoding: .utf8)
        let stageRows = text.split(separator: "\n").filter { line in ["ingest", "tag", "index", "notify"].contains { line.hasPrefix("| `\($0)` |") } }
        let byStage = Set(stageRows.flatMap { row in row.split(separator: "|").dropFirst(1).first.map { cell in
            cell.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " `")) }
        } ?? [] })
        #expect(byStage == code, "the stage table lists \(byStage.sorted()), the code has \(code.sorted())")
    }

    @Test("every error code has a row in the code table, and no other is documented")
    func errorCodes() throws {
        let code = Set(ControlFailure.Code.all.map(\.rawValue))
        let documented = try Self.firstColumn(ofTableHeaded: "| code |")
        #expect(Set(documented) == code, "documented \(documented.sorted()), the code has \(code.sorted())")
    }

    @Test("a method name the protocol does not have is refused as unknown_method")
    func unknownMethod() throws {
        let data = Data(#"{"v": 1, "method": "subscribe_all", "params": {}}"#.utf8)
        #expect {
            try JSONDecoder().decode(ControlRequest.self, from: data)
        } throws: { error in
            (error as? ControlFailure)?.code == .unknownMethod
        }
        for method in ControlRequest.Method.allCases where [.status, .listFeeds, .listSubscriptions, .listTokens].contains(method) {
            let request = try JSONDecoder().decode(ControlRequest.self, from: Data(#"{"v": 1, "method": "\#(method.rawValue)"}"#.utf8))
            #expect(request.kind == method)
        }
    }
}
