#include "core/compat.h"
#include "bundle/bundle.h"
#include "core/json.h"

/*
 * `--html FILE`: one self-contained page (no network) with a zoomable
 * treemap, asset > package > directory > source, whose sizes switch between
 * raw bytes and the gzip and brotli estimates, and the findings.  The data
 * goes in as JSON inside a <script>; "</" and "<!--" are written escaped so
 * that no source path can end the script.
 */

static const char page_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<title>perfops bundle</title>\n<style>\n"
    "body{font:13px system-ui,sans-serif;margin:0;color:#222}\n"
    "header{padding:8px 12px;background:#f4f4f4;border-bottom:1px solid "
    "#ccc}\n"
    "header button{margin-right:4px}header button.on{font-weight:bold;"
    "background:#333;color:#fff}\n"
    "#crumbs{margin-left:16px}#crumbs a{color:#06c;cursor:pointer;"
    "text-decoration:underline}\n"
    "#map{position:relative;height:70vh;margin:8px 12px;background:#fff}\n"
    ".n{position:absolute;box-sizing:border-box;border:1px solid #fff;"
    "overflow:hidden;cursor:pointer;font-size:12px;padding:1px 3px}\n"
    ".n .c{position:absolute;box-sizing:border-box;border:1px solid "
    "rgba(255,255,255,.7);overflow:hidden;font-size:11px;padding:1px 2px}\n"
    "#findings{margin:8px 12px}#findings li{margin:2px 0}\n"
    ".kind{font-family:monospace;background:#eee;padding:0 3px}\n"
    "</style></head><body>\n"
    "<header><span>size: </span><button id=\"s-raw\">raw</button>"
    "<button id=\"s-gzip\">gzip (est.)</button>"
    "<button id=\"s-brotli\">brotli (est.)</button>"
    "<span id=\"crumbs\"></span> <span id=\"total\"></span></header>\n"
    "<div id=\"map\"></div>\n<section id=\"findings\"><h3>Findings</h3>"
    "<ul id=\"flist\"></ul></section>\n<script>\nconst DATA = ";

static const char page_script[] =
    ";\n"
    "'use strict';\n"
    "const KEYS = ['raw', 'gzip', 'brotli'];\n"
    "let measure = 0, focus = null;\n"
    "function node(name) { return { name, v: [0, 0, 0], kids: new Map(), "
    "parent: null }; }\n"
    "function child(p, name) {\n"
    "  let c = p.kids.get(name);\n"
    "  if (!c) { c = node(name); c.parent = p; p.kids.set(name, c); }\n"
    "  return c;\n"
    "}\n"
    "const root = node('all assets');\n"
    "for (const a of DATA.assets) {\n"
    "  const an = child(root, a.path);\n"
    "  for (const [pkg, dir, file, raw, gz, br] of a.leaves) {\n"
    "    const path = [an, child(an, pkg)];\n"
    "    path.push(child(path[1], dir || '.'));\n"
    "    path.push(child(path[2], file));\n"
    "    for (const n of [root, ...path]) { n.v[0] += raw; n.v[1] += gz; "
    "n.v[2] += br; }\n"
    "  }\n"
    "}\n"
    "function kids(n) { return [...n.kids.values()].filter((k) => "
    "k.v[measure] > 0).sort((a, b) => b.v[measure] - a.v[measure]); }\n"
    "function fmt(b) { return b >= 1e6 ? (b / 1e6).toFixed(2) + ' MB' : b "
    ">= 1e3 ? (b / 1e3).toFixed(1) + ' kB' : b + ' B'; }\n"
    "/* Squarified treemap (Bruls, Huizing, van Wijk) of items in a box. */\n"
    "function squarify(items, x, y, w, h) {\n"
    "  const out = [], total = items.reduce((s, i) => s + i.value, 0);\n"
    "  if (!total || w <= 0 || h <= 0) return out;\n"
    "  const scale = (w * h) / total;\n"
    "  let rest = items.map((i) => ({ item: i, area: i.value * scale }));\n"
    "  while (rest.length) {\n"
    "    const side = Math.min(w, h);\n"
    "    let row = [rest[0]], best = worst(row, side), k = 1;\n"
    "    while (k < rest.length) {\n"
    "      const next = row.concat([rest[k]]), wn = worst(next, side);\n"
    "      if (wn > best) break;\n"
    "      row = next; best = wn; k++;\n"
    "    }\n"
    "    const area = row.reduce((s, r) => s + r.area, 0), thick = area / "
    "side;\n"
    "    let off = 0;\n"
    "    for (const r of row) {\n"
    "      const len = r.area / thick;\n"
    "      if (w >= h) out.push({ item: r.item, x, y: y + off, w: thick, h: "
    "len });\n"
    "      else out.push({ item: r.item, x: x + off, y, w: len, h: thick "
    "});\n"
    "      off += len;\n"
    "    }\n"
    "    if (w >= h) { x += thick; w -= thick; } else { y += thick; h -= "
    "thick; }\n"
    "    rest = rest.slice(row.length);\n"
    "  }\n"
    "  return out;\n"
    "}\n"
    "function worst(row, side) {\n"
    "  const s = row.reduce((a, r) => a + r.area, 0);\n"
    "  let m = 0;\n"
    "  for (const r of row) m = Math.max(m, (side * side * r.area) / (s * "
    "s), (s * s) / (side * side * r.area));\n"
    "  return m;\n"
    "}\n"
    "function color(i) { return 'hsl(' + ((i * 47) % 360) + ',55%,62%)'; "
    "}\n"
    "function label(n) { return n.name + ' \\u2014 ' + fmt(n.v[measure]) + "
    "(measure ? ' ' + KEYS[measure] + ' (estimated)' : ''); }\n"
    "function draw() {\n"
    "  const map = document.getElementById('map');\n"
    "  map.textContent = '';\n"
    "  const W = map.clientWidth, H = map.clientHeight;\n"
    "  const items = kids(focus).map((k) => ({ node: k, value: "
    "k.v[measure] }));\n"
    "  squarify(items, 0, 0, W, H).forEach((r, i) => {\n"
    "    const d = document.createElement('div');\n"
    "    d.className = 'n';\n"
    "    Object.assign(d.style, { left: r.x + 'px', top: r.y + 'px', "
    "width: r.w + 'px', height: r.h + 'px', background: color(i) });\n"
    "    d.title = label(r.item.node);\n"
    "    d.dataset.name = r.item.node.name;\n"
    "    d.textContent = r.w > 40 && r.h > 14 ? r.item.node.name : '';\n"
    "    const sub = kids(r.item.node).map((k) => ({ node: k, value: "
    "k.v[measure] }));\n"
    "    if (r.w > 60 && r.h > 40)\n"
    "      squarify(sub, 2, 16, r.w - 6, r.h - 20).forEach((s, j) => {\n"
    "        const c = document.createElement('div');\n"
    "        c.className = 'c';\n"
    "        Object.assign(c.style, { left: s.x + 'px', top: s.y + 'px', "
    "width: s.w + 'px', height: s.h + 'px', background: 'hsla(' + ((i * "
    "47 + j * 29) % 360) + ',50%,72%,.85)' });\n"
    "        c.title = label(s.item.node);\n"
    "        c.textContent = s.w > 40 && s.h > 12 ? s.item.node.name : '';\n"
    "        d.appendChild(c);\n"
    "      });\n"
    "    d.addEventListener('click', () => { if (r.item.node.kids.size) { "
    "focus = r.item.node; draw(); } });\n"
    "    map.appendChild(d);\n"
    "  });\n"
    "  const crumbs = document.getElementById('crumbs');\n"
    "  crumbs.textContent = '';\n"
    "  const chain = [];\n"
    "  for (let n = focus; n; n = n.parent) chain.unshift(n);\n"
    "  chain.forEach((n, i) => {\n"
    "    if (i) crumbs.append(' > ');\n"
    "    const a = document.createElement('a');\n"
    "    a.textContent = n.name;\n"
    "    a.addEventListener('click', () => { focus = n; draw(); });\n"
    "    crumbs.appendChild(a);\n"
    "  });\n"
    "  document.getElementById('total').textContent = label(focus);\n"
    "  KEYS.forEach((k, i) => document.getElementById('s-' + "
    "k).classList.toggle('on', i === measure));\n"
    "}\n"
    "KEYS.forEach((k, i) => {\n"
    "  const b = document.getElementById('s-' + k);\n"
    "  b.disabled = i > 0 && !DATA.sizes.includes(k);\n"
    "  b.addEventListener('click', () => { measure = i; draw(); });\n"
    "});\n"
    "for (const f of DATA.findings) {\n"
    "  const li = document.createElement('li'), k = "
    "document.createElement('span');\n"
    "  k.className = 'kind';\n"
    "  k.textContent = f.kind;\n"
    "  li.append(k, ' ' + f.message + (f.bytes ? ' (' + fmt(f.bytes) + ')' "
    ": ''));\n"
    "  document.getElementById('flist').appendChild(li);\n"
    "}\n"
    "focus = root.kids.size === 1 ? [...root.kids.values()][0] : root;\n"
    "draw();\n"
    "window.addEventListener('resize', draw);\n"
    "</script></body></html>\n";

/* Copy s to fp with "</" and "<!--" escaped for a script element, and the
 * line separators JSON allows but old JavaScript did not. */
static void script_safe(FILE *fp, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '<' && i + 1 < n &&
		    (s[i + 1] == '/' || s[i + 1] == '!'))
			fputs("\\u003c", fp);
		else if ((unsigned char)s[i] == 0xe2 && i + 2 < n &&
			 (unsigned char)s[i + 1] == 0x80 &&
			 ((unsigned char)s[i + 2] == 0xa8 ||
			  (unsigned char)s[i + 2] == 0xa9)) {
			fputs((unsigned char)s[i + 2] == 0xa8 ? "\\u2028"
							      : "\\u2029",
			      fp);
			i += 2;
		} else
			fputc(s[i], fp);
	}
}

/* The package label and the directory inside it of a source. */
static void place(const struct bundle *b, const struct bundle_entry *e,
		  struct strbuf *pkg, struct strbuf *dir, const char **file)
{
	const char *p = e->path, *slash;

	strbuf_reset(pkg);
	strbuf_reset(dir);
	if (e->pkg >= 0 && b->pkgs.v[e->pkg].ignored) {
		strbuf_addstr(pkg, "[ignored] (third-party: the map's "
				   "ignoreList)");
	} else if (e->pkg >= 0) {
		const struct bundle_pkg *pk = &b->pkgs.v[e->pkg];

		strbuf_addf(pkg, "%s@%s", pk->name,
			    *pk->version ? pk->version : "?");
		p += strlen(pk->root);
		while (*p == '/')
			p++;
	} else {
		strbuf_addstr(pkg, e->path[0] == '[' ? "(not from a source)"
						     : "(own code)");
	}
	slash = strrchr(p, '/');
	if (slash)
		strbuf_add(dir, p, slash - p);
	*file = slash ? slash + 1 : p;
}

void bundle_write_html(const struct bundle *b, FILE *fp)
{
	char *buf = NULL;
	size_t len = 0, i, j;
	FILE *mem = open_memstream(&buf, &len);
	struct json_writer w;
	struct strbuf pkg = STRBUF_INIT, dir = STRBUF_INIT;

	json_init(&w, mem, 0);
	json_begin_object(&w);
	json_key(&w, "sizes");
	json_begin_array(&w);
	json_string(&w, "raw");
	if (b->sizes & BUNDLE_GZIP)
		json_string(&w, "gzip");
	if (b->sizes & BUNDLE_BROTLI)
		json_string(&w, "brotli");
	json_end_array(&w);
	json_key(&w, "assets");
	json_begin_array(&w);
	for (i = 0; i < b->assets.len; i++) {
		const struct bundle_asset *a = &b->assets.v[i];

		json_begin_object(&w);
		json_kv_string(&w, "path", a->path);
		json_key(&w, "leaves");
		json_begin_array(&w);
		for (j = 0; j < a->ent.len; j++) {
			const struct bundle_entry *e = &a->ent.v[j];
			const char *file;

			if (!e->bytes)
				continue;
			place(b, e, &pkg, &dir, &file);
			json_begin_array(&w);
			json_string(&w, pkg.buf);
			json_string(&w, dir.buf);
			json_string(&w, file);
			json_uint(&w, e->bytes);
			json_uint(&w, (uint64_t)(e->gzip + 0.5));
			json_uint(&w, (uint64_t)(e->brotli + 0.5));
			json_end_array(&w);
		}
		json_end_array(&w);
		json_end_object(&w);
	}
	json_end_array(&w);
	bundle_write_findings_json(b, &w);
	json_end_object(&w);
	fclose(mem);
	fputs(page_head, fp);
	script_safe(fp, buf, len);
	fputs(page_script, fp);
	free(buf);
	strbuf_release(&pkg);
	strbuf_release(&dir);
}
