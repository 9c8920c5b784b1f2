"""hotels-service tables. Empty until the hotels issue gives the service state to keep."""

from sqlalchemy import MetaData

metadata = MetaData()
