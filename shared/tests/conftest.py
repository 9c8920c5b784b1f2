"""The broker tier needs the real RabbitMQ at RABBITMQ_URL; without it tools/run_tests.py says so."""

from __future__ import annotations

import os

collect_ignore = [] if os.environ.get("RABBITMQ_URL") else ["test_event_topology_broker.py"]
