import Foundation
import GRDB
import Pipeline
import Testing
import TestSupport
import Transform

@testable import etl

/// `etl report` on the sample warehouse: the generated HTML's numbers, symbols, lineage text
/// and reform marks, read back from the pages and compared with the warehouse.
// Behaviour (in process: the command's own `run`, with every path given), except
// `selectionAndMistakes`' refusals and the `wrote …` line, which are the command-line contract
// (process).
@Suite(.serialized) struct ReportCommandTests {
    /// A scratch folder with the sample warehouse built and a report written to `report/`.
    func sampleReport(_ extra: [String] = []) throws -> URL {
        let dir = try scratchWithPipelines()
        let run = runInProcess(in: dir)
        #expect(run.status == 0, "\(run.diagnosis)")
        let paths = [
            "-o", dir.appendingPathComponent("report").path,
            "--warehouse", dir.appendingPathComponent("warehouse/omsorg.sqlite").path,
            "--catalog", dir.appendingPathComponent("pipelines/kommuneendringer.csv").path,
            "--pipeline", dir.appendingPathComponent("pipelines/sample.yml").path
        ]
        let command = try ReportCommand.parse(paths + extra)
        try command.run()
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("report/index.html").path))
        return dir
    }

    func page(_ dir: URL, _ path: String) throws -> String {
        try String(contentsOf: dir.appendingPathComponent("report/" + path), encoding: .utf8)
    }

    /// The `<td>` of a region's row for a year on an indicator page.
    func cell(_ html: String, region: String, yearIndex: Int) -> String? {
        guard
            let row = html.components(separatedBy: "<tr><th scope=\"row\"><a href=\"../region/\(region).html\">").dropFirst().first?
                .components(separatedBy: "</tr>").first
        else { return nil }
        let cells = row.components(separatedBy: "<td ").dropFirst()
        return cells.count > yearIndex ? String(cells[cells.index(cells.startIndex, offsetBy: yearIndex)]) : nil
    }

    func years(_ html: String) -> [Int] {
        let head = html.components(separatedBy: "<thead>")[1].components(separatedBy: "</thead>")[0]
        return head.matches(of: /<th scope="col" class="num">(\d{4})<\/th>/).map { Int($0.1)! }
    }

    @Test func indicatorPagesShowTheWarehousesNumbersRoundedWithTheirLineage() throws {
        let dir = try sampleReport()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = try openWarehouse(dir.appendingPathComponent("warehouse/omsorg.sqlite"))
        let html = try page(dir, "indikator/andel_korttid.html")
        let ys = years(html)
        try db.read { db in
            let rows = try Row.fetchAll(
                db,
                sql:
                    "SELECT year, value, status, method, note FROM v_indicator WHERE indicator = 'andel_korttid' AND region = '3118' AND breakdown = ''"
            )
            #expect(rows.count >= 8)
            for r in rows {
                let year: Int = r["year"]
                let td = try #require(cell(html, region: "3118", yearIndex: ys.firstIndex(of: year)!), "no cell for \(year)")
                let method: String = r["method"]
                #expect(td.hasPrefix("class=\""))
                #expect(method == "as_published" || td.contains("m-\(method)"), "\(year): \(td)")
                if let v = r["value"] as Double? {
                    // One decimal, decimal comma: the indicator's `decimals`.
                    let text = String(format: "%.1f", v).replacingOccurrences(of: ".", with: ",")
                    #expect(td.contains(">\(text)</td>"), "\(year): expected \(text) in \(td)")
                } else {
                    let s: String = r["status"]
                    #expect(td.contains("<abbr title=\"") && td.contains(">\(s)</abbr>"), "\(year): \(td)")
                }
                // The lineage: method and every source code with its year.
                #expect(td.contains("Metode: \(method)"))
                let sources = try String.fetchAll(
                    db,
                    sql:
                        "SELECT source_region || ' ' || source_year FROM v_lineage WHERE indicator = 'andel_korttid' AND region = '3118' AND year = ? ORDER BY source_year, source_region",
                    arguments: [year])
                #expect(!sources.isEmpty)
                #expect(td.contains("Kilder: " + sources.joined(separator: ", ")), "\(year): \(td)")
            }
        }
        // A merged value's tooltip names the five predecessors; a missing one says why.
        let merged = try #require(cell(html, region: "3118", yearIndex: ys.firstIndex(of: 2017)!))
        #expect(merged.contains("Metode: merged (slått sammen). Kilder: 0122 2017, 0123 2017, 0124 2017, 0125 2017, 0138 2017"))
        let missing = try #require(cell(html, region: "3118", yearIndex: ys.firstIndex(of: 2016)!))
        #expect(missing.contains("<abbr title=\"Tallgrunnlag mangler\">..</abbr>"))
        #expect(missing.contains("Status: .. (Tallgrunnlag mangler)"))
        #expect(!missing.contains(">0,0<"))
        // The ranking of the latest year is there with the region.
        #expect(html.contains("<svg class=\"chart ranking\""))
        #expect(html.contains("3118 Indre Østfold</text>"))
    }

    @Test func regionPageMarksReformsAndShowsSuppressedValuesAsGaps() throws {
        let dir = try sampleReport()
        defer { try? FileManager.default.removeItem(at: dir) }
        let html = try page(dir, "region/3118.html")
        #expect(html.contains("<li class=\"reform-text\">2020: 0122, 0123, 0124, 0125, 0138 → 3014</li>"))
        #expect(html.contains("<li class=\"reform-text\">2024: 3014 → 3118</li>"))
        #expect(html.contains("<g class=\"reform\"><title>2020: 0122, 0123, 0124, 0125, 0138 → 3014</title>"))
        // Medication reviews 2018 are suppressed (`:`): a gap with the symbol, not a point.
        let section = try #require(
            html.components(separatedBy: "<section class=\"indicator\"").first { $0.contains("indikator/legemiddelgjennomgang.html") })
        #expect(section.contains("<g class=\"gap\"><title>3118 Indre Østfold, 2018: : — Metode: merged"))
        #expect(!section.contains("<g class=\"point\"><title>3118 Indre Østfold, 2018:"))
        #expect(section.contains("<abbr title=\"Vises ikke av konfidensialitetshensyn\">:</abbr>"))
        // Merged and renumbered points are drawn with their own markers, and the comparison group is there.
        #expect(section.contains("<rect class=\"pt pt-merged\""))
        #expect(section.contains("<circle class=\"pt pt-renumbered\""))
        #expect(section.contains("<path class=\"band\""))
        #expect(html.contains("Sammenligningsgruppe: <a href=\"EKG08.html\">EKG08"))
        // Charts are accessible images with a title and a description.
        #expect(section.contains("role=\"img\""))
        #expect(section.contains("<desc id="))
        // Breakdowns carry the source's labels, not the codes.
        #expect(html.contains("<span class=\"breakdown\">(Sykehjemsplasser)</span>"))
        #expect(!html.contains("(sykehjem)"))
        // The warehouse keeps the code and has the label too (`etl export` prints the code, as before).
        let db = try openWarehouse(dir.appendingPathComponent("warehouse/omsorg.sqlite"))
        let labels = try db.read {
            try Row.fetchAll($0, sql: "SELECT code, label FROM dim_breakdown ORDER BY code").map { "\($0[0] as String)|\($0[1] as String)" }
        }
        #expect(labels == ["|I alt", "art=omsorgsbolig|Omsorgsboliger", "art=sykehjem|Sykehjemsplasser"])
    }

    @Test func formerMunicipalitiesFiguresAreShownAsPublished() throws {
        let dir = try sampleReport()
        defer { try? FileManager.default.removeItem(at: dir) }
        let html = try page(dir, "region/3118.html")
        let section = try #require(
            html.components(separatedBy: "<section class=\"indicator\"").first { $0.contains("indikator/andel_korttid.html") })
        let table = try #require(section.components(separatedBy: "<details class=\"predecessors\" open>").dropFirst().first)
        // Computed here from the sample CSV: short-term places / places x 100, one decimal.
        let csv = try sampleCSV(dir.appendingPathComponent("pipelines/sample/12209_kostra_nokkeltall.csv"))
        let places = "Plasser i institusjon (antall)", short = "Korttidsplasser i institusjon (antall)"
        for code in ["0122", "0123", "0124", "0125", "0138"] {
            let row = try #require(
                table.components(separatedBy: "<tr><th scope=\"row\">\(code) ").dropFirst().first?.components(separatedBy: "</tr>").first,
                "no row for \(code)")
            for year in 2017...2019 {
                guard let s = csv["\(code)|\(year)|\(short)"], let p = csv["\(code)|\(year)|\(places)"], p > 0 else { continue }
                let text = String(format: "%.1f", 100 * s / p).replacingOccurrences(of: ".", with: ",")
                #expect(
                    row.contains("title=\"Metode: as_published. Kilder: \(code) \(year)\">\(text)</td>"),
                    "\(code) \(year): expected \(text) in \(row)")
            }
            // No figures under a code in years it did not exist.
            #expect(row.contains("<td class=\"none\" title=\"\"></td>"))
        }
        // Hobøl's `..` in 2016 is its symbol, not a number.
        let hobol = try #require(
            table.components(separatedBy: "<tr><th scope=\"row\">0138 ").dropFirst().first?.components(separatedBy: "</tr>").first)
        #expect(hobol.contains(">..</abbr></td>"))
        // 3014's years (2020–2023) are there too: 3118 is 3014 renumbered.
        #expect(table.contains("<tr><th scope=\"row\">3014 "))
    }

    @Test func indexNamesTheRunAndEveryIndicator() throws {
        let dir = try sampleReport()
        defer { try? FileManager.default.removeItem(at: dir) }
        let html = try page(dir, "index.html")
        let db = try openWarehouse(dir.appendingPathComponent("warehouse/omsorg.sqlite"))
        try db.read { db in
            let run = try #require(
                try Row.fetchOne(
                    db, sql: "SELECT run_id, fingerprint, finished_at FROM etl_run WHERE status = 'success' ORDER BY run_id DESC"))
            #expect(html.contains("<dt>Kjøring</dt><dd>\(run["run_id"] as Int64)</dd>"))
            #expect(html.contains("<code>\(run["fingerprint"] as String)</code>"))
            #expect(html.contains("<time>\(run["finished_at"] as String)</time>"))
            for r in try Row.fetchAll(db, sql: "SELECT code, name, unit FROM dim_indicator") {
                #expect(html.contains("<a href=\"indikator/\(r["code"] as String).html\">\(r["name"] as String)</a>"))
                let page = dir.appendingPathComponent("report/indikator/\(r["code"] as String).html")
                #expect(FileManager.default.fileExists(atPath: page.path))
            }
            let hash = try #require(try String.fetchOne(db, sql: "SELECT content_hash FROM dim_source WHERE table_id = '12752'"))
            #expect(html.contains("12752 <code>\(hash.prefix(12))</code>"))
        }
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("report/report.css").path))
        // Self-contained: no script or stylesheet from the network.
        for file in ["index.html", "region/3118.html", "indikator/legemiddelgjennomgang.html"] {
            let text = try page(dir, file)
            #expect(!text.contains("src=\"http") && !text.contains("href=\"http") && !text.contains("url(http"))
            #expect(!text.contains("https://"))
        }
    }

    @Test func englishUsesTheEnglishNames() throws {
        let dir = try sampleReport(["--lang", "en"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let index = try page(dir, "index.html")
        #expect(index.contains("<html lang=\"en\">"))
        #expect(index.contains("Share of long-term residents 67+ with a medication review in the last 12 months"))
        let region = try page(dir, "region/3118.html")
        #expect(region.contains("Changes to the municipality structure"))
        #expect(region.contains("Method: merged (merged). Sources: 0122 2017"))
        #expect(region.contains("<abbr title=\"Suppressed to avoid disclosure of confidential information\">:</abbr>"))
        #expect(region.contains(">45.1</td>"))
        #expect(!region.contains("Metode:"))
    }

    @Test func selectionAndMistakes() throws {
        let dir = try sampleReport(["--indicator", "legemiddelgjennomgang", "--region", "3118", "--group", "EKG08"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let pages = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("report/indikator").path)
        #expect(pages == ["legemiddelgjennomgang.html"])
        let regions = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("report/region").path).sorted()
        #expect(regions == ["3118.html", "EKG08.html"])
        let written = try etl(["report", "-o", "r1"], in: dir)
        #expect(written.status == 0)
        #expect(written.stderr.contains("wrote") && written.stderr.contains("r1/index.html"), "\(written.stderr)")
        let unknown = try etl(["report", "-o", "r2", "--indicator", "legemiddelgjenomgang"], in: dir)
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("error: unknown indicator `legemiddelgjenomgang`; did you mean `legemiddelgjennomgang`?"))
        let noParent = try etl(["report", "-o", "no/such/folder"], in: dir)
        #expect(noParent.status == 1)
        #expect(noParent.stderr.contains("error: no/such/folder: the folder no/such does not exist"))
        let noWarehouse = try etl(["report", "-o", "r3", "--warehouse", "missing.sqlite"], in: dir)
        #expect(noWarehouse.status == 1)
        #expect(noWarehouse.stderr.split(separator: "\n").count == 1)
    }

    /// Renders pages in headless Chromium and checks the screenshots are not blank. Required
    /// when `CI` is set (.ci/run installs Debian's chromium); skipped elsewhere without it.
    @Test func pagesRenderInHeadlessChromium() throws {
        let hasChromium = ["/usr/bin/chromium", "/usr/local/bin/chromium"].contains { FileManager.default.isExecutableFile(atPath: $0) }
        if !hasChromium {
            #expect(ProcessInfo.processInfo.environment["CI"] == nil, "CI is set but chromium is not installed (.ci/run installs it)")
            return
        }
        let dir = try sampleReport()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try runProcess(
            URL(fileURLWithPath: "/bin/bash"),
            [packageRoot.appendingPathComponent("scripts/report-screenshots.sh").path, "report", "shots"], in: dir)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("region_3118.png"))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("shots/region_3118.png").path))
    }
}

/// The former municipalities' figures as published that `etl report` shows beside the
/// harmonised series (`PublishedPredecessors`), on the sample warehouse.
// Behaviour (in process).
@Suite struct PublishedPredecessorsTests {
    @Test func predecessorsFiguresAreComputedFromTheStagedCells() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = runInProcess(in: dir)
        #expect(run.status == 0, "\(run.diagnosis)")
        let queue = try openWarehouse(dir.appendingPathComponent("warehouse/omsorg.sqlite"))
        let sample = try Pipeline.load(path: dir.appendingPathComponent("pipelines/sample.yml").path, checkFiles: false)
        guard case .values(let values) = try queue.read({ db in try PublishedPredecessors.read(db, pipeline: sample) }) else {
            Issue.record("the sample warehouse was not recognised as the sample pipeline's")
            return
        }
        let korttid = try #require(values["andel_korttid"])
        // Computed here from the sample CSV: short-term places / places x 100.
        let csv = try sampleCSV(dir.appendingPathComponent("pipelines/sample/12209_kostra_nokkeltall.csv"))
        let places = "Plasser i institusjon (antall)", short = "Korttidsplasser i institusjon (antall)"
        var checked = 0
        for code in ["0122", "0123", "0124", "0125", "0138"] {
            for year in 2017...2019 {
                guard let s = csv["\(code)|\(year)|\(short)"], let p = csv["\(code)|\(year)|\(places)"], p > 0 else { continue }
                let v = korttid.first { $0.key.region == code && $0.key.year == year && $0.key.breakdown.isEmpty }
                #expect(v?.value.map { abs($0 - 100 * s / p) < 1e-9 } == true, "\(code) \(year): \(String(describing: v?.value))")
                #expect(v?.method == .asPublished)
                checked += 1
            }
        }
        #expect(checked > 5)
        // Hobøl's `..` is its symbol, not a number.
        #expect(korttid.contains { $0.key.region == "0138" && $0.value == nil && $0.status == ".." })
        // 3014's years are there too: 3118 is 3014 renumbered.
        #expect(korttid.contains { $0.key.region == "3014" })

        // Another pipeline's definitions do not read this warehouse's cells.
        let yml = dir.appendingPathComponent("pipelines/sample.yml")
        try String(contentsOf: yml, encoding: .utf8).replacingOccurrences(of: "name: sample\n", with: "name: another\n").write(
            to: yml, atomically: true, encoding: .utf8)
        let another = try Pipeline.load(path: yml.path, checkFiles: false)
        guard case .otherPipeline(let owner) = try queue.read({ db in try PublishedPredecessors.read(db, pipeline: another) }) else {
            Issue.record("a warehouse of another pipeline was read with this one's definitions")
            return
        }
        #expect(owner == "sample")
    }
}
