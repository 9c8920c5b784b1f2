"""flights-service tables. Empty until the flights issue gives the service state to keep."""

from sqlalchemy import MetaData

metadata = MetaData()
