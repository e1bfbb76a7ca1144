#!/usr/bin/env python3
"""TAP lint: checks that cannot fail, in the lab's shell.

usage: tap_lint.py FILE...; prints "ok - ..." / "not ok - ..." per rule,
with the offending lines as diagnostics ("# FILE:LINE: text").

Rules, on every statement that starts with check or check_sh:
  - "check DESC CMD && more": check runs CMD and the && part is a second
    command after it; only CMD is asserted. Use check_sh 'a && b'.
  - "|| true" or "|| :" anywhere in the statement (also in a check_sh
    condition or a bash -c string): it turns the check into a success.
  - "check ... | cmd": the TAP line goes into a pipe.
and in every file:
  - "tap_lines < <(": the process substitution drops the checker's status;
    use tap_run.
  - "trap ... EXIT" in a suite: it replaces tests/tap.sh's guard; use at_exit.
  - a literal "# SKIP" in tap_ok: use tap_skip DESC REASON.
"""
import re
import sys


def statements(text):
    """Yield (line number, statement text, top-level operators) for each
    statement starting with check/check_sh at the start of a line."""
    for m in re.finditer(r"(?m)^[ \t]*(check|check_sh)[ \t]", text):
        i = m.start()
        line = text.count("\n", 0, i) + 1
        stack, ops, j = [], [], i
        while j < len(text):
            c = text[j]
            top = stack[-1] if stack else None
            if c == "\\" and top != "'":
                j += 2
                continue
            if top == "'":
                if c == "'":
                    stack.pop()
            elif top == '"':
                if c == '"':
                    stack.pop()
                elif text.startswith("$(", j):
                    stack.append("(")
                    j += 1
            else:
                if c in "'\"":
                    stack.append(c)
                elif text.startswith("$(", j):
                    stack.append("(")
                    j += 1
                elif c == "(" and top == "(":
                    stack.append("(")
                elif c == ")" and top == "(":
                    stack.pop()
                elif not stack:
                    if c == "\n":
                        # an operator at the end of a line continues it
                        if ops and text[ops[-1][1]:j].strip() == "":
                            pass
                        else:
                            break
                    elif c == "#" and text[j - 1] in " \t":
                        k = text.find("\n", j)
                        j = len(text) if k < 0 else k
                        continue
                    for op in ("&&", "||", "|", ";"):
                        if text.startswith(op, j):
                            ops.append((op, j + len(op)))
                            j += len(op) - 1
                            break
            j += 1
        yield line, m.group(1), text[i:j], ops


def main(files):
    bad = {"and": [], "true": [], "pipe": [], "tap_lines": [], "trap": [], "skip": []}
    for path in files:
        text = open(path).read()
        for line, cmd, stmt, ops in statements(text):
            where = f"{path}:{line}: {stmt.splitlines()[0].strip()}"
            if re.search(r"\|\|\s*(true|:)(\s|$|;|\)|'|\")", stmt):
                bad["true"].append(where)
            for op, end in ops:
                if op == "&&" and cmd == "check":
                    bad["and"].append(where)
                if op == "|" and not any(o in ("&&", "||") for o, e in ops if e < end):
                    bad["pipe"].append(where)
        for n, l in enumerate(text.splitlines(), 1):
            if "tap_lines < <(" in l:
                bad["tap_lines"].append(f"{path}:{n}: {l.strip()}")
            if re.match(r"\s*trap\s.*\bEXIT\b", l) and "/tests/" in "/" + path:
                bad["trap"].append(f"{path}:{n}: {l.strip()}")
            if re.search(r"tap_ok\s.*# *SKIP", l):
                bad["skip"].append(f"{path}:{n}: {l.strip()}")
    what = {
        "and": "no 'check DESC CMD && ...' (asserts only CMD; use check_sh)",
        "true": "no '|| true' in a check",
        "pipe": "no 'check ... | cmd' (the TAP line goes into the pipe)",
        "tap_lines": "no 'tap_lines < <(checker)' (drops its exit status; use tap_run)",
        "trap": "no 'trap ... EXIT' in a suite (replaces the TAP guard; use at_exit)",
        "skip": "no hand-written SKIP directive in tap_ok (use tap_skip)",
    }
    for k, desc in what.items():
        print(("not ok" if bad[k] else "ok"), "-", f"TAP lint: {desc}")
        for w in bad[k]:
            print(f"#   {w}")


main(sys.argv[1:])
