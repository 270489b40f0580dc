/*
 * counter: adds to a little-endian u64 kept in the first 8 bytes of an account the program owns.
 *
 * Instruction data: empty (add 1) or amount u64 LE (add amount)
 * Accounts:         0 the counter account: writable, owned by this program, at least 8 bytes
 *                   (create it beforehand, e.g. system CreateAccount with space 8 and this owner)
 * On success: logs "counter: <new value>" and sets the return data to the new value (u64 LE).
 *
 * Errors (ProgramError::Custom):
 */
#include <sol.h>

enum {
  COUNTER_ERR_NO_ACCOUNT = 3000,   /* no account 0 */
  COUNTER_ERR_NOT_OWNED = 3001,    /* account 0 is not owned by this program */
  COUNTER_ERR_NOT_WRITABLE = 3002, /* account 0 is not writable */
  COUNTER_ERR_TOO_SMALL = 3003,    /* account 0 holds fewer than 8 bytes */
  COUNTER_ERR_BAD_DATA = 3004,     /* instruction data neither empty nor 8 bytes */
  COUNTER_ERR_OVERFLOW = 3005,     /* the sum does not fit a u64 */
};

uint64_t entrypoint(const uint8_t *input) {
  SolAccountInfo ka[1];
  SolParameters params = {.ka = ka};
  if (!sol_deserialize(input, &params, 1)) return ERROR_INVALID_ARGUMENT;
  if (params.ka_num < 1) return COUNTER_ERR_NO_ACCOUNT;
  SolAccountInfo *counter = &ka[0];
  if (!SolPubkey_same(counter->owner, params.program_id)) return COUNTER_ERR_NOT_OWNED;
  if (!counter->is_writable) return COUNTER_ERR_NOT_WRITABLE;
  if (counter->data_len < 8) return COUNTER_ERR_TOO_SMALL;

  uint64_t amount;
  if (params.data_len == 0) {
    amount = 1;
  } else if (params.data_len == 8) {
    amount = sol_read_u64_le(params.data);
  } else {
    return COUNTER_ERR_BAD_DATA;
  }
  uint64_t value = sol_read_u64_le(counter->data);
  if (value + amount < value) return COUNTER_ERR_OVERFLOW;
  value += amount;
  sol_write_u64_le(counter->data, value);

  char buf[48];
  SolLine line = {buf, 0, sizeof(buf)};
  sol_line_str(&line, "counter: ");
  sol_line_u64(&line, value);
  sol_line_log(&line);
  sol_set_return_data(counter->data, 8);
  return SUCCESS;
}
