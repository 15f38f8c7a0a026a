// Private glue between the pieces of http/ (never included outside this folder).
#pragma once

#include <string>

namespace openarts::http::internal {

// The request id of the handler running on this thread, so Response::SetError can put it in
// the error body without api/ threading it through every call. Null outside a handler.
extern thread_local const std::string* current_request_id;

}  // namespace openarts::http::internal
