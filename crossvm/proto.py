"""QoreChain's protobuf layout of ``MsgCrossVMCall``, as a CosmWasm contract's Stargate/Any
message carries it, and its response.

    message MsgCrossVMCall {
      string sender = 1; string source_vm = 2; string target_vm = 3;
      string target_contract = 4; bytes payload = 5;
      repeated cosmos.base.v1beta1.Coin funds = 6;   // Coin {string denom = 1; string amount = 2;}
    }
    message MsgCrossVMCallResponse { string message_id = 1; }
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crossvm.errors import InvalidInput


@dataclass
class CrossVmCallProto:
    sender: str = ""
    source_vm: str = ""
    target_vm: str = ""
    target_contract: str = ""
    payload: bytes = b""
    funds: list[tuple[str, str]] = field(default_factory=list)  # (denom, amount)


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise InvalidInput("malformed protobuf: truncated varint")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def _fields(data: bytes) -> list[tuple[int, int | bytes]]:
    """(field number, value) pairs: varints as int, length-delimited as bytes."""
    out: list[tuple[int, int | bytes]] = []
    pos = 0
    while pos < len(data):
        key, pos = _read_varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _read_varint(data, pos)
            out.append((number, value))
        elif wire == 2:
            length, pos = _read_varint(data, pos)
            if pos + length > len(data):
                raise InvalidInput("malformed protobuf: truncated field")
            out.append((number, data[pos : pos + length]))
            pos += length
        else:
            raise InvalidInput(f"malformed protobuf: unsupported wire type {wire}")
    return out


def _text(value: int | bytes, name: str) -> str:
    if not isinstance(value, bytes):
        raise InvalidInput(f"malformed MsgCrossVMCall: {name} is not a string")
    try:
        return value.decode()
    except UnicodeDecodeError:
        raise InvalidInput(f"malformed MsgCrossVMCall: {name} is not UTF-8") from None


def decode_cross_vm_call(data: bytes) -> CrossVmCallProto:
    msg = CrossVmCallProto()
    names = {1: "sender", 2: "source_vm", 3: "target_vm", 4: "target_contract"}
    for number, value in _fields(data):
        if number in names:
            setattr(msg, names[number], _text(value, names[number]))
        elif number == 5:
            if not isinstance(value, bytes):
                raise InvalidInput("malformed MsgCrossVMCall: payload is not bytes")
            msg.payload = value
        elif number == 6:
            if not isinstance(value, bytes):
                raise InvalidInput("malformed MsgCrossVMCall: a coin is not a message")
            coin = {n: _text(v, "coin") for n, v in _fields(value)}
            msg.funds.append((coin.get(1, ""), coin.get(2, "")))
    return msg


def _string_field(number: int, value: str) -> bytes:
    return _length_delimited(number, value.encode())


def encode_cross_vm_call(msg: CrossVmCallProto) -> bytes:
    """The message's bytes (as a contract builds its Stargate message)."""
    out = b"".join(
        _string_field(n, getattr(msg, name))
        for n, name in ((1, "sender"), (2, "source_vm"), (3, "target_vm"), (4, "target_contract"))
    )
    out += _length_delimited(5, msg.payload)
    for denom, amount in msg.funds:
        out += _length_delimited(6, _string_field(1, denom) + _string_field(2, amount))
    return out


def _length_delimited(number: int, value: bytes) -> bytes:
    if not value:
        return b""
    length = bytearray()
    size = len(value)
    while True:
        byte = size & 0x7F
        size >>= 7
        length.append(byte | (0x80 if size else 0))
        if not size:
            break
    return bytes([number << 3 | 2]) + bytes(length) + value


def encode_response(message_id: int) -> bytes:
    """``MsgCrossVMCallResponse {message_id = 1}`` (a decimal string)."""
    return _string_field(1, str(message_id))
