#pragma once
// The API's OpenAPI 3 description, served at /api/v1/openapi.json. A test
// holds it to what the server really answers, path by path.
#include <string_view>

namespace portcullis::web_edge {

std::string_view openApiDocument();

}  // namespace portcullis::web_edge
