#include "load/connio.h"
#include "sys/loop.h"

unsigned conn_io_watch(unsigned io)
{
	/* Responses may come at any time: always readable. */
	unsigned mask = LOOP_READ;

	if ((io & CONN_IO_READ_WANTS_WRITE) ||
	    ((io & CONN_IO_WRITE_PENDING) && !(io & CONN_IO_WRITE_WANTS_READ)))
		mask |= LOOP_WRITE;
	return mask;
}

unsigned conn_io_retry(unsigned io, unsigned ready)
{
	unsigned ops = 0;

	if ((ready & LOOP_READ) ||
	    ((ready & LOOP_WRITE) && (io & CONN_IO_READ_WANTS_WRITE)))
		ops |= LOOP_READ;
	if ((io & CONN_IO_WRITE_PENDING) &&
	    (io & CONN_IO_WRITE_WANTS_READ ? ready & LOOP_READ
					   : ready & LOOP_WRITE))
		ops |= LOOP_WRITE;
	return ops;
}
