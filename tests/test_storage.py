"""Storage against the real SeaweedFS server."""

from __future__ import annotations


def test_round_trip_bytes(storage):
    etag = storage.put_bytes("a/b.txt", b"hello")
    assert storage.get_bytes("a/b.txt") == b"hello"
    assert storage.get("a/b.txt").etag == etag
