// formats: pure parsers and writers of the files and bodies OpenArts exchanges with users and
// programs. Bytes in, values out: no I/O, no backends, no exceptions across this header; every
// function is thread-safe. Each format has a page in docs/formats/.
#pragma once

#include "formats/manifest.h"    // dataset manifests (JSON Lines): import, export, publish
#include "formats/voc.h"         // PASCAL VOC XML (detection, segmentation, extension shapes)
#include "formats/coco.h"        // COCO instances JSON (detection, segmentation) ↔ VOC values
#include "formats/yolo.h"        // YOLO 1.1 (Darknet/CVAT) label files and folder layout ↔ VOC values
#include "formats/table_csv.h"   // CSV tables (schema, typed cells, hardening), path,label lists
#include "formats/text_formats.h"  // text offsets, doccano JSONL, CoNLL-2003, text classification
#include "formats/train_yaml.h"  // ma-cli ma-job submit: .ma/train.yaml + options → create body
