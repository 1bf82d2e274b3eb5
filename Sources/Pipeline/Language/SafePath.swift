import Fetch
import Foundation
import Ingest
import Transform
import Yams

/// Resolves a path from a pipeline: relative paths stay inside the pipeline's folder
/// (`..` may not climb out of it); absolute paths are the user's choice and are kept.
public func safePath(_ p: String, folder: String) -> Result<String, PipelineError> {
    if p.isEmpty { return .failure(.path("empty path")) }
    if p.hasPrefix("/") { return .success(p) }
    var parts: [Substring] = []
    for c in p.split(separator: "/") {
        if c == "." || c.isEmpty { continue }
        if c == ".." {
            if parts.isEmpty {
                return .failure(
                    .path("\"\(p)\" escapes the pipeline's folder; give an absolute path to read files elsewhere"))
            }
            parts.removeLast()
        } else {
            parts.append(c)
        }
    }
    let rel = parts.joined(separator: "/")
    return .success(folder.isEmpty ? rel : "\(folder)/\(rel)")
}
