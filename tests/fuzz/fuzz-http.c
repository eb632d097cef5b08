/* libFuzzer target: the HTTP/1.x response parser, fed in pieces whose
 * sizes come from the first byte, over pipelined responses. */
#include "core/compat.h"
#include "load/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_parser p;
	size_t step, off = 1;

	if (!size)
		return 0;
	step = (size_t)(data[0] % 17) + 1;
	http_parser_reset(&p, data[0] & 0x80);
	while (off < size) {
		size_t n = MIN(step, size - off);
		ssize_t used = http_parse(&p, (const char *)data + off, n);

		if (used < 0)
			return 0;
		if ((size_t)used > n)
			__builtin_trap();
		off += (size_t)used;
		if (p.state == HTTP_DONE)
			http_parser_reset(&p, 0);
	}
	http_parse_eof(&p);
	return 0;
}
