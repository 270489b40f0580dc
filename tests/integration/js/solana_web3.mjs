// @solana/web3.js 1.x against a QoreNode devnet: the calls a dApp makes, end to end.
//
//   node tests/integration/js/solana_web3.mjs <svm_url> <svm_ws_url> <dev keypair secret, 64 bytes hex> [scenario]
//
// scenario: "dapp" (the default: the whole flow below) or "epoch-info" (getEpochInfo alone).
// Run by tests/integration/test_solana_web3js.py against an in-process devnet in instant mode.
// Prints one JSON object on stdout: {"ok": true, ...results} or {"ok": false, "step", "error",
// "logs"}; exit code 0 / 1. Every wait is bounded (STEP_TIMEOUT_MS per call, TOTAL_TIMEOUT_MS in
// all), so a node that never answers fails the run instead of hanging it.
//
// Transaction confirmation is checked three ways: sendAndConfirmTransaction as a dApp calls it
// (signatureSubscribe and a getSignatureStatuses poll race), then once with each path alone: a
// Connection whose getSignatureStatus never sees the signature (only the WebSocket notification
// can confirm) and a Connection whose signature notifications are dropped (only web3.js's
// getSignatureStatus poll can confirm). Those two, and waiting until a subscription is
// established before sending, use internals of web3.js 1.x (_rpcWebSocket,
// _subscriptionsAutoDisposedByRpc, _onSubscriptionStateChange): the version is pinned in
// package.json.

import { createRequire } from 'node:module';

import web3 from '@solana/web3.js';

const WEB3_VERSION = createRequire(import.meta.url)('@solana/web3.js/package.json').version;

const {
  Connection,
  Keypair,
  LAMPORTS_PER_SOL,
  PublicKey,
  SystemProgram,
  Transaction,
  TransactionInstruction,
  TransactionMessage,
  SendTransactionError,
  VersionedTransaction,
  sendAndConfirmTransaction,
} = web3;

const STEP_TIMEOUT_MS = 10_000;
const TOTAL_TIMEOUT_MS = 30_000;
const MEMO_PROGRAM = new PublicKey('MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr');
const MEMO_TEXT = 'hello from @solana/web3.js';

const AIRDROP = 2 * LAMPORTS_PER_SOL;
const TRANSFER_RACE = 5_000_000; // sendAndConfirmTransaction, both confirmation paths
const TRANSFER_WS = 1_000_000; // confirmed by the WebSocket notification only
const TRANSFER_POLL = 1_500_000; // confirmed by getSignatureStatuses only
const TRANSFER_V0 = 2_000_000; // a v0 transaction paid by the airdropped keypair

const SCENARIOS = { dapp, 'epoch-info': epochInfo };
const [url, wsEndpoint, secretHex, scenario = 'dapp'] = process.argv.slice(2);
if (!url || !wsEndpoint || !/^[0-9a-f]{128}$/i.test(secretHex ?? '') || !(scenario in SCENARIOS)) {
  console.error(
    `usage: solana_web3.mjs <svm_url> <svm_ws_url> <secret key, 64 bytes hex> [${Object.keys(SCENARIOS).join(' | ')}]`,
  );
  process.exit(2);
}

let step = 'start';
const logs = []; // web3.js and our own notes, returned with a failure
const origError = console.error;
console.error = (...args) => {
  logs.push(args.map(String).join(' '));
  origError(...args);
};

function fail(error) {
  const detail = {
    ok: false,
    step,
    error: error instanceof Error ? String(error.stack ?? error) : JSON.stringify(error),
    logs: [...logs, ...(error?.logs ?? []).map((line) => `tx log: ${line}`)],
  };
  process.stdout.write(JSON.stringify(detail) + '\n', () => process.exit(1));
}

const totalTimer = setTimeout(
  () => fail(new Error(`the whole run took over ${TOTAL_TIMEOUT_MS} ms`)),
  TOTAL_TIMEOUT_MS,
);

/** Run one named step, bounded by STEP_TIMEOUT_MS. */
async function run(name, fn) {
  step = name;
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name}: no answer in ${STEP_TIMEOUT_MS} ms`)), STEP_TIMEOUT_MS);
  });
  try {
    return await Promise.race([fn(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once web3.js holds the server's id of subscription `id` (state "subscribed"). */
function subscribed(connection, id) {
  return new Promise((resolve) => {
    const hash = connection._subscriptionHashByClientSubscriptionId[id];
    if (connection._subscriptionsByHash[hash]?.state === 'subscribed') {
      resolve();
      return;
    }
    const dispose = connection._onSubscriptionStateChange(id, (state) => {
      if (state === 'subscribed') {
        dispose();
        resolve();
      }
    });
  });
}

/** A promise of the first notification of a subscription made by `subscribe(callback)`. */
async function firstNotification(connection, subscribe) {
  let resolveNotice;
  const notice = new Promise((resolve) => {
    resolveNotice = resolve;
  });
  const id = subscribe((...args) => resolveNotice(args));
  await subscribed(connection, id);
  return { id, notice };
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function transfer(from, to, lamports) {
  return new Transaction().add(SystemProgram.transfer({ fromPubkey: from, toPubkey: to, lamports }));
}

function txSummary(tx) {
  return {
    slot: tx.slot,
    blockTime: tx.blockTime,
    version: tx.version,
    signatures: tx.transaction.signatures,
    accountKeys: tx.transaction.message.staticAccountKeys.map(String),
    err: tx.meta.err,
    fee: tx.meta.fee,
    preBalances: tx.meta.preBalances,
    postBalances: tx.meta.postBalances,
    logMessages: tx.meta.logMessages,
    computeUnitsConsumed: tx.meta.computeUnitsConsumed ?? null,
  };
}

function parsedKey(key) {
  return { pubkey: key.pubkey.toBase58(), signer: key.signer, writable: key.writable, source: key.source ?? null };
}

function parsedInstruction(ix) {
  const programId = ix.programId.toBase58();
  if ('parsed' in ix) return { program: ix.program, programId, parsed: ix.parsed };
  return { programId, accounts: ix.accounts.map(String), data: ix.data };
}

/** A ParsedTransactionWithMeta as plain JSON (keys base58). */
function parsedSummary(tx) {
  return {
    slot: tx.slot ?? null,
    version: tx.version ?? null,
    signatures: tx.transaction.signatures,
    accountKeys: tx.transaction.message.accountKeys.map(parsedKey),
    instructions: tx.transaction.message.instructions.map(parsedInstruction),
    addressTableLookups: tx.transaction.message.addressTableLookups ?? null,
    err: tx.meta.err,
    fee: tx.meta.fee,
    innerInstructions: tx.meta.innerInstructions,
    logMessages: tx.meta.logMessages,
  };
}

/** The dApp flow: every call in order, each result kept for the Python test to check. */
async function dapp() {
  const out = { ok: true, web3Version: WEB3_VERSION, nodeVersion: process.version };
  const connection = new Connection(url, { commitment: 'confirmed', wsEndpoint });
  const dev = Keypair.fromSecretKey(Uint8Array.from(Buffer.from(secretHex, 'hex')));
  const fresh = Keypair.generate();
  const recipient = Keypair.generate();
  out.dev = dev.publicKey.toBase58();
  out.fresh = fresh.publicKey.toBase58();
  out.recipient = recipient.publicKey.toBase58();

  // -- the cluster ------------------------------------------------------------------------------
  out.version = await run('getVersion', () => connection.getVersion());
  out.genesisHash = await run('getGenesisHash', () => connection.getGenesisHash());
  out.latestBlockhash = await run('getLatestBlockhash', () => connection.getLatestBlockhash());
  out.slotBefore = await run('getSlot', () => connection.getSlot());
  out.blockHeightBefore = await run('getBlockHeight', () => connection.getBlockHeight());
  out.rentExemptZero = await run('getMinimumBalanceForRentExemption', () =>
    connection.getMinimumBalanceForRentExemption(0),
  );
  out.devBalanceBefore = await run('getBalance dev', () => connection.getBalance(dev.publicKey));

  // -- requestAirdrop + confirmTransaction (blockhash strategy) -----------------------------------
  out.airdropSignature = await run('requestAirdrop', () => connection.requestAirdrop(fresh.publicKey, AIRDROP));
  out.airdropConfirmation = await run('confirmTransaction airdrop', async () => {
    const latest = await connection.getLatestBlockhash();
    const result = await connection.confirmTransaction({ signature: out.airdropSignature, ...latest }, 'confirmed');
    return result.value;
  });
  out.freshBalanceAfterAirdrop = await run('getBalance fresh', () => connection.getBalance(fresh.publicKey));

  // -- SystemProgram.transfer with sendAndConfirmTransaction ------------------------------------
  out.feeForTransferMessage = await run('getFeeForMessage', async () => {
    const tx = transfer(dev.publicKey, recipient.publicKey, TRANSFER_RACE);
    tx.recentBlockhash = (await connection.getLatestBlockhash()).blockhash;
    tx.feePayer = dev.publicKey;
    return (await connection.getFeeForMessage(tx.compileMessage())).value;
  });
  out.transferSignature = await run('sendAndConfirmTransaction', () =>
    sendAndConfirmTransaction(connection, transfer(dev.publicKey, recipient.publicKey, TRANSFER_RACE), [dev], {
      commitment: 'confirmed',
    }),
  );

  // Only the WebSocket can confirm: getSignatureStatus never finds the signature.
  const wsOnly = new Connection(url, { commitment: 'confirmed', wsEndpoint });
  let wsOnlyStatusCalls = 0;
  wsOnly.getSignatureStatus = async () => {
    wsOnlyStatusCalls += 1;
    return { context: { slot: 0 }, value: null };
  };
  out.transferWsSignature = await run('sendAndConfirmTransaction over WebSocket only', () =>
    sendAndConfirmTransaction(wsOnly, transfer(dev.publicKey, recipient.publicKey, TRANSFER_WS), [dev], {
      commitment: 'confirmed',
    }),
  );
  out.wsOnlyStatusCalls = wsOnlyStatusCalls;

  // Only polling can confirm: signature notifications are dropped (marked auto-disposed as
  // web3.js does, so it does not try to unsubscribe a subscription the server has ended).
  const pollOnly = new Connection(url, { commitment: 'confirmed', wsEndpoint });
  let pollOnlyDropped = 0;
  pollOnly._rpcWebSocket.removeAllListeners('signatureNotification');
  pollOnly._rpcWebSocket.on('signatureNotification', (notification) => {
    pollOnlyDropped += 1;
    pollOnly._subscriptionsAutoDisposedByRpc.add(notification.subscription);
  });
  // web3.js asks getSignatureStatus once, when its subscription is set up, and otherwise relies
  // on the notification: poll until the signature is there, as a dApp without WebSocket would.
  let pollOnlyStatusCalls = 0;
  const realStatus = pollOnly.getSignatureStatus.bind(pollOnly);
  pollOnly.getSignatureStatus = async (...args) => {
    for (;;) {
      pollOnlyStatusCalls += 1;
      const response = await realStatus(...args);
      if (response.value !== null) return response;
      await sleep(50);
    }
  };
  out.transferPollSignature = await run('sendAndConfirmTransaction by polling only', () =>
    sendAndConfirmTransaction(pollOnly, transfer(dev.publicKey, recipient.publicKey, TRANSFER_POLL), [dev], {
      commitment: 'confirmed',
    }),
  );
  out.pollOnlyStatusCalls = pollOnlyStatusCalls;
  out.pollOnlyDroppedNotifications = pollOnlyDropped;

  // A plain getSignatureStatuses poll, as wallets do after sendRawTransaction.
  out.polledStatus = await run('getSignatureStatuses poll', async () => {
    for (;;) {
      const { value } = await connection.getSignatureStatuses([out.transferPollSignature]);
      if (value[0] && value[0].confirmationStatus !== 'processed') return value[0];
      await sleep(100);
    }
  });

  out.signatureStatuses = await run('getSignatureStatuses', async () => {
    const signatures = [
      out.airdropSignature,
      out.transferSignature,
      out.transferWsSignature,
      out.transferPollSignature,
      '1111111111111111111111111111111111111111111111111111111111111111',
    ];
    const { context, value } = await connection.getSignatureStatuses(signatures, {
      searchTransactionHistory: true,
    });
    return { context, value };
  });

  out.transferTx = await run('getTransaction', async () =>
    txSummary(await connection.getTransaction(out.transferSignature, { maxSupportedTransactionVersion: 0 })),
  );
  out.transferWsTx = await run('getTransaction ws', async () =>
    txSummary(await connection.getTransaction(out.transferWsSignature, { maxSupportedTransactionVersion: 0 })),
  );
  out.transferPollTx = await run('getTransaction poll', async () =>
    txSummary(await connection.getTransaction(out.transferPollSignature, { maxSupportedTransactionVersion: 0 })),
  );

  // -- a v0 VersionedTransaction, with signature and account notifications subscribed first ----
  const v0 = await run('build v0 transaction', async () => {
    const latest = await connection.getLatestBlockhash();
    const message = new TransactionMessage({
      payerKey: fresh.publicKey,
      recentBlockhash: latest.blockhash,
      instructions: [
        SystemProgram.transfer({ fromPubkey: fresh.publicKey, toPubkey: recipient.publicKey, lamports: TRANSFER_V0 }),
      ],
    }).compileToV0Message();
    const tx = new VersionedTransaction(message);
    tx.sign([fresh]);
    return { tx, latest, signature: bs58(tx.signatures[0]) };
  });
  const sigSub = await run('onSignature (before sending)', () =>
    firstNotification(connection, (cb) => connection.onSignature(v0.signature, cb, 'confirmed')),
  );
  const accountSub = await run('onAccountChange (before sending)', () =>
    firstNotification(connection, (cb) => connection.onAccountChange(recipient.publicKey, cb, { commitment: 'confirmed' })),
  );
  out.v0Signature = await run('sendTransaction v0', () => connection.sendTransaction(v0.tx));
  out.v0Confirmation = await run('confirmTransaction v0', async () => {
    const result = await connection.confirmTransaction({ signature: out.v0Signature, ...v0.latest }, 'confirmed');
    return result.value;
  });
  out.v0SignatureNotification = await run('signatureNotification v0', async () => {
    const [result, context] = await sigSub.notice;
    return { result, context };
  });
  out.v0AccountNotification = await run('accountNotification v0', async () => {
    const [info, context] = await accountSub.notice;
    await connection.removeAccountChangeListener(accountSub.id);
    return {
      lamports: info.lamports,
      owner: info.owner.toBase58(),
      executable: info.executable,
      dataLength: info.data.length,
      slot: context.slot,
    };
  });
  out.v0Tx = await run('getTransaction v0', async () =>
    txSummary(await connection.getTransaction(out.v0Signature, { maxSupportedTransactionVersion: 0 })),
  );

  // -- simulateTransaction -------------------------------------------------------------------
  // an unsigned v0 transfer of 1 lamport from dev to the recipient (zero-byte signature)
  const unsignedTransfer = async () => {
    const { blockhash } = await connection.getLatestBlockhash();
    const message = new TransactionMessage({
      payerKey: dev.publicKey,
      recentBlockhash: blockhash,
      instructions: [SystemProgram.transfer({ fromPubkey: dev.publicKey, toPubkey: recipient.publicKey, lamports: 1 })],
    }).compileToV0Message();
    return new VersionedTransaction(message);
  };
  out.simulateUnsigned = await run('simulateTransaction unsigned v0', async () => {
    const tx = await unsignedTransfer();
    const result = await connection.simulateTransaction(tx, { sigVerify: false });
    return { ...result.value, contextSlot: result.context.slot };
  });
  out.simulateAccounts = await run('simulateTransaction accounts', async () => {
    const tx = await unsignedTransfer();
    const before = await connection.getBalance(recipient.publicKey);
    const result = await connection.simulateTransaction(tx, {
      sigVerify: false,
      accounts: { encoding: 'base64', addresses: [recipient.publicKey.toBase58()] },
    });
    const [account] = result.value.accounts;
    return { err: result.value.err, before, lamports: account.lamports, owner: account.owner, data: account.data };
  });
  out.simulateSignedLegacy = await run('simulateTransaction signed legacy (sigVerify)', async () => {
    const result = await connection.simulateTransaction(transfer(dev.publicKey, recipient.publicKey, 7), [dev]);
    return result.value;
  });
  out.simulateFailing = await run('simulateTransaction failing', async () => {
    const { blockhash } = await connection.getLatestBlockhash();
    const message = new TransactionMessage({
      payerKey: fresh.publicKey,
      recentBlockhash: blockhash,
      instructions: [
        SystemProgram.transfer({ fromPubkey: fresh.publicKey, toPubkey: recipient.publicKey, lamports: 100 * AIRDROP }),
      ],
    }).compileToV0Message();
    const tx = new VersionedTransaction(message);
    tx.sign([fresh]);
    const result = await connection.simulateTransaction(tx, { sigVerify: true });
    return result.value;
  });
  out.simulateReplaceBlockhash = await run('simulateTransaction replaceRecentBlockhash', async () => {
    const message = new TransactionMessage({
      payerKey: dev.publicKey,
      recentBlockhash: PublicKey.default.toBase58(), // not a blockhash of this chain
      instructions: [SystemProgram.transfer({ fromPubkey: dev.publicKey, toPubkey: recipient.publicKey, lamports: 1 })],
    }).compileToV0Message();
    const result = await connection.simulateTransaction(new VersionedTransaction(message), {
      replaceRecentBlockhash: true,
    });
    return result.value;
  });

  // -- accounts ------------------------------------------------------------------------------
  out.recipientAccount = await run('getAccountInfo', async () => {
    const info = await connection.getAccountInfo(recipient.publicKey);
    return {
      lamports: info.lamports,
      owner: info.owner.toBase58(),
      executable: info.executable,
      dataLength: info.data.length,
      rentEpoch: info.rentEpoch ?? null,
    };
  });
  out.missingAccount = await run('getAccountInfo missing', () => connection.getAccountInfo(Keypair.generate().publicKey));
  out.multipleAccounts = await run('getMultipleAccountsInfo', async () => {
    const infos = await connection.getMultipleAccountsInfo([recipient.publicKey, fresh.publicKey, Keypair.generate().publicKey]);
    return infos.map((info) => (info ? info.lamports : null));
  });
  out.systemProgramAccounts = await run('getProgramAccounts', async () => {
    const accounts = await connection.getProgramAccounts(SystemProgram.programId, { filters: [{ dataSize: 0 }] });
    return accounts.map(({ pubkey, account }) => ({
      pubkey: pubkey.toBase58(),
      lamports: account.lamports,
      dataLength: account.data.length,
      owner: account.owner.toBase58(),
    }));
  });
  out.systemProgramAccountsDataSize1 = await run('getProgramAccounts dataSize 1', async () =>
    (await connection.getProgramAccounts(SystemProgram.programId, { filters: [{ dataSize: 1 }] })).length,
  );

  // -- the Memo program, with logsSubscribe mentioning it, programSubscribe to the system program
  //    (the memo's fee payer is one of its accounts) and rootSubscribe ---------------------------
  const logsSub = await run('onLogs memo (before sending)', () =>
    firstNotification(connection, (cb) => connection.onLogs(MEMO_PROGRAM, cb, 'confirmed')),
  );
  const programSub = await run('onProgramAccountChange system (before sending)', () =>
    firstNotification(connection, (cb) =>
      connection.onProgramAccountChange(SystemProgram.programId, cb, {
        commitment: 'confirmed',
        filters: [{ dataSize: 0 }],
      }),
    ),
  );
  const rootSub = await run('onRootChange (before sending)', () =>
    firstNotification(connection, (cb) => connection.onRootChange(cb)),
  );
  out.memoSignature = await run('sendAndConfirmTransaction memo', () => {
    const memo = new TransactionInstruction({
      programId: MEMO_PROGRAM,
      keys: [{ pubkey: dev.publicKey, isSigner: true, isWritable: true }],
      data: Buffer.from(MEMO_TEXT, 'utf8'),
    });
    return sendAndConfirmTransaction(connection, new Transaction().add(memo), [dev], { commitment: 'confirmed' });
  });
  out.memoLogsNotification = await run('logsNotification memo', async () => {
    const [value, context] = await logsSub.notice;
    await connection.removeOnLogsListener(logsSub.id);
    return { ...value, slot: context.slot };
  });
  out.memoTx = await run('getTransaction memo', async () =>
    txSummary(await connection.getTransaction(out.memoSignature, { maxSupportedTransactionVersion: 0 })),
  );
  out.memoProgramNotification = await run('programNotification memo', async () => {
    const [keyed, context] = await programSub.notice;
    await connection.removeProgramAccountChangeListener(programSub.id);
    return {
      pubkey: keyed.accountId.toBase58(),
      lamports: keyed.accountInfo.lamports,
      owner: keyed.accountInfo.owner.toBase58(),
      dataLength: keyed.accountInfo.data.length,
      slot: context.slot,
    };
  });
  out.memoRootNotification = await run('rootNotification memo', async () => {
    const [root] = await rootSub.notice;
    await connection.removeRootChangeListener(rootSub.id);
    return root;
  });

  // -- jsonParsed: getParsedTransaction and getParsedBlock ---------------------------------------
  out.memoParsed = await run('getParsedTransaction memo', async () =>
    parsedSummary(await connection.getParsedTransaction(out.memoSignature, { maxSupportedTransactionVersion: 0 })),
  );
  out.v0Parsed = await run('getParsedTransaction v0', async () =>
    parsedSummary(await connection.getParsedTransaction(out.v0Signature, { maxSupportedTransactionVersion: 0 })),
  );
  out.memoParsedBlock = await run('getParsedBlock memo', async () => {
    const block = await connection.getParsedBlock(out.memoTx.slot, {
      maxSupportedTransactionVersion: 0,
      transactionDetails: 'full',
    });
    return { blockhash: block.blockhash, transactions: block.transactions.map(parsedSummary) };
  });
  out.memoAccountsBlock = await run('getParsedBlock accounts', async () => {
    const block = await connection.getParsedBlock(out.memoTx.slot, {
      maxSupportedTransactionVersion: 0,
      transactionDetails: 'accounts',
    });
    return block.transactions.map((t) => ({
      signatures: t.transaction.signatures,
      accountKeys: t.transaction.accountKeys.map(parsedKey),
      fee: t.meta.fee,
    }));
  });

  // -- the cluster: supply, block production, stake, inflation, votes, leaders ---------------------
  out.supply = await run('getSupply', async () => {
    const { value } = await connection.getSupply({ excludeNonCirculatingAccountsList: true });
    return { ...value, nonCirculatingAccounts: value.nonCirculatingAccounts.map(String) };
  });
  out.largestAccounts = await run('getLargestAccounts', async () =>
    (await connection.getLargestAccounts()).value.map((a) => ({ address: a.address.toBase58(), lamports: a.lamports })),
  );
  out.blockProduction = await run('getBlockProduction', async () => {
    const { context, value } = await connection.getBlockProduction();
    return { ...value, contextSlot: context.slot };
  });
  out.stakeMinimumDelegation = await run('getStakeMinimumDelegation', async () =>
    (await connection.getStakeMinimumDelegation()).value,
  );
  out.inflationGovernor = await run('getInflationGovernor', () => connection.getInflationGovernor());
  out.inflationRate = await run('getInflationRate', () => connection.getInflationRate());
  out.voteAccounts = await run('getVoteAccounts', () => connection.getVoteAccounts());
  out.slotLeaders = await run('getSlotLeaders', async () =>
    (await connection.getSlotLeaders(out.memoTx.slot, 2)).map(String),
  );
  out.minimumLedgerSlot = await run('getMinimumLedgerSlot', () => connection.getMinimumLedgerSlot());

  // -- failures: a preflight refusal, and a failed transaction sent with skipPreflight ----------
  out.preflightFailure = await run('sendTransaction refused by preflight', async () => {
    try {
      await connection.sendTransaction(transfer(fresh.publicKey, recipient.publicKey, 1000 * AIRDROP), [fresh]);
    } catch (error) {
      if (!(error instanceof SendTransactionError)) throw error;
      return { message: error.message, logs: await error.getLogs(connection) };
    }
    throw new Error('a transfer of more than the balance passed preflight');
  });
  out.failedTx = await run('sendRawTransaction skipPreflight, failing', async () => {
    const latest = await connection.getLatestBlockhash();
    const tx = transfer(fresh.publicKey, recipient.publicKey, 999 * AIRDROP);
    tx.recentBlockhash = latest.blockhash;
    tx.feePayer = fresh.publicKey;
    tx.sign(fresh);
    const signature = await connection.sendRawTransaction(tx.serialize(), { skipPreflight: true });
    // A failed transaction: web3.js resolves with {err} when the notification comes first, and
    // rejects with the bare error object when its getSignatureStatus sees it first.
    let confirmationErr;
    try {
      confirmationErr = (await connection.confirmTransaction({ signature, ...latest }, 'confirmed')).value.err;
    } catch (error) {
      if (error instanceof Error) throw error;
      confirmationErr = error;
    }
    const status = (await connection.getSignatureStatus(signature)).value;
    const record = await connection.getTransaction(signature, { maxSupportedTransactionVersion: 0 });
    return { signature, confirmationErr, statusErr: status.err, tx: txSummary(record) };
  });

  // -- history and the end state -----------------------------------------------------------------
  out.recipientSignatures = await run('getSignaturesForAddress', async () =>
    (await connection.getSignaturesForAddress(recipient.publicKey)).map((s) => s.signature),
  );
  out.transferBlock = await run('getBlock', async () => {
    const block = await connection.getBlock(out.transferTx.slot, { maxSupportedTransactionVersion: 0 });
    return {
      blockhash: block.blockhash,
      parentSlot: block.parentSlot,
      signatures: block.transactions.map((t) => t.transaction.signatures[0]),
    };
  });
  out.devBalanceAfter = await run('getBalance dev after', () => connection.getBalance(dev.publicKey));
  out.freshBalanceAfter = await run('getBalance fresh after', () => connection.getBalance(fresh.publicKey));
  out.recipientBalanceAfter = await run('getBalance recipient after', () => connection.getBalance(recipient.publicKey));
  out.slotAfter = await run('getSlot after', () => connection.getSlot());
  out.blockHeightAfter = await run('getBlockHeight after', () => connection.getBlockHeight());
  return out;
}

/** getEpochInfo alone (its answer once failed web3.js's schema: see the Python test). */
async function epochInfo() {
  const connection = new Connection(url, { commitment: 'confirmed', wsEndpoint });
  return { ok: true, epochInfo: await run('getEpochInfo', () => connection.getEpochInfo()) };
}

// base58 of a signature (web3.js re-exports no bs58; a 64-byte signature is two 32-byte keys'
// worth of digits, so encode it by hand).
function bs58(bytes) {
  const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let text = '';
  while (n > 0n) {
    text = alphabet[Number(n % 58n)] + text;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    text = '1' + text;
  }
  return text;
}

SCENARIOS[scenario]().then(
  (out) => {
    clearTimeout(totalTimer);
    out.logs = logs;
    // process.exit: web3.js keeps idle WebSockets open for a while; the JSON is flushed first.
    process.stdout.write(JSON.stringify(out) + '\n', () => process.exit(0));
  },
  (error) => {
    clearTimeout(totalTimer);
    fail(error);
  },
);
