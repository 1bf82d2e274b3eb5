import Foundation
import Testing
import Transform
@testable import Report

@Suite("Report charts and formatting")
struct ChartTests {
    let nb = Formatter(.nb), en = Formatter(.en)

    @Test func numbersAreRoundedToTheIndicatorsDecimalsInEachLanguage() {
        #expect(nb.number(54.649, decimals: 1) == "54,6")
        #expect(nb.number(54.65, decimals: 1) == "54,7")
        #expect(en.number(54.65, decimals: 1) == "54.7")
        #expect(nb.number(12345.678, decimals: 0) == "12\u{202F}346")
        #expect(nb.number(-3.25, decimals: 2) == "\u{2212}3,25")
        #expect(nb.number(-0.04, decimals: 1) == "0,0")
        #expect(nb.number(7, decimals: 0) == "7")
    }

    @Test func symbolsHaveTheirMeanings() {
        #expect(nb.symbolMeaning(":") == "Vises ikke av konfidensialitetshensyn")
        #expect(nb.symbolMeaning("..") == "Tallgrunnlag mangler")
        #expect(en.symbolMeaning("..") == "Data not available")
        #expect(nb.symbolMeaning("*") == "Foreløpige tall")
    }

    @Test func lineageSaysMethodSourcesSharesStatusAndNote() {
        let text = nb.lineage(
            method: "split_allocated", sources: [LineageSource(region: "1507", year: 2019, share: 0.8123)],
            status: "*", note: "allocated by population")
        #expect(text.contains("Metode: split_allocated (fordelt ved deling (estimat))"))
        #expect(text.contains("Kilder: 1507 2019 × 81,2 %"))
        #expect(text.contains("Status: * (Foreløpige tall)"))
        #expect(text.contains("Merknad: allocated by population"))
        // A whole source (share 1) shows no share.
        let whole = en.lineage(method: "renumbered", sources: [LineageSource(region: "3014", year: 2020, share: 1)], status: nil, note: nil)
        #expect(whole == "Method: renumbered (renumbered). Sources: 3014 2020")
    }

    func chart(_ points: [ChartPoint], band: [BandPoint] = [], reforms: [Reform] = []) -> String {
        LineChart(
            id: "c0", title: "3118 <Indre> Østfold", description: "desc", years: 2015...2024, points: points, band: band,
            reforms: reforms, decimals: 1, formatter: nb
        ).svg()
    }

    /// The y coordinates of the series' markers.
    func markerYs(_ svg: String) -> [Double] {
        let pattern = /class="pt pt-[a-z]+" cx="[0-9.]+" cy="([0-9.]+)"/
        return svg.matches(of: pattern).map { Double($0.1)! }
    }

    @Test func missingValuesAreGapsNeverZeros() {
        let points = (2015...2024).map { y in
            y == 2018 || y == 2019
                ? ChartPoint(year: y, value: nil, status: y == 2018 ? ":" : "..", method: "merged", title: "gap \(y)")
                : ChartPoint(year: y, value: 50 + Double(y - 2015), status: nil, method: "as_published", title: "v \(y)")
        }
        let svg = chart(points)
        // Eight markers, none on the zero line (y of 0 is the plot's bottom, 186).
        let ys = markerYs(svg)
        #expect(ys.count == 8)
        #expect(!ys.contains(186))
        // The line is broken at the gap: two paths, 2015–2017 and 2020–2024.
        let paths = svg.matches(of: /<path class="series" d="([^"]+)"/).map { String($0.1) }
        #expect(paths.count == 2)
        #expect(paths[0].split(separator: "L").count == 3)
        #expect(paths[1].split(separator: "L").count == 5)
        // The symbols are shown below the axis with their tooltips.
        #expect(svg.contains("<g class=\"gap\"><title>gap 2018</title>"))
        #expect(svg.contains(">:</text></g>"))
        #expect(svg.contains(">..</text></g>"))
    }

    @Test func harmonisedPointsAreDrawnDifferently() {
        let methods = ["as_published", "renumbered", "merged", "split_allocated"]
        let points = methods.enumerated().map {
            ChartPoint(year: 2015 + $0.offset, value: 10, status: nil, method: $0.element, title: $0.element)
        }
        let svg = chart(points)
        #expect(svg.contains("<circle class=\"pt pt-published\""))
        #expect(svg.contains("<circle class=\"pt pt-renumbered\""))
        #expect(svg.contains("<rect class=\"pt pt-merged\""))
        #expect(svg.contains("<path class=\"pt pt-split\""))
        #expect(svg.contains("<title>split_allocated</title>"))
    }

    @Test func reformsAreMarkedWithTheirChange() {
        let r = Reform(year: 2020, from: ["0122", "0123", "0124", "0125", "0138"], to: ["3014"])
        #expect(r.text == "2020: 0122, 0123, 0124, 0125, 0138 → 3014")
        let svg = chart(
            [ChartPoint(year: 2019, value: 1, status: nil, method: "merged", title: "t")],
            reforms: [r, Reform(year: 2030, from: ["1"], to: ["2"])])
        #expect(svg.contains("<g class=\"reform\"><title>2020: 0122, 0123, 0124, 0125, 0138 → 3014</title>"))
        // A reform outside the chart's years is not drawn.
        #expect(!svg.contains("2030:"))
    }

    @Test func theBandAndMedianFollowTheGroup() {
        let band = [2015, 2016, 2017, 2019].map { BandPoint(year: $0, median: 40, low: 20, high: 80, title: "g\($0)") }
        let svg = chart([ChartPoint(year: 2015, value: 30, status: nil, method: "as_published", title: "t")], band: band)
        // 2015–2017 is one band; 2019 alone is a bar; the median breaks at 2018.
        #expect(svg.matches(of: /<path class="band"/).count == 1)
        #expect(svg.matches(of: /<line class="band-single"/).count == 1)
        #expect(svg.matches(of: /<path class="median"/).count == 1)
        #expect(svg.matches(of: /<circle class="median-dot"/).count == 1)
    }

    @Test func chartsAreAccessibleAndEscaped() {
        let svg = chart([ChartPoint(year: 2015, value: 1, status: nil, method: "as_published", title: "a < b & c")])
        #expect(svg.hasPrefix("<svg class=\"chart line-chart\""))
        #expect(svg.contains("role=\"img\" aria-labelledby=\"c0-t c0-d\""))
        #expect(svg.contains("<title id=\"c0-t\">3118 &lt;Indre&gt; Østfold</title>"))
        #expect(svg.contains("<title>a &lt; b &amp; c</title>"))
    }

    @Test func theRankingIsLargestFirstWithGapsLast() {
        let bars = [
            RankingChart.Bar(label: "A", value: 10, status: nil, title: "a"),
            RankingChart.Bar(label: "B", value: nil, status: ":", title: "b"),
            RankingChart.Bar(label: "C", value: 30, status: "*", title: "c")
        ]
        let svg = RankingChart(id: "r", title: "t", description: "d", bars: bars, decimals: 1, formatter: nb).svg()
        let labels = svg.matches(of: /<text class="label"[^>]*>([^<]+)</).map { String($0.1) }
        #expect(labels == ["C", "A", "B"])
        #expect(svg.contains(">30,0*</text>"))
        #expect(svg.matches(of: #/<rect /#).count == 2)
        #expect(svg.contains("<text class=\"value gap\""))
    }

    @Test func reformsWalkBackThroughTheCatalogue() throws {
        let csv = """
            oldCode,oldName,newCode,newName,changeOccurred,kind
            0122,Trøgstad,3014,Indre Østfold,2020-01-01,merge
            0123,Spydeberg,3014,Indre Østfold,2020-01-01,merge
            0124,Askim,3014,Indre Østfold,2020-01-01,merge
            0125,Eidsberg,3014,Indre Østfold,2020-01-01,merge
            0138,Hobøl,3014,Indre Østfold,2020-01-01,merge
            3014,Indre Østfold,3118,Indre Østfold,2024-01-01,renumber
            1507,Ålesund,1508,Ålesund,2024-01-01,split
            1507,Ålesund,1580,Haram,2024-01-01,split
            1940,Kåfjord,1940,Gáivuotna - Kåfjord,1995-01-01,name
            """
        let catalog = try ChangeCatalog.parseCSV(csv, file: "k.csv")
        #expect(reforms(of: "3118", in: catalog).map(\.text) == ["2024: 3014 → 3118", "2020: 0122, 0123, 0124, 0125, 0138 → 3014"])
        #expect(reforms(of: "1580", in: catalog).map(\.text) == ["2024: 1507 → 1508, 1580"])
        // A change of name alone is no reform.
        #expect(reforms(of: "1940", in: catalog).isEmpty)
    }

    @Test func fileNamesCannotCollideOrEscape() {
        #expect(fileSafe("3118") == "3118")
        #expect(fileSafe("../x") == "~2E~2E~2Fx")
        #expect(fileSafe("a/b") != fileSafe("a_b"))
    }
}

@Suite("SVG coordinates")
struct CoordinateTests {
    @Test func coordinatesHaveOneDecimalAtMost() {
        #expect(fmt(186) == "186")
        #expect(fmt(131.34) == "131.3")
        #expect(fmt(131.35) == "131.4")
        #expect(fmt(-0.44) == "-0.4")
        #expect(fmt(-2.5) == "-2.5")
        #expect(fmt(-3.04) == "-3")
    }
}
