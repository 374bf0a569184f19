#!/usr/bin/env python3
"""Checks that every crate chapter follows the book's one chapter structure.

A crate chapter is a book/src/chNN-*.md page. In order, it has:

1. the "Run it" box (`> **Run it:** ...`) as the first non-blank line after
   its `# ` title, naming `-p exN` for an existing exercises/exN;
2. the idea: at least one prose paragraph before the first `## ` heading;
3. the code: a ```rust fence holding `{{#include ../../exercises/...}}`,
   before the first "What you see";
4. what you see: a `##`/`###` heading starting with "What you see", or a
   paragraph starting with it ("What you see:");
5. why: after the first "What you see", a heading starting with "Why", or a
   paragraph starting with "**Why" or "Why:";
6. `## Try this` after that;
7. `## Try it yourself` as the last `##` section, after Try this, including
   `generated/exN/starter.md` for the chapter's own exercise.

Any other page with a "Run it" box (an aside that runs a crate of an earlier
chapter) must still open with it and name an existing exercise.

And in every page of book/src/*.md: a ```rust fence holds nothing but
`{{#include ...}}` / `{{#rustdoc_include ...}}` lines. A hand-typed Rust block
is a copy of the code that nobody compiles, and it drifts.

Prints one line per problem, `file:line: what is wrong`, and exits 1; prints a
one-line summary and exits 0 when there is none.
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "book" / "src"
EXERCISES = ROOT / "exercises"

CRATE_CHAPTER = re.compile(r"^ch\d+-.*\.md$")
FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*([^`\s]*)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
RUN_IT = re.compile(r"^>\s*\*\*Run it:\*\*")
INCLUDE_LINE = re.compile(r"^\s*\{\{#(include|rustdoc_include)\s+[^}\s]+\s*\}\}\s*$")
CODE_INCLUDE = re.compile(r"^\s*\{\{#(include|rustdoc_include)\s+\.\./\.\./exercises/[^}\s]+\s*\}\}\s*$")
NOT_PROSE = re.compile(r"^\s*(>|#|`{3,}|~{3,}|\{\{#|\||!\[|<|[-*+]\s|\d+[.)]\s)")

problems = []


def problem(path, line, what):
    problems.append(f"{path.relative_to(ROOT)}:{line}: {what}")


def is_rust(info):
    """```rust, ```rust,ignore, ```rust no_run ... (not ```rusty)."""
    return re.split(r"[,\s{]", info, maxsplit=1)[0] == "rust"


def scan(lines):
    """Splits a page into fences and the lines outside them.

    Returns (fences, outside): fences as (open_line, info, body_lines) with
    1-based line numbers, outside as {line_number: text} for every line not
    inside (or opening/closing) a fence.
    """
    fences, outside = [], {}
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            outside[i + 1] = lines[i]
            i += 1
            continue
        mark, info = m.group(1), m.group(2)
        close = re.compile(rf"^\s*{re.escape(mark[0])}{{{len(mark)},}}\s*$")
        j = i + 1
        while j < len(lines) and not close.match(lines[j]):
            j += 1
        fences.append((i + 1, info, lines[i + 1 : j]))
        i = j + 1
    return fences, outside


def check_rust_fences(path, fences):
    for start, info, body in fences:
        if not is_rust(info):
            continue
        text = [l for l in body if l.strip()]
        if not text:
            problem(path, start, "empty ```rust block: include the code from its crate")
        for offset, l in enumerate(body, start=1):
            if l.strip() and not INCLUDE_LINE.match(l):
                problem(
                    path,
                    start + offset,
                    "hand-typed Rust in a ```rust block: include it from the crate "
                    "({{#include ../../exercises/exN/src/FILE.rs:ANCHOR}})",
                )
                break


def run_it_box(path, outside):
    """Checks the page opens with its Run it box.

    Returns (the box's first line, exN, the first line after the box), or None
    when there is no usable box (the problem is reported).
    """
    numbered = sorted(outside.items())
    nonblank = [(n, l) for n, l in numbered if l.strip()]
    if not nonblank or not nonblank[0][1].startswith("# "):
        problem(path, nonblank[0][0] if nonblank else 1, "the page does not start with a '# ' title")
        return None
    title = nonblank[0][0]
    if len(nonblank) < 2 or not RUN_IT.match(nonblank[1][1]):
        line = nonblank[1][0] if len(nonblank) > 1 else title
        problem(path, line, "the first line after the title is not the '> **Run it:**' box")
        return None
    start = nonblank[1][0]
    box = []
    n = start
    while n in outside and outside[n].startswith(">"):
        box.append(outside[n])
        n += 1
    text = " ".join(box)
    m = re.search(r"-p\s+(ex\d+)\b", text)
    if not m:
        problem(path, start, "the 'Run it' box names no crate with '-p exN'")
        return None
    ex = m.group(1)
    if not (EXERCISES / ex / "Cargo.toml").is_file():
        problem(path, start, f"the 'Run it' box names -p {ex}, but there is no exercises/{ex}")
        return None
    for other in re.findall(r"exercises/(ex\d+)\b", text):
        if other != ex:
            problem(path, start, f"the 'Run it' box names -p {ex} but crate exercises/{other}")
    return start, ex, n  # n: the first line after the box


def headings(outside):
    out = []
    for n, l in sorted(outside.items()):
        m = HEADING.match(l)
        if m:
            out.append((n, len(m.group(1)), m.group(2)))
    return out


def paragraph_starts(outside, total):
    """Lines that begin a paragraph: outside fences, after a blank line, a
    heading or a fence (a fence's lines are not in `outside`)."""
    starts = []
    for n in range(1, total + 1):
        l = outside.get(n)
        if l is None or not l.strip():
            continue
        prev = outside.get(n - 1, "")  # a fence line or the start counts as a break
        if n == 1 or (n - 1) not in outside or not prev.strip() or HEADING.match(prev):
            starts.append((n, l.strip()))
    return starts


def check_chapter(path, lines):
    fences, outside = scan(lines)
    box = run_it_box(path, outside)
    if box is None:
        return
    run_line, ex, after_box = box
    heads = headings(outside)
    h2 = [(n, t) for n, level, t in heads if level == 2]
    paras = paragraph_starts(outside, len(lines))

    # 2. The idea: prose between the box and the first ## heading.
    first_h2 = h2[0][0] if h2 else len(lines) + 1
    prose = [
        n for n, l in sorted(outside.items())
        if after_box <= n < first_h2 and l.strip() and not NOT_PROSE.match(l)
    ]
    if not prose:
        problem(path, run_line, "no prose paragraph (the idea) between the 'Run it' box and the first '## ' heading")

    # 3. The code: the first listing included from a crate.
    listings = [
        start for start, info, body in fences
        if is_rust(info) and any(CODE_INCLUDE.match(l) for l in body)
    ]

    # 4. What you see.
    seen = [n for n, level, t in heads if level in (2, 3) and t.startswith("What you see")]
    seen += [n for n, l in paras if re.match(r"^(\*\*)?What you see", l)]
    seen.sort()

    # 5. Why.
    why = [n for n, level, t in heads if level >= 2 and t.startswith("Why")]
    why += [n for n, l in paras if l.startswith("**Why") or l.startswith("Why:")]
    why.sort()

    # Each step is looked for after the previous one; a missing step is
    # reported and the next is looked for after the last step found.
    pos = run_line
    if not listings:
        problem(path, run_line, "no code listing: a ```rust block with {{#include ../../exercises/...}}")
    else:
        pos = listings[0]
    if seen and listings and seen[0] < listings[0]:
        problem(path, seen[0], f"'What you see' comes before the first code listing (line {listings[0]})")
    if not seen:
        problem(path, pos, "no 'What you see' (a heading or a paragraph starting with it) after the first listing")
    else:
        pos = max(pos, seen[0])
    why_after = [n for n in why if n > pos]
    if not why_after:
        problem(path, pos, "no 'Why' (a heading starting with it, or a paragraph starting with '**Why' or 'Why:') after the first 'What you see'")
    else:
        pos = why_after[0]

    try_this = [n for n, t in h2 if t == "Try this"]
    if not try_this:
        problem(path, len(lines), "no '## Try this' section")
    elif try_this[-1] < pos:
        problem(path, try_this[-1], f"'## Try this' comes before the first 'Why' after 'What you see' (line {pos})")
    else:
        pos = try_this[-1]

    last_n, last_t = h2[-1] if h2 else (len(lines), "")
    if last_t != "Try it yourself":
        problem(path, last_n, f"the last '## ' section is '{last_t}', not '## Try it yourself'")
        return
    if last_n < pos:
        problem(path, last_n, "'## Try it yourself' comes before '## Try this'")
    section = [outside.get(n, "") for n in range(last_n + 1, len(lines) + 1)]
    want = f"{{{{#include generated/{ex}/starter.md}}}}"
    if not any(l.strip() == want for l in section):
        problem(path, last_n, f"'## Try it yourself' does not include {want} (the chapter's exercise is {ex})")


def main():
    pages = sorted(SRC.glob("*.md"))
    chapters = asides = 0
    for path in pages:
        lines = path.read_text().splitlines()
        fences, outside = scan(lines)
        check_rust_fences(path, fences)
        if path.name == "SUMMARY.md":
            continue
        if CRATE_CHAPTER.match(path.name):
            chapters += 1
            check_chapter(path, lines)
        elif any(RUN_IT.match(l) for l in outside.values()):
            asides += 1
            run_it_box(path, outside)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        sys.exit(1)
    print(
        f"structure: {chapters} crate chapters in order (Run it, idea, code, what you see, why, "
        f"Try this, Try it yourself), {asides} other 'Run it' page(s) open with it, "
        f"no hand-typed Rust in {len(pages)} pages"
    )


if __name__ == "__main__":
    main()
