// The CosmWasm contract ABI (cosmwasm-std 2.x, interface_version_8) without cosmwasm-std:
// Region memory handoff, the required exports, typed wrappers over every `env` import, base64/hex,
// Uint128 parsing, Response/SubMsg JSON and entry point glue. Include with
//   #[path = "../common/json.rs"] mod json;
//   #[path = "../common/cw.rs"] mod cw;
// Only the imports a contract actually calls end up in its Wasm import section.

use crate::json::{self, num, obj, s, Json};

/// cosmwasm-std's Region: a (pointer, capacity, length) triple in linear memory, little-endian u32s.
#[repr(C)]
pub struct Region {
    pub offset: u32,
    pub capacity: u32,
    pub length: u32,
}

#[link(wasm_import_module = "env")]
extern "C" {
    #[link_name = "db_read"]
    fn imp_db_read(key: u32) -> u32;
    #[link_name = "db_write"]
    fn imp_db_write(key: u32, value: u32);
    #[link_name = "db_remove"]
    fn imp_db_remove(key: u32);
    #[link_name = "db_scan"]
    fn imp_db_scan(start: u32, end: u32, order: i32) -> u32;
    #[link_name = "db_next"]
    fn imp_db_next(iterator_id: u32) -> u32;
    #[link_name = "db_next_key"]
    fn imp_db_next_key(iterator_id: u32) -> u32;
    #[link_name = "db_next_value"]
    fn imp_db_next_value(iterator_id: u32) -> u32;
    #[link_name = "addr_validate"]
    fn imp_addr_validate(source: u32) -> u32;
    #[link_name = "addr_canonicalize"]
    fn imp_addr_canonicalize(source: u32, destination: u32) -> u32;
    #[link_name = "addr_humanize"]
    fn imp_addr_humanize(source: u32, destination: u32) -> u32;
    #[link_name = "secp256k1_verify"]
    fn imp_secp256k1_verify(hash: u32, signature: u32, pubkey: u32) -> u32;
    #[link_name = "secp256k1_recover_pubkey"]
    fn imp_secp256k1_recover_pubkey(hash: u32, signature: u32, param: u32) -> u64;
    #[link_name = "secp256r1_verify"]
    fn imp_secp256r1_verify(hash: u32, signature: u32, pubkey: u32) -> u32;
    #[link_name = "secp256r1_recover_pubkey"]
    fn imp_secp256r1_recover_pubkey(hash: u32, signature: u32, param: u32) -> u64;
    #[link_name = "ed25519_verify"]
    fn imp_ed25519_verify(message: u32, signature: u32, pubkey: u32) -> u32;
    #[link_name = "ed25519_batch_verify"]
    fn imp_ed25519_batch_verify(messages: u32, signatures: u32, pubkeys: u32) -> u32;
    #[link_name = "bls12_381_aggregate_g1"]
    fn imp_bls12_381_aggregate_g1(g1s: u32, out: u32) -> u32;
    #[link_name = "bls12_381_aggregate_g2"]
    fn imp_bls12_381_aggregate_g2(g2s: u32, out: u32) -> u32;
    #[link_name = "bls12_381_pairing_equality"]
    fn imp_bls12_381_pairing_equality(ps: u32, qs: u32, r: u32, s: u32) -> u32;
    #[link_name = "bls12_381_hash_to_g1"]
    fn imp_bls12_381_hash_to_g1(hash_function: u32, msg: u32, dst: u32, out: u32) -> u32;
    #[link_name = "bls12_381_hash_to_g2"]
    fn imp_bls12_381_hash_to_g2(hash_function: u32, msg: u32, dst: u32, out: u32) -> u32;
    #[link_name = "debug"]
    fn imp_debug(message: u32);
    #[link_name = "abort"]
    fn imp_abort(message: u32);
    #[link_name = "query_chain"]
    fn imp_query_chain(request: u32) -> u32;
}

// ---------------------------------------------------------------------------------------------
// Memory handoff (cosmwasm-std memory.rs semantics)

/// Hand `data` to the host: leak the Vec and a Region describing it, return the Region's address.
pub fn release(data: Vec<u8>) -> u32 {
    let mut data = std::mem::ManuallyDrop::new(data);
    let region = Box::new(Region {
        offset: data.as_mut_ptr() as u32,
        capacity: data.capacity() as u32,
        length: data.len() as u32,
    });
    Box::into_raw(region) as u32
}

/// An empty Region of `size` bytes capacity for the host to fill.
pub fn alloc(size: usize) -> u32 {
    release(Vec::with_capacity(size))
}

/// Take back ownership of a Region created by `allocate`/`release` (by us or by the host).
pub fn consume(ptr: u32) -> Vec<u8> {
    if ptr == 0 {
        panic!("Region pointer is null");
    }
    unsafe {
        let region = Box::from_raw(ptr as *mut Region);
        if region.offset == 0 {
            panic!("Region starts at null pointer");
        }
        if region.length > region.capacity {
            panic!("Region length exceeds capacity");
        }
        Vec::from_raw_parts(
            region.offset as *mut u8,
            region.length as usize,
            region.capacity as usize,
        )
    }
}

/// A Region borrowing `data` (for arguments to imports); keep it alive across the call.
pub fn borrow(data: &[u8]) -> Box<Region> {
    Box::new(Region {
        offset: data.as_ptr() as u32,
        capacity: data.len() as u32,
        length: data.len() as u32,
    })
}

fn addr(region: &Box<Region>) -> u32 {
    &**region as *const Region as u32
}

#[no_mangle]
pub extern "C" fn interface_version_8() {}

#[no_mangle]
pub extern "C" fn allocate(size: usize) -> u32 {
    alloc(size)
}

#[no_mangle]
pub extern "C" fn deallocate(pointer: u32) {
    drop(consume(pointer));
}

// ---------------------------------------------------------------------------------------------
// Storage

pub fn db_read(key: &[u8]) -> Option<Vec<u8>> {
    let k = borrow(key);
    let ptr = unsafe { imp_db_read(addr(&k)) };
    if ptr == 0 {
        None
    } else {
        Some(consume(ptr))
    }
}

pub fn db_write(key: &[u8], value: &[u8]) {
    let (k, v) = (borrow(key), borrow(value));
    unsafe { imp_db_write(addr(&k), addr(&v)) }
}

pub fn db_remove(key: &[u8]) {
    let k = borrow(key);
    unsafe { imp_db_remove(addr(&k)) }
}

/// Order values of cosmwasm_std::Order.
pub const ASCENDING: i32 = 1;
pub const DESCENDING: i32 = 2;

/// Open an iterator over [start, end); a missing bound is passed as a null Region pointer.
pub fn db_scan(start: Option<&[u8]>, end: Option<&[u8]>, order: i32) -> u32 {
    let s = start.map(borrow);
    let e = end.map(borrow);
    let sp = s.as_ref().map(addr).unwrap_or(0);
    let ep = e.as_ref().map(addr).unwrap_or(0);
    unsafe { imp_db_scan(sp, ep, order) }
}

/// db_next returns the sections `key || u32be(len(key)) || value || u32be(len(value))`;
/// an empty key means the iterator is exhausted.
pub fn db_next(iterator_id: u32) -> Option<(Vec<u8>, Vec<u8>)> {
    let data = consume(unsafe { imp_db_next(iterator_id) });
    let mut sections = decode_sections(&data);
    if sections.len() != 2 {
        panic!("db_next: expected 2 sections, got {}", sections.len());
    }
    let value = sections.pop().unwrap_or_default();
    let key = sections.pop().unwrap_or_default();
    if key.is_empty() {
        None
    } else {
        Some((key, value))
    }
}

/// db_next_key / db_next_value return a null pointer once the iterator is exhausted.
pub fn db_next_key(iterator_id: u32) -> Option<Vec<u8>> {
    let ptr = unsafe { imp_db_next_key(iterator_id) };
    if ptr == 0 {
        None
    } else {
        Some(consume(ptr))
    }
}

pub fn db_next_value(iterator_id: u32) -> Option<Vec<u8>> {
    let ptr = unsafe { imp_db_next_value(iterator_id) };
    if ptr == 0 {
        None
    } else {
        Some(consume(ptr))
    }
}

/// Sections encoding (cosmwasm-std sections.rs): every section is `data || u32be(len(data))`.
pub fn encode_sections(sections: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for sec in sections {
        out.extend_from_slice(sec);
        out.extend_from_slice(&(sec.len() as u32).to_be_bytes());
    }
    out
}

/// Decode sections, reading lengths from the end backwards.
pub fn decode_sections(data: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut end = data.len();
    while end > 0 {
        if end < 4 {
            panic!("sections: truncated length");
        }
        let n = u32::from_be_bytes([data[end - 4], data[end - 3], data[end - 2], data[end - 1]])
            as usize;
        end -= 4;
        if n > end {
            panic!("sections: length exceeds data");
        }
        out.push(data[end - n..end].to_vec());
        end -= n;
    }
    out.reverse();
    out
}

// ---------------------------------------------------------------------------------------------
// Addresses: Err carries the host's error text verbatim.

/// cosmwasm-std 2.x buffer sizes for addr_canonicalize / addr_humanize outputs.
pub const CANONICAL_ADDRESS_BUFFER_LENGTH: usize = 64;
pub const HUMAN_ADDRESS_BUFFER_LENGTH: usize = 90;

fn host_error(ptr: u32) -> String {
    String::from_utf8_lossy(&consume(ptr)).into_owned()
}

pub fn addr_validate(address: &str) -> Result<(), String> {
    let src = borrow(address.as_bytes());
    match unsafe { imp_addr_validate(addr(&src)) } {
        0 => Ok(()),
        err => Err(host_error(err)),
    }
}

pub fn addr_canonicalize(address: &str) -> Result<Vec<u8>, String> {
    let src = borrow(address.as_bytes());
    let dst = alloc(CANONICAL_ADDRESS_BUFFER_LENGTH);
    match unsafe { imp_addr_canonicalize(addr(&src), dst) } {
        0 => Ok(consume(dst)),
        err => {
            drop(consume(dst));
            Err(host_error(err))
        }
    }
}

pub fn addr_humanize(canonical: &[u8]) -> Result<String, String> {
    let src = borrow(canonical);
    let dst = alloc(HUMAN_ADDRESS_BUFFER_LENGTH);
    match unsafe { imp_addr_humanize(addr(&src), dst) } {
        0 => Ok(String::from_utf8_lossy(&consume(dst)).into_owned()),
        err => {
            drop(consume(dst));
            Err(host_error(err))
        }
    }
}

/// What cosmwasm-std's `deps.api.addr_validate(..)?` turns a host error into.
pub fn validate(address: &str) -> Result<String, String> {
    addr_validate(address)
        .map(|_| address.to_string())
        .map_err(|e| format!("Generic error: addr_validate errored: {}", e))
}

// ---------------------------------------------------------------------------------------------
// Crypto: raw result codes (0 = valid/success, 1 = invalid, larger = host error code).

pub fn secp256k1_verify(hash: &[u8], sig: &[u8], pubkey: &[u8]) -> u32 {
    let (h, s, p) = (borrow(hash), borrow(sig), borrow(pubkey));
    unsafe { imp_secp256k1_verify(addr(&h), addr(&s), addr(&p)) }
}

pub fn secp256r1_verify(hash: &[u8], sig: &[u8], pubkey: &[u8]) -> u32 {
    let (h, s, p) = (borrow(hash), borrow(sig), borrow(pubkey));
    unsafe { imp_secp256r1_verify(addr(&h), addr(&s), addr(&p)) }
}

/// The u64 result: high half = error code, low half = Region pointer of the pubkey (code 0).
fn recovered(result: u64) -> Result<Vec<u8>, u32> {
    let code = (result >> 32) as u32;
    let ptr = (result & 0xFFFF_FFFF) as u32;
    if code == 0 {
        Ok(consume(ptr))
    } else {
        Err(code)
    }
}

pub fn secp256k1_recover_pubkey(hash: &[u8], sig: &[u8], param: u32) -> Result<Vec<u8>, u32> {
    let (h, s) = (borrow(hash), borrow(sig));
    recovered(unsafe { imp_secp256k1_recover_pubkey(addr(&h), addr(&s), param) })
}

pub fn secp256r1_recover_pubkey(hash: &[u8], sig: &[u8], param: u32) -> Result<Vec<u8>, u32> {
    let (h, s) = (borrow(hash), borrow(sig));
    recovered(unsafe { imp_secp256r1_recover_pubkey(addr(&h), addr(&s), param) })
}

pub fn ed25519_verify(message: &[u8], sig: &[u8], pubkey: &[u8]) -> u32 {
    let (m, s, p) = (borrow(message), borrow(sig), borrow(pubkey));
    unsafe { imp_ed25519_verify(addr(&m), addr(&s), addr(&p)) }
}

/// Messages, signatures and public keys each go to the host sections-encoded.
pub fn ed25519_batch_verify(messages: &[Vec<u8>], sigs: &[Vec<u8>], pubkeys: &[Vec<u8>]) -> u32 {
    let (m, s, p) = (encode_sections(messages), encode_sections(sigs), encode_sections(pubkeys));
    let (mr, sr, pr) = (borrow(&m), borrow(&s), borrow(&p));
    unsafe { imp_ed25519_batch_verify(addr(&mr), addr(&sr), addr(&pr)) }
}

pub const BLS12_381_G1_POINT_LEN: usize = 48;
pub const BLS12_381_G2_POINT_LEN: usize = 96;

/// (result code, output point as written by the host into an empty Region of the point size).
pub fn bls12_381_aggregate_g1(points: &[u8]) -> (u32, Vec<u8>) {
    let src = borrow(points);
    let out = alloc(BLS12_381_G1_POINT_LEN);
    let code = unsafe { imp_bls12_381_aggregate_g1(addr(&src), out) };
    (code, consume(out))
}

pub fn bls12_381_aggregate_g2(points: &[u8]) -> (u32, Vec<u8>) {
    let src = borrow(points);
    let out = alloc(BLS12_381_G2_POINT_LEN);
    let code = unsafe { imp_bls12_381_aggregate_g2(addr(&src), out) };
    (code, consume(out))
}

pub fn bls12_381_pairing_equality(ps: &[u8], qs: &[u8], r: &[u8], s: &[u8]) -> u32 {
    let (a, b, c, d) = (borrow(ps), borrow(qs), borrow(r), borrow(s));
    unsafe { imp_bls12_381_pairing_equality(addr(&a), addr(&b), addr(&c), addr(&d)) }
}

pub fn bls12_381_hash_to_g1(hash_function: u32, msg: &[u8], dst: &[u8]) -> (u32, Vec<u8>) {
    let (m, d) = (borrow(msg), borrow(dst));
    let out = alloc(BLS12_381_G1_POINT_LEN);
    let code = unsafe { imp_bls12_381_hash_to_g1(hash_function, addr(&m), addr(&d), out) };
    (code, consume(out))
}

pub fn bls12_381_hash_to_g2(hash_function: u32, msg: &[u8], dst: &[u8]) -> (u32, Vec<u8>) {
    let (m, d) = (borrow(msg), borrow(dst));
    let out = alloc(BLS12_381_G2_POINT_LEN);
    let code = unsafe { imp_bls12_381_hash_to_g2(hash_function, addr(&m), addr(&d), out) };
    (code, consume(out))
}

// ---------------------------------------------------------------------------------------------
// debug, abort, query_chain

pub fn debug(message: &str) {
    let m = borrow(message.as_bytes());
    unsafe { imp_debug(addr(&m)) }
}

/// Abort the contract with `message`; the host never returns from this import.
pub fn abort(message: &str) -> ! {
    let m = borrow(message.as_bytes());
    unsafe { imp_abort(addr(&m)) };
    std::process::abort()
}

/// Panics report through `abort`, like cosmwasm-std's panic handler.
pub fn install_panic_handler() {
    std::panic::set_hook(Box::new(|info| {
        let full = info.to_string();
        abort(&full);
    }));
}

/// Raw query: request bytes in, SystemResult<ContractResult<Binary>> JSON bytes out.
pub fn query_chain(request: &[u8]) -> Vec<u8> {
    let r = borrow(request);
    consume(unsafe { imp_query_chain(addr(&r)) })
}

/// QuerierWrapper::query semantics: the inner Binary on success, cosmwasm-std's error texts else.
pub fn query(request: &Json) -> Result<Vec<u8>, String> {
    let raw = query_chain(&request.dump());
    let parsed = json::parse(&raw).map_err(|e| format!("Querier system error: invalid response: {}", e))?;
    match parsed.variant() {
        Some(("ok", inner)) => match inner.variant() {
            Some(("ok", Json::Str(b))) => b64_decode(b),
            Some(("error", e)) => Err(format!(
                "Querier contract error: {}",
                e.as_str().map(|x| x.to_string()).unwrap_or_else(|| e.dump_string())
            )),
            _ => Err(format!("Querier system error: unexpected response {}", inner.dump_string())),
        },
        Some(("error", e)) => Err(format!("Querier system error: {}", e.dump_string())),
        _ => Err(format!("Querier system error: unexpected response {}", parsed.dump_string())),
    }
}

// ---------------------------------------------------------------------------------------------
// Encodings

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding (cosmwasm_std::Binary's JSON form).
pub fn b64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity((data.len() + 2) / 3 * 4);
    for c in data.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Standard alphabet; padding optional (cosmwasm-std decodes padding-indifferent).
pub fn b64_decode(text: &str) -> Result<Vec<u8>, String> {
    let bytes = text.as_bytes();
    let body = match bytes.iter().position(|&c| c == b'=') {
        Some(p) => {
            if bytes[p..].iter().any(|&c| c != b'=') || bytes.len() % 4 != 0 || bytes.len() - p > 2 {
                return Err("Invalid Base64 string: invalid padding".to_string());
            }
            &bytes[..p]
        }
        None => bytes,
    };
    if body.len() % 4 == 1 {
        return Err("Invalid Base64 string: invalid length".to_string());
    }
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in body {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return Err("Invalid Base64 string: invalid symbol".to_string()),
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Ok(out)
}

pub fn hex_encode(data: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(data.len() * 2);
    for &b in data {
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 15) as usize] as char);
    }
    out
}

pub fn hex_decode(text: &str) -> Result<Vec<u8>, String> {
    let t = text.strip_prefix("0x").unwrap_or(text).as_bytes();
    if t.len() % 2 != 0 {
        return Err("invalid hex: odd length".to_string());
    }
    let digit = |c: u8| -> Result<u8, String> {
        match c {
            b'0'..=b'9' => Ok(c - b'0'),
            b'a'..=b'f' => Ok(c - b'a' + 10),
            b'A'..=b'F' => Ok(c - b'A' + 10),
            _ => Err("invalid hex: bad digit".to_string()),
        }
    };
    t.chunks(2).map(|p| Ok(digit(p[0])? << 4 | digit(p[1])?)).collect()
}

/// Uint128 from its JSON form (a decimal string).
pub fn parse_u128(v: &Json, what: &str) -> Result<u128, String> {
    let text = v
        .as_str()
        .ok_or_else(|| format!("invalid type for `{}`: expected a string-encoded integer", what))?;
    if text.is_empty() || !text.bytes().all(|c| c.is_ascii_digit()) {
        return Err(format!("Parsing u128: invalid digit in `{}`", what));
    }
    text.parse::<u128>().map_err(|_| format!("Parsing u128: number too large in `{}`", what))
}

// ---------------------------------------------------------------------------------------------
// Response and messages (cosmwasm_std::Response / SubMsg / Event JSON)

pub struct Response {
    pub messages: Vec<Json>,
    pub attributes: Vec<(String, String)>,
    pub events: Vec<Json>,
    pub data: Option<Vec<u8>>,
}

pub fn attributes_json(attrs: &[(String, String)]) -> Json {
    Json::Arr(attrs.iter().map(|(k, v)| obj(vec![("key", s(k)), ("value", s(v))])).collect())
}

/// SubMsg JSON with cosmwasm-std 2.x field order.
pub fn sub_msg(id: u64, payload_b64: &str, msg: Json, gas_limit: Option<u64>, reply_on: &str) -> Json {
    obj(vec![
        ("id", num(id)),
        ("payload", s(payload_b64)),
        ("msg", msg),
        ("gas_limit", gas_limit.map(num).unwrap_or(Json::Null)),
        ("reply_on", s(reply_on)),
    ])
}

impl Response {
    pub fn new() -> Response {
        Response { messages: Vec::new(), attributes: Vec::new(), events: Vec::new(), data: None }
    }

    pub fn attr(&mut self, key: &str, value: &str) -> &mut Response {
        self.attributes.push((key.to_string(), value.to_string()));
        self
    }

    /// A plain message (SubMsg with reply_on "never", id 0).
    pub fn message(&mut self, msg: Json) -> &mut Response {
        self.messages.push(sub_msg(0, "", msg, None, "never"));
        self
    }

    pub fn event(&mut self, ty: &str, attrs: &[(String, String)]) -> &mut Response {
        self.events.push(obj(vec![("type", s(ty)), ("attributes", attributes_json(attrs))]));
        self
    }

    /// Append another response's messages, attributes and events; its data wins if set.
    pub fn merge(&mut self, other: Response) {
        self.messages.extend(other.messages);
        self.attributes.extend(other.attributes);
        self.events.extend(other.events);
        if other.data.is_some() {
            self.data = other.data;
        }
    }

    pub fn to_json(&self) -> Json {
        obj(vec![
            ("messages", Json::Arr(self.messages.clone())),
            ("attributes", attributes_json(&self.attributes)),
            ("events", Json::Arr(self.events.clone())),
            ("data", self.data.as_ref().map(|d| s(&b64_encode(d))).unwrap_or(Json::Null)),
        ])
    }
}

/// CosmosMsg::Wasm(WasmMsg::Execute) with a JSON message.
pub fn wasm_execute(contract_addr: &str, msg: &Json, funds: Json) -> Json {
    obj(vec![(
        "wasm",
        obj(vec![(
            "execute",
            obj(vec![
                ("contract_addr", s(contract_addr)),
                ("msg", s(&b64_encode(&msg.dump()))),
                ("funds", funds),
            ]),
        )]),
    )])
}

/// QueryRequest::Wasm(WasmQuery::Smart).
pub fn smart_query(contract_addr: &str, msg: &Json) -> Json {
    obj(vec![(
        "wasm",
        obj(vec![(
            "smart",
            obj(vec![("contract_addr", s(contract_addr)), ("msg", s(&b64_encode(&msg.dump())))]),
        )]),
    )])
}

// ---------------------------------------------------------------------------------------------
// Entry point glue

fn parse_arg(bytes: &[u8], ty: &str) -> Result<Json, String> {
    json::parse(bytes).map_err(|e| format!("Error parsing into type {}: {}", ty, e))
}

/// ContractResult JSON: {"ok": ...} or {"error": "..."}.
pub fn contract_result(result: Result<Json, String>) -> u32 {
    let out = match result {
        Ok(v) => obj(vec![("ok", v)]),
        Err(e) => obj(vec![("error", s(&e))]),
    };
    release(out.dump())
}

pub type WithInfoFn = fn(&Json, &Json, &Json) -> Result<Response, String>;
pub type NoInfoFn = fn(&Json, &Json) -> Result<Response, String>;
pub type QueryFn = fn(&Json, &Json) -> Result<Vec<u8>, String>;

/// instantiate / execute: (env, info, msg) -> ContractResult<Response>.
pub fn run_with_info(env: u32, info: u32, msg: u32, f: WithInfoFn) -> u32 {
    install_panic_handler();
    let (env, info, msg) = (consume(env), consume(info), consume(msg));
    contract_result((|| {
        let env = parse_arg(&env, "cosmwasm_std::Env")?;
        let info = parse_arg(&info, "cosmwasm_std::MessageInfo")?;
        let msg = parse_arg(&msg, "Msg")?;
        f(&env, &info, &msg).map(|r| r.to_json())
    })())
}

/// migrate / sudo / reply: (env, msg) -> ContractResult<Response>.
pub fn run(env: u32, msg: u32, f: NoInfoFn) -> u32 {
    install_panic_handler();
    let (env, msg) = (consume(env), consume(msg));
    contract_result((|| {
        let env = parse_arg(&env, "cosmwasm_std::Env")?;
        let msg = parse_arg(&msg, "Msg")?;
        f(&env, &msg).map(|r| r.to_json())
    })())
}

/// query: (env, msg) -> ContractResult<Binary> i.e. {"ok": "<base64>"}.
pub fn run_query(env: u32, msg: u32, f: QueryFn) -> u32 {
    install_panic_handler();
    let (env, msg) = (consume(env), consume(msg));
    contract_result((|| {
        let env = parse_arg(&env, "cosmwasm_std::Env")?;
        let msg = parse_arg(&msg, "QueryMsg")?;
        f(&env, &msg).map(|bin| s(&b64_encode(&bin)))
    })())
}

pub fn contract_address(env: &Json) -> Result<String, String> {
    let contract = json::field(env, "contract")?;
    Ok(json::str_field(contract, "address")?.to_string())
}

pub fn sender(info: &Json) -> Result<String, String> {
    Ok(json::str_field(info, "sender")?.to_string())
}

/// `{"name": body}` of an externally tagged enum message, or a serde-like error.
pub fn variant<'a>(msg: &'a Json, expected: &str) -> Result<(&'a str, &'a Json), String> {
    msg.variant()
        .ok_or_else(|| format!("Error parsing into type Msg: expected one of {}", expected))
}

pub fn unknown_variant(name: &str, expected: &str) -> String {
    format!("Error parsing into type Msg: unknown variant `{}`, expected one of {}", name, expected)
}
