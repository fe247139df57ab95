#!/usr/bin/env python3
"""Builds Pipelines/divisions/gbt2260.tsv, the GB/T 2260 county-level division table (current and retired
codes with the years each name was valid), from python-stdnum's stdnum/cn/loc.dat.

usage: python3 scripts/make-division-table.py [path/to/loc.dat]
Without a path it downloads python-stdnum from PyPI (pip download) into a temporary folder.
"""
import glob, io, os, re, subprocess, sys, tempfile, zipfile

def locate():
    if len(sys.argv) > 1:
        return open(sys.argv[1], encoding="utf-8").read(), "given file"
    tmp = tempfile.mkdtemp()
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "python-stdnum", "-d", tmp], check=True)
    wheel = glob.glob(os.path.join(tmp, "python_stdnum-*.whl"))[0]
    version = re.search(r"python_stdnum-([^-]+)-", os.path.basename(wheel)).group(1)
    with zipfile.ZipFile(wheel) as z:
        return z.read("stdnum/cn/loc.dat").decode("utf-8"), f"python-stdnum {version}"

text, source = locate()
rows = []
province = None
for line in text.splitlines():
    if not line.strip() or line.startswith("#"):
        continue
    m = re.match(r'^(\d\d) province="([^"]*)"', line)
    if m:
        province = m.group(1)
        continue
    m = re.match(r'^\s+(\d{4}) county="([^"]*)"', line)
    if not m:
        raise SystemExit(f"unexpected line: {line!r}")
    code = province + m.group(1)
    for part in m.group(2).split(","):
        pm = re.match(r"^(?:\[(\d{4})?-(\d{4})?\])?(.+)$", part)
        start, end, name = pm.group(1) or "", pm.group(2) or "", pm.group(3)
        rows.append((code, name, start, end))
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Pipelines", "divisions", "gbt2260.tsv")
with open(out, "w", encoding="utf-8") as f:
    f.write(f"# GB/T 2260 administrative division codes (county level and above), current and retired.\n")
    f.write(f"# source: {source}, stdnum/cn/loc.dat (compiled from the Chinese Wikipedia lists of division codes)\n")
    f.write("# columns: code, name, first year valid (empty: before records), last year valid (empty: still valid)\n")
    f.write("code\tname\tvalid_from\tvalid_to\n")
    for r in rows:
        f.write("\t".join(r) + "\n")
print(f"wrote {out}: {len(rows)} rows from {source}")
