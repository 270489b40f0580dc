"""The bank: one ledger for the native token QOR (denom ``aqor``, 18 decimals).

For 20-byte accounts the balance *is* the EVM balance (wei), read and written through the EVM's
account ledger; 32-byte accounts (CosmWasm contracts, module accounts) keep theirs here:

    bank/balance/<address:32>    balance (decimal ASCII)
    bank/supply                  total supply (decimal ASCII)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qorenode.addresses import parse_address, to_bech32
from qorenode.errors import InsufficientFunds, InvalidParams
from qorenode.interfaces import (
    AccountLedger,
    ApiRegistry,
    BlockContext,
    Event,
    KVStore,
    Module,
    MsgContext,
    MsgHandler,
    NodeError,
    NodeServices,
)

DENOM = "aqor"
MSG_SEND = "/cosmos.bank.v1beta1.MsgSend"
SEND_GAS = 10_000


class BankError(NodeError):
    codespace = "bank"


class InvalidCoins(BankError):
    code = 2


class InvalidRecipient(BankError):
    code = 3


class UnauthorizedSender(BankError):
    code = 4


class BankInsufficientFunds(BankError, InsufficientFunds):
    code, codespace = 5, "bank"


def parse_coins(coins: Any) -> int:
    """The ``aqor`` amount of a Cosmos SDK coin list ``[{"denom": "aqor", "amount": "1"}]``."""
    if not isinstance(coins, list):
        raise InvalidCoins("coins must be a list of {denom, amount}")
    total = 0
    for coin in coins:
        if not isinstance(coin, dict) or set(coin) != {"denom", "amount"}:
            raise InvalidCoins(f"invalid coin {coin!r}")
        if coin["denom"] != DENOM:
            raise InvalidCoins(f"unknown denom {coin['denom']!r}: this chain's token is {DENOM}")
        amount = coin["amount"]
        if not isinstance(amount, str) or not (amount.isascii() and amount.isdigit()):
            raise InvalidCoins(f"coin amount must be a decimal string, got {amount!r}")
        total += int(amount)
    return total


def coins(amount: int) -> list[dict[str, str]]:
    return [{"denom": DENOM, "amount": str(amount)}] if amount else []


class BankModule(Module):
    """Keeper of the one ledger; handles ``MsgSend``; serves balance queries."""

    name = "bank"
    denom = DENOM

    def __init__(self, store: KVStore, ledger: AccountLedger) -> None:
        self._store = store
        self._ledger = ledger

    # -- keeper ---------------------------------------------------------------------------------

    def balance(self, address: bytes) -> int:
        if len(address) == 20:
            return self._ledger.get_balance(address)
        raw = self._store.get(b"balance/" + address)
        return int(raw) if raw else 0

    def _set_balance(self, address: bytes, value: int) -> None:
        if len(address) == 20:
            self._ledger.set_balance(address, value)
        elif value:
            self._store.set(b"balance/" + address, str(value).encode())
        else:
            self._store.delete(b"balance/" + address)

    def send(self, sender: bytes, recipient: bytes, amount: int) -> None:
        if amount < 0:
            raise InvalidCoins("negative amount")
        have = self.balance(sender)
        if have < amount:
            raise BankInsufficientFunds(
                f"insufficient funds: {to_bech32(sender)} has {have}{DENOM}, needs {amount}{DENOM}"
            )
        if sender == recipient or amount == 0:
            return
        self._set_balance(sender, have - amount)
        self._set_balance(recipient, self.balance(recipient) + amount)

    def mint(self, address: bytes, amount: int) -> None:
        self._set_balance(address, self.balance(address) + amount)
        self._store.set(b"supply", str(self.total_supply() + amount).encode())

    def burn(self, address: bytes, amount: int) -> None:
        have = self.balance(address)
        if amount < 0 or have < amount:
            raise BankInsufficientFunds(
                f"insufficient funds: {to_bech32(address)} has {have}{DENOM}, burns {amount}{DENOM}"
            )
        self._set_balance(address, have - amount)
        self._store.set(b"supply", str(self.total_supply() - amount).encode())

    def total_supply(self) -> int:
        raw = self._store.get(b"supply")
        return int(raw) if raw else 0

    # -- module ---------------------------------------------------------------------------------

    def init_genesis(self, ctx: BlockContext, genesis: Mapping[str, Any]) -> None:
        supply = 0
        for entry in genesis["bank"].get("balances", []):
            address = parse_address(entry["address"])
            amount = int(entry["amount"])
            supply += amount
            if len(address) != 20:  # 20-byte balances are the EVM's genesis allocation
                self._set_balance(address, amount)
        self._store.set(b"supply", str(supply).encode())

    def msg_handlers(self) -> Mapping[str, MsgHandler]:
        return {MSG_SEND: self._handle_send}

    def _handle_send(self, ctx: MsgContext, msg: Mapping[str, Any]) -> bytes:
        ctx.gas.consume(SEND_GAS, "bank send")
        try:
            sender = parse_address(msg["from_address"])
            recipient = parse_address(msg["to_address"])
        except KeyError as exc:
            raise InvalidParams(f"MsgSend lacks {exc.args[0]}") from None
        except NodeError as exc:
            raise InvalidRecipient(exc.message) from None
        if sender != ctx.signer:
            raise UnauthorizedSender(
                f"from_address {msg['from_address']} is not the signer {to_bech32(ctx.signer)}"
            )
        amount = parse_coins(msg.get("amount"))
        self.send(sender, recipient, amount)
        ctx.events.append(
            Event(
                "transfer",
                (
                    ("recipient", to_bech32(recipient)),
                    ("sender", to_bech32(sender)),
                    ("amount", f"{amount}{DENOM}"),
                ),
            )
        )
        return b""

    def register_api(self, api: ApiRegistry, node: NodeServices) -> None:
        async def rest_balances(
            path: Mapping[str, str], query: Mapping[str, str], body: bytes | None
        ) -> Any:
            address = parse_address(path["address"])
            amount = await node.run(lambda: self.balance(address))
            return {"balances": coins(amount), "pagination": {"next_key": None, "total": "1"}}

        async def rest_balance_by_denom(
            path: Mapping[str, str], query: Mapping[str, str], body: bytes | None
        ) -> Any:
            address = parse_address(path["address"])
            if query.get("denom", DENOM) != DENOM:
                return {"balance": {"denom": query["denom"], "amount": "0"}}
            amount = await node.run(lambda: self.balance(address))
            return {"balance": {"denom": DENOM, "amount": str(amount)}}

        async def rest_supply(
            path: Mapping[str, str], query: Mapping[str, str], body: bytes | None
        ) -> Any:
            supply = await node.run(self.total_supply)
            return {"supply": coins(supply), "pagination": {"next_key": None, "total": "1"}}

        async def rpc_balance(address: str) -> str:
            raw = parse_address(address)
            return str(await node.run(lambda: self.balance(raw)))

        api.rest_route("GET", "/cosmos/bank/v1beta1/balances/{address}", rest_balances)
        api.rest_route(
            "GET", "/cosmos/bank/v1beta1/balances/{address}/by_denom", rest_balance_by_denom
        )
        api.rest_route("GET", "/cosmos/bank/v1beta1/supply", rest_supply)
        api.rpc_method("qor", "getBalance", rpc_balance)
