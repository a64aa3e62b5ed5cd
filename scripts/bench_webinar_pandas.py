"""What a user would otherwise run: pandas parsing the same Zoom attendee report and chat,
merging rejoins, matching chat by exact name, and scoring with the same weights and tiers.
Best of 20 (or one run with --mem)."""
import io, re, sys, time
import numpy as np
import pandas as pd

def run(report_path, chat_path):
    text = open(report_path, encoding="utf-8-sig").read()
    lines = text.splitlines()
    m = next(i for i, l in enumerate(lines) if l.startswith("Topic,"))
    meta = pd.read_csv(io.StringIO("\n".join(lines[m:m + 2])))
    duration = float(meta["Actual Duration (minutes)"][0])
    a = next(i for i, l in enumerate(lines) if l.startswith("Attendee Details"))
    df = pd.read_csv(io.StringIO("\n".join(lines[a + 1:])), dtype=str, keep_default_na=False)
    df["minutes"] = pd.to_numeric(df["Time in Session (minutes)"].replace("--", "0"), errors="coerce").fillna(0)
    df["attended"] = df["Attended"].eq("Yes")
    fmt = "%m/%d/%Y %I:%M:%S %p"
    df["join"] = pd.to_datetime(df["Join Time"].where(df["Join Time"] != "--"), format=fmt, errors="coerce")
    df["leave"] = pd.to_datetime(df["Leave Time"].where(df["Leave Time"] != "--"), format=fmt, errors="coerce")
    name = df["User Name (Original Name)"].where(df["User Name (Original Name)"] != "--", df["First Name"] + " " + df["Last Name"])
    df["name"] = name
    df["key"] = df["Email"].str.lower().where(df["Email"] != "", name.str.lower())
    g = df.groupby("key", sort=False).agg(name=("name", "first"), attended=("attended", "max"), minutes=("minutes", "sum"),
                                          first_join=("join", "min"), last_leave=("leave", "max"))
    chat = open(chat_path, encoding="utf-8-sig").read()
    msgs = re.findall(r"^(\d\d:\d\d:\d\d) From (.+?) to (.+?):\n((?:\t.*\n?)+)", chat, flags=re.M)
    c = pd.DataFrame(msgs, columns=["t", "sender", "to", "text"])
    c["q"] = c["text"].str.contains(r"\?|^\s*(?:how do|can you|is there)", case=False, regex=True)
    counts = c.groupby("sender").agg(messages=("text", "size"), questions=("q", "sum"))
    g = g.merge(counts, left_on="name", right_index=True, how="left").fillna({"messages": 0, "questions": 0})
    most = max(1, min(10, g["messages"].max()))
    att = (g["minutes"] / duration).clip(upper=1).where(g["attended"], 0)
    chat_c = g["messages"].clip(upper=10) / most
    q = (g["questions"] / 2).clip(upper=1)
    focus = att * (0.6 + 0.4 * (g["messages"] / 3).clip(upper=1))
    g["score"] = (40 * focus + 30 * att + 20 * chat_c + 10 * q).round().where(g["attended"], 0)
    g["tier"] = np.select([~g["attended"], g["score"] >= 70, g["score"] >= 45, g["score"] >= 20], ["No-show", "Hot", "Warm", "Cool"], "Cold")
    return g.sort_values("score", ascending=False), len(c)

if __name__ == "__main__":
    d = sys.argv[1]
    runs = 1 if "--mem" in sys.argv else 20
    best = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        g, n = run(f"{d}/report.csv", f"{d}/chat.txt")
        best = min(best, time.perf_counter() - t)
    print(f"pandas {pd.__version__}: parsed, scored and tiered in {best * 1e3:.1f} ms (best of {runs}); "
          f"{len(g)} registrants, {n} chat messages, tiers {g['tier'].value_counts().to_dict()}")
