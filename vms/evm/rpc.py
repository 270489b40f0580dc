"""The Ethereum JSON-RPC of the EVM module: what web3.py, ethers and Foundry's cast use.

``register_eth_api`` adds the ``web3_``, ``net_`` and ``eth_`` methods and the ``eth`` WebSocket
subscriptions (``newHeads``, ``logs``) to the node's registry. Handlers run on the trio side and do
all VM and state work inside ``await node.run(...)``, on the state-machine worker (the only thread
that touches the VMs). Results have geth's shapes (``vms.evm.formatting``).

Calls and estimates run a spoofed legacy transaction (``SpoofTransaction`` over an unsigned
transaction, ``state.costless_execute_transaction``) on a fresh state built over the block's
header with a zero base fee, inside the application's sandbox, so nothing a call writes (in the
EVM or, through the frame hooks, in side stores) survives it.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from typing import Any

import trio
from eth.abc import BlockHeaderAPI, ComputationAPI, StateAPI
from eth.constants import CREATE_CONTRACT_ADDRESS
from eth.exceptions import (
    ContractCreationCollision,
    FullStack,
    InsufficientStack,
    InvalidInstruction,
    InvalidJumpDestination,
    OutOfBoundsRead,
    OutOfGas,
    Revert,
    StackDepthLimit,
    WriteProtection,
)
from eth.vm.forks.prague.constants import MAX_BLOB_GAS_PER_BLOCK
from eth.vm.spoof import SpoofTransaction
from eth_account import Account
from eth_bloom import BloomFilter
from eth_hash.auto import keccak
from eth_typing import Address
from eth_utils import ValidationError, to_checksum_address

from qorenode.errors import InvalidParams, UnknownAccount
from qorenode.interfaces import (
    ApiRegistry,
    BlockNotice,
    NodeServices,
    PendingTx,
    Subscription,
    SubscriptionSink,
)
from qorenode.keys import dev_keys
from vms.evm import formatting as fmt
from vms.evm.errors import (
    BlockRangeTooLarge,
    CallHalted,
    CallRejected,
    CallReverted,
    FilterNotFound,
    GasAllowanceExceeded,
    HeaderNotFound,
)
from vms.evm.index import LogRecord, TxRecord
from vms.evm.machine import SYSTEM_TX_TYPE
from vms.evm.module import EvmModule

__all__ = [
    "DEFAULT_PRIORITY_FEE",
    "MAX_LOG_BLOCK_RANGE",
    "BlockId",
    "CallRequest",
    "EthApi",
    "LogFilter",
    "register_eth_api",
    "revert_message",
]

DEFAULT_PRIORITY_FEE = 10**9  # 1 gwei, as anvil suggests
MAX_LOG_BLOCK_RANGE = 10_000
MAX_FEE_HISTORY_BLOCKS = 1024
FILTER_TIMEOUT_SECONDS = 300.0
MAX_REMEMBERED_SUBMISSIONS = 10_000
CALL_STIPEND = 2300
TX_GAS = 21_000
ZERO_ADDRESS = b"\x00" * 20

Sandbox = Callable[[], AbstractContextManager[Any]]


# ---------------------------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------------------------


def parse_quantity(value: Any, name: str) -> int:
    """A JSON-RPC quantity: ``0x``-hex (a JSON integer is accepted too)."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise InvalidParams(f"invalid {name}: negative quantity {value}")
        return value
    if isinstance(value, str) and value[:2] in ("0x", "0X") and len(value) > 2:
        try:
            return int(value[2:], 16)
        except ValueError:
            pass
    raise InvalidParams(f"invalid {name}: expected a hex quantity such as 0x1a, got {value!r}")


def parse_data(value: Any, name: str) -> bytes:
    """Unformatted data: ``0x`` followed by an even number of hex digits."""
    if isinstance(value, str) and value[:2] in ("0x", "0X"):
        try:
            return bytes.fromhex(value[2:])
        except ValueError:
            pass
    raise InvalidParams(f"invalid {name}: expected 0x-prefixed hex bytes, got {value!r}")


def parse_address(value: Any, name: str) -> bytes:
    raw = parse_data(value, name) if isinstance(value, str) else None
    if raw is None or len(raw) != 20:
        raise InvalidParams(f"invalid {name}: expected a 20-byte 0x address, got {value!r}")
    return raw


def parse_hash(value: Any, name: str) -> bytes:
    raw = parse_data(value, name) if isinstance(value, str) else None
    if raw is None or len(raw) != 32:
        raise InvalidParams(f"invalid {name}: expected a 32-byte 0x hash, got {value!r}")
    return raw


def parse_word(value: Any, name: str) -> int:
    """A storage key or value: a 32-byte hash or a quantity up to 2**256 - 1."""
    number = parse_quantity(value, name)
    if number >= 2**256:
        raise InvalidParams(f"invalid {name}: more than 32 bytes")
    return number


def parse_bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidParams(f"invalid {name}: expected true or false, got {value!r}")
    return value


def _object(value: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise InvalidParams(f"invalid {name}: expected a JSON object, got {value!r}")
    return value


TAGS = ("latest", "pending", "safe", "finalized", "earliest")


@dataclass(frozen=True)
class BlockId:
    """A block parameter: a tag, a number, or (EIP-1898) a hash."""

    tag: str | None = None
    number: int | None = None
    hash: bytes | None = None
    require_canonical: bool = False

    @property
    def is_pending(self) -> bool:
        return self.tag == "pending"


LATEST = BlockId(tag="latest")


def parse_block_id(value: Any, name: str = "block", allow_hash: bool = True) -> BlockId:
    """``"latest"``, ``"pending"``, ``"safe"``, ``"finalized"``, ``"earliest"``, ``"0x..."`` or
    (EIP-1898) ``{"blockNumber": "0x..."}`` / ``{"blockHash": "0x...", "requireCanonical": b}``."""
    if value is None:
        return LATEST
    if isinstance(value, str) and value in TAGS:
        return BlockId(tag=value)
    if isinstance(value, dict) and allow_hash:
        if "blockHash" in value and "blockNumber" in value:
            raise InvalidParams(f"invalid {name}: give blockHash or blockNumber, not both")
        if "blockHash" in value:
            canonical = parse_bool(value.get("requireCanonical", False), "requireCanonical")
            return BlockId(hash=parse_hash(value["blockHash"], name), require_canonical=canonical)
        if "blockNumber" in value:
            return parse_block_id(value["blockNumber"], name, allow_hash=False)
        raise InvalidParams(f"invalid {name}: expected blockNumber or blockHash in {value!r}")
    if isinstance(value, str) and allow_hash and len(value) == 66:
        return BlockId(hash=parse_hash(value, name))
    try:
        return BlockId(number=parse_quantity(value, name))
    except InvalidParams:
        raise InvalidParams(
            f"invalid {name}: expected a block number or one of {', '.join(TAGS)}, got {value!r}"
        ) from None


@dataclass(frozen=True)
class CallRequest:
    """The transaction object of eth_call, eth_estimateGas and eth_sendTransaction."""

    sender: bytes | None = None
    to: bytes | None = None
    gas: int | None = None
    gas_price: int | None = None
    max_fee_per_gas: int | None = None
    max_priority_fee_per_gas: int | None = None
    value: int = 0
    data: bytes = b""
    nonce: int | None = None
    access_list: tuple[tuple[bytes, tuple[int, ...]], ...] | None = None
    tx_type: int | None = None
    chain_id: int | None = None

    def price(self, base_fee: int) -> int:
        """The gas price the call is shown (GASPRICE): 0 unless the request names fees."""
        if self.gas_price is not None:
            return self.gas_price
        if self.max_fee_per_gas is not None:
            tip = self.max_priority_fee_per_gas or 0
            return min(self.max_fee_per_gas, base_fee + tip)
        return 0

    @property
    def fee_cap(self) -> int:
        if self.gas_price is not None:
            return self.gas_price
        return self.max_fee_per_gas or 0


def parse_call(value: Any, name: str = "transaction") -> CallRequest:
    obj = _object(value, name)

    def opt(key: str, parse: Callable[[Any, str], Any]) -> Any:
        item = obj.get(key)
        return None if item is None else parse(item, f"{name}.{key}")

    payload = opt("input", parse_data)
    alternative = opt("data", parse_data)
    if payload is not None and alternative is not None and payload != alternative:
        raise InvalidParams(
            f'invalid {name}: both "data" and "input" are set and not equal; use "input"'
        )
    access_list = None
    if obj.get("accessList") is not None:
        access_list = parse_access_list(obj["accessList"], f"{name}.accessList")
    req = CallRequest(
        sender=opt("from", parse_address),
        to=opt("to", parse_address),
        gas=opt("gas", parse_quantity),
        gas_price=opt("gasPrice", parse_quantity),
        max_fee_per_gas=opt("maxFeePerGas", parse_quantity),
        max_priority_fee_per_gas=opt("maxPriorityFeePerGas", parse_quantity),
        value=opt("value", parse_quantity) or 0,
        data=payload if payload is not None else (alternative or b""),
        nonce=opt("nonce", parse_quantity),
        access_list=access_list,
        tx_type=opt("type", parse_quantity),
        chain_id=opt("chainId", parse_quantity),
    )
    if req.gas_price is not None and (
        req.max_fee_per_gas is not None or req.max_priority_fee_per_gas is not None
    ):
        raise InvalidParams(
            f"invalid {name}: both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified"
        )
    if (
        req.max_fee_per_gas is not None
        and req.max_priority_fee_per_gas is not None
        and req.max_priority_fee_per_gas > req.max_fee_per_gas
    ):
        raise InvalidParams(
            f"invalid {name}: maxPriorityFeePerGas ({req.max_priority_fee_per_gas}) is "
            f"greater than maxFeePerGas ({req.max_fee_per_gas})"
        )
    return req


def parse_access_list(value: Any, name: str) -> tuple[tuple[bytes, tuple[int, ...]], ...]:
    if not isinstance(value, list):
        raise InvalidParams(f"invalid {name}: expected a list")
    entries = []
    for i, entry in enumerate(value):
        entry = _object(entry, f"{name}[{i}]")
        keys = entry.get("storageKeys") or []
        if not isinstance(keys, list):
            raise InvalidParams(f"invalid {name}[{i}].storageKeys: expected a list")
        entries.append(
            (
                parse_address(entry.get("address"), f"{name}[{i}].address"),
                tuple(parse_word(k, f"{name}[{i}].storageKeys") for k in keys),
            )
        )
    return tuple(entries)


@dataclass(frozen=True)
class AccountOverride:
    balance: int | None = None
    nonce: int | None = None
    code: bytes | None = None
    state: Mapping[int, int] | None = None
    state_diff: Mapping[int, int] | None = None


def parse_state_overrides(
    value: Any, name: str = "state overrides"
) -> dict[bytes, AccountOverride]:
    """geth's state override set: ``{address: {balance, nonce, code, state, stateDiff}}``."""
    if value is None:
        return {}
    obj = _object(value, name)
    overrides: dict[bytes, AccountOverride] = {}
    known = {"balance", "nonce", "code", "state", "stateDiff"}
    for key, item in obj.items():
        addr = parse_address(key, f"{name} address")
        entry = _object(item, f"{name}[{key}]")
        unknown = set(entry) - known
        if unknown:
            raise InvalidParams(
                f"invalid {name}[{key}]: unsupported field(s) {', '.join(sorted(unknown))}"
            )
        if entry.get("state") is not None and entry.get("stateDiff") is not None:
            raise InvalidParams(f"invalid {name}[{key}]: account has both 'state' and 'stateDiff'")

        def storage(field_name: str, key: str = key, entry: Mapping[str, Any] = entry) -> Any:
            slots = entry.get(field_name)
            if slots is None:
                return None
            where = f"{name}[{key}].{field_name}"
            return {
                parse_word(k, where + " key"): parse_word(v, where + " value")
                for k, v in _object(slots, where).items()
            }

        overrides[addr] = AccountOverride(
            balance=None
            if entry.get("balance") is None
            else parse_quantity(entry["balance"], f"{name}[{key}].balance"),
            nonce=None
            if entry.get("nonce") is None
            else parse_quantity(entry["nonce"], f"{name}[{key}].nonce"),
            code=None if entry.get("code") is None else parse_data(entry["code"], f"{name}.code"),
            state=storage("state"),
            state_diff=storage("stateDiff"),
        )
    return overrides


def apply_state_overrides(state: StateAPI, overrides: Mapping[bytes, AccountOverride]) -> None:
    for raw, override in overrides.items():
        addr = Address(raw)
        if override.nonce is not None:
            state.set_nonce(addr, override.nonce)
        if override.code is not None:
            state.set_code(addr, override.code)
        if override.balance is not None:
            state.set_balance(addr, override.balance)
        if override.state is not None:
            state.delete_storage(addr)
            for slot, word in override.state.items():
                state.set_storage(addr, slot, word)
        if override.state_diff is not None:
            for slot, word in override.state_diff.items():
                state.set_storage(addr, slot, word)


@dataclass(frozen=True)
class BlockOverrides:
    number: int | None = None
    time: int | None = None
    gas_limit: int | None = None
    coinbase: bytes | None = None
    prev_randao: bytes | None = None


def parse_block_overrides(value: Any, name: str = "block overrides") -> BlockOverrides:
    if value is None:
        return BlockOverrides()
    obj = _object(value, name)
    known = {"number", "time", "gasLimit", "feeRecipient", "coinbase", "prevRandao", "random"}
    unknown = set(obj) - known
    if unknown:
        raise InvalidParams(f"invalid {name}: unsupported field(s) {', '.join(sorted(unknown))}")
    coinbase = obj.get("feeRecipient", obj.get("coinbase"))
    randao = obj.get("prevRandao", obj.get("random"))
    return BlockOverrides(
        number=None if obj.get("number") is None else parse_quantity(obj["number"], "number"),
        time=None if obj.get("time") is None else parse_quantity(obj["time"], "time"),
        gas_limit=None
        if obj.get("gasLimit") is None
        else parse_quantity(obj["gasLimit"], "gasLimit"),
        coinbase=None if coinbase is None else parse_address(coinbase, "feeRecipient"),
        prev_randao=None if randao is None else parse_hash(randao, "prevRandao"),
    )


# ---------------------------------------------------------------------------------------------
# Log filters
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogFilter:
    """eth_getLogs criteria: a block range or one block hash, addresses, topic positions.

    ``topics[i]`` is None (any topic) or the set of topics accepted at position ``i`` (OR).
    """

    from_block: BlockId = LATEST
    to_block: BlockId = LATEST
    block_hash: bytes | None = None
    addresses: tuple[bytes, ...] = ()
    topics: tuple[tuple[bytes, ...] | None, ...] = ()

    def matches(self, log: LogRecord) -> bool:
        if self.addresses and log.address not in self.addresses:
            return False
        if len(self.topics) > len(log.topics):
            return False
        for wanted, topic in zip(self.topics, log.topics, strict=False):
            if wanted is not None and topic not in wanted:
                return False
        return True

    def bloom_may_match(self, bloom_value: int) -> bool:
        """False when the header's bloom proves no log of the block matches."""
        bloom = BloomFilter(bloom_value)
        if self.addresses and not any(a in bloom for a in self.addresses):
            return False
        return all(wanted is None or any(t in bloom for t in wanted) for wanted in self.topics)


def parse_log_filter(value: Any, name: str = "filter") -> LogFilter:
    obj = _object(value if value is not None else {}, name)
    block_hash = None
    if obj.get("blockHash") is not None:
        if obj.get("fromBlock") is not None or obj.get("toBlock") is not None:
            raise InvalidParams(
                f"invalid {name}: blockHash cannot be combined with fromBlock/toBlock"
            )
        block_hash = parse_hash(obj["blockHash"], f"{name}.blockHash")
    raw_address = obj.get("address")
    addresses: tuple[bytes, ...] = ()
    if isinstance(raw_address, list):
        addresses = tuple(parse_address(a, f"{name}.address") for a in raw_address)
    elif raw_address is not None:
        addresses = (parse_address(raw_address, f"{name}.address"),)
    raw_topics = obj.get("topics") or []
    if not isinstance(raw_topics, list):
        raise InvalidParams(f"invalid {name}.topics: expected a list")
    if len(raw_topics) > 4:
        raise InvalidParams(f"invalid {name}.topics: at most 4 topic positions")
    topics: list[tuple[bytes, ...] | None] = []
    for i, position in enumerate(raw_topics):
        where = f"{name}.topics[{i}]"
        if position is None:
            topics.append(None)
        elif isinstance(position, list):
            if not position or any(t is None for t in position):
                topics.append(None)  # an empty OR-list or a null member matches anything
            else:
                topics.append(tuple(parse_hash(t, where) for t in position))
        else:
            topics.append((parse_hash(position, where),))
    while topics and topics[-1] is None:
        topics.pop()
    return LogFilter(
        from_block=parse_block_id(obj.get("fromBlock"), f"{name}.fromBlock", allow_hash=False),
        to_block=parse_block_id(obj.get("toBlock"), f"{name}.toBlock", allow_hash=False),
        block_hash=block_hash,
        addresses=addresses,
        topics=tuple(topics),
    )


# ---------------------------------------------------------------------------------------------
# Execution results
# ---------------------------------------------------------------------------------------------

ERROR_SELECTOR = bytes.fromhex("08c379a0")  # Error(string)
PANIC_SELECTOR = bytes.fromhex("4e487b71")  # Panic(uint256)
PANIC_REASONS = {
    0x01: "assert(false)",
    0x11: "arithmetic underflow or overflow",
    0x12: "division or modulo by zero",
    0x21: "enum overflow",
    0x22: "invalid encoded storage byte array accessed",
    0x31: "out-of-bounds array access; popping on an empty array",
    0x32: "out-of-bounds access of an array or bytesN",
    0x41: "out of memory",
    0x51: "uninitialized function",
}


def revert_message(output: bytes) -> str:
    """``execution reverted: <reason>``, as anvil words it."""
    if not output:
        return "execution reverted"
    from eth_abi import decode

    if output[:4] == ERROR_SELECTOR:
        try:
            (reason,) = decode(["string"], output[4:])
            return f"execution reverted: {reason}"
        except Exception:
            pass
    if output[:4] == PANIC_SELECTOR:
        try:
            (code,) = decode(["uint256"], output[4:])
            return (
                f"execution reverted: panic: {PANIC_REASONS.get(code, 'unknown panic')} ({code:#x})"
            )
        except Exception:
            pass
    return f"execution reverted: custom error 0x{output.hex()}"


HALT_MESSAGES: tuple[tuple[type[BaseException], str], ...] = (
    (OutOfGas, "out of gas"),
    (InsufficientStack, "stack underflow"),
    (FullStack, "stack limit reached 1024"),
    (InvalidJumpDestination, "invalid jump destination"),
    (InvalidInstruction, "invalid opcode"),
    (StackDepthLimit, "max call depth exceeded"),
    (WriteProtection, "write protection"),
    (ContractCreationCollision, "contract address collision"),
    (OutOfBoundsRead, "return data out of bounds"),
)


def halt_message(error: BaseException) -> str:
    for cls, message in HALT_MESSAGES:
        if isinstance(error, cls):
            detail = str(error)
            return f"{message}: {detail}" if detail and cls is InvalidInstruction else message
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def raise_for_computation(computation: ComputationAPI) -> None:
    if not computation.is_error:
        return
    error = computation.error
    if isinstance(error, Revert):
        output = bytes(computation.output)
        raise CallReverted(revert_message(output), output)
    raise CallHalted(halt_message(error))


def _is_out_of_gas(computation: ComputationAPI) -> bool:
    return computation.is_error and isinstance(computation.error, OutOfGas)


# ---------------------------------------------------------------------------------------------
# Subscriptions
# ---------------------------------------------------------------------------------------------


class NewHeadsSubscription(Subscription):
    """``eth_subscribe("newHeads")``: each new block's header, as geth sends it (the header
    fields of eth_getBlockByNumber, without transactions, uncles, withdrawals or size)."""

    def __init__(self, sink: SubscriptionSink) -> None:
        self.sink = sink

    async def on_block(self, notice: BlockNotice) -> None:
        evm_part = notice.extras.get("evm")
        if not evm_part or evm_part.get("header") is None:
            return
        await self.sink.send(fmt.format_header(evm_part["header"]))


class LogsSubscription(Subscription):
    """``eth_subscribe("logs", {address, topics})``: each matching log of each new block."""

    def __init__(self, sink: SubscriptionSink, log_filter: LogFilter) -> None:
        self.sink = sink
        self.filter = log_filter

    async def on_block(self, notice: BlockNotice) -> None:
        evm_part = notice.extras.get("evm")
        if not evm_part or evm_part.get("header") is None:
            return
        timestamp = int(evm_part["header"].timestamp)
        record: TxRecord
        for record in evm_part.get("records", []):
            for i, log in enumerate(record.logs):
                if self.filter.matches(log):
                    await self.sink.send(
                        fmt.format_log(log, record, record.log_index_start + i, timestamp)
                    )


# ---------------------------------------------------------------------------------------------
# The API
# ---------------------------------------------------------------------------------------------


@dataclass
class _Filter:
    kind: str  # "logs" | "blocks" | "pending"
    cursor: int  # the last block whose changes were reported
    touched: float
    log_filter: LogFilter | None = None
    lock: trio.Lock = field(default_factory=trio.Lock)


class EthApi:
    """The handlers. Methods ending in ``_sync`` run on the state-machine worker."""

    def __init__(
        self,
        node: NodeServices,
        evm: EvmModule,
        *,
        client_version: str,
        sandbox: Sandbox | None = None,
        clock: Callable[[], float] = time.monotonic,
        filter_timeout: float = FILTER_TIMEOUT_SECONDS,
    ) -> None:
        self.node = node
        self.evm = evm
        self.client_version = client_version
        self.sandbox: Sandbox = sandbox or contextlib.nullcontext
        self.clock = clock
        self.filter_timeout = filter_timeout
        self.filters: dict[str, _Filter] = {}
        self.dev_accounts = {key.address: key.private_key for key in dev_keys()}
        self._send_lock = trio.Lock()
        # Transactions submitted through this API, so eth_getTransactionByHash can show them
        # while they wait in the mempool (NodeServices has no mempool lookup); bounded, FIFO.
        self.submitted: OrderedDict[bytes, PendingTx] = OrderedDict()

    @property
    def builder(self) -> Any:
        return self.evm.vm_class.get_transaction_builder()

    # -- registration ---------------------------------------------------------------------------

    def register(self, api: ApiRegistry) -> None:
        methods: dict[str, dict[str, Callable[..., Any]]] = {
            "web3": {"clientVersion": self.web3_client_version, "sha3": self.web3_sha3},
            "net": {
                "version": self.net_version,
                "listening": self.net_listening,
                "peerCount": self.net_peer_count,
            },
            "eth": {
                "chainId": self.chain_id,
                "blockNumber": self.block_number,
                "syncing": self.syncing,
                "coinbase": self.coinbase,
                "mining": self.mining,
                "hashrate": self.hashrate,
                "accounts": self.accounts,
                "getBalance": self.get_balance,
                "getTransactionCount": self.get_transaction_count,
                "getCode": self.get_code,
                "getStorageAt": self.get_storage_at,
                "call": self.call,
                "estimateGas": self.estimate_gas,
                "gasPrice": self.gas_price,
                "maxPriorityFeePerGas": self.max_priority_fee_per_gas,
                "blobBaseFee": self.blob_base_fee,
                "feeHistory": self.fee_history,
                "sendRawTransaction": self.send_raw_transaction,
                "sendTransaction": self.send_transaction,
                "getTransactionByHash": self.get_transaction_by_hash,
                "getTransactionReceipt": self.get_transaction_receipt,
                "getTransactionByBlockNumberAndIndex": self.get_transaction_by_block_and_index,
                "getTransactionByBlockHashAndIndex": self.get_transaction_by_block_hash_and_index,
                "getBlockTransactionCountByNumber": self.get_block_transaction_count,
                "getBlockTransactionCountByHash": self.get_block_transaction_count_by_hash,
                "getBlockByNumber": self.get_block_by_number,
                "getBlockByHash": self.get_block_by_hash,
                "getBlockReceipts": self.get_block_receipts,
                "getUncleCountByBlockNumber": self.get_uncle_count,
                "getUncleCountByBlockHash": self.get_uncle_count_by_hash,
                "getUncleByBlockNumberAndIndex": self.get_uncle,
                "getUncleByBlockHashAndIndex": self.get_uncle_by_hash,
                "getLogs": self.get_logs,
                "newFilter": self.new_filter,
                "newBlockFilter": self.new_block_filter,
                "newPendingTransactionFilter": self.new_pending_transaction_filter,
                "getFilterChanges": self.get_filter_changes,
                "getFilterLogs": self.get_filter_logs,
                "uninstallFilter": self.uninstall_filter,
            },
        }
        for namespace, handlers in methods.items():
            for name, handler in handlers.items():
                api.rpc_method(namespace, name, handler)
        api.subscription("eth", "newHeads", self.subscribe_new_heads)
        api.subscription("eth", "logs", self.subscribe_logs)

    # -- worker-side helpers --------------------------------------------------------------------

    def header_sync(self, block: BlockId, required: bool = True) -> BlockHeaderAPI | None:
        """The header a block parameter names; None (or HeaderNotFound if required)."""
        evm = self.evm
        header: BlockHeaderAPI | None
        if block.hash is not None:
            header = evm.header_by_hash(block.hash)
            if header is not None and block.require_canonical:
                canonical = evm.header_by_number(header.block_number)
                if canonical is None or canonical.hash != header.hash:
                    header = None
        elif block.number is not None:
            head = evm.head
            header = (
                evm.header_by_number(block.number) if block.number <= head.block_number else None
            )
        elif block.tag == "earliest":
            header = evm.header_by_number(0)
        else:
            header = evm.head
        if header is None and required:
            raise HeaderNotFound("header not found")
        return header

    def _required_header(self, block: BlockId) -> BlockHeaderAPI:
        header = self.header_sync(block, required=True)
        assert header is not None
        return header

    def state_sync(self, block: BlockId) -> StateAPI:
        return self.evm.state_at(self._required_header(block))

    def _block_number_of(self, block: BlockId, head: int) -> int:
        """A range bound (tags and numbers only): latest/pending/safe/finalized = head."""
        if block.number is not None:
            return block.number
        if block.tag == "earliest":
            return 0
        return head

    def _records(self, number: int) -> list[TxRecord]:
        return self.evm.index.block_txs(number)

    # -- calls and estimates (worker) ------------------------------------------------------------

    def execute_sync(
        self,
        header: BlockHeaderAPI,
        req: CallRequest,
        gas: int,
        overrides: Mapping[bytes, AccountOverride] | None = None,
        block_overrides: BlockOverrides | None = None,
    ) -> ComputationAPI:
        """Run ``req`` with ``gas`` on the state after ``header``, in the block's context, and
        keep nothing it wrote. Refusals before execution raise ``CallRejected``."""
        evm = self.evm
        base_fee = int(getattr(header, "base_fee_per_gas", 0) or 0)
        changes: dict[str, Any] = {"base_fee_per_gas": 0}
        if block_overrides is not None:
            if block_overrides.number is not None:
                changes["block_number"] = block_overrides.number
            if block_overrides.time is not None:
                changes["timestamp"] = block_overrides.time
            if block_overrides.gas_limit is not None:
                changes["gas_limit"] = block_overrides.gas_limit
            if block_overrides.coinbase is not None:
                changes["coinbase"] = block_overrides.coinbase
            if block_overrides.prev_randao is not None:
                changes["mix_hash"] = block_overrides.prev_randao
        context_header = header.copy(**changes)
        previous = evm.vm_class.get_prev_hashes(header.parent_hash, evm.chaindb)
        sender = Address(req.sender or ZERO_ADDRESS)
        with self.sandbox():
            state = evm.vm_class.build_state(
                evm.db, context_header, evm.chain_context, previous or ()
            )
            apply_state_overrides(state, overrides or {})
            balance = state.get_balance(sender)
            if balance < req.value:
                raise CallRejected(
                    f"insufficient funds for transfer: address 0x{bytes(sender).hex()} "
                    f"have {balance} want {req.value}"
                )
            nonce = state.get_nonce(sender)
            to = Address(req.to) if req.to is not None else CREATE_CONTRACT_ADDRESS
            price = req.price(base_fee)
            unsigned: Any
            if req.access_list:
                builder: Any = evm.vm_class.get_transaction_builder()
                unsigned = builder.new_unsigned_access_list_transaction(
                    chain_id=evm.chain_id,
                    nonce=nonce,
                    gas_price=price,
                    gas=gas,
                    to=to,
                    value=req.value,
                    data=req.data,
                    access_list=[(Address(a), list(keys)) for a, keys in req.access_list],
                )
            else:
                unsigned = evm.vm_class.create_unsigned_transaction(
                    nonce=nonce, gas_price=price, gas=gas, to=to, value=req.value, data=req.data
                )
            intrinsic = int(unsigned.intrinsic_gas)
            if gas < intrinsic:
                raise CallRejected(f"intrinsic gas too low: have {gas}, want {intrinsic}")
            spoofed = SpoofTransaction(unsigned, from_=sender)
            try:
                return state.costless_execute_transaction(spoofed)  # type: ignore[arg-type]
            except ValidationError as exc:
                raise CallRejected(f"transaction refused: {exc}") from exc

    def call_sync(
        self,
        req: CallRequest,
        block: BlockId,
        overrides: Mapping[bytes, AccountOverride],
        block_overrides: BlockOverrides,
    ) -> bytes:
        header = self._required_header(block)
        gas = req.gas if req.gas is not None else int(header.gas_limit)
        computation = self.execute_sync(header, req, gas, overrides, block_overrides)
        raise_for_computation(computation)
        return bytes(computation.output)

    def estimate_sync(
        self,
        req: CallRequest,
        block: BlockId,
        overrides: Mapping[bytes, AccountOverride] | None = None,
    ) -> int:
        """geth's estimator: the smallest gas limit with which the transaction succeeds."""
        header = self._required_header(block)
        hi = int(header.gas_limit)
        if req.gas is not None and req.gas >= TX_GAS:
            hi = min(req.gas, hi)
        capped_by_funds = False
        if req.fee_cap > 0:
            state = self.evm.state_at(header)
            apply_state_overrides(state, overrides or {})
            balance = int(state.get_balance(Address(req.sender or ZERO_ADDRESS)))
            if req.value > balance:
                raise CallRejected(
                    f"insufficient funds for transfer: have {balance} want {req.value}"
                )
            allowance = (balance - req.value) // req.fee_cap
            if hi > allowance:
                hi, capped_by_funds = allowance, True
        floor = _floor_data_gas(req.data)
        to = req.to if req.to is not None else CREATE_CONTRACT_ADDRESS
        intrinsic = int(
            self.evm.vm_class.create_unsigned_transaction(
                nonce=0, gas_price=0, gas=hi, to=Address(to), value=req.value, data=req.data
            ).intrinsic_gas
        )
        intrinsic += sum(2400 + 1900 * len(keys) for _, keys in req.access_list or ())
        lo = max(intrinsic, floor) - 1
        if hi <= lo:
            if capped_by_funds:
                raise CallRejected(
                    f"insufficient funds for gas * price + value: gas allowance {hi}, want {lo + 1}"
                )
            raise CallRejected(f"intrinsic gas too low: have {hi}, want {lo + 1}")

        def failed(gas: int) -> bool:
            try:
                return bool(self.execute_sync(header, req, gas, overrides).is_error)
            except CallRejected:
                return True

        first = self.execute_sync(header, req, hi, overrides)
        if first.is_error:
            if isinstance(first.error, Revert):
                raise_for_computation(first)
            if _is_out_of_gas(first):
                raise GasAllowanceExceeded(f"gas required exceeds allowance ({hi})")
            raise_for_computation(first)
        spent = hi - first.get_gas_remaining()
        refund = min(first.get_gas_refund(), spent // 5)
        used = max(spent - refund, floor)
        # A plain transfer (no code to run) costs exactly what it used.
        if used == TX_GAS and not req.data and req.to is not None:
            return TX_GAS
        lo = max(lo, used - 1)
        optimistic = (used + refund + CALL_STIPEND) * 64 // 63
        if optimistic < hi and not failed(optimistic):
            hi = optimistic
        while lo + 1 < hi:
            mid = (hi + lo) // 2
            if mid > lo * 2:
                mid = lo * 2
            if failed(mid):
                lo = mid
            else:
                hi = mid
        return hi

    # -- sending (worker) ------------------------------------------------------------------------

    def prepare_send_sync(self, req: CallRequest) -> Any:
        """Fill and sign a dev account's transaction; the decoded PendingTx."""
        if req.sender is None:
            raise InvalidParams('eth_sendTransaction: missing "from"')
        key = self.dev_accounts.get(req.sender)
        if key is None:
            raise UnknownAccount(
                f"unknown account 0x{req.sender.hex()}: eth_sendTransaction signs only for the "
                "dev accounts (see eth_accounts); sign elsewhere and use eth_sendRawTransaction"
            )
        evm = self.evm
        if req.chain_id is not None and req.chain_id != evm.chain_id:
            raise InvalidParams(f"chainId {req.chain_id} is not this chain's ({evm.chain_id})")
        nonce = req.nonce if req.nonce is not None else self.node.pending_nonce(req.sender)
        legacy = req.gas_price is not None or req.tx_type in (0, 1)
        tx: dict[str, Any] = {
            "chainId": evm.chain_id,
            "nonce": nonce,
            "value": req.value,
            "data": req.data,
        }
        if req.to is not None:
            tx["to"] = to_checksum_address(req.to)
        if legacy:
            tx["gasPrice"] = (
                req.gas_price
                if req.gas_price is not None
                else evm.next_base_fee() + DEFAULT_PRIORITY_FEE
            )
            fee_req = replace(req, gas_price=tx["gasPrice"])
        else:
            tip = (
                req.max_priority_fee_per_gas
                if req.max_priority_fee_per_gas is not None
                else DEFAULT_PRIORITY_FEE
            )
            max_fee = req.max_fee_per_gas
            if max_fee is None:
                max_fee = 2 * evm.next_base_fee() + tip
            tip = min(tip, max_fee)
            tx.update({"type": 2, "maxFeePerGas": max_fee, "maxPriorityFeePerGas": tip})
            fee_req = replace(req, max_fee_per_gas=max_fee, max_priority_fee_per_gas=tip)
        if req.access_list is not None:
            tx["accessList"] = [
                {
                    "address": to_checksum_address(a),
                    "storageKeys": ["0x" + k.to_bytes(32, "big").hex() for k in keys],
                }
                for a, keys in req.access_list
            ]
            if legacy:
                tx["type"] = 1
        tx["gas"] = req.gas if req.gas is not None else self.estimate_sync(fee_req, LATEST)
        signed = Account.sign_transaction(tx, key)
        return evm.pending_tx(bytes(signed.raw_transaction))

    # -- blocks and transactions (worker) --------------------------------------------------------

    def block_json_sync(self, block: BlockId, full: bool) -> dict[str, Any] | None:
        header = self.header_sync(block, required=False)
        if header is None:
            return None
        records = self._records(header.block_number)
        return fmt.format_block(header, records, full, self.builder)

    def tx_json_sync(self, tx_hash: bytes) -> dict[str, Any] | None:
        record = self.evm.index.tx(tx_hash)
        if record is None:
            return None
        return fmt.format_transaction(record, fmt.decode_raw(record.raw, self.builder))

    def receipt_json_sync(self, tx_hash: bytes) -> dict[str, Any] | None:
        record = self.evm.index.tx(tx_hash)
        if record is None:
            return None
        header = self.evm.header_by_number(record.block_number)
        if header is None:
            return None
        return fmt.format_receipt(record, fmt.decode_raw(record.raw, self.builder), header)

    def tx_by_index_sync(self, block: BlockId, index: int) -> dict[str, Any] | None:
        header = self.header_sync(block, required=False)
        if header is None:
            return None
        hashes = self.evm.index.block_tx_hashes(header.block_number)
        if index >= len(hashes):
            return None
        return self.tx_json_sync(hashes[index])

    def tx_count_sync(self, block: BlockId) -> str | None:
        header = self.header_sync(block, required=False)
        if header is None:
            return None
        return fmt.quantity(len(self.evm.index.block_tx_hashes(header.block_number)))

    def block_receipts_sync(self, block: BlockId) -> list[dict[str, Any]] | None:
        header = self.header_sync(block, required=False)
        if header is None:
            return None
        return [
            fmt.format_receipt(r, fmt.decode_raw(r.raw, self.builder), header)
            for r in self._records(header.block_number)
        ]

    # -- logs (worker) ---------------------------------------------------------------------------

    def logs_in_range_sync(self, log_filter: LogFilter, start: int, end: int) -> list[Any]:
        out: list[Any] = []
        for number in range(start, end + 1):
            header = self.evm.header_by_number(number)
            if header is None:
                break
            out.extend(self._block_logs(log_filter, header))
        return out

    def _block_logs(self, log_filter: LogFilter, header: BlockHeaderAPI) -> list[Any]:
        if not log_filter.bloom_may_match(int(header.bloom)):
            return []
        out = []
        for record in self._records(header.block_number):
            for i, log in enumerate(record.logs):
                if log_filter.matches(log):
                    out.append(
                        fmt.format_log(log, record, record.log_index_start + i, header.timestamp)
                    )
        return out

    def get_logs_sync(self, log_filter: LogFilter) -> list[Any]:
        if log_filter.block_hash is not None:
            header = self.evm.header_by_hash(log_filter.block_hash)
            if header is None:
                raise HeaderNotFound("unknown block")
            return self._block_logs(log_filter, header)
        head = int(self.evm.head.block_number)
        start = self._block_number_of(log_filter.from_block, head)
        end = self._block_number_of(log_filter.to_block, head)
        if start > end:
            raise InvalidParams(
                f"invalid block range params: fromBlock {start} is after toBlock {end}"
            )
        end = min(end, head)
        if start > end:
            return []
        if end - start + 1 > MAX_LOG_BLOCK_RANGE:
            raise BlockRangeTooLarge(
                f"block range too large: {end - start + 1} blocks ({start} to {end}), the limit "
                f"is {MAX_LOG_BLOCK_RANGE}; query a smaller range"
            )
        return self.logs_in_range_sync(log_filter, start, end)

    def filter_changes_sync(self, flt: _Filter) -> list[Any]:
        """What a filter has not reported yet (at most MAX_LOG_BLOCK_RANGE blocks per poll);
        advances its cursor (on the worker, so concurrent polls never report a block twice)."""
        head = int(self.evm.head.block_number)
        start = flt.cursor + 1
        if flt.kind == "pending":
            flt.cursor = head
            return []
        if start > head:
            return []
        end = min(head, start + MAX_LOG_BLOCK_RANGE - 1)
        flt.cursor = end
        if flt.kind == "blocks":
            hashes = []
            for number in range(start, end + 1):
                header = self.evm.header_by_number(number)
                if header is None:
                    break
                hashes.append(fmt.hash_hex(header.hash))
            return hashes
        lf = flt.log_filter
        assert lf is not None
        low, high = start, end
        if lf.from_block.number is not None:
            low = max(low, lf.from_block.number)
        if lf.to_block.number is not None:
            high = min(high, lf.to_block.number)
        if low > high:
            return []
        return self.logs_in_range_sync(lf, low, high)

    # -- fees (worker) ---------------------------------------------------------------------------

    def _next_header(self, header: BlockHeaderAPI) -> BlockHeaderAPI:
        return self.evm.vm_class.create_header_from_parent(
            header, timestamp=header.timestamp + 1, gas_limit=self.evm.block_gas_limit
        )

    def fee_history_sync(
        self, count: int, newest: BlockId, percentiles: Sequence[float] | None
    ) -> dict[str, Any]:
        newest_header = self._required_header(newest)
        last = int(newest_header.block_number)
        first = max(0, last - count + 1)
        base_fees: list[str] = []
        blob_fees: list[str] = []
        ratios: list[float] = []
        blob_ratios: list[float] = []
        rewards: list[list[str]] = []
        for number in range(first, last + 1):
            header = newest_header if number == last else self.evm.header_by_number(number)
            assert header is not None
            base_fee = int(header.base_fee_per_gas or 0)
            base_fees.append(fmt.quantity(base_fee))
            blob_fees.append(fmt.quantity(fmt.blob_base_fee(int(header.excess_blob_gas or 0))))
            ratios.append(header.gas_used / header.gas_limit if header.gas_limit else 0.0)
            blob_ratios.append(int(header.blob_gas_used or 0) / MAX_BLOB_GAS_PER_BLOCK)
            if percentiles:
                rewards.append(self._rewards(header, base_fee, percentiles))
        following = self._next_header(newest_header)
        base_fees.append(fmt.quantity(int(following.base_fee_per_gas or 0)))
        blob_fees.append(fmt.quantity(fmt.blob_base_fee(int(following.excess_blob_gas or 0))))
        result: dict[str, Any] = {
            "oldestBlock": fmt.quantity(first),
            "baseFeePerGas": base_fees,
            "gasUsedRatio": ratios,
            "baseFeePerBlobGas": blob_fees,
            "blobGasUsedRatio": blob_ratios,
        }
        if percentiles:
            result["reward"] = rewards
        return result

    def _rewards(
        self, header: BlockHeaderAPI, base_fee: int, percentiles: Sequence[float]
    ) -> list[str]:
        txs = sorted(
            (max(0, r.effective_gas_price - base_fee), r.gas_used)
            for r in self._records(header.block_number)
            if not r.raw or r.raw[0] != SYSTEM_TX_TYPE
        )
        if not txs:
            return ["0x0"] * len(percentiles)
        rewards = []
        index = 0
        total = txs[0][1]
        for p in percentiles:
            threshold = int(header.gas_used * p / 100)
            while total < threshold and index < len(txs) - 1:
                index += 1
                total += txs[index][1]
            rewards.append(fmt.quantity(txs[index][0]))
        return rewards

    # ==========================================================================================
    # Handlers (trio side)
    # ==========================================================================================

    async def web3_client_version(self) -> str:
        return self.client_version

    async def web3_sha3(self, value: Any) -> str:
        return fmt.data(keccak(parse_data(value, "data")))

    async def net_version(self) -> str:
        return str(self.evm.chain_id)

    async def net_listening(self) -> bool:
        return True

    async def net_peer_count(self) -> str:
        return "0x0"

    async def chain_id(self) -> str:
        return fmt.quantity(self.evm.chain_id)

    async def block_number(self) -> str:
        number = await self.node.run(lambda: int(self.evm.head.block_number))
        return fmt.quantity(number)

    async def syncing(self) -> bool:
        return False

    async def coinbase(self) -> str | None:
        return fmt.address(self.evm.coinbase)

    async def mining(self) -> bool:
        return False

    async def hashrate(self) -> str:
        return "0x0"

    async def accounts(self) -> list[str | None]:
        return [fmt.address(a) for a in self.dev_accounts]

    async def get_balance(self, address: Any, block: Any = "latest") -> str:
        addr, bid = parse_address(address, "address"), parse_block_id(block)
        balance = await self.node.run(lambda: int(self.state_sync(bid).get_balance(Address(addr))))
        return fmt.quantity(balance)

    async def get_transaction_count(self, address: Any, block: Any = "latest") -> str:
        addr, bid = parse_address(address, "address"), parse_block_id(block)
        if bid.is_pending:
            nonce = await self.node.run(lambda: int(self.node.pending_nonce(addr)))
        else:
            nonce = await self.node.run(lambda: int(self.state_sync(bid).get_nonce(Address(addr))))
        return fmt.quantity(nonce)

    async def get_code(self, address: Any, block: Any = "latest") -> str:
        addr, bid = parse_address(address, "address"), parse_block_id(block)
        code = await self.node.run(lambda: bytes(self.state_sync(bid).get_code(Address(addr))))
        return fmt.data(code)

    async def get_storage_at(self, address: Any, slot: Any, block: Any = "latest") -> str:
        addr, key, bid = (
            parse_address(address, "address"),
            parse_word(slot, "storage slot"),
            parse_block_id(block),
        )
        word = await self.node.run(
            lambda: int(self.state_sync(bid).get_storage(Address(addr), key))
        )
        return fmt.data(word.to_bytes(32, "big"))

    async def call(
        self,
        transaction: Any,
        block: Any = "latest",
        state_overrides: Any = None,
        block_overrides: Any = None,
    ) -> str:
        req = parse_call(transaction)
        bid = parse_block_id(block)
        overrides = parse_state_overrides(state_overrides)
        block_over = parse_block_overrides(block_overrides)
        output = await self.node.run(lambda: self.call_sync(req, bid, overrides, block_over))
        return fmt.data(output)

    async def estimate_gas(
        self, transaction: Any, block: Any = "latest", state_overrides: Any = None
    ) -> str:
        req = parse_call(transaction)
        bid = parse_block_id(block)
        overrides = parse_state_overrides(state_overrides)
        gas = await self.node.run(lambda: self.estimate_sync(req, bid, overrides))
        return fmt.quantity(gas)

    async def gas_price(self) -> str:
        base_fee = await self.node.run(self.evm.next_base_fee)
        return fmt.quantity(int(base_fee) + DEFAULT_PRIORITY_FEE)

    async def max_priority_fee_per_gas(self) -> str:
        return fmt.quantity(DEFAULT_PRIORITY_FEE)

    async def blob_base_fee(self) -> str:
        excess = await self.node.run(
            lambda: int(self._next_header(self.evm.head).excess_blob_gas or 0)
        )
        return fmt.quantity(fmt.blob_base_fee(excess))

    async def fee_history(
        self, block_count: Any, newest_block: Any = "latest", reward_percentiles: Any = None
    ) -> dict[str, Any]:
        count = parse_quantity(block_count, "blockCount")
        newest = parse_block_id(newest_block, "newestBlock", allow_hash=False)
        percentiles: list[float] | None = None
        if reward_percentiles is not None:
            if not isinstance(reward_percentiles, list) or len(reward_percentiles) > 100:
                raise InvalidParams("invalid rewardPercentiles: expected a list of at most 100")
            percentiles = []
            for p in reward_percentiles:
                if isinstance(p, bool) or not isinstance(p, int | float) or not 0 <= p <= 100:
                    raise InvalidParams(f"invalid reward percentile {p!r}: expected 0 to 100")
                if percentiles and p < percentiles[-1]:
                    raise InvalidParams(
                        f"invalid reward percentiles: {p} after {percentiles[-1]}, expected "
                        "increasing values"
                    )
                percentiles.append(float(p))
        if count == 0:
            return {
                "oldestBlock": "0x0",
                "baseFeePerGas": [],
                "gasUsedRatio": [],
                "baseFeePerBlobGas": [],
                "blobGasUsedRatio": [],
            }
        count = min(count, MAX_FEE_HISTORY_BLOCKS)
        return dict(await self.node.run(lambda: self.fee_history_sync(count, newest, percentiles)))

    def _remember(self, pending: PendingTx) -> None:
        self.submitted[pending.tx_hash] = pending
        while len(self.submitted) > MAX_REMEMBERED_SUBMISSIONS:
            self.submitted.popitem(last=False)

    async def send_raw_transaction(self, raw: Any) -> str:
        payload = parse_data(raw, "raw transaction")
        pending = await self.node.run(lambda: self.evm.pending_tx(payload))
        tx_hash = await self.node.submit(pending)
        self._remember(pending)
        return fmt.hash_hex(tx_hash)

    async def send_transaction(self, transaction: Any) -> str:
        req = parse_call(transaction)
        async with self._send_lock:  # one nonce at a time for our own signing
            pending = await self.node.run(lambda: self.prepare_send_sync(req))
            tx_hash = await self.node.submit(pending)
        self._remember(pending)
        return fmt.hash_hex(tx_hash)

    async def get_transaction_by_hash(self, tx_hash: Any) -> dict[str, Any] | None:
        h = parse_hash(tx_hash, "transaction hash")
        found = await self.node.run(lambda: self.tx_json_sync(h))
        if found is not None:
            self.submitted.pop(h, None)
            return found
        pending = self.submitted.get(h)
        if pending is None:
            return None
        return fmt.format_pending_transaction(pending.tx_hash, pending.sender, pending.decoded)

    async def get_transaction_receipt(self, tx_hash: Any) -> dict[str, Any] | None:
        h = parse_hash(tx_hash, "transaction hash")
        return await self.node.run(lambda: self.receipt_json_sync(h))

    async def get_transaction_by_block_and_index(
        self, block: Any, index: Any
    ) -> dict[str, Any] | None:
        bid, i = parse_block_id(block, allow_hash=False), parse_quantity(index, "index")
        return await self.node.run(lambda: self.tx_by_index_sync(bid, i))

    async def get_transaction_by_block_hash_and_index(
        self, block_hash: Any, index: Any
    ) -> dict[str, Any] | None:
        bid = BlockId(hash=parse_hash(block_hash, "block hash"))
        i = parse_quantity(index, "index")
        return await self.node.run(lambda: self.tx_by_index_sync(bid, i))

    async def get_block_transaction_count(self, block: Any) -> str | None:
        bid = parse_block_id(block, allow_hash=False)
        return await self.node.run(lambda: self.tx_count_sync(bid))

    async def get_block_transaction_count_by_hash(self, block_hash: Any) -> str | None:
        bid = BlockId(hash=parse_hash(block_hash, "block hash"))
        return await self.node.run(lambda: self.tx_count_sync(bid))

    async def get_block_by_number(
        self, block: Any, full_transactions: Any = False
    ) -> dict[str, Any] | None:
        bid = parse_block_id(block, allow_hash=False)
        full = parse_bool(full_transactions, "full transactions flag")
        return await self.node.run(lambda: self.block_json_sync(bid, full))

    async def get_block_by_hash(
        self, block_hash: Any, full_transactions: Any = False
    ) -> dict[str, Any] | None:
        bid = BlockId(hash=parse_hash(block_hash, "block hash"))
        full = parse_bool(full_transactions, "full transactions flag")
        return await self.node.run(lambda: self.block_json_sync(bid, full))

    async def get_block_receipts(self, block: Any) -> list[dict[str, Any]] | None:
        bid = parse_block_id(block)
        return await self.node.run(lambda: self.block_receipts_sync(bid))

    async def get_uncle_count(self, block: Any) -> str | None:
        bid = parse_block_id(block, allow_hash=False)
        found = await self.node.run(lambda: self.header_sync(bid, required=False) is not None)
        return "0x0" if found else None

    async def get_uncle_count_by_hash(self, block_hash: Any) -> str | None:
        bid = BlockId(hash=parse_hash(block_hash, "block hash"))
        found = await self.node.run(lambda: self.header_sync(bid, required=False) is not None)
        return "0x0" if found else None

    async def get_uncle(self, block: Any, index: Any) -> None:
        parse_block_id(block, allow_hash=False)
        parse_quantity(index, "index")
        return None

    async def get_uncle_by_hash(self, block_hash: Any, index: Any) -> None:
        parse_hash(block_hash, "block hash")
        parse_quantity(index, "index")
        return None

    async def get_logs(self, filter_object: Any) -> list[Any]:
        log_filter = parse_log_filter(filter_object)
        return list(await self.node.run(lambda: self.get_logs_sync(log_filter)))

    # -- filters --------------------------------------------------------------------------------

    def _expire_filters(self) -> None:
        now = self.clock()
        for filter_id in [
            fid for fid, f in self.filters.items() if now - f.touched > self.filter_timeout
        ]:
            del self.filters[filter_id]

    async def _install(self, kind: str, log_filter: LogFilter | None = None) -> str:
        self._expire_filters()
        head = await self.node.run(lambda: int(self.evm.head.block_number))
        filter_id = "0x" + secrets.token_hex(16)
        self.filters[filter_id] = _Filter(kind, head, self.clock(), log_filter)
        return filter_id

    def _filter(self, filter_id: Any) -> _Filter:
        self._expire_filters()
        if not isinstance(filter_id, str):
            raise InvalidParams(f"invalid filter id {filter_id!r}")
        flt = self.filters.get(filter_id.lower())
        if flt is None:
            raise FilterNotFound("filter not found")
        flt.touched = self.clock()
        return flt

    async def new_filter(self, filter_object: Any) -> str:
        log_filter = parse_log_filter(filter_object)
        if log_filter.block_hash is not None:
            raise InvalidParams("eth_newFilter: blockHash is not supported, use eth_getLogs")
        return await self._install("logs", log_filter)

    async def new_block_filter(self) -> str:
        return await self._install("blocks")

    async def new_pending_transaction_filter(self) -> str:
        return await self._install("pending")

    async def get_filter_changes(self, filter_id: Any) -> list[Any]:
        flt = self._filter(filter_id)
        async with flt.lock:
            return list(await self.node.run(lambda: self.filter_changes_sync(flt)))

    async def get_filter_logs(self, filter_id: Any) -> list[Any]:
        flt = self._filter(filter_id)
        if flt.log_filter is None:
            raise FilterNotFound("filter not found: not a log filter")
        lf = flt.log_filter
        return list(await self.node.run(lambda: self.get_logs_sync(lf)))

    async def uninstall_filter(self, filter_id: Any) -> bool:
        self._expire_filters()
        if not isinstance(filter_id, str):
            raise InvalidParams(f"invalid filter id {filter_id!r}")
        return self.filters.pop(filter_id.lower(), None) is not None

    # -- subscriptions --------------------------------------------------------------------------

    async def subscribe_new_heads(
        self, params: Sequence[Any], sink: SubscriptionSink
    ) -> Subscription:
        return NewHeadsSubscription(sink)

    async def subscribe_logs(self, params: Sequence[Any], sink: SubscriptionSink) -> Subscription:
        criteria = params[0] if params else None
        if isinstance(criteria, dict):
            criteria = {k: v for k, v in criteria.items() if k in ("address", "topics")}
        return LogsSubscription(sink, parse_log_filter(criteria))


def _floor_data_gas(payload: bytes) -> int:
    """EIP-7623's floor: 21000 + 10 per calldata token (a zero byte 1 token, others 4)."""
    zeros = payload.count(0)
    return TX_GAS + 10 * (zeros + 4 * (len(payload) - zeros))


def register_eth_api(
    api: ApiRegistry,
    node: NodeServices,
    evm: EvmModule,
    *,
    client_version: str,
    sandbox: Sandbox | None = None,
    clock: Callable[[], float] = time.monotonic,
    filter_timeout: float = FILTER_TIMEOUT_SECONDS,
) -> None:
    """Register the ``web3_``, ``net_`` and ``eth_`` methods and the ``eth`` subscriptions.

    ``sandbox`` (the node passes ``app.sandbox``) wraps every call and estimate so that what it
    writes to side stores through the frame hooks is reverted; without it only the EVM state of
    the call is discarded.
    """
    EthApi(
        node,
        evm,
        client_version=client_version,
        sandbox=sandbox,
        clock=clock,
        filter_timeout=filter_timeout,
    ).register(api)
