"""ppob-service tables. Empty until the ppob issue gives the service state to keep."""

from sqlalchemy import MetaData

metadata = MetaData()
