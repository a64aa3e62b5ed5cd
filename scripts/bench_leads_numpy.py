"""numpy doing debrief's top-5 on the same vectors, one thread: scores = M @ q, then
argpartition for the best five, sorted. Checks it finds the same five as debrief."""
import os, sys, time
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
import numpy as np

d = sys.argv[1]
M = np.fromfile(os.path.join(d, "profiles.f32"), dtype="<f4").reshape(-1, 512)
Q = np.fromfile(os.path.join(d, "queries.f32"), dtype="<f4").reshape(-1, 512)
rust = [line.strip() for line in open(os.path.join(d, "rust-top5.txt"))]
times, same = [], 0
for i, q in enumerate(Q):
    t = time.perf_counter()
    s = M @ q
    idx = np.argpartition(-s, 5)[:5]
    idx = idx[np.argsort(-s[idx])]
    times.append((time.perf_counter() - t) * 1e3)
    same += ",".join(map(str, idx)) == rust[i]
times.sort()
print(f"numpy {np.__version__} top-5 over {M.shape[0]} x {M.shape[1]}: median {times[len(times)//2]:.2f} ms, "
      f"p99 {times[len(times)*99//100]:.2f} ms per query (one thread); same top-5 as debrief on {same}/{len(Q)} queries")
