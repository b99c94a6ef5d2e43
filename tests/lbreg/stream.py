"""A bounded stream of HTTP requests to URL: COUNT requests one after the
other, at most SECONDS in all, or until SIGTERM (the request under way
ends first). Prints "ok N failed M" and each failure."""
import signal
import sys
import time
import urllib.request

url, count, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
ok = failed = 0
stop = []
signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
end = time.time() + seconds
for i in range(count):
    if time.time() > end or stop:
        break
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            r.read()
            ok += 1
    except Exception as e:  # every failure counts, whatever it is
        failed += 1
        print("failed:", e, flush=True)
    time.sleep(0.01)
print("ok", ok, "failed", failed, flush=True)
