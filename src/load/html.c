#include "core/compat.h"
#include "core/strbuf.h"
#include "load/html.h"
#include "load/load.h"
#include "load/summary.h"

/* A JavaScript string literal that cannot end the script element: quotes,
 * backslashes, <, > and & and control characters become \uXXXX. */
static void js_string(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' ||
		    c == '&' || c == '\'')
			fprintf(fp, "\\u%04x", c);
		else
			fputc(c, fp);
	}
	fputc('"', fp);
}

void load_html_head(FILE *fp, const char *title)
{
	struct strbuf esc = STRBUF_INIT;

	strbuf_add_xml(&esc, title, strlen(title));
	fprintf(fp,
		"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n"
		"<title>perfops load: %s</title>\n"
		"<style>\nbody{font:14px sans-serif;margin:20px;color:#222}\n"
		"svg{border:1px solid #ddd;display:block;margin:6px 0 22px}\n"
		"h2{font-size:15px;margin:0}td{padding:1px 12px 1px 0}\n"
		"</style></head><body>\n<h1 id=\"title\"></h1>\n"
		"<table id=\"summary\"></table>\n"
		"<h2>Latency over time (ms, from the intended send time)</h2>\n"
		"<svg id=\"latency\" width=\"960\" height=\"300\"></svg>\n"
		"<h2>Throughput over time (responses/s)</h2>\n"
		"<svg id=\"throughput\" width=\"960\" height=\"240\"></svg>\n"
		"<h2>Latency by percentile (ms)</h2>\n"
		"<svg id=\"spectrum\" width=\"960\" height=\"300\"></svg>\n"
		"<script>\n\"use strict\";\nconst TITLE = ",
		esc.buf);
	js_string(fp, title);
	fputs(";\n/* second, length s, responses, errors, p50, p90, p99, max "
	      "(ms) */\nconst SECONDS = [\n",
	      fp);
	strbuf_release(&esc);
}

void load_html_second(FILE *fp, int64_t k, double len_s, int64_t requests,
		      int64_t errors, const double ms[4])
{
	fprintf(fp,
		"[%" PRId64 ",%.3f,%" PRId64 ",%" PRId64
		",%.3f,%.3f,%.3f,%.3f],\n",
		k, len_s, requests, errors, ms[0], ms[1], ms[2], ms[3]);
}

static void spectrum_point(void *ctx, int64_t v, double pct, int64_t count)
{
	(void)count;
	if (pct < 100)
		fprintf(ctx, "[%.3f,%.6f],\n", v / 1000.0, pct);
}

/* The drawing: plain DOM and SVG, no library. */
static const char script[] =
    "const NS = 'http://www.w3.org/2000/svg';\n"
    "function chart(id, xs, series, o) {\n"
    "  const svg = document.getElementById(id);\n"
    "  const W = +svg.getAttribute('width'), H = +svg.getAttribute('height');\n"
    "  const L = 64, R = 110, T = 12, B = 34;\n"
    "  const el = (n, a, t) => { const e = document.createElementNS(NS, n);\n"
    "    for (const k in a) e.setAttribute(k, a[k]);\n"
    "    if (t !== undefined) e.textContent = t; svg.appendChild(e); return e; "
    "};\n"
    "  const x0 = xs.length ? Math.min(...xs) : 0;\n"
    "  const x1 = Math.max(x0 + 1, ...xs);\n"
    "  let y1 = 0; for (const s of series) for (const y of s.ys) y1 = "
    "Math.max(y1, y);\n"
    "  if (!(y1 > 0)) y1 = 1;\n"
    "  const X = (x) => L + (x - x0) / (x1 - x0) * (W - L - R);\n"
    "  const Y = (y) => H - B - y / y1 * (H - T - B);\n"
    "  el('line', {x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: '#888'});\n"
    "  el('line', {x1: L, y1: T, x2: L, y2: H - B, stroke: '#888'});\n"
    "  for (let i = 0; i <= 4; i++) {\n"
    "    const y = y1 * i / 4;\n"
    "    el('line', {x1: L, y1: Y(y), x2: W - R, y2: Y(y), stroke: '#eee'});\n"
    "    el('text', {x: L - 6, y: Y(y) + 4, 'text-anchor': 'end', 'font-size': "
    "11},\n"
    "       y.toPrecision(3));\n"
    "  }\n"
    "  for (const t of o.xticks(x0, x1))\n"
    "    el('text', {x: X(t[0]), y: H - B + 16, 'text-anchor': 'middle', "
    "'font-size': 11}, t[1]);\n"
    "  el('text', {x: (L + W - R) / 2, y: H - 4, 'text-anchor': 'middle', "
    "'font-size': 12}, o.xlabel);\n"
    "  series.forEach((s, i) => {\n"
    "    el('polyline', {class: 'series', 'data-name': s.name, fill: 'none', "
    "stroke: s.color,\n"
    "      'stroke-width': 1.5, points: xs.map((x, k) => X(x).toFixed(1) + ',' "
    "+ Y(s.ys[k]).toFixed(1)).join(' ')});\n"
    "    el('text', {x: W - R + 8, y: T + 14 + 16 * i, fill: s.color, "
    "'font-size': 12}, s.name);\n"
    "  });\n"
    "}\n"
    "const secs = SECONDS.map((r) => r[0] + r[1]);\n"
    "const every = (a, b) => { const out = [], step = Math.max(1, Math.ceil((b "
    "- a) / 10));\n"
    "  for (let t = Math.ceil(a); t <= b; t += step) out.push([t, t + 's']); "
    "return out; };\n"
    "chart('latency', secs, [\n"
    "  {name: 'p50', color: '#1f77b4', ys: SECONDS.map((r) => r[4])},\n"
    "  {name: 'p90', color: '#2ca02c', ys: SECONDS.map((r) => r[5])},\n"
    "  {name: 'p99', color: '#ff7f0e', ys: SECONDS.map((r) => r[6])},\n"
    "  {name: 'max', color: '#d62728', ys: SECONDS.map((r) => r[7])},\n"
    "], {xlabel: 'time (end of each second)', xticks: every});\n"
    "chart('throughput', secs, [\n"
    "  {name: 'responses/s', color: '#1f77b4', ys: SECONDS.map((r) => r[1] > 0 "
    "? r[2] / r[1] : 0)},\n"
    "  {name: 'errors/s', color: '#d62728', ys: SECONDS.map((r) => r[1] > 0 ? "
    "r[3] / r[1] : 0)},\n"
    "], {xlabel: 'time (end of each second)', xticks: every});\n"
    "/* x: the number of nines, -log10(1 - p), as HdrHistogram plots it. */\n"
    "const nines = SPECTRUM.map((p) => -Math.log10(1 - p[1] / 100));\n"
    "chart('spectrum', nines, [{name: 'latency', color: '#9467bd', ys: "
    "SPECTRUM.map((p) => p[0])}],\n"
    "  {xlabel: 'percentile', xticks: (a, b) => { const out = [];\n"
    "    for (let k = 0; k <= b; k++) out.push([k, k ? (100 - 100 / 10 ** k) + "
    "'%' : '0%']);\n"
    "    return out; }});\n"
    "document.getElementById('title').textContent = 'perfops load: ' + TITLE;\n"
    "const tb = document.getElementById('summary');\n"
    "for (const [k, v] of Object.entries(SUMMARY)) {\n"
    "  const tr = tb.insertRow(); tr.insertCell().textContent = k;\n"
    "  tr.insertCell().textContent = String(v);\n"
    "}\n";

void load_html_tail(FILE *fp, const struct load_result *r)
{
	const double ps[] = {50, 90, 99, 99.9, 99.99};
	const char *const names[] = {"p50", "p90", "p99", "p99.9", "p99.99"};
	size_t i;

	fputs("];\n/* latency (ms), percentile */\nconst SPECTRUM = [\n", fp);
	load_spectrum_walk(&r->latency, spectrum_point, fp);
	fprintf(fp,
		"];\nconst SUMMARY = {\n\"requests\": %" PRId64
		",\n\"duration (s)\": %.3f,\n\"responses/s\": %.2f,\n"
		"\"errors\": %" PRId64 ",\n\"dropped\": %" PRId64 ",\n"
		"\"connections (achieved/asked)\": \"%d/%d\",\n"
		"\"latency mean (ms)\": %.3f,\n",
		r->requests, r->duration_s + r->drain_s, load_result_rps(r),
		load_result_errors(r), r->dropped, r->connections_achieved,
		r->connections_asked, hist_mean(&r->latency) / 1000);
	for (i = 0; i < ARRAY_SIZE(ps); i++)
		fprintf(fp, "\"latency %s (ms)\": %.3f,\n", names[i],
			hist_percentile(&r->latency, ps[i]) / 1000.0);
	fprintf(fp,
		"\"latency max (ms)\": %.3f,\n};\n%s</script>\n"
		"</body></html>\n",
		hist_max(&r->latency) / 1000.0, script);
}
