"""Opaque, tamper-proof cursors for keyset paging of the conversation list.

A cursor names where the last page ended, and is signed together with the query and the owner
it was made for: one edited by hand, or reused for another search or by another owner, is a
400 rather than a page of something else.
"""

import hashlib
from datetime import datetime

from itsdangerous import BadSignature, URLSafeSerializer

from lib.conversations.pages import PageKey
from lib.errors import BadRequest

BAD_CURSOR = "cursor: not a cursor this list gave out for this query; start from the first page."


class CursorCodec:
    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeSerializer(secret, salt="conversation-list-cursor")

    @staticmethod
    def _scope(owner: str, query: str) -> str:
        return hashlib.sha256(f"{owner}\0{query}".encode()).hexdigest()[:32]

    def encode(self, key: PageKey, *, owner: str, query: str) -> str:
        payload = [key.updated_at.isoformat(), key.id, self._scope(owner, query)]
        return str(self._serializer.dumps(payload))

    def decode(self, cursor: str, *, owner: str, query: str) -> PageKey:
        try:
            updated_at, last_id, scope = self._serializer.loads(cursor)
            if scope != self._scope(owner, query):
                raise BadRequest(BAD_CURSOR)
            return PageKey(datetime.fromisoformat(updated_at), str(last_id))
        except (BadSignature, ValueError, TypeError):
            raise BadRequest(BAD_CURSOR) from None
