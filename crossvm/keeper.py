"""x/crossvm's keeper: params, authority, the queue of asynchronous messages and their records.

State (prefix ``crossvm/`` of the node's LevelDB; integers big-endian):

    params                  Params as compact JSON
    authority               the 20-byte account allowed to change the params
    seq                     the last message id given (8 bytes; ids start at 1)
    msg/<id:8>              the message record (``MessageRecord.encode``), kept forever
    queue/<id:8>            created height (8) | timeout height (8): submitted and pending
                            messages, FIFO by id; removed when the message reaches a terminal
                            state
    queue_size              number of entries under ``queue/`` (8 bytes)
    event/<height:8><n:4>   the module's events of that block, in order: a JSON array
                            [type, [[key, value], ...], evm_logged]
    event_count             height (8) | events so far in that block (4)

Every write goes through the node's working state, so a reverted EVM frame, a failed
message or a failed block leaves none of them behind.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator, Mapping
from typing import Any

from crossvm.errors import InvalidInput, NotAllowed
from crossvm.params import Params
from crossvm.types import MessageRecord, Status
from qorenode import bech32, jsonenc
from qorenode.interfaces import Event, KVStore

_U64 = struct.Struct(">Q")
_QUEUE_ENTRY = struct.Struct(">QQ")
_EVENT_COUNT = struct.Struct(">QI")


class CrossVmKeeper:
    def __init__(self, store: KVStore) -> None:
        self._store = store
        self._parsed: tuple[bytes | None, Params] = (None, Params())
        self._decoded_height = -1
        self._decoded_events: dict[bytes, tuple[Event, bool]] = {}

    def init_genesis(self, section: Mapping[str, Any], default_authority: bytes) -> None:
        params = Params.from_json(section.get("params", {}))
        authority_text = section.get("authority")
        authority = _address(authority_text) if authority_text else default_authority
        self._store.set(b"authority", authority)
        self.set_params(params)

    def export_genesis(self) -> dict[str, Any]:
        return {"authority": bech32.encode(self.authority()), "params": self.params().to_json()}

    def params(self) -> Params:
        # read through the working state every time, so a reverted update never lingers; parse
        # only when the stored bytes change (every call through 0x901 asks)
        raw = self._store.get(b"params")
        if raw != self._parsed[0]:
            self._parsed = (raw, Params.from_json(json.loads(raw)) if raw else Params())
        return self._parsed[1]

    def set_params(self, params: Params) -> None:
        params.validate()
        self._store.set(b"params", json.dumps(params.to_json(), sort_keys=True).encode())

    def authority(self) -> bytes:
        return self._store.get(b"authority") or b""

    def update_params(self, signer: bytes, authority_text: Any, params_json: Any) -> Params:
        """``MsgUpdateParams``: only the authority, all params at once (as cosmos-sdk does)."""
        if _address(authority_text) != signer:
            raise NotAllowed("authority must be the signer")
        if signer != self.authority():
            raise NotAllowed(
                f"{bech32.encode(signer)} is not the crossvm authority "
                f"{bech32.encode(self.authority())}"
            )
        params = Params.from_json(params_json)
        self.set_params(params)
        return params

    # -- messages -------------------------------------------------------------------------------

    def next_id(self) -> int:
        """Take the next message id (the sequence is chain-wide and starts at 1)."""
        raw = self._store.get(b"seq")
        next_id = (_U64.unpack(raw)[0] if raw else 0) + 1
        self._store.set(b"seq", _U64.pack(next_id))
        return next_id

    def last_id(self) -> int:
        raw = self._store.get(b"seq")
        return _U64.unpack(raw)[0] if raw else 0

    def message(self, message_id: int) -> MessageRecord | None:
        if not 0 < message_id < 2**64:
            return None
        raw = self._store.get(b"msg/" + _U64.pack(message_id))
        return None if raw is None else MessageRecord.decode(raw)

    def message_bytes(self, message_id: int) -> bytes | None:
        """The stored record, undecoded."""
        if not 0 < message_id < 2**64:
            return None
        return self._store.get(b"msg/" + _U64.pack(message_id))

    def messages_between(self, first: int, last: int) -> dict[int, bytes]:
        """Stored records with ids in [first, last], undecoded, in one pass over the store
        (the EndBlocker reads the whole queue: one range scan beats a read per message)."""
        start, end = b"msg/" + _U64.pack(first), b"msg/" + _U64.pack(last + 1)
        return {_U64.unpack(key[4:])[0]: raw for key, raw in self._store.iterate(start, end)}

    def set_message(self, record: MessageRecord) -> None:
        self._store.set(b"msg/" + _U64.pack(record.id), record.encode())

    def messages(self, newest_first: bool = True) -> Iterator[MessageRecord]:
        for _, raw in self._store.iterate(b"msg/", b"msg0", reverse=newest_first):
            yield MessageRecord.decode(raw)

    # -- the queue ------------------------------------------------------------------------------

    def enqueue(self, record: MessageRecord) -> None:
        """Store a new message and put it at the tail of the queue."""
        self.set_message(record)
        self._store.set(
            b"queue/" + _U64.pack(record.id),
            _QUEUE_ENTRY.pack(record.created_height, record.timeout_height),
        )
        self._set_queue_size(self.queue_size() + 1)

    def dequeue(self, record: MessageRecord) -> None:
        """Store a message's terminal record and take it out of the queue."""
        assert record.status.terminal
        self.set_message(record)
        self._store.delete(b"queue/" + _U64.pack(record.id))
        self._set_queue_size(self.queue_size() - 1)

    def queue(self) -> Iterator[tuple[int, int, int]]:
        """(id, created height, timeout height) of every queued message, FIFO."""
        for key, value in list(self._store.iterate(b"queue/", b"queue0")):
            created, timeout = _QUEUE_ENTRY.unpack(value)
            yield _U64.unpack(key[6:])[0], created, timeout

    def queue_size(self) -> int:
        raw = self._store.get(b"queue_size")
        return _U64.unpack(raw)[0] if raw else 0

    def _set_queue_size(self, size: int) -> None:
        self._store.set(b"queue_size", _U64.pack(size))

    def mark_pending(self, height: int) -> None:
        """The block at ``height`` commits: its submitted messages become pending."""
        for key, value in self._store.iterate(b"queue/", b"queue0", reverse=True):
            created, _ = _QUEUE_ENTRY.unpack(value)
            if created != height:
                break
            record = self.message(_U64.unpack(key[6:])[0])
            if record is not None and record.status == Status.SUBMITTED:
                record.status = Status.PENDING
                self.set_message(record)

    # -- events ---------------------------------------------------------------------------------

    def record_event(self, height: int, event: Event, evm_logged: bool) -> None:
        """Keep one of the module's events with its block; ``evm_logged``: it is already a log
        of an EVM transaction (else the EndBlocker's system receipt carries it)."""
        raw = self._store.get(b"event_count")
        stored_height, count = _EVENT_COUNT.unpack(raw) if raw else (height, 0)
        if stored_height != height:
            count = 0
        body = [event.type, [list(attribute) for attribute in event.attributes], evm_logged]
        raw_event = jsonenc.dumps(body)
        self._store.set(b"event/" + _EVENT_COUNT.pack(height, count), raw_event)
        self._store.set(b"event_count", _EVENT_COUNT.pack(height, count + 1))
        if self._decoded_height != height:
            self._decoded_height, self._decoded_events = height, {}
        self._decoded_events[raw_event] = (event, evm_logged)  # ``events`` need not decode it

    def events(self, height: int, start: int = 0) -> list[tuple[Event, bool]]:
        """The module's events of block ``height`` from the ``start``-th: (event, evm_logged).
        Decoded once per stored form (the EndBlocker and the commit both read them)."""
        prefix = b"event/" + _U64.pack(height)
        if self._decoded_height != height:
            self._decoded_height, self._decoded_events = height, {}
        cache = self._decoded_events
        out: list[tuple[Event, bool]] = []
        for _, raw in self._store.iterate(prefix + struct.pack(">I", start), prefix + b"\xff" * 4):
            decoded = cache.get(raw)
            if decoded is None:
                kind, attributes, evm_logged = json.loads(raw)
                decoded = cache[raw] = (
                    Event(kind, tuple((key, value) for key, value in attributes)),
                    bool(evm_logged),
                )
            out.append(decoded)
        return out

    def event_count(self, height: int) -> int:
        raw = self._store.get(b"event_count")
        if raw is None:
            return 0
        stored_height, count = _EVENT_COUNT.unpack(raw)
        return count if stored_height == height else 0


def _address(text: Any) -> bytes:
    if not isinstance(text, str):
        raise InvalidInput("an address must be a bech32 or 0x string")
    try:
        raw = bytes.fromhex(text[2:]) if text.startswith("0x") else bech32.decode(text)
    except (ValueError, bech32.Bech32Error) as exc:
        raise InvalidInput(f"invalid address {text!r}: {exc}") from None
    if len(raw) not in (20, 32):
        raise InvalidInput(f"invalid address {text!r}")
    return raw
