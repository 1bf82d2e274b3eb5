#!/usr/bin/env python3
"""Writes the bundled sample inputs in pipelines/sample/ (synthetic but plausible values,
real region codes and names, real SSB file shapes). Deterministic: run it again and the
files are the same. Usage: python3 tools/make_sample.py"""
import json, os, random

OUT = os.path.join(os.path.dirname(__file__), "..", "pipelines", "sample")
YEARS = list(range(2015, 2025))
rng = random.Random(20261122)

# Base territories (the smallest pieces over 2015-2024) with rough sizes.
# name, total population 2015, inhabitants 80+ 2015
BASE = {
    "0122": ("Trøgstad", 5300, 250), "0123": ("Spydeberg", 5600, 230), "0124": ("Askim", 15400, 760),
    "0125": ("Eidsberg", 11200, 560), "0138": ("Hobøl", 5400, 180), "0301": ("Oslo", 647000, 23500),
    "1241": ("Fusa", 3900, 230), "1243": ("Os (Hordaland)", 19300, 780),
    "1504": ("Ålesund", 46000, 2000), "1523": ("Ørskog", 2250, 110), "1529": ("Skodje", 4500, 150),
    "1534": ("Haram", 9100, 450), "1546": ("Sandøy", 1250, 80), "1567": ("Rindal", 2050, 150),
}
# Ålesund 2020-2023 (1507) splits in 2024: Haram's old territory (1534) becomes 1580 again.
# Region codes per era: (code, label, first year, last year, parts)
REGIONS = [
    ("0122", "Trøgstad (-2019)", 2015, 2019, ["0122"]),
    ("0123", "Spydeberg (-2019)", 2015, 2019, ["0123"]),
    ("0124", "Askim (-2019)", 2015, 2019, ["0124"]),
    ("0125", "Eidsberg (-2019)", 2015, 2019, ["0125"]),
    ("0138", "Hobøl (-2019)", 2015, 2019, ["0138"]),
    ("3014", "Indre Østfold (2020-2023)", 2020, 2023, ["0122", "0123", "0124", "0125", "0138"]),
    ("3118", "Indre Østfold", 2024, 2024, ["0122", "0123", "0124", "0125", "0138"]),
    ("0301", "Oslo", 2015, 2024, ["0301"]),
    ("1241", "Fusa (-2019)", 2015, 2019, ["1241"]),
    ("1243", "Os (Hordaland) (-2019)", 2015, 2019, ["1243"]),
    ("4624", "Bjørnafjorden", 2020, 2024, ["1241", "1243"]),
    ("1504", "Ålesund (-2019)", 2015, 2019, ["1504"]),
    ("1523", "Ørskog (-2019)", 2015, 2019, ["1523"]),
    ("1529", "Skodje (-2019)", 2015, 2019, ["1529"]),
    ("1534", "Haram (-2019)", 2015, 2019, ["1534"]),
    ("1546", "Sandøy (-2019)", 2015, 2019, ["1546"]),
    ("1507", "Ålesund (2020-2023)", 2020, 2023, ["1504", "1523", "1529", "1534", "1546"]),
    ("1508", "Ålesund", 2024, 2024, ["1504", "1523", "1529", "1546"]),
    ("1580", "Haram", 2024, 2024, ["1534"]),
    ("1567", "Rindal (-2018)", 2015, 2018, ["1567"]),
    ("5061", "Rindal", 2019, 2024, ["1567"]),
]

def grow(base, year, rate):
    return base * (1 + rate) ** (year - 2015)

# Counts per base territory and year.
data = {}
for code, (name, pop, p80) in BASE.items():
    for y in YEARS:
        d = {}
        d["pop"] = round(grow(pop, y, 0.008))
        d["p80"] = round(grow(p80, y, 0.012))
        # 80+ by sex and single age 80..104 (women more numerous, falling with age).
        ages = {}
        weights = [0.93 ** a for a in range(25)]
        tw = sum(weights)
        remaining = d["p80"]
        for s, share in (("1", 0.42), ("2", 0.58)):
            for a in range(25):
                ages[(s, a)] = int(d["p80"] * share * weights[a] / tw)
        # Put the rounding remainder on age 80, women.
        ages[("2", 0)] += d["p80"] - sum(ages.values())
        d["ages"] = ages
        d["home80"] = round(d["p80"] * rng.uniform(0.26, 0.36))          # users of home services 80+
        d["inst"] = max(3, round(d["p80"] * rng.uniform(0.12, 0.17)))    # institution places
        d["bolig24"] = max(0, round(d["p80"] * rng.uniform(0.07, 0.13))) # places in 24-hour housing
        d["kort"] = max(1, round(d["inst"] * rng.uniform(0.12, 0.22)))    # short-term places
        d["fte"] = round(d["p80"] * rng.uniform(0.30, 0.40), 1)          # user-facing FTEs
        d["fte_h"] = round(d["fte"] * rng.uniform(0.70, 0.82), 1)        # of which with health education
        d["lt67"] = max(4, round(d["inst"] * rng.uniform(0.70, 0.85)))    # long-term residents 67+
        d["lmg"] = round(d["lt67"] * rng.uniform(0.45, 0.70))             # with medication review
        d["ern"] = round(d["lt67"] * rng.uniform(0.35, 0.65))             # with nutrition assessment
        data[(code, y)] = d

def total(parts, y, key):
    return sum(data[(p, y)][key] for p in parts)

def fmt_comma(v, decimals):
    s = f"{v:.{decimals}f}"
    return s.replace(".", ",")

os.makedirs(OUT, exist_ok=True)

# 1. KOSTRA 12209-style v0 dataset CSV: ; delimiter, decimal comma, ISO-8859-1, long layout.
MEASURES_12209 = [
    ("Andel innbyggere 80 år og over som bruker hjemmetjenester (prosent)", "rate_home80", 1),
    ("Plasser i institusjon (antall)", "inst", 0),
    ("Plasser i bolig med heldøgns bemanning (antall)", "bolig24", 0),
    ("Korttidsplasser i institusjon (antall)", "kort", 0),
    ("Brukerrettede årsverk i omsorgstjenesten (antall)", "fte", 1),
    ("Årsverk i brukerrettede tjenester med helseutdanning (antall)", "fte_h", 1),
]
lines = ['"region";"år";"statistikkvariabel";"12209: Utvalgte nøkkeltall for helse og omsorg, etter region, år og statistikkvariabel"']
for code, label, first, last, parts in REGIONS:
    for y in YEARS:
        for text, key, dec in MEASURES_12209:
            if not (first <= y <= last):
                cell = "."
            elif key == "rate_home80":
                cell = fmt_comma(100 * total(parts, y, "home80") / total(parts, y, "p80"), 1)
            else:
                v = total(parts, y, key)
                cell = fmt_comma(v, dec)
            lines.append(f'"{code} {label}";"{y}";"{text}";{cell}')
# A missing figure, as SSB publishes it: Hobøl's short-term places in 2016.
lines = [l.rsplit(";", 1)[0] + ";.." if l.startswith('"0138 Hobøl (-2019)";"2016";"Korttidsplasser') else l for l in lines]
with open(os.path.join(OUT, "12209_kostra_nokkeltall.csv"), "wb") as f:
    f.write(("\r\n".join(lines) + "\r\n").encode("iso-8859-1"))

# 2. Table 12752-style JSON-stat 2.0 (PxWebApi v2 shape): KPR long-term residents 67+.
KPR_YEARS = list(range(2017, 2024))
CONTENTS = [
    ("KOSbeboerlang0000", "Beboere 67 år og over med langtidsopphold (antall)", "lt67"),
    ("KOSlmgjennomg0000", "Beboere 67 år og over med langtidsopphold med legemiddelgjennomgang siste 12 måneder (antall)", "lmg"),
    ("KOSernvurd0000", "Beboere 67 år og over med langtidsopphold med vurdering av ernæringsstatus siste 12 måneder (antall)", "ern"),
]
regs = [r for r in REGIONS]
values, status = [], {}
for ri, (code, label, first, last, parts) in enumerate(regs):
    for ci, (cc, ctext, key) in enumerate(CONTENTS):
        for ti, y in enumerate(KPR_YEARS):
            pos = len(values)
            if not (first <= y <= last):
                values.append(None); status[str(pos)] = "."
                continue
            v = total(parts, y, key)
            # KOSTRA suppresses counts below 5; one part is suppressed to show the rule.
            if (code == "0122" and y == 2018 and key == "lmg") or v < 5:
                values.append(None); status[str(pos)] = ":"
            else:
                values.append(v)
doc = {
    "version": "2.0", "class": "dataset",
    "label": "12752: Langtidsopphold i institusjon, etter legemiddelgjennomgang og vurdering av ernæringsstatus (K) 2017 - 2023",
    "source": "Statistisk sentralbyrå", "updated": "2024-06-20T06:00:00Z",
    "note": ["Tallene er syntetiske eksempeldata i SSBs format."],
    "role": {"time": ["Tid"], "geo": ["KOKkommuneregion0000"], "metric": ["ContentsCode"]},
    "id": ["KOKkommuneregion0000", "ContentsCode", "Tid"],
    "size": [len(regs), len(CONTENTS), len(KPR_YEARS)],
    "dimension": {
        "KOKkommuneregion0000": {"label": "region", "category": {
            "index": {r[0]: i for i, r in enumerate(regs)}, "label": {r[0]: r[1] for r in regs}}},
        "ContentsCode": {"label": "statistikkvariabel", "category": {
            "index": {c[0]: i for i, c in enumerate(CONTENTS)}, "label": {c[0]: c[1] for c in CONTENTS},
            "unit": {c[0]: {"base": "antall", "decimals": 0} for c in CONTENTS}}},
        "Tid": {"label": "år", "category": {"index": {str(y): i for i, y in enumerate(KPR_YEARS)}, "label": {str(y): str(y) for y in KPR_YEARS}}},
    },
    "extension": {"px": {"tableid": "12752", "decimals": 0, "contents": "Langtidsopphold", "heading": ["ContentsCode", "Tid"], "stub": ["KOKkommuneregion0000"]}},
    "value": values, "status": status,
}
with open(os.path.join(OUT, "12752_kpr_langtidsbeboere.json"), "w", encoding="utf-8") as f:
    json.dump(doc, f, ensure_ascii=False, indent=1)

# 3. Table 07459-style JSON-stat 2.0: population by region, sex, age 80-104, year. No status;
#    0 for region-years that did not exist, as the real table shows.
ages = [f"{80 + a:03d}" for a in range(25)]
values = []
for code, label, first, last, parts in REGIONS:
    for s in ("1", "2"):
        for a in range(25):
            for y in YEARS:
                values.append(sum(data[(p, y)]["ages"][(s, a)] for p in parts) if first <= y <= last else 0)
doc = {
    "version": "2.0", "class": "dataset",
    "label": "07459: Befolkning, etter region, kjønn, alder, statistikkvariabel og år",
    "source": "Statistisk sentralbyrå", "updated": "2024-02-21T07:00:00Z",
    "role": {"time": ["Tid"], "geo": ["Region"], "metric": ["ContentsCode"]},
    "id": ["Region", "Kjonn", "Alder", "ContentsCode", "Tid"],
    "size": [len(REGIONS), 2, 25, 1, len(YEARS)],
    "dimension": {
        "Region": {"label": "region", "category": {"index": [r[0] for r in REGIONS], "label": {r[0]: r[1] for r in REGIONS}}},
        "Kjonn": {"label": "kjønn", "category": {"index": ["1", "2"], "label": {"1": "Menn", "2": "Kvinner"}}},
        "Alder": {"label": "alder", "category": {"index": ages, "label": {a: f"{int(a)} år" for a in ages}}},
        "ContentsCode": {"label": "statistikkvariabel", "category": {"index": ["Personer1"], "label": {"Personer1": "Personer"},
                          "unit": {"Personer1": {"base": "personer", "decimals": 0}}}},
        "Tid": {"label": "år", "category": {"index": [str(y) for y in YEARS], "label": {str(y): str(y) for y in YEARS}}},
    },
    "extension": {"px": {"tableid": "07459", "decimals": 0}},
    "value": values,
}
with open(os.path.join(OUT, "07459_befolkning_80pluss.json"), "w", encoding="utf-8") as f:
    json.dump(doc, f, ensure_ascii=False, separators=(",", ":"))

# 4. Table 06913-style statbank download with a title line: ; and decimal comma, Windows-1252.
lines = ['"06913: Befolkning og endringer, etter region, år og statistikkvariabel"', '',
         '"region";"år";"statistikkvariabel";"06913: Befolkning og endringer, etter region, år og statistikkvariabel"']
for code, label, first, last, parts in REGIONS:
    for y in YEARS:
        cell = str(total(parts, y, "pop")) if first <= y <= last else "."
        lines.append(f'"{code} {label}";"{y}";"Befolkning per 1.1. (personer)";{cell}')
with open(os.path.join(OUT, "06913_befolkning.csv"), "wb") as f:
    f.write(("\r\n".join(lines) + "\r\n").encode("cp1252"))
print("wrote", OUT)

# 5. Husbanken investment-grant export: semicolon CSV, Windows-1252, decimal comma, spaces as
#    thousands separators, one row per municipality, year, kind, stage and purpose. Only
#    municipalities that received something are listed (absence means zero).
RATE = {"sykehjem": 1870000, "omsorgsbolig": 1530000}  # 2015 rates for high-pressure areas, kroner per unit
GRANTS = [  # code as in that year, name, year, kind, purpose, places granted; paid two years later
    ("0124", "Askim", 2016, "sykehjem", "Fornyelse", 24),
    ("0125", "Eidsberg", 2017, "omsorgsbolig", "Fornyelse", 12),
    ("0301", "Oslo", 2016, "sykehjem", "Fornyelse", 120),
    ("0301", "Oslo", 2019, "omsorgsbolig", "Netto tilvekst", 64),
    ("0301", "Oslo", 2021, "sykehjem", "Netto tilvekst", 96),
    ("1243", "Os (Hordaland)", 2018, "sykehjem", "Netto tilvekst", 30),
    ("1504", "Ålesund", 2017, "omsorgsbolig", "Fornyelse", 16),
    ("1507", "Ålesund", 2020, "sykehjem", "Netto tilvekst", 40),
    ("3014", "Indre Østfold", 2021, "sykehjem", "Netto tilvekst", 32),
    ("4624", "Bjørnafjorden", 2022, "omsorgsbolig", "Netto tilvekst", 20),
    ("5061", "Rindal", 2019, "sykehjem", "Netto tilvekst", 8),
]
CODE_AFTER = {("0124", 2018): "0124", ("0125", 2019): "0125", ("1243", 2020): "4624", ("1504", 2019): "1504",
              ("1507", 2022): "1507", ("3014", 2023): "3014", ("4624", 2024): "4624", ("5061", 2021): "5061",
              ("0301", 2018): "0301", ("0301", 2021): "0301", ("0301", 2023): "0301"}
NAME = {"4624": "Bjørnafjorden"}
def amount(n, kind):
    return f"{n * RATE[kind]:,}".replace(",", " ")
lines = ['"Kommunenr";"Kommune";"År";"Tilskuddsordning";"Fase";"Formål";"Antall boenheter";"Tilskudd (kr)"']
for code, name, year, kind, purpose, n in GRANTS:
    ordning = "Sykehjemsplass" if kind == "sykehjem" else "Omsorgsbolig"
    lines.append(f'"{code}";"{name}";{year};"{ordning}";"Tilsagn";"{purpose}";{n};{amount(n, kind)}')
    paid_year = year + 2
    if paid_year <= 2024:
        pc = CODE_AFTER.get((code, paid_year), code)
        lines.append(f'"{pc}";"{NAME.get(pc, name)}";{paid_year};"{ordning}";"Utbetalt";"{purpose}";{n};{amount(n, kind)}')
with open(os.path.join(OUT, "husbanken_investeringstilskudd.csv"), "wb") as f:
    f.write(("\r\n".join(lines) + "\r\n").encode("cp1252"))
