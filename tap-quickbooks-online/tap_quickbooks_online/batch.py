"""QBO's /batch endpoint, with the one fault policy every caller shares (docs/deletes.md, "/batch").

A request holds up to 30 items, each `{"bId", "Query"}`, and QBO answers each item by its bId with either
a QueryResponse or a Fault. Policy, per item (classification in errors.py):
- throttle and system faults: the item is sent again (with the other such items), a few times, with backoff;
- any other fault: the call fails (`BatchItemsRejected`, naming the items), so no caller mistakes a refused
  query for an empty result;
- an answer without one of the bIds asked for is an error: a missing item must never read as "no rows".
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .client import QBOClient
from .errors import (
    FatalError,
    QBOError,
    RequestRejectedError,
    RetriableError,
    classify_item_fault,
    fault_from_json,
)
from .responses import BatchItem, Envelope

LOGGER = logging.getLogger("tap_quickbooks_online.batch")
MAX_ITEMS = 30  # QBO's per-request limit
ATTEMPTS = 4
BACKOFF_CAP_SECONDS = 8.0


class BatchItemsRejected(FatalError):
    """QBO refused one or more items for a reason retrying cannot fix; `errors` maps bId -> error."""

    def __init__(self, errors: dict[str, QBOError], items: Sequence[dict[str, Any]]) -> None:
        first = next(iter(errors.values()))
        super().__init__(f"{len(errors)} of {len(items)} /batch items refused; first: {first}")
        self.errors = errors

    @property
    def all_rejected_requests(self) -> bool:
        """True when every refusal is a ValidationFault on the item's own statement."""
        return all(isinstance(e, RequestRejectedError) for e in self.errors.values())


def run_items(client: QBOClient, items: Sequence[dict[str, Any]]) -> tuple[dict[str, BatchItem], str | None]:
    """Answers by bId for up to MAX_ITEMS items (policy above), and the time of the last /batch answer."""
    if len(items) > MAX_ITEMS:
        raise ValueError(f"{len(items)} /batch items; QBO takes at most {MAX_ITEMS} per request")
    pending, when = list(items), None
    answers: dict[str, BatchItem] = {}
    for attempt in range(ATTEMPTS):
        envelope = client.batch(pending)
        when = envelope.time
        got = {str(a.bId): a for a in envelope.BatchItemResponse if a.bId is not None}
        missing = [item["bId"] for item in pending if item["bId"] not in got]
        if missing:
            raise FatalError(
                f"QBO's /batch answer lacks bId(s) {missing[:5]} of {len(pending)} items asked for"
            )
        retry, refused = _sort_answers(pending, got, answers)
        if refused:
            raise BatchItemsRejected(refused, pending)
        if not retry:
            return answers, when
        delay = random.uniform(0, min(BACKOFF_CAP_SECONDS, 2.0**attempt))
        LOGGER.warning("%d /batch items failed transiently; sending them again in %.1fs.", len(retry), delay)
        client.sleep(delay)
        pending = retry
    raise RetriableError(f"{len(pending)} /batch items kept failing transiently after {ATTEMPTS} attempts")


def _sort_answers(
    pending: list[dict[str, Any]], got: dict[str, BatchItem], answers: dict[str, BatchItem]
) -> tuple[list[dict[str, Any]], dict[str, QBOError]]:
    retry: list[dict[str, Any]] = []
    refused: dict[str, QBOError] = {}
    for item in pending:
        answer = got[item["bId"]]
        if answer.Fault is None:
            answers[item["bId"]] = answer
            continue
        fault = fault_from_json({"Fault": answer.Fault})
        error = (
            classify_item_fault(fault) if fault else FatalError(f"unreadable /batch fault {answer.Fault!r}")
        )
        if error.retriable:
            retry.append(item)
        else:
            refused[item["bId"]] = error
    return retry, refused


def run_queries(
    client: QBOClient, statements: list[str], batch_size: int, parallel: int = 1
) -> list[Envelope]:
    """Run queries through /batch (up to batch_size per request, `parallel` requests at a time); returns
    one envelope per query, in order (its item's QueryResponse and the time of its /batch answer)."""
    size = max(1, min(batch_size, MAX_ITEMS))
    chunks = [statements[start : start + size] for start in range(0, len(statements), size)]
    if parallel > 1 and len(chunks) > 1:
        with ThreadPoolExecutor(min(parallel, len(chunks)), thread_name_prefix="qbo-batch") as pool:
            answered = list(pool.map(lambda chunk: _queries(client, chunk), chunks))
    else:
        answered = [_queries(client, chunk) for chunk in chunks]
    return [envelope for chunk in answered for envelope in chunk]


def _queries(client: QBOClient, statements: list[str]) -> list[Envelope]:
    items = [{"bId": str(n), "Query": s} for n, s in enumerate(statements)]
    answers, when = run_items(client, items)
    return [Envelope(QueryResponse=answers[item["bId"]].QueryResponse, time=when) for item in items]
