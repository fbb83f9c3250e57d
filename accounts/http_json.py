"""One JSON call to another system over HTTP (the courier, the payment platform).

Each caller turns ``HttpJsonError`` into its own error and wording; ``status`` is the HTTP
status the other side answered (``None``: unreachable or not a JSON object).
"""

import http.client
import json
import urllib.error
import urllib.request


class HttpJsonError(Exception):
    def __init__(self, kind: str, *, status: int | None = None, detail: str = ""):
        super().__init__(kind, status, detail)
        self.kind = kind  # "status", "unreachable", "not_json" or "not_object"
        self.status = status
        self.detail = detail


def _error_detail(error: urllib.error.HTTPError) -> str:
    try:
        return error.read(300).decode("utf-8", "replace").strip() or str(error.reason)
    except Exception:
        return str(error.reason)


def json_call(method: str, url: str, *, key: str, timeout: float, body=None, headers=None) -> dict:
    """Send ``body`` as JSON with the bearer ``key``; the answer as a dict, or raise."""
    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
    request = urllib.request.Request(
        url,
        data=data,
        method=method,
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Authorization": f"Bearer {key}",
            **(headers or {}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            raw = reply.read()
    except urllib.error.HTTPError as error:
        raise HttpJsonError("status", status=error.code, detail=_error_detail(error)) from error
    except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
        raise HttpJsonError("unreachable", detail=str(getattr(error, "reason", error))) from error
    try:
        answer = json.loads(raw or b"{}")
    except ValueError as error:
        raise HttpJsonError("not_json") from error
    if not isinstance(answer, dict):
        raise HttpJsonError("not_object")
    return answer
