import Fetch
import Foundation

/// Brings a pipeline's remote sources into their landing paths before a run.
public enum FetchStep {
    public static func settings(_ pipeline: Pipeline, force: Bool = false) throws -> FetchSettings {
        let d = pipeline.definition.fetch
        var s = try FetchSettings(
            pxwebBase: d?.pxweb_base ?? FetchSettings.defaultPxWebBase, klassBase: d?.klass_base ?? FetchSettings.defaultKlassBase)
        if let r = d?.requests_per_minute { s.requestsPerMinute = r }
        if let m = d?.max_cells { s.maxCells = m }
        s.force = force
        return s
    }

    /// Fetches every source that declares `fetch:`; returns one result per such source. A
    /// failed download keeps yesterday's file (status `stale`), so the run can go on with it.
    public static func run(_ pipeline: Pipeline, force: Bool = false, observe: @escaping @Sendable (FetchEvent) -> Void = { _ in })
        async throws -> [FetchResult]
    {
        let items = pipeline.definition.sources.compactMap { s -> (spec: FetchSpec, path: String)? in
            guard var spec = s.fetch else { return nil }
            spec.id = s.id
            return (spec, pipeline.sourcePath(s))
        }
        if items.isEmpty { return [] }
        let fetcher = Fetcher(settings: try settings(pipeline, force: force), observe: observe)
        return await fetcher.fetchAll(items)
    }
}
