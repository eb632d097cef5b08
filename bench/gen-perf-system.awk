# Generate `perf script` text as perf 3.x/4.x prints a system-wide recording
# (perf record -a -g): many processes, kernel frames under user frames,
# about 28 frames a sample, JIT frames from /tmp/perf-PID.map, C++
# signatures, [unknown] frames.  Functions repeat as in a real recording,
# but each frame's address (its offset into the function) changes from
# sample to sample, so most frame lines are distinct, as in FlameGraph's
# own example recording.
#   awk -v mb=N [-v seed=S] [-v offsets=1] -f bench/gen-perf-system.awk
# mb: stop after N MB (default 40); offsets=1 prints "sym+0xOFF" as perf
# 4.8 and later do (default: perf 3.x, without).
function pick(n) { return int(rand() * n) }
# Index 0..n-1 skewed towards 0: a few call paths dominate.
function skew(n) { return int(rand() * rand() * n) }
# Hex digits by halves: awk's %x stops at 31 bits in some awks.
function hex32(v) { return sprintf("%04x%04x", int(v / 65536), v % 65536) }

# A kernel function: name, address and size.
function kfunc(i,    s, v, o) {
	s = ksub[1 + i % nksub]
	v = kverb[1 + int(i / nksub) % nkverb]
	o = knoun[1 + int(i / (nksub * nkverb)) % nknoun]
	kname[i] = (i % 5 == 0 ? "__" : "") s "_" v "_" o
	kaddr[i] = 2164260864 + i * 1040 # ffffffff81000000 + i * 0x410
	ksize[i] = 64 + pick(960)
}

# A user function of process p (or of libc when p == 0).
function ufunc(p, i,    ns, cl, args) {
	ns = unames[1 + pick(nunames)]
	cl = ucls[1 + pick(nucls)]
	args = uargs[1 + pick(nuargs)]
	if (p == 0)
		name = "__GI_" ns "_" cl "_" i
	else if (pkind[p] == "java" && i % 3 == 0)
		name = "Lcom/example/" ns "/" cl i ";::" unames[1 + i % nunames]
	else if (pkind[p] == "java" || pkind[p] == "cxx")
		name = ns "::" cl i "::" unames[1 + i % nunames] "(" args ")"
	else
		name = ns "_" cl "_" i
	uname[p, i] = name
	uaddr[p, i] = (p == 0 ? 2399141888 : 4194304 + p * 16777216) + i * 4096
	usize[p, i] = 32 + pick(3000)
}

# One frame line; hi is the address above 32 bits, as hex digits.
function frame(hi, addr, name, size, dso,    a, off) {
	off = pick(size)
	a = hi hex32(addr + off)
	sub(/^0+/, "", a)
	if (offsets)
		printf "\t%16s %s+0x%x (%s)\n", a, name, off, dso
	else
		printf "\t%16s %s (%s)\n", a, name, dso
	bytes += 24 + length(name) + length(dso) + (offsets ? 6 : 0)
}

BEGIN {
	srand(seed ? seed : 1)
	if (!mb) mb = 40
	limit = mb * 1048576
	nksub = split("tcp ip ext4 vfs sys do mm page sched irq softirq xen " \
		"native blk scsi skb sock futex hrtimer rcu kmem_cache " \
		"generic smp flush net", ksub, " ")
	nkverb = split("read write alloc free lookup send recv queue wake " \
		"flush map unmap fault poll select", kverb, " ")
	nknoun = split("page inode buffer entry lock timer pages node " \
		"request event mask", knoun, " ")
	nunames = split("run process handle dispatch execute update " \
		"parse commit lookup render serialize encode", unames, " ")
	nucls = split("Thread Worker Handler Executor Buffer Session Query " \
		"Table Index Channel Pipeline Context", ucls, " ")
	nuargs = split("int, char const*|void*|THD*, char*, unsigned int|" \
		"std::string const&|long, long|", uargs, "|")
	nk = 1500
	for (i = 0; i < nk; i++)
		kfunc(i)
	# Kernel call paths, outermost first: entry, syscall, deeper.
	nkc = 60
	for (c = 0; c < nkc; c++) {
		kclen[c] = 6 + pick(14)
		for (d = 0; d < kclen[c]; d++)
			kchain[c, d] = pick(nk)
	}
	# Processes: comm, kind, number of threads, weight.
	np = split("swapper java mysqld nginx bash sshd kworker/0:1 " \
		"V8_WorkerThread python3 postgres", pcomm, " ")
	split("idle java cxx c c c kernel cxx c c", pkind_l, " ")
	split("20 25 15 8 3 2 4 8 8 7", pw_l, " ")
	for (p = 1; p <= np; p++) {
		pkind[p] = pkind_l[p]
		sub(/_/, " ", pcomm[p]) # "V8 WorkerThread": a comm with a space
		pw[p] = pw_l[p] + (p > 1 ? pw[p - 1] : 0)
		ppid[p] = p == 1 ? 0 : 1000 + p * 137
		if (pkind[p] == "java")
			dso[p] = "/usr/lib/jvm/java-8-openjdk-amd64/jre/lib/amd64/server/libjvm.so"
		else if (pcomm[p] ~ / /)
			dso[p] = "/usr/bin/node"
		else
			dso[p] = "/usr/sbin/" pcomm[p]
		nuf[p] = 300 + pick(500)
		for (i = 0; i < nuf[p]; i++)
			ufunc(p, i)
		# User call paths, outermost first.
		for (c = 0; c < 40; c++) {
			uclen[p, c] = 20 + pick(26)
			for (d = 0; d < uclen[p, c]; d++)
				uchain[p, c, d] = pick(nuf[p])
		}
	}
	for (i = 0; i < 400; i++)
		ufunc(0, i)
	libc = "/lib/x86_64-linux-gnu/libc-2.23.so"
	jitmap = "/tmp/perf-" ppid[2] ".map"

	t = 30143.481555
	for (s = 0; bytes < limit; s++) {
		r = pick(pw[np])
		for (p = 1; pw[p] <= r; p++)
			;
		tid = ppid[p] + (p > 1 ? pick(16) : 0)
		t += 0.000013 + rand() * 0.0001
		line = sprintf("%s %d [%03d] %.6f: cpu-clock: ", pcomm[p], tid,
			pick(32), t)
		print line
		bytes += length(line) + 1
		# Kernel frames first (the leaf), innermost first.
		if (pkind[p] == "idle" || pkind[p] == "kernel" || rand() < 0.6) {
			c = skew(nkc)
			kd = int(kclen[c] / 2) + pick(kclen[c] - int(kclen[c] / 2))
			for (d = kd; d >= 0; d--) {
				i = kchain[c, d]
				frame("ffffffff", kaddr[i], kname[i], ksize[i],
					"[kernel.kallsyms]")
			}
		}
		if (pkind[p] != "idle" && pkind[p] != "kernel") {
			c = skew(40)
			ud = int(uclen[p, c] * 0.6) + pick(uclen[p, c] * 0.4)
			if (rand() < 0.4) # a libc leaf
				frame("7f08", uaddr[0, c], uname[0, c], usize[0, c],
					libc)
			for (d = ud; d >= 0; d--) {
				i = uchain[p, c, d]
				if (pkind[p] == "java" && i % 3 == 0)
					frame("7f08", uaddr[p, i], uname[p, i],
						usize[p, i], jitmap)
				else if (i % 17 == 0)
					frame("", uaddr[p, i], "[unknown]",
						usize[p, i],
						i % 2 ? "[unknown]" : dso[p])
				else
					frame("", uaddr[p, i], uname[p, i],
						usize[p, i], dso[p])
			}
			frame("7f08", uaddr[0, 399], "__libc_start_main", 240, libc)
		}
		print ""
		bytes++
	}
}
