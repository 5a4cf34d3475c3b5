"""The TCLIService handler: sessions, asynchronous operations, direct results and polling."""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
from databricks.sql.thrift_api.TCLIService import ttypes

from . import errors, metadata
from .engine import Engine, Result
from .faults import Counters, Faults
from .results import OK, ResultPages
from .sqlcheck import ALL_STATEMENTS
from .translate import Namespace, Param

S = ttypes.TOperationState
PROTOCOL = ttypes.TProtocolVersion.SPARK_CLI_SERVICE_PROTOCOL_V8
STATUS_LONG_POLL_S = 0.2  # GetOperationStatus waits this long for a change, as the warehouse does


def _error_status(message: str, code: int = ttypes.TStatusCode.ERROR_STATUS) -> ttypes.TStatus:
    return ttypes.TStatus(statusCode=code, errorMessage=message, displayMessage=message)


@dataclass
class Session:
    ns: Namespace
    config: dict[str, str]


@dataclass
class Operation:
    session: Session
    arrow_types: ttypes.TSparkArrowTypes | None
    lz4: bool
    future: Future[None] | None = None
    result: Result | None = None
    pages: ResultPages | None = None
    error: errors.SqlError | None = None
    state: int = S.RUNNING_STATE
    lock: threading.Lock = field(default_factory=threading.Lock)


REQUEST = threading.local()  # the principal of the Thrift request being handled (set by the HTTP server)


class Handler:
    """Implements TCLIService.Iface; the Processor shipped with the connector calls it."""

    def __init__(self, engine: Engine, faults: Faults, counters: Counters, statements: list[str]) -> None:
        self.engine, self.faults, self.counters, self.statements = engine, faults, counters, statements
        self.sessions: dict[bytes, Session] = {}
        self.operations: dict[bytes, Operation] = {}
        self.pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="dbx-statement")

    def shutdown(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)

    # Sessions
    def OpenSession(self, req: ttypes.TOpenSessionReq) -> ttypes.TOpenSessionResp:
        ns = Namespace(user=getattr(REQUEST, "principal", ""))
        initial = req.initialNamespace
        if initial and initial.catalogName:
            ns.catalog = initial.catalogName.lower()
        if initial and initial.schemaName:
            ns.schema = initial.schemaName.lower()
        try:
            with self.engine.lock:
                self.engine.catalog.require_schema(ns.catalog, ns.schema)
        except errors.SqlError as exc:  # the warehouse refuses a session on a missing namespace
            return ttypes.TOpenSessionResp(status=_error_status(exc.message), serverProtocolVersion=PROTOCOL)
        guid = uuid.uuid4().bytes
        self.sessions[guid] = Session(ns, dict(req.configuration or {}))
        handle = ttypes.TSessionHandle(
            sessionId=ttypes.THandleIdentifier(guid=guid, secret=uuid.uuid4().bytes)
        )
        return ttypes.TOpenSessionResp(
            status=OK,
            serverProtocolVersion=PROTOCOL,
            sessionHandle=handle,
            configuration={},
            initialNamespace=ttypes.TNamespace(catalogName=ns.catalog, schemaName=ns.schema),
            canUseMultipleCatalogs=True,
        )

    def CloseSession(self, req: ttypes.TCloseSessionReq) -> ttypes.TCloseSessionResp:
        self.sessions.pop(req.sessionHandle.sessionId.guid, None)
        return ttypes.TCloseSessionResp(status=OK)

    def _session(self, handle: ttypes.TSessionHandle | None) -> Session | None:
        return self.sessions.get(handle.sessionId.guid) if handle else None

    # Statements
    def ExecuteStatement(self, req: ttypes.TExecuteStatementReq) -> object:
        session = self._session(req.sessionHandle)
        if session is None:
            return ttypes.TExecuteStatementResp(status=_invalid_session())
        sql = req.statement
        self.statements.append(sql)
        ALL_STATEMENTS.append(sql)
        self.counters.add("statements")
        params = [
            Param(p.name, p.type or "STRING", p.value.stringValue if p.value else None)
            for p in req.parameters or []
        ]
        quota = self.faults.take("quota_errors")
        slow = self.faults.slow_statement_s

        def work() -> Result:
            if slow:
                time.sleep(slow)
            if quota:
                self.counters.add("faults.quota_errors")
                raise errors.quota_exceeded()
            return self.engine.execute(sql, session.ns, params)

        return self._start(
            session,
            work,
            req.getDirectResults,
            req.useArrowNativeTypes,
            bool(req.canDecompressLZ4Result),
            ttypes.TExecuteStatementResp,
        )

    def _start(
        self,
        session: Session,
        work: Callable[[], Result],
        direct: ttypes.TSparkGetDirectResults | None,
        arrow_types: ttypes.TSparkArrowTypes | None,
        lz4: bool,
        resp_type: type,
    ) -> object:
        guid = uuid.uuid4().bytes
        op = Operation(session, arrow_types, lz4)
        op.future = self.pool.submit(self._run, op, work)
        self.operations[guid] = op
        handle = ttypes.TOperationHandle(
            operationId=ttypes.THandleIdentifier(guid=guid, secret=uuid.uuid4().bytes),
            operationType=ttypes.TOperationType.EXECUTE_STATEMENT,
            hasResultSet=True,
        )
        if direct is None or not self.faults.direct_results:
            return resp_type(status=OK, operationHandle=handle)
        try:
            op.future.result(timeout=self.faults.direct_results_wait_s)
        except FutureTimeout:
            return resp_type(status=OK, operationHandle=handle)
        return resp_type(status=OK, operationHandle=handle, directResults=self._direct(guid, op, direct))

    def _run(self, op: Operation, work: Callable[[], Result]) -> None:
        """Run a statement and record its outcome on the operation before the future reports done."""
        try:
            result = work()
        except Exception as exc:
            with op.lock:
                op.error = (
                    exc
                    if isinstance(exc, errors.SqlError)
                    else errors.SqlError("INTERNAL_ERROR", f"[emulator] {type(exc).__name__}: {exc}", "XX000")
                )
                op.state = S.ERROR_STATE if op.state != S.CANCELED_STATE else op.state
            self.counters.add("statements_failed")
            return
        with op.lock:
            if op.state != S.CANCELED_STATE:
                op.result = result
                op.pages = ResultPages(result.table, result.is_staging, op.arrow_types, op.lz4)
                op.state = S.FINISHED_STATE

    def _direct(
        self, guid: bytes, op: Operation, direct: ttypes.TSparkGetDirectResults
    ) -> ttypes.TSparkDirectResults:
        status = self._status(op)
        if op.pages is None:
            return ttypes.TSparkDirectResults(operationStatus=status)
        first = op.pages.fetch(direct.maxRows or 0, include_metadata=False)
        closed = None
        if not first.hasMoreRows:  # everything fitted inline: the warehouse closes the operation itself
            self.operations.pop(guid, None)
            closed = ttypes.TCloseOperationResp(status=OK)
        return ttypes.TSparkDirectResults(
            operationStatus=status,
            resultSetMetadata=op.pages.metadata(),
            resultSet=first,
            closeOperation=closed,
        )

    def _status(self, op: Operation) -> ttypes.TGetOperationStatusResp:
        result, error = op.result, op.error
        return ttypes.TGetOperationStatusResp(
            status=OK,
            operationState=op.state,
            hasResultSet=True,
            numModifiedRows=result.num_modified_rows if result else None,
            sqlState=error.sqlstate if error else None,
            errorMessage=error.message if error else None,
            displayMessage=error.message if error else None,
        )

    def _operation(self, handle: ttypes.TOperationHandle) -> Operation | None:
        return self.operations.get(handle.operationId.guid) if handle else None

    def GetOperationStatus(self, req: ttypes.TGetOperationStatusReq) -> ttypes.TGetOperationStatusResp:
        op = self._operation(req.operationHandle)
        if op is None:
            return ttypes.TGetOperationStatusResp(status=_invalid_operation())
        if op.future is not None:
            with contextlib.suppress(FutureTimeout):
                op.future.result(timeout=STATUS_LONG_POLL_S)
        with op.lock:
            return self._status(op)

    def GetResultSetMetadata(self, req: ttypes.TGetResultSetMetadataReq) -> ttypes.TGetResultSetMetadataResp:
        op = self._operation(req.operationHandle)
        if op is None or op.pages is None:
            return ttypes.TGetResultSetMetadataResp(status=_invalid_operation())
        return op.pages.metadata()

    def FetchResults(self, req: ttypes.TFetchResultsReq) -> ttypes.TFetchResultsResp:
        op = self._operation(req.operationHandle)
        if op is None or op.pages is None:
            return ttypes.TFetchResultsResp(status=_invalid_operation())
        with op.lock:
            if req.orientation == ttypes.TFetchOrientation.FETCH_FIRST:
                op.pages.rewind()
            return op.pages.fetch(req.maxRows, bool(req.includeResultSetMetadata))

    def CancelOperation(self, req: ttypes.TCancelOperationReq) -> ttypes.TCancelOperationResp:
        op = self._operation(req.operationHandle)
        if op is None:
            return ttypes.TCancelOperationResp(status=_invalid_operation())
        with op.lock:
            if op.future is not None:
                op.future.cancel()
            if op.state == S.RUNNING_STATE:
                op.state = S.CANCELED_STATE
        return ttypes.TCancelOperationResp(status=OK)

    def CloseOperation(self, req: ttypes.TCloseOperationReq) -> ttypes.TCloseOperationResp:
        self.operations.pop(req.operationHandle.operationId.guid, None)
        return ttypes.TCloseOperationResp(status=OK)

    # Metadata RPCs run as operations too, so they page exactly like statements.
    def _metadata(self, req: Any, build: Callable[[], pa.Table], resp_type: type) -> object:
        session = self._session(req.sessionHandle)
        if session is None:
            return resp_type(status=_invalid_session())

        def work() -> Result:
            with self.engine.lock:
                return Result(build())

        return self._start(
            session,
            work,
            getattr(req, "getDirectResults", None),
            ttypes.TSparkArrowTypes(True, True, True, False),
            False,
            resp_type,
        )

    def GetCatalogs(self, req: ttypes.TGetCatalogsReq) -> object:
        return self._metadata(req, lambda: metadata.catalogs(self.engine.catalog), ttypes.TGetCatalogsResp)

    def GetSchemas(self, req: ttypes.TGetSchemasReq) -> object:
        return self._metadata(
            req,
            lambda: metadata.schemas(self.engine.catalog, req.catalogName, req.schemaName),
            ttypes.TGetSchemasResp,
        )

    def GetTables(self, req: ttypes.TGetTablesReq) -> object:
        return self._metadata(
            req,
            lambda: metadata.tables(
                self.engine.catalog, req.catalogName, req.schemaName, req.tableName, req.tableTypes
            ),
            ttypes.TGetTablesResp,
        )

    def GetColumns(self, req: ttypes.TGetColumnsReq) -> object:
        return self._metadata(
            req,
            lambda: metadata.columns(
                self.engine.catalog, req.catalogName, req.schemaName, req.tableName, req.columnName
            ),
            ttypes.TGetColumnsResp,
        )

    def __getattr__(self, name: str) -> Callable[[object], object]:
        """RPCs the emulator does not serve answer with an error status instead of a transport failure."""
        resp_type = getattr(ttypes, f"T{name}Resp", None)
        if resp_type is None:
            raise AttributeError(name)
        return lambda req: resp_type(status=_error_status(f"[NOT_IMPLEMENTED] {name} is not emulated."))


def _invalid_session() -> ttypes.TStatus:
    return _error_status(
        "Invalid SessionHandle: the session does not exist or was closed.",
        ttypes.TStatusCode.INVALID_HANDLE_STATUS,
    )


def _invalid_operation() -> ttypes.TStatus:
    return _error_status(
        "Invalid OperationHandle: the operation does not exist or was closed.",
        ttypes.TStatusCode.INVALID_HANDLE_STATUS,
    )
