import Foundation

/// One year of a region's harmonised series: a value, or a gap with the symbol that says why.
public struct ChartPoint: Sendable {
    public var year: Int
    public var value: Double?
    public var status: String?
    public var method: String
    /// The tooltip: the value and its lineage.
    public var title: String
    public init(year: Int, value: Double?, status: String?, method: String, title: String) {
        self.year = year
        self.value = value
        self.status = status
        self.method = method
        self.title = title
    }
}

/// One year of the comparison group: its median and the range of its members.
public struct BandPoint: Sendable {
    public var year: Int
    public var median: Double?
    public var low: Double?
    public var high: Double?
    public var title: String
    public init(year: Int, median: Double?, low: Double?, high: Double?, title: String) {
        self.year = year
        self.median = median
        self.low = low
        self.high = high
        self.title = title
    }
}

/// The point markers' shapes: how a value was obtained is visible without colour.
enum Marker {
    static func svg(method: String, x: Double, y: Double) -> String {
        let xs = fmt(x), ys = fmt(y)
        switch method {
        case "merged":
            return "<rect class=\"pt pt-merged\" x=\"\(fmt(x - 3.5))\" y=\"\(fmt(y - 3.5))\" width=\"7\" height=\"7\"/>"
        case "renumbered":
            return "<circle class=\"pt pt-renumbered\" cx=\"\(xs)\" cy=\"\(ys)\" r=\"3.5\"/>"
        case "split_allocated":
            return "<path class=\"pt pt-split\" d=\"M\(xs) \(fmt(y - 5))L\(fmt(x + 5)) \(ys)L\(xs) \(fmt(y + 5))L\(fmt(x - 5)) \(ys)Z\"/>"
        default:
            return "<circle class=\"pt pt-published\" cx=\"\(xs)\" cy=\"\(ys)\" r=\"3.5\"/>"
        }
    }
}

/// A number for SVG coordinates: at most one decimal, no exponent.
func fmt(_ v: Double) -> String {
    guard v.isFinite else { return "0" }
    let tenths = Int((v * 10).rounded())
    let whole = tenths / 10, tenth = abs(tenths % 10)
    let sign = tenths < 0 && whole == 0 ? "-" : ""
    return tenth == 0 ? sign + String(whole) : sign + String(whole) + "." + String(tenth)
}

/// A y axis from the data: includes zero, ticks at a round step.
struct Scale {
    var low: Double
    var high: Double
    var step: Double
    var tickDecimals: Int

    init(values: [Double]) {
        var lo = min(0, values.min() ?? 0), hi = max(0, values.max() ?? 1)
        if hi - lo < 1e-9 { hi = lo + 1 }
        let raw = (hi - lo) / 4
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? magnitude * 10
        lo = (lo / step).rounded(.down) * step
        hi = (hi / step).rounded(.up) * step
        self.low = lo
        self.high = hi
        self.step = step
        self.tickDecimals = max(0, Int(-floor(log10(step)) + (step / magnitude == 2.5 ? 1 : 0)))
    }

    var ticks: [Double] {
        var out: [Double] = []
        var t = low
        while t <= high + step / 1000 { out.append(t); t += step }
        return out
    }
}

/// A region's harmonised series over the years as a line chart: the comparison group's
/// min–max band and median behind it, reform years marked, gaps where a value is missing or
/// suppressed (with the symbol below the axis), never a zero.
public struct LineChart: Sendable {
    public var id: String
    public var title: String
    public var description: String
    public var years: ClosedRange<Int>
    public var points: [ChartPoint]
    public var band: [BandPoint]
    public var reforms: [Reform]
    public var decimals: Int
    public var formatter: Formatter

    public init(
        id: String, title: String, description: String, years: ClosedRange<Int>, points: [ChartPoint], band: [BandPoint] = [],
        reforms: [Reform] = [], decimals: Int, formatter: Formatter
    ) {
        self.id = id
        self.title = title
        self.description = description
        self.years = years
        self.points = points
        self.band = band
        self.reforms = reforms
        self.decimals = decimals
        self.formatter = formatter
    }

    static let width = 560.0, height = 230.0
    static let left = 56.0, right = 14.0, top = 22.0, bottom = 44.0

    public func svg() -> String {
        let w = LineChart.width, h = LineChart.height
        let plotLeft = LineChart.left, plotRight = w - LineChart.right, plotTop = LineChart.top, plotBottom = h - LineChart.bottom
        var values = points.compactMap(\.value)
        for b in band { values += [b.low, b.high, b.median].compactMap { $0 } }
        let scale = Scale(values: values)
        let span = Double(max(1, years.count - 1))
        func x(_ year: Double) -> Double {
            years.count == 1
                ? (plotLeft + plotRight) / 2 : plotLeft + 8 + (year - Double(years.lowerBound)) / span * (plotRight - plotLeft - 16)
        }
        func y(_ v: Double) -> Double { plotBottom - (v - scale.low) / (scale.high - scale.low) * (plotBottom - plotTop) }

        var s =
            "<svg class=\"chart line-chart\" viewBox=\"0 0 \(fmt(w)) \(fmt(h))\" role=\"img\" aria-labelledby=\"\(id)-t \(id)-d\" xmlns=\"http://www.w3.org/2000/svg\">"
        s += "<title id=\"\(id)-t\">\(escapeXML(title))</title><desc id=\"\(id)-d\">\(escapeXML(description))</desc>"
        // Grid and y axis.
        for t in scale.ticks {
            let yy = fmt(y(t))
            s += "<line class=\"grid\" x1=\"\(fmt(plotLeft))\" x2=\"\(fmt(plotRight))\" y1=\"\(yy)\" y2=\"\(yy)\"/>"
            s +=
                "<text class=\"tick\" x=\"\(fmt(plotLeft - 6))\" y=\"\(fmt(y(t) + 4))\" text-anchor=\"end\">\(formatter.number(t, decimals: scale.tickDecimals))</text>"
        }
        // Year labels: every year when they fit, else every second.
        let every = years.count > 12 ? 2 : 1
        for year in years where (year - years.lowerBound) % every == 0 || year == years.upperBound {
            s += "<text class=\"tick\" x=\"\(fmt(x(Double(year))))\" y=\"\(fmt(plotBottom + 16))\" text-anchor=\"middle\">\(year)</text>"
        }
        s += "<line class=\"axis\" x1=\"\(fmt(plotLeft))\" x2=\"\(fmt(plotRight))\" y1=\"\(fmt(plotBottom))\" y2=\"\(fmt(plotBottom))\"/>"
        // Reform years: a dashed line between the last year before and the first year after.
        for r in reforms where years.contains(r.year) {
            let xx = r.year > years.lowerBound ? x(Double(r.year) - 0.5) : x(Double(r.year))
            s += "<g class=\"reform\"><title>\(escapeXML(r.text))</title>"
            s += "<line x1=\"\(fmt(xx))\" x2=\"\(fmt(xx))\" y1=\"\(fmt(plotTop - 6))\" y2=\"\(fmt(plotBottom))\"/>"
            s += "<text x=\"\(fmt(xx + 3))\" y=\"\(fmt(plotTop - 9))\">\(r.year)</text></g>"
        }
        // The comparison group's band and median, in runs of consecutive years.
        for run in runs(band.filter { $0.low != nil && $0.high != nil }.map(\.year)) {
            let part = band.filter { run.contains($0.year) }
            let upper = part.map { "\(fmt(x(Double($0.year)))) \(fmt(y($0.high!)))" }
            let lower = part.reversed().map { "\(fmt(x(Double($0.year)))) \(fmt(y($0.low!)))" }
            if part.count == 1 {
                let p = part[0], xx = x(Double(p.year))
                s += "<line class=\"band-single\" x1=\"\(fmt(xx))\" x2=\"\(fmt(xx))\" y1=\"\(fmt(y(p.low!)))\" y2=\"\(fmt(y(p.high!)))\"/>"
            } else {
                s += "<path class=\"band\" d=\"M" + (upper + lower).joined(separator: "L") + "Z\"/>"
            }
        }
        for run in runs(band.filter { $0.median != nil }.map(\.year)) {
            let part = band.filter { run.contains($0.year) }
            if part.count > 1 {
                s +=
                    "<path class=\"median\" d=\"M" + part.map { "\(fmt(x(Double($0.year)))) \(fmt(y($0.median!)))" }.joined(separator: "L")
                    + "\"/>"
            }
        }
        // A median of one year alone is a dot; the group's figures per year are in the table under the chart.
        for run in runs(band.filter { $0.median != nil }.map(\.year)) where run.count == 1 {
            let b = band.first { $0.year == run.lowerBound }!
            s += "<circle class=\"median-dot\" cx=\"\(fmt(x(Double(b.year))))\" cy=\"\(fmt(y(b.median!)))\" r=\"2.2\"/>"
        }
        // The series: lines over consecutive years with values, a marker per value.
        for run in runs(points.filter { $0.value != nil }.map(\.year)) where run.count > 1 {
            let part = points.filter { run.contains($0.year) }
            s +=
                "<path class=\"series\" d=\"M" + part.map { "\(fmt(x(Double($0.year)))) \(fmt(y($0.value!)))" }.joined(separator: "L")
                + "\"/>"
        }
        for p in points {
            if let v = p.value {
                s +=
                    "<g class=\"point\"><title>\(escapeXML(p.title))</title>\(Marker.svg(method: p.method, x: x(Double(p.year)), y: y(v)))</g>"
            } else {
                // A gap: the symbol below the year, never a point at zero.
                s +=
                    "<g class=\"gap\"><title>\(escapeXML(p.title))</title><text x=\"\(fmt(x(Double(p.year))))\" y=\"\(fmt(plotBottom + 32))\" text-anchor=\"middle\">\(escapeXML(p.status ?? "–"))</text></g>"
            }
        }
        s += "</svg>"
        return s
    }
}

/// Consecutive years as runs: [2015, 2016, 2018] → [2015...2016, 2018...2018].
func runs(_ years: [Int]) -> [ClosedRange<Int>] {
    var out: [ClosedRange<Int>] = []
    for y in years.sorted() {
        if let last = out.last, last.upperBound + 1 == y {
            out[out.count - 1] = last.lowerBound...y
        } else if let last = out.last, last.contains(y) {
            continue
        } else {
            out.append(y...y)
        }
    }
    return out
}

/// The regions of an indicator in one year as horizontal bars, largest first; regions
/// without a value are listed after them with their symbol, with no bar.
public struct RankingChart: Sendable {
    public struct Bar: Sendable {
        public var label: String
        public var value: Double?
        public var status: String?
        public var title: String
        public var highlight: Bool
        public init(label: String, value: Double?, status: String?, title: String, highlight: Bool = false) {
            self.label = label
            self.value = value
            self.status = status
            self.title = title
            self.highlight = highlight
        }
    }

    public var id: String
    public var title: String
    public var description: String
    public var bars: [Bar]
    public var decimals: Int
    public var formatter: Formatter

    public init(id: String, title: String, description: String, bars: [Bar], decimals: Int, formatter: Formatter) {
        self.id = id
        self.title = title
        self.description = description
        self.bars = bars
        self.decimals = decimals
        self.formatter = formatter
    }

    public func svg() -> String {
        let rowHeight = 17.0, labelWidth = 190.0, valueWidth = 64.0, width = 640.0, top = 8.0
        let sorted =
            bars.filter { $0.value != nil }.sorted { ($0.value!, $1.label) > ($1.value!, $0.label) } + bars.filter { $0.value == nil }
        let height = top + Double(sorted.count) * rowHeight + 8
        let values = sorted.compactMap(\.value)
        let lo = min(0, values.min() ?? 0), hi = max(0, values.max() ?? 1)
        let range = hi - lo > 1e-12 ? hi - lo : 1
        let barSpace = width - labelWidth - valueWidth
        func x(_ v: Double) -> Double { labelWidth + (v - lo) / range * barSpace }
        var s =
            "<svg class=\"chart ranking\" viewBox=\"0 0 \(fmt(width)) \(fmt(height))\" role=\"img\" aria-labelledby=\"\(id)-t \(id)-d\" xmlns=\"http://www.w3.org/2000/svg\">"
        s += "<title id=\"\(id)-t\">\(escapeXML(title))</title><desc id=\"\(id)-d\">\(escapeXML(description))</desc>"
        for (i, b) in sorted.enumerated() {
            let yy = top + Double(i) * rowHeight
            s += "<g class=\"bar\(b.highlight ? " highlight" : "")\"><title>\(escapeXML(b.title))</title>"
            s += "<text class=\"label\" x=\"\(fmt(labelWidth - 6))\" y=\"\(fmt(yy + 12))\" text-anchor=\"end\">\(escapeXML(b.label))</text>"
            if let v = b.value {
                let x0 = x(min(0, v)), x1 = x(max(0, v))
                s += "<rect x=\"\(fmt(x0))\" y=\"\(fmt(yy + 2))\" width=\"\(fmt(max(0.5, x1 - x0)))\" height=\"\(fmt(rowHeight - 5))\"/>"
                s +=
                    "<text class=\"value\" x=\"\(fmt(x1 + 4))\" y=\"\(fmt(yy + 12))\">\(formatter.number(v, decimals: decimals))\(b.status == "*" ? "*" : "")</text>"
            } else {
                s += "<text class=\"value gap\" x=\"\(fmt(labelWidth + 4))\" y=\"\(fmt(yy + 12))\">\(escapeXML(b.status ?? "–"))</text>"
            }
            s += "</g>"
        }
        s += "</svg>"
        return s
    }
}
