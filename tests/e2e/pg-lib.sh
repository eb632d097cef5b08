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
	# A throw-away cluster: initdb need not wait for the disk (--no-sync),
	# and pg_ctl waits 300 s, not its default 60, for a loaded machine.
	$asuser "$bindir/initdb" --no-sync -D "$PGD/data" -A trust -U postgres >"$PGD/initdb.log" 2>&1 &&
		$asuser "$bindir/pg_ctl" -D "$PGD/data" -l "$PGD/log" -w -t 300 \
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
# psql_quiet: psql_ for the tests' own polls and marks, whose statements
# stay out of the log the tests read (log_min_duration_statement=-1).
psql_quiet() { PGOPTIONS="-c log_min_duration_statement=-1" psql_ "$@"; }
# pg_reloaded NAME VALUE: after pg_reload_conf(), which only signals the
# server, wait until a new session has the new VALUE of setting NAME.
pg_reloaded() {
	wait_for 120 "$1 = '$2' after pg_reload_conf()" pg_setting_is "$1" "$2"
}
pg_setting_is() { [ "$(psql_quiet -At -c "SHOW $1" 2>/dev/null)" = "$2" ]; }
# pg_log_sync LOG...: wait until the logging collector has written every
# message sent so far to each LOG file (a mark logged now, after them,
# is in the file).
_pg_mark=0
pg_log_sync() {
	local m f
	_pg_mark=$((_pg_mark + 1))
	m="perfops-test log mark $_pg_mark"
	psql_quiet -c "DO \$\$BEGIN RAISE LOG '$m'; END\$\$" >/dev/null
	for f in "$@"; do
		wait_for 120 "'$m' in $f" grep -qF "$m" "$f"
	done
}
# pg_true SQL: the query's one value is true.
pg_true() { [ "$(psql_quiet -At -c "$1" 2>/dev/null)" = t ]; }
# pg_active QUERY: another session is running exactly QUERY.
pg_active() {
	pg_true "SELECT count(*) > 0 FROM pg_stat_activity WHERE state = 'active' AND query = '$1' AND pid <> pg_backend_pid()"
}
