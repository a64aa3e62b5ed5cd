"""Meta's Python SDK (facebook-business) normalising and hashing the same user-data records as
`cargo bench --bench capi` (target/capi-bench-records.jsonl): UserData(...).normalize(), one
core, best of 3. Prints records/s."""
import json
import sys
import time

from facebook_business.adobjects.serverside.gender import Gender
from facebook_business.adobjects.serverside.user_data import UserData

path = sys.argv[1]
records = [json.loads(line) for line in open(path, encoding="utf-8")]
limit = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
records = records[:limit]


def build(r):
    return dict(
        email=r["email"], phone=r["phone"], first_name=r["first_name"], last_name=r["last_name"],
        city=r["city"], state=r["state"], zip_code=r["zip"], country_code=r["country"],
        gender=Gender.FEMALE if r["gender"] == "f" else Gender.MALE, date_of_birth=r["date_of_birth"],
    )


args = [build(r) for r in records]
best = float("inf")
for _ in range(3):
    t = time.perf_counter()
    for a in args:
        UserData(**a).normalize()
    best = min(best, time.perf_counter() - t)
print(f"facebook-business normalise + hash: {len(args) / best:.0f} records/s ({best * 1e9 / len(args):.0f} ns per record)")
