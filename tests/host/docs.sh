#!/usr/bin/env bash
# The documents: README.md is the short front door, nothing they need lives
# outside the repository, and every command they show is run. The
# convention (README.md, "Conventions"): commands are in ```sh blocks, one
# a line; output is in ```text blocks. Each command must appear in a test
# or script that runs it (tests/, scripts/, ovltrace/tests/, bench/, .ci/),
# or be one this suite runs itself (make targets by dry run, ovltrace
# reasons). A block preceded by <!-- docs-test: skip WHY --> is reported
# as a SKIP with its reason. The reason table of docs/operators.md, the
# man page and `ovltrace reasons` list the same reasons.
# shellcheck disable=SC2016 # single quotes on purpose: eval'd later, or sed and awk programs
set -uo pipefail
. "$(dirname "$0")/../lib.sh"

cd "$top" || exit 1
docs=(README.md docs/*.md patches/README.md)
ovltrace_dir=$top/build/ovltrace
make -s -C "$top/ovltrace" O="$ovltrace_dir" WERROR=1 || { tap_not_ok "ovltrace builds"; tap_done; exit 1; }
tmp=$(mktemp -d)
at_exit 'rm -rf "$tmp"'

lines=$(wc -l <README.md)
check "README.md is the front door: $lines lines (at most 220)" [ "$lines" -le 220 ]

# The commands of the ```sh blocks, one per line: FILE:LINE, the skip
# reason (or nothing) and the command, separated by \x1f.
python3 - "${docs[@]}" >"$tmp/commands" <<'PY'
import re, sys
def code(line, quoted):
    """LINE without its comment; QUOTED: a single quote is open at its start."""
    out, q = [], quoted
    for i, c in enumerate(line):
        if c == "'":
            q = not q
        elif c == "#" and not q and (i == 0 or line[i - 1] in " \t"):
            break
        out.append(c)
    return "".join(out).rstrip(), q
for path in sys.argv[1:]:
    lines = open(path).read().split("\n")
    i, skip = 0, ""
    while i < len(lines):
        m = re.match(r"<!-- docs-test: skip (.*) -->", lines[i])
        if m:
            skip = m.group(1)
        if lines[i].strip() == "```sh":
            i += 1
            cmd, start, quoted = [], 0, False
            while lines[i].strip() != "```":
                if not cmd:
                    start = i + 1
                line, quoted = code(lines[i], quoted)
                cmd.append(line)
                # a command goes on while a quote is open or a line ends in "\"
                if not quoted and not line.endswith("\\"):
                    c = " ".join(" ".join(l.rstrip("\\") for l in cmd).split())
                    if c:
                        print(f"{path}:{start}\x1f{skip}\x1f{c}")
                    cmd = []
                i += 1
            skip = ""
        i += 1
PY
# Where commands run: the lab's tests and scripts, with "$ovltrace" (the
# build's binary) read as ovltrace.
python3 - >"$tmp/corpus" <<'PY'
import glob, os
files = [f for pat in ("tests/**/*", "scripts/*", "ovltrace/tests/*", "bench/**/*.sh", ".ci/*", "Makefile")
         for f in glob.glob(pat, recursive=True)
         if os.path.isfile(f) and f != "tests/host/docs.sh" and not f.endswith((".dat", ".c", ".o"))]
for f in sorted(files):
    text = open(f, errors="replace").read()
    text = text.replace('"$ovltrace"', "ovltrace").replace("$ovltrace", "ovltrace")
    print(f"\x00{f}\x00" + " ".join(text.split()))
PY
n=$(wc -l <"$tmp/commands")
check "the documents show commands in \`\`\`sh blocks ($n)" [ "$n" -gt 0 ]
# run_by COMMAND: the first file of the corpus that has it.
run_by() {
	python3 - "$1" "$tmp/corpus" <<'PY'
import sys
cmd, corpus = sys.argv[1], open(sys.argv[2]).read().split("\x00")
for name, text in zip(corpus[1::2], corpus[2::2]):
    if cmd in text:
        print(name)
        break
PY
}
while IFS=$'\x1f' read -r where skip cmd; do
	desc="$where: $(cut -c 1-70 <<<"$cmd")"
	if [ -n "$skip" ]; then
		tap_skip "$desc" "$skip"
		continue
	fi
	case $cmd in
	make\ *)
		# A make target: it exists and its recipe parses (dry run); what
		# it runs is tested by the suites.
		check "$desc: make -n ${cmd#make } succeeds" bash -c "make -n ${cmd#make } >/dev/null 2>'$tmp/make.err'" ||
			sed 's/^/#   /' "$tmp/make.err"
		continue ;;
	"ovltrace reasons"*)
		check "$desc: runs here" bash -c "PATH='$ovltrace_dir':\$PATH; $cmd >/dev/null"
		continue ;;
	esac
	file=$(run_by "$cmd")
	check "$desc: run by ${file:-no test}" [ -n "$file" ]
done <"$tmp/commands"

# Only the two kinds of block: commands hide nowhere else.
fences=$(grep -nE '^```[^`]*$' "${docs[@]}" | grep -vE ':```(sh|text)?$' || :)
check "every fenced block is \`\`\`sh (commands) or \`\`\`text (output)${fences:+: not $fences}" [ -z "$fences" ]

# Nothing outside the repository.
outside='\.\./shared|(^|[ `"(])/(work|home|root)/'
check "no link or path outside the repository (../shared, /work/, /home/, /root/)" \
	bash -c "! grep -qE '$outside' ${docs[*]}" || grep -nE "$outside" "${docs[@]}" | sed 's/^/#   /'
bad_links=$(python3 - "${docs[@]}" <<'PY'
import os, re, sys
for path in sys.argv[1:]:
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", open(path).read()):
        if "://" in target:
            continue
        if not os.path.exists(os.path.join(os.path.dirname(path), target)):
            print(f"{path}: {target}")
PY
)
check "every relative link resolves${bad_links:+: $bad_links}" [ -z "$bad_links" ]

# One table of reasons: docs/operators.md, the man page, ovltrace reasons.
"$ovltrace_dir/ovltrace" reasons | cut -d' ' -f1 | sort >"$tmp/reasons.tool"
sed -n '/^## Refusal reasons/,/^## /s/^| `\([a-z_]*\)` | .*/\1/p' docs/operators.md | sort >"$tmp/reasons.doc"
# the man page: the entries (".TP" then ".B name") of the list under "refused"
awk '/^\.B refused$/ { on = 1; next } on && /^\.RE$/ { exit } on && tp && /^\.B / { print $2 } { tp = /^\.TP/ }' \
	ovltrace/ovltrace.8 | sort >"$tmp/reasons.man"
check "docs/operators.md's reason table lists the reasons ovltrace explains ($(wc -l <"$tmp/reasons.tool"))" \
	diff "$tmp/reasons.tool" "$tmp/reasons.doc" || diff "$tmp/reasons.tool" "$tmp/reasons.doc" | sed 's/^/#   /'
check "the man page lists the same reasons" \
	diff "$tmp/reasons.tool" "$tmp/reasons.man" || diff "$tmp/reasons.tool" "$tmp/reasons.man" | sed 's/^/#   /'
tap_done
