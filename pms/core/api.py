"""What every API router shares: authentication, scopes, the one error shape, pagination
and the docs page.

Every failure answers ``{"error": {"code", "message", "fields"}}``; ``fields`` maps a field
name to its messages (``__all__`` for the request as a whole). Endpoints never build errors
themselves: they raise ``NotFound``/``Forbidden``/Django ``ValidationError`` as pages do,
and the handlers here translate.
"""

from __future__ import annotations

import functools
import json
import logging
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import ninja
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import get_token
from django.urls import URLPattern, URLResolver, path, re_path
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.csrf import csrf_exempt
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.docs import DocsBase
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf
from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from pms.accounts.models import User
from pms.accounts.services import api_token_authenticate
from pms.org.roles import Principal, principal_for

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=Model)

NON_FIELD = "__all__"


# --- the error shape -----------------------------------------------------------------------


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = Field(default_factory=dict)


class ErrorOut(Schema):
    error: ErrorBody


def error_response(
    status: int, code: str, message: str, fields: Mapping[str, list[str]] | None = None
) -> JsonResponse:
    body = {"error": {"code": code, "message": message, "fields": dict(fields or {})}}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


class MissingScopeError(HttpError):
    """A token that may not do this; sessions never raise it."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__(403, f"missing scope {scope}")


class CsrfError(HttpError):
    def __init__(self) -> None:
        super().__init__(403, "CSRF check failed")


# Pydantic's English messages, replaced by translated ones (Django's msgids where Django
# already has them, so the Chinese catalogue covers them).
def _pydantic_message(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return _("Enter a whole number.")
    if kind in {"float_parsing", "float_type", "decimal_parsing", "decimal_type"}:
        return _("Enter a number.")
    if kind in {"bool_parsing", "bool_type"}:
        return _("Enter true or false.")
    if kind in {"string_type"}:
        return _("Enter text.")
    if kind in {"uuid_parsing", "uuid_type"}:
        return _("Enter a valid UUID.")
    if kind.startswith("date_") or kind == "date_type":
        return _("Enter a valid date.")
    if kind.startswith("datetime_"):
        return _("Enter a valid date/time.")
    if kind in {"list_type", "dict_type", "model_type", "model_attributes_type"}:
        return _("Enter a valid value.")
    if kind in {"greater_than_equal", "greater_than"}:
        limit = ctx.get("ge", ctx.get("gt"))
        return _("Ensure this value is greater than or equal to %(limit_value)s.") % {
            "limit_value": limit
        }
    if kind in {"less_than_equal", "less_than"}:
        limit = ctx.get("le", ctx.get("lt"))
        return _("Ensure this value is less than or equal to %(limit_value)s.") % {
            "limit_value": limit
        }
    if kind == "string_too_long":
        return _("Ensure this value has at most %(max)s characters.") % {
            "max": ctx.get("max_length")
        }
    if kind == "string_too_short":
        return _("This field cannot be blank.")
    if kind in {"literal_error", "enum"}:
        return _("Select a valid choice. %(choices)s") % {"choices": ctx.get("expected", "")}
    if kind == "not_null":
        return _("This field cannot be null.")
    if kind == "extra_forbidden":
        return _("Unknown field.")
    if kind == "value_error" and "email" in str(error.get("msg", "")):
        return _("Enter a valid email address.")
    return _("Enter a valid value.")


def _field_name(loc: Sequence[Any], body_params: frozenset[str]) -> str:
    # loc is (source, [param name,] field, ...): ("body", "payload", "name"), ("query", "page").
    parts = [str(p) for p in loc[1:]]
    if loc and loc[0] == "body" and parts and parts[0] in body_params:
        parts = parts[1:]
    return ".".join(parts) or NON_FIELD


def validation_fields(errors: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        name = _field_name(error.get("loc", ()), BODY_PARAM_NAMES)
        fields.setdefault(name, []).append(_pydantic_message(error))
    return fields


# Endpoints name their body parameter ``payload``; it is dropped from field names.
BODY_PARAM_NAMES = frozenset({"payload"})


def _django_fields(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {name: [str(m) for m in messages] for name, messages in exc.message_dict.items()}
    return {NON_FIELD: [str(m) for m in exc.messages]}


def _on_ninja_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return error_response(
        422, "validation_error", _("Some values are not valid."), validation_fields(exc.errors)
    )


def _on_django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    fields = _django_fields(exc)
    first = next(iter(fields.values()), [])
    message = first[0] if len(fields) == 1 and first else _("Some values are not valid.")
    return error_response(422, "validation_error", message, fields)


def _on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(404, "not_found", _("Not found."))


def _on_forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    message = str(exc) if str(exc) else _("You may not do this.")
    return error_response(403, "forbidden", message)


_STATUS_CODES = {
    400: ("bad_request", gettext_noop("The request could not be read.")),
    401: (
        "not_authenticated",
        gettext_noop("Sign in, or send an API token as “Authorization: Bearer …”."),
    ),
    403: ("forbidden", gettext_noop("You may not do this.")),
    404: ("not_found", gettext_noop("Not found.")),
    405: ("method_not_allowed", gettext_noop("This method is not allowed here.")),
    429: ("too_many_requests", gettext_noop("Too many requests; try again later.")),
}


def _on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, MissingScopeError):
        return error_response(
            403,
            "missing_scope",
            _("This API token lacks the “%(scope)s” scope.") % {"scope": exc.scope},
        )
    if isinstance(exc, CsrfError):
        return error_response(
            403, "csrf_failed", _("The CSRF token is missing or wrong; reload the page.")
        )
    if isinstance(exc, AuthenticationError):
        return error_response(401, "not_authenticated", _(_STATUS_CODES[401][1]))
    if exc.status_code == 400 and exc.message.startswith("Cannot parse request body"):
        return error_response(400, "malformed_body", _("The request body is not valid JSON."))
    code, message = _STATUS_CODES.get(
        exc.status_code, ("error", gettext_noop("The request failed."))
    )
    return error_response(exc.status_code, code, _(message))


def _on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Logged with the traceback for the operator; the client learns nothing about the code.
    logger.exception("API error on %s %s", request.method, request.path, exc_info=exc)
    return error_response(
        500, "server_error", _("Something went wrong on our side; the error has been logged.")
    )


ERROR_HANDLERS: list[tuple[type[Exception], Callable[..., HttpResponse]]] = [
    (Exception, _on_unexpected),
    (Http404, _on_not_found),
    (PermissionDenied, _on_forbidden),
    (HttpError, _on_http_error),
    (ValidationError, _on_ninja_validation),
    (DjangoValidationError, _on_django_validation),
]


def install_error_handlers(api: NinjaAPI) -> None:
    for exc_class, handler in ERROR_HANDLERS:
        api.add_exception_handler(exc_class, handler)


def _refuse_null(value: Any) -> Any:
    if value is None:
        raise PydanticCustomError("not_null", "This field cannot be null.")
    return value


# For PATCH bodies: a field may be left out, but not sent as null.
NotNull = BeforeValidator(_refuse_null)


# --- authentication and scopes -------------------------------------------------------------


class TokenAuth(HttpBearer):
    """``Authorization: Bearer pms_…``: the token's user, limited to the token's scopes."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        api_token = api_token_authenticate(token.strip())
        if api_token is None:
            return None
        user = api_token.user
        request.user = user
        request.principal = principal_for(  # type: ignore[attr-defined]
            user, token_scopes=frozenset(api_token.scopes)
        )
        return user


class SessionAuth(APIKeyCookie):
    """The browser's session; unsafe methods need the CSRF token, as pages do."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def __call__(self, request: HttpRequest) -> User | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if "Authorization" in request.headers:
            return None  # a caller that sends a token is judged by the token alone
        # Checked only once we know who it is, so that anonymous callers get 401, not 403.
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise CsrfError
        if not hasattr(request, "principal"):
            request.principal = principal_for(user)  # type: ignore[attr-defined]
        return user  # type: ignore[no-any-return]

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        return None  # pragma: no cover (``__call__`` does the work)


def principal(request: HttpRequest, scope: str | None = None) -> Principal:
    """The caller, after checking that a token holds ``scope`` (sessions hold every scope)."""
    who: Principal = request.principal  # type: ignore[attr-defined]
    if scope is not None and not who.allows_scope(scope):
        raise MissingScopeError(scope)
    return who


# --- pagination ----------------------------------------------------------------------------


class PageQuery(Schema):
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(settings.PMS_PAGE_SIZE, ge=1)


class PageOut(Schema):
    count: int
    page: int
    page_size: int
    pages: int


def paginate(
    queryset: QuerySet[M], query: PageQuery, to_item: Callable[[M], Any] | None = None
) -> dict[str, Any]:
    """One COUNT and one slice; a page past the end is empty, not an error. Items are the
    rows (the response schema reads them) unless ``to_item`` shapes them."""
    size = min(query.page_size, settings.PMS_API_MAX_PAGE_SIZE)
    count = queryset.count()
    start = (query.page - 1) * size
    rows = list(queryset[start : start + size]) if start < count else []
    return {
        "items": rows if to_item is None else [to_item(row) for row in rows],
        "count": count,
        "page": query.page,
        "page_size": size,
        "pages": math.ceil(count / size),
    }


# --- docs served from this application (no CDN: the product runs on intranets) -------------

NINJA_STATIC = Path(ninja.__file__).parent / "static" / "ninja"
DOCS_ASSETS = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui-init.js": "text/javascript",
    "favicon.svg": "image/svg+xml",
    "favicon.png": "image/png",
}


def docs_asset(request: HttpRequest, name: str) -> HttpResponseBase:
    content_type = DOCS_ASSETS.get(name)
    if content_type is None:
        return error_response(404, "not_found", _("Not found."))
    response = FileResponse((NINJA_STATIC / name).open("rb"), content_type=content_type)
    response["Cache-Control"] = "public, max-age=86400"
    return response


def _script_json(value: Any) -> SafeString:
    """JSON safe inside a <script> element (no way to close the element early)."""
    text = json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return mark_safe(text)  # noqa: S308 (every markup character is escaped above)


class LocalSwagger(DocsBase):
    """Swagger UI from django-ninja's bundled files, served by this application."""

    settings: dict[str, Any] = {
        "layout": "BaseLayout",
        "deepLinking": True,
        # The default validator loads a badge from validator.swagger.io.
        "validatorUrl": None,
    }

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        assets = request.path.rstrip("/").rsplit("/", 1)[0] + "/docs-assets/"
        swagger_settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        html = format_html(
            '<!DOCTYPE html><html><head><meta charset="utf-8">'
            '<link rel="stylesheet" href="{0}swagger-ui.css">'
            '<link rel="icon" href="{0}favicon.svg" type="image/svg+xml">'
            "<title>{1}</title></head>"
            '<body data-csrf-token="{2}" data-api-csrf="true">'
            '<script type="application/json" id="swagger-settings">{3}</script>'
            '<div id="swagger-ui"></div>'
            '<script src="{0}swagger-ui-bundle.js"></script>'
            '<script src="{0}swagger-ui-init.js"></script>'
            "</body></html>",
            assets,
            api.title,
            get_token(request),
            _script_json(swagger_settings),
        )
        return HttpResponse(html)


# --- the API class -------------------------------------------------------------------------


def _json_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Gives the answers ninja makes outside its handlers (405, the root's 404) our shape."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return error_response(404, "not_found", _("Not found."))
        if response.status_code == 405:
            allowed = response.get("Allow", "")
            response = error_response(
                405, "method_not_allowed", _("This method is not allowed here.")
            )
            response["Allow"] = allowed
        return response

    return wrapper


@csrf_exempt
def _unknown_path(request: HttpRequest, rest: str = "") -> HttpResponse:
    return error_response(404, "not_found", _("Not found."))


class PmsNinjaAPI(NinjaAPI):
    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls: list[URLResolver | URLPattern] = []
        for url in super()._get_urls():
            if isinstance(url, URLPattern):
                url = URLPattern(  # noqa: PLW2901 (the same route, answering in our shape)
                    url.pattern, _json_errors(url.callback), url.default_args, url.name
                )
            urls.append(url)
        urls.append(path("docs-assets/<str:name>", docs_asset, name="docs-asset"))
        urls.append(re_path(r"^(?P<rest>.*)$", _unknown_path, name="unknown"))
        return urls
