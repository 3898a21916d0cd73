-- wrk reporter: latency percentiles and counts on one line, read by bench/pages.py.
done = function(summary, latency, requests)
  local non2xx = summary.errors.status
  local failed = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format(
    "BENCH requests=%d p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f non2xx=%d failed=%d seconds=%.2f\n",
    summary.requests, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, non2xx, failed, summary.duration / 1e6))
end
