/*
 * logger: logs, and echoes its instruction data as return data.
 *
 * Instruction data: any bytes, at most 1024 (the return data limit)
 * Accounts:         any (only counted)
 * Logs, in order:
 *   "logger: hello from sbpf"
 *   sol_log_64_(data_len, number of accounts, first 8 data bytes as u64 LE (0 if shorter),
 *               0x51, 0x4f52)  -> "0x<data_len>, 0x<accounts>, 0x<first u64>, 0x51, 0x4f52"
 *   "logger: data=<hex of the data>" (hex cut after 64 bytes)
 *   the program id (sol_log_pubkey)
 *   "Program data: <base64 of the data>" (sol_log_data)
 * and sets the return data to the instruction data.
 *
 * Errors (ProgramError::Custom):
 */
#include <sol.h>

enum {
  LOGGER_ERR_DATA_TOO_LONG = 5000, /* instruction data above 1024 bytes */
};

uint64_t entrypoint(const uint8_t *input) {
  SolAccountInfo ka[1];
  SolParameters params = {.ka = ka};
  uint64_t n_accounts = sol_input_account_count(input);
  if (!sol_deserialize(input, &params, 1)) return ERROR_INVALID_ARGUMENT;
  if (params.data_len > MAX_RETURN_DATA) return LOGGER_ERR_DATA_TOO_LONG;

  sol_log("logger: hello from sbpf");
  uint64_t first = params.data_len >= 8 ? sol_read_u64_le(params.data) : 0;
  sol_log_64_(params.data_len, n_accounts, first, 0x51, 0x4f52);

  char buf[16 + 2 * 64];
  SolLine line = {buf, 0, sizeof(buf)};
  sol_line_str(&line, "logger: data=");
  sol_line_hex(&line, params.data, params.data_len < 64 ? params.data_len : 64);
  sol_line_log(&line);
  sol_log_pubkey(params.program_id);
  SolBytes fields[] = {{params.data, params.data_len}};
  sol_log_data(fields, 1);

  sol_set_return_data(params.data, params.data_len);
  return SUCCESS;
}
