"""Result sets on the wire: Arrow IPC batches in TRowSet, metadata and paging, as a warehouse sends them."""

from __future__ import annotations

import lz4.frame
import pyarrow as pa
from databricks.sql.thrift_api.TCLIService import ttypes

from .types import table_schema, wire_table

OK = ttypes.TStatus(statusCode=ttypes.TStatusCode.SUCCESS_STATUS)


class ResultPages:
    """A finished statement's rows, handed out page by page (FetchResults FETCH_NEXT / FETCH_FIRST)."""

    def __init__(
        self, table: pa.Table, is_staging: bool, arrow_types: ttypes.TSparkArrowTypes | None, lz4: bool
    ) -> None:
        complex_native = bool(arrow_types and arrow_types.complexTypesAsArrow)
        decimal_native = bool(arrow_types and arrow_types.decimalAsArrow)
        self.thrift_schema = table_schema(table.schema)
        self.wire = wire_table(table, complex_native, decimal_native)
        self.is_staging = is_staging
        self.lz4 = lz4
        self.offset = 0

    def metadata(self) -> ttypes.TGetResultSetMetadataResp:
        return ttypes.TGetResultSetMetadataResp(
            status=OK,
            schema=self.thrift_schema,
            resultFormat=ttypes.TSparkRowSetType.ARROW_BASED_SET,
            lz4Compressed=self.lz4,
            arrowSchema=self.wire.schema.serialize().to_pybytes(),
            isStagingOperation=self.is_staging,
        )

    @property
    def has_more(self) -> bool:
        return self.offset < self.wire.num_rows

    def next_page(self, max_rows: int) -> ttypes.TRowSet:
        start = self.offset
        count = max(1, min(max_rows or self.wire.num_rows, self.wire.num_rows - start))
        page = self.wire.slice(start, count)
        self.offset = start + page.num_rows
        batches = []
        for batch in page.combine_chunks().to_batches():
            data = batch.serialize().to_pybytes()
            batches.append(
                ttypes.TSparkArrowBatch(
                    batch=lz4.frame.compress(data) if self.lz4 else data, rowCount=batch.num_rows
                )
            )
        return ttypes.TRowSet(startRowOffset=start, rows=[], arrowBatches=batches)

    def fetch(self, max_rows: int, include_metadata: bool) -> ttypes.TFetchResultsResp:
        rows = self.next_page(max_rows)
        return ttypes.TFetchResultsResp(
            status=OK,
            hasMoreRows=self.has_more,
            results=rows,
            resultSetMetadata=self.metadata() if include_metadata else None,
        )

    def rewind(self) -> None:
        self.offset = 0
