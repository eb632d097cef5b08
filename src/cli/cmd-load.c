#include "core/compat.h"
#include "cli/cli.h"
#include "cli/parse-options.h"
#include "core/error.h"
#include "core/json.h"
#include "core/progress.h"
#include "core/strbuf.h"
#include "core/vec.h"
#include "load/interval.h"
#include "load/load.h"
#include "load/preset.h"
#include "load/summary.h"
#include "load/targets.h"
#include "load/threshold.h"
#include "load/tls.h"
#include <netdb.h>
#include <signal.h>
#include <sys/socket.h>

static const struct cli_doc doc = {
    .name = "load",
    .synopsis = "[options] URL\n"
		"   or: perfops load merge [--json] [--threshold EXPR]... "
		"[--hlog|--csv|--html FILE]... FILE.hlog...\n",
    .description =
	"Generate HTTP load against URL (HTTP/1.1, https:// through OpenSSL,\n"
	"HTTP/2 with --h2) and report the latency as wrk and wrk2 do, from\n"
	"HdrHistograms (microsecond values, 3 significant figures, constant\n"
	"memory however long the run).\n"
	"\n"
	"Closed loop (the default, like wrk): -c connections over -t threads,\n"
	"each sending its next request when the previous response arrives\n"
	"(--pipeline N keeps N in flight).  It measures capacity; its latency\n"
	"hides server stalls, since a stalled connection sends nothing.\n"
	"\n"
	"Open loop (--rate R, like wrk2): R requests per second in total,\n"
	"sent on schedule whatever the responses do (each thread a phase-\n"
	"offset share; --poisson for random gaps).  Latency is measured from\n"
	"the intended send time, so a stall counts for every request it\n"
	"delayed; the service time (from the actual send) and the send lag\n"
	"(intended to actual send) are reported beside it.  Connections open\n"
	"on demand up to -c; requests wait in a queue with their intended\n"
	"time; beyond --queue they are dropped, counted, and fail the run.\n"
	"\n"
	"Errors are counted by class: connect, timeout (also recorded as\n"
	"latency), reset (the connection closed or reset mid-response),\n"
	"parse (a malformed response), non-2xx/3xx (a 4xx or 5xx, as wrk\n"
	"counts them) and aborted (pipelined behind a request that timed\n"
	"out, on the connection then closed: only requests that waited\n"
	"--timeout are timeouts); the connections actually achieved are\n"
	"reported beside those asked for.  Requests still in flight at the\n"
	"end get up to --timeout to finish, then count as timeouts; the\n"
	"responses of that drain count in the run, not in requests/sec,\n"
	"which is the responses of the measured window over its length, as\n"
	"wrk2 prints it.\n",
    .epilogue =
	"Stages: --stage DUR:TARGET,... ramps linearly from 0 to each\n"
	"TARGET over DUR: a request rate with --rate (any positive value\n"
	"selects the open loop; the stages set the rate), else a number of\n"
	"connections (-c is then the most).\n"
	"\n"
	"Thresholds (k6's grammar), evaluated on the whole run:\n"
	"  p(N)<T  avg<T  med<T  min<T  max<T   latency, T in us, ms "
	"(default),\n"
	"                                       s or m\n"
	"  error_rate<1%   failed, 4xx or 5xx requests over all (or 0.01)\n"
	"  rps>1000        responses per second (in the window)\n"
	"with <, <=, >, >=, == or !=.  Each is listed with its measured "
	"value.\n"
	"\n"
	"Exit status: 0 ok; 1 failure (no response at all, a name that does\n"
	"not resolve); 2 usage error (a bad URL or option); 4 a threshold\n"
	"failed, requests were dropped, or --find-max found no rate that\n"
	"held.\n"
	"\n"
	"perfops load merge adds the interval logs of several runs (agents\n"
	"run with --shard I/N and --hlog) exactly, and prints the same\n"
	"summary (or --json), evaluating the thresholds on the merged data.\n"
	"\n"
	"Examples:\n"
	"  perfops load -c 100 -d 30s -t 2 http://127.0.0.1:8080/\n"
	"  perfops load --rate 2000 -c 200 -d 1m --threshold 'p(99)<50ms' URL\n"
	"  perfops load --rate 1 --stage 30s:500,2m:500,30s:0 URL\n",
};

static int opt_header(const struct opt *opt, const char *arg, int unset)
{
	const char *colon = strchr(arg, ':');

	if (!unset && (!colon || colon == arg || strpbrk(arg, "\r\n")))
		return opt_error(opt, "'%s' is not a header (Name: value)",
				 arg);
	return opt_list_push(opt, arg, unset);
}

static int opt_shard(const struct opt *opt, const char *arg, int unset)
{
	int *v = opt->value, n = 0;

	if (unset) {
		v[0] = 0, v[1] = 1;
		return 0;
	}
	if (sscanf(arg, "%d/%d%n", &v[0], &v[1], &n) != 2 || arg[n] ||
	    v[1] < 1 || v[0] < 1 || v[0] > v[1])
		return opt_error(opt, "'%s' is not I/N with 1 <= I <= N", arg);
	v[0]--;
	return 0;
}

/* "30s:500,2m:500,30s:0" */
static int parse_stages(const char *s, struct sched_stage **out, size_t *n)
{
	VEC(struct sched_stage) v = VEC_INIT;
	char *copy = xstrdup(s), *p = copy, *save = NULL, *item;

	for (item = strtok_r(p, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		struct sched_stage st;
		char *colon = strchr(item, ':'), *end;

		if (!colon)
			goto bad;
		*colon = '\0';
		if (parse_duration(item, &st.dur_s) < 0 || st.dur_s <= 0)
			goto bad;
		errno = 0;
		st.target = strtod(colon + 1, &end);
		if (end == colon + 1 || *end || errno || st.target < 0)
			goto bad;
		VEC_PUSH(&v, st);
	}
	if (!v.len)
		goto bad;
	free(copy);
	*out = v.v;
	*n = v.len;
	return 0;
bad:
	free(copy);
	VEC_RELEASE(&v);
	return error("bad --stage '%s': expected DURATION:TARGET,... "
		     "(like 30s:500,2m:500,30s:0)",
		     s);
}

static int read_body(const char *arg, struct strbuf *body)
{
	if (arg[0] == '@') {
		strbuf_init_capped(body, LOAD_BODY_MAX);
		return strbuf_read_file(body, arg + 1);
	}
	strbuf_addstr(body, arg);
	return 0;
}

static struct sigaction old_sigint, old_sigterm;

/* The first Ctrl-C or SIGTERM (timeout(1), a cancelled CI job, a stopped
 * pod) ends the run (reported); the next one is main's: the temporary
 * output files go and perfops dies of the signal. */
static void on_stop_signal(int sig)
{
	(void)sig;
	load_stop();
	sigaction(SIGINT, &old_sigint, NULL);
	sigaction(SIGTERM, &old_sigterm, NULL);
}

static int run_find_max(const struct load_opts *o, const struct threshold *ths,
			size_t n, int json)
{
	double best;

	if (!json)
		printf("Searching the highest rate where %s holds, runs of "
		       "%gs:\n",
		       ths[n - 1].text, o->duration_s);
	if (load_find_max(o, ths, n, json ? stderr : stdout, &best) < 0)
		return EXIT_FAIL;
	if (json) {
		struct json_writer w;

		json_init(&w, stdout, 1);
		json_begin_object(&w);
		json_kv_string(&w, "find_max", ths[n - 1].text);
		json_kv_double(&w, "max_rate", best);
		json_end_object(&w);
		putchar('\n');
	} else if (best > 0)
		printf("Highest rate that held: %.1f requests/s\n", best);
	else
		printf("No rate held, not even %g requests/s\n", o->rate);
	if (cli_finish_stdout() < 0)
		return EXIT_FAIL;
	return best > 0 ? EXIT_OK : EXIT_THRESHOLD;
}

static const struct cli_doc merge_doc = {
    .name = "load merge",
    .synopsis = "[--json] [--threshold EXPR]... [--hlog|--csv|--html FILE]...\n"
		"       FILE.hlog...\n",
    .description =
	"Merge HdrHistogram interval logs written by `perfops load --hlog`\n"
	"(one per agent of a sharded run, or several runs): histograms are\n"
	"added exactly, counters summed, and the summary printed as a run\n"
	"prints it, with the thresholds evaluated on the merged data.\n",
    .epilogue = "Exit status: 0 ok; 1 a log cannot be read; 2 usage error; "
		"4 a threshold\nfailed or requests were dropped.\n",
};

static int parse_thresholds(const struct opt_list *sv, struct threshold **out)
{
	size_t i;

	*out = xcalloc(sv->v.len + 1, sizeof(**out));
	for (i = 0; i < sv->v.len; i++)
		if (threshold_parse(&(*out)[i], sv->v.v[i]) < 0)
			return -1;
	return 0;
}

static int cmd_load_merge(int argc, char **argv)
{
	struct opt_list thresh = OPT_LIST_INIT;
	const char *hlog = NULL, *csv = NULL, *html = NULL;
	int json = 0, ret = EXIT_USAGE, failed, have_log = 0;
	struct load_log log;
	const struct opt options[] = {
	    OPT_BOOL(0, "json", &json, "print the summary as JSON"),
	    OPT_STRING(0, "hlog", &hlog, "FILE",
		       "write the merged interval log (aligned by time)"),
	    OPT_STRING(0, "csv", &csv, "FILE",
		       "write the merged per-second series"),
	    OPT_STRING(0, "html", &html, "FILE",
		       "write an HTML report of the merged data"),
	    OPT_LIST(0, "threshold", &thresh, "EXPR",
		     "fail (exit 4) unless EXPR holds (repeatable)"),
	    OPT_END(),
	};
	struct load_summary_info info = {0};
	struct threshold *ths = NULL;
	struct load_result r;

	argc = parse_options(argc, argv, &merge_doc, options, 0);
	if (!argc) {
		ret = cli_usage_error("load merge", "no interval log given");
		goto out;
	}
	if (parse_thresholds(&thresh, &ths) < 0)
		goto out;
	ret = EXIT_FAIL;
	if ((hlog || csv || html) &&
	    load_log_open(&log, hlog, csv, html, 1) < 0)
		goto out;
	have_log = hlog || csv || html;
	if (load_hlog_merge(&r, (const char *const *)argv, (size_t)argc,
			    have_log ? &log : NULL, "merged interval logs") < 0)
		goto out;
	if (have_log && load_log_close(&log, &r) < 0) {
		load_result_release(&r);
		goto out;
	}
	info.thresholds = ths;
	info.nthresholds = thresh.v.len;
	if (!json)
		printf("Merged %d interval log%s\n", argc, argc > 1 ? "s" : "");
	failed = json ? load_print_json(stdout, &r, &info)
		      : load_print_text(stdout, &r, &info);
	load_result_release(&r);
	if (cli_finish_stdout() < 0)
		goto out;
	ret = failed ? EXIT_THRESHOLD : EXIT_OK;
out:
	if (have_log)
		load_log_release(&log);
	VEC_RELEASE(&thresh.v);
	free(ths);
	return ret;
}

int cmd_load(int argc, char **argv)
{
	struct load_opts o = {0};
	struct opt_list headers = OPT_LIST_INIT, thresh = OPT_LIST_INIT;
	const char *method = "GET", *body_arg = NULL, *stage_arg = NULL;
	const char *find_max = NULL, *hlog = NULL, *csv = NULL, *cafile = NULL;
	const char *html = NULL;
	int insecure = 0, h2 = 0, streams = 1, random_targets = 0,
	    wrk_latency = 0;
	const char *targets_file = NULL;
	struct load_targets ts = {0};
	const struct load_url *url;
	struct strbuf label = STRBUF_INIT;
	int shard[2] = {0, 1};
	int preset = -1, json = 0, threads = 2, conns = 10, pipeline = 1,
	    queue = 10000;
	double duration = 10, timeout = 2, rate = 0, warmup = 0;
	const struct opt options[] = {
	    OPT_GROUP("Load"),
	    OPT_INT('c', "connections", &conns, "N",
		    "connections to keep open (the most in open loop;\n"
		    "default 10)",
		    1, 1000000),
	    OPT_DURATION('d', "duration", &duration, "DURATION",
			 "length of the test (default 10s)", 0.001,
			 31 * 86400.0),
	    OPT_DURATION(0, "warmup", &warmup, "DURATION",
			 "load for DURATION first and report it apart\n"
			 "(not with --stage or --preset)",
			 0, 86400.0),
	    OPT_INT('t', "threads", &threads, "N",
		    "threads, each with its own event loop (default 2)", 1,
		    1024),
	    OPT_DOUBLE('R', "rate", &rate, "R",
		       "open loop: R requests per second in total", 0, 1e9),
	    OPT_BOOL(0, "poisson", &o.poisson,
		     "open loop: exponential gaps between requests"),
	    OPT_INT(0, "queue", &queue, "N",
		    "open loop: requests waiting for a connection per\n"
		    "thread before more are dropped (default 10000)",
		    1, 100000000),
	    OPT_STRING(0, "stage", &stage_arg, "DUR:TARGET,...",
		       "ramp the rate (or connections) through stages"),
	    OPT_CHOICE(0, "preset", &preset, "TYPE",
		       "a test type's stage shape, scaled by --rate (or -c)\n"
		       "and -d: smoke, load, stress, spike, soak or\n"
		       "breakpoint",
		       load_preset_names),
	    OPT_STRING(0, "find-max", &find_max, "EXPR",
		       "search the highest rate at which EXPR (and every\n"
		       "--threshold) holds, from --rate (default 100)"),
	    OPT_INT(0, "pipeline", &pipeline, "N",
		    "requests in flight per connection (default 1)", 1, 256),
	    OPT_BOOL(0, "latency", &wrk_latency,
		     "accepted as wrk takes it: the latency\n"
		     "distribution is always printed"),
	    OPT_DURATION(0, "timeout", &timeout, "DURATION",
			 "a response slower than this is a timeout\n"
			 "(default 2s)",
			 0.001, 3600),
	    OPT_GROUP("Request"),
	    OPT_STRING(0, "targets", &targets_file, "FILE",
		       "requests from FILE instead of a URL: vegeta's http\n"
		       "format or its JSON lines, taken in turn"),
	    OPT_BOOL(0, "random-targets", &random_targets,
		     "take the targets at random, not in turn"),
	    OPT_STRING('m', "method", &method, "METHOD",
		       "request method (default GET)"),
	    OPT_CALLBACK('H', "header", &headers, "'NAME: VALUE'",
			 "add a header (repeatable)", opt_header),
	    OPT_STRING(0, "body", &body_arg, "@FILE|TEXT",
		       "request body: the content of FILE, or TEXT"),
	    OPT_BOOL('k', "insecure", &insecure,
		     "https: do not verify the server's certificate"),
	    OPT_STRING(0, "cacert", &cafile, "FILE",
		       "https: trust the CA certificates in FILE (PEM)\n"
		       "instead of the system's"),
	    OPT_BOOL(0, "h2", &h2,
		     "HTTP/2: by ALPN over https, h2c (prior knowledge)\n"
		     "over http"),
	    OPT_INT(0, "streams", &streams, "N",
		    "HTTP/2 streams in flight per connection (default 1)", 1,
		    1000),
	    OPT_GROUP("Output"),
	    OPT_BOOL(0, "json", &json, "print the summary as JSON"),
	    OPT_STRING(0, "hlog", &hlog, "FILE",
		       "write an HdrHistogram interval log (1 s intervals,\n"
		       "microseconds; merge logs with 'perfops load merge')"),
	    OPT_STRING(0, "csv", &csv, "FILE",
		       "write one row per second: requests, errors,\n"
		       "percentiles"),
	    OPT_STRING(0, "html", &html, "FILE",
		       "write a self-contained HTML report: latency and\n"
		       "throughput over time, the percentile spectrum"),
	    OPT_CALLBACK(0, "shard", shard, "I/N",
			 "run share I of N of the rate and connections\n"
			 "(one agent of N, each with --hlog)",
			 opt_shard),
	    OPT_LIST(0, "threshold", &thresh, "EXPR",
		     "fail (exit 4) unless EXPR holds, like\n"
		     "'p(99)<200ms' (repeatable)"),
	    OPT_END(),
	};
	struct strbuf body = STRBUF_INIT;
	struct threshold *ths = NULL;
	struct sched_stage *stages = NULL;
	struct load_summary_info info = {0};
	struct load_result r;
	struct load_log log = {0};
	int ret = EXIT_FAIL, failed, have_result = 0;
	size_t nstages = 0;
	const char *p;

	if (argc > 1 && !strcmp(argv[1], "merge"))
		return cmd_load_merge(argc - 1, argv + 1);
	argc = parse_options(argc, argv, &doc, options, 0);
	if (targets_file && argc) {
		ret = cli_usage_error("load", "--targets replaces the URL");
		goto out;
	}
	if (!targets_file && argc != 1) {
		ret = cli_usage_error("load",
				      argc ? "one URL at a time (got %d)"
					   : "no URL given%.0d",
				      argc);
		goto out;
	}
	if (targets_file && (body_arg || strcmp(method, "GET"))) {
		ret = cli_usage_error("load", "-m and --body go with a URL; "
					      "each target names its own");
		goto out;
	}
	for (p = method; *p; p++)
		if (!isupper((unsigned char)*p) && *p != '-' && *p != '_')
			break;
	if (!*method || *p) {
		ret = cli_usage_error(
		    "load", "bad method '%s' (like GET, POST)", method);
		goto out;
	}
	ret = EXIT_USAGE;
	if (!targets_file) {
		struct load_url u;

		if (load_url_parse(&u, argv[0]) < 0)
			goto out;
		load_url_release(&u);
	}
	if (parse_thresholds(&thresh, &ths) < 0)
		goto out;
	if ((stage_arg != NULL) + (preset >= 0) + (find_max != NULL) > 1) {
		ret =
		    cli_usage_error("load", "--stage, --preset and --find-max "
					    "exclude each other");
		goto out;
	}
	if (warmup > 0 && (stage_arg || preset >= 0)) {
		ret =
		    cli_usage_error("load", "--warmup goes with a constant "
					    "load; stages ramp up themselves");
		goto out;
	}
	if (stage_arg) {
		if (parse_stages(stage_arg, &stages, &nstages) < 0)
			goto out;
		duration = sched_duration(stages, nstages);
	} else if (preset >= 0) {
		stages = xcalloc(8, sizeof(*stages));
		nstages = load_preset_stages(preset, rate > 0 ? rate : conns,
					     duration, stages);
	}
	if (find_max) {
		ths = xrealloc(ths, (thresh.v.len + 1) * sizeof(*ths));
		if (threshold_parse(&ths[thresh.v.len], find_max) < 0)
			goto out;
		if (!rate)
			rate = 100;
	}
	ret = EXIT_FAIL;
	if (body_arg && read_body(body_arg, &body) < 0)
		goto out;
	if (targets_file
		? load_targets_read(&ts, targets_file) < 0
		: load_targets_add(&ts, method, argv[0], NULL, 0,
				   body_arg ? body.buf : NULL, body.len) < 0)
		goto out;
	if (load_targets_prepare(&ts, headers.v.v, headers.v.len) < 0)
		goto out;
	url = &ts.v[0].url;
	if (load_resolve(url, &o.addr) < 0)
		goto out;
	o.targets = ts.v;
	o.ntargets = ts.n;
	o.random_targets = random_targets;
	if (conns < shard[1]) {
		ret = cli_usage_error("load",
				      "-c %d cannot be split into %d "
				      "shards",
				      conns, shard[1]);
		goto out;
	}
	o.shard = shard[0];
	o.nshards = shard[1];
	o.threads = MAX(MIN(threads, conns / shard[1]), 1);
	o.connections = conns;
	o.pipeline = pipeline;
	o.duration_s = duration;
	o.warmup_s = warmup;
	o.timeout_s = timeout;
	o.rate = rate;
	o.queue_cap = queue;
	o.stages = stages;
	o.nstages = nstages;
	o.progress = progress_enabled();
	if (url->tls && !(o.tls = tls_ctx_new(insecure, cafile, h2)))
		goto out;
	o.h2 = h2;
	o.streams = streams;
	/* A server closing on us must not kill the run. */
	signal(SIGPIPE, SIG_IGN);
	/* Ctrl-C or SIGTERM ends the run early and still reports it (a
	 * second one kills). */
	{
		struct sigaction sa = {0};

		sa.sa_handler = on_stop_signal;
		sigaction(SIGINT, &sa, &old_sigint);
		sigaction(SIGTERM, &sa, &old_sigterm);
	}
	if (find_max) {
		ret = run_find_max(&o, ths, thresh.v.len + 1, json);
		goto out;
	}
	if (targets_file)
		strbuf_addf(&label, "%s (%zu targets from %s)", url->hostport,
			    ts.n, targets_file);
	o.title = targets_file ? label.buf : argv[0];
	if ((hlog || csv || html) &&
	    load_log_open(&log, hlog, csv, html, o.threads) < 0)
		goto out;
	o.log = hlog || csv || html ? &log : NULL;
	if (load_run(&o, &r) < 0)
		goto out;
	have_result = 1;
	if (o.log && load_log_close(&log, &r) < 0)
		goto out;
	info.url = o.title;
	info.thresholds = ths;
	info.nthresholds = thresh.v.len;
	failed = json ? load_print_json(stdout, &r, &info)
		      : load_print_text(stdout, &r, &info);
	if (cli_finish_stdout() < 0)
		goto out;
	if (!r.requests) {
		/* Only timeouts: the server may just be slower than it. */
		int slow =
		    r.errors[LOAD_ERR_TIMEOUT] && !r.errors[LOAD_ERR_CONNECT] &&
		    !r.errors[LOAD_ERR_RESET] && !r.errors[LOAD_ERR_PARSE];

		error("no response from %s: %" PRId64
		      " connect errors%s%s%s, %" PRId64 " timeouts%s, %" PRId64
		      " resets, %" PRId64 " parse errors",
		      url->hostport, r.errors[LOAD_ERR_CONNECT],
		      r.why[0] ? " (" : "", r.why, r.why[0] ? ")" : "",
		      r.errors[LOAD_ERR_TIMEOUT],
		      slow ? " (nothing answered within --timeout: raise it "
			     "for a slower server)"
			   : "",
		      r.errors[LOAD_ERR_RESET], r.errors[LOAD_ERR_PARSE]);
		goto out;
	}
	ret = failed ? EXIT_THRESHOLD : EXIT_OK;
out:
	if (have_result)
		load_result_release(&r);
	if (o.log)
		load_log_release(&log);
	if (o.addr)
		freeaddrinfo(o.addr);
	load_targets_release(&ts);
	tls_ctx_free(o.tls);
	strbuf_release(&label);
	strbuf_release(&body);
	VEC_RELEASE(&headers.v);
	VEC_RELEASE(&thresh.v);
	free(ths);
	free(stages);
	return ret;
}
