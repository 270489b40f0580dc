// imports: calls every `env` import a cosmwasm-std 2.x contract can use and reports what it got,
// so a host test can check each import on its own. Requires the `iterator` capability.
//
// execute, sudo and query accept the same messages (see native/cosmwasm/README.md). Each handler
// yields attributes (and sometimes data): execute/sudo return them as Response attributes (after
// action=<variant>) and Response.data; query returns {"attributes": {k: v, ...}, "data": b64|null}.
#![allow(dead_code)]

#[path = "../common/cw.rs"]
mod cw;
#[path = "../common/json.rs"]
mod json;

use cw::Response;
use json::{num, obj, s, Json};

const VARIANTS: &str = "`storage`, `addr`, `addr_validate`, `addr_canonicalize`, `addr_humanize`, \
`secp256k1_verify`, `secp256k1_recover_pubkey`, `secp256r1_verify`, `secp256r1_recover_pubkey`, \
`ed25519_verify`, `ed25519_batch_verify`, `bls12_381_aggregate_g1`, `bls12_381_aggregate_g2`, \
`bls12_381_pairing_equality`, `bls12_381_hash_to_g1`, `bls12_381_hash_to_g2`, `debug`, `abort`, \
`panic`, `query_chain`";

#[no_mangle]
pub extern "C" fn requires_iterator() {}

struct Out {
    attrs: Vec<(String, String)>,
    data: Option<Vec<u8>>,
}

impl Out {
    fn new() -> Out {
        Out { attrs: Vec::new(), data: None }
    }
    fn attr(&mut self, k: &str, v: &str) {
        self.attrs.push((k.to_string(), v.to_string()));
    }
}

fn hex_field(body: &Json, key: &str) -> Result<Vec<u8>, String> {
    cw::hex_decode(json::str_field(body, key)?).map_err(|e| format!("`{}`: {}", key, e))
}

fn hex_list(body: &Json, key: &str) -> Result<Vec<Vec<u8>>, String> {
    json::arr_field(body, key)?
        .iter()
        .map(|v| {
            let t = v.as_str().ok_or_else(|| format!("`{}`: expected hex strings", key))?;
            cw::hex_decode(t).map_err(|e| format!("`{}`: {}", key, e))
        })
        .collect()
}

fn text(bytes: &[u8]) -> Json {
    s(&String::from_utf8_lossy(bytes))
}

fn order(body: &Json) -> Result<i32, String> {
    match body.get("order") {
        None | Some(Json::Null) => Ok(cw::ASCENDING),
        Some(Json::Str(o)) if o == "ascending" => Ok(cw::ASCENDING),
        Some(Json::Str(o)) if o == "descending" => Ok(cw::DESCENDING),
        // any other integer is passed through, to test the host's rejection of bad orders
        Some(v) => v
            .as_i64()
            .map(|o| o as i32)
            .ok_or_else(|| "`order`: expected \"ascending\", \"descending\" or an integer".to_string()),
    }
}

/// One step of iterator `it` in `mode`; None once exhausted.
fn step(it: u32, mode: &str) -> Result<Option<Json>, String> {
    Ok(match mode {
        "next" => cw::db_next(it).map(|(k, v)| Json::Arr(vec![text(&k), text(&v)])),
        "next_key" => cw::db_next_key(it).map(|k| text(&k)),
        "next_value" => cw::db_next_value(it).map(|v| text(&v)),
        other => return Err(format!("unknown iterator mode `{}`", other)),
    })
}

fn storage(body: &Json) -> Result<Out, String> {
    let mut results = Vec::new();
    for op in json::arr_field(body, "ops")? {
        let (name, b) = op.variant().ok_or("each op is {\"<name>\": {...}}")?;
        let result = match name {
            "write" => {
                cw::db_write(json::str_field(b, "key")?.as_bytes(), json::str_field(b, "value")?.as_bytes());
                Json::Null
            }
            "read" => match cw::db_read(json::str_field(b, "key")?.as_bytes()) {
                Some(v) => text(&v),
                None => Json::Null,
            },
            "remove" => {
                cw::db_remove(json::str_field(b, "key")?.as_bytes());
                Json::Null
            }
            "scan" => {
                let start = json::opt_str(b, "start")?;
                let end = json::opt_str(b, "end")?;
                let mode = json::opt_str(b, "mode")?.unwrap_or("next");
                let limit = json::opt_u64(b, "limit")?.unwrap_or(u64::MAX);
                let it = cw::db_scan(start.map(str::as_bytes), end.map(str::as_bytes), order(b)?);
                let mut items = Vec::new();
                while (items.len() as u64) < limit {
                    match step(it, mode)? {
                        Some(item) => items.push(item),
                        None => break,
                    }
                }
                Json::Arr(items)
            }
            "open" => {
                let start = json::opt_str(b, "start")?;
                let end = json::opt_str(b, "end")?;
                num(cw::db_scan(start.map(str::as_bytes), end.map(str::as_bytes), order(b)?))
            }
            "next" => {
                let it = json::u64_field(b, "iterator")? as u32;
                let mode = json::opt_str(b, "mode")?.unwrap_or("next");
                step(it, mode)?.unwrap_or(Json::Null)
            }
            other => return Err(format!("unknown storage op `{}`", other)),
        };
        results.push(result);
    }
    let mut out = Out::new();
    out.attr("ops", &results.len().to_string());
    out.data = Some(Json::Arr(results).dump());
    Ok(out)
}

fn addr_validate(out: &mut Out, address: &str) {
    match cw::addr_validate(address) {
        Ok(()) => out.attr("validate", "ok"),
        Err(e) => out.attr("validate_error", &e),
    }
}

fn addr_canonicalize(out: &mut Out, address: &str) -> Option<Vec<u8>> {
    match cw::addr_canonicalize(address) {
        Ok(c) => {
            out.attr("canonical", &cw::hex_encode(&c));
            Some(c)
        }
        Err(e) => {
            out.attr("canonicalize_error", &e);
            None
        }
    }
}

fn addr_humanize(out: &mut Out, canonical: &[u8]) -> Option<String> {
    match cw::addr_humanize(canonical) {
        Ok(h) => {
            out.attr("humanized", &h);
            Some(h)
        }
        Err(e) => {
            out.attr("humanize_error", &e);
            None
        }
    }
}

fn recover(out: &mut Out, result: Result<Vec<u8>, u32>) {
    match result {
        Ok(pubkey) => {
            out.attr("result", "0");
            out.attr("pubkey", &cw::hex_encode(&pubkey));
        }
        Err(code) => out.attr("result", &code.to_string()),
    }
}

fn point(out: &mut Out, (code, p): (u32, Vec<u8>)) {
    out.attr("result", &code.to_string());
    if code == 0 {
        out.attr("point", &cw::hex_encode(&p));
    }
}

fn hash_function(body: &Json) -> Result<u32, String> {
    Ok(json::opt_u64(body, "hash_function")?.unwrap_or(0) as u32)
}

fn handle(msg: &Json) -> Result<(String, Out), String> {
    let (name, b) = cw::variant(msg, VARIANTS)?;
    let mut out = Out::new();
    match name {
        "storage" => out = storage(b)?,
        "addr" => {
            let address = json::str_field(b, "address")?;
            out.attr("address", address);
            addr_validate(&mut out, address);
            if let Some(c) = addr_canonicalize(&mut out, address) {
                let h = addr_humanize(&mut out, &c);
                out.attr("round_trip", if h.as_deref() == Some(address) { "true" } else { "false" });
            }
        }
        "addr_validate" => addr_validate(&mut out, json::str_field(b, "address")?),
        "addr_canonicalize" => {
            addr_canonicalize(&mut out, json::str_field(b, "address")?);
        }
        "addr_humanize" => {
            addr_humanize(&mut out, &hex_field(b, "canonical")?);
        }
        "secp256k1_verify" => {
            let code = cw::secp256k1_verify(&hex_field(b, "hash")?, &hex_field(b, "signature")?, &hex_field(b, "pubkey")?);
            out.attr("result", &code.to_string());
        }
        "secp256r1_verify" => {
            let code = cw::secp256r1_verify(&hex_field(b, "hash")?, &hex_field(b, "signature")?, &hex_field(b, "pubkey")?);
            out.attr("result", &code.to_string());
        }
        "secp256k1_recover_pubkey" => {
            let param = json::u64_field(b, "recovery_param")? as u32;
            recover(&mut out, cw::secp256k1_recover_pubkey(&hex_field(b, "hash")?, &hex_field(b, "signature")?, param));
        }
        "secp256r1_recover_pubkey" => {
            let param = json::u64_field(b, "recovery_param")? as u32;
            recover(&mut out, cw::secp256r1_recover_pubkey(&hex_field(b, "hash")?, &hex_field(b, "signature")?, param));
        }
        "ed25519_verify" => {
            let code = cw::ed25519_verify(&hex_field(b, "message")?, &hex_field(b, "signature")?, &hex_field(b, "pubkey")?);
            out.attr("result", &code.to_string());
        }
        "ed25519_batch_verify" => {
            let code = cw::ed25519_batch_verify(
                &hex_list(b, "messages")?,
                &hex_list(b, "signatures")?,
                &hex_list(b, "pubkeys")?,
            );
            out.attr("result", &code.to_string());
        }
        "bls12_381_aggregate_g1" => point(&mut out, cw::bls12_381_aggregate_g1(&hex_field(b, "points")?)),
        "bls12_381_aggregate_g2" => point(&mut out, cw::bls12_381_aggregate_g2(&hex_field(b, "points")?)),
        "bls12_381_pairing_equality" => {
            let code = cw::bls12_381_pairing_equality(
                &hex_field(b, "ps")?,
                &hex_field(b, "qs")?,
                &hex_field(b, "r")?,
                &hex_field(b, "s")?,
            );
            out.attr("result", &code.to_string());
        }
        "bls12_381_hash_to_g1" => point(
            &mut out,
            cw::bls12_381_hash_to_g1(hash_function(b)?, &hex_field(b, "msg")?, &hex_field(b, "dst")?),
        ),
        "bls12_381_hash_to_g2" => point(
            &mut out,
            cw::bls12_381_hash_to_g2(hash_function(b)?, &hex_field(b, "msg")?, &hex_field(b, "dst")?),
        ),
        "debug" => {
            let message = json::str_field(b, "message")?;
            cw::debug(message);
            out.attr("debug", message);
        }
        "abort" => cw::abort(json::str_field(b, "message")?),
        "panic" => panic!("{}", json::str_field(b, "message")?),
        "query_chain" => {
            // a JSON request is sent compactly serialized; a string is sent as its raw bytes
            let request = json::field(b, "request")?;
            let bytes = match request {
                Json::Str(raw) => raw.as_bytes().to_vec(),
                other => other.dump(),
            };
            let response = cw::query_chain(&bytes);
            out.attr("response", &String::from_utf8_lossy(&response));
            out.data = Some(response);
        }
        other => return Err(cw::unknown_variant(other, VARIANTS)),
    }
    Ok((name.to_string(), out))
}

fn to_response(msg: &Json) -> Result<Response, String> {
    let (name, out) = handle(msg)?;
    let mut r = Response::new();
    r.attr("action", &name);
    r.attributes.extend(out.attrs);
    r.data = out.data;
    Ok(r)
}

fn instantiate_impl(_env: &Json, _info: &Json, _msg: &Json) -> Result<Response, String> {
    let mut r = Response::new();
    r.attr("action", "instantiate");
    Ok(r)
}

fn execute_impl(_env: &Json, _info: &Json, msg: &Json) -> Result<Response, String> {
    to_response(msg)
}

fn sudo_impl(_env: &Json, msg: &Json) -> Result<Response, String> {
    to_response(msg)
}

fn query_impl(_env: &Json, msg: &Json) -> Result<Vec<u8>, String> {
    let (_, out) = handle(msg)?;
    let attrs = Json::Obj(out.attrs.into_iter().map(|(k, v)| (k, s(&v))).collect());
    let data = out.data.map(|d| s(&cw::b64_encode(&d))).unwrap_or(Json::Null);
    Ok(obj(vec![("attributes", attrs), ("data", data)]).dump())
}

#[no_mangle]
pub extern "C" fn instantiate(env: u32, info: u32, msg: u32) -> u32 {
    cw::run_with_info(env, info, msg, instantiate_impl)
}

#[no_mangle]
pub extern "C" fn execute(env: u32, info: u32, msg: u32) -> u32 {
    cw::run_with_info(env, info, msg, execute_impl)
}

#[no_mangle]
pub extern "C" fn sudo(env: u32, msg: u32) -> u32 {
    cw::run(env, msg, sudo_impl)
}

#[no_mangle]
pub extern "C" fn query(env: u32, msg: u32) -> u32 {
    cw::run_query(env, msg, query_impl)
}
