"""One shape for every error the API returns:

``{"error": {"code": "...", "message_ru": "...", "message_en": "...", "fields": {...}}}``

``fields`` maps an input field to its messages (in Russian, the same texts the pages
show); it is empty when the error is not about a field.
"""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

# code → (Russian, English), for errors whose text does not come from a form.
MESSAGES: dict[str, tuple[Any, str]] = {
    "validation_error": (_("Данные не прошли проверку."), "Validation failed."),
    "parse_error": (_("Тело запроса не удалось прочитать."), "Malformed request body."),
    "not_authenticated": (_("Нужен вход или ключ API."),
                          "Authentication credentials were not provided."),
    "authentication_failed": (_("Ключ API неверен или отозван."),
                              "Invalid or revoked API key."),
    "permission_denied": (_("Недостаточно прав."), "Permission denied."),
    "not_found": (_("Не найдено."), "Not found."),
    "method_not_allowed": (_("Метод не поддерживается."), "Method not allowed."),
    "not_acceptable": (_("Формат ответа не поддерживается."), "Not acceptable."),
    "unsupported_media_type": (_("Формат тела запроса не поддерживается."),
                               "Unsupported media type."),
    "throttled": (_("Слишком много запросов, повторите позже."), "Too many requests."),
    "conflict": (_("Запись изменили после того, как вы её прочитали: ничего не сохранено. "
                   "Прочитайте её снова и повторите изменение."),
                 "The record changed since you read it; nothing was saved."),
    "bad_value": (_("В запросе есть значение, которое нельзя разобрать (например, слишком "
                    "большое число или не цифры)."),
                  "A value in the request cannot be parsed (e.g. a number out of range)."),
    "error": (_("Ошибка запроса."), "Request error."),
}


class ApiError(exceptions.APIException):
    """A refusal with a code, messages in both languages and, maybe, field errors."""

    def __init__(self, *, code: str, status_code: int = status.HTTP_400_BAD_REQUEST,
                 message_ru: object = None, message_en: str | None = None,
                 fields: Mapping[str, list[str]] | None = None) -> None:
        ru, en = MESSAGES.get(code, MESSAGES["error"])
        self.status_code = status_code
        self.code = code
        self.message_ru = str(message_ru if message_ru is not None else ru)
        self.message_en = message_en or en
        self.fields = {k: [str(m) for m in v] for k, v in (fields or {}).items()}
        super().__init__(detail=self.message_ru, code=code)


def form_invalid(errors: Mapping[str, Any]) -> ApiError:
    """A 400 from a Django form's errors; the form-wide ones go under ``non_field_errors``."""
    fields = {("non_field_errors" if k == "__all__" else k): [str(m) for m in v]
              for k, v in errors.items()}
    return ApiError(code="validation_error", fields=fields)


def body(*, code: str, message_ru: object, message_en: str,
         fields: Mapping[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message_ru": str(message_ru), "message_en": message_en,
                      "fields": dict(fields or {})}}


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as ``{"results.0.answers": ["..."]}``."""
    if isinstance(detail, Mapping):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = "non_field_errors" if key == "non_field_errors" and not prefix else (
                f"{prefix}.{key}" if prefix else str(key))
            out.update(_flatten(value, name))
        return out
    if isinstance(detail, list) and any(isinstance(d, Mapping | list) for d in detail):
        out = {}
        for i, value in enumerate(detail):
            if value:
                out.update(_flatten(value, f"{prefix}.{i}" if prefix else str(i)))
        return out
    items = detail if isinstance(detail, list) else [detail]
    return {prefix or "non_field_errors": [str(d) for d in items]}


def handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's ``EXCEPTION_HANDLER``: DRF's own handling, then our body."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, ValueError | OverflowError):
        # A numeral the database cannot hold («²», an id above 2⁶³ on SQLite) slipped past
        # a parser: the client's input, not our bug — the JSON 400, never an HTML 500.
        exc = ApiError(code="bad_value")
    response = exception_handler(exc, context)
    if response is None:
        return None  # a bug: let Django answer 500 and log it
    if isinstance(exc, ApiError):
        response.data = body(code=exc.code, message_ru=exc.message_ru,
                             message_en=exc.message_en, fields=exc.fields)
        return response
    if isinstance(exc, exceptions.ValidationError):
        code = "validation_error"
        fields = _flatten(exc.detail)
    else:
        code = getattr(exc, "default_code", "error")
        fields = {}
    ru, en = MESSAGES.get(code, MESSAGES["error"])
    if code == "error" and isinstance(exc, exceptions.APIException):
        ru = en = str(exc.detail)
    response.data = body(code=code, message_ru=ru, message_en=en, fields=fields)
    return response
