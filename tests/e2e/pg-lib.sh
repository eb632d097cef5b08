# Start a throw-away PostgreSQL for a TAP test (sourced after lib.sh):
#   pg_find || { skip ...; exit 0; }   finds Debian's binaries ($bindir)
#   pg_start [-c name=value]...        initdb + start in $T/pg, unix socket
#                                      there; stopped and removed at exit
# then psql_ runs psql on it and $CONN is its libpq conninfo.
pg_find() {
	bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
	[ -n "$bindir" ] && [ -x "$bindir/initdb" ] && [ -x "$bindir/pg_ctl" ] &&
		command -v psql >/dev/null
}
pg_start() {
	asuser=
	if [ "$(id -u)" = 0 ]; then
		# initdb refuses to run as root.
		asuser="runuser -u postgres --"
		chmod 755 "$T"
	fi
	PGD=$T/pg
	mkdir -p "$PGD"
	[ -n "$asuser" ] && chown postgres "$PGD"
	PORT=$((50000 + $$ % 10000))
	trap pg_stop EXIT
	$asuser "$bindir/initdb" -D "$PGD/data" -A trust -U postgres >"$PGD/initdb.log" 2>&1 &&
		$asuser "$bindir/pg_ctl" -D "$PGD/data" -l "$PGD/log" -w \
			-o "-k $PGD -p $PORT -c listen_addresses='' $*" \
			start >"$PGD/start.log" 2>&1
	local st=$?
	[ $st -ne 0 ] && diag "$(tail -5 "$PGD/initdb.log" "$PGD/start.log" "$PGD/log" 2>/dev/null)"
	CONN="host=$PGD port=$PORT user=postgres dbname=postgres"
	return $st
}
pg_stop() {
	$asuser "$bindir/pg_ctl" -D "$PGD/data" -m immediate stop >/dev/null 2>&1
	rm -rf "$T"
}
# pg_up N-IF-ABSENT N-IF-FAILED [-c name=value]...: pg_find and pg_start
# as one TAP test; skips the given numbers of tests and ends the file when
# there is no PostgreSQL or it does not start.
pg_up() {
	local absent=$1 failed=$2 st
	shift 2
	if ! pg_find; then
		skip "PostgreSQL binaries not installed (Debian package postgresql)" "$absent"
		exit 0
	fi
	pg_start "$@"
	st=$?
	ok $st "PostgreSQL ($bindir) starts in a temporary directory"
	if [ $st -ne 0 ]; then
		skip "no server" "$failed"
		exit 0
	fi
}
psql_() { psql -X -q -v ON_ERROR_STOP=1 -h "$PGD" -p "$PORT" -U postgres "$@"; }
