#!/usr/bin/env bash
# shellcheck disable=SC2016 # check_sh conditions are eval'd, in single quotes
# ovltrace on the host: decoding and explanations over the trace.dat
# fixtures recorded in the VM (ovltrace/tests/record-fixtures), every error
# path a file can take, valgrind, install and the man page. The host kernel
# lacks the series, which is itself an error path ovltrace must explain.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"

# Every other check uses the recordings of the upstream series
fx=$top/ovltrace/tests/fixtures/7.3
ovltrace=$top/build/ovltrace/ovltrace
tmp=$(mktemp -d)
at_exit 'rm -rf "$tmp"'
make -s -C "$top/ovltrace" O="$top/build/ovltrace" WERROR=1 || { tap_not_ok "ovltrace builds"; tap_done; exit 1; }

# run_ovl NAME ARGS...: run ovltrace, keep stdout/stderr/status in $tmp/NAME.*
run_ovl() {
	local name=$1
	shift
	"$ovltrace" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
	echo $? >"$tmp/$name.rc"
}
rc_of() { cat "$tmp/$1.rc"; }
# expect_fail NAME STATUS TEXT DESC: exit STATUS and stderr says TEXT.
expect_fail() {
	local name=$1 want=$2 text=$3
	check_sh "$4: exit $want, says '$text'" \
		'[ "$(rc_of "$name")" = "$want" ] && grep -qF -- "$text" "$tmp/$name.err"' ||
		sed 's/^/#   /' "$tmp/$name.err"
}

# --- decoding the recording of every decision
# The recordings of both kernels, each with what it must show: the same
# events, fields and reasons on the upstream series and the backport.
for b in 7.3 6.12; do
rec=$top/ovltrace/tests/fixtures/$b
run_ovl text report "$rec/refusals.dat"
run_ovl json --json report "$rec/refusals.dat"
check_sh "$b: report of the fixture exits 0" '[ "$(rc_of text)" = 0 ] && [ "$(rc_of json)" = 0 ]'
tap_run "$b: the report checker" python3 - "$rec/refusals.expect" "$tmp/json.out" "$tmp/text.out" <<'PY'
import json, re, sys
def ok(c, w):
    print(("ok" if c else "not ok"), "-", w)
expect, refused = {}, []
for line in open(sys.argv[1]):
    k, *v = line.split()
    (refused.append(v[0]) if k == "refused" else expect.__setitem__(k, v))
def parse(line):
    try:
        o = json.loads(line)
    except ValueError:
        return None
    return o if isinstance(o, dict) else None
raw = open(sys.argv[2]).read().splitlines()
objs = [parse(l) for l in raw]
text = open(sys.argv[3]).read().splitlines()
ok(raw and None not in objs, f"--json: all {len(raw)} lines parse as JSON objects")
objs = [o for o in objs if o is not None]
ev = [o for o in objs if o["event"] != "summary"]
keys = {
    "checkpoint": {"ts", "ts_ns", "cpu", "event", "dev", "upper_dev", "upper_instance_id", "errseq", "explanation"},
    "reuse": {"ts", "ts_ns", "cpu", "event", "dev", "upper_dev", "upper_instance_id", "errseq", "explanation"},
    "mismatch": {"ts", "ts_ns", "cpu", "event", "upper_dev", "reason", "reason_code", "saved_instance_id",
                 "instance_id", "saved_errseq", "errseq", "err", "err_name", "explanation"},
    "wb_err": {"ts", "ts_ns", "cpu", "event", "dev", "upper_dev", "errseq", "cur_errseq", "err", "err_name",
               "explanation", "wb_failures_traced", "lost_files"},
}
bad = [o for o in ev if set(o) - {"wb_failures_traced", "lost_files"} != keys[o["event"]] - {"wb_failures_traced", "lost_files"}]
ok(not bad, "every event has exactly the documented JSON fields" + (f" (not: {bad[0]})" if bad else ""))
ts = [o["ts_ns"] for o in ev]
ok(ts == sorted(ts), "events come in time order")
mism = [o for o in ev if o["event"] == "mismatch"]
ok([o["reason"] for o in mism] == refused, f"each refusal decoded with its reason, in order: {refused}")
codes = {"missing": 1, "corrupt": 2, "version": 3, "boot_id": 4, "instance": 5, "upperdir": 6, "errseq": 7,
         "metadata": 8, "in_use": 9, "unreadable": 10, "not_enabled": 11, "not_volatile": 12}
ok(all(codes[o["reason"]] == o["reason_code"] for o in mism), "reason names come from the recording's format (codes 1..12)")
ok(all(o["upper_dev"] == expect["upper_dev"][0] for o in ev if "upper_dev" in o), f"upper_dev decoded as {expect['upper_dev'][0]}")
inst = [o for o in mism if o["reason"] == "instance"][0]
ok(inst["saved_instance_id"] != inst["instance_id"] and inst["saved_instance_id"] > 0,
   f"instance refusal: saved {inst['saved_instance_id']}, now {inst['instance_id']}")
es = [o for o in mism if o["reason"] == "errseq"][0]
ok(es["saved_errseq"] != es["errseq"] and es["err_name"] == "EIO" and
   all(o["err"] == 0 and o["err_name"] is None for o in mism if o is not es),
   f"errseq refusal: {es['saved_errseq']} -> {es['errseq']}, the upper's error EIO; others err 0")
lost = {f["ino"] for f in es["lost_files"]}
ok({int(i) for i in expect["lost_errseq"]} <= lost, f"errseq refusal lists the inode that lost data {expect['lost_errseq']}")
wb = [o for o in ev if o["event"] == "wb_err"]
ok(len(wb) == 1 and wb[0]["dev"] == expect["wb_err_dev"][0] and wb[0]["err"] == -5, "wb_err: the failing mount, err -5")
wl = {f["ino"] for f in wb[0]["lost_files"]}
ok({int(i) for i in expect["lost_wb_err"]} <= wl and not (wl & {int(i) for i in expect["lost_errseq"]}),
   f"wb_err lists {expect['lost_wb_err']}, nothing from before its checkpoint")
ok(all(f["failures"] >= 1 and f["first_ts_ns"] <= f["last_ts_ns"] <= wb[0]["ts_ns"] for f in wb[0]["lost_files"]),
   "lost files: failures counted, timestamps before the event")
s = objs[-1]
ok(s["event"] == "summary" and s["refusals"] == len(refused) and s["wb_errors"] == 1 and s["reuses"] == 2
   and s["checkpoints"] == sum(o["event"] == "checkpoint" for o in ev)
   and s["refusals_by_reason"] == {r: 1 for r in refused}, "the summary counts match")
# text: one line per event, timestamp first, each refusal explained with what to do
lines = [l for l in text if re.match(r"^ *\d+\.\d{6} ", l)]
ok(len(lines) == len(ev), f"text: one line per event ({len(lines)})")
explain = {
    "missing": "checkpoint xattr is missing", "corrupt": "checkpoint is malformed",
    "version": "version this kernel does not know", "boot_id": "another boot or another load of the overlay module",
    "instance": "unmounted and mounted again since the checkpoint", "errseq": "writeback error since the checkpoint",
    "not_volatile": "mounted without 'volatile'", "not_enabled": "without volatile_reuse=on",
    "upperdir": "belongs to another upper directory", "in_use": "in use by another live overlay mount",
}
for r in refused:
    l = [l for l in lines if f" refused " in l and f"({r}" in l or (r == "instance" and "(instance " in l) or (r == "errseq" and "(errseq 0x" in l)]
    ok(l and explain[r] in l[0] and ("discard" in l[0] or "mount it" in l[0]), f"text: reason {r} explained with what to do")
ok(any("(instance %d, now %d)" % (inst["saved_instance_id"], inst["instance_id"]) in l for l in lines),
   "text: instance refusal says both instance ids")
lost_lines = [l for l in text if "lost data: inode" in l]
ok(any(f"inode {expect['lost_errseq'][0]} " in l for l in lost_lines) and any("-inum INODE" in l for l in text),
   "text: lost inodes listed with how to find their paths")
PY
done

# --- every refusal reason of the series, each explained with what to do:
# the table itself, without a kernel (the recorded fault sequence has no
# metadata or unreadable case: the kselftests provoke those).
reasons_v2="missing corrupt version boot_id instance upperdir errseq metadata in_use unreadable not_enabled not_volatile"
run_ovl reasons reasons
run_ovl reasons_json --json reasons
check_sh "reasons: exit 0, text and --json" '[ "$(rc_of reasons)" = 0 ] && [ "$(rc_of reasons_json)" = 0 ]'
tap_run "the reasons checker" python3 - "$tmp/reasons.out" "$tmp/reasons_json.out" "$reasons_v2" <<'PY'
import json, sys
def ok(c, w):
    print(("ok" if c else "not ok"), "-", w)
text = dict(l.split(None, 1) for l in open(sys.argv[1]).read().splitlines())
objs = [json.loads(l) for l in open(sys.argv[2])]
want = sys.argv[3].split()
ok(sorted(text) == sorted(want), f"reasons: all {len(want)} reasons of the series (missing: {sorted(set(want) - set(text))})")
ok({o["reason"]: o["explanation"] for o in objs} == {k: v.strip() for k, v in text.items()}, "reasons --json says the same as the text")
todo = ("discard", "mount it", "check the upper filesystem", "unmount the other overlay")
ok(all(any(t in v for t in todo) for v in text.values()), "every reason says what to do")
iu = text.get("in_use", "")
ok("EBUSY" in iu and "do NOT discard" in iu and "unmount the other overlay" in iu, "in_use: EBUSY, do NOT discard, unmount the other overlay")
ur = text.get("unreadable", "")
ok("check the upper filesystem" in ur and "EIO" in ur, "unreadable: check the upper filesystem (EIO from a shut-down upper)")
ne = text.get("not_enabled", "")
ok("volatile_reuse=on" in ne and "EINVAL" in ne, "not_enabled: EINVAL, mount with volatile_reuse=on")
ok("another upper directory" in text.get("upperdir", "") and "block device" in text.get("metadata", ""),
   "upperdir and metadata explained")
PY
run_ovl reasons_one reasons in_use not_enabled
check_sh "reasons REASON...: only those, in the table's order" \
	'[ "$(cut -d" " -f1 "$tmp/reasons_one.out" | tr "\n" " ")" = "in_use not_enabled " ]'
run_ovl reasons_bad reasons frobnicated
expect_fail reasons_bad 2 "unknown reason 'frobnicated'" "reasons with an unknown name"

# --- status over a made-up /sys/fs/overlay (a tmpfs in a private mount
# namespace): the v1 attributes, and v2's volatile_reuse
# mk ID NAME=VALUE...: a made-up /sys/fs/overlay/ID (run in the namespace)
mk() {
	local d=/sys/fs/overlay/$1 kv
	mkdir -p "$d"
	shift
	for kv in "$@"; do echo "${kv#*=}" >"$d/${kv%%=*}"; done
}
export -f mk
status_fake() { # ATTRS-OF-v2(1|0)
	unshare --mount bash -c '
		mount -t tmpfs tmpfs /sys/fs || exit 90
		base="instance_id=30 upper_instance_id=25 errseq=0x00000000 upper_dev=253:0 reused=0"
		v2=$1
		r() { [ "$v2" = 1 ] && echo "volatile_reuse=$1"; }
		mk 0:9991 $base fsync_mode=volatile $(r 1) wb_err=0 reusable=1
		mk 0:9992 $base fsync_mode=volatile $(r 0) wb_err=0 reusable=0
		mk 0:9993 $base fsync_mode=auto $(r 0) wb_err=0 reusable=0
		mk 0:9994 $base fsync_mode=volatile $(r 1) wb_err=-5 reusable=0
		"$2" status >"$3.txt" && "$2" --json status >"$3.json"' _ "$1" "$ovltrace" "$tmp/fake$1"
}
if [ "$(id -u)" = 0 ] && unshare --mount true 2>/dev/null; then
	status_fake 1
	check_sh "status, v2 sysfs: a REUSE column, on/off/-" '
		grep -q "^MOUNT POINT .* FSYNC    REUSE UPPER " "$tmp/fake1.txt" &&
		grep -q " 0:9991 .* volatile on    253:0    yes " "$tmp/fake1.txt" &&
		grep -q " 0:9992 .* volatile off   253:0    no " "$tmp/fake1.txt" &&
		grep -q " 0:9993 .* auto     -     253:0    - " "$tmp/fake1.txt"' || sed 's/^/#   /' "$tmp/fake1.txt"
	check_sh "status, v2 sysfs: a volatile_reuse=off mount is told it cannot be mounted again" \
		'grep -q "^0:9992: mounted without volatile_reuse=on: .*discard it" "$tmp/fake1.txt" &&
		grep -q "^0:9994: writeback to the upper 253:0 failed (EIO)" "$tmp/fake1.txt"'
	check_sh "status --json, v2 sysfs: volatile_reuse true/false" \
		'[ "$(grep -o "\"volatile_reuse\":[a-z]*" "$tmp/fake1.json" | tr "\n" " ")" = "\"volatile_reuse\":true \"volatile_reuse\":false \"volatile_reuse\":false \"volatile_reuse\":true " ]'
	status_fake 0
	check_sh "status, v1 sysfs: no REUSE column, volatile_reuse null" \
		'grep -q "^MOUNT POINT .* FSYNC    UPPER    REUSABLE REUSED WB_ERR$" "$tmp/fake0.txt" &&
		[ "$(grep -c "\"volatile_reuse\":null" "$tmp/fake0.json")" = 4 ]' || sed 's/^/#   /' "$tmp/fake0.txt"
else
	for c in "status, v2 sysfs: a REUSE column, on/off/-" "status, v2 sysfs: a volatile_reuse=off mount is told it cannot be mounted again" \
		"status --json, v2 sysfs: volatile_reuse true/false" "status, v1 sysfs: no REUSE column, volatile_reuse null"; do
		tap_skip "$c" "needs root and unshare --mount"
	done
fi

# --- recordings without overlayfs events
run_ovl quiet report "$fx/quiet.dat"
expect_fail quiet 7 "knows the overlayfs events but none happened" "recording with the events but none"
check "quiet recording still prints its summary" grep -q '^summary: 0 overlayfs events' "$tmp/quiet.out"
run_ovl noovl report "$fx/no-ovl.dat"
expect_fail noovl 7 "record with 'trace-cmd record -e overlayfs" "recording without the overlayfs events"

# --- bad files: each a clear message, exit 6
run_ovl missing report "$tmp/nonexistent.dat"
expect_fail missing 6 "No such file or directory" "missing file"
: >"$tmp/empty.dat"
run_ovl empty report "$tmp/empty.dat"
expect_fail empty 6 "too short" "empty file"
echo "not a trace" >"$tmp/text.dat"; head -c 4096 /dev/zero >>"$tmp/text.dat"
run_ovl notrace report "$tmp/text.dat"
expect_fail notrace 6 "not a trace-cmd recording" "text file"
run_ovl dir report "$tmp"
expect_fail dir 6 "not a regular file" "directory"
size=$(stat -c %s "$fx/refusals.dat")
# (libtracecmd does not notice a cut inside the final string table, the
# last ~130 bytes, where no event is lost; trace-cmd report prints nothing
# and exits 0 for every cut below.)
for cut in 64 4096 $((size / 2)) $((size - 200)); do
	head -c "$cut" "$fx/refusals.dat" >"$tmp/cut.dat"
	run_ovl cut report "$tmp/cut.dat"
	expect_fail cut 6 "truncated or damaged" "trace.dat cut to $cut of $size bytes"
done
cp "$fx/refusals.dat" "$tmp/secret.dat"
chmod 000 "$tmp/secret.dat"
chmod 755 "$tmp"
setpriv --reuid=65534 --regid=65534 --clear-groups "$ovltrace" report "$tmp/secret.dat" 2>"$tmp/perm.err" >/dev/null
echo $? >"$tmp/perm.rc"
expect_fail perm 6 "Permission denied (read permission on the file is needed)" "unreadable file"

# --- the command line
run_ovl usage
expect_fail usage 2 "usage: ovltrace" "no command"
run_ovl badcmd frobnicate
expect_fail badcmd 2 "unknown command 'frobnicate'" "unknown command"
run_ovl twofiles report a b
expect_fail twofiles 2 "report wants one FILE" "report with two files"
run_ovl baddur watch --duration -1
expect_fail baddur 2 "--duration wants a number" "negative duration"
run_ovl durstatus status --duration 3
expect_fail durstatus 2 "--duration is for watch only" "duration on status"
"$ovltrace" report "$fx/refusals.dat" >/dev/full 2>"$tmp/full.err"
rc=$?
check_sh "report into a full disk: exit 1, says so" '[ "$rc" = 1 ] && grep -q "cannot write the output" "$tmp/full.err"'

# --- error paths (issue 16, second hand-over): each fails clearly
# status: an overlay whose sysfs row cannot be read is named on stderr and
# the exit status is 1 (the other rows are printed); JSON escapes the bytes
# of a mount point that are not UTF-8 (\ufffd) and control characters.
status_bad() {
	unshare --mount bash -c '
		mnt=$(printf "%s/caf\351 \001x" "$1")
		mkdir -p "$mnt" && mount -t tmpfs tmpfs "$mnt" || exit 90
		id=$(mountpoint -d "$mnt")
		mount -t tmpfs tmpfs /sys/fs || exit 90
		base="instance_id=30 upper_instance_id=25 upper_dev=253:0 reused=0 fsync_mode=volatile wb_err=0 reusable=1"
		mk "$id" $base errseq=0x00000000
		mk 0:9995 $base
		mk 0:9996 $base errseq=0x00000000
		rm /sys/fs/overlay/0:9996/reused && mkdir /sys/fs/overlay/0:9996/reused
		mk 0:9997 ${base/volatile/volatile-and-a-value-longer-than-sixteen} errseq=0x00000000
		"$2" status >"$3.txt" 2>"$3.err"; echo $? >"$3.rc"
		"$2" --json status >"$3.json" 2>/dev/null; echo $? >"$3.jrc"' _ "$tmp" "$ovltrace" "$tmp/bad"
}
if [ "$(id -u)" = 0 ] && unshare --mount true 2>/dev/null; then
	status_bad
	check_sh "status: an unreadable sysfs row is named on stderr, the others printed, exit 1" '
		[ "$(cat "$tmp/bad.rc")" = 1 ] && [ "$(cat "$tmp/bad.jrc")" = 1 ] &&
		grep -q "^ovltrace: cannot read /sys/fs/overlay/0:9995/errseq: No such file or directory: overlay 0:9995 is left out$" "$tmp/bad.err" &&
		grep -q "^ovltrace: cannot read /sys/fs/overlay/0:9996/reused: Is a directory: overlay 0:9996 is left out$" "$tmp/bad.err" &&
		[ "$(grep -c "^ovltrace: " "$tmp/bad.err")" = 3 ] &&
		[ "$(grep -c " volatile " "$tmp/bad.txt")" = 1 ] && ! grep -q 0:999 "$tmp/bad.txt"' ||
		cat -v "$tmp/bad.err" "$tmp/bad.txt" | sed 's/^/#   /'
	check "status: a sysfs value longer than ovltrace reads is an error, never cut short" \
		grep -q "^ovltrace: cannot read /sys/fs/overlay/0:9997/fsync_mode: Value too large" "$tmp/bad.err"
	tap_run "the JSON escaping checker" python3 - "$tmp" "$tmp/bad.json" <<'PY2'
import json, sys
def ok(c, w):
    print(("ok" if c else "not ok"), "-", w)
want = sys.argv[1] + "/caf\ufffd \u0001x"
raw = open(sys.argv[2], "rb").read()
try:
    objs = [json.loads(l) for l in raw.decode("utf-8").splitlines()]
except ValueError as e:
    objs = []
    print("#  ", e, raw[:300])
ok(len(objs) == 1 and objs[0]["mountpoint"] == want and objs[0]["mountpoints"] == [want]
   and b"\\ufffd \\u0001x" in raw,
   "status --json: a mount point's non-UTF-8 byte as \\ufffd, a control character as \\u0001, valid UTF-8 JSON")
PY2
else
	for c in "status: an unreadable sysfs row is named on stderr, the others printed, exit 1" \
		"status: a sysfs value longer than ovltrace reads is an error, never cut short" "the JSON escaping checker"; do
		tap_skip "$c" "needs root and unshare --mount"
	done
fi

# A recording whose events lack a field ovltrace needs: exit 9, not "no
# events" (refusals.dat made uncompressed, upper_dev renamed upper_dex).
if command -v trace-cmd >/dev/null && trace-cmd convert --file-version 6 --compression none \
	-i "$fx/refusals.dat" -o "$tmp/v6.dat" >/dev/null 2>&1; then
	sed 's/upper_dev/upper_dex/g' "$tmp/v6.dat" >"$tmp/badfmt.dat"
	# A record of an event the file has no format for (the first record's
	# common_type set to 0xfff0): libtracecmd cannot read it, exit 6.
	off=$(trace-cmd dump --flyrecord -i "$tmp/v6.dat" 2>/dev/null |
		awk '/offset, size of cpu 0/ && $1 ~ /^[0-9]+$/ { o = $1 } END { print o }')
	python3 - "$tmp/v6.dat" "$tmp/unknown.dat" "$off" <<'PY2'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
page = int(sys.argv[3])
type_len = int.from_bytes(d[page + 16:page + 20], "little") & 31   # after the page header
at = page + 20 if 1 <= type_len <= 28 else page + 24
d[at:at + 2] = (0xfff0).to_bytes(2, "little")
open(sys.argv[2], "wb").write(d)
PY2
	rm -f "$tmp/v6.dat"
	run_ovl badfmt report "$tmp/badfmt.dat"
	expect_fail badfmt 9 "event overlayfs:ovl_volatile_checkpoint has no field 'upper_dev'" "report of a recording of another format"
	run_ovl unknown report "$tmp/unknown.dat"
	expect_fail unknown 6 "unknown.dat is truncated or damaged: libtracecmd cannot read its records" \
		"report of a record of an event without a format"
else
	tap_skip "report of a recording of another format" "needs trace-cmd convert (trace-cmd 3.x)"
	tap_skip "report of a record of an event without a format" "needs trace-cmd convert (trace-cmd 3.x)"
fi

# watch over a tracefs whose events/ holds the fixture's formats
# (ovltrace/tests/fake-tracefs), with tracefs-fault.so making one
# libtracefs call fail as the real one can.
fault_so=$tmp/tracefs-fault.so
read -ra tracefs_cflags < <(pkg-config --cflags libtracefs)
if [ "$(id -u)" = 0 ] && command -v trace-cmd >/dev/null &&
	cc -O2 -Wall -Wextra -Werror -shared -fPIC "${tracefs_cflags[@]}" \
		-o "$fault_so" "$top/ovltrace/tests/tracefs-fault.c" -ldl 2>"$tmp/cc.err"; then
	# fake_watch NAME FIXTURE FAULT: watch for 0.3 s
	fake_watch() {
		"$top/ovltrace/tests/fake-tracefs" "$2" env LD_PRELOAD="$fault_so" OVLTRACE_FAULT="$3" \
			"$ovltrace" watch --duration 0.3 >"$tmp/$1.out" 2>"$tmp/$1.err"
		echo $? >"$tmp/$1.rc"
	}
	fake_watch wok "$fx/refusals.dat" ""
	check_sh "watch (fake tracefs): exit 0 with its summary" \
		'[ "$(rc_of wok)" = 0 ] && grep -q "^summary: 0 overlayfs events in 0 records of live tracing" "$tmp/wok.out"' ||
		sed 's/^/#   /' "$tmp/wok.err"
	fake_watch won "$fx/refusals.dat" trace_on
	expect_fail won 1 "cannot turn tracing on in instance ovltrace-" "watch when tracefs_trace_on() fails"
	fake_watch wit "$fx/refusals.dat" iterate
	expect_fail wit 1 "cannot read the trace buffers of instance ovltrace-" "watch when tracefs_iterate_raw_events() fails"
	if [ -f "$tmp/badfmt.dat" ]; then
		fake_watch wfmt "$tmp/badfmt.dat" ""
		expect_fail wfmt 9 "has no field 'upper_dev'" "watch on a kernel whose events have another format"
	else
		tap_skip "watch on a kernel whose events have another format" "no recording of another format (trace-cmd convert)"
	fi
	# The one mountinfo reader unescapes: tracefs at a path with a space.
	mkdir -p "$tmp/a space"
	FAKE_TRACEFS_AT="$tmp/a space/tracing" fake_watch wesc "$fx/refusals.dat" ""
	check_sh "watch finds tracefs mounted at a path with a space (mountinfo's \\040)" \
		'[ "$(rc_of wesc)" = 0 ] && grep -q "^summary: " "$tmp/wesc.out"' || sed 's/^/#   /' "$tmp/wesc.err"
	check_sh "watch removed its tracefs instances" '! ls /sys/kernel/tracing/instances | grep -q "^ovltrace-"'
else
	for c in "watch (fake tracefs): exit 0 with its summary" "watch when tracefs_trace_on() fails" \
		"watch when tracefs_iterate_raw_events() fails" "watch on a kernel whose events have another format" \
		"watch finds tracefs mounted at a path with a space (mountinfo's \\040)" "watch removed its tracefs instances"; do
		tap_skip "$c" "needs root, trace-cmd and a C compiler with libtracefs"
	done
fi

# --- this host's kernel has no series: ovltrace must say so
if [ -d /sys/fs/overlay ]; then
	tap_skip "status on a kernel without the series" "this host kernel has /sys/fs/overlay"
	tap_skip "watch on a kernel without the series" "this host kernel has the series"
else
	modprobe overlay 2>/dev/null || true
	if grep -q overlay /proc/filesystems; then
		run_ovl noseries status
		expect_fail noseries 5 "this kernel lacks the reusable volatile series" "status on a kernel without the series"
		if [ "$(id -u)" = 0 ] && grep -q ' - tracefs ' /proc/self/mountinfo; then
			run_ovl noseries_watch watch --duration 1
			expect_fail noseries_watch 5 "the reusable volatile series is not applied" "watch on a kernel without the series"
		else
			tap_skip "watch on a kernel without the series" "needs root and tracefs on the host"
		fi
	else
		run_ovl noseries status
		expect_fail noseries 5 "modprobe overlay" "status without overlayfs"
		tap_skip "watch on a kernel without the series" "no overlayfs on this host"
	fi
fi

# --- valgrind: report (text, json, an error path) leaks nothing (but the
# libraries' own leaks in ovltrace/tests/valgrind.supp)
if command -v valgrind >/dev/null; then
	for args in "report $fx/refusals.dat" "--json report $fx/refusals.dat" "report $tmp/cut.dat" "report $fx/quiet.dat"; do
		# shellcheck disable=SC2086 # args are split on purpose
		valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
			--suppressions="$top/ovltrace/tests/valgrind.supp" \
			--error-exitcode=99 "$ovltrace" $args >/dev/null 2>"$tmp/vg.err"
		rc=$?
		check "valgrind --leak-check=full: ovltrace ${args/$top\//} clean" [ "$rc" != 99 ] ||
			sed 's/^/#   /' "$tmp/vg.err" | head -20
	done
else
	tap_not_ok "valgrind is installed (scripts/deps)"
fi

# --- the files form a tree: no .c file calls, through others, back into
# itself (from the objects' defined and undefined symbols)
tap_run "the call graph checker" python3 - "$top/build/ovltrace" <<'PY2'
import glob, os, subprocess, sys
def ok(c, w):
    print(("ok" if c else "not ok"), "-", w)
defs, uses = {}, {}
for o in sorted(glob.glob(os.path.join(sys.argv[1], "*.o"))):
    name = os.path.basename(o)[:-2] + ".c"
    uses[name] = set()
    for line in subprocess.run(["nm", o], capture_output=True, text=True, check=True).stdout.splitlines():
        f = line.split()
        if len(f) == 2 and f[0] == "U":
            uses[name].add(f[1])
        elif len(f) == 3 and f[1] in "TDBRC":
            defs[f[2]] = name
edges = {a: sorted({defs[s] for s in u if s in defs and defs[s] != a}) for a, u in uses.items()}
for a in sorted(edges):
    print(f"#   {a} -> {', '.join(edges[a]) or '(none)'}")
cycle = []
def visit(n, path):
    if n in path:
        cycle.extend(path[path.index(n):] + [n])
        return True
    return any(visit(m, path + [n]) for m in edges[n])
circular = any(visit(n, []) for n in sorted(edges))
ok(len(edges) >= 7 and not circular,
   f"the {len(edges)} .c files call each other as a tree" + (f" (circle: {' -> '.join(cycle)})" if cycle else ""))
ok(edges.get("util.c") == [] and edges.get("json.c") == [], "util.c and json.c call no other file")
ok([n for n in edges if "mountinfo.c" in edges[n]] == ["status.c", "trace.c"] and
   not any(n for n in ("status.c", "trace.c") if "main.c" in edges[n]),
   "one mountinfo reader (mountinfo.c) for status.c and trace.c")
PY2

# --- install and the man page
make -s -C "$top/ovltrace" O="$top/build/ovltrace" install PREFIX=/usr DESTDIR="$tmp/root" >/dev/null
check_sh "make install PREFIX=... DESTDIR=...: binary and man page" \
	'[ -x "$tmp/root/usr/bin/ovltrace" ] && [ -f "$tmp/root/usr/share/man/man8/ovltrace.8" ]'
check "the installed binary runs" "$tmp/root/usr/bin/ovltrace" --version
groff -man -Tascii -ww "$top/ovltrace/ovltrace.8" 2>"$tmp/man.err" | col -bx >"$tmp/man.txt"
check "the man page renders without warnings" [ ! -s "$tmp/man.err" ] || sed 's/^/#   /' "$tmp/man.err"
man_has_all() {
	local w
	for w in "EXIT STATUS" $reasons_v2 "volatile_reuse=on" EBUSY REUSE; do
		grep -q "$w" "$tmp/man.txt" || { diag "the man page lacks '$w'"; return 1; }
	done
}
check "the man page documents every exit status, reason, volatile_reuse=on, EBUSY and REUSE" man_has_all
tap_done
