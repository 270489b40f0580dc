// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Counter
/// @notice A counter with events and every kind of failure, for QoreNode's tests.
contract Counter {
    /// @notice Custom error raised by failCustom(): selector keccak256("CounterError(uint256)")[:4].
    error CounterError(uint256 code);

    /// @notice The code failCustom() reverts with.
    uint256 public constant FAIL_CODE = 42;

    uint256 public count;

    /// @notice Emitted on every change of `count`, with the new value.
    event Incremented(address indexed by, uint256 value);

    function increment() public {
        count += 1;
        emit Incremented(msg.sender, count);
    }

    function add(uint256 amount) public {
        count += amount;
        emit Incremented(msg.sender, count);
    }

    /// @notice Always reverts with Error(string) "Counter: always fails".
    function fail() public pure {
        revert("Counter: always fails");
    }

    /// @notice Always reverts with the custom error CounterError(FAIL_CODE).
    function failCustom() public pure {
        revert CounterError(FAIL_CODE);
    }

    /// @notice Writes `value` to `count` and emits, then reverts: nothing of it may persist.
    function setAndRevert(uint256 value) public {
        count = value;
        emit Incremented(msg.sender, value);
        revert("Counter: set and revert");
    }
}
