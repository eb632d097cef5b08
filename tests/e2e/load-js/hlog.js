// Read HdrHistogram interval logs with hdr-histogram-js, an independent
// implementation, and print per tag ("latency" for untagged lines) the
// total count, percentiles (microseconds) and the intervals seen, for
// tests/e2e/t-load-hlog.sh to compare with perfops.
//   node hlog.js FILE.hlog...
const fs = require("fs");
const hdr = require("hdr-histogram-js");

const out = {};
for (const path of process.argv.slice(2)) {
  const reader = new hdr.HistogramLogReader(fs.readFileSync(path, "utf8"));
  let h;
  while ((h = reader.nextIntervalHistogram()) !== null) {
    const tag = !h.tag || h.tag === "NO TAG" ? "latency" : h.tag;
    if (!out[tag]) {
      out[tag] = {
        sum: hdr.build({
          lowestDiscernibleValue: 1,
          highestTrackableValue: 3600000000,
          numberOfSignificantValueDigits: 3,
        }),
        intervals: 0,
        lengths: [],
      };
    }
    out[tag].sum.add(h);
    out[tag].intervals++;
    out[tag].lengths.push((h.endTimeStampMsec - h.startTimeStampMsec) / 1000);
  }
}
const res = {};
for (const [tag, v] of Object.entries(out)) {
  const s = v.sum;
  res[tag] = {
    count: s.totalCount,
    p50: s.getValueAtPercentile(50),
    p90: s.getValueAtPercentile(90),
    p99: s.getValueAtPercentile(99),
    p99_9: s.getValueAtPercentile(99.9),
    max: s.maxValue,
    intervals: v.intervals,
    lengths: v.lengths,
  };
}
console.log(JSON.stringify(res));
