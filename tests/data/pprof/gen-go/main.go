// Generates the Go fixtures of tests/data/pprof (go 1.19, Debian golang-go):
//   go build -o gen . && ./gen go-cpu.pb.gz go-heap.pb.gz
package main

import (
	"context"
	"os"
	"runtime"
	"runtime/pprof"
	"time"
)

var sink []byte
var acc uint64

//go:noinline
func hot(n int) uint64 {
	var s uint64
	for i := 0; i < n; i++ {
		s += uint64(i) * 2654435761
		s = mix(s)
	}
	return s
}

// mix is small enough to be inlined into hot: its samples have two Lines.
func mix(x uint64) uint64 { return x ^ x>>13 }

//go:noinline
func warm(n int) uint64 { return hot(n / 3) }

//go:noinline
func alloc(n int) {
	for i := 0; i < n; i++ {
		sink = make([]byte, 4096)
	}
}

func main() {
	f, _ := os.Create(os.Args[1])
	pprof.StartCPUProfile(f)
	end := time.Now().Add(1500 * time.Millisecond)
	for time.Now().Before(end) {
		acc += hot(2000000)
		// The label gives these samples a "thread" label, as perfops
		// writes them.
		pprof.Do(context.Background(), pprof.Labels("thread", "worker"),
			func(context.Context) { acc += warm(2000000) })
	}
	pprof.StopCPUProfile()
	f.Close()
	runtime.MemProfileRate = 4096
	keep := make([][]byte, 0)
	for i := 0; i < 200; i++ {
		keep = append(keep, make([]byte, 64*1024))
		alloc(10)
	}
	runtime.GC()
	h, _ := os.Create(os.Args[2])
	pprof.WriteHeapProfile(h)
	h.Close()
	_ = keep
}
