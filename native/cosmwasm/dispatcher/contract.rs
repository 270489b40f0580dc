// dispatcher: emits bank/wasm/custom messages and submessages on request, records every reply,
// queries the chain, recurses through messages and queries. No capabilities (no db_scan).
// Storage: "replies" = JSON array of reply records (see README), other keys via {"write": ...}.
// Every Response carries attribute action=<variant> and one event of type "dispatched"
// (the chain reports it as "wasm-dispatched") with attributes entry_point and variant.
#![allow(dead_code)]

#[path = "../common/cw.rs"]
mod cw;
#[path = "../common/json.rs"]
mod json;

use cw::Response;
use json::{num, obj, s, Json};

const EXECUTE_VARIANTS: &str = "`bank_send`, `execute`, `instantiate`, `migrate`, `sub`, `subs`, \
`fail`, `write`, `custom`, `query_balance`, `query_smart`, `recurse`, `query_recurse`, `set_data`, `all`";
const QUERY_VARIANTS: &str =
    "`replies`, `stored`, `query_recurse`, `query_balance`, `query_smart`, `fail`";

/// A reply with this id fails (after the submessage ran), to test error propagation from reply.
const FAILING_REPLY_ID: u64 = 666;

/// cosmwasm_std::Binary from either a base64 string (kept verbatim) or any other JSON value
/// (serialized compactly, then base64-encoded).
fn binary(v: &Json, what: &str) -> Result<String, String> {
    match v {
        Json::Str(b) => {
            cw::b64_decode(b).map_err(|e| format!("`{}`: {}", what, e))?;
            Ok(b.clone())
        }
        other => Ok(cw::b64_encode(&other.dump())),
    }
}

fn funds(body: &Json) -> Json {
    body.opt("funds").cloned().unwrap_or(Json::Arr(Vec::new()))
}

fn wasm(kind: &str, fields: Vec<(&str, Json)>) -> Json {
    obj(vec![("wasm", obj(vec![(kind, obj(fields))]))])
}

fn sub_message(r: &mut Response, b: &Json) -> Result<(), String> {
    let id = json::opt_u64(b, "id")?.unwrap_or(0);
    let reply_on = json::opt_str(b, "reply_on")?.unwrap_or("always");
    if !matches!(reply_on, "always" | "success" | "error" | "never") {
        return Err(format!("unknown reply_on `{}`", reply_on));
    }
    let payload = match b.opt("payload") {
        Some(p) => binary(p, "payload")?,
        None => String::new(),
    };
    let gas_limit = json::opt_u64(b, "gas_limit")?;
    let msg = json::field(b, "msg")?.clone();
    r.messages.push(cw::sub_msg(id, &payload, msg, gas_limit, reply_on));
    Ok(())
}

fn handle(env: &Json, msg: &Json) -> Result<(String, Response), String> {
    let (name, b) = cw::variant(msg, EXECUTE_VARIANTS)?;
    let mut r = Response::new();
    match name {
        "bank_send" => {
            let to = json::str_field(b, "to_address")?;
            let amount = json::field(b, "amount")?.clone();
            r.message(obj(vec![(
                "bank",
                obj(vec![("send", obj(vec![("to_address", s(to)), ("amount", amount)]))]),
            )]));
        }
        "execute" => {
            let contract = json::str_field(b, "contract_addr")?;
            let m = binary(json::field(b, "msg")?, "msg")?;
            r.message(wasm(
                "execute",
                vec![("contract_addr", s(contract)), ("msg", s(&m)), ("funds", funds(b))],
            ));
        }
        "instantiate" => {
            let code_id = json::u64_field(b, "code_id")?;
            let m = binary(json::field(b, "msg")?, "msg")?;
            let label = json::str_field(b, "label")?;
            let admin = json::opt_str(b, "admin")?;
            r.message(wasm(
                "instantiate",
                vec![
                    ("admin", json::opt_s(admin)),
                    ("code_id", num(code_id)),
                    ("msg", s(&m)),
                    ("funds", funds(b)),
                    ("label", s(label)),
                ],
            ));
        }
        "migrate" => {
            let contract = json::str_field(b, "contract_addr")?;
            let code_id = json::u64_field(b, "new_code_id")?;
            let m = binary(json::field(b, "msg")?, "msg")?;
            r.message(wasm(
                "migrate",
                vec![("contract_addr", s(contract)), ("new_code_id", num(code_id)), ("msg", s(&m))],
            ));
        }
        "sub" => sub_message(&mut r, b)?,
        "subs" => {
            let list = b.as_arr().ok_or("`subs`: expected a list of submessages")?;
            for item in list {
                sub_message(&mut r, item)?;
            }
        }
        "fail" => return Err(json::str_field(b, "reason")?.to_string()),
        "write" => {
            let key = json::str_field(b, "key")?;
            cw::db_write(key.as_bytes(), json::str_field(b, "value")?.as_bytes());
            r.attr("key", key);
        }
        "custom" => {
            r.message(obj(vec![("custom", b.clone())]));
        }
        "query_balance" | "query_smart" | "query_recurse" => {
            let data = run_query(env, name, b)?;
            r.attr("result", &String::from_utf8_lossy(&data));
            r.data = Some(data);
        }
        "recurse" => {
            let depth = json::u64_field(b, "depth")?;
            r.attr("depth", &depth.to_string());
            if depth > 0 {
                let me = cw::contract_address(env)?;
                let next = obj(vec![("recurse", obj(vec![("depth", num(depth - 1))]))]);
                r.message(cw::wasm_execute(&me, &next, Json::Arr(Vec::new())));
            }
        }
        "set_data" => {
            let d = json::str_field(b, "data")?;
            r.data = Some(cw::b64_decode(d)?);
        }
        "all" => {
            let list = b.as_arr().ok_or("`all`: expected a list of messages")?;
            for item in list {
                let (inner, sub) = handle(env, item)?;
                r.attr("step", &inner);
                r.merge(sub);
            }
        }
        other => return Err(cw::unknown_variant(other, EXECUTE_VARIANTS)),
    }
    Ok((name.to_string(), r))
}

/// The shared query variants; returns the query response bytes.
fn run_query(env: &Json, name: &str, b: &Json) -> Result<Vec<u8>, String> {
    match name {
        "query_balance" => {
            let address = json::str_field(b, "address")?;
            let denom = json::opt_str(b, "denom")?.unwrap_or("aqor");
            let req = obj(vec![(
                "bank",
                obj(vec![("balance", obj(vec![("address", s(address)), ("denom", s(denom))]))]),
            )]);
            cw::query(&req)
        }
        "query_smart" => {
            let contract = json::str_field(b, "contract_addr")?;
            let m = binary(json::field(b, "msg")?, "msg")?;
            let req = obj(vec![(
                "wasm",
                obj(vec![("smart", obj(vec![("contract_addr", s(contract)), ("msg", s(&m))]))]),
            )]);
            cw::query(&req)
        }
        "query_recurse" => {
            let depth = json::u64_field(b, "depth")?;
            let levels = if depth == 0 {
                1
            } else {
                let me = cw::contract_address(env)?;
                let next = obj(vec![("query_recurse", obj(vec![("depth", num(depth - 1))]))]);
                let inner = json::parse(&cw::query(&cw::smart_query(&me, &next))?)?;
                json::u64_field(&inner, "levels")? + 1
            };
            Ok(obj(vec![("depth", num(depth)), ("levels", num(levels))]).dump())
        }
        other => Err(cw::unknown_variant(other, QUERY_VARIANTS)),
    }
}

fn finish(entry_point: &str, variant: &str, inner: Response) -> Response {
    let mut r = Response::new();
    r.attr("action", variant);
    r.merge(inner);
    r.event(
        "dispatched",
        &[
            ("entry_point".to_string(), entry_point.to_string()),
            ("variant".to_string(), variant.to_string()),
        ],
    );
    r
}

/// `{}` does nothing; anything else is handled as an execute message.
fn dispatch(entry_point: &str, env: &Json, msg: &Json) -> Result<Response, String> {
    if let Json::Obj(fields) = msg {
        if fields.is_empty() {
            return Ok(finish(entry_point, entry_point, Response::new()));
        }
    }
    let (variant, inner) = handle(env, msg)?;
    Ok(finish(entry_point, &variant, inner))
}

fn instantiate_impl(env: &Json, _info: &Json, msg: &Json) -> Result<Response, String> {
    dispatch("instantiate", env, msg)
}

fn execute_impl(env: &Json, _info: &Json, msg: &Json) -> Result<Response, String> {
    dispatch("execute", env, msg)
}

fn migrate_impl(env: &Json, msg: &Json) -> Result<Response, String> {
    dispatch("migrate", env, msg)
}

fn sudo_impl(env: &Json, msg: &Json) -> Result<Response, String> {
    dispatch("sudo", env, msg)
}

fn load_replies() -> Vec<Json> {
    cw::db_read(b"replies")
        .and_then(|raw| json::parse(&raw).ok())
        .and_then(|v| v.as_arr().cloned())
        .unwrap_or_default()
}

fn reply_impl(env: &Json, reply: &Json) -> Result<Response, String> {
    let id = json::u64_field(reply, "id")?;
    let payload = json::opt_str(reply, "payload")?.unwrap_or("");
    let gas_used = json::opt_u64(reply, "gas_used")?.unwrap_or(0);
    let result = json::field(reply, "result")?;
    let (kind, body) = result.variant().ok_or("`result`: expected {\"ok\": ...} or {\"error\": ...}")?;
    let count = |key: &str| num(body.get(key).and_then(Json::as_arr).map(|a| a.len()).unwrap_or(0));
    let record = match kind {
        "ok" => {
            let event_types: Vec<Json> = body
                .get("events")
                .and_then(Json::as_arr)
                .map(|evs| evs.iter().map(|e| e.get("type").cloned().unwrap_or(Json::Null)).collect())
                .unwrap_or_default();
            obj(vec![
                ("id", num(id)),
                ("result", s("ok")),
                ("error", Json::Null),
                ("data", body.get("data").cloned().unwrap_or(Json::Null)),
                ("events", count("events")),
                ("event_types", Json::Arr(event_types)),
                ("msg_responses", count("msg_responses")),
                ("payload", s(payload)),
                ("gas_used", num(gas_used)),
            ])
        }
        "error" => obj(vec![
            ("id", num(id)),
            ("result", s("error")),
            ("error", body.clone()),
            ("data", Json::Null),
            ("events", num(0)),
            ("event_types", Json::Arr(Vec::new())),
            ("msg_responses", num(0)),
            ("payload", s(payload)),
            ("gas_used", num(gas_used)),
        ]),
        other => return Err(format!("unknown reply result `{}`", other)),
    };
    let mut replies = load_replies();
    replies.push(record);
    cw::db_write(b"replies", &Json::Arr(replies).dump());

    if id == FAILING_REPLY_ID {
        return Err(format!("reply failed on purpose (id {})", id));
    }
    // The payload may carry instructions: {"fail": "..."}, {"data": "<b64>"}, {"then": <msg>}.
    let mut inner = Response::new();
    inner.attr("id", &id.to_string()).attr("result", kind);
    let decoded = cw::b64_decode(payload).ok().and_then(|p| json::parse(&p).ok());
    if let Some(p) = decoded {
        if let Some(reason) = p.opt("fail") {
            return Err(reason.as_str().map(str::to_string).unwrap_or_else(|| reason.dump_string()));
        }
        if let Some(then) = p.opt("then") {
            let (step, sub) = handle(env, then)?;
            inner.attr("then", &step);
            inner.merge(sub);
        }
        if let Some(d) = json::opt_str(&p, "data")? {
            inner.data = Some(cw::b64_decode(d)?);
        }
    }
    Ok(finish("reply", "reply", inner))
}

fn query_impl(env: &Json, msg: &Json) -> Result<Vec<u8>, String> {
    let (name, b) = cw::variant(msg, QUERY_VARIANTS)?;
    match name {
        "replies" => Ok(obj(vec![("replies", Json::Arr(load_replies()))]).dump()),
        "stored" => {
            let key = json::str_field(b, "key")?;
            let value = cw::db_read(key.as_bytes())
                .map(|v| s(&String::from_utf8_lossy(&v)))
                .unwrap_or(Json::Null);
            Ok(obj(vec![("key", s(key)), ("value", value)]).dump())
        }
        "fail" => Err(json::str_field(b, "reason")?.to_string()),
        other => run_query(env, other, b),
    }
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
pub extern "C" fn migrate(env: u32, msg: u32) -> u32 {
    cw::run(env, msg, migrate_impl)
}

#[no_mangle]
pub extern "C" fn sudo(env: u32, msg: u32) -> u32 {
    cw::run(env, msg, sudo_impl)
}

#[no_mangle]
pub extern "C" fn reply(env: u32, msg: u32) -> u32 {
    cw::run(env, msg, reply_impl)
}

#[no_mangle]
pub extern "C" fn query(env: u32, msg: u32) -> u32 {
    cw::run_query(env, msg, query_impl)
}
