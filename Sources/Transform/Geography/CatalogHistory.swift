/// A code's history in words, for `etl catalog show`.
public enum CatalogHistory {
    public static func describe(code: String, regions: RegionCatalog) -> [String] {
        guard let periods = regions.validity[code] else {
            if let register = regions.register {
                return ["\(code): valid in no year \(register.firstYear)–\(register.lastYear) in the register"]
            }
            return [
                "\(code): not in the change catalogue (unchanged \(regions.catalog.changes.first.map { "since \($0.year - 1)" } ?? "") or unknown)"
            ]
        }
        var lines: [String] = []
        for p in periods {
            let span = "\(p.from.map(String.init) ?? "…")–\(p.to.map(String.init) ?? "")"
            lines.append("\(code) \(p.name) (valid \(span))")
        }
        // Forward chains from the code's last period.
        for p in periods {
            let year = p.to ?? regions.newestYear
            var chain = "\(code) \(p.name)"
            var frontier: [(String, Int)] = [(code, year)]
            for y in regions.years where y > year {
                var next: [(String, Int)] = []
                var steps: [String] = []
                for (c, _) in frontier {
                    let rows = regions.catalog.changes.filter { $0.year == y && $0.oldCode == c && $0.kind != .name }
                    let excluded = regions.exceptions.contains { e in
                        rows.contains { $0.oldCode == e.oldCode && $0.newCode == e.newCode && e.year == y }
                    }
                    let effective = rows.filter { r in
                        !regions.exceptions.contains { $0.oldCode == r.oldCode && $0.newCode == r.newCode && $0.year == y }
                    }
                    if effective.isEmpty || (effective.count == 1 && effective[0].newCode == c) { next.append((c, y)); continue }
                    for r in effective {
                        let partners = regions.catalog.changes.filter { p in
                            p.year == y && p.newCode == r.newCode && p.oldCode != c && p.oldCode != r.newCode
                                && !regions.exceptions.contains { $0.oldCode == p.oldCode && $0.newCode == p.newCode && $0.year == y }
                        }.map(\.oldCode)
                        // Described from the rows that remain once border adjustments are set aside.
                        let what: String
                        if effective.count > 1 {
                            what = "split"
                        } else if !partners.isEmpty {
                            what = "merged with \(partners.joined(separator: ", "))"
                        } else {
                            what = "renumbered"
                        }
                        steps.append("\(r.newCode) \(r.newName) (\(y), \(what))")
                        next.append((r.newCode, y))
                    }
                    if excluded {
                        steps.append(
                            "(border adjustment \(rows.filter { r in regions.exceptions.contains { $0.oldCode == r.oldCode && $0.newCode == r.newCode } }.map { "→ \($0.newCode)" }.joined()) ignored)"
                        )
                    }
                }
                if !steps.isEmpty { chain += " → " + steps.joined(separator: " + ") }
                frontier = next
            }
            if chain != "\(code) \(p.name)" { lines.append(chain) }
        }
        // Re-established on this code's territory, or re-establishing an earlier one.
        for re in regions.reestablished where re.sameAs == code {
            lines.append(
                "re-established \(re.from) as \(re.code) \(regions.name(of: re.code, in: re.from) ?? "") on exactly this territory: \(code)'s values up to \(re.sameAsTo) are \(re.code)'s"
            )
        }
        for re in regions.reestablished where re.code == code {
            lines.append(
                "re-established \(re.from) on the territory of \(re.sameAs) \(regions.name(of: re.sameAs, in: re.sameAsTo) ?? "") (until \(re.sameAsTo))"
            )
        }
        // Where the code came from.
        for p in periods {
            guard let from = p.from else { continue }
            let rows = regions.catalog.changes.filter { $0.year == from && $0.newCode == code && $0.oldCode != code }
            if !rows.isEmpty {
                lines.append("formed \(from) from " + rows.map { "\($0.oldCode) \($0.oldName)" }.joined(separator: ", "))
            }
        }
        return lines
    }
}
