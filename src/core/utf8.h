#ifndef PERFOPS_UTF8_H
#define PERFOPS_UTF8_H

#include <stddef.h>
#include <stdio.h>

struct strbuf;

/*
 * Text from outside (symbol names from binaries, command lines, file
 * names) may hold any bytes.  Every writer that puts such text where a
 * format or a terminal expects something stricter goes through these:
 * json.c (invalid UTF-8 becomes \ufffd), strbuf_add_xml() (XML, SVG and
 * HTML: '?'), and the printable forms below for messages and text tables.
 */

/*
 * The length of the valid UTF-8 sequence at s (at most len bytes; len > 0):
 * 1 for any ASCII byte, 2 to 4 for a well-formed multibyte character, 0 for
 * a byte that does not start one (stray continuation bytes, overlong forms,
 * surrogates, code points past U+10FFFF, a sequence cut by len).
 */
size_t utf8_len(const char *s, size_t len);

/* Append the UTF-8 encoding of code point cp to sb; a surrogate or a
 * value past U+10FFFF becomes U+FFFD. */
void utf8_add_codepoint(struct strbuf *sb, unsigned long cp);

/*
 * Append s to sb with every control character a terminal could act on
 * (C0, DEL, C1 such as the 8-bit CSI) and every invalid UTF-8 byte
 * written as \xHH, so ESC ]0;title BEL or ESC [2J from a symbol name shows
 * as text instead of retitling or clearing the terminal.  Tabs stay.
 */
void utf8_add_printable(struct strbuf *sb, const char *s, size_t len);
/* The same, written to fp. */
void utf8_fput_printable(FILE *fp, const char *s, size_t len);
/* The same, as a new string the caller frees. */
char *utf8_printable_dup(const char *s);

#endif
