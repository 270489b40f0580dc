/*
 * sol.h: the part of Solana's C SDK (platform-tools-sdk/sbf/c/inc/solana_sdk.h) our programs use,
 * written for SBPFv0 and clang-14 -target bpf: types with the SDK's exact layout (the runtime reads
 * SolInstruction / SolAccountInfo / SolSignerSeeds through sol_invoke_signed_c), the syscalls as
 * the SDK declares them (the linker turns each call into a murmur3-keyed relocation), the input
 * deserializer for the aligned format of the BPF loaders v2/v3, a bump allocator over the 32 KiB
 * program heap, and small formatting helpers for log lines.
 *
 * Constraints of the target, which every program here respects:
 *   - no writable globals (.data/.bss are refused by the linker): state lives in accounts, scratch
 *     space on the stack (clang's BPF backend allows 512 bytes per function) or on the heap;
 *   - at most 5 arguments per function, no struct passed or returned by value;
 *   - no libc: copies and comparisons are the loops below.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- return values ------------------------------------------------------------------------ */

#define SUCCESS 0
/* Built-in program errors are the ProgramError index shifted left by 32; any other non-zero value
 * below 2^32 is ProgramError::Custom(value), i.e. InstructionError::Custom in the transaction. */
#define TO_BUILTIN(error) ((uint64_t)(error) << 32)
#define ERROR_CUSTOM_ZERO TO_BUILTIN(1)
#define ERROR_INVALID_ARGUMENT TO_BUILTIN(2)
#define ERROR_INVALID_INSTRUCTION_DATA TO_BUILTIN(3)
#define ERROR_INVALID_ACCOUNT_DATA TO_BUILTIN(4)
#define ERROR_ACCOUNT_DATA_TOO_SMALL TO_BUILTIN(5)
#define ERROR_INSUFFICIENT_FUNDS TO_BUILTIN(6)
#define ERROR_INCORRECT_PROGRAM_ID TO_BUILTIN(7)
#define ERROR_MISSING_REQUIRED_SIGNATURES TO_BUILTIN(8)
#define ERROR_NOT_ENOUGH_ACCOUNT_KEYS TO_BUILTIN(11)

/* ---- types (layouts as in solana_sdk.h) ------------------------------------------------------ */

#define SIZE_PUBKEY 32
#define MAX_SEED_LEN 32
#define MAX_SEEDS 16
#define MAX_RETURN_DATA 1024
#define MAX_CPI_INSTRUCTION_DATA_LEN 10240
#define MAX_PERMITTED_DATA_INCREASE (1024 * 10)

typedef struct {
  uint8_t x[SIZE_PUBKEY];
} SolPubkey;

typedef struct {
  SolPubkey *key;      /* public key of the account */
  uint64_t *lamports;  /* lamports in the account, modifiable by the program */
  uint64_t data_len;   /* length of the data in bytes */
  uint8_t *data;       /* on-chain data within this account */
  SolPubkey *owner;    /* program that owns this account */
  uint64_t rent_epoch; /* the epoch at which this account will next owe rent */
  bool is_signer;      /* the transaction was signed by this account's key */
  bool is_writable;    /* is the account writable */
  bool executable;     /* this account's data contains a loaded program */
} SolAccountInfo;

typedef struct {
  const uint8_t *addr;
  uint64_t len;
} SolBytes;

typedef struct {
  SolPubkey *pubkey;
  bool is_writable;
  bool is_signer;
} SolAccountMeta;

typedef struct {
  SolPubkey *program_id;
  SolAccountMeta *accounts;
  uint64_t account_len;
  uint8_t *data;
  uint64_t data_len;
} SolInstruction;

typedef struct {
  const uint8_t *addr;
  uint64_t len;
} SolSignerSeed;

typedef struct {
  const SolSignerSeed *addr;
  uint64_t len;
} SolSignerSeeds;

typedef struct {
  SolAccountInfo *ka;          /* accounts, filled by sol_deserialize */
  uint64_t ka_num;             /* number of entries in ka */
  const uint8_t *data;         /* instruction data */
  uint64_t data_len;           /* length of the instruction data */
  const SolPubkey *program_id; /* this program's id */
} SolParameters;

/* ---- syscalls (declarations as in solana_sdk.h for SBPFv0) ----------------------------------- */

void sol_log_(const char *message, uint64_t len);
void sol_log_64_(uint64_t arg1, uint64_t arg2, uint64_t arg3, uint64_t arg4, uint64_t arg5);
void sol_log_pubkey(const SolPubkey *pubkey);
void sol_log_data(SolBytes *data, uint64_t data_len);
void sol_set_return_data(const uint8_t *bytes, uint64_t bytes_len);
uint64_t sol_get_return_data(uint8_t *bytes, uint64_t bytes_len, SolPubkey *program_id);
uint64_t sol_create_program_address(const SolSignerSeed *seeds, int seeds_len,
                                    const SolPubkey *program_id, SolPubkey *program_address);
uint64_t sol_try_find_program_address(const SolSignerSeed *seeds, int seeds_len,
                                      const SolPubkey *program_id, SolPubkey *program_address,
                                      uint8_t *bump_seed);
uint64_t sol_invoke_signed_c(const SolInstruction *instruction,
                             const SolAccountInfo *account_infos, int account_infos_len,
                             const SolSignerSeeds *signers_seeds, int signers_seeds_len);

#define sol_log(message) sol_log_((message), sizeof(message) - 1)

static inline uint64_t sol_invoke_signed(const SolInstruction *instruction,
                                         const SolAccountInfo *account_infos,
                                         int account_infos_len,
                                         const SolSignerSeeds *signers_seeds,
                                         int signers_seeds_len) {
  return sol_invoke_signed_c(instruction, account_infos, account_infos_len, signers_seeds,
                             signers_seeds_len);
}

static inline uint64_t sol_invoke(const SolInstruction *instruction,
                                  const SolAccountInfo *account_infos, int account_infos_len) {
  return sol_invoke_signed_c(instruction, account_infos, account_infos_len, NULL, 0);
}

/* ---- memory ------------------------------------------------------------------------------------ */

static inline bool sol_bytes_eq(const void *a, const void *b, uint64_t len) {
  const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;
  for (uint64_t i = 0; i < len; i++) {
    if (x[i] != y[i]) return false;
  }
  return true;
}

static inline void sol_bytes_copy(void *dst, const void *src, uint64_t len) {
  uint8_t *d = (uint8_t *)dst;
  const uint8_t *s = (const uint8_t *)src;
  for (uint64_t i = 0; i < len; i++) d[i] = s[i];
}

static inline bool SolPubkey_same(const SolPubkey *one, const SolPubkey *two) {
  return sol_bytes_eq(one->x, two->x, SIZE_PUBKEY);
}

static inline uint64_t sol_read_u64_le(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

static inline void sol_write_u64_le(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* The program heap: 32 KiB, zeroed, at this address. Like the SDK's sol_calloc, the allocator keeps
 * its bump pointer in the first 8 bytes of the heap (there are no writable globals) and hands out
 * memory downwards, 8-byte aligned; NULL when the heap is exhausted. Nothing is ever freed. */
#define SOL_HEAP_START_ADDRESS ((uint64_t)0x300000000)
#define SOL_HEAP_LENGTH ((uint64_t)(32 * 1024))

static inline void *sol_heap_alloc(uint64_t size) {
  uint64_t *pos_ptr = (uint64_t *)SOL_HEAP_START_ADDRESS;
  uint64_t pos = *pos_ptr;
  if (pos == 0) pos = SOL_HEAP_START_ADDRESS + SOL_HEAP_LENGTH;
  uint64_t floor = SOL_HEAP_START_ADDRESS + sizeof(uint64_t);
  if (size > pos - floor) return NULL;
  pos = (pos - size) & ~(uint64_t)7;
  if (pos < floor) return NULL;
  *pos_ptr = pos;
  return (void *)pos;
}

/* ---- input ------------------------------------------------------------------------------------- */

/* Number of accounts in the serialized input (its first u64), to size params->ka before parsing. */
static inline uint64_t sol_input_account_count(const uint8_t *input) {
  return *(const uint64_t *)input;
}

/*
 * De-serializes the program input (aligned format of BPFLoader2 and BPFLoaderUpgradeable) into
 * params, exactly as the SDK's sol_deserialize: params->ka must point to ka_num entries; accounts
 * past ka_num are skipped, and params->ka_num is the number of entries filled. Account fields point
 * into the input buffer, so writes to *lamports and data are the program's writes.
 *
 * Per account: u8 dup (0xff, or the index of an earlier account, then 7 bytes of padding), or
 * u8 is_signer, u8 is_writable, u8 executable, 4 bytes padding, key[32], owner[32], u64 lamports,
 * u64 data_len, data, 10 KiB realloc space, padding to 8, u64 rent_epoch. Then u64 data_len,
 * the instruction data and the program id.
 */
static inline bool sol_deserialize(const uint8_t *input, SolParameters *params, uint64_t ka_num) {
  if (input == NULL || params == NULL) return false;
  uint64_t n = *(const uint64_t *)input;
  input += sizeof(uint64_t);
  for (uint64_t i = 0; i < n; i++) {
    uint8_t dup_info = input[0];
    input += 1;
    if (dup_info == UINT8_MAX) {
      SolAccountInfo info;
      info.is_signer = input[0] != 0;
      info.is_writable = input[1] != 0;
      info.executable = input[2] != 0;
      input += 3 + 4;
      info.key = (SolPubkey *)input;
      input += sizeof(SolPubkey);
      info.owner = (SolPubkey *)input;
      input += sizeof(SolPubkey);
      info.lamports = (uint64_t *)input;
      input += sizeof(uint64_t);
      info.data_len = *(const uint64_t *)input;
      input += sizeof(uint64_t);
      info.data = (uint8_t *)input;
      input += info.data_len + MAX_PERMITTED_DATA_INCREASE;
      input = (const uint8_t *)(((uint64_t)input + 7) & ~(uint64_t)7);
      info.rent_epoch = *(const uint64_t *)input;
      input += sizeof(uint64_t);
      if (i < ka_num) params->ka[i] = info;
    } else {
      if (i < ka_num && dup_info < ka_num) params->ka[i] = params->ka[dup_info];
      input += 7;
    }
  }
  params->ka_num = n < ka_num ? n : ka_num;
  params->data_len = *(const uint64_t *)input;
  input += sizeof(uint64_t);
  params->data = input;
  input += params->data_len;
  params->program_id = (const SolPubkey *)input;
  return true;
}

/* ---- log lines ---------------------------------------------------------------------------------- */

/* A line being built in a caller-owned buffer; appends past cap are dropped (len stays <= cap). */
typedef struct {
  char *buf;
  uint64_t len;
  uint64_t cap;
} SolLine;

static inline void sol_line_char(SolLine *line, char c) {
  if (line->len < line->cap) line->buf[line->len++] = c;
}

static inline void sol_line_bytes(SolLine *line, const void *bytes, uint64_t len) {
  const char *s = (const char *)bytes;
  for (uint64_t i = 0; i < len; i++) sol_line_char(line, s[i]);
}

#define sol_line_str(line, literal) sol_line_bytes((line), (literal), sizeof(literal) - 1)

static inline void sol_line_u64(SolLine *line, uint64_t v) {
  char digits[20];
  int n = 0;
  do {
    digits[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) sol_line_char(line, digits[--n]);
}

static inline void sol_line_hex(SolLine *line, const uint8_t *bytes, uint64_t len) {
  static const char HEX[] = "0123456789abcdef";
  for (uint64_t i = 0; i < len; i++) {
    sol_line_char(line, HEX[bytes[i] >> 4]);
    sol_line_char(line, HEX[bytes[i] & 0xf]);
  }
}

static inline void sol_line_log(const SolLine *line) { sol_log_(line->buf, line->len); }
