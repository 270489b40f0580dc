"""The committed CosmWasm test contracts (native/cosmwasm/build) have the ABI their docs promise.

Loads every .wasm with wasmtime, checks exports, imports and signatures per contract, checks each
WAT edge case differs from `minimal` by exactly its named defect, and runs a few contracts through
the region ABI against a tiny in-test host (storage dict, bech32 addresses, recording stubs).
The real host lives in vms/cosmwasm; this only proves the contracts themselves.
"""

from __future__ import annotations

import base64
import json
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import wasmtime

from qorenode import bech32

REPO = Path(__file__).resolve().parents[3]
SRC = REPO / "native" / "cosmwasm"
BUILD = SRC / "build"

BASE_EXPORTS = {"memory", "interface_version_8", "allocate", "deallocate"}
RUST_GLOBALS = {"__data_end", "__heap_base"}  # rustc 1.63 always exports these two globals
ENTRY_ARITY = {"instantiate": 3, "execute": 3, "query": 2, "migrate": 2, "sudo": 2, "reply": 2}

# name -> (params, results) of every import a cosmwasm-std 2.x contract may declare
IMPORTS: dict[str, tuple[list[str], list[str]]] = {
    "db_read": (["i32"], ["i32"]),
    "db_write": (["i32", "i32"], []),
    "db_remove": (["i32"], []),
    "db_scan": (["i32", "i32", "i32"], ["i32"]),
    "db_next": (["i32"], ["i32"]),
    "db_next_key": (["i32"], ["i32"]),
    "db_next_value": (["i32"], ["i32"]),
    "addr_validate": (["i32"], ["i32"]),
    "addr_canonicalize": (["i32", "i32"], ["i32"]),
    "addr_humanize": (["i32", "i32"], ["i32"]),
    "secp256k1_verify": (["i32", "i32", "i32"], ["i32"]),
    "secp256k1_recover_pubkey": (["i32", "i32", "i32"], ["i64"]),
    "secp256r1_verify": (["i32", "i32", "i32"], ["i32"]),
    "secp256r1_recover_pubkey": (["i32", "i32", "i32"], ["i64"]),
    "ed25519_verify": (["i32", "i32", "i32"], ["i32"]),
    "ed25519_batch_verify": (["i32", "i32", "i32"], ["i32"]),
    "bls12_381_aggregate_g1": (["i32", "i32"], ["i32"]),
    "bls12_381_aggregate_g2": (["i32", "i32"], ["i32"]),
    "bls12_381_pairing_equality": (["i32", "i32", "i32", "i32"], ["i32"]),
    "bls12_381_hash_to_g1": (["i32", "i32", "i32", "i32"], ["i32"]),
    "bls12_381_hash_to_g2": (["i32", "i32", "i32", "i32"], ["i32"]),
    "debug": (["i32"], []),
    "abort": (["i32"], []),
    "query_chain": (["i32"], ["i32"]),
}

# contract -> (entry points, capabilities, imports)
EXPECTED: dict[str, tuple[set[str], set[str], set[str]]] = {
    "counter": ({"instantiate", "execute", "query", "migrate"}, set(), {"db_read", "db_write"}),
    "counter_v2": (
        {"instantiate", "execute", "query", "migrate"},
        set(),
        {"db_read", "db_write", "abort"},
    ),
    "cw20": (
        {"instantiate", "execute", "query"},
        set(),
        {"db_read", "db_write", "addr_validate", "abort"},
    ),
    "dispatcher": (
        {"instantiate", "execute", "query", "migrate", "sudo", "reply"},
        set(),
        {"db_read", "db_write", "query_chain", "abort"},
    ),
    "imports": ({"instantiate", "execute", "query", "sudo"}, {"iterator"}, set(IMPORTS)),
}
WAT_ENTRIES = {"instantiate", "execute", "query"}
# WAT contract -> how its exports / imports differ from `minimal` (added, removed)
WAT_DEFECTS: dict[str, tuple[set[str], set[str], set[str]]] = {
    "minimal": (set(), set(), set()),
    "panic": (set(), set(), set()),
    "loop": (set(), set(), set()),
    "membomb": (set(), set(), set()),
    "storage_loop": (set(), set(), set()),
    "huge_response": (set(), set(), set()),
    "bad_result": (set(), set(), set()),
    "no_interface": (set(), {"interface_version_8"}, set()),
    "old_interface": ({"interface_version_7"}, {"interface_version_8"}, set()),
    "missing_allocate": (set(), {"allocate"}, set()),
    "unknown_capability": ({"requires_teleport"}, set(), set()),
    "unknown_import": (set(), set(), {"teleport"}),
}

USER = bech32.encode(bytes(range(1, 21)))
OTHER = bech32.encode(bytes(range(101, 121)))
CONTRACT = bech32.encode(bytes(range(32)))
PEER = bech32.encode(bytes(range(50, 82)))


def env(address: str = CONTRACT) -> dict[str, Any]:
    return {
        "block": {"height": 7, "time": "1700000000000000000", "chain_id": "qore-devnet-1"},
        "transaction": {"index": 0},
        "contract": {"address": address},
    }


def info(sender: str = USER) -> dict[str, Any]:
    return {"sender": sender, "funds": [{"denom": "aqor", "amount": "1"}]}


def module(name: str) -> Any:
    return wasmtime.Module(wasmtime.Engine(), (BUILD / f"{name}.wasm").read_bytes())


def signature(ty: Any) -> tuple[list[str], list[str]]:
    return [str(p) for p in ty.params], [str(r) for r in ty.results]


def exports_of(mod: Any) -> dict[str, Any]:
    return {e.name: e.type for e in mod.exports}


# ---------------------------------------------------------------------------------------------
# Shape


def test_build_holds_exactly_one_output_per_source() -> None:
    sources = set(EXPECTED) | {p.stem for p in (SRC / "failures").glob("*.wat")}
    assert {p.stem for p in BUILD.glob("*.wasm")} == sources
    assert set(WAT_DEFECTS) == {p.stem for p in (SRC / "failures").glob("*.wat")}
    assert not [p for p in BUILD.iterdir() if p.suffix != ".wasm"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_contract_exports_and_imports(name: str) -> None:
    entries, caps, imports = EXPECTED[name]
    mod = module(name)
    exports = exports_of(mod)
    extra = RUST_GLOBALS if name != "counter" else set()
    assert set(exports) == BASE_EXPORTS | entries | {f"requires_{c}" for c in caps} | extra
    assert isinstance(exports["memory"], wasmtime.MemoryType)
    assert signature(exports["interface_version_8"]) == ([], [])
    assert signature(exports["allocate"]) == (["i32"], ["i32"])
    assert signature(exports["deallocate"]) == (["i32"], [])
    for entry in entries:
        assert signature(exports[entry]) == (["i32"] * ENTRY_ARITY[entry], ["i32"])
    for cap in caps:
        assert signature(exports[f"requires_{cap}"]) == ([], [])
    assert {i.module for i in mod.imports} == {"env"}
    assert {i.name for i in mod.imports} == imports
    for imp in mod.imports:
        assert signature(imp.type) == IMPORTS[imp.name], imp.name


@pytest.mark.parametrize("name", sorted(WAT_DEFECTS))
def test_wat_contract_has_exactly_its_defect(name: str) -> None:
    minimal = module("minimal")
    base_exports = set(exports_of(minimal))
    base_imports = {(i.module, i.name) for i in minimal.imports}
    assert base_exports == BASE_EXPORTS | WAT_ENTRIES
    assert base_imports == {("env", "db_write")}

    added, removed, new_imports = WAT_DEFECTS[name]
    mod = module(name)
    assert set(exports_of(mod)) == (base_exports - removed) | added
    assert {(i.module, i.name) for i in mod.imports} == base_imports | {
        ("env", n) for n in new_imports
    }


@pytest.mark.parametrize("path", sorted(BUILD.glob("*.wasm")), ids=lambda p: p.stem)
def test_outputs_are_small_and_path_free(path: Path) -> None:
    data = path.read_bytes()
    assert len(data) < 200 * 1024
    assert b"/work/" not in data and str(REPO).encode() not in data


# ---------------------------------------------------------------------------------------------
# A tiny host: just enough of the region ABI to run the contracts


class Aborted(Exception):
    """The contract called env.abort."""


def sections(parts: list[bytes]) -> bytes:
    return b"".join(p + struct.pack(">I", len(p)) for p in parts)


def decode_sections(data: bytes) -> list[bytes]:
    out, end = [], len(data)
    while end:
        (n,) = struct.unpack(">I", data[end - 4 : end])
        out.append(data[end - 4 - n : end - 4])
        end -= 4 + n
    return out[::-1]


class MiniHost:
    def __init__(self, name: str, storage: dict[bytes, bytes] | None = None) -> None:
        self.config = wasmtime.Config()
        self.config.consume_fuel = True
        self.engine = wasmtime.Engine(self.config)
        self.module = wasmtime.Module(self.engine, (BUILD / f"{name}.wasm").read_bytes())
        self.storage: dict[bytes, bytes] = {} if storage is None else storage
        self.iterators: list[list[tuple[bytes, bytes]]] = []
        self.log: list[tuple[str, Any]] = []
        self.query_handler: Callable[[dict[str, Any]], Any] = lambda req: {"ok": {"ok": "e30="}}
        self.memory_limit = 64 * 1024 * 1024

    # memory helpers (ctx is the Store or the Caller)
    def read(self, ctx: Any, ptr: int) -> bytes:
        mem = self._memory(ctx)
        offset, _capacity, length = struct.unpack("<III", bytes(mem.read(ctx, ptr, ptr + 12)))
        return bytes(mem.read(ctx, offset, offset + length))

    def write(self, ctx: Any, ptr: int, data: bytes) -> None:
        mem = self._memory(ctx)
        offset, capacity, _ = struct.unpack("<III", bytes(mem.read(ctx, ptr, ptr + 12)))
        assert len(data) <= capacity, "region too small"
        mem.write(ctx, data, offset)
        mem.write(ctx, struct.pack("<I", len(data)), ptr + 8)

    def give(self, ctx: Any, data: bytes) -> int:
        ptr = int(self._export(ctx, "allocate")(ctx, len(data)))
        self.write(ctx, ptr, data)
        return ptr

    def _memory(self, ctx: Any) -> Any:
        return self._export(ctx, "memory")

    def _export(self, ctx: Any, name: str) -> Any:
        if isinstance(ctx, wasmtime.Caller):
            return ctx.get(name)
        return self._exports[name]

    # imports
    def _imports(self) -> dict[str, Callable[..., Any]]:
        def opt(c: Any, ptr: int) -> bytes | None:
            return None if ptr == 0 else self.read(c, ptr)

        def db_scan(c: Any, start: int, end: int, order: int) -> int:
            lo, hi = opt(c, start), opt(c, end)
            assert order in (1, 2)
            items = sorted(
                (k, v)
                for k, v in self.storage.items()
                if (lo is None or k >= lo) and (hi is None or k < hi)
            )
            self.iterators.append(items if order == 1 else items[::-1])
            return len(self.iterators)

        def pop(it: int) -> tuple[bytes, bytes] | None:
            items = self.iterators[it - 1]
            return items.pop(0) if items else None

        def db_next(c: Any, it: int) -> int:
            kv = pop(it) or (b"", b"")
            return self.give(c, sections([kv[0], kv[1]]))

        def db_next_part(index: int) -> Callable[[Any, int], int]:
            def f(c: Any, it: int) -> int:
                kv = pop(it)
                return 0 if kv is None else self.give(c, kv[index])

            return f

        def canonical(c: Any, src: int) -> bytes | str:
            text = self.read(c, src).decode()
            try:
                raw = bech32.decode(text)
            except bech32.Bech32Error as exc:
                return f"Invalid address {text!r}: {exc}"
            return raw if text == bech32.encode(raw) else "Address not normalized"

        def addr_validate(c: Any, src: int) -> int:
            raw = canonical(c, src)
            return self.give(c, raw.encode()) if isinstance(raw, str) else 0

        def addr_canonicalize(c: Any, src: int, dst: int) -> int:
            raw = canonical(c, src)
            if isinstance(raw, str):
                return self.give(c, raw.encode())
            self.write(c, dst, raw)
            return 0

        def addr_humanize(c: Any, src: int, dst: int) -> int:
            raw = self.read(c, src)
            if len(raw) not in (20, 32):
                return self.give(c, b"Invalid canonical address length")
            self.write(c, dst, bech32.encode(raw).encode())
            return 0

        def record(name: str, result: int, out: int | None = None) -> Callable[..., int]:
            def f(c: Any, *ptrs: int) -> int:
                args = [self.read(c, p) if p > 0xFF else p for p in ptrs]
                self.log.append((name, args))
                if out is not None:
                    self.write(c, ptrs[-1], bytes([out]) * (48 if name.endswith("g1") else 96))
                return result

            return f

        def recover(c: Any, hash_ptr: int, sig_ptr: int, param: int) -> int:
            self.log.append(("recover", [self.read(c, hash_ptr), self.read(c, sig_ptr), param]))
            return self.give(c, b"\x04" + b"\x11" * 64) if param < 2 else 7 << 32

        def batch(c: Any, m: int, s: int, p: int) -> int:
            parts = [decode_sections(self.read(c, x)) for x in (m, s, p)]
            self.log.append(("ed25519_batch_verify", parts))
            return 0

        def debug(c: Any, msg: int) -> None:
            self.log.append(("debug", self.read(c, msg).decode()))

        def abort(c: Any, msg: int) -> None:
            raise Aborted(self.read(c, msg).decode())

        def query_chain(c: Any, req: int) -> int:
            request = json.loads(self.read(c, req))
            self.log.append(("query_chain", request))
            return self.give(c, json.dumps(self.query_handler(request)).encode())

        return {
            "db_read": lambda c, k: (
                0 if (v := self.storage.get(self.read(c, k))) is None else self.give(c, v)
            ),
            "db_write": lambda c, k, v: self.storage.__setitem__(self.read(c, k), self.read(c, v)),
            "db_remove": lambda c, k: self.storage.pop(self.read(c, k), None) and None,
            "db_scan": db_scan,
            "db_next": db_next,
            "db_next_key": db_next_part(0),
            "db_next_value": db_next_part(1),
            "addr_validate": addr_validate,
            "addr_canonicalize": addr_canonicalize,
            "addr_humanize": addr_humanize,
            "secp256k1_verify": record("secp256k1_verify", 0),
            "secp256r1_verify": record("secp256r1_verify", 1),
            "secp256k1_recover_pubkey": recover,
            "secp256r1_recover_pubkey": recover,
            "ed25519_verify": record("ed25519_verify", 0),
            "ed25519_batch_verify": batch,
            "bls12_381_aggregate_g1": record("bls12_381_aggregate_g1", 0, out=0xA1),
            "bls12_381_aggregate_g2": record("bls12_381_aggregate_g2", 0, out=0xA2),
            "bls12_381_pairing_equality": record("bls12_381_pairing_equality", 1),
            "bls12_381_hash_to_g1": record("bls12_381_hash_to_g1", 0, out=0xB1),
            "bls12_381_hash_to_g2": record("bls12_381_hash_to_g2", 0, out=0xB2),
            "debug": debug,
            "abort": abort,
            "query_chain": query_chain,
        }

    def call_raw(self, entry: str, *args: Any, fuel: int = 200_000_000) -> bytes:
        """One call on a fresh instance; returns the raw result bytes."""
        store = wasmtime.Store(self.engine)
        store.set_fuel(fuel)
        store.set_limits(memory_size=self.memory_limit)
        linker = wasmtime.Linker(self.engine)
        impls = self._imports()
        for imp in self.module.imports:
            linker.define_func(imp.module, imp.name, imp.type, impls[imp.name], access_caller=True)
        self._exports = linker.instantiate(store, self.module).exports(store)
        ptrs = [
            self.give(store, a if isinstance(a, bytes) else json.dumps(a).encode()) for a in args
        ]
        return self.read(store, self._exports[entry](store, *ptrs))

    def call(self, entry: str, *args: Any) -> Any:
        """A call whose storage writes are dropped when it returns an error, as on chain."""
        before = dict(self.storage)
        result = json.loads(self.call_raw(entry, *args))
        if "error" in result:
            self.storage.clear()
            self.storage.update(before)
        return result

    def ok(self, entry: str, *args: Any) -> Any:
        result = self.call(entry, *args)
        assert "ok" in result, result
        return result["ok"]

    def query(self, msg: Any) -> Any:
        return json.loads(base64.b64decode(self.ok("query", env(), msg)))


def attrs(response: dict[str, Any]) -> dict[str, str]:
    return {a["key"]: a["value"] for a in response["attributes"]}


# ---------------------------------------------------------------------------------------------
# Smoke runs


def test_counter_instantiate_increment_query() -> None:
    host = MiniHost("counter")
    r = host.ok("instantiate", env(), info(), {})
    assert r == {
        "messages": [],
        "attributes": [{"key": "action", "value": "instantiate"}, {"key": "count", "value": "0"}],
        "events": [],
        "data": None,
    }
    assert attrs(host.ok("execute", env(), info(), {"increment": {}})) == {
        "action": "increment",
        "count": "1",
    }
    assert host.query({"get_count": {}}) == {"count": 1}
    assert host.storage == {b"count": b"1"}

    assert attrs(host.ok("execute", env(), info(), {"reset": {"count": 41}}))["count"] == "41"
    assert "error" in host.call("execute", env(), info(), {"decrement": {}})
    assert "error" in host.call("execute", env(), info(), b"{not json")
    assert "error" in host.call("query", env(), {"get_count": {}, "extra": {}})
    assert attrs(host.ok("migrate", env(), {}))["count"] == "41"
    assert host.storage[b"migrated"] == b"counter"
    assert attrs(host.ok("migrate", env(), {"count": 5}))["count"] == "5"
    host2 = MiniHost("counter")
    host2.ok("instantiate", env(), info(), {"count": 9})
    assert host2.query({"get_count": {}}) == {"count": 9}


def test_counter_v2_takes_over_counter_storage() -> None:
    v1 = MiniHost("counter")
    v1.ok("instantiate", env(), info(), {"count": 3})
    v2 = MiniHost("counter_v2", storage=v1.storage)
    assert attrs(v2.ok("migrate", env(), {})) == {"action": "migrate", "count": "3", "version": "2"}
    assert v2.storage[b"migrated"] == b"counter_v2"
    v2.ok("execute", env(), info(), {"increment": {}})
    assert v2.query({"get_count": {}}) == {"count": 5, "version": 2}


def test_cw20_flow() -> None:
    host = MiniHost("cw20")
    init = {
        "name": "Qore Token",
        "symbol": "QTK",
        "decimals": 6,
        "initial_balances": [{"address": USER, "amount": "1000"}],
        "mint": {"minter": USER},
    }
    host.ok("instantiate", env(), info(), init)
    assert host.query({"token_info": {}}) == {
        "name": "Qore Token",
        "symbol": "QTK",
        "decimals": 6,
        "total_supply": "1000",
    }
    r = host.ok("execute", env(), info(), {"transfer": {"recipient": OTHER, "amount": "300"}})
    assert attrs(r) == {"action": "transfer", "from": USER, "to": OTHER, "amount": "300"}
    assert host.query({"balance": {"address": USER}}) == {"balance": "700"}
    assert host.query({"balance": {"address": OTHER}}) == {"balance": "300"}

    bad = host.call("execute", env(), info(), {"transfer": {"recipient": "qor1bad", "amount": "1"}})
    assert bad["error"].startswith("Generic error: addr_validate errored: Invalid address")
    over = host.call(
        "execute", env(), info(OTHER), {"transfer": {"recipient": USER, "amount": "301"}}
    )
    assert over == {"error": "Overflow: Cannot Sub with given operands"}
    assert host.call(
        "execute", env(), info(OTHER), {"mint": {"recipient": OTHER, "amount": "1"}}
    ) == {"error": "Unauthorized"}
    host.ok("execute", env(), info(), {"mint": {"recipient": OTHER, "amount": "50"}})
    host.ok("execute", env(), info(OTHER), {"burn": {"amount": "10"}})
    assert host.query({"token_info": {}})["total_supply"] == "1040"

    inner = base64.b64encode(b'{"stake":{}}').decode()
    r = host.ok("execute", env(), info(), {"send": {"contract": PEER, "amount": "5", "msg": inner}})
    assert attrs(r) == {"action": "send", "from": USER, "to": PEER, "amount": "5"}
    (sub,) = r["messages"]
    assert sub == {
        "id": 0,
        "payload": "",
        "msg": {
            "wasm": {
                "execute": {
                    "contract_addr": PEER,
                    "msg": sub["msg"]["wasm"]["execute"]["msg"],
                    "funds": [],
                }
            }
        },
        "gas_limit": None,
        "reply_on": "never",
    }
    receive = json.loads(base64.b64decode(sub["msg"]["wasm"]["execute"]["msg"]))
    assert receive == {"receive": {"sender": USER, "amount": "5", "msg": inner}}


def test_dispatcher_submessages_replies_and_queries() -> None:
    host = MiniHost("dispatcher")
    host.ok("instantiate", env(), info(), {})
    bank = {"bank": {"send": {"to_address": OTHER, "amount": [{"denom": "aqor", "amount": "5"}]}}}
    r = host.ok(
        "execute",
        env(),
        info(),
        {
            "sub": {
                "id": 7,
                "reply_on": "success",
                "msg": bank,
                "gas_limit": 90000,
                "payload": "AQI=",
            }
        },
    )
    assert r["messages"] == [
        {"id": 7, "payload": "AQI=", "msg": bank, "gas_limit": 90000, "reply_on": "success"}
    ]
    assert r["events"] == [
        {
            "type": "dispatched",
            "attributes": [
                {"key": "entry_point", "value": "execute"},
                {"key": "variant", "value": "sub"},
            ],
        }
    ]
    ok_reply = {
        "id": 7,
        "payload": "AQI=",
        "gas_used": 1234,
        "result": {
            "ok": {
                "events": [{"type": "transfer", "attributes": []}],
                "data": None,
                "msg_responses": [],
            }
        },
    }
    host.ok("reply", env(), ok_reply)
    failing = host.call(
        "reply", env(), {"id": 666, "payload": "", "gas_used": 0, "result": {"error": "boom"}}
    )
    assert failing == {"error": "reply failed on purpose (id 666)"}
    assert host.query({"replies": {}}) == {
        "replies": [
            {
                "id": 7,
                "result": "ok",
                "error": None,
                "data": None,
                "events": 1,
                "event_types": ["transfer"],
                "msg_responses": 0,
                "payload": "AQI=",
                "gas_used": 1234,
            }
        ]
    }
    data_payload = base64.b64encode(json.dumps({"data": "aGk="}).encode()).decode()
    r = host.ok(
        "reply", env(), {"id": 1, "payload": data_payload, "gas_used": 0, "result": {"error": "x"}}
    )
    assert r["data"] == "aGk="

    host.query_handler = lambda req: {
        "ok": {"ok": base64.b64encode(b'{"amount":{"denom":"aqor","amount":"9"}}').decode()}
    }
    r = host.ok("execute", env(), info(), {"query_balance": {"address": OTHER}})
    assert base64.b64decode(r["data"]) == b'{"amount":{"denom":"aqor","amount":"9"}}'
    assert host.log[-1] == (
        "query_chain",
        {"bank": {"balance": {"address": OTHER, "denom": "aqor"}}},
    )
    host.query_handler = lambda req: {"ok": {"error": "no such contract"}}
    err = host.call("execute", env(), info(), {"query_smart": {"contract_addr": PEER, "msg": {}}})
    assert err == {"error": "Querier contract error: no such contract"}

    r = host.ok("execute", env(), info(), {"recurse": {"depth": 2}})
    msg = r["messages"][0]["msg"]["wasm"]["execute"]
    assert msg["contract_addr"] == CONTRACT
    assert json.loads(base64.b64decode(msg["msg"])) == {"recurse": {"depth": 1}}
    assert host.call("execute", env(), info(), {"fail": {"reason": "nope"}}) == {"error": "nope"}
    host.ok("execute", env(), info(), {"write": {"key": "k", "value": "v"}})
    assert host.query({"stored": {"key": "k"}}) == {"key": "k", "value": "v"}


def test_imports_storage_addresses_crypto_and_abort() -> None:
    host = MiniHost("imports")
    host.ok("instantiate", env(), info(), {})
    ops = [
        {"write": {"key": "a", "value": "1"}},
        {"write": {"key": "b", "value": "2"}},
        {"write": {"key": "c", "value": "3"}},
        {"read": {"key": "b"}},
        {"read": {"key": "zz"}},
        {"remove": {"key": "c"}},
        {"scan": {"start": None, "end": None, "order": "ascending"}},
        {"scan": {"start": "a", "end": "b", "order": "descending", "mode": "next_key"}},
        {"scan": {"order": "descending", "mode": "next_value"}},
    ]
    r = host.ok("execute", env(), info(), {"storage": {"ops": ops}})
    assert json.loads(base64.b64decode(r["data"])) == [
        None,
        None,
        None,
        "2",
        None,
        None,
        [["a", "1"], ["b", "2"]],
        ["a"],
        ["2", "1"],
    ]

    r = host.ok("execute", env(), info(), {"addr": {"address": PEER}})
    assert attrs(r) == {
        "action": "addr",
        "address": PEER,
        "validate": "ok",
        "canonical": bytes(range(50, 82)).hex(),
        "humanized": PEER,
        "round_trip": "true",
    }
    bad = attrs(host.ok("execute", env(), info(), {"addr": {"address": "qor1nope"}}))
    assert bad["validate_error"].startswith("Invalid address") and "canonical" not in bad

    msgs, sigs, pks = ["00", "0102"], ["aa" * 64, "bb" * 64], ["cc" * 32]
    r = host.ok(
        "execute",
        env(),
        info(),
        {"ed25519_batch_verify": {"messages": msgs, "signatures": sigs, "pubkeys": pks}},
    )
    assert attrs(r)["result"] == "0"
    assert host.log[-1] == (
        "ed25519_batch_verify",
        [
            [bytes.fromhex(x) for x in msgs],
            [bytes.fromhex(x) for x in sigs],
            [bytes.fromhex(pks[0])],
        ],
    )
    r = host.ok(
        "execute",
        env(),
        info(),
        {
            "secp256k1_recover_pubkey": {
                "hash": "11" * 32,
                "signature": "22" * 64,
                "recovery_param": 1,
            }
        },
    )
    assert attrs(r)["pubkey"] == "04" + "11" * 64
    r = host.ok(
        "execute",
        env(),
        info(),
        {
            "secp256r1_recover_pubkey": {
                "hash": "11" * 32,
                "signature": "22" * 64,
                "recovery_param": 5,
            }
        },
    )
    assert attrs(r)["result"] == "7" and "pubkey" not in attrs(r)
    r = host.ok("execute", env(), info(), {"bls12_381_hash_to_g2": {"msg": "abcd", "dst": "00"}})
    assert attrs(r)["point"] == "b2" * 96

    q = host.query({"secp256r1_verify": {"hash": "00", "signature": "01", "pubkey": "02"}})
    assert q == {"attributes": {"result": "1"}, "data": None}

    host.ok("execute", env(), info(), {"debug": {"message": "hello"}})
    assert host.log[-1] == ("debug", "hello")
    with pytest.raises(Aborted, match=r"^stop here$"):
        host.call("execute", env(), info(), {"abort": {"message": "stop here"}})
    with pytest.raises(Aborted, match="oh no"):
        host.call("execute", env(), info(), {"panic": {"message": "oh no"}})


def test_failure_contracts_fail_the_way_they_say() -> None:
    host = MiniHost("minimal")
    assert host.ok("instantiate", env(), info(), {})["attributes"] == []
    host.ok("execute", env(), info(), {})
    assert host.storage == {b"k": b"v"}

    traps = {
        "panic": "unreachable",
        "loop": "fuel",
        "storage_loop": "fuel",
        "membomb": "out of bounds memory access",  # memory.grow refused at the limit
    }
    for name, reason in traps.items():
        h = MiniHost(name)
        h.memory_limit = 16 * 1024 * 1024
        h.ok("instantiate", env(), info(), {})
        fuel = 10**9 if name == "membomb" else 100_000
        with pytest.raises(wasmtime.Trap, match=reason):
            h.call_raw("execute", env(), info(), {}, fuel=fuel)
        if name == "storage_loop":
            assert len(h.storage) > 1000  # a new key per write until the fuel ran out

    huge = MiniHost("huge_response").call_raw("execute", env(), info(), {}, fuel=10**9)
    assert len(huge) == 20 * 1024 * 1024
    assert json.loads(huge)["ok"]["data"] == "A" * (20 * 1024 * 1024 - 60)

    assert MiniHost("bad_result").call_raw("execute", env(), info(), {}) == b"not json"
