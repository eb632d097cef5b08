#include "core/compat.h"
#include "load/connio.h"
#include "sys/loop.h"
#include <criterion/criterion.h>

/* Plain TCP, and TLS that does not cross: read when readable, write when
 * writable and only while bytes wait. */
Test(connio, plain_reads_when_readable_writes_when_writable)
{
	cr_assert_eq(conn_io_watch(0), LOOP_READ);
	cr_assert_eq(conn_io_watch(CONN_IO_WRITE_PENDING),
		     LOOP_READ | LOOP_WRITE);
	cr_assert_eq(conn_io_retry(0, LOOP_READ), LOOP_READ);
	cr_assert_eq(conn_io_retry(0, LOOP_WRITE), 0);
	cr_assert_eq(conn_io_retry(CONN_IO_WRITE_PENDING, LOOP_WRITE),
		     LOOP_WRITE);
	cr_assert_eq(conn_io_retry(CONN_IO_WRITE_PENDING, LOOP_READ),
		     LOOP_READ);
}

/* SSL_read said WANT_WRITE (a key update to answer, the send buffer
 * full), with no request waiting to be written: the connection must wait
 * for writability, and then retry the read, not a write. */
Test(connio, read_that_wants_write_waits_for_writable_and_reads)
{
	unsigned io = CONN_IO_READ_WANTS_WRITE;

	cr_assert_eq(conn_io_watch(io), LOOP_READ | LOOP_WRITE);
	cr_assert_eq(conn_io_retry(io, LOOP_WRITE), LOOP_READ);
	/* With a request waiting too, both go on: the read first. */
	io |= CONN_IO_WRITE_PENDING;
	cr_assert_eq(conn_io_retry(io, LOOP_WRITE), LOOP_READ | LOOP_WRITE);
}

/* SSL_write said WANT_READ: the write is retried when readable, and
 * writability alone (always there) is not watched, or the loop would
 * spin. */
Test(connio, write_that_wants_read_waits_for_readable_and_writes)
{
	unsigned io = CONN_IO_WRITE_PENDING | CONN_IO_WRITE_WANTS_READ;

	cr_assert_eq(conn_io_watch(io), LOOP_READ);
	cr_assert_eq(conn_io_retry(io, LOOP_READ), LOOP_READ | LOOP_WRITE);
	cr_assert_eq(conn_io_retry(io, LOOP_WRITE), 0);
	/* Both crossed at once: either event retries both. */
	io |= CONN_IO_READ_WANTS_WRITE;
	cr_assert_eq(conn_io_watch(io), LOOP_READ | LOOP_WRITE);
	cr_assert_eq(conn_io_retry(io, LOOP_WRITE), LOOP_READ);
	cr_assert_eq(conn_io_retry(io, LOOP_READ), LOOP_READ | LOOP_WRITE);
}
