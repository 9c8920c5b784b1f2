"""The broker and Redis tiers need the real servers at RABBITMQ_URL and REDIS_URL; without them
tools/run_tests.py says which tier did not run and why."""

from __future__ import annotations

import os

collect_ignore = [
    *([] if os.environ.get("RABBITMQ_URL") else ["test_event_topology_broker.py"]),
    *([] if os.environ.get("REDIS_URL") else ["test_rate_limit_redis.py"]),
]
