// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// QoreNode's x/crossvm precompile (DESIGN.md §5). Import it with
//     import {ICrossVM, CROSSVM, CROSSVM_COSMWASM} from "path/to/crossvm/ICrossVM.sol";
// and call it as CROSSVM.execute(contractAddr, '{"increment":{}}').

/// @dev The precompile's address.
address constant CROSSVM_ADDRESS = 0x0000000000000000000000000000000000000901;

/// @dev The precompile, typed: `CROSSVM.execute(...)`, `CROSSVM.query(...)`, ...
ICrossVM constant CROSSVM = ICrossVM(CROSSVM_ADDRESS);

/// @dev VM ids (`targetVm`, `sourceVm`, `targetVM`), as QoreChain's VMType.
uint8 constant CROSSVM_EVM = 0;
uint8 constant CROSSVM_COSMWASM = 1;
uint8 constant CROSSVM_SVM = 2;

/// @dev Message status codes returned by `messageStatus`.
uint8 constant CROSSVM_STATUS_UNKNOWN = 0; // no such message id
uint8 constant CROSSVM_STATUS_SUBMITTED = 1; // accepted in the block being built
uint8 constant CROSSVM_STATUS_PENDING = 2; // its block committed; waits for an EndBlocker
uint8 constant CROSSVM_STATUS_EXECUTED = 3; // delivered; `result` holds the response
uint8 constant CROSSVM_STATUS_FAILED = 4; // delivery failed; `result` holds the error text
uint8 constant CROSSVM_STATUS_TIMED_OUT = 5; // expired after queue_timeout_blocks; escrow refunded

/// @title ICrossVM
/// @notice The x/crossvm precompile at 0x0000000000000000000000000000000000000901: synchronous
///         calls from the EVM to CosmWasm, and the asynchronous queue towards any other VM.
/// @dev Conventions for every method:
///      - Failures revert with `Error(string)` whose reason starts with "crossvm: " (a CosmWasm
///        failure carries the contract's own error text after the prefix).
///      - Under STATICCALL only `query`, `messageStatus` and `aliasOf` work; every other method
///        reverts. DELEGATECALL and CALLCODE to the precompile always revert.
///      - The CosmWasm side sees `info.sender` = the bech32 form of the precompile's immediate
///        caller (the contract calling it, not the transaction's signer).
///      - `msg.value` sent with a payable method moves from the caller to the CosmWasm contract
///        (or into escrow, for `submit`) and arrives as `info.funds` in `aqor`.
///      - Synchronous calls are atomic with the EVM: a revert at any depth above the call undoes
///        every CosmWasm and bank write it made.
interface ICrossVM {
    /// @notice One account of an SVM instruction.
    struct SvmAccount {
        bytes32 pubkey;
        bool writable;
    }

    /// @notice A CosmWasm event of a synchronous call, re-emitted as a log of 0x901 in the same
    ///         transaction: topic 0 is this event's signature, topic 1 keccak256(eventType)
    ///         (`wasm`, `wasm-<custom type>`, `execute`, `transfer`, ...); the data carries the
    ///         emitting contract (its `_contract_address` attribute, or "") and the attributes.
    event CosmWasmEvent(string indexed eventType, string contractAddr, string[] keys, string[] values);

    // The x/crossvm module's events (crossvm_request, crossvm_response, crossvm_timeout) as logs
    // from 0x901: in the EVM transaction that raised them, or in the per-block system receipt when
    // the EndBlocker raised them (DESIGN.md §5). Topic 1 is the message id.

    /// @notice A message was queued. `targetContract` and `sender` are in their VM's own text
    ///         form (0x hex, bech32 `qor1...`, base58).
    event CrossVMRequest(uint64 indexed messageId, uint8 sourceVm, uint8 targetVm, string targetContract, string sender);

    /// @notice A message was delivered: `status` is CROSSVM_STATUS_EXECUTED (`result` = the
    ///         target's response) or CROSSVM_STATUS_FAILED (`result` = the error text).
    event CrossVMResponse(uint64 indexed messageId, uint8 status, bytes result);

    /// @notice A message expired after queue_timeout_blocks; its escrow was refunded.
    event CrossVMTimeout(uint64 indexed messageId, uint8 sourceVm, uint8 targetVm);

    /// @notice Executes a CosmWasm contract synchronously, in this transaction.
    /// @dev The contract's own messages (WasmMsg, BankMsg, submessages and replies) run inside
    ///      the call; messages it emits towards another VM are queued. Its events become logs of
    ///      0x901. Reverts ("crossvm: ...") if the contract fails; reverts under STATICCALL.
    /// @param contractAddr The contract's bech32 address (`qor1...`).
    /// @param message The JSON execute message, e.g. `{"increment":{}}`.
    /// @return data The Response's `data` (empty when it is null).
    function execute(string calldata contractAddr, bytes calldata message)
        external
        payable
        returns (bytes memory data);

    /// @notice Runs a CosmWasm smart query, synchronously; allowed under STATICCALL.
    /// @param contractAddr The contract's bech32 address.
    /// @param message The JSON query message, e.g. `{"get_count":{}}`.
    /// @return response The query's raw response bytes (JSON), e.g. `{"count":1}`.
    function query(string calldata contractAddr, bytes calldata message)
        external
        view
        returns (bytes memory response);

    /// @notice Queues an asynchronous message, delivered by a later block's EndBlocker.
    /// @dev `targetVm` must be CROSSVM_COSMWASM (1); 0 (same VM) is refused, and SVM targets
    ///      (2) revert: use `submitSvm`. `msg.value` is escrowed and delivered as `info.funds`,
    ///      refunded if the message fails or times out.
    /// @param target The target contract's address.
    /// @param payload The JSON execute message (CosmWasm targets).
    /// @return messageId The message's id (a chain-wide sequence starting at 1).
    function submit(uint8 targetVm, string calldata target, bytes calldata payload)
        external
        payable
        returns (uint64 messageId);

    /// @notice Queues an instruction for an SVM program, delivered by a later block.
    /// @param programId The target program's id.
    /// @param accounts The instruction's accounts, in order.
    /// @param data The instruction data.
    /// @return messageId The message's id.
    function submitSvm(bytes32 programId, SvmAccount[] calldata accounts, bytes calldata data)
        external
        returns (uint64 messageId);

    /// @notice The state of a queued message; allowed under STATICCALL.
    /// @return status One of CROSSVM_STATUS_* (0 unknown, 1 submitted, 2 pending, 3 executed,
    ///         4 failed, 5 timed out).
    /// @return result The response bytes once executed, the error text once failed, else empty.
    function messageStatus(uint64 messageId)
        external
        view
        returns (uint8 status, bytes memory result);

    /// @notice The EVM address under which a sender of another VM appears on the EVM;
    ///         allowed under STATICCALL.
    /// @dev keccak256("qorechain/crossvm/alias" || sourceVm || sender)[12:] (DESIGN §5).
    /// @param sourceVm The sender's VM id.
    /// @param sender The sender's raw address bytes (32 bytes for CosmWasm contracts and SVM
    ///        keys, 20 for EVM accounts).
    function aliasOf(uint8 sourceVm, bytes calldata sender) external view returns (address);

    /// @notice QoreChain's original selector: `executeCrossVMCall(uint8,string,bytes)`.
    /// @dev targetVM 1 (CosmWasm) runs synchronously exactly like `execute` and returns its
    ///      data; targetVM 2 (SVM) reverts (no way to pass accounts: use `submitSvm`); any other
    ///      target reverts.
    function executeCrossVMCall(uint8 targetVM, string calldata targetContract, bytes calldata payload)
        external
        payable
        returns (bytes memory);
}
