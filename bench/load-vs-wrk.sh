#!/bin/bash
# perfops load against wrk, in one run, on the same nginx (Debian's, started
# here on a free loopback port with tests/data/load/nginx.conf): requests
# per second and CPU time per request (user + system of the load
# generator's process, from getrusage via /usr/bin/time) at the same
# threads, connections and duration.  Rounds alternate the tools so drift
# on a shared machine hits both alike.  Prints the ratio perfops / wrk
# (CPU per request: lower is better; the aim is 0.7 or less).
#   bench/load-vs-wrk.sh [DURATION_S] [CONNECTIONS] [THREADS] [ROUNDS]
# Exits 3 when nginx or wrk is missing.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
PERFOPS=${PERFOPS:-$top/${BUILD:-build}/src/perfops}
LS=$top/${BUILD:-build}/tests/helper/load-server
d=${1:-5} c=${2:-100} t=${3:-2} rounds=${4:-3}
tmp=$(mktemp -d)
ngpid=
trap '[ -n "$ngpid" ] && kill "$ngpid" 2>/dev/null; rm -rf "$tmp"' EXIT

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

# one TOOL OUT: run it under /usr/bin/time; prints "requests cpu_seconds".
one() {
	if [ "$1" = wrk ]; then
		/usr/bin/time -f '%U %S' -o "$tmp/time" wrk -t"$t" -c"$c" -d"${d}s" "$url" >"$tmp/out"
		n=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$tmp/out")
	else
		/usr/bin/time -f '%U %S' -o "$tmp/time" "$PERFOPS" load -t "$t" -c "$c" -d "${d}s" "$url" >"$tmp/out"
		n=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$tmp/out")
	fi
	echo "$n $(awk '{ print $1 + $2 }' "$tmp/time")"
}

pn=0 pc=0 wn=0 wc=0
for i in $(seq "$rounds"); do
	read -r n cpu < <(one perfops)
	printf '  round %d perfops: %9d requests, %6.0f req/s, %5.2f us CPU/request\n' \
		"$i" "$n" "$(echo "$n / $d" | bc -l)" "$(echo "$cpu * 1000000 / $n" | bc -l)"
	pn=$((pn + n)); pc=$(echo "$pc + $cpu" | bc -l)
	read -r n cpu < <(one wrk)
	printf '  round %d wrk:     %9d requests, %6.0f req/s, %5.2f us CPU/request\n' \
		"$i" "$n" "$(echo "$n / $d" | bc -l)" "$(echo "$cpu * 1000000 / $n" | bc -l)"
	wn=$((wn + n)); wc=$(echo "$wc + $cpu" | bc -l)
done
prps=$(echo "$pn / ($d * $rounds)" | bc -l)
wrps=$(echo "$wn / ($d * $rounds)" | bc -l)
pcpu=$(echo "$pc * 1000000 / $pn" | bc -l)
wcpu=$(echo "$wc * 1000000 / $wn" | bc -l)
printf 'perfops: %8.0f req/s, %5.2f us CPU/request\n' "$prps" "$pcpu"
printf 'wrk:     %8.0f req/s, %5.2f us CPU/request\n' "$wrps" "$wcpu"
printf 'ratio perfops/wrk: req/s %.2f, CPU/request %.2f\n' \
	"$(echo "$prps / $wrps" | bc -l)" "$(echo "$pcpu / $wcpu" | bc -l)"
