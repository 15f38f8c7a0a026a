#!/usr/bin/python3
"""Test images and the Python baseline of bench/features.sh (Debian python3-opencv + numpy).

  generate DIR N            N realistic 1920x1080 JPEGs (quality 90) + DIR/boxes.json
  run DIR [--same-scale] [--dump FILE] [--no-boxes]
                            the straightforward baseline: cv2.imread at full size, then the metrics
                            of docs/feature-analysis.md with numpy/cv2, one process, one image at a
                            time. --same-scale decodes with cv2.IMREAD_REDUCED_COLOR_{2,4,8} by the
                            same rule as imaging::Analyze (largest 1/d keeping the short side >= 256;
                            libjpeg's DCT scaling, as in C++), to compare metric values at the same
                            scale. Prints one JSON object (images, seconds, images_per_s).
  compare A B [--tolerance] print how far the metric values of two dumps differ, per metric; with
                            --tolerance, exit 1 when a difference exceeds the stated tolerance
  truth DIR DUMP...         how each dump's blur score ranks the images against the blur and
                            noise the generator applied (DIR/truth.json)

A dump is TSV: file, then the image metrics, then per box "i:aspect,area,margin,overlap,
brightness,blur" (see HEADER).
"""
import json
import math
import os
import struct
import sys
import time

import cv2
import numpy as np

W, H = 1920, 1080
IMAGE_FIELDS = ["width", "height", "analysed_width", "analysed_height", "resolution", "aspect_ratio",
                "brightness", "saturation", "contrast", "blur", "colorfulness", "box_count",
                "box_area_std"]
BOX_FIELDS = ["aspect_ratio", "area_ratio", "marginalization", "overlap", "brightness", "blur"]
HEADER = "file\t" + "\t".join(IMAGE_FIELDS) + "\tboxes"
# Same-scale agreement between C++ and this baseline (docs/feature-analysis.md). The decoded
# pixels are identical (the same libjpeg-turbo with the same settings) and so is grey (C++ uses
# cv2's 15-bit weights), so contrast, blur and colorfulness differ by float rounding alone (C++ sums
# integers exactly; numpy sums doubles). Brightness is computed in float32 per pixel by both.
# The baseline's saturation is cv2's 8-bit HSV S, rounded to 1/255: |error| <= 0.5/255.
TOLERANCE = {"brightness": 1e-6, "saturation": 0.5 / 255 + 1e-6, "contrast": 1e-12,
             "blur": 1e-9, "colorfulness": 1e-9, "aspect_ratio": 1e-12, "resolution": 0,
             "box_area_std": 1e-9, "box_count": 0,
             "box.aspect_ratio": 1e-12, "box.area_ratio": 1e-12, "box.marginalization": 1e-12,
             "box.overlap": 1e-12, "box.brightness": 1e-6, "box.blur": 1e-9}
RELATIVE = {"blur", "box.blur", "colorfulness", "box_area_std"}  # relative to the value


# ---- generate ------------------------------------------------------------------------------------

def _texture(rng, h, w):
    t = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    return cv2.GaussianBlur(t, (0, 0), float(rng.uniform(0.6, 2.0)))


def make_image(i):
    """One 1920x1080 scene: gradient + low-frequency light, shapes (some textured), text, sensor
    noise, optional blur and exposure change. Returns (bgr uint8, [[x0, y0, x1, y1], ...], what
    was applied: {noise, blur: none|whole|part, blur_sigma, gamma})."""
    rng = np.random.default_rng(20261122 + i)
    c0, c1 = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
    ang = rng.uniform(0, 2 * math.pi)
    xs = np.linspace(-1, 1, W, dtype=np.float32)[None, :]
    ys = np.linspace(-1, 1, H, dtype=np.float32)[:, None]
    t = (math.cos(ang) * xs + math.sin(ang) * ys) * 0.35 + 0.5
    img = c0.astype(np.float32) * (1 - t[..., None]) + c1.astype(np.float32) * t[..., None]
    # Light, shade and texture: mostly luminance (shared by the channels), a little chroma, at a coarse,
    # at a medium and at a fine scale (walls, sky, foliage, grass).
    for grid, lum, chroma in (((5, 9), 30, 10), ((34, 60), 10, 3), ((270, 480), 7, 2)):
        img += cv2.resize(rng.normal(0, lum, grid).astype(np.float32), (W, H),
                          interpolation=cv2.INTER_CUBIC)[..., None]
        img += cv2.resize(rng.normal(0, chroma, grid + (3,)).astype(np.float32), (W, H),
                          interpolation=cv2.INTER_CUBIC)
    img = np.clip(img, 0, 255).astype(np.uint8)
    boxes = []
    for _ in range(int(rng.integers(4, 20))):
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        cx, cy = int(rng.integers(0, W)), int(rng.integers(0, H))
        r = int(rng.integers(25, 320))
        kind = int(rng.integers(0, 4))
        mask = np.zeros((H, W), np.uint8)
        if kind == 0:
            cv2.circle(mask, (cx, cy), r, 255, -1, cv2.LINE_AA)
        elif kind == 1:
            cv2.rectangle(mask, (cx - r, cy - r // 2), (cx + r, cy + r // 2), 255, -1)
        elif kind == 2:
            cv2.ellipse(mask, (cx, cy), (r, max(8, r // 3)), float(rng.uniform(0, 180)), 0, 360,
                        255, -1, cv2.LINE_AA)
        else:
            pts = np.stack([cx + rng.integers(-r, r, 6), cy + rng.integers(-r, r, 6)], 1)
            cv2.fillPoly(mask, [pts.astype(np.int32)], 255, cv2.LINE_AA)
        x, y, w, h = cv2.boundingRect(mask)
        if w < 4 or h < 4:
            continue
        sl = (slice(y, y + h), slice(x, x + w))
        m = mask[sl][..., None].astype(np.float32) / 255
        if rng.random() < 0.4:  # textured object (foliage, fabric, gravel...)
            fill = _texture(rng, h, w).astype(np.float32) * 0.6 + np.float32(colour) * 0.4
        else:
            fill = np.empty((h, w, 3), np.float32)
            fill[:] = colour
        img[sl] = (img[sl] * (1 - m) + fill * m).astype(np.uint8)
        boxes.append([x, y, x + w, y + h])
    for _ in range(int(rng.integers(1, 6))):
        text = "".join(chr(int(c)) for c in rng.integers(65, 91, int(rng.integers(4, 16))))
        org = (int(rng.integers(0, W - 200)), int(rng.integers(40, H)))
        cv2.putText(img, text, org, int(rng.integers(0, 8)), float(rng.uniform(0.8, 4)),
                    tuple(int(v) for v in rng.integers(0, 256, 3)), int(rng.integers(1, 6)),
                    cv2.LINE_AA)
    sigma = float(rng.choice([0, 2, 4, 8, 12]))
    if sigma > 0:
        img = np.clip(img + rng.normal(0, sigma, img.shape).astype(np.float32), 0, 255).astype(np.uint8)
    truth = {"noise": sigma, "blur": "none", "blur_sigma": 0.0}
    blur = rng.random()
    if blur < 0.3:  # out of focus / motion-less blur of the whole frame
        truth["blur"], truth["blur_sigma"] = "whole", float(rng.uniform(0.8, 5))
        img = cv2.GaussianBlur(img, (0, 0), truth["blur_sigma"])
    elif blur < 0.5:  # shallow depth of field: the left or right part blurred
        x = int(rng.integers(W // 4, 3 * W // 4))
        part = (slice(None), slice(0, x)) if rng.random() < 0.5 else (slice(None), slice(x, None))
        truth["blur"], truth["blur_sigma"] = "part", float(rng.uniform(1, 6))
        img[part] = cv2.GaussianBlur(np.ascontiguousarray(img[part]), (0, 0), truth["blur_sigma"])
    truth["gamma"] = float(rng.uniform(0.45, 2.2))  # under- and over-exposed frames
    lut = np.clip(255 * (np.arange(256) / 255) ** truth["gamma"], 0, 255).astype(np.uint8)
    return cv2.LUT(img, lut), boxes, truth


def generate(out_dir, n):
    os.makedirs(out_dir, exist_ok=True)
    boxes, truths = {}, {}
    for i in range(n):
        img, b, truth = make_image(i)
        name = "img_%04d.jpg" % i
        if not cv2.imwrite(os.path.join(out_dir, name), img, [cv2.IMWRITE_JPEG_QUALITY, 90]):
            sys.exit("cv2.imwrite failed for " + name)
        boxes[name] = b
        truths[name] = truth
    with open(os.path.join(out_dir, "truth.json"), "w") as f:
        json.dump(truths, f)
    with open(os.path.join(out_dir, "boxes.json"), "w") as f:
        json.dump(boxes, f)


# ---- the baseline --------------------------------------------------------------------------------

def jpeg_size(path):
    """(width, height) from the SOFn marker."""
    with open(path, "rb") as f:
        data = f.read(1 << 16)
    pos = 2
    while pos + 9 < len(data):
        if data[pos] != 0xFF:
            raise ValueError(path + ": not a JPEG marker")
        marker = data[pos + 1]
        length = struct.unpack(">H", data[pos + 2:pos + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack(">HH", data[pos + 5:pos + 9])
            return w, h
        pos += 2 + length
    raise ValueError(path + ": no SOF in the first 64 KiB")


def scale_denom(w, h, min_side=256):
    d = 8
    while d > 1 and min(-(-w // d), -(-h // d)) < min_side:
        d //= 2
    return d


REDUCED = {1: cv2.IMREAD_COLOR, 2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4,
           8: cv2.IMREAD_REDUCED_COLOR_8}


def pixel_metrics(bgr):
    f = bgr.astype(np.float32)
    b, g, r = f[..., 0], f[..., 1], f[..., 2]
    brightness = float(np.sqrt(0.241 * r * r + 0.691 * g * g + 0.068 * b * b).mean(dtype=np.float64)) / 255
    saturation = float(cv2.cvtColor(bgr, cv2.COLOR_BGR2HSV)[..., 1].mean(dtype=np.float64)) / 255
    grey = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    contrast = float((grey / 255.0).std())
    blur = float(cv2.Laplacian(grey, cv2.CV_64F).var())
    rg = r - g
    yb = 0.5 * (r + g) - b
    colorfulness = (math.sqrt(float(rg.std(dtype=np.float64)) ** 2 + float(yb.std(dtype=np.float64)) ** 2)
                    + 0.3 * math.sqrt(float(rg.mean(dtype=np.float64)) ** 2
                                      + float(yb.mean(dtype=np.float64)) ** 2))
    return brightness, saturation, contrast, blur, colorfulness, grey


def box_metrics(bgr, grey, W0, H0, boxes):
    """Boxes in original pixels (integers here); crops mapped to the analysed image."""
    h, w = grey.shape
    fx, fy = w / W0, h / H0
    out = []
    for i, (x0, y0, x1, y1) in enumerate(boxes):
        bw, bh = x1 - x0, y1 - y0
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        margin = max(abs(cx - W0 / 2) / (W0 / 2), abs(cy - H0 / 2) / (H0 / 2))
        cover = np.zeros((bh, bw), bool)
        for j, (a0, b0, a1, b1) in enumerate(boxes):
            if j == i:
                continue
            ia0, ib0, ia1, ib1 = max(a0, x0), max(b0, y0), min(a1, x1), min(b1, y1)
            if ia0 < ia1 and ib0 < ib1:
                cover[ib0 - y0:ib1 - y0, ia0 - x0:ia1 - x0] = True
        overlap = float(cover.sum()) / (bw * bh)
        px0 = min(max(math.floor(x0 * fx), 0), w - 1)
        py0 = min(max(math.floor(y0 * fy), 0), h - 1)
        px1 = max(min(math.ceil(x1 * fx), w), px0 + 1)
        py1 = max(min(math.ceil(y1 * fy), h), py0 + 1)
        crop = bgr[py0:py1, px0:px1].astype(np.float32)
        b, g, r = crop[..., 0], crop[..., 1], crop[..., 2]
        brightness = float(np.sqrt(0.241 * r * r + 0.691 * g * g + 0.068 * b * b).mean(dtype=np.float64)) / 255
        blur = float(cv2.Laplacian(grey[py0:py1, px0:px1], cv2.CV_64F).var())
        out.append((bw / bh, bw * bh / (W0 * H0), margin, overlap, brightness, blur))
    areas = np.array([(x1 - x0) * (y1 - y0) for x0, y0, x1, y1 in boxes], np.float64)
    return out, (float(areas.std()) if len(boxes) else 0.0)


def run(directory, same_scale, dump, use_boxes):
    names = sorted(n for n in os.listdir(directory) if n.endswith(".jpg"))
    all_boxes = {}
    if use_boxes:
        with open(os.path.join(directory, "boxes.json")) as f:
            all_boxes = json.load(f)
    rows = []
    cv2.setNumThreads(1)  # one process on one core: OpenCV would otherwise spread some calls
    t0 = time.perf_counter()
    c0 = time.process_time()
    for name in names:
        path = os.path.join(directory, name)
        if same_scale:
            W0, H0 = jpeg_size(path)
            bgr = cv2.imread(path, REDUCED[scale_denom(W0, H0)])
        else:
            bgr = cv2.imread(path, cv2.IMREAD_COLOR)
            H0, W0 = bgr.shape[:2]
        if bgr is None:
            sys.exit("cv2.imread failed: " + path)
        brightness, saturation, contrast, blur, colorfulness, grey = pixel_metrics(bgr)
        boxes = all_boxes.get(name, [])
        per_box, area_std = box_metrics(bgr, grey, W0, H0, boxes)
        rows.append((name, [W0, H0, bgr.shape[1], bgr.shape[0], W0 * H0, W0 / H0, brightness,
                            saturation, contrast, blur, colorfulness, len(boxes), area_std], per_box))
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    if dump:
        with open(dump, "w") as f:
            f.write(HEADER + "\n")
            for name, values, per_box in rows:
                f.write(name + "\t" + "\t".join(repr(v) for v in values) + "\t" +
                        " ".join(",".join(repr(v) for v in b) for b in per_box) + "\n")
    print(json.dumps({"images": len(rows), "seconds": seconds, "images_per_s": len(rows) / seconds,
                      "cpu_seconds": cpu, "images_per_cpu_s": len(rows) / cpu,
                      "same_scale": same_scale, "boxes": sum(len(r[2]) for r in rows)}))


# ---- compare -------------------------------------------------------------------------------------

def load_dump(path):
    out = {}
    with open(path) as f:
        head = f.readline().rstrip("\n").split("\t")
        for line in f:
            cols = line.rstrip("\n").split("\t")
            values = {k: float(v) for k, v in zip(head[1:-1], cols[1:-1])}
            boxes = [[float(x) for x in b.split(",")] for b in cols[-1].split(" ") if b]
            out[cols[0]] = (values, boxes)
    return out


def spearman(u, v):
    """Rank correlation: does the metric order the images the same way? "-" when constant."""
    if len(u) < 3 or np.ptp(u) == 0 or np.ptp(v) == 0:
        return "-"
    ru = np.argsort(np.argsort(u)).astype(np.float64)
    rv = np.argsort(np.argsort(v)).astype(np.float64)
    return "%.4f" % np.corrcoef(ru, rv)[0, 1]


def compare(a_path, b_path, check):
    a, b = load_dump(a_path), load_dump(b_path)
    common = sorted(set(a) & set(b))
    if not common:
        sys.exit("no image in common")
    diffs = {}
    for name in common:
        (va, ba), (vb, bb) = a[name], b[name]
        for k in IMAGE_FIELDS:
            diffs.setdefault(k, []).append((va[k], vb[k]))
        if len(ba) != len(bb):
            sys.exit("%s: %d boxes vs %d" % (name, len(ba), len(bb)))
        for x, y in zip(ba, bb):
            for k, u, v in zip(BOX_FIELDS, x, y):
                diffs.setdefault("box." + k, []).append((u, v))
    failed = []
    print("%-20s %6s %11s %11s %10s %10s %9s %9s %8s %10s" % (
        "metric", "n", "median A", "median B", "med |A-B|", "max |A-B|", "med rel", "max rel",
        "rank r", "tolerance"))
    for k, pairs in diffs.items():
        if k in ("width", "height", "analysed_width", "analysed_height"):
            continue
        u = np.array([p[0] for p in pairs])
        v = np.array([p[1] for p in pairs])
        d = np.abs(u - v)
        rel = d / np.maximum(np.abs(u), 1e-12)
        tol = TOLERANCE.get(k)
        bad = 0
        if tol is not None:
            bad = int(((rel if k in RELATIVE else d) > tol).sum())
        if check and bad:
            failed.append("%s (%d values)" % (k, bad))
        print("%-20s %6d %11.6g %11.6g %10.3g %10.3g %9.2g %9.2g %8s %10s" % (
            k, len(pairs), float(np.median(u)), float(np.median(v)), float(np.median(d)), d.max(),
            float(np.median(rel)), rel.max(), spearman(u, v),
            ("%.3g%s" % (tol, " rel" if k in RELATIVE else "")) if check and tol is not None else "-"))
    if check:
        print("agreement within tolerance: " + ("yes" if not failed else "NO: " + ", ".join(failed)))
        if failed:
            sys.exit(1)


def truth(directory, dumps):
    """How well each dump's blur score tracks the blur and noise the generator applied."""
    with open(os.path.join(directory, "truth.json")) as f:
        t = json.load(f)
    print("%-34s %22s %22s %24s" % ("blur score of", "vs -sigma, whole blur", "vs noise, no blur",
                                    "median: sharp / blurred"))
    for path in dumps:
        d = load_dump(path)
        whole = [(d[n][0]["blur"], -t[n]["blur_sigma"]) for n in d if t[n]["blur"] == "whole"]
        sharp = [(d[n][0]["blur"], t[n]["noise"]) for n in d if t[n]["blur"] == "none"]
        med_sharp = float(np.median([b for b, _ in sharp]))
        med_blurred = float(np.median([b for b, _ in whole]))
        print("%-34s %15s (n=%3d) %15s (n=%3d) %11.1f / %-11.1f" % (
            os.path.basename(path), spearman(np.array([b for b, _ in whole]), np.array([s for _, s in whole])),
            len(whole), spearman(np.array([b for b, _ in sharp]), np.array([s for _, s in sharp])),
            len(sharp), med_sharp, med_blurred))


def main(argv):
    if len(argv) >= 3 and argv[0] == "generate":
        generate(argv[1], int(argv[2]))
    elif len(argv) >= 2 and argv[0] == "run":
        dump = argv[argv.index("--dump") + 1] if "--dump" in argv else None
        run(argv[1], "--same-scale" in argv, dump, "--no-boxes" not in argv)
    elif len(argv) >= 3 and argv[0] == "compare":
        compare(argv[1], argv[2], "--tolerance" in argv)
    elif len(argv) >= 3 and argv[0] == "truth":
        truth(argv[1], argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
