# Servers for the `perfops load` tests (sourced after lib.sh): Debian's
# nginx with tests/data/load/nginx.conf and the misbehaving test server
# tests/helper/load-server, each on a free loopback port in $T, stopped by
# the EXIT trap.
LS=$BUILD/tests/helper/load-server
_pids=
trap 'for p in $_pids; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$T"' EXIT
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

# start_nginx DIR [CONF]: nginx serving DIR/www on a free port with
# tests/data/load/CONF (default nginx.conf); sets $NGINX_PORT (and
# $NGINX_PORT2 for a config with a second server).  Returns 1
# when nginx is not installed or does not start.
start_nginx() {
	local d=$1 conf=${2:-nginx.conf} pid
	[ -x "$NGINX" ] || return 1
	mkdir -p "$d/www" "$d/tmp"
	NGINX_PORT=$("$LS" --free-port)
	NGINX_PORT2=$("$LS" --free-port)
	sed "s#@PORT@#$NGINX_PORT#; s#@PORT2@#$NGINX_PORT2#; s#@ROOT@#$d#g" \
		"$TOP/tests/data/load/$conf" >"$d/nginx.conf"
	"$NGINX" -p "$d" -c "$d/nginx.conf" -e "$d/error.log" &
	pid=$!
	_pids="$_pids $pid"
	# nginx writes its pid file once it listens.  A loaded machine may
	# take long; a nginx that exits (a port taken) is not waited for.
	wait_for 120 "nginx's pid file $d/nginx.pid" started "$pid" "$d/nginx.pid"
	[ -s "$d/nginx.pid" ] && return 0
	echo "# nginx did not start: $(tail -3 "$d/error.log" 2>/dev/null)"
	return 1
}
# started PID FILE: FILE is written, or PID is gone (then wait no more).
started() {
	[ -s "$2" ] && return 0
	kill -0 "$1" 2>/dev/null || { [ -s "$2" ] || echo "# process $1 exited"; return 0; }
	return 1
}

# nginx_logged FILE N: wait until nginx's access log FILE has N lines at
# least.  nginx logs a request once it has sent the answer, which perfops
# may have read (and exited) before a busy nginx got to log it; a log
# that stays short is left to the test's own check after 30 s.
nginx_logged() { wait_for 30 "$2 lines in $1" lines_at_least "$1" "$2"; }
lines_at_least() { [ "$(wc -l <"$1")" -ge "$2" ]; }

# start_tls_nginx N: nginx-tls.conf in $T/ng ($D) with a certificate for
# localhost and 127.0.0.1 made by openssl ($D/cert.pem); when nginx or
# openssl is missing, skip the N planned tests and end the file.
start_tls_nginx() {
	if ! command -v openssl >/dev/null || [ ! -x "$NGINX" ]; then
		skip "nginx or openssl not installed (scripts/install-deps --check)" "$1"
		exit 0
	fi
	D=$T/ng
	mkdir -p "$D"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
		-addext 'subjectAltName=DNS:localhost,IP:127.0.0.1' \
		-keyout "$D/key.pem" -out "$D/cert.pem" 2>/dev/null
	start_nginx "$D" nginx-tls.conf || { skip "nginx did not start" "$1"; exit 0; }
	echo hello >"$D/www/index.html"
}

# start_server NAME ARGS...: the test server; sets $PORT and remembers its
# pid in $SERVER_PID; its request count lands in $T/NAME.count on stop.
start_server() {
	local name=$1
	shift
	rm -f "$T/$name.port"
	"$LS" --port-file "$T/$name.port" --count-file "$T/$name.count" "$@" &
	SERVER_PID=$!
	_pids="$_pids $SERVER_PID"
	# Its port file is written once it listens (a loaded machine may
	# take long): without it every test after would fail for nothing.
	wait_for 120 "load-server $name's port file" started "$SERVER_PID" "$T/$name.port"
	if [ ! -s "$T/$name.port" ]; then
		echo "Bail out! load-server $name $* did not start (no port in $T/$name.port)"
		exit 1
	fi
	PORT=$(cat "$T/$name.port")
}
# stop_server: stop the last test server; its count is then written.
stop_server() {
	kill "$SERVER_PID"
	wait "$SERVER_PID" 2>/dev/null
}

# jget FILE EXPR: evaluate EXPR on the JSON object o read from FILE.
jget() {
	node -e 'const o = JSON.parse(require("fs").readFileSync(process.argv[1]));
		console.log(eval(process.argv[2]))' "$1" "$2"
}
