#include "core/compat.h"
#include "profile/diff.h"
#include "core/strbuf.h"
#include "core/vec.h"

/* s/0x[0-9a-fA-F]+/0x.../g */
static void strip_hex(struct strbuf *dst, const char *s, size_t len)
{
	size_t i = 0;

	strbuf_reset(dst);
	while (i < len) {
		if (i + 2 < len && s[i] == '0' && s[i + 1] == 'x' &&
		    isxdigit((unsigned char)s[i + 2])) {
			strbuf_addstr(dst, "0x...");
			i += 2;
			while (i < len && isxdigit((unsigned char)s[i]))
				i++;
			continue;
		}
		strbuf_addch(dst, s[i++]);
	}
}

/*
 * The index of the first frame of stack f[0..depth) to keep after its
 * root (f[0], the thread) with DIFF_FROM_ENTRY: the first entry frame
 * from the leaf, as perfops record ends its stacks, so that perf's DWARF
 * stacks ("_start;__libc_start_main_impl;__libc_start_call_main;main")
 * pair with record's ("__libc_start_call_main;main").  Returns 1 (keep
 * all) when the stack has no entry frame.
 */
static size_t entry_index(const struct profile *in, const uint32_t *f,
			  size_t depth)
{
	size_t i;

	for (i = depth; i > 1; i--)
		if (profile_is_root_frame(profile_frame_name(in, f[i - 1])))
			return i - 1;
	return 1;
}

/* With t1 > 0 and t2 >= 0, scale before's values by t2 / t1. */
static void add_side(struct profile *out, const struct profile *in, int side,
		     int64_t t1, int64_t t2, unsigned flags)
{
	VEC(uint32_t) frames = VEC_INIT;
	struct strbuf name = STRBUF_INIT;
	size_t s, n = profile_nstacks(in);

	for (s = 0; s < n; s++) {
		size_t depth, i;
		const uint32_t *f = profile_stack(in, (uint32_t)s, &depth);
		int64_t v[2] = {0, 0};

		size_t from =
		    flags & DIFF_FROM_ENTRY ? entry_index(in, f, depth) : 1;

		frames.len = 0;
		for (i = 0; i < depth; i++) {
			const char *nm = profile_frame_name(in, f[i]);
			size_t nl = profile_frame_len(in, f[i]);

			/* Keep the thread and record's [off-cpu] marker. */
			if (i && i < from && strcmp(nm, "[off-cpu]"))
				continue;

			if (flags & DIFF_STRIP_HEX) {
				strip_hex(&name, nm, nl);
				nm = name.buf;
				nl = name.len;
			}
			VEC_PUSH(&frames, profile_frame(out, nm, nl));
		}
		v[side] = profile_value(in, (uint32_t)s, in->main_value);
		profile_add(out, 0, frames.v, frames.len, v);
	}
	/* Normalising scales each stack's summed count, as difffolded.pl
	 * does after loading: int(count * total2 / total1), exactly (a
	 * count is at most total1, so the quotient fits). */
	if (side == 0 && t1 != t2) {
		n = profile_nstacks(out);
		out->totals[0] = 0;
		for (s = 0; s < n; s++) {
			int64_t *v = &out->values[s * 2];

			*v = (int64_t)((__int128)*v * t2 / t1);
			out->totals[0] += *v;
		}
	}
	VEC_RELEASE(&frames);
	strbuf_release(&name);
}

void profile_diff(struct profile *out, const struct profile *before,
		  const struct profile *after, unsigned flags)
{
	int64_t t1 = profile_total(before, before->main_value);
	int64_t t2 = profile_total(after, after->main_value);

	profile_init(out, 2);
	out->flags |= PROFILE_DIFFERENTIAL;
	out->main_value = 1;
	/* Each side contributes its main value (cpu time, not the sample
	 * count, of a Go CPU profile). */
	profile_set_type(out, 0, before->type[before->main_value],
			 before->unit[before->main_value]);
	profile_set_type(out, 1, after->type[after->main_value],
			 after->unit[after->main_value]);
	if (!(flags & DIFF_NORMALIZE) || t1 <= 0 || t2 < 0)
		t1 = t2 = 1;
	add_side(out, before, 0, t1, t2, flags);
	add_side(out, after, 1, 1, 1, flags);
}
