#include "core/compat.h"
#include "diagnose/guide.h"

/*
 * The text follows the seed's decision tree (symptom, usual cause, next
 * tool) in our own words, with the perfops command in place of the
 * per-language tools.  Each command named is one of this build's: the
 * guide must not send a user elsewhere for what perfops does.
 */
const struct guide_entry guide_entries[] = {
    {"cpu_one_core", "High CPU", "Sustained 100% on one core",
     "One thread does all the work and never waits: a hot loop, a "
     "regular expression that backtracks, a computation that is simply "
     "too big, or busy-polling where a blocking wait was meant.",
     "The busiest thread is on a CPU or queued for one at least 80% of "
     "the time and is seen runnable at most samples, while the process "
     "does not want every CPU.",
     "perfops record -p PID --duration 20 -o cpu.svg",
     "Read the flame graph from the top: the widest frames at the top "
     "are where the time goes. Change the algorithm or the data "
     "structure there first (a better complexity beats any tuning); "
     "precompute or cache what is computed again and again; only then "
     "split the work across threads."},
    {"cpu_all_cores", "High CPU", "Sustained 100% across all cores",
     "Parallelism gone wrong: more workers than cores, a fork or thread "
     "explosion, threads spinning on a lock instead of sleeping.",
     "The process (threads and children together) wants at least the "
     "number of CPUs minus a half, with that many threads seen runnable, "
     "and its threads do not queue on futexes (that is "
     "lock_contention).",
     "perfops record --per-thread -p PID --duration 20 -o cpu.svg",
     "Look at the thread and process counts in the diagnose summary "
     "first. Bound the pool (about the number of cores for CPU work), "
     "replace spin loops by blocking waits, and check the per-thread "
     "flame graph for threads doing the same work twice."},
    {"cpu_periodic", "High CPU", "Periodic spikes",
     "Something runs on a schedule or in waves: garbage collection, a "
     "cron job or timer, a batch, many cache entries expiring at once "
     "(a stampede).",
     "The autocorrelation of the CPU demand reaches at least 0.4 at its "
     "first peak after falling below zero (and below -0.15), and the "
     "demand swings by at least 0.3 CPU; that lag is the period printed.",
     "perfops record -p PID --duration 3xPERIOD -o cpu.svg",
     "Match the period against GC logs, timers and scheduled jobs. "
     "Spread the work (jitter on expiry times, smaller batches more "
     "often), or reduce allocation so the collector runs less."},
    {"memory_growing", "High memory", "Growing over time, never freed",
     "A leak: resources opened and never closed, a cache without a "
     "bound or an eviction policy, listeners or callbacks registered on "
     "every request and never removed.",
     "RSS (PSS for several processes) rises steadily over the watch: a "
     "least-squares line fits it "
     "with R^2 >= 0.8, it gains at least 8 MiB and 5%, and it never "
     "falls back by more than a tenth of the gain for good (a fall "
     "passed again later is a table copied to a larger one).",
     "perfops heap -- CMD",
     "Compare what is alive at two moments and look at what grew. Give "
     "every cache a size limit and an eviction policy, close what you "
     "open on every path (errors included), unregister what you "
     "register."},
    {"memory_sudden", "High memory", "Sudden large allocation",
     "One operation allocates a lot at once: an unbounded buffer, a "
     "whole dataset or file read into memory, a query without a limit.",
     "RSS (PSS for several processes) jumps by at least 32 MiB within a "
     "second, and that jump "
     "is most of the rise seen.",
     "perfops heap -- CMD",
     "Find the allocation by size, then stream instead of loading: read "
     "in chunks, paginate queries, process records as they arrive, cap "
     "buffer sizes."},
    {"memory_stable_high", "High memory", "High but stable",
     "Often fine: an in-memory cache, preloaded data, memory-mapped "
     "files. It is a problem only if it is more than the working set "
     "needs, or leaves too little for the rest of the machine.",
     "RSS (PSS for several processes) stays above 256 MiB (or a tenth of RAM "
     "if that is less) and "
     "within 5% of its peak for the whole watch.",
     "perfops heap -- CMD",
     "Work out the expected working set and compare. If the cache is "
     "the reason, size it explicitly; PSS in the summary tells memory "
     "shared with other processes from memory of its own."},
    {"io_bound", "Blocked, not busy", "Waiting for the disk",
     "The process spends its time in uninterruptible sleep (D state) "
     "waiting for storage: fsync after every write, synchronous reads "
     "of cold files, swapping (major page faults).",
     "Threads are in D state at least 30% of the time they compute or "
     "wait for I/O (time queued for a CPU left out), at least 0.2 of them "
     "on average; the evidence shows the wait channel, bytes read and "
     "written and major faults.",
     "perfops record --off-cpu -p PID --duration 20 -o offcpu.svg",
     "The off-CPU flame graph shows which calls block. Batch writes and "
     "sync once per batch, read ahead or cache hot data, move blocking "
     "calls off the request path, add memory if the faults are swap."},
    {"lock_contention", "Blocked, not busy", "Threads waiting for each other",
     "Threads queue on a mutex or condition: a global lock around the "
     "work, a connection or object pool that is too small, a shared "
     "counter every thread writes.",
     "At least 30% of the threads that are not idle elsewhere are on a "
     "futex (asleep or just handed the lock), with at least 100 "
     "voluntary context switches per CPU-second it used, while the "
     "process wants at least half a CPU.",
     "perfops record --off-cpu -p PID --duration 20 -o offcpu.svg",
     "The off-CPU flame graph shows where threads block on the lock. "
     "Shrink the critical section (compute outside, publish inside), "
     "shard the lock or the data, use per-thread counters merged later, "
     "size pools to the work rather than to the thread count."},
    {"system_cpu_saturated", "The machine", "All CPUs busy, the process waits",
     "The machine has less CPU than its processes want: other "
     "processes, noisy neighbours on a shared host, or CPU stolen by the "
     "hypervisor (steal).",
     "The machine's CPUs are at least 90% busy and the process waits "
     "for a CPU at least 20% of the time it is runnable.",
     "perfops record -a --duration 10 -o system.svg",
     "Find who uses the CPU (the system-wide flame graph, top). Move "
     "or limit the other load, give the service dedicated cores, or "
     "scale out; tuning this process alone will not help much."},
    {"resource_exhaustion", "The machine", "A limit is close",
     "Something runs out: file descriptors (leaked sockets or files), "
     "memory under pressure (the kernel reclaims and swaps), the I/O "
     "queue full.",
     "Open files reach 80% of the soft limit, or pressure stall "
     "information shows every task stalled on memory or I/O at least "
     "10% of the time while the process feels it (for I/O, the stall "
     "shared with other tasks blocked on I/O: a process alone waiting "
     "for the disk is io_bound).",
     "perfops diagnose -p PID --duration 60s (then ls -l /proc/PID/fd)",
     "Close what is opened on every path; raise the limit only when the "
     "count is legitimate (ulimit -n, LimitNOFILE=); for memory "
     "pressure reduce the footprint or add memory."},
    {"slow_all_endpoints", "Slow responses", "All endpoints slow",
     "Something shared by every request: resource exhaustion, GC "
     "pauses, slow DNS, TLS handshakes on every request.",
     "perfops diagnose --url: every URL's p50 with one connection (no "
     "queueing) is at least --slow (100 ms).",
     "perfops record -p PID --duration 20 (off-CPU when the process "
     "was idle) while perfops load drives it",
     "Check utilization first (the findings above), then the network "
     "path; reuse connections (keep-alive, pooling) so handshakes are "
     "paid once."},
    {"slow_one_endpoint", "Slow responses", "One endpoint slow",
     "Something specific to that request: N+1 queries, a missing "
     "index, an algorithm that does not scale with the input.",
     "perfops diagnose --url, two URLs or more: the slowest URL's p50 "
     "with one connection is at least 5 times the next slowest's and "
     "10 ms above it.",
     "perfops record -p PID --duration 20 while perfops load drives "
     "that URL",
     "Profile that endpoint alone; look at its queries (EXPLAIN "
     "ANALYZE, query counts per request); batch queries and add the "
     "index the plan asks for."},
    {"latency_spikes", "Slow responses", "Intermittently slow (p99 spikes)",
     "Contention: lock waits, an exhausted connection pool, a noisy "
     "neighbour, periodic GC.",
     "perfops diagnose --url: under load a URL's p99 is at least 10 "
     "times its p50 and 50 ms above it (100 responses at least). A "
     "closed loop hides stalls (a stalled connection sends nothing): "
     "give --rate to see them.",
     "perfops load --rate R --duration 30s URL, then perfops record "
     "--off-cpu -p PID --duration 20 -o offcpu.svg",
     "Measure percentiles, not averages. Look for locks and pool waits "
     "in the off-CPU profile; size pools to cores x 2-3, not hundreds."},
    {"throughput_cpu_bound", "Low throughput", "CPU saturated",
     "The work itself is the limit: compute-bound.",
     "perfops diagnose --url: requests queue under load (p50 at least "
     "3 times the one-connection p50 and 5 ms above it) while the "
     "process wants at least 0.8 CPUs, or its busiest thread does.",
     "perfops record -p PID --duration 20 -o cpu.svg",
     "Optimize the hot path the flame graph shows (algorithm first), or "
     "scale out horizontally."},
    {"throughput_io_bound", "Low throughput", "CPU not saturated",
     "Requests wait instead of working: disk, network round trips, "
     "blocking calls inside async code.",
     "perfops diagnose --url: requests queue under load as for "
     "throughput_cpu_bound, while the process wants less than 0.8 "
     "CPUs: it waits (blocking calls, a pool or a lock held while "
     "waiting).",
     "perfops record --off-cpu -p PID --duration 20 -o offcpu.svg",
     "Find the blocking calls in the off-CPU profile; make the whole "
     "request path asynchronous, overlap round trips, batch."},
    {"queues_backing_up", "Low throughput", "Queues backing up",
     "Consumers are slower than producers: a batch size too small, too "
     "few consumers, a slow downstream service.",
     "(not measured by perfops diagnose)", "perfops diagnose -p CONSUMER_PID",
     "Diagnose the consumer like any slow process; add consumers or "
     "bigger batches; check the downstream it waits on."},
    {"bundle_too_large", "Large bundle (front end)", "Main bundle too large",
     "Everything ships in one file: no code splitting, tree shaking "
     "defeated, barrel files importing whole modules.",
     "(not measured by perfops diagnose)", "perfops bundle DIST_DIR",
     "Split by route, import heavy modules dynamically, import the "
     "function rather than the package index."},
    {"bundle_duplicates", "Large bundle (front end)", "Duplicate dependencies",
     "Several versions of one library are bundled.",
     "(not measured by perfops diagnose)", "perfops bundle DIST_DIR",
     "Deduplicate the lock file, align peer dependencies, pin with "
     "resolutions or overrides."},
    {"bundle_assets", "Large bundle (front end)", "Large assets",
     "Unoptimized images, whole fonts embedded, data URIs inlined.",
     "(not measured by perfops diagnose)", "perfops bundle DIST_DIR",
     "Compress and resize images (WebP/AVIF), subset fonts, serve "
     "assets as separate files."},
    {"db_slow_query", "Slow database", "A single slow query",
     "A missing index, a bad join order, a full table scan.",
     "(not measured by perfops diagnose)",
     "perfops explain --db CONNINFO 'SQL'",
     "Read the plan: a sequential scan on a big table with a selective "
     "filter wants an index on the filter columns; a sort wants an index "
     "in ORDER BY order."},
    {"db_n_plus_one", "Slow database", "Many small queries (N+1)",
     "An ORM loads related rows lazily, one query per row in a loop.",
     "(not measured by perfops diagnose)",
     "perfops queries LOG (every statement logged: "
     "log_min_duration_statement = 0)",
     "Load eagerly (JOIN, prefetch), batch with WHERE id IN (...), or "
     "use a per-request batching loader."},
    {"db_locks", "Slow database", "Lock contention",
     "Long transactions holding row or table locks.",
     "(not measured by perfops diagnose)",
     "perfops queries --db CONNINFO (blocked sessions, their blockers, "
     "long transactions)",
     "Keep transactions short, take locks in a consistent order, check "
     "the isolation level, consider advisory locks."},
    {NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};

const struct guide_entry *guide_find(const char *id)
{
	const struct guide_entry *e;

	for (e = guide_entries; e->id; e++)
		if (!strcmp(e->id, id))
			return e;
	return NULL;
}

void guide_wrap(FILE *fp, const char *text, int indent, int width)
{
	const char *p = text;

	while (*p) {
		int col = indent, first = 1;

		fprintf(fp, "%*s", indent, "");
		while (*p && *p != '\n') {
			size_t w = strcspn(p, " \n");

			if (!first && col + 1 + (int)w > width)
				break;
			if (!first) {
				fputc(' ', fp);
				col++;
			}
			fwrite(p, 1, w, fp);
			col += (int)w;
			first = 0;
			p += w;
			while (*p == ' ')
				p++;
		}
		fputc('\n', fp);
		if (*p == '\n') {
			fputc('\n', fp);
			p++;
		}
	}
}

void guide_print_tree(FILE *fp)
{
	const struct guide_entry *e;
	const char *branch = NULL;

	fputs("Which symptom do you see?  `perfops diagnose` finds the "
	      "first ten\nleaves by itself; `perfops guide ID` explains one.\n",
	      fp);
	for (e = guide_entries; e->id; e++) {
		if (!branch || strcmp(branch, e->branch)) {
			branch = e->branch;
			fprintf(fp, "\n%s\n", branch);
		}
		fprintf(fp, "  %-22s %s\n", e->id, e->title);
	}
	fputs("\nAlso: `perfops guide patterns` (what usually fixes it) and "
	      "`perfops guide\ngotchas` (what usually misleads).\n",
	      fp);
}

void guide_print_entry(FILE *fp, const struct guide_entry *e)
{
	fprintf(fp, "%s: %s > %s\n\n", e->id, e->branch, e->title);
	fputs("What it usually is\n", fp);
	guide_wrap(fp, e->means, 2, 78);
	fputs("\nHow perfops diagnose sees it\n", fp);
	guide_wrap(fp, e->detect, 2, 78);
	fputs("\nLook next\n", fp);
	fprintf(fp, "  %s\n", e->command);
	fputs("\nWhat usually fixes it\n", fp);
	guide_wrap(fp, e->fix, 2, 78);
}

static const char *const patterns[][2] = {
    {"Caching", "the same expensive result is computed or fetched "
		"again: keep it (in memory with a bound, a shared cache, "
		"a CDN) and decide how it expires."},
    {"Lazy loading", "work or data not needed yet: load it when asked "
		     "(dynamic imports, pagination, virtual lists)."},
    {"Connection pooling", "a connection per request costs a handshake "
			   "each time: keep a pool, sized to the "
			   "cores, not to the requests."},
    {"Batching", "many small operations on one resource: group them "
		 "(bulk inserts, IN lists, one sync per batch)."},
    {"Pagination", "large result sets: return pages, with a cursor "
		   "rather than an offset when the set is big."},
    {"Compression", "text over the network: brotli for static files, "
		    "gzip for dynamic ones, nothing for tiny payloads."},
    {"Streaming", "data larger than it needs to be in memory: process it "
		  "in chunks as it arrives."},
    {"Precomputation", "expensive results that can be known ahead: "
		       "compute them at build time or in the "
		       "background (materialized views)."},
    {"Denormalization", "reads dominate and joins are expensive: store "
			"the joined data, and pay on writes."},
    {"Indexes", "slow queries on big tables: an index that matches the "
		"filter, join and order of the query, and no more."},
};

static const char *const gotchas[][2] = {
    {"Optimizing before measuring", "effort goes where the time is not; "
				    "profile first."},
    {"Micro-benchmarks", "caches, JIT and branch predictors behave "
			 "differently in a loop of ten lines; confirm on "
			 "the real workload."},
    {"The profiler's own cost", "a tracing profiler distorts what it "
				"measures; sample instead (perfops "
				"record, perfops diagnose)."},
    {"Cache invalidation", "stale or inconsistent data; combine a TTL "
			   "with invalidation on change."},
    {"The cold path", "code that rarely runs is not worth the "
		      "complexity; optimize what the profile shows "
		      "hot."},
    {"Averages", "the mean hides the tail; look at p95 and p99."},
    {"N+1 behind an ORM", "hundreds of queries per page, invisible in "
			  "the code; log and count queries."},
    {"Compressing tiny payloads", "below about 150 bytes compression "
				  "costs more than it saves."},
    {"Pools too large", "every connection costs memory and adds "
			"contention; cores x 2-3 is plenty."},
    {"One blocking call", "a single synchronous call in an async path "
			  "serializes every request behind it."},
    {"Debug builds", "they are 10-100x slower and mislead; benchmark "
		     "release builds."},
    {"Too many indexes", "each one slows writes and takes space; index "
			 "what queries filter, join and sort on."},
};

static void print_pairs(FILE *fp, const char *title,
			const char *const (*pairs)[2], size_t n)
{
	size_t i;

	fprintf(fp, "%s\n\n", title);
	for (i = 0; i < n; i++) {
		char line[512];

		snprintf(line, sizeof(line), "%s: %s", pairs[i][0],
			 pairs[i][1]);
		guide_wrap(fp, line, 2, 78);
	}
}

void guide_print_patterns(FILE *fp)
{
	print_pairs(fp, "Optimization patterns: when each one helps", patterns,
		    ARRAY_SIZE(patterns));
}

void guide_print_gotchas(FILE *fp)
{
	print_pairs(fp, "Common gotchas: what misleads, and what to do instead",
		    gotchas, ARRAY_SIZE(gotchas));
}
