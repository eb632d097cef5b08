#include "core/compat.h"
#include "flame/layout.h"
#include "core/hash.h"

/*
 * The palettes of flamegraph.pl's color(), with its constants, so a graph
 * drawn by perfops looks like the one users know.  The one change: where
 * flamegraph.pl picks random colours (its default), perfops derives them
 * from a hash of the name, so the same input gives the same bytes.
 */

static const char *const palette_names[] = {
    [FLAME_HOT] = "hot",       [FLAME_MEM] = "mem",
    [FLAME_IO] = "io",	       [FLAME_WAKEUP] = "wakeup",
    [FLAME_JAVA] = "java",     [FLAME_JS] = "js",
    [FLAME_PERL] = "perl",     [FLAME_RED] = "red",
    [FLAME_GREEN] = "green",   [FLAME_BLUE] = "blue",
    [FLAME_AQUA] = "aqua",     [FLAME_YELLOW] = "yellow",
    [FLAME_PURPLE] = "purple", [FLAME_ORANGE] = "orange",
    [FLAME_CHAIN] = "chain",
};

int flame_palette_parse(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(palette_names); i++)
		if (!strcmp(palette_names[i], name))
			return i;
	return -1;
}

static int is_hex_color(const char *s)
{
	size_t i;

	if (s[0] != '#' || strlen(s) != 7)
		return 0;
	for (i = 1; i < 7; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

int flame_bgcolors_valid(const char *s)
{
	return !strcmp(s, "yellow") || !strcmp(s, "blue") ||
	       !strcmp(s, "green") || !strcmp(s, "grey") || is_hex_color(s);
}

void flame_bgcolors(const struct flame_opts *o, const char **c1,
		    const char **c2)
{
	const char *bg = o->bgcolors;

	if (!bg || !*bg) {
		switch (o->palette) {
		case FLAME_MEM:
			bg = "green";
			break;
		case FLAME_IO:
		case FLAME_WAKEUP:
		case FLAME_CHAIN:
			bg = "blue";
			break;
		case FLAME_RED:
		case FLAME_GREEN:
		case FLAME_BLUE:
		case FLAME_AQUA:
		case FLAME_YELLOW:
		case FLAME_PURPLE:
		case FLAME_ORANGE:
			bg = "grey";
			break;
		default:
			bg = "yellow";
			break;
		}
	}
	*c1 = "#eeeeee";
	if (!strcmp(bg, "yellow")) {
		*c2 = "#eeeeb0";
	} else if (!strcmp(bg, "blue")) {
		*c2 = "#e0e0ff";
	} else if (!strcmp(bg, "green")) {
		*c1 = "#eef2ee";
		*c2 = "#e0ffe0";
	} else if (!strcmp(bg, "grey")) {
		*c1 = "#f8f8f8";
		*c2 = "#e8e8e8";
	} else {
		*c1 = *c2 = bg;
	}
}

/*
 * flamegraph.pl's namehash(): weights the first three characters, so
 * names that start alike get alike colours.  A "module`" prefix is
 * skipped first, as the Perl s/.(.*?)`// does.
 */
double flame_namehash(const char *name, size_t len, int reverse)
{
	double vector = 0, weight = 1, max = 1;
	unsigned mod = 10;
	size_t i, start = 0;

/* The j-th character of the name, or of the reversed name. */
#define AT(j) (reverse ? name[len - 1 - (j)] : name[(j)])
	for (i = 1; i < len; i++) {
		if (AT(i) == '`') {
			start = i + 1;
			break;
		}
	}
	for (i = start; i < len; i++) {
		unsigned c = (unsigned char)AT(i) % mod;

		vector += ((double)c / (mod++ - 1)) * weight;
		max += weight;
		weight *= 0.70;
		if (mod > 12)
			break;
	}
#undef AT
	return 1 - vector / max;
}

static int has_suffix(const char *s, size_t len, const char *suf)
{
	size_t n = strlen(suf);

	return len >= n && !memcmp(s + len - n, suf, n);
}

static int has(const char *s, size_t len, const char *needle)
{
	return memmem(s, len, needle, strlen(needle)) != NULL;
}

/* flamegraph.pl's "multi palettes" pick a flat palette by the name. */
static enum flame_palette resolve(enum flame_palette pal, const char *s,
				  size_t len)
{
	static const char *const java_pkgs[] = {
	    "java/", "javax/", "jdk/", "net/", "org/", "com/", "io/", "sun/"};
	size_t i;

	switch (pal) {
	case FLAME_JAVA:
		if (has_suffix(s, len, "_[j]"))
			return FLAME_GREEN;
		if (has_suffix(s, len, "_[i]"))
			return FLAME_AQUA;
		for (i = 0; i < ARRAY_SIZE(java_pkgs); i++) {
			size_t n = strlen(java_pkgs[i]);
			size_t off = len > 0 && s[0] == 'L';

			if ((len >= n && !memcmp(s, java_pkgs[i], n)) ||
			    (off && len - 1 >= n &&
			     !memcmp(s + 1, java_pkgs[i], n)))
				return FLAME_GREEN;
		}
		if (has(s, len, ":::"))
			return FLAME_GREEN;
		if (has(s, len, "::"))
			return FLAME_YELLOW;
		if (has_suffix(s, len, "_[k]"))
			return FLAME_ORANGE;
		return FLAME_RED;
	case FLAME_PERL:
		if (has(s, len, "::"))
			return FLAME_YELLOW;
		if (has(s, len, "Perl") || has(s, len, ".pl"))
			return FLAME_GREEN;
		if (has_suffix(s, len, "_[k]"))
			return FLAME_ORANGE;
		return FLAME_RED;
	case FLAME_JS: {
		const char *slash = memchr(s, '/', len);

		if (has_suffix(s, len, "_[j]"))
			return slash ? FLAME_GREEN : FLAME_AQUA;
		if (has(s, len, "::"))
			return FLAME_YELLOW;
		if (slash && has(slash, len - (slash - s), ".js"))
			return FLAME_GREEN;
		if (memchr(s, ':', len))
			return FLAME_AQUA;
		if (len == 1 && s[0] == ' ')
			return FLAME_GREEN;
		if (has(s, len, "_[k]"))
			return FLAME_ORANGE;
		return FLAME_RED;
	}
	case FLAME_WAKEUP:
		return FLAME_AQUA;
	case FLAME_CHAIN:
		return has(s, len, "_[w]") ? FLAME_AQUA : FLAME_BLUE;
	default:
		return pal;
	}
}

void flame_color(enum flame_palette pal, unsigned flags, const char *name,
		 size_t len, char *buf)
{
	double v1, v2, v3;
	int r, g, b;

	if (flags & FLAME_HASH) {
		v1 = flame_namehash(name, len, 0);
		v2 = v3 = flame_namehash(name, len, 1);
	} else {
		uint64_t h = hash_bytes(name, len);

		/* Three independent 21-bit fractions of one 64-bit hash. */
		v1 = (double)(h & 0x1fffff) / 0x200000;
		v2 = (double)((h >> 21) & 0x1fffff) / 0x200000;
		v3 = (double)((h >> 42) & 0x1fffff) / 0x200000;
	}
	switch (resolve(pal, name, len)) {
	case FLAME_HOT:
		r = 205 + (int)(50 * v3);
		g = (int)(230 * v1);
		b = (int)(55 * v2);
		break;
	case FLAME_MEM:
		r = 0;
		g = 190 + (int)(50 * v2);
		b = (int)(210 * v1);
		break;
	case FLAME_IO:
		r = g = 80 + (int)(60 * v1);
		b = 190 + (int)(55 * v2);
		break;
	case FLAME_RED:
		r = 200 + (int)(55 * v1);
		g = b = 50 + (int)(80 * v1);
		break;
	case FLAME_GREEN:
		g = 200 + (int)(55 * v1);
		r = b = 50 + (int)(60 * v1);
		break;
	case FLAME_BLUE:
		b = 205 + (int)(50 * v1);
		r = g = 80 + (int)(60 * v1);
		break;
	case FLAME_YELLOW:
		r = g = 175 + (int)(55 * v1);
		b = 50 + (int)(20 * v1);
		break;
	case FLAME_PURPLE:
		r = b = 190 + (int)(65 * v1);
		g = 80 + (int)(60 * v1);
		break;
	case FLAME_AQUA:
		r = 50 + (int)(60 * v1);
		g = b = 165 + (int)(55 * v1);
		break;
	case FLAME_ORANGE:
		r = 190 + (int)(65 * v1);
		g = 90 + (int)(65 * v1);
		b = 0;
		break;
	default:
		r = g = b = 0;
		break;
	}
	snprintf(buf, FLAME_COLOR_MAX, "rgb(%d,%d,%d)", r, g, b);
}

void flame_color_scale(double delta, double maxdelta, int negate, char *buf)
{
	int r = 255, g = 255, b = 255;

	if (negate)
		delta = -delta;
	if (maxdelta > 0 && delta > 0) {
		g = b = (int)(210 * (maxdelta - delta) / maxdelta);
	} else if (maxdelta > 0 && delta < 0) {
		r = g = (int)(210 * (maxdelta + delta) / maxdelta);
	}
	snprintf(buf, FLAME_COLOR_MAX, "rgb(%d,%d,%d)", r, g, b);
}
