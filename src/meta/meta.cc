#include "meta/meta.h"

#include "sqlite_db.h"

namespace openarts::meta {

namespace {
const std::string kEmpty;
}

int64_t Row::Int(size_t i) const {
  const Value& v = cols.at(i);
  if (auto p = std::get_if<int64_t>(&v)) return *p;
  if (auto p = std::get_if<double>(&v)) return static_cast<int64_t>(*p);
  if (auto p = std::get_if<std::string>(&v)) return std::strtoll(p->c_str(), nullptr, 10);
  return 0;
}

double Row::Real(size_t i) const {
  const Value& v = cols.at(i);
  if (auto p = std::get_if<double>(&v)) return *p;
  if (auto p = std::get_if<int64_t>(&v)) return static_cast<double>(*p);
  return 0;
}

const std::string& Row::Str(size_t i) const {
  const Value& v = cols.at(i);
  if (auto p = std::get_if<std::string>(&v)) return *p;
  return kEmpty;
}

Result<std::unique_ptr<Database>> Open(const Options& options) {
  const std::string& url = options.url;
  if (url.rfind("sqlite:", 0) == 0) return OpenSqlite(url.substr(7), options);
  if (url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0)
    return Unavailable("the PostgreSQL metadata backend is not built into this binary yet; use "
                       "a sqlite: URL");
  return InvalidArgument("metadata URL '" + url +
                         "' has an unknown scheme; use sqlite:/path/to/meta.db");
}

}  // namespace openarts::meta
