// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ICrossVM, CROSSVM, CROSSVM_COSMWASM} from "../../crossvm/ICrossVM.sol";

/// @title CrossSubmitter
/// @notice Sends asynchronous cross-VM messages through the x/crossvm precompile at 0x901
///         (`submit`, `submitSvm`) and reads their status (`messageStatus`).
/// @dev The target sees this contract as the sender (a 20-byte EVM contract: itself in bech32 on
///      CosmWasm, its alias PDA on the SVM). Every id the precompile returns is stored in `ids`
///      and `lastId` and emitted as `Submitted`; a submit that reverts (or a transaction that
///      reverts after it) leaves neither the message nor the id.
contract CrossSubmitter {
    /// @notice The id of the last message this contract submitted (0: none yet).
    uint64 public lastId;
    /// @notice Every id this contract submitted, in order.
    uint64[] public ids;

    /// @notice One message queued by this contract.
    event Submitted(uint64 id);

    /// @notice submit(CosmWasm, contractAddr, message), escrowing msg.value (delivered to the
    ///         contract as info.funds in aqor).
    function sendToCosmWasm(string calldata contractAddr, bytes calldata message)
        external
        payable
        returns (uint64 id)
    {
        id = CROSSVM.submit{value: msg.value}(CROSSVM_COSMWASM, contractAddr, message);
        _record(id);
    }

    /// @notice submit(targetVm, target, payload) with any target VM, forwarding msg.value: for
    ///         checking what the precompile refuses (target 0, the same VM; 2, use submitSvm).
    function sendTo(uint8 targetVm, string calldata target, bytes calldata payload)
        external
        payable
        returns (uint64 id)
    {
        id = CROSSVM.submit{value: msg.value}(targetVm, target, payload);
        _record(id);
    }

    /// @notice submitSvm(programId, accounts, data): an instruction for an SVM program.
    function sendToSvm(bytes32 programId, ICrossVM.SvmAccount[] calldata accounts, bytes calldata data)
        external
        returns (uint64 id)
    {
        id = CROSSVM.submitSvm(programId, accounts, data);
        _record(id);
    }

    /// @notice Two submits of the same message in one transaction: two consecutive ids.
    function sendTwice(string calldata contractAddr, bytes calldata message)
        external
        returns (uint64 first, uint64 second)
    {
        first = CROSSVM.submit(CROSSVM_COSMWASM, contractAddr, message);
        _record(first);
        second = CROSSVM.submit(CROSSVM_COSMWASM, contractAddr, message);
        _record(second);
    }

    /// @notice Submits, then reverts with Error("CrossSubmitter: revert after submit"): the
    ///         message must not exist afterwards.
    function sendThenRevert(string calldata contractAddr, bytes calldata message) external {
        _record(CROSSVM.submit(CROSSVM_COSMWASM, contractAddr, message));
        revert("CrossSubmitter: revert after submit");
    }

    /// @notice The status messageStatus gave sendAndCheck for its own message.
    uint8 public lastStatus;

    /// @notice Submits, then reads the message's status in the same transaction (submitted).
    function sendAndCheck(string calldata contractAddr, bytes calldata message)
        external
        returns (uint64 id, uint8 status)
    {
        id = CROSSVM.submit(CROSSVM_COSMWASM, contractAddr, message);
        _record(id);
        (status, ) = CROSSVM.messageStatus(id);
        lastStatus = status;
    }

    /// @notice messageStatus(id) through the interface (a STATICCALL, as it is view).
    function statusOf(uint64 id) external view returns (uint8 status, bytes memory result) {
        return CROSSVM.messageStatus(id);
    }

    /// @notice How many ids `ids` holds.
    function idsLength() external view returns (uint256) {
        return ids.length;
    }

    /// @notice Every id this contract submitted, in order.
    function allIds() external view returns (uint64[] memory) {
        return ids;
    }

    function _record(uint64 id) private {
        lastId = id;
        ids.push(id);
        emit Submitted(id);
    }
}
