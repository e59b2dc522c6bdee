#include "controller/web_edge/openapi_document.h"

namespace portcullis::web_edge {

std::string_view openApiDocument() {
  static constexpr std::string_view kDocument = R"JSON({
  "openapi": "3.0.3",
  "info": {
    "title": "Portcullis controller API",
    "version": "1",
    "description": "What the operators' console shows and does. Sign in with POST /login (a session cookie and a CSRF token for every change), or send an API token from `portcullis-controller operator token NAME` as a Bearer token. Every error is {\"error\": {\"code\", \"message\"}}."
  },
  "servers": [{"url": "/api/v1"}],
  "security": [{"session": []}, {"token": []}],
  "components": {
    "securitySchemes": {
      "session": {"type": "apiKey", "in": "cookie", "name": "pc_session"},
      "token": {"type": "http", "scheme": "bearer"}
    },
    "parameters": {
      "csrf": {"name": "X-CSRF-Token", "in": "header", "required": false,
               "description": "The session's CSRF token; required with a session cookie, not with a token.",
               "schema": {"type": "string"}},
      "machineId": {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
      "limit": {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}}
    },
    "schemas": {
      "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object",
        "required": ["code", "message"], "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}},
      "Session": {"type": "object", "required": ["operator", "role", "csrf"], "properties": {
        "operator": {"type": "string"}, "role": {"type": "string", "enum": ["viewer", "operator", "admin"]},
        "csrf": {"type": "string"}}},
      "Machine": {"type": "object", "required": ["id", "hostname", "state", "operator_hold"], "properties": {
        "id": {"type": "string"}, "hostname": {"type": "string"}, "os_id": {"type": "string"},
        "os_version": {"type": "string"}, "arch": {"type": "string"}, "kernel": {"type": "string"},
        "package_count": {"type": "integer"},
        "state": {"type": "string", "enum": ["unknown", "pending", "admitted", "quarantined", "denied"]},
        "first_seen": {"type": "string"}, "last_seen": {"type": "string"}, "digest": {"type": "string"},
        "operator_hold": {"type": "boolean"}}},
      "MachinePage": {"type": "object", "required": ["items", "total", "offset", "limit"], "properties": {
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Machine"}},
        "total": {"type": "integer"}, "offset": {"type": "integer"}, "limit": {"type": "integer"}}},
      "MachineDetail": {"allOf": [{"$ref": "#/components/schemas/Machine"}, {"type": "object",
        "required": ["macs", "history"], "properties": {
        "macs": {"type": "array", "items": {"type": "string"}},
        "history": {"type": "array", "items": {"type": "object", "properties": {
          "at": {"type": "string"}, "from": {"type": "string"}, "to": {"type": "string"}, "cause": {"type": "string"}}}}}}]},
      "Hold": {"type": "object", "required": ["machine", "before", "state", "changed"], "properties": {
        "machine": {"type": "string"}, "before": {"type": "string"}, "state": {"type": "string"},
        "changed": {"type": "boolean"}}},
      "Operator": {"type": "object", "required": ["name", "role", "password"], "properties": {
        "name": {"type": "string"}, "role": {"type": "string"}, "password": {"type": "boolean"},
        "created": {"type": "string"}, "password_changed": {"type": "string"}}},
      "AuditEntry": {"type": "object", "required": ["id", "at", "operator", "from", "action", "target", "detail"],
        "properties": {"id": {"type": "integer"}, "at": {"type": "string"}, "operator": {"type": "string"},
        "from": {"type": "string"}, "action": {"type": "string"}, "target": {"type": "string"},
        "detail": {"type": "string"}}},
      "Tokens": {"type": "object", "required": ["tokens", "expires", "command"], "properties": {
        "tokens": {"type": "array", "items": {"type": "string"}}, "expires": {"type": "string"},
        "command": {"type": "string"}}}
    },
    "responses": {
      "BadRequest": {"description": "the request is not what the API takes",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "Unauthenticated": {"description": "no session or token, or one that is over",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "Forbidden": {"description": "the role does not allow it, or a session's change without its CSRF token",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "NotFound": {"description": "no such resource",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    }
  },
  "paths": {
    "/login": {"post": {"summary": "Sign in", "security": [],
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object",
        "required": ["name", "password"], "properties": {"name": {"type": "string"}, "password": {"type": "string"}}}}}},
      "responses": {
        "200": {"description": "signed in; the session cookie is set",
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Session"}}}},
        "400": {"$ref": "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/Unauthenticated"},
        "429": {"description": "too many wrong passwords; Retry-After says when to try again",
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}}},
    "/logout": {"post": {"summary": "End the session", "parameters": [{"$ref": "#/components/parameters/csrf"}],
      "responses": {"204": {"description": "the session is over"},
        "400": {"$ref": "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/Unauthenticated"},
        "403": {"$ref": "#/components/responses/Forbidden"}}}},
    "/session": {"get": {"summary": "Who is signed in",
      "responses": {"200": {"description": "the caller",
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Session"}}}},
        "401": {"$ref": "#/components/responses/Unauthenticated"}}}},
    "/machines": {"get": {"summary": "Machines, a page at a time, by host name then id",
      "parameters": [
        {"name": "state", "in": "query", "schema": {"type": "string"}},
        {"name": "q", "in": "query", "description": "part of a host name or id", "schema": {"type": "string"}},
        {"$ref": "#/components/parameters/limit"},
        {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}},
        {"name": "If-None-Match", "in": "header", "schema": {"type": "string"}}],
      "responses": {"200": {"description": "a page; ETag names it",
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MachinePage"}}}},
        "304": {"description": "the page has not changed since the ETag given"},
        "400": {"$ref": "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/Unauthenticated"}}}},
    "/machines/{id}": {"get": {"summary": "One machine", "parameters": [{"$ref": "#/components/parameters/machineId"}],
      "responses": {"200": {"description": "the machine",
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MachineDetail"}}}},
        "401": {"$ref": "#/components/responses/Unauthenticated"},
        "404": {"$ref": "#/components/responses/NotFound"}}}},
    "/machines/{id}/release": {"post": {"summary": "Release to production, held as an operator's (role operator)",
      "parameters": [{"$ref": "#/components/parameters/machineId"}, {"$ref": "#/components/parameters/csrf"}],
      "responses": {"200": {"description": "done",
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Hold"}}}},
        "401": {"$ref": "#/components/responses/Unauthenticated"},
        "403": {"$ref": "#/components/responses/Forbidden"},
        "404": {"$ref": "#/components/responses/NotFound"}}}},
    "/machines/{id}/quarantine": {"post": {"summary": "Quarantine, held as an operator's (role operator)",
      "parameters": [{"$ref": "#/components/parameters/machineId"}, {"$ref": "#/components/parameters/csrf"}],
      "responses": {"200": {"description": "done",
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Hold"}}}},
        "401": {"$ref": "#/components/responses/Unauthenticated"},
        "403": {"$ref": "#/components/responses/Forbidden"},
        "404": {"$ref": "#/components/responses/NotFound"}}}},
    "/operators": {"get": {"summary": "The operators (role admin)",
      "responses": {"200": {"description": "every operator, never a hash",
          "content": {"application/json": {"schema": {"type": "object", "required": ["items"], "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Operator"}}}}}}},
        "401": {"$ref": "#/components/responses/Unauthenticated"},
        "403": {"$ref": "#/components/responses/Forbidden"}}}},
    "/enrollment-tokens": {"post": {"summary": "New single-use enrollment tokens (role admin)",
      "parameters": [{"$ref": "#/components/parameters/csrf"}],
      "requestBody": {"required": false, "content": {"application/json": {"schema": {"type": "object", "properties": {
        "count": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 1},
        "ttl_seconds": {"type": "integer", "minimum": 60}}}}}},
      "responses": {"201": {"description": "the tokens, shown once, and the command to run on the endpoint",
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Tokens"}}}},
        "400": {"$ref": "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/Unauthenticated"},
        "403": {"$ref": "#/components/responses/Forbidden"}}}},
    "/audit": {"get": {"summary": "What operators did, newest first",
      "parameters": [{"name": "search", "in": "query", "schema": {"type": "string"}},
        {"name": "before", "in": "query", "schema": {"type": "integer"}},
        {"$ref": "#/components/parameters/limit"}],
      "responses": {"200": {"description": "a page; next_before fetches the next",
          "content": {"application/json": {"schema": {"type": "object", "required": ["items"], "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/AuditEntry"}},
            "next_before": {"type": "integer", "nullable": true}}}}}},
        "400": {"$ref": "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/Unauthenticated"}}}},
    "/openapi.json": {"get": {"summary": "This document", "security": [],
      "responses": {"200": {"description": "OpenAPI 3", "content": {"application/json": {}}}}}}
  }
})JSON";
  return kDocument;
}

}  // namespace portcullis::web_edge
