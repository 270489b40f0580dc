// cw20: a cw20-base-like fungible token (transfer, burn, mint, send; balance, token_info, minter).
// Amounts are Uint128 decimal strings; every address is checked with addr_validate.
// Storage: "token_info" = {"name","symbol","decimals","total_supply","minter","cap"} JSON,
//          "balance:<address>" = decimal string.
#![allow(dead_code)]

#[path = "../common/cw.rs"]
mod cw;
#[path = "../common/json.rs"]
mod json;

use cw::Response;
use json::{num, obj, opt_s, s, Json};

const EXECUTE_VARIANTS: &str = "`transfer`, `burn`, `mint`, `send`";
const QUERY_VARIANTS: &str = "`balance`, `token_info`, `minter`";

struct TokenInfo {
    name: String,
    symbol: String,
    decimals: u64,
    total_supply: u128,
    minter: Option<String>,
    cap: Option<u128>,
}

impl TokenInfo {
    fn to_json(&self) -> Json {
        obj(vec![
            ("name", s(&self.name)),
            ("symbol", s(&self.symbol)),
            ("decimals", num(self.decimals)),
            ("total_supply", s(&self.total_supply.to_string())),
            ("minter", opt_s(self.minter.as_deref())),
            ("cap", self.cap.map(|c| s(&c.to_string())).unwrap_or(Json::Null)),
        ])
    }

    fn load() -> Result<TokenInfo, String> {
        let raw = cw::db_read(b"token_info").ok_or("cw20::TokenInfo not found")?;
        let v = json::parse(&raw)?;
        Ok(TokenInfo {
            name: json::str_field(&v, "name")?.to_string(),
            symbol: json::str_field(&v, "symbol")?.to_string(),
            decimals: json::u64_field(&v, "decimals")?,
            total_supply: cw::parse_u128(json::field(&v, "total_supply")?, "total_supply")?,
            minter: json::opt_str(&v, "minter")?.map(str::to_string),
            cap: match v.opt("cap") {
                Some(c) => Some(cw::parse_u128(c, "cap")?),
                None => None,
            },
        })
    }

    fn save(&self) {
        cw::db_write(b"token_info", &self.to_json().dump());
    }
}

fn balance_key(address: &str) -> Vec<u8> {
    format!("balance:{}", address).into_bytes()
}

fn balance(address: &str) -> u128 {
    cw::db_read(&balance_key(address))
        .and_then(|v| String::from_utf8(v).ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn set_balance(address: &str, amount: u128) {
    cw::db_write(&balance_key(address), amount.to_string().as_bytes());
}

fn overflow(op: &str) -> String {
    format!("Overflow: Cannot {} with given operands", op)
}

fn sub_balance(address: &str, amount: u128) -> Result<(), String> {
    let b = balance(address).checked_sub(amount).ok_or_else(|| overflow("Sub"))?;
    set_balance(address, b);
    Ok(())
}

fn add_balance(address: &str, amount: u128) -> Result<(), String> {
    let b = balance(address).checked_add(amount).ok_or_else(|| overflow("Add"))?;
    set_balance(address, b);
    Ok(())
}

fn amount(body: &Json) -> Result<u128, String> {
    let a = cw::parse_u128(json::field(body, "amount")?, "amount")?;
    if a == 0 {
        return Err("Invalid zero amount".to_string());
    }
    Ok(a)
}

fn instantiate_impl(_env: &Json, _info: &Json, msg: &Json) -> Result<Response, String> {
    let name = json::str_field(msg, "name")?;
    let symbol = json::str_field(msg, "symbol")?;
    let decimals = json::u64_field(msg, "decimals")?;
    if name.len() < 3 || name.len() > 50 {
        return Err("Name is not in the expected format (3-50 UTF-8 bytes)".to_string());
    }
    if symbol.len() < 3
        || symbol.len() > 12
        || !symbol.bytes().all(|c| c.is_ascii_alphabetic() || c == b'-')
    {
        return Err("Ticker symbol is not in expected format [a-zA-Z\\-]{3,12}".to_string());
    }
    if decimals > 18 {
        return Err("Decimals must not exceed 18".to_string());
    }
    let mut total: u128 = 0;
    let mut seen: Vec<String> = Vec::new();
    for entry in json::arr_field(msg, "initial_balances")? {
        let address = cw::validate(json::str_field(entry, "address")?)?;
        let a = cw::parse_u128(json::field(entry, "amount")?, "amount")?;
        if seen.contains(&address) {
            return Err("Duplicate initial balance addresses".to_string());
        }
        total = total.checked_add(a).ok_or_else(|| overflow("Add"))?;
        set_balance(&address, a);
        seen.push(address);
    }
    let (minter, cap) = match msg.opt("mint") {
        Some(m) => {
            let minter = cw::validate(json::str_field(m, "minter")?)?;
            let cap = match m.opt("cap") {
                Some(c) => Some(cw::parse_u128(c, "cap")?),
                None => None,
            };
            (Some(minter), cap)
        }
        None => (None, None),
    };
    if let Some(c) = cap {
        if total > c {
            return Err("Initial supply greater than cap".to_string());
        }
    }
    let info = TokenInfo {
        name: name.to_string(),
        symbol: symbol.to_string(),
        decimals,
        total_supply: total,
        minter,
        cap,
    };
    info.save();
    let mut r = Response::new();
    r.attr("action", "instantiate").attr("total_supply", &total.to_string());
    Ok(r)
}

fn execute_impl(_env: &Json, info: &Json, msg: &Json) -> Result<Response, String> {
    let sender = cw::sender(info)?;
    let (name, b) = cw::variant(msg, EXECUTE_VARIANTS)?;
    let mut r = Response::new();
    match name {
        "transfer" => {
            let a = amount(b)?;
            let recipient = cw::validate(json::str_field(b, "recipient")?)?;
            sub_balance(&sender, a)?;
            add_balance(&recipient, a)?;
            r.attr("action", "transfer")
                .attr("from", &sender)
                .attr("to", &recipient)
                .attr("amount", &a.to_string());
        }
        "burn" => {
            let a = amount(b)?;
            sub_balance(&sender, a)?;
            let mut t = TokenInfo::load()?;
            t.total_supply = t.total_supply.checked_sub(a).ok_or_else(|| overflow("Sub"))?;
            t.save();
            r.attr("action", "burn").attr("from", &sender).attr("amount", &a.to_string());
        }
        "mint" => {
            let a = amount(b)?;
            let recipient = cw::validate(json::str_field(b, "recipient")?)?;
            let mut t = TokenInfo::load()?;
            if t.minter.as_deref() != Some(sender.as_str()) {
                return Err("Unauthorized".to_string());
            }
            t.total_supply = t.total_supply.checked_add(a).ok_or_else(|| overflow("Add"))?;
            if let Some(c) = t.cap {
                if t.total_supply > c {
                    return Err("Minting cannot exceed the cap".to_string());
                }
            }
            t.save();
            add_balance(&recipient, a)?;
            r.attr("action", "mint").attr("to", &recipient).attr("amount", &a.to_string());
        }
        "send" => {
            let a = amount(b)?;
            let contract = cw::validate(json::str_field(b, "contract")?)?;
            let inner = json::str_field(b, "msg")?;
            cw::b64_decode(inner).map_err(|e| format!("Error parsing into type Binary: {}", e))?;
            sub_balance(&sender, a)?;
            add_balance(&contract, a)?;
            r.attr("action", "send")
                .attr("from", &sender)
                .attr("to", &contract)
                .attr("amount", &a.to_string());
            // Cw20ReceiveMsg, wrapped as {"receive": ...} and sent as WasmMsg::Execute
            let receive = obj(vec![(
                "receive",
                obj(vec![("sender", s(&sender)), ("amount", s(&a.to_string())), ("msg", s(inner))]),
            )]);
            r.message(cw::wasm_execute(&contract, &receive, Json::Arr(Vec::new())));
        }
        other => return Err(cw::unknown_variant(other, EXECUTE_VARIANTS)),
    }
    Ok(r)
}

fn query_impl(_env: &Json, msg: &Json) -> Result<Vec<u8>, String> {
    let (name, b) = cw::variant(msg, QUERY_VARIANTS)?;
    let out = match name {
        "balance" => {
            let address = cw::validate(json::str_field(b, "address")?)?;
            obj(vec![("balance", s(&balance(&address).to_string()))])
        }
        "token_info" => {
            let t = TokenInfo::load()?;
            obj(vec![
                ("name", s(&t.name)),
                ("symbol", s(&t.symbol)),
                ("decimals", num(t.decimals)),
                ("total_supply", s(&t.total_supply.to_string())),
            ])
        }
        "minter" => {
            let t = TokenInfo::load()?;
            match t.minter {
                Some(m) => obj(vec![
                    ("minter", s(&m)),
                    ("cap", t.cap.map(|c| s(&c.to_string())).unwrap_or(Json::Null)),
                ]),
                None => Json::Null,
            }
        }
        other => return Err(cw::unknown_variant(other, QUERY_VARIANTS)),
    };
    Ok(out.dump())
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
