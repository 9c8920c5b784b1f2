"""payment-service tables. Empty until the payment issue gives the service state to keep."""

from sqlalchemy import MetaData

metadata = MetaData()
