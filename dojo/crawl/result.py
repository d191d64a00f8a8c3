"""Shared vocabulary of the crawler katas (Track 3): the record a fetch produces.

Every kata that fetches speaks in `FetchResult`s, so the pieces learners build in katas 19-25
fit together in kata 26 and in `dojo crawl`. Only data lives here, no crawling logic: the
logic is what the katas teach.
"""

from __future__ import annotations

from dataclasses import dataclass

# Why a fetch produced no usable page. None means the server answered (any status).
ERROR_KINDS = (
    "timeout",  # no answer within the fetch's time limit
    "connect",  # connection refused or unknown host
    "reset",  # the connection broke while the body was read
    "too_many_redirects",  # a redirect loop or a chain too long
    "bad_url",  # not an absolute http(s) URL
    "too_large",  # the body was over the fetcher's size cap (not read further)
    "other",  # any other client error (its text goes in `detail`)
)


@dataclass(frozen=True)
class FetchResult:
    url: str  # what was asked for
    final_url: str  # where the answer came from, after redirects (== url without them)
    status: int | None = None  # HTTP status; None when the server never answered
    content_type: str | None = None  # e.g. "text/html", without parameters
    body: str | None = None  # text of text/* answers; None for other types and errors
    error: str | None = None  # one of ERROR_KINDS, or None
    detail: str = ""  # a human-readable reason for reports
    headers: tuple[tuple[str, str], ...] = ()  # response headers worth keeping (Retry-After)

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300

    @property
    def is_html(self) -> bool:
        return self.ok and self.content_type == "text/html" and self.body is not None

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)
