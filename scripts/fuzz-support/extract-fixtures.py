#!/usr/bin/env python3
"""Writes each multi-line string literal in the given Swift test files to OUTDIR, one file each: the
policy fixtures the tests hold inline become seeds for the fuzzer. Interpolations are left as written."""
import hashlib, pathlib, re, sys

outdir = pathlib.Path(sys.argv[1])
outdir.mkdir(parents=True, exist_ok=True)
count = 0
for name in sys.argv[2:]:
    source = pathlib.Path(name).read_text()
    for match in re.finditer(r'"""\n(.*?)\n\s*"""', source, re.S):
        body = match.group(1)
        indent = min((len(l) - len(l.lstrip()) for l in body.splitlines() if l.strip()), default=0)
        text = "\n".join(l[indent:] for l in body.splitlines()) + "\n"
        (outdir / ("fixture-" + hashlib.sha1(text.encode()).hexdigest()[:16])).write_text(text)
        count += 1
print(count)
