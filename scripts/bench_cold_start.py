"""Cold start: time from exec to the first poll of the Lambda Runtime API, clients built.

Runs each binary many times against a stand-in Runtime API on loopback and reports the median
and 90th percentile beside a hello-world lambda_runtime binary, with the binaries' sizes."""
import http.server
import os
import statistics
import subprocess
import sys
import threading
import time

first_poll = {}
lock = threading.Lock()


class RuntimeApi(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.endswith("/invocation/next"):
            with lock:
                first_poll.setdefault("t", time.perf_counter())
            time.sleep(2)  # hold the poll; the process is killed meanwhile
        self.send_response(500)
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RuntimeApi)
server.daemon_threads = True
threading.Thread(target=server.serve_forever, daemon=True).start()
port = server.server_address[1]

env = dict(os.environ)
env.update({
    "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}",
    "AWS_LAMBDA_FUNCTION_NAME": "bench",
    "AWS_LAMBDA_FUNCTION_VERSION": "1",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
    "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
    "AWS_LAMBDA_LOG_GROUP_NAME": "bench",
    "AWS_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "DEBRIEF_TABLE": "debrief-bench",
    "DEBRIEF_ANALYSIS_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/000000000000/debrief-bench",
    "DEBRIEF_CRM_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/000000000000/debrief-bench-crm",
    "DEBRIEF_LOG": "error",
})

runs = int(sys.argv[1])
binaries = sys.argv[2:]


def start_once(path):
    with lock:
        first_poll.clear()
    start = time.perf_counter()
    proc = subprocess.Popen([path], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while "t" not in first_poll and time.perf_counter() - start < 10:
        time.sleep(0.0002)
    t = first_poll.get("t")
    proc.kill()
    proc.wait()
    if t is None:
        sys.exit(f"{path}: no poll within 10 s")
    return (t - start) * 1000


# Round robin: each round starts every binary once, so a noisy moment of this shared machine
# lands on all of them instead of on whichever binary happened to run then.
samples = {path: [] for path in binaries}
for _ in range(runs):
    for path in binaries:
        samples[path].append(start_once(path))
baseline = None
for path in binaries:
    median = statistics.median(samples[path])
    p90 = sorted(samples[path])[int(len(samples[path]) * 0.9) - 1]
    baseline = baseline or median
    size = os.path.getsize(path) / (1 << 20)
    print(f"{os.path.basename(path):<14} {size:5.1f} MB  init median {median:6.2f} ms  p90 {p90:6.2f} ms  ({median / baseline:4.2f}x hello-world)")
