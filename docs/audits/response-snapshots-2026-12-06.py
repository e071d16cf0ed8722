#!/usr/bin/env python3
"""Audit of the one-time re-rendering of the core's response snapshots
(2026-12-06, issue 23, commit 214b365): for every response snapshot that
existed at BASE (default 79ffe34, whose snapshot files are those of the
last `Debug`-rendered commit) and changed by AFTER (default 214b365, the
re-rendering), checks that its header (the response bytes) is unchanged,
that Ok/Err, the variant and the type are the same, and that every value
of the old `Debug` body appears, in order, in the new rendering; and that
no request snapshot of BASE changed. Prints each snapshot where a check
fails, how many did, and the fields the new rendering shows besides
(accessors such as `kind` and `is_transient`, `none` for absent options).

    python3 docs/audits/response-snapshots-2026-12-06.py [BASE [AFTER]]

At 214b365: 201 response snapshots compared, 2 differ, both meant: the
Discovery spec fix's `v2.meta.response.429_retry_after` and
`v2.meta.response.500_html` (an error, not v1; docs/protocol.md). With
AFTER = HEAD, a third since then: `login.response.wrong_types`, a client
message changed with the Quandela dialect (a2e7e9b, issue 25; CHANGELOG).
Needs the full history (not a shallow clone).
"""
import re, subprocess, sys, datetime, os
D = "crates/steps-core/tests/wire/snapshots"
BASE = sys.argv[1] if len(sys.argv) > 1 else "79ffe34"
AFTER = sys.argv[2] if len(sys.argv) > 2 else "214b365"
os.chdir(subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=True).stdout.strip())
files = subprocess.run(["git","diff","--name-only","--diff-filter=MD",BASE,AFTER,"--",D],capture_output=True,text=True,check=True).stdout.split()
requests_changed = [f for f in files if ".request" in f]
for f in requests_changed: print("REQUEST CHANGED", f)

def body(text):
    # after the second '---' line
    parts = text.split("\n---\n", 1)
    return parts[1]

def header(text):
    return text.split("\n---\n",1)[0]

def t(n): return datetime.datetime.fromtimestamp(int(n), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

def norm_old(b):
    b = re.sub(r"SystemTime \{\s*tv_sec: (\d+),\s*tv_nsec: 0,\s*\}", lambda m: t(m.group(1)), b)
    # collapse Some(\n X,\n) repeatedly for single-line X
    prev = None
    while prev != b:
        prev = b
        b = re.sub(r"Some\(\s*\n\s*([^\n]*?),\s*\n\s*\)", r"\1", b)
    b = re.sub(r"extra: \{\s*\n((?:\s*\"[^\n]*\",\s*\n)+)\s*\}", lambda m: "extra: {" + ", ".join(x.strip().rstrip(",") for x in m.group(1).splitlines() if x.strip()) + "}", b)
    # feature sets
    b = re.sub(r"features: \{\s*\}", "features: []", b)
    b = re.sub(r"features: \{([^}]*)\}", lambda m: "features: [" + ", ".join(x.strip() for x in m.group(1).split(",") if x.strip()) + "]", b)
    facts = []
    for line in b.splitlines():
        m = re.match(r"\s*(\w+): (.*?),?$", line)
        if m:
            k, v = m.group(1), m.group(2)
            if v.endswith("{") or v.endswith("(") or v.endswith("["): continue
            v = {"None": "none", "Secret(<redacted>)": "<redacted>"}.get(v, v)
            if k == "operation": v = v.strip('"')
            if k == "extra" and v != "{}":
                names = re.findall(r'"([^"]+)"', v)
                facts.append(("extra", "{" + ",".join(names) + "}")); continue
            if k == "features":
                m2 = {"Idempotency":"idempotency","SelfToken":"self","OwnTokens":"own_tokens","Rotation":"rotation"}
                inner = v.strip("[]")
                v = "[" + ", ".join(m2[x.strip()] for x in inner.split(",") if x.strip()) + "]"
            facts.append((k, v))
    return facts

def facts_new(b):
    facts = []
    lines = b.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r"(\s*)(\w+):(?: (.*))?$", line)
        if m and m.group(2) == "extra" and m.group(3) is None:
            ind = len(m.group(1)); names = []
            j = i + 1
            while j < len(lines) and len(lines[j]) - len(lines[j].lstrip()) > ind:
                names.append(lines[j].strip().split(":")[0]); j += 1
            facts.append(("extra", "{" + ",".join(names) + "}")); i = j; continue
        if m and m.group(3) is not None:
            facts.append((m.group(2), m.group(3)))
        i += 1
    return facts

def old_kind(b):
    first = b.strip().splitlines()[0]
    return first.rstrip("(")

bad = 0
compared = 0
failing = set()
added = {}
for f in files:
    r = subprocess.run(["git","show",BASE+":"+f],capture_output=True,text=True)
    if r.returncode != 0 or "request" in f: continue
    compared += 1
    old = r.stdout
    n = subprocess.run(["git","show",AFTER+":"+f],capture_output=True,text=True)
    if n.returncode != 0:
        print("DELETED", f); failing.add(f); continue
    new = n.stdout
    if header(old) != header(new):
        print("HEADER CHANGED", f); bad += 1; failing.add(f)
    ob, nb = body(old), body(new)
    # Ok/Err and variant
    ok_old = ob.lstrip().startswith("Ok(")
    ok_new = nb.lstrip().startswith("Ok: ")
    if ok_old != ok_new: print("OK/ERR MISMATCH", f); bad += 1; failing.add(f)
    if not ok_old:
        var_old = re.search(r"Err\(\s*\n\s*(\w+)", ob).group(1)
        var_new = re.match(r"Err: (\w+)", nb.strip()).group(1)
        if var_old != var_new: print("VARIANT", f, var_old, var_new); bad += 1; failing.add(f)
    else:
        tyo = re.search(r"Ok\(\s*\n\s*([\w()]+)", ob).group(1)
        tyn = nb.strip().splitlines()[0][4:]
        if tyo.rstrip("(") != tyn.replace("RotatedSelf::","").split(" ")[0] and not (tyo=="JobToken" and "JobToken" in tyn) and not (tyo=="ApiKey" and "ApiKey" in tyn):
            print("TYPE", f, tyo, tyn); bad += 1; failing.add(f)
    fo, fn = norm_old(ob), facts_new(nb)
    # subsequence check
    j = 0
    for fact in fo:
        while j < len(fn) and fn[j] != fact: 
            added.setdefault(fn[j][0], set()).add(fn[j][1][:60]); j += 1
        if j == len(fn):
            print("MISSING", f, fact); bad += 1; failing.add(f); break
        j += 1
    for x in fn[j:]: added.setdefault(x[0], set()).add(x[1][:60])
    # item count for pages
    if ob.count("JobToken {") + ob.count("ApiKey {") != len(re.findall(r"^\s*(\[\d+\] |Ok: |Ok: RotatedSelf::)(JobToken|ApiKey)$", nb, re.M)):
        print("ITEM COUNT", f); bad += 1; failing.add(f)
print("response snapshots compared", compared, "differing", len(failing), "(checks failed:", str(bad) + ")", "request snapshots changed", len(requests_changed))
print("fields only in the new rendering (with their distinct values):")
for k, v in sorted(added.items()):
    print(" ", k, "->", sorted(v)[:8], "..." if len(v) > 8 else "")
