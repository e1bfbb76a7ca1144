// SPDX-License-Identifier: GPL-2.0
/*
 * The overlayfs events in words. Each event becomes one line (or one JSON
 * object) saying what happened and what to do; a refusal for a writeback
 * error, and a writeback error seen by a mount, also list the inodes of the
 * upper filesystem whose writeback failed (filemap:filemap_set_wb_err) since
 * the mount's checkpoint: the files that lost data.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"

enum ovl_kind {
	OVL_EV_CHECKPOINT,
	OVL_EV_REUSE,
	OVL_EV_MISMATCH,
	OVL_EV_WB_ERR,
	OVL_EV_SET_WB_ERR,	/* filemap:filemap_set_wb_err, not ours */
	OVL_EV_NR,
};

/* Field names of the events; every field an event lists must exist. */
enum ovl_field {
	F_DEV, F_UPPER_DEV, F_UPPER_INSTANCE_ID, F_ERRSEQ, F_REASON,
	F_SAVED_INSTANCE_ID, F_INSTANCE_ID, F_SAVED_ERRSEQ, F_CUR_ERRSEQ,
	F_ERR, F_S_DEV, F_I_INO, F_NR,
};

static const char *const field_names[F_NR] = {
	[F_DEV] = "dev", [F_UPPER_DEV] = "upper_dev",
	[F_UPPER_INSTANCE_ID] = "upper_instance_id", [F_ERRSEQ] = "errseq",
	[F_REASON] = "reason", [F_SAVED_INSTANCE_ID] = "saved_instance_id",
	[F_INSTANCE_ID] = "instance_id", [F_SAVED_ERRSEQ] = "saved_errseq",
	[F_CUR_ERRSEQ] = "cur_errseq", [F_ERR] = "err", [F_S_DEV] = "s_dev",
	[F_I_INO] = "i_ino",
};

static const struct ovl_event_desc {
	const char *system;
	const char *name;
	const char *label;	/* the event's name in ovltrace's output */
	enum ovl_field fields[8];
	int nr_fields;
} descs[OVL_EV_NR] = {
	[OVL_EV_CHECKPOINT] = { "overlayfs", "ovl_volatile_checkpoint", "checkpoint",
		{ F_DEV, F_UPPER_DEV, F_UPPER_INSTANCE_ID, F_ERRSEQ }, 4 },
	[OVL_EV_REUSE] = { "overlayfs", "ovl_volatile_reuse", "reuse",
		{ F_DEV, F_UPPER_DEV, F_UPPER_INSTANCE_ID, F_ERRSEQ }, 4 },
	[OVL_EV_MISMATCH] = { "overlayfs", "ovl_volatile_mismatch", "mismatch",
		{ F_UPPER_DEV, F_REASON, F_SAVED_INSTANCE_ID, F_INSTANCE_ID,
		  F_SAVED_ERRSEQ, F_ERRSEQ, F_ERR }, 7 },
	[OVL_EV_WB_ERR] = { "overlayfs", "ovl_volatile_wb_err", "wb_err",
		{ F_DEV, F_UPPER_DEV, F_ERRSEQ, F_CUR_ERRSEQ, F_ERR }, 5 },
	[OVL_EV_SET_WB_ERR] = { "filemap", "filemap_set_wb_err", "set_wb_err",
		{ F_S_DEV, F_I_INO, F_ERRSEQ }, 3 },
};

/*
 * What each refusal reason means and what to do: ovltrace.8 and
 * docs/operators.md say the same, and tests/host/ovltrace.sh checks that
 * every name here is in both. The first seven are the v1 series' (and the
 * fixtures'); the others came with v2 (volatile_reuse=on). Names, not
 * numbers: a recording's own print format maps its numbers to names.
 */
static const struct ovl_reason {
	const char *reason;
	const char *explain;
} reasons[] = {
	{ "missing", "the checkpoint xattr is missing from work/incompat/volatile "
	  "(left by a kernel without this feature, or removed): nothing proves "
	  "the upper is intact; discard this upper" },
	{ "corrupt", "the checkpoint is malformed (wrong size or length): it "
	  "cannot be trusted; discard this upper" },
	{ "version", "the checkpoint has a version this kernel does not know "
	  "(written by a newer kernel?): mount it on that kernel or discard "
	  "this upper" },
	{ "boot_id", "the checkpoint is from another boot or another load of "
	  "the overlay module: unsynced data may have been lost in between; "
	  "discard this upper" },
	{ "instance", "the upper filesystem was unmounted and mounted again "
	  "since the checkpoint: unsynced data may have been dropped; discard "
	  "this upper" },
	{ "errseq", "the upper filesystem had a writeback error since the "
	  "checkpoint: data written through the volatile mount may be lost; "
	  "discard this upper" },
	{ "not_volatile", "a volatile upper was mounted without 'volatile': a "
	  "durable mount cannot vouch for it; mount it volatile again to reuse "
	  "it, or discard it" },
	{ "upperdir", "the checkpoint belongs to another upper directory (this "
	  "workdir was checkpointed with a different upperdir): it says nothing "
	  "about this one; discard this upper and its workdir" },
	{ "metadata", "the upper's block device had a writeback error since the "
	  "checkpoint (metadata such as inode tables, bitmaps or directory "
	  "blocks may be lost): discard this upper" },
	{ "in_use", "the upperdir or workdir is in use by another live overlay "
	  "mount (EBUSY): the upper is not stale, do NOT discard it; unmount "
	  "the other overlay first, then mount again" },
	{ "unreadable", "the work dir or the checkpoint could not be read (the "
	  "mount failed with that error, e.g. EIO from a shut-down upper, EROFS "
	  "from one that turned read-only after an error, EACCES): nothing was "
	  "decided about the upper; check the upper filesystem (dmesg, fsck) "
	  "before reusing or discarding it" },
	{ "not_enabled", "a volatile upper was mounted volatile but without "
	  "volatile_reuse=on (EINVAL, as upstream): mount it with "
	  "-o volatile,volatile_reuse=on to reuse it, or discard it" },
};

const char *ovl_reason_explain(const char *reason)
{
	size_t i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (!strcmp(reasons[i].reason, reason))
			return reasons[i].explain;
	return NULL;
}

const char *ovl_reason_name_at(size_t i)
{
	return i < sizeof(reasons) / sizeof(reasons[0]) ? reasons[i].reason : NULL;
}

/* ovltrace reasons [REASON...]: the table above, all of it or by name. */
int ovltrace_reasons(const struct ovltrace_opts *opts, char **names, int nr)
{
	const char *name, *why;
	struct json j;
	size_t i;
	int k;

	for (k = 0; k < nr; k++)
		if (!ovl_reason_explain(names[k]))
			return ovltrace_fail(OVLTRACE_USAGE,
				"unknown reason '%s' ('ovltrace reasons' lists them)", names[k]);
	for (i = 0; (name = ovl_reason_name_at(i)); i++) {
		for (k = 0; k < nr && strcmp(names[k], name); k++)
			;
		if (nr && k == nr)
			continue;
		why = ovl_reason_explain(name);
		if (opts->json) {
			json_begin(&j, stdout);
			json_str(&j, "reason", name);
			json_str(&j, "explanation", why);
			json_end(&j);
		} else {
			printf("%-13s %s\n", name, why);
		}
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		return ovltrace_fail(OVLTRACE_ERR, "cannot write the output");
	return OVLTRACE_OK;
}

/* One inode of an upper fs whose writeback failed. */
struct ovl_failed {
	unsigned long long dev, ino, first_ts, last_ts;
	unsigned long count;
};

/* Checkpoints and reuses seen, to know since when a mount's data counts. */
struct ovl_mark {
	unsigned long long ts, dev, upper_dev, instance;
};

/* What a follower is registered with: the decoder and the event's kind. */
struct ovl_follower {
	struct ovl_decoder *d;
	int kind;
};

struct ovl_decoder {
	const struct ovltrace_opts *opts;
	FILE *out;
	struct ovl_follower follower[OVL_EV_NR];
	struct ovl_failed *failed;
	size_t nr_failed, max_failed;
	struct ovl_mark *marks;
	size_t nr_marks, max_marks;
	unsigned long long first_ts;
	bool have_first_ts;
	unsigned long nr_records;
	/* events the ring buffer dropped before the records we got (a record
	 * with an unknown count counts one) */
	unsigned long long missed;
	unsigned long count[OVL_EV_NR];
	/* refusals by reason, in the order the reasons first came */
	struct ovl_reason_count {
		const char *name;
		unsigned long count;
	} *by_reason;
	size_t nr_reasons, max_reasons;
	int err;	/* ENOMEM, or EIO: the output could not be written */
};

struct ovl_decoder *ovl_decoder_new(const struct ovltrace_opts *opts, FILE *out)
{
	struct ovl_decoder *d = calloc(1, sizeof(*d));
	int i;

	if (!d)
		return NULL;
	d->opts = opts;
	d->out = out;
	for (i = 0; i < OVL_EV_NR; i++)
		d->follower[i] = (struct ovl_follower){ d, i };
	return d;
}

void ovl_decoder_free(struct ovl_decoder *d)
{
	if (!d)
		return;
	free(d->failed);
	free(d->marks);
	free(d->by_reason);
	free(d);
}

int ovl_check_tep(struct tep_handle *tep)
{
	int i, k, nr = 0;

	for (i = 0; i < OVL_EV_NR; i++) {
		struct tep_event *event;

		event = tep_find_event_by_name(tep, descs[i].system, descs[i].name);
		if (!event)
			continue;
		for (k = 0; k < descs[i].nr_fields; k++) {
			enum ovl_field fi = descs[i].fields[k];

			if (!tep_find_field(event, field_names[fi])) {
				ovltrace_fail(-1,
					"event %s:%s has no field '%s': its format is not the one ovltrace knows",
					descs[i].system, descs[i].name, field_names[fi]);
				return -EPROTO;
			}
		}
		if (i != OVL_EV_SET_WB_ERR)
			nr++;
	}
	return nr;
}

bool ovl_decoder_follower(struct ovl_decoder *d, size_t i, const char **system,
			  const char **name, void **data)
{
	if (i >= OVL_EV_NR)
		return false;
	*system = descs[i].system;
	*name = descs[i].name;
	*data = &d->follower[i];
	return true;
}

/* Field FI of REC, by name (ovl_check_tep() saw that EVENT has it). */
static unsigned long long ovl_val(struct tep_event *event, enum ovl_field fi,
				  struct tep_record *rec)
{
	struct tep_format_field *field = tep_find_field(event, field_names[fi]);
	unsigned long long val = 0;

	if (field)
		tep_read_number_field(field, rec->data, &val);
	return val;
}

/*
 * The name of reason VAL in the __print_symbolic() of EVENT's print format
 * (the recording's own names), NULL when it has none.
 */
static const char *ovl_reason_name(struct tep_event *event, unsigned long long val)
{
	struct tep_print_arg *arg;
	struct tep_print_flag_sym *sym;
	unsigned long long v;
	char *end;

	for (arg = event->print_fmt.args; arg; arg = arg->next) {
		if (arg->type != TEP_PRINT_SYMBOL)
			continue;
		for (sym = arg->symbol.symbols; sym; sym = sym->next) {
			errno = 0;
			v = strtoull(sym->value, &end, 0);
			if (!errno && !*end && v == val)
				return sym->str;
		}
	}
	return NULL;
}

static int ovl_count_reason(struct ovl_decoder *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->nr_reasons; i++)
		if (!strcmp(d->by_reason[i].name, name))
			break;
	if (i == d->nr_reasons) {
		if (d->nr_reasons == d->max_reasons) {
			size_t max = d->max_reasons ? 2 * d->max_reasons : 4;
			struct ovl_reason_count *r = realloc(d->by_reason, max * sizeof(*r));

			if (!r)
				return -1;
			d->by_reason = r;
			d->max_reasons = max;
		}
		d->by_reason[d->nr_reasons++] = (struct ovl_reason_count){ name, 0 };
	}
	d->by_reason[i].count++;
	return 0;
}

static int ovl_add_failed(struct ovl_decoder *d, unsigned long long dev,
			  unsigned long long ino, unsigned long long ts)
{
	struct ovl_failed *fl;

	/* Kept one per event (they are rare: only failures are traced) and
	 * folded per inode when a refusal lists them. */
	if (d->nr_failed == d->max_failed) {
		size_t max = d->max_failed ? 2 * d->max_failed : 64;

		fl = realloc(d->failed, max * sizeof(*fl));
		if (!fl)
			return -1;
		d->failed = fl;
		d->max_failed = max;
	}
	fl = &d->failed[d->nr_failed++];
	*fl = (struct ovl_failed){ dev, ino, ts, ts, 1 };
	return 0;
}

static int ovl_add_mark(struct ovl_decoder *d, unsigned long long ts,
			unsigned long long dev, unsigned long long upper_dev,
			unsigned long long instance)
{
	if (d->nr_marks == d->max_marks) {
		size_t max = d->max_marks ? 2 * d->max_marks : 64;
		struct ovl_mark *m = realloc(d->marks, max * sizeof(*m));

		if (!m)
			return -1;
		d->marks = m;
		d->max_marks = max;
	}
	d->marks[d->nr_marks++] = (struct ovl_mark){ ts, dev, upper_dev, instance };
	return 0;
}

/*
 * Since when do writeback failures on UPPER count against a mount: its
 * latest checkpoint or reuse (matched by overlay DEV, or by upper instance
 * for a refusal, whose overlay no longer exists). 0: before the recording.
 */
static unsigned long long ovl_since(struct ovl_decoder *d, bool by_dev,
				    unsigned long long dev,
				    unsigned long long upper,
				    unsigned long long instance)
{
	size_t i = d->nr_marks;

	while (i--) {
		struct ovl_mark *m = &d->marks[i];

		if (m->upper_dev != upper)
			continue;
		if (by_dev ? m->dev == dev : m->instance == instance)
			return m->ts;
	}
	return 0;
}

static void ovl_ts(char *buf, size_t len, unsigned long long ts)
{
	snprintf(buf, len, "%llu.%06llu", ts / 1000000000ULL,
		 (ts % 1000000000ULL) / 1000);
}

static int ovl_cmp_failed(const void *a, const void *b)
{
	const struct ovl_failed *x = a, *y = b;

	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return x->first_ts < y->first_ts ? -1 : x->first_ts > y->first_ts;
}

static int ovl_cmp_first(const void *a, const void *b)
{
	const struct ovl_failed *x = a, *y = b;

	return x->first_ts < y->first_ts ? -1 : x->first_ts > y->first_ts;
}

/*
 * One overlayfs record, decoded once: what both printers (text and JSON)
 * render. Fields an event does not have stay 0.
 */
struct ovl_event {
	int kind;
	unsigned long long ts;
	int cpu;
	unsigned long long dev, upper_dev;
	unsigned long long upper_instance_id;	/* checkpoint, reuse */
	unsigned long long errseq;
	unsigned long long cur_errseq;		/* wb_err */
	/* mismatch */
	unsigned long long reason_code, saved_instance_id, instance_id;
	unsigned long long saved_errseq;
	const char *reason;	/* NULL: not in the recording's format */
	int err;		/* mismatch, wb_err */
	/* wb_err and errseq refusals: which files lost data */
	bool lists_lost;
	bool wb_failures_traced;
	unsigned long long missed_before;	/* events the buffer dropped before this one */
	struct ovl_failed *lost;	/* one per inode, in the order they failed */
	size_t nr_lost;
};

static void ovl_decode(struct tep_event *f, int kind, struct tep_record *rec,
		       struct ovl_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->ts = rec->ts;
	ev->cpu = rec->cpu;
	ev->upper_dev = ovl_val(f, F_UPPER_DEV, rec);
	ev->errseq = ovl_val(f, F_ERRSEQ, rec);
	switch (kind) {
	case OVL_EV_CHECKPOINT:
	case OVL_EV_REUSE:
		ev->dev = ovl_val(f, F_DEV, rec);
		ev->upper_instance_id = ovl_val(f, F_UPPER_INSTANCE_ID, rec);
		break;
	case OVL_EV_WB_ERR:
		ev->dev = ovl_val(f, F_DEV, rec);
		ev->cur_errseq = ovl_val(f, F_CUR_ERRSEQ, rec);
		ev->err = (int)(long long)ovl_val(f, F_ERR, rec);
		break;
	default: /* OVL_EV_MISMATCH */
		ev->reason_code = ovl_val(f, F_REASON, rec);
		ev->reason = ovl_reason_name(f, ev->reason_code);
		ev->saved_instance_id = ovl_val(f, F_SAVED_INSTANCE_ID, rec);
		ev->instance_id = ovl_val(f, F_INSTANCE_ID, rec);
		ev->saved_errseq = ovl_val(f, F_SAVED_ERRSEQ, rec);
		ev->err = (int)(long long)ovl_val(f, F_ERR, rec);
		break;
	}
	ev->lists_lost = kind == OVL_EV_WB_ERR ||
		(kind == OVL_EV_MISMATCH && ev->reason && !strcmp(ev->reason, "errseq"));
	ev->wb_failures_traced = tep_find_event_by_name(f->tep, descs[OVL_EV_SET_WB_ERR].system,
							descs[OVL_EV_SET_WB_ERR].name) != NULL;
}

/*
 * The inodes of EV's upper whose writeback failed between SINCE and EV, one
 * per inode (first failure, last failure, how many), in the order they
 * first failed.
 */
static int ovl_lost_files(struct ovl_decoder *d, struct ovl_event *ev,
			  unsigned long long since)
{
	struct ovl_failed *sel;
	size_t i, n = 0, k = 0;

	sel = malloc((d->nr_failed ? d->nr_failed : 1) * sizeof(*sel));
	if (!sel)
		return -1;
	for (i = 0; i < d->nr_failed; i++)
		if (d->failed[i].dev == ev->upper_dev && d->failed[i].first_ts >= since &&
		    d->failed[i].first_ts <= ev->ts)
			sel[n++] = d->failed[i];
	qsort(sel, n, sizeof(*sel), ovl_cmp_failed);
	for (i = 0; i < n; i++) {
		if (k && sel[k - 1].ino == sel[i].ino) {
			sel[k - 1].last_ts = sel[i].first_ts;
			sel[k - 1].count++;
		} else {
			sel[k++] = sel[i];
		}
	}
	qsort(sel, k, sizeof(*sel), ovl_cmp_first);
	ev->lost = sel;
	ev->nr_lost = k;
	return 0;
}

/*
 * What the decoder learns from an event: checkpoints and reuses mark since
 * when a mount's writeback failures count, refusals are counted by
 * reason, and an event that lists lost files gets them.
 */
static int ovl_update(struct ovl_decoder *d, struct ovl_event *ev)
{
	unsigned long long since;

	if (ev->kind == OVL_EV_CHECKPOINT || ev->kind == OVL_EV_REUSE) {
		if (ovl_add_mark(d, ev->ts, ev->dev, ev->upper_dev, ev->upper_instance_id))
			return -1;
	}
	if (ev->kind == OVL_EV_MISMATCH &&
	    ovl_count_reason(d, ev->reason ? ev->reason : "unknown"))
		return -1;
	if (!ev->lists_lost)
		return 0;
	ev->missed_before = d->missed;
	/* Writeback failures on the upper since the mount's checkpoint (or
	 * since the recording began). */
	if (ev->kind == OVL_EV_WB_ERR)
		since = ovl_since(d, true, ev->dev, ev->upper_dev, 0);
	else
		since = ovl_since(d, false, 0, ev->upper_dev, ev->saved_instance_id);
	return ovl_lost_files(d, ev, since);
}

/* The event in words: what happened and what to do (malloc'd; NULL: no memory). */
static char *ovl_explain(const struct ovl_event *ev)
{
	char devs[32], uppers[32], *buf;
	const char *why;
	int n;

	ovl_devname(devs, sizeof(devs), ev->dev);
	ovl_devname(uppers, sizeof(uppers), ev->upper_dev);
	switch (ev->kind) {
	case OVL_EV_CHECKPOINT:
		n = asprintf(&buf,
			 "volatile overlay %s on upper %s checkpointed (upper instance %llu, errseq 0x%08llx): "
			 "it can be mounted again without a sync in this boot while the upper stays mounted and error-free",
			 devs, uppers, ev->upper_instance_id, ev->errseq);
		return n < 0 ? NULL : buf;
	case OVL_EV_REUSE:
		n = asprintf(&buf,
			 "volatile overlay %s reused its upper on %s without a sync: the checkpoint held "
			 "(same boot, upper instance %llu, no writeback error since errseq 0x%08llx)",
			 devs, uppers, ev->upper_instance_id, ev->errseq);
		return n < 0 ? NULL : buf;
	case OVL_EV_WB_ERR:
		n = asprintf(&buf,
			 "volatile overlay %s: writeback to its upper %s failed (%s; errseq 0x%08llx, now 0x%08llx): "
			 "data written through this mount may be lost and it will not be reused; "
			 "after unmounting, discard the upper",
			 devs, uppers, ovl_errname(ev->err), ev->errseq, ev->cur_errseq);
		return n < 0 ? NULL : buf;
	}
	why = ev->reason ? ovl_reason_explain(ev->reason) : NULL;
	if (!why)
		why = "a reason this version of ovltrace does not know; discard this upper";
	if (ev->reason && !strcmp(ev->reason, "instance"))
		n = asprintf(&buf, "volatile upper on %s refused (instance %llu, now %llu): %s",
			 uppers, ev->saved_instance_id, ev->instance_id, why);
	else if (ev->reason && (!strcmp(ev->reason, "errseq") || !strcmp(ev->reason, "metadata")))
		n = asprintf(&buf, "volatile upper on %s refused (%s 0x%08llx, now 0x%08llx): %s",
			 uppers, ev->reason, ev->saved_errseq, ev->errseq, why);
	else if (ev->err)
		n = asprintf(&buf, "volatile upper on %s refused (%s, %s): %s", uppers,
			 ev->reason ? ev->reason : "unknown", ovl_errname(ev->err), why);
	else
		n = asprintf(&buf, "volatile upper on %s refused (%s): %s", uppers,
			 ev->reason ? ev->reason : "unknown", why);
	return n < 0 ? NULL : buf;
}

static void ovl_print_text(struct ovl_decoder *d, const struct ovl_event *ev,
			   const char *explain)
{
	char ts[32], dev[32];
	size_t i;

	ovl_ts(ts, sizeof(ts), ev->ts);
	fprintf(d->out, "%16s %-10s %s\n", ts,
		ev->kind == OVL_EV_MISMATCH ? "refused" : descs[ev->kind].label, explain);
	if (!ev->lists_lost)
		return;
	ovl_devname(dev, sizeof(dev), ev->upper_dev);
	for (i = 0; i < ev->nr_lost; i++) {
		const struct ovl_failed *fl = &ev->lost[i];

		ovl_ts(ts, sizeof(ts), fl->first_ts);
		fprintf(d->out,
			"%17s lost data: inode %llu (0x%llx) on %s, writeback failed at %s",
			"", fl->ino, fl->ino, dev, ts);
		if (fl->count > 1) {
			ovl_ts(ts, sizeof(ts), fl->last_ts);
			fprintf(d->out, " (%lu failures, last at %s)", fl->count, ts);
		}
		fputc('\n', d->out);
	}
	if (ev->nr_lost)
		fprintf(d->out,
			"%17s (paths: find <mount point of %s> -xdev -inum INODE)\n",
			"", dev);
	else if (ev->wb_failures_traced)
		fprintf(d->out,
			"%17s no inode of %s failed writeback in the trace since the checkpoint\n",
			"", dev);
	else
		fprintf(d->out,
			"%17s (the trace has no filemap:filemap_set_wb_err events: trace with -e filemap to see which files lost data)\n",
			"");
	if (ev->missed_before)
		fprintf(d->out,
			"%17s (the trace lost %llu events before this one: more files may have lost data)\n",
			"", ev->missed_before);
}

static void ovl_json_hex(struct json *j, const char *key, unsigned long long val)
{
	char hex[24];	/* "0x" and up to 16 digits */

	snprintf(hex, sizeof(hex), "0x%08llx", val);
	json_str(j, key, hex);
}

static void ovl_print_json(struct ovl_decoder *d, const struct ovl_event *ev,
			   const char *explain)
{
	char ts[32], devs[32], uppers[32];
	struct json j;
	size_t i;

	ovl_ts(ts, sizeof(ts), ev->ts);
	ovl_devname(devs, sizeof(devs), ev->dev);
	ovl_devname(uppers, sizeof(uppers), ev->upper_dev);
	json_begin(&j, d->out);
	json_str(&j, "ts", ts);
	json_u64(&j, "ts_ns", ev->ts);
	json_i64(&j, "cpu", ev->cpu);
	json_str(&j, "event", descs[ev->kind].label);
	if (ev->kind == OVL_EV_MISMATCH) {
		json_str(&j, "upper_dev", uppers);
		if (ev->reason)
			json_str(&j, "reason", ev->reason);
		else
			json_null(&j, "reason");
		json_u64(&j, "reason_code", ev->reason_code);
		json_u64(&j, "saved_instance_id", ev->saved_instance_id);
		json_u64(&j, "instance_id", ev->instance_id);
		ovl_json_hex(&j, "saved_errseq", ev->saved_errseq);
		ovl_json_hex(&j, "errseq", ev->errseq);
		json_i64(&j, "err", ev->err);
		if (ev->err)
			json_str(&j, "err_name", ovl_errname(ev->err));
		else
			json_null(&j, "err_name");
	} else {
		json_str(&j, "dev", devs);
		json_str(&j, "upper_dev", uppers);
		if (ev->kind != OVL_EV_WB_ERR)
			json_u64(&j, "upper_instance_id", ev->upper_instance_id);
		ovl_json_hex(&j, "errseq", ev->errseq);
		if (ev->kind == OVL_EV_WB_ERR) {
			ovl_json_hex(&j, "cur_errseq", ev->cur_errseq);
			json_i64(&j, "err", ev->err);
			json_str(&j, "err_name", ovl_errname(ev->err));
		}
	}
	json_str(&j, "explanation", explain);
	if (ev->lists_lost) {
		json_bool(&j, "wb_failures_traced", ev->wb_failures_traced);
		json_key(&j, "lost_files");
		fputc('[', d->out);
		for (i = 0; i < ev->nr_lost; i++) {
			const struct ovl_failed *fl = &ev->lost[i];

			fprintf(d->out,
				"%s{\"ino\":%llu,\"first_ts_ns\":%llu,\"last_ts_ns\":%llu,\"failures\":%lu}",
				i ? "," : "", fl->ino, fl->first_ts, fl->last_ts, fl->count);
		}
		fputc(']', d->out);
		if (ev->missed_before)
			json_bool(&j, "lost_files_incomplete", true);
	}
	json_end(&j);
}

void ovl_decoder_missed(struct ovl_decoder *d, struct tep_record *rec)
{
	if (rec->missed_events)
		d->missed += rec->missed_events > 0 ? (unsigned long long)rec->missed_events : 1;
}

void ovl_decoder_count(struct ovl_decoder *d)
{
	d->nr_records++;
}

int ovl_decoder_event(void *follower, struct tep_event *event, struct tep_record *rec)
{
	struct ovl_follower *fw = follower;
	struct ovl_decoder *d = fw->d;
	int kind = fw->kind;
	struct ovl_event ev;
	char *explain;

	if (!d->have_first_ts) {
		d->first_ts = rec->ts;
		d->have_first_ts = true;
	}
	d->count[kind]++;
	if (kind == OVL_EV_SET_WB_ERR) {
		if (ovl_add_failed(d, ovl_val(event, F_S_DEV, rec),
				   ovl_val(event, F_I_INO, rec), rec->ts)) {
			d->err = ENOMEM;
			return -1;
		}
		return 0;
	}
	ovl_decode(event, kind, rec, &ev);
	explain = NULL;
	if (ovl_update(d, &ev) || !(explain = ovl_explain(&ev))) {
		free(ev.lost);
		d->err = ENOMEM;
		return -1;
	}
	if (d->opts->json)
		ovl_print_json(d, &ev, explain);
	else
		ovl_print_text(d, &ev, explain);
	free(explain);
	free(ev.lost);
	if (fflush(d->out) == EOF || ferror(d->out)) {
		d->err = EIO;
		return -1;
	}
	return 0;
}

int ovl_decoder_error(const struct ovl_decoder *d)
{
	return d->err;
}

unsigned long ovl_decoder_nr_events(const struct ovl_decoder *d)
{
	return d->count[OVL_EV_CHECKPOINT] + d->count[OVL_EV_REUSE] +
		d->count[OVL_EV_MISMATCH] + d->count[OVL_EV_WB_ERR];
}

int ovl_decoder_summary(struct ovl_decoder *d, const char *source)
{
	struct json j;
	size_t i;

	if (d->opts->json) {
		json_begin(&j, d->out);
		json_str(&j, "event", "summary");
		json_str(&j, "source", source);
		json_u64(&j, "records", d->nr_records);
		json_u64(&j, "events", ovl_decoder_nr_events(d));
		json_u64(&j, "checkpoints", d->count[OVL_EV_CHECKPOINT]);
		json_u64(&j, "reuses", d->count[OVL_EV_REUSE]);
		json_u64(&j, "refusals", d->count[OVL_EV_MISMATCH]);
		json_u64(&j, "wb_errors", d->count[OVL_EV_WB_ERR]);
		json_u64(&j, "wb_failures", d->count[OVL_EV_SET_WB_ERR]);
		if (d->missed)
			json_u64(&j, "missed_events", d->missed);
		json_key(&j, "refusals_by_reason");
		fputc('{', d->out);
		for (i = 0; i < d->nr_reasons; i++) {
			fprintf(d->out, "%s", i ? "," : "");
			json_write_string(d->out, d->by_reason[i].name);
			fprintf(d->out, ":%lu", d->by_reason[i].count);
		}
		fputc('}', d->out);
		json_end(&j);
	} else {
		fprintf(d->out,
			"summary: %lu overlayfs events in %lu records of %s: checkpoint %lu, reuse %lu, refused %lu",
			ovl_decoder_nr_events(d), d->nr_records, source,
			d->count[OVL_EV_CHECKPOINT], d->count[OVL_EV_REUSE],
			d->count[OVL_EV_MISMATCH]);
		for (i = 0; i < d->nr_reasons; i++)
			fprintf(d->out, "%s%s %lu", i ? ", " : " (",
				d->by_reason[i].name, d->by_reason[i].count);
		fprintf(d->out, "%s, wb_err %lu",
			d->nr_reasons ? ")" : "", d->count[OVL_EV_WB_ERR]);
		if (d->nr_failed)
			fprintf(d->out, "; %lu inode writeback failures traced",
				d->count[OVL_EV_SET_WB_ERR]);
		if (d->missed)
			fprintf(d->out, "; the trace lost %llu events (buffer overruns): events and lost files may be missing",
				d->missed);
		fputc('\n', d->out);
	}
	if (fflush(d->out) == EOF || ferror(d->out)) {
		d->err = EIO;
		return -1;
	}
	return 0;
}
