/// The report's Mustache templates and stylesheet, as constants so the release binary needs
/// no resource files. `{{x}}` is escaped; `{{{x}}}` is markup we built (the SVG charts).
enum Templates {
    static let header = """
        <!DOCTYPE html>
        <html lang="{{t.htmlLang}}">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{pageTitle}} · {{t.reportTitle}}</title>
        <link rel="stylesheet" href="{{root}}report.css">
        </head>
        <body>
        <header class="site">
        <a class="home" href="{{root}}index.html">{{t.reportTitle}}</a>
        <span class="run">{{t.builtFrom}} {{runLine}}</span>
        </header>
        <main>

        """

    static let footer = """
        </main>
        <footer class="site">
        <p>{{t.footer}} {{runLine}}</p>
        </footer>
        </body>
        </html>

        """

    static let legend = """
        <figure class="legend" aria-label="{{t.legend}}">
        <svg viewBox="0 0 640 40" role="img" aria-labelledby="legend-t" xmlns="http://www.w3.org/2000/svg">
        <title id="legend-t">{{t.legend}}</title>
        <g class="legend-item"><path class="series" d="M4 12L28 12"/><circle class="pt pt-published" cx="16" cy="12" r="3.5"/><text x="34" y="16">{{t.mAsPublished}}</text></g>
        <g class="legend-item"><circle class="pt pt-renumbered" cx="166" cy="12" r="3.5"/><text x="178" y="16">{{t.mRenumbered}}</text></g>
        <g class="legend-item"><rect class="pt pt-merged" x="312.5" y="8.5" width="7" height="7"/><text x="328" y="16">{{t.mMerged}}</text></g>
        <g class="legend-item"><path class="pt pt-split" d="M466 7L471 12L466 17L461 12Z"/><text x="478" y="16">{{t.mSplit}}</text></g>
        <g class="legend-item"><rect class="band" x="4" y="24" width="24" height="10"/><path class="median" d="M4 29L28 29"/><text x="34" y="33">{{t.bandLegend}}</text></g>
        <g class="legend-item reform"><line x1="316" x2="316" y1="22" y2="36"/><text x="328" y="33">{{t.reformLegend}}</text></g>
        <g class="legend-item gap"><text x="462" y="33">: ..</text><text class="plain" x="488" y="33">{{t.gapLegend}}</text></g>
        </svg>
        </figure>

        """

    static let index = """
        {{> header}}
        <h1>{{t.reportTitle}}</h1>
        <section class="run-info" aria-labelledby="run-h">
        <h2 id="run-h">{{t.runHeading}}</h2>
        {{#run}}
        <dl class="facts">
        <dt>{{t.runId}}</dt><dd>{{id}}</dd>
        <dt>{{t.pipeline}}</dt><dd>{{pipeline}}</dd>
        <dt>{{t.runTime}}</dt><dd><time>{{time}}</time></dd>
        <dt>{{t.structureYear}}</dt><dd>{{structureYear}}</dd>
        <dt>{{t.contentHash}}</dt><dd><code>{{hash}}</code></dd>
        </dl>
        {{/run}}
        {{^run}}<p>{{t.noRun}}</p>{{/run}}
        </section>
        <section aria-labelledby="ind-h">
        <h2 id="ind-h">{{t.indicators}}</h2>
        {{#indicators}}
        <article class="card">
        <h3><a href="indikator/{{file}}.html">{{name}}</a></h3>
        <p class="code"><code>{{code}}</code></p>
        <p>{{definition}}</p>
        <dl class="facts">
        <dt>{{t.unit}}</dt><dd>{{unit}}{{#decimalsText}} · {{decimalsText}}{{/decimalsText}}</dd>
        {{#population}}<dt>{{t.population}}</dt><dd>{{population}}</dd>{{/population}}
        <dt>{{t.sourceTables}}</dt><dd>{{#sources}}<span class="source" title="{{title}}">{{table}} <code>{{hash}}</code></span>{{^last}}, {{/last}}{{/sources}}{{^sources}}–{{/sources}}</dd>
        <dt>{{t.years}}</dt><dd>{{years}}</dd>
        <dt>{{t.regionsCovered}}</dt><dd>{{regionCount}}</dd>
        </dl>
        </article>
        {{/indicators}}
        </section>
        <section aria-labelledby="reg-h">
        <h2 id="reg-h">{{t.regions}}</h2>
        <ul class="regions">
        {{#regions}}<li><a href="region/{{file}}.html"><span class="code">{{code}}</span> {{name}}</a></li>
        {{/regions}}
        </ul>
        {{#hasGroups}}
        <h2>{{t.groups}}</h2>
        <ul class="regions">
        {{#groups}}<li><a href="region/{{file}}.html"><span class="code">{{code}}</span> {{name}}</a></li>
        {{/groups}}
        </ul>
        {{/hasGroups}}
        </section>
        {{> footer}}
        """

    static let indicator = """
        {{> header}}
        <nav class="crumbs"><a href="../index.html">{{t.indicators}}</a> › {{code}}</nav>
        <h1>{{name}}</h1>
        <p class="lead">{{definition}}</p>
        <dl class="facts">
        <dt>{{t.unit}}</dt><dd>{{unit}}</dd>
        <dt>{{t.sourceTables}}</dt><dd>{{sourceTables}}</dd>
        <dt>{{t.years}}</dt><dd>{{years}}</dd>
        </dl>
        {{#rankings}}
        <section class="ranking" aria-labelledby="rank-{{n}}">
        <h2 id="rank-{{n}}">{{heading}}</h2>
        {{{svg}}}
        </section>
        {{/rankings}}
        {{#tables}}
        <section class="values" aria-labelledby="tab-{{n}}">
        <h2 id="tab-{{n}}">{{heading}}</h2>
        <p class="hint">{{t.tableHint}}</p>
        <div class="scroll">
        <table class="sortable">
        <caption>{{caption}}</caption>
        <thead><tr><th scope="col" data-type="text">{{t.region}}</th>{{#years}}<th scope="col" class="num">{{.}}</th>{{/years}}</tr></thead>
        <tbody>
        {{#rows}}<tr><th scope="row"><a href="../region/{{file}}.html">{{code}} {{name}}</a></th>{{#cells}}<td class="{{{cls}}}" title="{{{title}}}">{{{html}}}</td>{{/cells}}</tr>
        {{/rows}}
        </tbody>
        </table>
        </div>
        </section>
        {{/tables}}
        <script>
        // Sorting by a column on click: plain DOM, no framework; the table is sorted by region without it.
        // A cell's number from its text (decimal comma, thin-space thousands, minus sign); a symbol is NaN.
        function key(cell) {
          var t = cell.textContent.trim();
          if (cell.tagName === "TH") return t;
          return parseFloat(t.replace(/[\\u202F\\s*]/g, "").replace("\\u2212", "-").replace(",", "."));
        }
        document.querySelectorAll("table.sortable").forEach(function (table) {
          table.querySelectorAll("thead th").forEach(function (th, col) {
            th.tabIndex = 0;
            th.setAttribute("aria-sort", "none");
            function sort() {
              var asc = th.getAttribute("aria-sort") !== "ascending";
              table.querySelectorAll("thead th").forEach(function (o) { o.setAttribute("aria-sort", "none"); });
              th.setAttribute("aria-sort", asc ? "ascending" : "descending");
              var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
              rows.sort(function (a, b) {
                var x = key(a.cells[col]), y = key(b.cells[col]);
                if (col > 0) {
                  if (isNaN(x) && isNaN(y)) return 0;
                  if (isNaN(x)) return 1;
                  if (isNaN(y)) return -1;
                  return asc ? x - y : y - x;
                }
                return asc ? x.localeCompare(y) : y.localeCompare(x);
              });
              rows.forEach(function (r) { body.appendChild(r); });
            }
            th.addEventListener("click", sort);
            th.addEventListener("keydown", function (e) { if (e.key === "Enter") sort(); });
          });
        });
        </script>
        {{> footer}}
        """

    static let region = """
        {{> header}}
        <nav class="crumbs"><a href="../index.html">{{t.regions}}</a> › {{code}}</nav>
        <h1><span class="code">{{code}}</span> {{name}}</h1>
        <p class="lead">{{levelText}}{{#group}} · {{t.comparisonGroup}}: <a href="{{file}}.html">{{name}}</a>{{/group}}</p>
        {{#hasReforms}}
        <section class="reforms" aria-labelledby="reforms-h">
        <h2 id="reforms-h">{{t.reforms}}</h2>
        <ul>{{#reforms}}<li class="reform-text">{{text}}</li>{{/reforms}}</ul>
        </section>
        {{/hasReforms}}
        {{> legend}}
        {{#charts}}
        <section class="indicator" aria-labelledby="c{{n}}-h">
        <h2 id="c{{n}}-h"><a href="../indikator/{{file}}.html">{{name}}</a>{{#breakdown}} <span class="breakdown">({{breakdown}})</span>{{/breakdown}}</h2>
        <p class="unit">{{unit}}</p>
        {{{svg}}}
        <table class="series">
        <caption class="visually-hidden">{{name}}{{#breakdown}} ({{breakdown}}){{/breakdown}}</caption>
        <thead><tr><th scope="col">{{t.year}}</th>{{#cells}}<th scope="col">{{year}}</th>{{/cells}}</tr></thead>
        <tbody><tr><th scope="row">{{code}}</th>{{#cells}}<td class="{{{cls}}}" title="{{{title}}}">{{{html}}}</td>{{/cells}}</tr>
        {{#hasGroupRow}}<tr class="group-row"><th scope="row">{{t.median}}</th>{{#groupCells}}<td title="{{{title}}}">{{{html}}}</td>{{/groupCells}}</tr>{{/hasGroupRow}}</tbody>
        </table>
        {{#hasPredecessors}}
        <details class="predecessors" open>
        <summary>{{t.predecessors}}</summary>
        <table class="series">
        <caption class="visually-hidden">{{t.predecessors}}: {{name}}</caption>
        <thead><tr><th scope="col">{{t.region}}</th>{{#cells}}<th scope="col">{{year}}</th>{{/cells}}</tr></thead>
        <tbody>
        {{#predecessors}}<tr><th scope="row">{{code}} {{name}}</th>{{#cells}}<td class="{{{cls}}}" title="{{{title}}}">{{{html}}}</td>{{/cells}}</tr>
        {{/predecessors}}
        </tbody>
        </table>
        </details>
        {{/hasPredecessors}}
        </section>
        {{/charts}}
        {{^charts}}<p>{{t.noValues}}</p>{{/charts}}
        {{> footer}}
        """

    static let css = """
        :root {
          --ink: #1d2733; --muted: #5b6773; --line: #d5dbe1; --paper: #ffffff; --tint: #f3f6f9;
          --series: #0b5cad; --band: #c9d6e3; --median: #5b6773; --reform: #b3461b; --gap: #8a949e;
        }
        * { box-sizing: border-box; }
        html { font-size: 16px; }
        body { margin: 0; color: var(--ink); background: var(--paper);
          font-family: "Source Sans 3", "Source Sans Pro", "Noto Sans", "DejaVu Sans", Helvetica, Arial, sans-serif; line-height: 1.45; }
        header.site, footer.site { padding: .6rem 1.5rem; background: var(--tint); border-bottom: 1px solid var(--line); font-size: .9rem; }
        footer.site { border-top: 1px solid var(--line); border-bottom: 0; margin-top: 3rem; color: var(--muted); }
        header.site .home { font-weight: 600; color: var(--ink); text-decoration: none; margin-right: 1rem; }
        header.site .run { color: var(--muted); }
        main { max-width: 62rem; margin: 0 auto; padding: 1rem 1.5rem; }
        h1 { font-size: 1.9rem; line-height: 1.2; margin: 1rem 0 .4rem; }
        h2 { font-size: 1.25rem; margin: 2rem 0 .4rem; }
        h3 { font-size: 1.05rem; margin: 0 0 .2rem; }
        a { color: var(--series); }
        .lead { font-size: 1.05rem; color: var(--muted); margin-top: 0; }
        .crumbs { font-size: .9rem; color: var(--muted); margin-top: .5rem; }
        .code { font-variant-numeric: tabular-nums; color: var(--muted); }
        code { font-family: "DejaVu Sans Mono", Menlo, monospace; font-size: .85em; }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .5rem 0; font-size: .93rem; }
        dl.facts dt { color: var(--muted); }
        dl.facts dd { margin: 0; }
        .card { border: 1px solid var(--line); border-radius: 4px; padding: .8rem 1rem; margin: .8rem 0; break-inside: avoid; }
        .card .code { margin: 0; }
        ul.regions { columns: 3 14rem; padding: 0; list-style: none; }
        ul.regions li { margin: .1rem 0; break-inside: avoid; }
        section.indicator { break-inside: avoid; border-top: 1px solid var(--line); margin-top: 1.5rem; }
        section.indicator h2 { margin-top: 1rem; }
        .unit { color: var(--muted); margin: 0 0 .3rem; font-size: .9rem; }
        .breakdown { font-weight: 400; color: var(--muted); }
        .reforms ul { padding-left: 1.2rem; }
        .reform-text { color: var(--reform); font-variant-numeric: tabular-nums; }
        svg.chart { width: 100%; height: auto; display: block; font-size: 11px; font-family: inherit; }
        svg.line-chart { max-width: 42rem; }
        svg.ranking { max-width: 44rem; }
        .grid { stroke: var(--line); stroke-width: 1; }
        .axis { stroke: var(--muted); stroke-width: 1; }
        .tick { fill: var(--muted); }
        .series { fill: none; stroke: var(--series); stroke-width: 2.2; stroke-linejoin: round; }
        .pt { stroke: var(--series); stroke-width: 1.8; }
        .pt-published { fill: var(--series); }
        .pt-renumbered { fill: var(--paper); }
        .pt-merged { fill: var(--paper); }
        .pt-split { fill: var(--paper); stroke-dasharray: 2 1.5; }
        .band { fill: var(--band); opacity: .75; stroke: none; }
        .band-single { stroke: var(--band); stroke-width: 6; }
        .median { fill: none; stroke: var(--median); stroke-width: 1.4; stroke-dasharray: 5 3; }
        .median-dot { fill: var(--median); }
        .reform line { stroke: var(--reform); stroke-width: 1.3; stroke-dasharray: 3 3; }
        .reform text { fill: var(--reform); font-weight: 600; }
        .gap text, .value.gap { fill: var(--gap); font-weight: 700; font-size: 13px; }
        .legend .gap text.plain { fill: var(--ink); font-weight: 400; font-size: 12px; }
        h2 a { text-decoration: none; }
        h2 a:hover { text-decoration: underline; }
        .legend { margin: 1rem 0 0; }
        .legend svg { width: 100%; max-width: 42rem; height: auto; font-size: 12px; }
        .legend text { fill: var(--ink); }
        .ranking .bar rect { fill: var(--series); opacity: .85; }
        .ranking .bar.highlight rect { fill: var(--reform); }
        .ranking .label { fill: var(--ink); }
        .ranking .value { fill: var(--muted); font-variant-numeric: tabular-nums; }
        .scroll { overflow-x: auto; }
        table { border-collapse: collapse; font-size: .85rem; font-variant-numeric: tabular-nums; margin: .5rem 0; }
        caption { text-align: left; color: var(--muted); padding: .2rem 0; }
        th, td { padding: .2rem .45rem; border-bottom: 1px solid var(--line); }
        thead th { text-align: right; background: var(--tint); position: sticky; top: 0; }
        thead th:first-child, tbody th { text-align: left; font-weight: 400; white-space: nowrap; }
        table.sortable thead th { cursor: pointer; }
        td { text-align: right; white-space: nowrap; }
        td.m-merged, td.m-renumbered { background: #eef4fb; }
        td.m-split_allocated { background: #fbf3e6; font-style: italic; }
        td.gap { color: var(--gap); }
        abbr { text-decoration: none; border-bottom: 1px dotted var(--gap); cursor: help; }
        table.series { margin-top: .2rem; }
        .group-row td, .group-row th { color: var(--muted); }
        details.predecessors { margin: .3rem 0 0; font-size: .9rem; }
        details.predecessors summary { cursor: pointer; color: var(--muted); }
        details.predecessors table { margin-top: .2rem; }
        .hint { color: var(--muted); font-size: .85rem; }
        .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
        @media print {
          @page { margin: 15mm; }
          html { font-size: 11pt; }
          header.site .run { display: block; }
          .crumbs, .hint, script { display: none; }
          main { max-width: none; padding: 0; }
          a { color: inherit; text-decoration: none; }
          section.indicator, .card, figure.legend { break-inside: avoid; page-break-inside: avoid; }
          thead th { position: static; }
          .scroll { overflow: visible; }
          td.m-merged, td.m-renumbered, td.m-split_allocated, thead th, .band { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
        }

        """
}

/// The report's words in Norwegian (bokmål) and English.
enum Words {
    static func table(_ lang: Language) -> [String: String] {
        switch lang {
        case .nb:
            return [
                "htmlLang": "nb", "reportTitle": "Omsorgstjenester – harmoniserte indikatorer", "builtFrom": "Bygd fra",
                "footer": "Laget av etl report fra lageret.", "legend": "Tegnforklaring",
                "mAsPublished": "som publisert", "mRenumbered": "omnummerert", "mMerged": "slått sammen", "mSplit": "fordelt (estimat)",
                "bandLegend": "sammenligningsgruppe: median og min–maks", "reformLegend": "kommunereform", "gapLegend": "mangler / skjult",
                "runHeading": "Kjøringen rapporten bygger på", "runId": "Kjøring", "pipeline": "Pipeline", "runTime": "Tidspunkt",
                "structureYear": "Kommunestruktur", "contentHash": "Innholdshash", "noRun": "Lageret har ingen fullført kjøring.",
                "indicators": "Indikatorer", "unit": "Enhet", "population": "Populasjon", "sourceTables": "Kildetabeller", "years": "År",
                "regionsCovered": "Regioner", "regions": "Regioner", "groups": "Sammenligningsgrupper", "region": "Region", "year": "År",
                "tableHint": "Klikk på en kolonneoverskrift for å sortere. Hold pekeren over et tall for metode, kilder og status.",
                "comparisonGroup": "Sammenligningsgruppe", "reforms": "Endringer i kommunestrukturen", "median": "Median i gruppen",
                "noValues": "Ingen verdier for denne regionen.", "predecessors": "Tidligere kommuner, tall som publisert",
                "latestYear": "Rangering", "values": "Verdier",
                "decimals": "desimaler", "kommune": "Kommune", "fylke": "Fylke", "land": "Landet", "kostragruppe": "KOSTRA-gruppe",
                "annet": "Region", "group": "Sammenligningsgruppe", "weighted": "Gruppeverdi (vektet)"
            ]
        case .en:
            return [
                "htmlLang": "en", "reportTitle": "Care services – harmonised indicators", "builtFrom": "Built from",
                "footer": "Made by etl report from the warehouse.", "legend": "Legend",
                "mAsPublished": "as published", "mRenumbered": "renumbered", "mMerged": "merged", "mSplit": "allocated (estimate)",
                "bandLegend": "comparison group: median and min–max", "reformLegend": "municipal reform",
                "gapLegend": "missing / suppressed",
                "runHeading": "The run this report is built from", "runId": "Run", "pipeline": "Pipeline", "runTime": "Time",
                "structureYear": "Municipality structure", "contentHash": "Content hash", "noRun": "The warehouse has no finished run.",
                "indicators": "Indicators", "unit": "Unit", "population": "Population", "sourceTables": "Source tables", "years": "Years",
                "regionsCovered": "Regions", "regions": "Regions", "groups": "Comparison groups", "region": "Region", "year": "Year",
                "tableHint": "Click a column header to sort. Hover over a number for its method, sources and status.",
                "comparisonGroup": "Comparison group", "reforms": "Changes to the municipality structure", "median": "Group median",
                "noValues": "No values for this region.", "predecessors": "Former municipalities, figures as published",
                "latestYear": "Ranking", "values": "Values",
                "decimals": "decimals", "kommune": "Municipality", "fylke": "County", "land": "Country", "kostragruppe": "KOSTRA group",
                "annet": "Region", "group": "Comparison group", "weighted": "Group value (weighted)"
            ]
        }
    }
}
