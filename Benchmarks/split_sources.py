"""The nightly-run workload of the benchmark (Benchmarks/README.md, "A changed source"): splits
the generated bench.csv into five sources by measure, with a pipeline over them, and a second
copy of one source with one value changed, as a nightly download brings.

    python split_sources.py WORKLOAD-DIR OUT-DIR [SOURCES]

writes OUT-DIR/src-1.csv … src-N.csv (N = SOURCES, default 5), OUT-DIR/src-K.changed.csv (the
middle source with one value one higher), OUT-DIR/pipeline.yml, and copies of the change
catalogue and indicators the pipeline names. Every measure of the pipeline reads the source
that holds its labels; the other labels are dealt round-robin. Streams: one line in memory.
"""
import os
import re
import shutil
import sys


def main(argv):
    work, out = argv[1], argv[2]
    n = int(argv[3]) if len(argv) > 3 else 5
    os.makedirs(out, exist_ok=True)
    pipeline = open(os.path.join(work, "pipeline.yml"), encoding="utf-8").read()

    # The pipeline's measures, each with the CSV labels it reads; a measure goes with the source
    # of a label already placed, so a measure's labels stay in one source.
    source_of = {}
    blocks = re.split(r"(?m)^(?=  [A-Za-z0-9_]+:\s*$)", pipeline.split("\nmeasures:\n", 1)[1].split("\ngroups:", 1)[0])
    next_source = 0
    for block in blocks:
        labels = re.findall(r'"((?:[^"\\]|\\.)*)"', block.split("contents:", 1)[1]) if "contents:" in block else []
        if not labels:
            continue
        placed = [source_of[l] for l in labels if l in source_of]
        k = placed[0] if placed else next_source % n + 1
        if not placed:
            next_source += 1
        for l in labels:
            source_of[l] = k

    changed_source = n // 2 + 1
    files = {k: open(os.path.join(out, "src-%d.csv" % k), "wb") for k in range(1, n + 1)}
    changed = open(os.path.join(out, "src-%d.changed.csv" % changed_source), "wb")
    did_change = False
    with open(os.path.join(work, "bench.csv"), "rb") as fh:
        header = fh.readline()
        for f in files.values():
            f.write(header)
        changed.write(header)
        for line in fh:
            fields = line.rstrip(b"\r\n").split(b";")
            label = fields[2].strip(b'"').decode("latin-1")
            if label not in source_of:
                source_of[label] = next_source % n + 1
                next_source += 1
            k = source_of[label]
            files[k].write(line)
            if k == changed_source:
                value = fields[3].strip(b'"')
                if not did_change and value.isdigit() and int(value) > 10:
                    quoted = fields[3].startswith(b'"')
                    new = str(int(value) + 1).encode()
                    fields[3] = b'"' + new + b'"' if quoted else new
                    line = b";".join(fields) + line[len(line.rstrip(b"\r\n")):]
                    did_change = True
                changed.write(line)
    for f in files.values():
        f.close()
    changed.close()
    if not did_change:
        sys.exit("split_sources.py: source %d has no integer value to change" % changed_source)

    # The pipeline: the same measures, each reading its source.
    entry = re.search(r"(?ms)^sources:\n  - id: bench\n(.*?)\n\n", pipeline)
    options = [l for l in entry.group(1).splitlines() if not l.strip().startswith(("path:", "table:"))]
    sources = "sources:\n" + "".join(
        "  - id: src%d\n    path: src-%d.csv\n    table: \"99999\"\n%s\n" % (k, k, "\n".join(options)) for k in range(1, n + 1)) + "\n"
    text = pipeline[:entry.start()] + sources + pipeline[entry.end():]
    head, measures = text.split("\nmeasures:\n", 1)
    measures, rest = measures.split("\ngroups:", 1)
    blocks = re.split(r"(?m)^(?=  [A-Za-z0-9_]+:\s*$)", measures)
    fixed = []
    for block in blocks:
        labels = re.findall(r'"((?:[^"\\]|\\.)*)"', block.split("contents:", 1)[1]) if "contents:" in block else []
        if labels:
            block = block.replace("source: bench", "source: src%d" % source_of[labels[0]])
        fixed.append(block)
    text = head + "\nmeasures:\n" + "".join(fixed) + "\ngroups:" + rest
    text = text.replace("name: bench-csv", "name: bench-nightly")
    if "source: bench\n" in text:
        sys.exit("split_sources.py: a measure of the pipeline was not given a source")
    open(os.path.join(out, "pipeline.yml"), "w", encoding="utf-8").write(text)
    for name in ("kommuneendringer.csv", "indicators.yml"):
        shutil.copy(os.path.join(work, name), os.path.join(out, name))
    for name in os.listdir(work):
        if os.path.isdir(os.path.join(work, name)):
            shutil.copytree(os.path.join(work, name), os.path.join(out, name), dirs_exist_ok=True)
    print("changed source: src%d" % changed_source)


if __name__ == "__main__":
    main(sys.argv)
