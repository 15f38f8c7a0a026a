#pragma once

#include "meta/meta.h"

namespace openarts::meta {

// path: a file path or ":memory:".
Result<std::unique_ptr<Database>> OpenSqlite(const std::string& path, const Options& options);

}  // namespace openarts::meta
