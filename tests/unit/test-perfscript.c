#include "core/compat.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "profile/folded.h"
#include "profile/read.h"
#include "profile-util.h"
#include <criterion/criterion.h>

/* Collapse perf script text and return the folded output (to free). */
static char *collapse(const char *text, unsigned flags, int *rc)
{
	struct read_opts ro = READ_OPTS_INIT;
	struct profile p;
	char *buf;

	ro.format = PROFILE_FMT_PERF_SCRIPT;
	ro.collapse_flags = flags;
	error_set_quiet(1);
	*rc = profile_read_buffer(&p, text, strlen(text), "t", &ro);
	error_set_quiet(0);
	buf = folded_string(&p);
	profile_release(&p);
	return buf;
}

#define CHECK(text, flags, want)                                               \
	do {                                                                   \
		int rc_;                                                       \
		char *got_ = collapse((text), (flags), &rc_);                  \
		cr_assert_str_eq(got_, (want));                                \
		free(got_);                                                    \
	} while (0)

Test(perfscript, comm_with_spaces_and_pid_tid)
{
	const char *in = "V8 WorkerThread 24636/25607 [000] 94564.109216: "
			 "100 cycles:\n"
			 "\t  7f00 v8::Run()+0x10 (/usr/bin/node)\n\n";

	CHECK(in, 0, "V8_WorkerThread;v8::Run 100\n");
	CHECK(in, COLLAPSE_PID, "V8_WorkerThread-24636;v8::Run 100\n");
	CHECK(in, COLLAPSE_TID, "V8_WorkerThread-24636/25607;v8::Run 100\n");
}

Test(perfscript, tid_only_and_tid_zero)
{
	/* "not $tid": a lone number is the TID; a TID of 0 too (compat). */
	CHECK("java 25607 4794564.109216: 1 cycles:\n\t1 a (/x)\n\n",
	      COLLAPSE_TID, "java-?/25607;a 1\n");
	CHECK("swapper     0/0     [000]  1.0:    5 cpu-clock:ppp: \n"
	      "\tffff default_idle ([kernel.kallsyms])\n\n",
	      COLLAPSE_TID | COLLAPSE_KERNEL,
	      "swapper-?/0;default_idle_[k] 5\n");
}

Test(perfscript, frame_cleaning)
{
	const char *in = "pp 1 1.0: 1 cpu-clock:\n"
			 "\t10 foo(int, char*)+0x1f (/bin/p)\n"
			 "\t11 ns::(anonymous namespace)::bar(long) (/bin/p)\n"
			 "\t12 (sh) (/bin/p)\n"
			 "\t12 main.(*T).Method (/bin/p)\n"
			 "\t13 weird;name\"q' (/bin/p)\n"
			 "\t14 [unknown] (/usr/lib/libz.so.1)\n"
			 "\t15 [unknown] ([unknown])\n\n";

	/* Leaf first in perf script, root first in the output. */
	CHECK(in, 0,
	      "pp;[unknown];[libz.so.1];weird:nameq;main.(*T).Method;"
	      "ns::(anonymous namespace)::bar;foo 1\n");
	CHECK(in, COLLAPSE_ADDRS,
	      "pp;[unknown <15>];[libz.so.1 <14>];weird:nameq;main.(*T).Method;"
	      "ns::(anonymous namespace)::bar;foo 1\n");
}

Test(perfscript, inline_and_annotations)
{
	const char *in = "pp 1 1.0: 2 cpu-clock:\n"
			 "\t1 a->b->c (/bin/p)\n"
			 "\t2 LFoo/Bar;::run (/tmp/perf-77.map)\n"
			 "\t3 tcp_sendmsg (/lib/modules/x/build/vmlinux)\n\n";

	CHECK(in, COLLAPSE_KERNEL | COLLAPSE_JIT,
	      "pp;tcp_sendmsg_[k];LFoo/Bar:::run_[j];a;b_[i];c_[i] 2\n");
}

Test(perfscript, java_names_lose_their_L)
{
	CHECK("java 5 1.0: 1 cycles:\n\t1 Ljava/io/File;::open "
	      "(/tmp/perf-5.map)\n"
	      "\t2 LMain;::main (/tmp/perf-5.map)\n\n",
	      COLLAPSE_PID, "java-?;LMain:::main;java/io/File:::open 1\n");
}

/*
 * compat: the script's /^(\S.+?)\s+(\d+)/ wants a comm of two characters
 * or more, so a one-letter comm swallows the next words up to a number
 * followed by a space (here the period, which also reads as the pid).
 */
Test(perfscript, one_letter_comm_quirk)
{
	CHECK("p 1 1.0: 1000 cpu-clock:\n\t1 a (/x)\n\n", COLLAPSE_PID,
	      "p_1_1.0:-?;a 1000\n");
}

/* The same frame line in a java and another process: cleaned apart. */
Test(perfscript, java_and_other_processes_share_lines)
{
	CHECK("java 5 1.0: 1 cycles:\n\t1 Lcom/A;::f (/tmp/perf-5.map)\n\n"
	      "node 6 1.0: 1 cycles:\n\t1 Lcom/A;::f (/tmp/perf-5.map)\n\n"
	      "java 5 1.1: 1 cycles:\n\t1 Lcom/A;::f (/tmp/perf-5.map)\n"
	      "\t2 Lcom/B;::g (/tmp/perf-5.map)\n\n",
	      0,
	      "java;com/A:::f 1\njava;com/B:::g;com/A:::f 1\n"
	      "node;Lcom/A:::f 1\n");
}

Test(perfscript, padded_addresses_and_near_misses)
{
	/* perf's layout (a tab, the address in 16 columns, a space) takes a
	 * fast path; lines that only look like it must still follow the
	 * script's expression: a '-' ends the address word and starts the
	 * function, a second space or a tab before the symbol is skipped,
	 * an address of 16 digits or of one is the same.  The text after
	 * the address is cached, so a near miss followed by the same text
	 * behind a plain address shows a wrong column at once. */
	CHECK("ab 1 [0] 1.0: cpu-clock: \n"
	      "\t            12-4 f (/x)\n"
	      "\tffffffff81000000 g (/x)\n"
	      "\t               1 h (/x)\n"
	      "\t            1234  i (/x)\n"
	      "\t            1234\tj (/x)\n"
	      "\t         12 1234 k (/x)\n"
	      "\t            12g4 l (/x)\n"
	      "\t  12 12345678901 m (/x)\n"
	      "\t    123456789012 m (/x)\n"
	      "\t            5678 k (/x)\n"
	      "\t            5678 f (/x)\n\n",
	      0, "ab;f;k;m;12345678901 m;l;1234 k;j;i;h;g;-4 f 1\n");
	/* No address at all, only its padding: not a frame line, even when
	 * the same text behind an address is cached. */
	CHECK("ab 1 [0] 1.0: cpu-clock: \n"
	      "\t            1234 x (/x)\n"
	      "\t                 x (/x)\n\n",
	      0, "ab;x 1\n");
	/* --addrs keeps the address in the key: same lines, their own
	 * frames when the symbol is unknown. */
	CHECK("ab 1 [0] 1.0: cpu-clock: \n"
	      "\t            1234 [unknown] (/x)\n"
	      "\t            1235 [unknown] (/x)\n\n",
	      COLLAPSE_ADDRS, "ab;[x <1235>];[x <1234>] 1\n");
}

Test(perfscript, periods_are_summed)
{
	CHECK("pp 1 1.0: 1000 cpu-clock:\n\t1 a (/x)\n\n"
	      "pp 1 1.1: 250 cpu-clock:\n\t1 a (/x)\n\n"
	      "pp 1 1.2: 0 cpu-clock:\n\t1 a (/x)\n\n",
	      0, "pp;a 1251\n");
}

Test(perfscript, no_stacks_is_an_error)
{
	int rc;
	char *got =
	    collapse("pp 1 1.0: 1 cpu-clock: 4005d6 main (/a)\n", 0, &rc);

	cr_assert_eq(rc, -1);
	cr_assert_str_eq(got, "");
	free(got);
}

Test(perfscript, detection)
{
	const char *ps =
	    "# comment\nprog 12 [000] 1.0: 1 cycles:\n\t1 a (/x)\n";
	const char *fo = "main;a;b 12\nmain;c 3\n";

	cr_assert_eq(profile_detect(ps, strlen(ps)), PROFILE_FMT_PERF_SCRIPT);
	cr_assert_eq(profile_detect(fo, strlen(fo)), PROFILE_FMT_FOLDED);
	cr_assert_eq(profile_detect("\x1f\x8b\x08", 3), PROFILE_FMT_PPROF);
	cr_assert_eq(profile_detect("hello world\n", 12), PROFILE_FMT_AUTO);
}

/* "COMM PID" alone also matches a folded line with counts: a line is an
 * event line only with "EVENT:" at its end or a timestamp in it. */
Test(perfscript, detection_of_folded_lines_with_numbers)
{
	const char *three = "a;b 1 2 3\n";
	const char *nog = "prog 12 [000] 1.000: 1 cycles: 4005d6 main (/a)\n";

	cr_assert_eq(profile_detect(three, strlen(three)), PROFILE_FMT_FOLDED);
	cr_assert_eq(profile_detect(nog, strlen(nog)), PROFILE_FMT_PERF_SCRIPT);
}

/* CRLF line ends fold as LF ones do, blank "\r" lines included. */
Test(perfscript, crlf)
{
	CHECK("pp 1 1.0: 1 cpu-clock:\r\n\t1 a (/x)\r\n\t2 main (/x)\r\n\r\n"
	      "pp 1 2.0: 3 cpu-clock:\r\n\t1 b (/x)\r\n\r\n",
	      0, "pp;b 3\npp;main;a 1\n");
}

/* A file cut inside a frame line: the complete samples are kept and the
 * read succeeds (with a warning). */
Test(perfscript, truncated_last_line)
{
	int rc;
	char *got = collapse("pp 1 1.0: 1 cpu-clock:\n\t1 a (/x)\n\n"
			     "pp 1 2.0: 1 cpu-clock:\n\t   4000 __vfpr",
			     0, &rc);

	cr_assert_eq(rc, 0);
	cr_assert_str_eq(got, "pp;a 1\n");
	free(got);
}

/* Periods are exact 64-bit integers; a period or a sum past INT64_MAX is
 * an error. */
Test(perfscript, periods_are_exact_and_bounded)
{
	int rc;
	char *got;

	CHECK("pp 1 1.0: 9007199254740993 cycles:\n\t1 a (/x)\n\n", 0,
	      "pp;a 9007199254740993\n");
	got = collapse("pp 1 1.0: 99999999999999999999 cycles:\n\t1 a (/x)\n\n",
		       0, &rc);
	cr_assert_eq(rc, -1);
	free(got);
	got = collapse("pp 1 1.0: 9223372036854775807 cycles:\n\t1 a (/x)\n\n"
		       "pp 1 2.0: 1 cycles:\n\t1 b (/x)\n\n",
		       0, &rc);
	cr_assert_eq(rc, -1);
	free(got);
}

/* A first frame line that cleans to no frame at all ("+0x32" as the
 * function): copying zero frames from still-empty vectors was undefined
 * behaviour (memcpy from NULL), which the ASan+UBSan run of this test
 * catches. */
Test(perfscript, line_with_no_frame_first)
{
	int rc;
	char *got = collapse("pp 1 1.0: 1 cpu-clock:\n\t    n+0x32 (/x)\n"
			     "\t1 main (/x)\n\n",
			     0, &rc);

	cr_assert_eq(rc, 0);
	free(got);
}

static int cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Frame lines in perf's columns are read in one pass that finds their end
 * and hashes them together, 16 bytes at a time: names of every length
 * from 1 to 70 (every length modulo 16 of the text after the address),
 * each twice with LF and once with CRLF, and lines close to the end of
 * the input, must all fold as the script folds them.
 */
Test(perfscript, frame_lines_of_every_length)
{
	struct strbuf in = STRBUF_INIT, want = STRBUF_INIT;
	char *lines[70], name[80];
	size_t len, i, round;
	int rc;
	char *got;

	for (round = 0; round < 3; round++) {
		for (len = 1; len <= 70; len++) {
			for (i = 0; i < len; i++)
				name[i] = (char)('a' + (i * 7 + len) % 26);
			name[len] = '\0';
			strbuf_addf(&in, "pp 1 1.0: cpu-clock:%s\n",
				    round == 2 ? "\r" : "");
			strbuf_addf(&in, "\t%16x %s (/usr/lib/x.so)%s\n",
				    0x81000000u + (unsigned)len, name,
				    round == 2 ? "\r" : "");
			strbuf_addstr(&in, round == 2 ? "\r\n" : "\n");
			if (!round) {
				struct strbuf l = STRBUF_INIT;

				strbuf_addf(&l, "pp;%s 3", name);
				lines[len - 1] = strbuf_detach(&l, NULL);
			}
		}
	}
	qsort(lines, 70, sizeof(*lines), cmp_lines);
	for (i = 0; i < 70; i++) {
		strbuf_addf(&want, "%s\n", lines[i]);
		free(lines[i]);
	}
	got = collapse(in.buf, 0, &rc);
	cr_assert_eq(rc, 0);
	cr_assert_str_eq(got, want.buf);
	free(got);
	strbuf_release(&in);
	strbuf_release(&want);
}
