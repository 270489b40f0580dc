// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title CrossReceiver
/// @notice The EVM target of asynchronous cross-VM messages (x/crossvm's MsgCrossVMCall, a
///         CosmWasm contract's `crossvm_call`, an SVM program's bridge `Submit`): it records who
///         called it, with what and how much value, so a test can check a delivery landed.
/// @dev `msg.sender` is the identity x/crossvm delivers (DESIGN.md §5): a 20-byte account or EVM
///      contract as itself, a CosmWasm contract or SVM key/program as its EVM alias
///      (`aliasOf(sourceVm, sender)` on 0x901). Escrowed funds arrive as `msg.value`.
contract CrossReceiver {
    /// @notice Successful pings.
    uint256 public count;
    /// @notice Sum of the `amount` arguments of every ping.
    uint256 public total;
    /// @notice Sum of the value (wei = aqor) received by every ping.
    uint256 public received;
    /// @notice The caller of the last ping.
    address public lastSender;
    /// @notice Pings per caller.
    mapping(address => uint256) public countBySender;
    /// @notice Scratch storage burnGas() fills (never written by a successful call).
    mapping(uint256 => uint256) public burnSink;

    /// @notice One ping: its caller, its argument, the value it carried, and the new count.
    event Pinged(address indexed sender, uint256 amount, uint256 value, uint256 count);

    /// @notice Records the call; returns the new count (ABI-encoded, so a delivery's result is
    ///         the 32-byte count).
    function ping(uint256 amount) external payable returns (uint256) {
        count += 1;
        total += amount;
        received += msg.value;
        lastSender = msg.sender;
        countBySender[msg.sender] += 1;
        emit Pinged(msg.sender, amount, msg.value, count);
        return count;
    }

    /// @notice Always reverts with Error(string) `reason` (any value sent is refunded with the
    ///         revert).
    function fail(string calldata reason) external payable {
        revert(reason);
    }

    /// @notice Never returns: writes fresh storage slots (22,100 gas each, so few EVM steps)
    ///         until the call runs out of gas.
    function burnGas() external {
        for (uint256 i = 0; ; ++i) {
            burnSink[i] = i + 1;
        }
    }
}
