"""The few protobuf encodings a contract sees: the message responses carried in a reply's data.

wasmd hands a contract, in ``Reply.result.ok``, the protobuf-encoded response of the message it
dispatched (``MsgInstantiateContractResponse`` and friends); contracts decode them with
``cw_utils::parse_instantiate_response_data`` and the like, so the bytes must match exactly.
"""

from __future__ import annotations


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _bytes_field(number: int, value: bytes) -> bytes:
    if not value:
        return b""  # proto3 omits empty scalar fields
    return _varint(number << 3 | 2) + _varint(len(value)) + value


def _uint_field(number: int, value: int) -> bytes:
    if not value:
        return b""
    return _varint(number << 3) + _varint(value)


def instantiate_response(address: str, data: bytes | None) -> bytes:
    """``cosmwasm.wasm.v1.MsgInstantiateContractResponse {address = 1; data = 2}``."""
    return _bytes_field(1, address.encode()) + _bytes_field(2, data or b"")


def execute_response(data: bytes | None) -> bytes:
    """``MsgExecuteContractResponse {data = 1}`` (``MsgMigrateContractResponse`` is the same)."""
    return _bytes_field(1, data or b"")


def store_code_response(code_id: int, checksum: bytes) -> bytes:
    """``MsgStoreCodeResponse {code_id = 1; checksum = 2}``."""
    return _uint_field(1, code_id) + _bytes_field(2, checksum)


TYPE_INSTANTIATE_RESPONSE = "/cosmwasm.wasm.v1.MsgInstantiateContractResponse"
TYPE_INSTANTIATE2_RESPONSE = "/cosmwasm.wasm.v1.MsgInstantiateContract2Response"
TYPE_EXECUTE_RESPONSE = "/cosmwasm.wasm.v1.MsgExecuteContractResponse"
TYPE_MIGRATE_RESPONSE = "/cosmwasm.wasm.v1.MsgMigrateContractResponse"
TYPE_UPDATE_ADMIN_RESPONSE = "/cosmwasm.wasm.v1.MsgUpdateAdminResponse"
TYPE_CLEAR_ADMIN_RESPONSE = "/cosmwasm.wasm.v1.MsgClearAdminResponse"
TYPE_BANK_SEND_RESPONSE = "/cosmos.bank.v1beta1.MsgSendResponse"
TYPE_BANK_BURN_RESPONSE = "/cosmos.bank.v1beta1.MsgBurnResponse"
