"""An offline Databricks SQL warehouse that the unmodified databricks-sql-connector talks to over Thrift."""

from .emulator import DatabricksEmulator
from .errors import SqlError

__all__ = ["DatabricksEmulator", "SqlError"]
