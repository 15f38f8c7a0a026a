// base: the vocabulary every OpenArts subsystem shares. Depends on nothing of ours.
// Status/Result, clock, crypto, ids, file helpers, JSON helpers, logging.
#pragma once

#include "base/clock.h"
#include "base/crypto.h"
#include "base/encoding.h"
#include "base/fs.h"
#include "base/ids.h"
#include "base/io.h"
#include "base/json.h"
#include "base/log.h"
#include "base/status.h"
#include "base/strings.h"
