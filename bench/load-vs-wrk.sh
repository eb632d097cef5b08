#!/bin/bash
# perfops load against wrk, in one run, on the same nginx (Debian's, started
# here on a free loopback port with tests/data/load/nginx.conf): requests
# per second and CPU time per request (user + system of the load
# generator's process, from getrusage via /usr/bin/time) at the same
# threads, connections and duration.  Rounds alternate the tools so drift
# on a shared machine hits both alike.  Prints the ratio perfops / wrk
# (CPU per request: lower is better; the aim is 0.7 or less).  Then the
# same for HTTP/2 (h2c, one stream per connection) against h2load, when
# nghttp2-client is installed.
#   bench/load-vs-wrk.sh [DURATION_S] [CONNECTIONS] [THREADS] [ROUNDS]
# Exits 3 when nginx or wrk is missing.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
PERFOPS=${PERFOPS:-$top/${BUILD:-build}/src/perfops}
LS=$top/${BUILD:-build}/tests/helper/load-server
d=${1:-5} c=${2:-100} t=${3:-2} rounds=${4:-3}
tmp=$(mktemp -d)
ngpid= ng2pid=
trap 'for p in $ngpid $ng2pid; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT

NGINX=$(command -v nginx || echo /usr/sbin/nginx)
for need in "$NGINX" wrk /usr/bin/time; do
	if ! command -v "$need" >/dev/null 2>&1; then
		echo "load-vs-wrk: $need is not installed (scripts/install-deps --check)" >&2
		exit 3
	fi
done
port=$("$LS" --free-port)
mkdir -p "$tmp/www" "$tmp/tmp"
echo hello >"$tmp/www/index.html"
sed "s#@PORT@#$port#; s#@ROOT@#$tmp#g; s#access_log .*#access_log off;#" \
	"$top/tests/data/load/nginx.conf" >"$tmp/nginx.conf"
"$NGINX" -p "$tmp" -c "$tmp/nginx.conf" -e "$tmp/error.log" &
ngpid=$!
sleep 0.5
url=http://127.0.0.1:$port/index.html
echo "perfops: $("$PERFOPS" --version); wrk: $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
echo "nginx on $url; $t threads, $c connections, ${d}s a run, $rounds rounds"

# one TOOL URL: run it under /usr/bin/time; prints "requests cpu_seconds".
one() {
	case $1 in
	wrk) /usr/bin/time -f '%U %S' -o "$tmp/time" wrk -t"$t" -c"$c" -d"${d}s" "$2" >"$tmp/out" ;;
	h2load) /usr/bin/time -f '%U %S' -o "$tmp/time" h2load -t"$t" -c"$c" -m1 -D"$d" "$2" >"$tmp/out" ;;
	perfops-h2) /usr/bin/time -f '%U %S' -o "$tmp/time" "$PERFOPS" load --h2 -t "$t" -c "$c" -d "${d}s" "$2" >"$tmp/out" ;;
	*) /usr/bin/time -f '%U %S' -o "$tmp/time" "$PERFOPS" load -t "$t" -c "$c" -d "${d}s" "$2" >"$tmp/out" ;;
	esac
	n=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p; s/^requests: [0-9]* total, [0-9]* started, \([0-9]*\) done.*/\1/p' "$tmp/out")
	echo "$n $(awk '{ print $1 + $2 }' "$tmp/time")"
}

# compare PERFOPS-MODE OTHER URL: rounds of both, then the totals and ratio.
compare() {
	local pn=0 pc=0 wn=0 wc=0 i n cpu prps wrps pcpu wcpu
	for i in $(seq "$rounds"); do
		read -r n cpu < <(one "$1" "$3")
		printf '  round %d perfops: %9d requests, %6.0f req/s, %5.2f us CPU/request\n' \
			"$i" "$n" "$(echo "$n / $d" | bc -l)" "$(echo "$cpu * 1000000 / $n" | bc -l)"
		pn=$((pn + n)); pc=$(echo "$pc + $cpu" | bc -l)
		read -r n cpu < <(one "$2" "$3")
		printf '  round %d %-7s  %9d requests, %6.0f req/s, %5.2f us CPU/request\n' \
			"$i" "$2:" "$n" "$(echo "$n / $d" | bc -l)" "$(echo "$cpu * 1000000 / $n" | bc -l)"
		wn=$((wn + n)); wc=$(echo "$wc + $cpu" | bc -l)
	done
	prps=$(echo "$pn / ($d * $rounds)" | bc -l)
	wrps=$(echo "$wn / ($d * $rounds)" | bc -l)
	pcpu=$(echo "$pc * 1000000 / $pn" | bc -l)
	wcpu=$(echo "$wc * 1000000 / $wn" | bc -l)
	printf 'perfops: %8.0f req/s, %5.2f us CPU/request\n' "$prps" "$pcpu"
	printf '%-8s %8.0f req/s, %5.2f us CPU/request\n' "$2:" "$wrps" "$wcpu"
	printf 'ratio perfops/%s: req/s %.2f, CPU/request %.2f\n' "$2" \
		"$(echo "$prps / $wrps" | bc -l)" "$(echo "$pcpu / $wcpu" | bc -l)"
}

echo "HTTP/1.1, perfops load against wrk:"
compare perfops wrk "$url"

if ! command -v h2load >/dev/null 2>&1 || ! command -v openssl >/dev/null 2>&1; then
	echo "HTTP/2: skipped, h2load or openssl is not installed (nghttp2-client)"
	exit 0
fi
# nginx-tls.conf serves h2c on its second port; its TLS port needs a key.
d2=$tmp/h2
mkdir -p "$d2/www" "$d2/tmp"
echo hello >"$d2/www/index.html"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
	-keyout "$d2/key.pem" -out "$d2/cert.pem" 2>/dev/null
p1=$("$LS" --free-port) p2=$("$LS" --free-port)
sed "s#@PORT@#$p1#; s#@PORT2@#$p2#; s#@ROOT@#$d2#g; s#access_log .*#access_log off;#" \
	"$top/tests/data/load/nginx-tls.conf" >"$d2/nginx.conf"
"$NGINX" -p "$d2" -c "$d2/nginx.conf" -e "$d2/error.log" &
ng2pid=$!
sleep 0.5
echo "HTTP/2 (h2c, 1 stream per connection), perfops load --h2 against h2load:"
compare perfops-h2 h2load "http://127.0.0.1:$p2/index.html"
