"""Where lookups go: the built-in simulated exchange or the real platform over HTTP.

``settings.DATA_EXCHANGE["BACKEND"]`` names the source. A source answers one call per case
for all the items asked (``lookup``): ``{item code: record or None}``; a record is
``{"fields": [{"label": …, "value": …}, …]}``. A source that cannot answer raises
``ExchangeUnavailableError``; the caller then leaves the materials to be brought.
"""

import hashlib
import http.client
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class ExchangeUnavailableError(Exception):
    """The exchange did not answer (down, timed out, refused the call)."""


@dataclass(frozen=True)
class Query:
    identity_kind: str  # "person" or "company"
    identity: str  # ID number or unified social credit code
    name: str
    items: tuple[str, ...]  # data item codes
    purpose: str
    requester: str  # the department's code


def data_source():
    """The configured source (``settings.DATA_EXCHANGE["BACKEND"]``)."""
    return import_string(settings.DATA_EXCHANGE["BACKEND"])()


def _fields(*pairs: tuple[str, str]) -> dict:
    return {"fields": [{"label": label, "value": value} for label, value in pairs]}


def _pick(digest: bytes, n: int, choices: list[str]) -> str:
    return choices[digest[n] % len(choices)]


# Items only a person has: a company is never found for them.
PERSON_ONLY = {"household", "marriage", "criminal-record", "disability", "social-insurance"}


class SimulatedSource:
    """A deterministic demo exchange keyed by the identity.

    An identity whose 17th character (the last before the check digit; for an ID number the
    sequence digit) is ``0`` is unknown to the exchange: nothing is found for it. Every other
    identity is found for every item, except the personal items (户籍, 婚姻, 无犯罪记录,
    残疾, 社保参保) for a company. The values are derived from a hash of the identity.
    """

    name = "simulated"

    @staticmethod
    def knows(identity: str) -> bool:
        return len(identity) >= 17 and identity[16] != "0"

    def lookup(self, query: Query) -> dict[str, dict | None]:
        known = self.knows(query.identity)
        digest = hashlib.sha256(query.identity.encode()).digest()
        answer: dict[str, dict | None] = {}
        for code in query.items:
            if not known or (query.identity_kind == "company" and code in PERSON_ONLY):
                answer[code] = None
            else:
                answer[code] = self._record(code, digest)
        return answer

    @staticmethod
    def _record(code: str, digest: bytes) -> dict:
        year = 2000 + digest[0] % 24
        month = 1 + digest[1] % 12
        day = 1 + digest[2] % 28
        date = f"{year}-{month:02d}-{day:02d}"
        street = _pick(digest, 3, ["南湖路", "中山路", "禾兴路", "秀洲大道", "文昌路"])
        number = 1 + digest[4] % 300
        if code == "household":
            return _fields(
                ("户籍地址", f"嘉兴市南湖区{street}{number}号"),
                ("与户主关系", _pick(digest, 5, ["户主", "配偶", "子女"])),
                ("登记日期", date),
            )
        if code == "marriage":
            return _fields(
                ("婚姻状况", "已婚"),
                ("登记机关", "嘉兴市南湖区民政局"),
                ("登记日期", date),
            )
        if code == "social-insurance":
            return _fields(
                ("参保状态", "正常参保"),
                ("参保险种", "职工基本养老保险、医疗保险、失业保险"),
                ("累计缴费月数", str(12 + digest[6] % 240)),
            )
        if code == "real-estate":
            return _fields(
                ("不动产权证号", f"浙（{year}）嘉兴市不动产权第{digest[7] * 1000 + number:07d}号"),
                ("坐落", f"嘉兴市南湖区{street}{number}号{1 + digest[8] % 30}幢"),
                ("建筑面积", f"{60 + digest[9] % 120}.{digest[10] % 100:02d} 平方米"),
                ("登记日期", date),
            )
        if code == "tax":
            return _fields(
                ("纳税信用", _pick(digest, 11, ["A级", "B级"])),
                ("欠税情况", "无欠税"),
                ("最近完税日期", date),
            )
        if code == "criminal-record":
            return _fields(("查询结果", "未发现犯罪记录"))
        if code == "disability":
            return _fields(
                ("残疾类别", _pick(digest, 12, ["肢体残疾", "视力残疾", "听力残疾"])),
                ("残疾等级", _pick(digest, 13, ["三级", "四级"])),
            )
        return _fields(("查询结果", "有记录"))


class HttpSource:
    """The city's data exchange platform over HTTP.

    ``POST {URL}`` with ``Authorization: Bearer {KEY}`` and the JSON body
    ``{"identity_kind", "identity", "name", "items": [codes], "purpose", "requester"}``;
    the platform answers ``200 {"records": {code: {"fields": [...]} | null}}``. A connection
    error, a timeout, a broken HTTP answer or a 5xx is tried again ``RETRIES`` times; a 4xx
    is not. The whole call, retries included, ends by ``DEADLINE`` seconds whatever the
    server does (``TIMEOUT`` bounds each socket operation only, so a server trickling its
    answer would hold it longer): each attempt runs in a worker thread waited for at most
    the time left.
    """

    name = "http"

    def __init__(self) -> None:
        config = settings.DATA_EXCHANGE
        self.url = config["URL"]
        self.key = config["KEY"]
        self.timeout = float(config["TIMEOUT"])
        self.retries = max(int(config["RETRIES"]), 0)
        self.deadline = float(
            config.get("DEADLINE") or self.timeout * (self.retries + 1) + 0.2 * self.retries
        )

    def lookup(self, query: Query) -> dict[str, dict | None]:
        if not self.url:
            raise ExchangeUnavailableError("DATA_EXCHANGE URL is not set")
        body = json.dumps(
            {
                "identity_kind": query.identity_kind,
                "identity": query.identity,
                "name": query.name,
                "items": list(query.items),
                "purpose": query.purpose,
                "requester": query.requester,
            },
            ensure_ascii=False,
        ).encode("utf-8")
        last = ""
        ends = time.monotonic() + self.deadline
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(min(0.2 * attempt, 1.0, max(ends - time.monotonic(), 0)))
            left = ends - time.monotonic()
            if left <= 0:
                last = last or "deadline passed"
                break
            try:
                answer = self._post_within(body, left)
            except _RetryError as error:
                last = str(error)
                continue
            return self._records(answer, query.items)
        logger.warning("data exchange unavailable after %s attempts: %s", self.retries + 1, last)
        raise ExchangeUnavailableError(last)

    def _post_within(self, body: bytes, seconds: float) -> dict:
        """``_post`` given at most ``seconds``; past them the call is abandoned (the worker
        thread ends on its own at its socket timeout) and counts as a timeout."""
        outcome: dict = {}

        def run() -> None:
            try:
                outcome["answer"] = self._post(body, min(self.timeout, seconds))
            except BaseException as error:  # handed to the caller's thread
                outcome["error"] = error

        worker = threading.Thread(target=run, name="data-exchange-call", daemon=True)
        worker.start()
        worker.join(seconds)
        if worker.is_alive():
            raise ExchangeUnavailableError(f"no answer within {self.deadline:g} s")
        if "error" in outcome:
            raise outcome["error"]
        return outcome["answer"]

    def _post(self, body: bytes, timeout: float) -> dict:
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json",
                "Authorization": f"Bearer {self.key}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            if error.code >= 500:
                raise _RetryError(f"HTTP {error.code}") from error
            raise ExchangeUnavailableError(f"HTTP {error.code}") from error
        except (
            urllib.error.URLError,
            TimeoutError,
            ConnectionError,
            OSError,
            # IncompleteRead, BadStatusLine, LineTooLong… are not OSErrors.
            http.client.HTTPException,
        ) as error:
            raise _RetryError(f"{type(error).__name__}: {error}") from error
        except ValueError as error:  # not JSON
            raise ExchangeUnavailableError(f"bad answer: {error}") from error

    @staticmethod
    def _records(answer: dict, items: tuple[str, ...]) -> dict[str, dict | None]:
        records = answer.get("records") if isinstance(answer, dict) else None
        if not isinstance(records, dict):
            raise ExchangeUnavailableError("bad answer: no records")
        result: dict[str, dict | None] = {}
        for code in items:
            record = records.get(code)
            if isinstance(record, dict) and isinstance(record.get("fields"), list):
                fields = [
                    {"label": str(f.get("label", "")), "value": str(f.get("value", ""))}
                    for f in record["fields"]
                    if isinstance(f, dict)
                ]
                result[code] = {"fields": fields}
            else:
                result[code] = None
        return result


class _RetryError(Exception):
    """A failure worth trying again."""
