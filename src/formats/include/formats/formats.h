// formats: pure parsers and writers of the files and bodies OpenArts exchanges with users and
// programs. Bytes in, values out: no I/O, no backends, no exceptions across this header; every
// function is thread-safe. Each format has a page in docs/formats/.
#pragma once

#include "formats/manifest.h"    // dataset manifests (JSON Lines): import, export, publish
#include "formats/voc.h"         // PASCAL VOC XML (detection, segmentation, extension shapes)
#include "formats/train_yaml.h"  // ma-cli ma-job submit: .ma/train.yaml + options → create body
