import GRDB
import Warehouse

/// `etl status`: the last runs and the freshness of each source.
public enum WarehouseStatus {
    /// The last `runs` runs, newest first, and one row per source.
    public static func read(_ db: Database, runs: Int) throws -> (runs: ResultTable, sources: ResultTable) {
        (ResultTable(try Warehouse.recentRuns(db, limit: runs)), ResultTable(try Warehouse.sourceStatus(db)))
    }
}
