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
 * Learn the event formats of TEP (once per tep). Returns the number of
 * overlayfs events it has (0: the kernel or recording has none),
 * -EPROTO with a message when one of them lacks a field ovltrace needs,
 * or -ENOMEM.
 */
int ovl_decoder_add_tep(struct ovl_decoder *d, struct tep_handle *tep);

/*
 * Decode one record; records of other events only count. -1: out of
 * memory or the output failed (ovl_decoder_error() says which).
 */
int ovl_decoder_record(struct ovl_decoder *d, struct tep_handle *tep,
		       struct tep_record *rec);

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
