"""The same job as debrief's transcript benchmark, done with webvtt-py: parse the file and sum
per-speaker seconds, cues, words and questions. Prints MB/s."""
import os
import sys
import time
from collections import defaultdict

import webvtt

path = sys.argv[1]
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 1
mb = os.path.getsize(path) / (1 << 20)
best = 0.0
for _ in range(runs):
    start = time.perf_counter()
    stats = defaultdict(lambda: [0.0, 0, 0, 0])
    for cue in webvtt.read(path):
        text = cue.text
        speaker = getattr(cue, "voice", None)
        if not speaker:
            head, sep, rest = text.partition(": ")
            if sep and len(head) <= 64:
                speaker, text = head, rest
        s = stats[speaker]
        s[0] += cue.end_in_seconds - cue.start_in_seconds
        s[1] += 1
        s[2] += len(text.split())
        s[3] += text.count("?")
    elapsed = time.perf_counter() - start
    best = max(best, mb / elapsed)
print(f"webvtt-py {webvtt.__version__ if hasattr(webvtt, '__version__') else ''} parse+stats: {mb:.1f} MB, {len(stats)} speakers, best {best:.2f} MB/s over {runs} runs")
