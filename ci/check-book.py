"""Builds the book and fails on what mdBook 0.5 lets through silently.

mdBook exits 0 when an {{#include}} file is missing (it logs an ERROR line)
and renders nothing for a missing anchor; it does not check links. So:

1. before building: every {{#include path:anchor}} names an existing file and
   an anchor that exists in it and holds at least one line of code;
2. the build: any ERROR or WARN line in mdbook's log fails;
3. after building: no "{{#" is left in any page, and every internal link
   (page and #fragment) resolves in the HTML.
"""
import html.parser
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "book" / "src"
OUT = ROOT / "book" / "build"
INCLUDE = re.compile(r"\{\{#(include|rustdoc_include)\s+([^}\s]+)\s*\}\}")
errors = []


def anchor_snippet(text, anchor):
    lines, inside, found = [], False, False
    for line in text.splitlines():
        if re.search(rf"ANCHOR:\s*{re.escape(anchor)}\b", line):
            inside, found = True, True
            continue
        if re.search(rf"ANCHOR_END:\s*{re.escape(anchor)}\b", line):
            inside = False
            continue
        if inside and "ANCHOR" not in line:
            lines.append(line)
    return found, [l for l in lines if l.strip()]


def check_includes():
    count = 0
    for md in sorted(SRC.rglob("*.md")):
        text = md.read_text()
        # Skip includes shown literally inside inline code or fenced text.
        for m in INCLUDE.finditer(text):
            start = text.rfind("\n", 0, m.start()) + 1
            if text[start:m.start()].count("`") % 2 == 1:
                continue
            count += 1
            spec = m.group(2)
            parts = spec.split(":")
            path = (md.parent / parts[0]).resolve()
            where = f"{md.relative_to(ROOT)}: {{{{#{m.group(1)} {spec}}}}}"
            if not path.is_file():
                errors.append(f"{where}: no such file")
                continue
            content = path.read_text()
            if not content.strip():
                errors.append(f"{where}: the file is empty")
            if len(parts) > 1 and parts[1].isdigit():
                # A line `file:A` or range `file:A:B` (`file:A:` runs to the
                # end) must lie in the file and hold some code: mdBook renders
                # a range past the end as nothing.
                lines = content.splitlines()
                first = int(parts[1])
                last = first if len(parts) == 2 else int(parts[2]) if parts[2].isdigit() else len(lines)
                if not 1 <= first <= last <= len(lines):
                    errors.append(f"{where}: lines {first}-{last} are not in {parts[0]} ({len(lines)} lines)")
                elif not any(l.strip() for l in lines[first - 1:last]):
                    errors.append(f"{where}: lines {first}-{last} are blank")
            elif len(parts) > 1 and parts[1]:
                found, lines = anchor_snippet(content, parts[1])
                if not found:
                    errors.append(f"{where}: no anchor '{parts[1]}' in {parts[0]}")
                elif not lines:
                    errors.append(f"{where}: anchor '{parts[1]}' is empty")
    return count


def build():
    r = subprocess.run(["mdbook", "build"], cwd=ROOT, capture_output=True, text=True)
    log = r.stdout + r.stderr
    bad = [l for l in log.splitlines() if re.search(r"\b(ERROR|WARN)\b", l)]
    if r.returncode != 0:
        errors.append(f"mdbook build exited {r.returncode}:\n{log}")
    for l in bad:
        errors.append(f"mdbook: {l.strip()}")


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.links = set(), []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and a.get("name"):
            self.ids.add(a["name"])
        if tag in ("a", "link", "script", "img") and (a.get("href") or a.get("src")):
            self.links.append(a.get("href") or a.get("src"))


def check_html():
    pages = {}
    for f in OUT.rglob("*.html"):
        text = f.read_text()
        if "{{#" in text:
            errors.append(f"{f.relative_to(ROOT)}: an unexpanded '{{{{#' is left in the page")
        p = Page()
        p.feed(text)
        pages[f.resolve()] = p
    checked = 0
    for f, p in pages.items():
        for link in p.links:
            if re.match(r"^[a-z]+:", link) or link.startswith("//"):
                continue  # external (http:, https:, mailto:, data:)
            target, _, frag = link.partition("#")
            target = target.split("?")[0]
            dest = (f.parent / target).resolve() if target else f
            checked += 1
            if not dest.exists():
                errors.append(f"{f.relative_to(ROOT)}: broken link {link}")
                continue
            if frag and dest.suffix == ".html":
                if frag not in pages.get(dest, Page()).ids:
                    errors.append(f"{f.relative_to(ROOT)}: no #{frag} in {target or 'this page'}")
    return len(pages), checked


n = check_includes()
if not errors:
    build()
if not errors:
    pages, links = check_html()
if errors:
    print("\n".join(f"error: {e}" for e in errors), file=sys.stderr)
    sys.exit(1)
print(f"book: {n} includes resolved, {pages} pages built, {links} internal links alive")
