/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Decoding and explaining the overlayfs events, shared by watch (live
 * tracefs) and report (trace.dat). Fields are found by name through
 * libtraceevent, never by offset, so a recording from another kernel build
 * decodes as long as it has the same field names.
 */
#ifndef OVLTRACE_EVENTS_H
#define OVLTRACE_EVENTS_H

#include <event-parse.h>
#include "ovltrace.h"

struct ovl_decoder;

struct ovl_decoder *ovl_decoder_new(const struct ovltrace_opts *opts, FILE *out);
void ovl_decoder_free(struct ovl_decoder *d);

/*
 * Check the formats of TEP's events that ovltrace decodes. Returns the
 * number of overlayfs events it has (0: the kernel or recording has none),
 * or -EPROTO with a message when one of them lacks a field ovltrace needs.
 */
int ovl_check_tep(struct tep_handle *tep);

/*
 * The I-th event the decoder follows (SYSTEM:NAME, false past the last)
 * and the DATA to register it with: the callers hand these to
 * tracecmd_follow_event()/tracefs_follow_event(), whose callbacks pass
 * DATA and the record to ovl_decoder_event().
 */
bool ovl_decoder_follower(struct ovl_decoder *d, size_t i, const char **system,
			  const char **name, void **data);

/*
 * Decode one record of a followed event. -1: out of memory or the output
 * failed (ovl_decoder_error() says which).
 */
int ovl_decoder_event(void *data, struct tep_event *event, struct tep_record *rec);

/* The events the buffer dropped before REC (tracecmd/tracefs_follow_missed_events). */
void ovl_decoder_missed(struct ovl_decoder *d, struct tep_record *rec);

/* One more record read, of any event (for the summary). */
void ovl_decoder_count(struct ovl_decoder *d);

/* Overlayfs events decoded so far. */
unsigned long ovl_decoder_nr_events(const struct ovl_decoder *d);

/* The closing summary line (or JSON object). -1: output failed. */
int ovl_decoder_summary(struct ovl_decoder *d, const char *source);

/* Why the decoder failed: 0 (it did not), ENOMEM, or EIO (the output). */
int ovl_decoder_error(const struct ovl_decoder *d);

/* The one-line explanation of a refusal reason by name (NULL: unknown). */
const char *ovl_reason_explain(const char *reason);

/* The name of the I-th reason ovltrace explains (NULL past the last). */
const char *ovl_reason_name_at(size_t i);

#endif
