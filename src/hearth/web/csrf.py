"""CSRF protection bound to the session, and the Secure flag on every cookie over HTTPS.

An unsafe request (anything but GET, HEAD, OPTIONS, TRACE) that carries cookies must carry
the CSRF token too, in the ``X-CSRFToken`` header or the ``csrftoken`` form field; requests
with a bearer token skip the check, since no ambient credential rides along, and the
log-in and sign-up forms are checked even without cookies (log-in CSRF).

The token of a signed-in browser is an HMAC of its session cookie with the secret key, so
a token is worth nothing with another session: someone who plants a ``csrftoken`` cookie
of their own (from a sibling subdomain, say) cannot forge the matching header for a victim
whose session they do not know. Before log-in there is no session to bind to; the token is
then a random value signed with the secret, compared with the ``csrftoken`` cookie (the
double-submit pattern). The middleware issues the cookie that pages read the token from
and re-issues it whenever a response opens or closes a session.

It replaces ``asgi-csrf``, which could do none of the binding, gave its cookie ``Secure``
only by a fixed setting, and failed with a 500 on a multipart body it could not parse.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hearth.web.deps import SESSION_COOKIE

COOKIE = "csrftoken"
FORM_FIELD = "csrftoken"
HEADER = "x-csrftoken"
SCOPE_KEY = "csrftoken"  # a function the templates call for the page's token
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# A form without files is small; one larger than this is refused rather than buffered.
MAX_FORM_BYTES = 1_000_000


class _TokenFound(Exception):
    pass


class _FileBeforeToken(Exception):
    pass


class _Unreadable(Exception):
    pass


def _mac(secret: bytes, purpose: bytes, value: str) -> str:
    digest = hmac.new(secret, purpose + b"\0" + value.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class CsrfMiddleware:
    """Check the CSRF token of unsafe requests and keep the ``csrftoken`` cookie current."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        secret: str,
        force_secure: bool = False,
        always_protect: frozenset[str] = frozenset(),
    ) -> None:
        self.app = app
        self._secret = secret.encode()
        self.force_secure = force_secure
        self.always_protect = always_protect

    def session_token(self, session: str) -> str:
        """Return the token of the browser whose session cookie is ``session``."""
        return _mac(self._secret, b"hearth csrf session", session)

    def anonymous_token(self) -> str:
        """Return a new signed random token for a browser without a session."""
        nonce = secrets.token_urlsafe(18)
        return f"{nonce}.{_mac(self._secret, b'hearth csrf anonymous', nonce)}"

    def _signed(self, token: str) -> bool:
        nonce, _, mac = token.partition(".")
        expected = _mac(self._secret, b"hearth csrf anonymous", nonce)
        return bool(nonce) and hmac.compare_digest(mac.encode(), expected.encode())

    def valid(self, given: str, *, session: str | None, cookie: str | None) -> bool:
        """Tell whether ``given`` is the token of this browser."""
        if session:
            return hmac.compare_digest(given.encode(), self.session_token(session).encode())
        return (
            cookie is not None
            and self._signed(cookie)
            and hmac.compare_digest(given.encode(), cookie.encode())
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        raw_cookies = headers.get("cookie")
        cookies = cookie_parser(raw_cookies) if raw_cookies else {}
        session = cookies.get(SESSION_COOKIE) or None
        cookie = cookies.get(COOKIE)
        secure = self.force_secure or scope.get("scheme") == "https"
        token: str | None = None  # worked out when a page or a response needs it

        def page_token() -> str:
            nonlocal token
            if token is None:
                if session:
                    token = self.session_token(session)
                elif cookie is not None and self._signed(cookie):
                    token = cookie
                else:
                    token = self.anonymous_token()
            return token

        async def send_with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._finish_cookies(message, token, cookie, secure=secure)
            await send(message)

        # In place: what the router adds to the scope (the route) stays visible outside.
        scope[SCOPE_KEY] = page_token
        if scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send_with_cookies)
            return
        given = headers.get(HEADER)
        if given is not None and self.valid(given, session=session, cookie=cookie):
            await self.app(scope, receive, send_with_cookies)
            return
        if "cookie" not in headers and scope["path"] not in self.always_protect:
            await self.app(scope, receive, send_with_cookies)
            return
        scheme, _, _ = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            await self.app(scope, receive, send_with_cookies)
            return
        try:
            from_form, replay = await self._form_token(headers, receive)
        except _FileBeforeToken:
            await _refuse(scope, send, 403, "put the csrftoken field before any file in the form")
            return
        except _Unreadable as err:
            await _refuse(scope, send, 400, str(err))
            return
        if from_form is None or not self.valid(from_form, session=session, cookie=cookie):
            await _refuse(scope, send, 403, "missing or wrong CSRF token")
            return
        await self.app(scope, replay, send_with_cookies)

    def _finish_cookies(
        self, message: Message, token: str | None, cookie: str | None, *, secure: bool
    ) -> None:
        """Re-issue the token cookie when the session changed or a page needed a new token,
        and mark every cookie ``Secure`` over HTTPS."""
        headers = MutableHeaders(scope=message)
        issue: str | None = None
        opened = _session_set_by(headers)
        if opened is not None:
            issue = self.session_token(opened) if opened else self.anonymous_token()
        elif token is not None and cookie != token:  # a page asked for a token
            issue = token
        if token is not None:
            headers.add_vary_header("Cookie")
        if issue is not None:
            headers.append("set-cookie", f"{COOKIE}={issue}; Path=/; SameSite=Lax")
        if secure:
            raw = message["headers"]
            message["headers"] = [
                (key, value + b"; Secure")
                if key == b"set-cookie" and b"secure" not in value.lower()
                else (key, value)
                for key, value in raw
            ]

    async def _form_token(
        self, headers: Headers, receive: Receive
    ) -> tuple[str | None, Callable[[], Awaitable[Message]]]:
        """Read the form far enough to find its token; return it and a ``receive`` that
        replays what was read."""
        content_type, options = parse_options_header(headers.get("content-type", ""))
        read: list[Message] = []

        async def replay() -> Message:
            return read.pop(0) if read else await receive()

        more = True

        async def next_chunk() -> bytes | None:
            nonlocal more
            if not more:
                return None
            message = await receive()
            read.append(message)
            more = message["type"] == "http.request" and message.get("more_body", False)
            body: bytes = message.get("body", b"") if message["type"] == "http.request" else b""
            return body

        if content_type == b"application/x-www-form-urlencoded":
            body = b""
            while (chunk := await next_chunk()) is not None:
                body += chunk
                if len(body) > MAX_FORM_BYTES:
                    raise _Unreadable("the form is too large; send files as multipart/form-data")
            try:
                fields = dict(parse_qsl(body.decode(), keep_blank_values=True))
            except UnicodeDecodeError:
                raise _Unreadable("the form is not UTF-8 text") from None
            return fields.get(FORM_FIELD), replay
        if content_type == b"multipart/form-data":
            boundary = options.get(b"boundary")
            if not boundary:
                raise _Unreadable("the multipart form's Content-Type names no boundary")
            return await _multipart_token(boundary, next_chunk), replay
        return None, replay


async def _multipart_token(
    boundary: bytes, next_chunk: Callable[[], Awaitable[bytes | None]]
) -> str | None:
    """Return the token field of a multipart body read so far; stop at the first file."""
    part: dict[str, bytes] = {}
    header = [b"", b""]
    value = bytearray()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header[0] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header[1] += data[start:end]

    def on_header_end() -> None:
        part[header[0].decode("latin-1").lower()] = header[1]
        header[0], header[1] = b"", b""

    def on_headers_finished() -> None:
        _, disposition = parse_options_header(part.get("content-disposition", b""))
        if b"filename" in disposition:
            raise _FileBeforeToken
        part["name"] = disposition.get(b"name", b"")

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if part.get("name") == FORM_FIELD.encode():
            value.extend(data[start:end])
            if len(value) > 1000:
                raise _Unreadable("the form's csrftoken field is too long")

    def on_part_end() -> None:
        if part.get("name") == FORM_FIELD.encode():
            raise _TokenFound
        part.clear()

    parser = MultipartParser(
        boundary,
        {
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    read = 0
    try:
        while (chunk := await next_chunk()) is not None:
            read += len(chunk)
            if read > MAX_FORM_BYTES:
                raise _Unreadable("the form is too large before its csrftoken field")
            parser.write(chunk)
    except _TokenFound:
        try:
            return value.decode()
        except UnicodeDecodeError:
            return None
    except FormParserError:
        raise _Unreadable("the multipart form could not be read; it is malformed") from None
    return None


def _session_set_by(headers: MutableHeaders) -> str | None:
    """Return the session cookie a response sets ("" when it deletes it), or None."""
    for line in headers.getlist("set-cookie"):
        name, _, rest = line.partition("=")
        if name.strip() != SESSION_COOKIE:
            continue
        value = rest.split(";", 1)[0].strip().strip('"')
        return "" if "max-age=0" in rest.lower().replace(" ", "") else value
    return None


async def _refuse(scope: Scope, send: Send, status: int, reason: str) -> None:
    """Answer a refused request in hearth's error body (JSON) or as a page."""
    if scope["path"].startswith("/api/"):
        code = "csrf_failed" if status == 403 else "invalid_input"
        body = json.dumps({"error": code, "detail": reason, "errors": []}).encode()
        content_type = b"application/json"
    elif status == 403:
        body = (
            b"<!doctype html><title>Form expired</title><h1>This form has expired</h1>"
            b"<p>Go back, reload the page and try again.</p>"
        )
        content_type = b"text/html; charset=utf-8"
    else:
        body = (
            "<!doctype html><title>The form could not be read</title>"
            f"<h1>The form could not be read</h1><p>{reason.capitalize()}.</p>"
        ).encode()
        content_type = b"text/html; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", content_type)],
        }
    )
    await send({"type": "http.response.body", "body": body})
