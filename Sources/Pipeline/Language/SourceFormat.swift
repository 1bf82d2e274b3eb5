import Fetch
import Foundation
import Ingest
import Transform
import Yams

public enum SourceFormat: String, CaseIterable, Sendable, Codable {
    case csv, jsonstat, sdmx, px, husbanken

    public static func guess(path: String) -> SourceFormat {
        switch (path as NSString).pathExtension.lowercased() {
        case "json": return .jsonstat
        case "xml": return .sdmx
        case "px": return .px
        default: return .csv
        }
    }
}
