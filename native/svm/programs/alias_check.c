/*
 * alias_check: succeeds only when account 0 signed and is the CrossVM alias of a sender, i.e. the
 * canonical PDA of the bridge with seeds ["alias", [source_vm], sender]. It is the target the
 * bridge's Deliver invokes in tests, and the check a real program makes to know who called it.
 *
 * Instruction data: bridge_program_id [32] | source_vm u8 | sender_len u8 | sender bytes
 *                   (trailing bytes are ignored)
 * Accounts:         0 the alias (signer)
 * On success: logs "alias_check: ok" and the alias, and sets the return data to the alias (32 bytes).
 *
 * Errors (ProgramError::Custom):
 */
#include <sol.h>

enum {
  ALIAS_ERR_NO_ACCOUNTS = 2000,    /* no account 0 */
  ALIAS_ERR_TRUNCATED = 2001,      /* instruction data shorter than its header or sender_len */
  ALIAS_ERR_BAD_SENDER_LEN = 2002, /* sender_len is 0 or above 32 */
  ALIAS_ERR_NOT_SIGNER = 2003,     /* account 0 did not sign */
  ALIAS_ERR_NOT_ALIAS = 2004,      /* account 0 is not the alias PDA for these seeds */
};

static const uint8_t ALIAS_SEED[] = {'a', 'l', 'i', 'a', 's'};

uint64_t entrypoint(const uint8_t *input) {
  SolAccountInfo ka[1];
  SolParameters params = {.ka = ka};
  if (!sol_deserialize(input, &params, 1)) return ERROR_INVALID_ARGUMENT;
  if (params.ka_num < 1) return ALIAS_ERR_NO_ACCOUNTS;
  if (params.data_len < SIZE_PUBKEY + 2) return ALIAS_ERR_TRUNCATED;
  const SolPubkey *bridge = (const SolPubkey *)params.data;
  uint8_t source_vm = params.data[SIZE_PUBKEY];
  uint64_t sender_len = params.data[SIZE_PUBKEY + 1];
  if (params.data_len - (SIZE_PUBKEY + 2) < sender_len) return ALIAS_ERR_TRUNCATED;
  if (sender_len == 0 || sender_len > MAX_SEED_LEN) return ALIAS_ERR_BAD_SENDER_LEN;
  if (!ka[0].is_signer) return ALIAS_ERR_NOT_SIGNER;

  const SolSignerSeed seeds[] = {{ALIAS_SEED, sizeof(ALIAS_SEED)},
                                 {&source_vm, 1},
                                 {params.data + SIZE_PUBKEY + 2, sender_len}};
  SolPubkey alias;
  uint8_t bump;
  if (sol_try_find_program_address(seeds, 3, bridge, &alias, &bump) != SUCCESS ||
      !SolPubkey_same(&alias, ka[0].key)) {
    return ALIAS_ERR_NOT_ALIAS;
  }
  sol_log("alias_check: ok");
  sol_log_pubkey(&alias);
  sol_set_return_data(alias.x, SIZE_PUBKEY);
  return SUCCESS;
}
