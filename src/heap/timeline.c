#include "core/compat.h"
#include "core/strbuf.h"
#include "heap/report.h"

#define W 960
#define H 320
#define LEFT 80
#define RIGHT 20
#define TOP 40
#define BOTTOM 40

static void polyline(const struct heap_analysis *a, int rss, double tmax,
		     double vmax, const char *color, FILE *fp)
{
	size_t i;

	fprintf(fp,
		"<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
		"points=\"",
		color);
	for (i = 0; i < a->timeline.len; i++) {
		const struct heap_timeline_point *p = &a->timeline.v[i];
		double v = rss ? (double)p->rss : p->heap;
		double x =
		    LEFT + (tmax > 0 ? p->t_ms / tmax : 0) * (W - LEFT - RIGHT);
		double y =
		    H - BOTTOM - (vmax > 0 ? v / vmax : 0) * (H - TOP - BOTTOM);

		fprintf(fp, "%s%.1f,%.1f", i ? " " : "", x, y);
	}
	fprintf(fp, "\"/>\n");
}

int heap_timeline_svg(const struct heap_analysis *a, FILE *fp)
{
	struct strbuf title = STRBUF_INIT;
	double tmax = 0, vmax = 0;
	const char *exe =
	    a->peak_stream >= 0 ? a->trace->streams[a->peak_stream]->exe : "";
	size_t i;

	for (i = 0; i < a->timeline.len; i++) {
		const struct heap_timeline_point *p = &a->timeline.v[i];

		tmax = MAX(tmax, p->t_ms);
		vmax = MAX(vmax, MAX(p->heap, (double)p->rss));
	}
	strbuf_add_xml(&title, exe, strlen(exe));
	fprintf(fp,
		"<?xml version=\"1.0\" standalone=\"no\"?>\n"
		"<svg version=\"1.1\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" xmlns=\"http://www.w3.org/2000/svg\" "
		"font-family=\"Verdana\" font-size=\"12\">\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n"
		"<text x=\"%d\" y=\"20\" font-size=\"16\">Heap and RSS of "
		"%s</text>\n",
		W, H, W, H, LEFT, title.buf);
	fprintf(fp,
		"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
		"stroke=\"#000\"/>\n"
		"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
		"stroke=\"#000\"/>\n",
		LEFT, H - BOTTOM, W - RIGHT, H - BOTTOM, LEFT, TOP, LEFT,
		H - BOTTOM);
	fprintf(fp,
		"<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n"
		"<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>\n"
		"<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.0f ms</text>\n",
		LEFT - 6, TOP + 4, heap_bytes(vmax), LEFT - 6, H - BOTTOM,
		W - RIGHT, H - BOTTOM + 20, tmax);
	if (a->timeline.len) {
		polyline(a, 1, tmax, vmax, "#d62728", fp);
		polyline(a, 0, tmax, vmax, "#1f77b4", fp);
	} else {
		fprintf(fp,
			"<text x=\"%d\" y=\"%d\">no RSS sample (the "
			"program ran for less than 10 ms)</text>\n",
			LEFT + 20, H / 2);
	}
	fprintf(fp,
		"<text x=\"%d\" y=\"%d\" fill=\"#1f77b4\">heap (live bytes)"
		"</text>\n"
		"<text x=\"%d\" y=\"%d\" fill=\"#d62728\">RSS</text>\n"
		"</svg>\n",
		LEFT + 10, H - 10, LEFT + 160, H - 10);
	strbuf_release(&title);
	return ferror(fp) ? -1 : 0;
}
