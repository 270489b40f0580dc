// counter_v2: the migration target of `counter` (same storage: key "count" = decimal ASCII).
// increment adds 2; get_count also reports {"version": 2}; migrate accepts {} or {"count": N}.
#![allow(dead_code)]

#[path = "../common/cw.rs"]
mod cw;
#[path = "../common/json.rs"]
mod json;

use cw::Response;
use json::{num, obj, Json};

const EXECUTE_VARIANTS: &str = "`increment`, `reset`";
const QUERY_VARIANTS: &str = "`get_count`";

fn load() -> u64 {
    cw::db_read(b"count")
        .and_then(|v| String::from_utf8(v).ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn save(count: u64) {
    cw::db_write(b"count", count.to_string().as_bytes());
}

fn respond(action: &str, count: u64) -> Response {
    let mut r = Response::new();
    r.attr("action", action).attr("count", &count.to_string()).attr("version", "2");
    r
}

fn instantiate_impl(_env: &Json, _info: &Json, msg: &Json) -> Result<Response, String> {
    let count = json::opt_u64(msg, "count")?.unwrap_or(0);
    save(count);
    Ok(respond("instantiate", count))
}

fn execute_impl(_env: &Json, _info: &Json, msg: &Json) -> Result<Response, String> {
    let (name, body) = cw::variant(msg, EXECUTE_VARIANTS)?;
    match name {
        "increment" => {
            let count = load().checked_add(2).ok_or("count overflow")?;
            save(count);
            Ok(respond("increment", count))
        }
        "reset" => {
            let count = json::u64_field(body, "count")?;
            save(count);
            Ok(respond("reset", count))
        }
        other => Err(cw::unknown_variant(other, EXECUTE_VARIANTS)),
    }
}

fn query_impl(_env: &Json, msg: &Json) -> Result<Vec<u8>, String> {
    let (name, _) = cw::variant(msg, QUERY_VARIANTS)?;
    match name {
        "get_count" => Ok(obj(vec![("count", num(load())), ("version", num(2))]).dump()),
        other => Err(cw::unknown_variant(other, QUERY_VARIANTS)),
    }
}

fn migrate_impl(_env: &Json, msg: &Json) -> Result<Response, String> {
    let count = match json::opt_u64(msg, "count")? {
        Some(c) => c,
        None => load(),
    };
    save(count);
    cw::db_write(b"migrated", b"counter_v2");
    Ok(respond("migrate", count))
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
pub extern "C" fn query(env: u32, msg: u32) -> u32 {
    cw::run_query(env, msg, query_impl)
}

#[no_mangle]
pub extern "C" fn migrate(env: u32, msg: u32) -> u32 {
    cw::run(env, msg, migrate_impl)
}
