#!/usr/bin/env bash
# shellcheck disable=SC2016 # check_sh conditions are eval'd, in single quotes
# ovltrace end to end on the patched kernel: while the reuse issue's fault
# sequence runs (ovltrace/tests/faults.sh, recorded by trace-cmd), `ovltrace
# watch` follows live; `ovltrace report` of the recording must name each
# refusal's reason and the inodes whose writeback failed, and watch must
# have seen the same events. `ovltrace status` must agree with sysfs and
# mountinfo. The error paths that need a real kernel: tracefs not mounted,
# not root, overlay module not loaded.
# vm: --disk 256M -m 3072
set -uo pipefail
. "$(dirname "$0")/../lib.sh"

ovltrace=$top/build/ovltrace/ovltrace
T=/sys/kernel/tracing
rec=/tmp/rec
modprobe overlay
mountpoint -q "$T" || mount -t tracefs nodev "$T"

# --- watch + report over the fault sequence
"$ovltrace" --json watch >/tmp/watch.json 2>/tmp/watch.err &
watcher=$!
# Until watch has enabled its events (no time limit: a slow machine is not
# a failure), or has exited.
until [ "$(cat "$T/instances/ovltrace-$watcher/events/overlayfs/enable" 2>/dev/null)" = 1 ]; do
	kill -0 "$watcher" 2>/dev/null || break
	sleep 0.1
done
check "watch made its private tracefs instance ovltrace-PID and enabled its events there" \
	[ "$(cat "$T/instances/ovltrace-$watcher/events/overlayfs/enable" 2>/dev/null)" = 1 ] || sed 's/^/#   /' /tmp/watch.err
FAULTS_BEFORE_STOP='"$ovltrace" status "$m" >/tmp/status-wb.txt; "$ovltrace" --json status "$m" >/tmp/status-wb.json' \
	ovltrace="$ovltrace" bash "$top/ovltrace/tests/faults.sh" "$rec" >/tmp/faults.log 2>&1
rc=$?
check_sh "the fault sequence ran and trace-cmd recorded it" '[ "$rc" = 0 ] && [ -s "$rec/trace.dat" ]' ||
	sed 's/^/#   /' /tmp/faults.log
upper_dev=$(sed -n 's/^upper_dev //p' "$rec/expect")

"$ovltrace" --json report "$rec/trace.dat" >/tmp/report.json 2>/tmp/report.err
check "report exits 0" [ $? = 0 ] || sed 's/^/#   /' /tmp/report.err
"$ovltrace" report "$rec/trace.dat" >/tmp/report.txt
grep -E 'refused|wb_err|lost data' /tmp/report.txt | cut -c 1-150 | sed 's/^/#   /'

# Stop watch once it has printed as many events as the recording holds
# (it follows the same kernel buffer; 10 s at most).
events=$(grep -vc '"event":"summary"' /tmp/report.json)
for _ in $(seq 100); do
	[ "$(wc -l </tmp/watch.json)" -ge "$events" ] && break
	sleep 0.1
done
kill -INT "$watcher"
wait "$watcher"
check "watch exits 0 on SIGINT" [ $? = 0 ]
check "watch removed its tracefs instance" [ ! -e "$T/instances/ovltrace-$watcher" ]
sed 's/^/#   watch: /' /tmp/watch.err

# The facts faults.sh knows against what ovltrace decoded.
tap_run "the report and watch checker" python3 - "$rec/expect" /tmp/report.json /tmp/watch.json <<'PY'
import json, sys
expect = {}
refused = []
for line in open(sys.argv[1]):
    k, *v = line.split()
    if k == "refused":
        refused.append(v[0])
    else:
        expect[k] = v
def load(path):
    return [json.loads(l) for l in open(path)]
report, watch = load(sys.argv[2]), load(sys.argv[3])
def ok(cond, what):
    print(("ok" if cond else "not ok"), f"- {what}")
ev = [o for o in report if o["event"] != "summary"]
mism = [o for o in ev if o["event"] == "mismatch"]
ok([o["reason"] for o in mism] == refused,
   f"report names every refusal's reason in order: {[o['reason'] for o in mism]}")
ok(all(o["upper_dev"] == expect["upper_dev"][0] for o in mism),
   f"every refusal names the upper {expect['upper_dev'][0]}")
ok(all("discard" in o["explanation"] or "mount it" in o["explanation"] for o in mism),
   "every refusal's explanation says what to do")
es = [o for o in mism if o["reason"] == "errseq"][0]
lost = {f["ino"] for f in es["lost_files"]}
want = {int(i) for i in expect["lost_errseq"]}
ok(want <= lost, f"errseq refusal lists the inodes that lost data {sorted(want)} (listed {len(lost)})")
wb = [o for o in ev if o["event"] == "wb_err"]
ok(len(wb) == 1 and wb[0]["dev"] == expect["wb_err_dev"][0] and wb[0]["err_name"] == "EIO",
   "one wb_err event, for the mount that saw it, EIO")
lost = {f["ino"] for f in wb[0]["lost_files"]} if wb else set()
want = {int(i) for i in expect["lost_wb_err"]}
ok(want <= lost, f"wb_err lists the files written through the failing mount {sorted(want)}")
ok(not ({int(i) for i in expect["lost_errseq"]} & lost),
   "wb_err does not list failures from before its checkpoint")
ok(sum(o["event"] == "checkpoint" for o in ev) >= 9 and sum(o["event"] == "reuse" for o in ev) == 2,
   "report has the checkpoints and the two reuses (reuse, in_use)")
key = lambda o: (o["event"], o.get("reason"), o.get("dev"), o.get("upper_dev"), o.get("errseq"),
                 o.get("upper_instance_id"), o.get("saved_instance_id"), o.get("instance_id"))
wev = [o for o in watch if o["event"] != "summary"]
ok(list(map(key, wev)) == list(map(key, ev)),
   f"watch saw the same {len(ev)} events live as the recording ({len(wev)})")
ok(watch and watch[-1]["event"] == "summary", "watch ends with its summary")
wes = [o for o in wev if o.get("reason") == "errseq"]
ok(wes and {f["ino"] for f in wes[0]["lost_files"]} >= {int(i) for i in expect["lost_errseq"]},
   "watch lists the lost inodes live too")
PY

# --- status while the failing mount was up (from the FAULTS_BEFORE_STOP hook)
sed 's/^/#   /' /tmp/status-wb.txt
check "status PATH on the failed mount: reusable no, wb_err -5 (EIO) (REUSE on, where the kernel has it)" \
	grep -qE "^/tmp/faults-merged +0:[0-9]+ +volatile +(on +)?$upper_dev +no +no +-5 \(EIO\)" /tmp/status-wb.txt
check "status says to discard it" grep -q 'discard it' /tmp/status-wb.txt

# --- status against sysfs and mountinfo: four kinds of overlay at once
mkdir -p /tmp/s && mount -t tmpfs tmpfs /tmp/s
mkdir -p /tmp/s/{l,l2,u1,w1,u2,w2,u3,w3} /tmp/s/m{1,2,3,4} "/tmp/s/with space"
ovl-mount "lowerdir=/tmp/s/l,upperdir=/tmp/s/u1,workdir=/tmp/s/w1,volatile,volatile_reuse=on" /tmp/s/m1 >/dev/null
ovl-mount "lowerdir=/tmp/s/l,upperdir=/tmp/s/u2,workdir=/tmp/s/w2" /tmp/s/m2 >/dev/null
ovl-mount "lowerdir=/tmp/s/l,upperdir=/tmp/s/u3,workdir=/tmp/s/w3,fsync=strict" "/tmp/s/with space" >/dev/null
ovl-mount "lowerdir=/tmp/s/l:/tmp/s/l2" /tmp/s/m4 >/dev/null
"$ovltrace" status >/tmp/status.txt
rc=$?
"$ovltrace" --json status >/tmp/status.json
sed 's/^/#   /' /tmp/status.txt
check "status exits 0" [ "$rc" = 0 ]
tap_run "the status checker" python3 - /tmp/status.json <<'PY'
import json, os, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
mi = {}
for line in open("/proc/self/mountinfo"):
    f = line.split()
    fstype = f[f.index("-") + 1]
    if fstype == "overlay":
        mi.setdefault(f[2], []).append(f[4].replace("\\040", " "))
sysfs = sorted(d for d in os.listdir("/sys/fs/overlay") if ":" in d)
def attr(i, a):
    return open(f"/sys/fs/overlay/{i}/{a}").read().strip()
def ok(c, w):
    print(("ok" if c else "not ok"), "-", w)
ok(sorted(r["id"] for r in rows) == sysfs, f"--json status: one row per /sys/fs/overlay entry {sysfs}")
good = all(r["mountpoints"] == mi.get(r["id"], []) and r["fsync_mode"] == attr(r["id"], "fsync_mode")
           and (r["upper_dev"] or "") == attr(r["id"], "upper_dev")
           and r["reusable"] == (attr(r["id"], "reusable") == "1")
           and r["reused"] == (attr(r["id"], "reused") == "1")
           and r["wb_err"] == int(attr(r["id"], "wb_err"))
           and r["upper_instance_id"] == int(attr(r["id"], "upper_instance_id"))
           and r["errseq"] == attr(r["id"], "errseq")
           and r["volatile_reuse"] == (None if not os.path.exists(f"/sys/fs/overlay/{r['id']}/volatile_reuse")
                                       else attr(r["id"], "volatile_reuse") == "1")
           for r in rows)
ok(good, "--json status agrees with sysfs and mountinfo on every field")
modes = {r["mountpoint"]: (r["fsync_mode"], r["upper_dev"]) for r in rows}
ok(modes.get("/tmp/s/m1", ("",))[0] == "volatile" and modes.get("/tmp/s/m2", ("",))[0] == "auto"
   and modes.get("/tmp/s/with space", ("",))[0] == "strict" and modes.get("/tmp/s/m4") == ("auto", None),
   "volatile, auto, strict (mount point with a space) and lower-only rows")
PY
id1=$(stat -c '%Hd:%Ld' /tmp/s/m1)
"$ovltrace" status /tmp/s/m1/. "/tmp/s/with space" >/tmp/status-paths.txt
check "status PATH...: exit 0" [ $? = 0 ]
check_sh "status PATH...: only the overlays holding them" \
	'[ "$(grep -c "^/tmp/s/" /tmp/status-paths.txt)" = 2 ] &&
	grep -q "^/tmp/s/m1 .*$id1 .*volatile .*yes .*no .*0\$" /tmp/status-paths.txt &&
	grep -q "^/tmp/s/with space .*strict" /tmp/status-paths.txt'
echo data >/tmp/s/m1/file
check "status FILE inside an overlay finds its overlay" \
	[ "$("$ovltrace" --json status /tmp/s/m1/file | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')" = "$id1" ]
"$ovltrace" status /tmp/s/l 2>/tmp/err.txt
rc=$?
check_sh "status PATH not on an overlay: exit 8, says so" '[ "$rc" = 8 ] && grep -q "not on an overlay (it is on tmpfs)" /tmp/err.txt'

# --- the commands of docs/operators.md, as it shows them
"$ovltrace" status /tmp/s/m1/file >/tmp/status-file.txt
check_sh "docs: ovltrace status FILE shows the overlay holding it" \
	'[ "$(grep -c "^/tmp/s/" /tmp/status-file.txt)" = 1 ] && grep -q "^/tmp/s/m1 .*$id1 .*volatile " /tmp/status-file.txt'
"$ovltrace" --json status | jq 'select(.reusable == false and .fsync_mode == "volatile")' >/tmp/status-jq.json
rc=$?
check_sh "docs: the jq filter on --json status picks the volatile overlays that cannot be reused" \
	'[ "$rc" = 0 ] && [ "$(jq -r .id /tmp/status-jq.json | sort)" = "$(jq -r "select(.reusable == false and .fsync_mode == \"volatile\") | .id" /tmp/status.json | sort)" ]'
# The incident: record, refuse one upper, report.
mkdir -p /tmp/incident /tmp/s/u5 /tmp/s/w5 /tmp/s/m5
cd /tmp/incident || exit 1
trace-cmd record -e overlayfs -e filemap -e writeback -o node.dat >/tmp/incident.log 2>&1 &
recorder=$!
wait_recording "$T" "$recorder"
opts5="lowerdir=/tmp/s/l,upperdir=/tmp/s/u5,workdir=/tmp/s/w5,volatile,volatile_reuse=on"
ovl-mount "$opts5" /tmp/s/m5 >/dev/null && umount /tmp/s/m5
setfattr -x trusted.overlay.volatile /tmp/s/w5/work/incompat/volatile 2>/dev/null
ovl-mount "$opts5" /tmp/s/m5 >/tmp/incident-mount.txt 2>&1
check "docs: the volatile upper without its checkpoint is refused" grep -q '^error: ' /tmp/incident-mount.txt ||
	sed 's/^/#   /' /tmp/incident-mount.txt
kill -INT "$recorder"
wait "$recorder"
check "docs: trace-cmd record -e overlayfs -e filemap -e writeback -o node.dat" [ -s node.dat ] ||
	sed 's/^/#   /' /tmp/incident.log
"$ovltrace" report node.dat >/tmp/incident-report.txt
check "docs: ovltrace report node.dat explains the refusal" grep -qE '^ *[0-9]+\.[0-9]{6} refused ' /tmp/incident-report.txt ||
	sed 's/^/#   /' /tmp/incident-report.txt
"$ovltrace" --json report node.dat | jq 'select(.event == "mismatch") | {reason, lost: [.lost_files[]?.ino]}' >/tmp/incident-jq.json
reason=$(jq -r .reason /tmp/incident-jq.json)
check_sh "docs: the jq filter on --json report gives the refusal's reason ($reason)" \
	'[ -n "$reason" ] && [ "$reason" != null ] && grep -q "refused .*($reason\b" /tmp/incident-report.txt'
trace-cmd report -i node.dat >/tmp/incident-tc.txt 2>&1
check "docs: trace-cmd report -i node.dat shows the refusal with its reason" \
	grep -q "ovl_volatile_mismatch: .*reason=$reason " /tmp/incident-tc.txt
cd / || exit 1

# --- a recording whose buffer overflowed says that it lost events
# (a 4 KiB buffer per CPU and page cache churn: it does overflow)
mkdir -p /tmp/small /tmp/s/u6 /tmp/s/w6 /tmp/s/m6
(cd /tmp/small && exec trace-cmd record -b 4 -e overlayfs -e filemap -e writeback -o small.dat) >/tmp/small.log 2>&1 &
recorder=$!
wait_recording "$T" "$recorder"
opts6="lowerdir=/tmp/s/l,upperdir=/tmp/s/u6,workdir=/tmp/s/w6,volatile,volatile_reuse=on"
ovl-mount "$opts6" /tmp/s/m6 >/dev/null
for _ in $(seq 20); do
	dd if=/dev/zero of=/tmp/s/noise bs=1M count=16 status=none
	rm /tmp/s/noise
done
umount /tmp/s/m6
kill -INT "$recorder"
wait "$recorder"
"$ovltrace" report /tmp/small/small.dat >/tmp/small.txt 2>&1
"$ovltrace" --json report /tmp/small/small.dat >/tmp/small.json 2>&1
tail -n 1 /tmp/small.txt | sed 's/^/#   /'
check_sh "report of a recording that lost events says so (text and --json)" \
	'grep -qE "^summary: .*; the trace lost [0-9]+ events \(buffer overruns\)" /tmp/small.txt &&
	[ "$(tail -n 1 /tmp/small.json | jq .missed_events)" -gt 0 ]'

# --- valgrind on status (report is covered on the host)
if command -v valgrind >/dev/null; then
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 \
		"$ovltrace" --json status >/dev/null 2>/tmp/vg.txt
	check "valgrind --leak-check=full: status clean" [ $? = 0 ] || sed 's/^/#   /' /tmp/vg.txt
else
	tap_skip "valgrind --leak-check=full: status clean" "valgrind is not installed in the guest's root"
fi

# --- error paths on a real kernel
setpriv --reuid=65534 --regid=65534 --clear-groups "$ovltrace" watch --duration 1 2>/tmp/err.txt
rc=$?
check_sh "watch as nobody: exit 4, says root is needed" '[ "$rc" = 4 ] && grep -q "needs root" /tmp/err.txt'
setpriv --reuid=65534 --regid=65534 --clear-groups "$ovltrace" status >/dev/null
check "status works unprivileged" [ $? = 0 ]
umount /tmp/s/m1 /tmp/s/m2 "/tmp/s/with space" /tmp/s/m4
umount "$T"
"$ovltrace" watch --duration 1 2>/tmp/err.txt
rc=$?
check_sh "watch without tracefs: exit 3, says how to mount it" \
	'[ "$rc" = 3 ] && grep -q "mount -t tracefs nodev /sys/kernel/tracing" /tmp/err.txt'
mount -t tracefs nodev "$T"
modprobe -r overlay
"$ovltrace" watch --duration 1 2>/tmp/err.txt
rc=$?
check_sh "watch without the overlay module: exit 5, says to load it" '[ "$rc" = 5 ] && grep -q "modprobe overlay" /tmp/err.txt'
"$ovltrace" status 2>/tmp/err.txt
rc=$?
check_sh "status without the overlay module: exit 5, says why" '[ "$rc" = 5 ] && grep -q "modprobe overlay" /tmp/err.txt'
modprobe overlay
check "no ovltrace instance left behind" bash -c 'shopt -s nullglob; set -- "$0"/instances/ovltrace-*; [ $# = 0 ]' "$T"
tap_done
