"""Argon2id password hashing (pwdlib), off the event loop.

Argon2 is deliberately slow and memory-hard (pwdlib's defaults: 64 MiB, 3 passes). Each hash
runs in a small dedicated thread pool: the event loop keeps serving other requests, and the pool
size bounds how much memory concurrent sign-ins can take.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor

from pwdlib import PasswordHash
from pwdlib.exceptions import UnknownHashError
from pwdlib.hashers.argon2 import Argon2Hasher


class Argon2PasswordHasher:
    def __init__(self, hasher: Argon2Hasher | None = None, max_threads: int | None = None) -> None:
        self._hash = PasswordHash((hasher or Argon2Hasher(),))
        self._pool = ThreadPoolExecutor(
            max_workers=max_threads or max(2, os.cpu_count() or 2), thread_name_prefix="argon2"
        )

    async def hash(self, password: str) -> str:
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._hash.hash, password)

    async def verify(self, password: str, password_hash: str) -> bool:
        try:
            return await asyncio.get_running_loop().run_in_executor(
                self._pool, self._hash.verify, password, password_hash
            )
        except UnknownHashError:
            return False
