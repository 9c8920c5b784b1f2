"""ferries-service tables. Empty until the ferries issue gives the service state to keep."""

from sqlalchemy import MetaData

metadata = MetaData()
