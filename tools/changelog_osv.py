#!/usr/bin/env python3
"""Debian security fixes as OSV records, read from installed packages' changelogs.

Each Debian upload that fixes a CVE says so in debian/changelog, shipped as
/usr/share/doc/PACKAGE/changelog.Debian.gz. For every CVE named in an entry
for the given release (bookworm by default), this writes one OSV record in
the shape Debian's own feed uses: the source package, the Debian:N
ecosystem, introduced 0, fixed at the first upload that names the CVE, and
the upload's urgency. It is how data/advisories/debian-12-sample.json was
made on a machine without network access to Debian's OSV feed.

  tools/changelog_osv.py [--release bookworm --ecosystem Debian:12] [--per-package N] PKG... > out.json
"""
import argparse
import datetime
import email.utils
import gzip
import json
import re
import sys

HEADER = re.compile(r"^(\S+) \(([^)]+)\) ([^;]+); .*urgency=(\w+)")
TRAILER = re.compile(r"^ -- .+?  (.+)$")
CVE = re.compile(r"CVE-\d{4}-\d{4,}")


def entries(path):
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
        entry = None
        for line in f:
            m = HEADER.match(line)
            if m:
                entry = {"source": m[1], "version": m[2], "dists": m[3].split(), "urgency": m[4], "lines": []}
                continue
            if entry is None:
                continue
            t = TRAILER.match(line.rstrip("\n"))
            if t:
                entry["date"] = email.utils.parsedate_to_datetime(t[1])
                yield entry
                entry = None
            else:
                entry["lines"].append(line.strip())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--release", default="bookworm")
    ap.add_argument("--ecosystem", default="Debian:12")
    ap.add_argument("--per-package", type=int, default=8)
    ap.add_argument("packages", nargs="+")
    args = ap.parse_args()
    records = []
    for pkg in args.packages:
        first_fix = {}
        for e in entries(f"/usr/share/doc/{pkg}/changelog.Debian.gz"):
            if not any(d.startswith(args.release) for d in e["dists"]):
                continue
            text = " ".join(e["lines"])
            for cve in CVE.findall(text):
                # Entries run newest first: the last one seen is the first fix.
                sentence = next((l for l in e["lines"] if cve in l), cve)
                first_fix[cve] = (e, sentence.lstrip("*- ").strip())
        newest = sorted(first_fix.items(), key=lambda kv: kv[1][0]["date"], reverse=True)[: args.per_package]
        for cve, (e, sentence) in newest:
            stamp = e["date"].astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            records.append({
                "id": "DEBIAN-" + cve,
                "aliases": [cve],
                "modified": stamp,
                "published": stamp,
                "summary": f"{e['source']}: {sentence}"[:200],
                "affected": [{
                    "package": {"ecosystem": args.ecosystem, "name": e["source"]},
                    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": e["version"]}]}],
                    "ecosystem_specific": {"urgency": e["urgency"]},
                    "database_specific": {"source": f"changelog.Debian of {e['source']} {e['version']}"},
                }],
            })
    records.sort(key=lambda r: r["id"])
    json.dump(records, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
