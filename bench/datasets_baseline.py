#!/usr/bin/python3
"""The straightforward baseline of bench/datasets.sh: what an engineer would write with Debian's
python3 json and sqlite3 modules.

  datasets_baseline.py gen    <lines> <out.manifest>   write the benchmark's manifest
  datasets_baseline.py import <manifest> <db>          import it into SQLite; prints seconds
  datasets_baseline.py page   <db> <iterations>        filtered pages of 100; p50/p99 ms
  datasets_baseline.py coco   <boxes> <out.json>       build and write a COCO file; prints seconds
"""
import json
import random
import sqlite3
import sys
import time


def gen(lines, out):
    rnd = random.Random(7)
    usages = ["TRAIN", "EVAL", "train", "inference", None]
    with open(out, "w") as f:
        for i in range(lines):
            line = {"source": "s3://bench-in/images/%08d_%06x.jpg" % (i, rnd.getrandbits(24)),
                    "id": "%032x" % rnd.getrandbits(128)}
            u = usages[i % 5]
            if u:
                line["usage"] = u
            if i % 10 != 9:  # 90 % labeled
                line["annotation"] = [{"type": "modelarts/image_classification",
                                       "name": "class_%d" % (i % 10),
                                       "annotated-by": "human",
                                       "creation-time": "2019-03-30 17:22:31"}]
            f.write(json.dumps(line, separators=(",", ":")) + "\n")


SCHEMA = """
CREATE TABLE samples (id INTEGER PRIMARY KEY, source TEXT NOT NULL, usage TEXT, state INTEGER NOT NULL,
                      annotation TEXT);
CREATE TABLE sample_labels (sample_id INTEGER NOT NULL, label TEXT NOT NULL);
CREATE INDEX samples_state ON samples(state);
CREATE INDEX sample_labels_label ON sample_labels(label, sample_id);
CREATE UNIQUE INDEX samples_source ON samples(source);
"""


def do_import(manifest, db):
    t0, c0 = time.time(), time.process_time()
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.executescript(SCHEMA)
    rows, labels = [], []
    with open(manifest, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            s = json.loads(line)
            ann = s.get("annotation") or []
            rows.append((n, s["source"], (s.get("usage") or "").upper() or None, 2 if ann else 0,
                         json.dumps(ann) if ann else None))
            for a in ann:
                labels.append((n, a["name"]))
    con.executemany("INSERT INTO samples VALUES (?, ?, ?, ?, ?)", rows)
    con.executemany("INSERT INTO sample_labels VALUES (?, ?)", labels)
    con.commit()
    con.close()
    print("import_seconds %.3f cpu_seconds %.3f added %d" % (time.time() - t0, time.process_time() - c0, len(rows)))


def page(db, iterations):
    con = sqlite3.connect(db)
    n = con.execute("SELECT MAX(id) FROM samples").fetchone()[0]
    rnd = random.Random(42)
    kinds = {
        "label": ("SELECT s.* FROM sample_labels l JOIN samples s ON s.id = l.sample_id "
                  "WHERE l.label = ? AND l.sample_id > ? ORDER BY l.sample_id LIMIT 100",
                  lambda: ("class_%d" % rnd.randrange(9), rnd.randrange(n))),
        "state+label": ("SELECT s.* FROM sample_labels l JOIN samples s ON s.id = l.sample_id "
                        "WHERE l.label = ? AND l.sample_id > ? AND s.state = 2 ORDER BY l.sample_id LIMIT 100",
                        lambda: ("class_%d" % rnd.randrange(9), rnd.randrange(n))),
        "usage": ("SELECT * FROM samples WHERE usage = 'EVAL' AND id > ? ORDER BY id LIMIT 100",
                  lambda: (rnd.randrange(n),)),
        "unlabeled": ("SELECT * FROM samples WHERE state = 0 ORDER BY id LIMIT 100", lambda: ()),
    }
    for name, (sql, args) in kinds.items():
        ms = []
        for _ in range(iterations):
            a = args()
            t0 = time.perf_counter()
            rows = con.execute(sql, a).fetchall()
            [json.loads(r[4]) if r[4] else None for r in rows]
            ms.append((time.perf_counter() - t0) * 1000)
        ms.sort()
        print("page %s p50_ms %.3f p99_ms %.3f" % (name, ms[len(ms) // 2], ms[min(len(ms) - 1, int(0.99 * len(ms)))]))


def coco(boxes, out):
    rnd = random.Random(3)
    images, anns = [], []
    per_image = 10
    t0, c0 = time.time(), time.process_time()
    for i in range(boxes // per_image):
        images.append({"id": i + 1, "file_name": "img_%06d.jpg" % i, "width": 1920, "height": 1080})
        for k in range(per_image):
            x, y = rnd.uniform(0, 1800), rnd.uniform(0, 1000)
            w, h = rnd.uniform(1, 100), rnd.uniform(1, 70)
            anns.append({"id": len(anns) + 1, "image_id": i + 1, "category_id": k % 5 + 1,
                         "bbox": [x, y, w, h], "area": w * h, "iscrowd": 0, "segmentation": []})
    doc = {"info": {}, "licenses": [], "images": images,
           "categories": [{"id": c + 1, "name": "class_%d" % c, "supercategory": ""} for c in range(5)],
           "annotations": anns}
    with open(out, "w") as f:
        json.dump(doc, f)
    print("coco_seconds %.3f cpu_seconds %.3f boxes %d" % (time.time() - t0, time.process_time() - c0, len(anns)))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "gen":
        gen(int(sys.argv[2]), sys.argv[3])
    elif cmd == "import":
        do_import(sys.argv[2], sys.argv[3])
    elif cmd == "page":
        page(sys.argv[2], int(sys.argv[3]))
    elif cmd == "coco":
        coco(int(sys.argv[2]), sys.argv[3])
