"""Tells drf-spectacular how our token authentication looks (imported by ApiConfig)."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class TokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "tandem.api.auth.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "`Token <ключ>` — ключ со страницы /api/token/ или из "
                               "`tandem api-token USERNAME`."}


ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Любая ошибка API / every API error (docs/api.md, «Ошибки»).",
    "properties": {"error": {
        "type": "object",
        "properties": {
            "code": {"type": "string"},
            "message_ru": {"type": "string"},
            "message_en": {"type": "string"},
            "fields": {"type": "object",
                       "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        },
        "required": ["code", "message_ru", "message_en", "fields"],
    }},
    "required": ["error"],
}
# What any operation may answer besides its success: a bad parameter or body, no or a
# wrong key, a role that may not, an object outside the scope (or a page past the end),
# too many requests (the throttles of settings REST_FRAMEWORK).
ERRORS = {
    "400": "Данные не прошли проверку / validation or parse error",
    "401": "Нет ключа или сессии, ключ неверен / not authenticated",
    "403": "Действие не для этой роли / permission denied",
    "404": "Нет такого объекта или страницы / not found",
    "429": "Слишком много запросов, см. Retry-After / throttled (docs/security.md)",
}
BODY_ERRORS = {"415": "Формат тела не поддерживается / unsupported media type"}
# A change carries the version it read (optimistic locking): a stale one is refused.
CHANGE_ERRORS = {"409": "Запись изменили после прочтения, ничего не сохранено / "
                        "version conflict, nothing saved"}


def add_error_responses(result: dict[str, Any], generator: Any, request: Any,
                        public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the error responses, in our one error shape,
    on every operation (schemathesis checks that each status the API gives is documented)."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            errors = {**ERRORS, **(BODY_ERRORS if "requestBody" in operation else {}),
                      **(CHANGE_ERRORS if method in {"put", "patch"} else {})}
            responses = operation.setdefault("responses", {})
            for code, description in errors.items():
                responses.setdefault(code, {"description": description, "content": ref})
    return result
