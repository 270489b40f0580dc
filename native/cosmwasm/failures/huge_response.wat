;; huge_response: execute grows memory by 20 MiB and returns a Region of exactly 20 MiB
;; (20971520 bytes) holding a valid Response JSON whose data is 20971460 'A's.
(module
  (import "env" "db_write" (func $db_write (param i32 i32)))
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (data (i32.const 16) "{\"ok\":{\"messages\":[],\"attributes\":[],\"events\":[],\"data\":null}}") ;; 62 bytes
  (data (i32.const 96) "{\"ok\":\"e30=\"}")  ;; 13 bytes: query result {} (base64 "e30=")
  (data (i32.const 128) "kv")
  (data (i32.const 160) "{\"ok\":{\"messages\":[],\"attributes\":[],\"events\":[],\"data\":\"") ;; 57 bytes
  (data (i32.const 224) "\"}}")  ;; 3 bytes
  (func (export "interface_version_8"))
  ;; allocate(n): bump allocator; Region {offset, capacity, length} followed by its n bytes
  (func $allocate (export "allocate") (param $n i32) (result i32)
    (local $r i32)
    (local.set $r (global.get $heap))
    (global.set $heap
      (i32.and (i32.add (i32.add (local.get $r) (i32.add (local.get $n) (i32.const 12))) (i32.const 7))
               (i32.const -8)))
    (block $fits
      (loop $grow
        (br_if $fits (i32.le_u (global.get $heap) (i32.shl (memory.size) (i32.const 16))))
        (if (i32.eq (memory.grow (i32.const 1)) (i32.const -1)) (then (unreachable)))
        (br $grow)))
    (i32.store (local.get $r) (i32.add (local.get $r) (i32.const 12)))  ;; offset
    (i32.store offset=4 (local.get $r) (local.get $n))                   ;; capacity
    (i32.store offset=8 (local.get $r) (i32.const 0))                    ;; length
    (local.get $r))
  (func (export "deallocate") (param i32))
  ;; a Region describing len bytes at off
  (func $region (param $off i32) (param $len i32) (result i32)
    (local $r i32)
    (local.set $r (call $allocate (i32.const 0)))
    (i32.store (local.get $r) (local.get $off))
    (i32.store offset=4 (local.get $r) (local.get $len))
    (i32.store offset=8 (local.get $r) (local.get $len))
    (local.get $r))
  (func (export "instantiate") (param i32 i32 i32) (result i32)
    (call $region (i32.const 16) (i32.const 62)))
  (func $copy (param $dst i32) (param $src i32) (param $n i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (i32.store8 (local.get $dst) (i32.load8_u (local.get $src)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
        (local.set $src (i32.add (local.get $src) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next))))
  ;; execute: a 20 MiB result
  (func (export "execute") (param i32 i32 i32) (result i32)
    (local $base i32) (local $i i32)
    (local.set $base (memory.grow (i32.const 320)))
    (if (i32.eq (local.get $base) (i32.const -1)) (then (unreachable)))
    (local.set $base (i32.shl (local.get $base) (i32.const 16)))
    (loop $fill
      (i64.store (i32.add (local.get $base) (local.get $i)) (i64.const 0x4141414141414141))
      (local.set $i (i32.add (local.get $i) (i32.const 8)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.const 20971520))))
    (call $copy (local.get $base) (i32.const 160) (i32.const 57))
    (call $copy (i32.add (local.get $base) (i32.const 20971517)) (i32.const 224) (i32.const 3))
    (call $region (local.get $base) (i32.const 20971520)))
  (func (export "query") (param i32 i32) (result i32)
    (call $region (i32.const 96) (i32.const 13)))
)
