/*
 * cpi_pda: cross-program invocations signed by a PDA of this program, the vault
 * (seeds ["vault"], canonical bump found on chain).
 *
 * Instruction data, by tag:
 *   0 Transfer   lamports u64 LE
 *                accounts: 0 the vault (writable), 1 the recipient (writable), 2 the system program
 *                Moves lamports from the vault with system Transfer, the vault signing.
 *   1 Submit     a bridge Submit envelope: target_vm u8 | target_len u16 LE | target | payload
 *                accounts: 0 the vault, 1 the CrossVM bridge program
 *                Calls the bridge's Submit with the vault as the signing sender: a program sending
 *                a cross-VM message (the node sees an inner instruction to the bridge).
 *   2 Increment  empty, or amount u64 LE
 *                accounts: 0 the vault, 1 the counter program, 2 the counter account (writable)
 *                Calls counter with [counter account, vault (signer)] and the amount, if any.
 * Logs "cpi_pda: <what> via vault <bump>" before the call.
 *
 * Errors (ProgramError::Custom); a failing callee fails the instruction with its own error:
 */
#include <sol.h>

enum {
  CPI_ERR_EMPTY_INSTRUCTION = 4000,   /* no instruction data */
  CPI_ERR_UNKNOWN_INSTRUCTION = 4001, /* tag not 0, 1 or 2 */
  CPI_ERR_MISSING_ACCOUNTS = 4002,    /* fewer accounts than the instruction needs */
  CPI_ERR_NOT_VAULT = 4003,           /* account 0 is not the vault PDA */
  CPI_ERR_BAD_DATA = 4004,            /* data of the wrong length for the instruction */
};

#define MAX_ACCOUNTS 4

static const uint8_t VAULT_SEED[] = {'v', 'a', 'u', 'l', 't'};

static void log_call(const char *what, uint64_t what_len, uint8_t bump) {
  char buf[64];
  SolLine line = {buf, 0, sizeof(buf)};
  sol_line_str(&line, "cpi_pda: ");
  sol_line_bytes(&line, what, what_len);
  sol_line_str(&line, " via vault ");
  sol_line_u64(&line, bump);
  sol_line_log(&line);
}

uint64_t entrypoint(const uint8_t *input) {
  SolAccountInfo ka[MAX_ACCOUNTS];
  SolParameters params = {.ka = ka};
  if (!sol_deserialize(input, &params, MAX_ACCOUNTS)) return ERROR_INVALID_ARGUMENT;
  if (params.data_len == 0) return CPI_ERR_EMPTY_INSTRUCTION;
  uint8_t tag = params.data[0];
  if (tag > 2) return CPI_ERR_UNKNOWN_INSTRUCTION;
  if (params.ka_num < (tag == 1 ? 2u : 3u)) return CPI_ERR_MISSING_ACCOUNTS;

  SolPubkey vault;
  uint8_t bump;
  const SolSignerSeed find_seeds[] = {{VAULT_SEED, sizeof(VAULT_SEED)}};
  if (sol_try_find_program_address(find_seeds, 1, params.program_id, &vault, &bump) != SUCCESS ||
      !SolPubkey_same(&vault, ka[0].key)) {
    return CPI_ERR_NOT_VAULT;
  }
  const SolSignerSeed seeds[] = {{VAULT_SEED, sizeof(VAULT_SEED)}, {&bump, 1}};
  const SolSignerSeeds signers[] = {{seeds, 2}};
  const uint8_t *arg = params.data + 1;
  uint64_t arg_len = params.data_len - 1;

  if (tag == 0) {
    if (arg_len != 8) return CPI_ERR_BAD_DATA;
    uint8_t transfer[12] = {2, 0, 0, 0}; /* SystemInstruction::Transfer { lamports } */
    sol_bytes_copy(transfer + 4, arg, 8);
    SolAccountMeta metas[] = {{ka[0].key, true, true}, {ka[1].key, true, false}};
    const SolInstruction ix = {ka[2].key, metas, 2, transfer, sizeof(transfer)};
    log_call("transfer", 8, bump);
    return sol_invoke_signed(&ix, ka, (int)params.ka_num, signers, 1);
  }
  if (tag == 1) {
    if (arg_len > MAX_CPI_INSTRUCTION_DATA_LEN - 1) return CPI_ERR_BAD_DATA;
    uint8_t *submit = sol_heap_alloc(arg_len + 1);
    if (submit == NULL) return CPI_ERR_BAD_DATA;
    submit[0] = 0; /* bridge Submit */
    sol_bytes_copy(submit + 1, arg, arg_len);
    SolAccountMeta metas[] = {{ka[0].key, false, true}};
    const SolInstruction ix = {ka[1].key, metas, 1, submit, arg_len + 1};
    log_call("submit", 6, bump);
    return sol_invoke_signed(&ix, ka, (int)params.ka_num, signers, 1);
  }
  if (arg_len != 0 && arg_len != 8) return CPI_ERR_BAD_DATA;
  uint8_t amount[8];
  sol_bytes_copy(amount, arg, arg_len);
  SolAccountMeta metas[] = {{ka[2].key, true, false}, {ka[0].key, false, true}};
  const SolInstruction ix = {ka[1].key, metas, 2, amount, arg_len};
  log_call("increment", 9, bump);
  return sol_invoke_signed(&ix, ka, (int)params.ka_num, signers, 1);
}
