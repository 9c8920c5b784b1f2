"""transaction-service tables. Empty until the transaction issue gives the service state to keep."""

from sqlalchemy import MetaData

metadata = MetaData()
