#!/usr/bin/env python3
"""Seeds for the policy fuzzer, written to OUTDIR: each .yaml file given (and its JSON form, when PyYAML is
installed: the loader reads JSON too), and each multi-line string literal in each .swift file given (the
policy fixtures the tests hold inline; interpolations are left as written). Prints how many fixtures."""
import hashlib, json, pathlib, re, sys

outdir = pathlib.Path(sys.argv[1])
outdir.mkdir(parents=True, exist_ok=True)
try:
    import yaml
except ImportError:
    yaml = None

def seed(prefix, text):
    (outdir / (prefix + hashlib.sha1(text.encode()).hexdigest()[:16])).write_text(text)

fixtures = 0
for name in sys.argv[2:]:
    path = pathlib.Path(name)
    source = path.read_text()
    if path.suffix == ".yaml":
        seed("policy-", source)
        if yaml is not None:
            seed("json-", json.dumps(yaml.safe_load(source), indent=1, default=str) + "\n")
        continue
    for match in re.finditer(r'"""\n(.*?)\n\s*"""', source, re.S):
        body = match.group(1)
        indent = min((len(l) - len(l.lstrip()) for l in body.splitlines() if l.strip()), default=0)
        seed("fixture-", "\n".join(l[indent:] for l in body.splitlines()) + "\n")
        fixtures += 1
print(fixtures)
