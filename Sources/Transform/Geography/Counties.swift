/// County (fylke) numbers and the years they were in use, 2010–2024 (SSB; the same facts as
/// pipelines/fylker.csv). A municipality number starts with its county's number, so a
/// 4-digit code whose first two digits were no county that year is no municipality.
public enum Counties {
    /// code → (first year, last year); nil means open.
    public static let validity: [String: (from: Int?, to: Int?)] = [
        "01": (nil, 2019), "02": (nil, 2019), "03": (nil, nil), "04": (nil, 2019), "05": (nil, 2019),
        "06": (nil, 2019), "07": (nil, 2019), "08": (nil, 2019), "09": (nil, 2019), "10": (nil, 2019),
        "11": (nil, nil), "12": (nil, 2019), "14": (nil, 2019), "15": (nil, nil), "16": (nil, 2017),
        "17": (nil, 2017), "18": (nil, nil), "19": (nil, 2019), "20": (nil, 2019),
        "30": (2020, 2023), "31": (2024, nil), "32": (2024, nil), "33": (2024, nil), "34": (2020, nil),
        "38": (2020, 2023), "39": (2024, nil), "40": (2024, nil), "42": (2020, nil), "46": (2020, nil),
        "50": (2018, nil), "54": (2020, 2023), "55": (2024, nil), "56": (2024, nil)
    ]

    /// Whether a municipality number's county existed in a year.
    public static func countyExists(forKommune code: String, in year: Int) -> Bool {
        guard let v = validity[String(code.prefix(2))] else { return false }
        return (v.from ?? Int.min) <= year && year <= (v.to ?? Int.max)
    }
}
