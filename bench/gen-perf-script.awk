# Generate synthetic `perf script` text with many distinct frame lines:
#   awk -v samples=N -v syms=M -v seed=S -f bench/gen-perf-script.awk
# Every frame line carries its own +0xOFFSET, as real profiles do, so a
# collapser cannot get by on caching repeated lines.
BEGIN {
	srand(seed ? seed : 1)
	if (!samples) samples = 100000
	if (!syms) syms = 5000
	split("libc.so.6 libstdc++.so.6 app libssl.so.3 libz.so.1", dsos, " ")
	for (s = 0; s < samples; s++) {
		pid = 1000 + int(rand() * 8)
		printf "app-%d %d/%d [00%d] %d.%06d: %d cpu-clock:ppp: \n",
			pid % 3, pid, pid + int(rand() * 4), s % 4, 100 + s / 1000,
			s % 1000000, 1001001
		depth = 3 + int(rand() * 25)
		for (d = 0; d < depth; d++) {
			f = int(rand() * rand() * syms)
			dso = dsos[1 + f % 5]
			printf "\t%16x ns%d::Class%d::method_%d(int, char const*)+0x%x (/usr/lib/x86_64-linux-gnu/%s)\n",
				4194304 + f * 4096 + int(rand() * 4096), f % 17, f % 101, f,
				int(rand() * 4096), dso
		}
		print ""
	}
}
