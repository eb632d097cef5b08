# A PostgreSQL stderr log of about MB megabytes, as log_min_duration_statement
# = 0 writes it with Debian's log_line_prefix '%m [%p] %q%u@%d ': 40
# sessions, a dozen statement shapes with varying constants, BEGIN/COMMIT,
# statements on several lines, extended-protocol executes with parameters.
#   awk -v MB=1024 -f bench/gen-pglog.awk > big.log
# With -v MYSQL=1 the same statements as a MySQL slow log instead.
BEGIN {
	srand(13)
	limit = MB * 1024 * 1024
	t = 0
	while (bytes < limit) {
		t += 0.0007
		sec = int(t)
		ts = sprintf("2026-12-02 %02d:%02d:%02d.%03d UTC", int(sec / 3600) % 24,
			     int(sec / 60) % 60, sec % 60, int((t - sec) * 1000))
		pid = 20000 + int(rand() * 40)
		p = ts " [" pid "] app@shop "
		k = int(rand() * 12)
		d = sprintf("%.3f", rand() * rand() * 50)
		if (k == 0)
			l = p "LOG:  duration: " d " ms  statement: SELECT * FROM orders WHERE id = " int(rand() * 1e6)
		else if (k == 1)
			l = p "LOG:  duration: " d " ms  statement: SELECT name, email FROM customers WHERE id IN (" int(rand() * 1e5) ", " int(rand() * 1e5) ", " int(rand() * 1e5) ")"
		else if (k == 2)
			l = p "LOG:  duration: " d " ms  statement: BEGIN"
		else if (k == 3)
			l = p "LOG:  duration: " d " ms  statement: COMMIT"
		else if (k == 4)
			l = p "LOG:  duration: " d " ms  statement: UPDATE orders SET status = 'shipped', updated_at = now() WHERE id = " int(rand() * 1e6)
		else if (k == 5)
			l = p "LOG:  duration: " d " ms  statement: INSERT INTO events (kind, payload) VALUES ('click', '{\"x\": " int(rand() * 100) "}')"
		else if (k == 6)
			l = p "LOG:  duration: " d " ms  statement: SELECT o.id, sum(i.amount)\n\t  FROM orders o JOIN items i ON i.order_id = o.id\n\t WHERE o.customer_id = " int(rand() * 1e5) "\n\t GROUP BY o.id"
		else if (k == 7)
			l = p "LOG:  duration: " d " ms  execute <unnamed>: SELECT * FROM sessions WHERE token = $1\n" p "DETAIL:  parameters: $1 = '" int(rand() * 1e9) "'"
		else if (k == 8)
			l = p "LOG:  duration: " d " ms  statement: SELECT count(*) FROM orders WHERE created_at > now() - interval '" int(rand() * 30) " days'"
		else if (k == 9)
			l = p "LOG:  duration: " d " ms  statement: DELETE FROM carts WHERE updated_at < '2026-11-" sprintf("%02d", 1 + int(rand() * 28)) "'"
		else if (k == 10)
			l = p "LOG:  duration: " d " ms  statement: SELECT p.* FROM products p WHERE p.category = 'c" int(rand() * 50) "' ORDER BY p.price DESC LIMIT 20"
		else
			l = p "LOG:  duration: " d " ms  statement: SET application_name = 'worker-" int(rand() * 8) "'"
		if (MYSQL) {
			# The statement alone, in slow-log framing.
			sub(/^.*(statement|execute <unnamed>): /, "", l)
			sub(/\n.*DETAIL:  parameters: \$1 = /, " -- ", l)
			gsub(/\n\t/, "\n", l)
			l = sprintf("# Time: 2026-12-02T%s\n# User@Host: app[app] @ localhost []  Id: %d\n# Query_time: %.6f  Lock_time: 0.000000 Rows_sent: 1  Rows_examined: 1\nSET timestamp=%d;\n%s;",
				    substr(ts, 12, 12) "Z", pid, d / 1000, 1764669600 + sec, l)
		}
		print l
		bytes += length(l) + 1
	}
}
