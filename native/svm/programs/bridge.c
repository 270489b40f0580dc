/*
 * The CrossVM bridge (DESIGN.md section 5): the SVM end of x/crossvm.
 *
 * Instruction data starts with a tag byte.
 *
 * 0 Submit   target_vm u8 | target_len u16 LE | target bytes | payload bytes
 *            accounts: 0 the sender (signer)
 *            Checks the signer and the envelope, logs
 *              "crossvm submit: target_vm=<vm> target=<target> payload_len=<n>"
 *            and returns; the node reads the instruction (top-level or inner) from the transaction
 *            and queues the message. target_vm is 0 (EVM) or 1 (CosmWasm); the target is 1..128
 *            printable ASCII bytes (an address: 0x-hex or bech32); the payload is any bytes.
 *
 * 1 Deliver  source_vm u8 | sender_len u8 | sender bytes | alias_bump u8 | payload bytes
 *            accounts: 0 the CrossVM authority (signer, must be the key baked in at build time),
 *                      1 the sender's alias PDA, 2 the target program, 3.. passed through
 *            Checks that account 1 is create_program_address(["alias", [source_vm], sender,
 *            [alias_bump]], bridge program id), logs
 *              "crossvm deliver: source_vm=<vm> sender=<hex> payload_len=<n>"
 *            then invokes the target program with the payload as instruction data and the accounts
 *              [alias PDA (signer, writable as passed), accounts 3.. (never signers, writable as
 *              passed)]
 *            signing for the alias PDA (invoke_signed). A failure of the target fails the
 *            instruction with the target's error. source_vm is 0 (EVM) or 1 (CosmWasm); the sender
 *            is 1..32 bytes (one PDA seed).
 *
 * Errors (ProgramError::Custom, i.e. InstructionError::Custom(code)):
 */
#include <sol.h>

enum {
  BRIDGE_ERR_EMPTY_INSTRUCTION = 1000,   /* no instruction data */
  BRIDGE_ERR_UNKNOWN_INSTRUCTION = 1001, /* tag is neither 0 nor 1 */
  BRIDGE_ERR_TOO_MANY_ACCOUNTS = 1002,   /* the account list does not fit the heap */

  SUBMIT_ERR_NO_SENDER = 1010,           /* no account 0 */
  SUBMIT_ERR_SENDER_NOT_SIGNER = 1011,   /* account 0 did not sign */
  SUBMIT_ERR_TRUNCATED = 1012,           /* envelope shorter than its header or its target_len */
  SUBMIT_ERR_BAD_TARGET_VM = 1013,       /* target_vm not 0 (EVM) or 1 (CosmWasm) */
  SUBMIT_ERR_EMPTY_TARGET = 1014,        /* target_len is 0 */
  SUBMIT_ERR_TARGET_TOO_LONG = 1015,      /* target_len above 128 */
  SUBMIT_ERR_TARGET_NOT_PRINTABLE = 1016, /* a target byte outside printable ASCII 0x21..0x7e */

  DELIVER_ERR_MISSING_ACCOUNTS = 1020,     /* fewer than 3 accounts */
  DELIVER_ERR_AUTHORITY_NOT_SIGNER = 1021, /* account 0 did not sign */
  DELIVER_ERR_WRONG_AUTHORITY = 1022,      /* account 0 is not the CrossVM authority */
  DELIVER_ERR_TRUNCATED = 1023,            /* data ends before the bump byte */
  DELIVER_ERR_BAD_SOURCE_VM = 1024,        /* source_vm not 0 (EVM) or 1 (CosmWasm) */
  DELIVER_ERR_BAD_SENDER_LEN = 1025,       /* sender_len is 0 or above 32 */
  DELIVER_ERR_BAD_ALIAS = 1026,            /* account 1 is not the alias PDA for these seeds */
  DELIVER_ERR_TARGET_NOT_EXECUTABLE = 1027, /* account 2 is not a program */
  DELIVER_ERR_PAYLOAD_TOO_LARGE = 1028,    /* payload above 10240 bytes (the CPI data limit) */
};

#define VM_EVM 0
#define VM_COSMWASM 1
#define MAX_TARGET_LEN 128

#ifndef QORE_CROSSVM_AUTHORITY
#error "build with -DQORE_CROSSVM_AUTHORITY=<32 comma-separated bytes> (native/svm/build.py does)"
#endif

/* The CrossVM authority: the public key of native/svm/authority.json, given by build.py. */
static const SolPubkey CROSSVM_AUTHORITY = {{QORE_CROSSVM_AUTHORITY}};

static const uint8_t ALIAS_SEED[] = {'a', 'l', 'i', 'a', 's'};

static uint64_t submit(const SolParameters *params) {
  if (params->ka_num < 1) return SUBMIT_ERR_NO_SENDER;
  if (!params->ka[0].is_signer) return SUBMIT_ERR_SENDER_NOT_SIGNER;

  const uint8_t *data = params->data + 1;
  uint64_t len = params->data_len - 1;
  if (len < 3) return SUBMIT_ERR_TRUNCATED;
  uint8_t target_vm = data[0];
  uint64_t target_len = (uint64_t)data[1] | ((uint64_t)data[2] << 8);
  if (target_vm != VM_EVM && target_vm != VM_COSMWASM) return SUBMIT_ERR_BAD_TARGET_VM;
  if (len - 3 < target_len) return SUBMIT_ERR_TRUNCATED;
  if (target_len == 0) return SUBMIT_ERR_EMPTY_TARGET;
  if (target_len > MAX_TARGET_LEN) return SUBMIT_ERR_TARGET_TOO_LONG;
  const uint8_t *target = data + 3;
  for (uint64_t i = 0; i < target_len; i++) {
    if (target[i] < 0x21 || target[i] > 0x7e) return SUBMIT_ERR_TARGET_NOT_PRINTABLE;
  }
  uint64_t payload_len = len - 3 - target_len;

  char buf[64 + MAX_TARGET_LEN];
  SolLine line = {buf, 0, sizeof(buf)};
  sol_line_str(&line, "crossvm submit: target_vm=");
  sol_line_u64(&line, target_vm);
  sol_line_str(&line, " target=");
  sol_line_bytes(&line, target, target_len);
  sol_line_str(&line, " payload_len=");
  sol_line_u64(&line, payload_len);
  sol_line_log(&line);
  return SUCCESS;
}

static uint64_t deliver(const SolParameters *params) {
  if (params->ka_num < 3) return DELIVER_ERR_MISSING_ACCOUNTS;
  const SolAccountInfo *authority = &params->ka[0];
  const SolAccountInfo *alias = &params->ka[1];
  const SolAccountInfo *target = &params->ka[2];
  if (!authority->is_signer) return DELIVER_ERR_AUTHORITY_NOT_SIGNER;
  if (!SolPubkey_same(authority->key, &CROSSVM_AUTHORITY)) return DELIVER_ERR_WRONG_AUTHORITY;

  const uint8_t *data = params->data + 1;
  uint64_t len = params->data_len - 1;
  if (len < 2) return DELIVER_ERR_TRUNCATED;
  uint8_t source_vm = data[0];
  uint64_t sender_len = data[1];
  if (len - 2 < sender_len + 1) return DELIVER_ERR_TRUNCATED;
  if (source_vm != VM_EVM && source_vm != VM_COSMWASM) return DELIVER_ERR_BAD_SOURCE_VM;
  if (sender_len == 0 || sender_len > MAX_SEED_LEN) return DELIVER_ERR_BAD_SENDER_LEN;
  const uint8_t *sender = data + 2;
  uint8_t bump = data[2 + sender_len];
  const uint8_t *payload = data + 3 + sender_len;
  uint64_t payload_len = len - 3 - sender_len;

  uint8_t vm_seed = source_vm;
  const SolSignerSeed seeds[] = {
      {ALIAS_SEED, sizeof(ALIAS_SEED)}, {&vm_seed, 1}, {sender, sender_len}, {&bump, 1}};
  SolPubkey expected;
  if (sol_create_program_address(seeds, 4, params->program_id, &expected) != SUCCESS ||
      !SolPubkey_same(&expected, alias->key)) {
    return DELIVER_ERR_BAD_ALIAS;
  }
  if (!target->executable) return DELIVER_ERR_TARGET_NOT_EXECUTABLE;
  if (payload_len > MAX_CPI_INSTRUCTION_DATA_LEN) return DELIVER_ERR_PAYLOAD_TOO_LARGE;

  char buf[128];
  SolLine line = {buf, 0, sizeof(buf)};
  sol_line_str(&line, "crossvm deliver: source_vm=");
  sol_line_u64(&line, source_vm);
  sol_line_str(&line, " sender=");
  sol_line_hex(&line, sender, sender_len);
  sol_line_str(&line, " payload_len=");
  sol_line_u64(&line, payload_len);
  sol_line_log(&line);

  /* The target sees the alias PDA first, as a signer, then the passed-through accounts. Those never
   * carry a signature into the target: the only signer of a delivery is the authority, whose
   * signature must not reach a target even if a message lists the authority's key. */
  uint64_t n_meta = params->ka_num - 2;
  SolAccountMeta *metas = sol_heap_alloc(n_meta * sizeof(SolAccountMeta));
  if (metas == NULL) return BRIDGE_ERR_TOO_MANY_ACCOUNTS;
  metas[0] = (SolAccountMeta){alias->key, alias->is_writable, true};
  for (uint64_t i = 3; i < params->ka_num; i++) {
    metas[i - 2] = (SolAccountMeta){params->ka[i].key, params->ka[i].is_writable, false};
  }
  const SolInstruction instruction = {target->key, metas, n_meta, (uint8_t *)payload, payload_len};
  const SolSignerSeeds signers[] = {{seeds, 4}};
  return sol_invoke_signed(&instruction, params->ka + 1, (int)(params->ka_num - 1), signers, 1);
}

uint64_t entrypoint(const uint8_t *input) {
  uint64_t n = sol_input_account_count(input);
  SolAccountInfo *ka = sol_heap_alloc(n * sizeof(SolAccountInfo));
  if (n != 0 && ka == NULL) return BRIDGE_ERR_TOO_MANY_ACCOUNTS;
  SolParameters params = {.ka = ka};
  if (!sol_deserialize(input, &params, n)) return ERROR_INVALID_ARGUMENT;
  if (params.data_len == 0) return BRIDGE_ERR_EMPTY_INSTRUCTION;
  switch (params.data[0]) {
    case 0:
      return submit(&params);
    case 1:
      return deliver(&params);
    default:
      return BRIDGE_ERR_UNKNOWN_INSTRUCTION;
  }
}
