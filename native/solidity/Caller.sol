// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Caller
/// @notice Calls any address (a contract or a precompile such as 0x901) with raw calldata, through
///         every call kind, to test call frames, nested reverts and revert-data propagation.
/// @dev `target` may be this contract itself, so frames nest by composing calldata
///      (e.g. tryCall(self, callThenRevert(counter, increment()))).
contract Caller {
    /// @notice Number of tryCall invocations that completed (a write in the outer frame that
    ///         must persist even when the inner call reverted).
    uint256 public tries;

    /// @notice Emitted by tryCall with the inner call's outcome.
    event CallResult(address indexed target, bool ok, bytes ret);

    /// @notice CALL forwarding msg.value and all gas; never reverts on the inner failure.
    function doCall(address target, bytes calldata data)
        external
        payable
        returns (bool ok, bytes memory ret)
    {
        (ok, ret) = target.call{value: msg.value}(data);
    }

    /// @notice STATICCALL; never reverts on the inner failure.
    function doStaticCall(address target, bytes calldata data)
        external
        view
        returns (bool ok, bytes memory ret)
    {
        (ok, ret) = target.staticcall(data);
    }

    /// @notice DELEGATECALL (runs target's code on this contract's storage); never reverts.
    function doDelegateCall(address target, bytes calldata data)
        external
        returns (bool ok, bytes memory ret)
    {
        (ok, ret) = target.delegatecall(data);
    }

    /// @notice CALLCODE with no value; never reverts on the inner failure.
    function doCallCode(address target, bytes calldata data)
        external
        returns (bool ok, bytes memory ret)
    {
        bytes memory input = data;
        assembly {
            ok := callcode(gas(), target, 0, add(input, 32), mload(input), 0, 0)
            let size := returndatasize()
            ret := mload(0x40)
            mstore(ret, size)
            returndatacopy(add(ret, 32), 0, size)
            mstore(0x40, add(add(ret, 32), and(add(size, 31), not(31))))
        }
    }

    /// @notice CALL with a gas cap, forwarding msg.value; never reverts on the inner failure
    ///         (an inner out-of-gas returns ok = false).
    function doCallWithGas(address target, bytes calldata data, uint256 gasLimit)
        external
        payable
        returns (bool ok, bytes memory ret)
    {
        (ok, ret) = target.call{value: msg.value, gas: gasLimit}(data);
    }

    /// @notice CALL that does not revert: the outer frame writes (tries += 1) and emits
    ///         CallResult whatever the inner call did.
    function tryCall(address target, bytes calldata data) external returns (bool, bytes memory) {
        (bool ok, bytes memory ret) = target.call(data);
        tries += 1;
        emit CallResult(target, ok, ret);
        return (ok, ret);
    }

    /// @notice CALL forwarding msg.value; on failure reverts with the inner revert data verbatim.
    function callOrRevert(address target, bytes calldata data)
        external
        payable
        returns (bytes memory)
    {
        (bool ok, bytes memory ret) = target.call{value: msg.value}(data);
        if (!ok) _bubble(ret);
        return ret;
    }

    /// @notice CALL that must succeed, then the outer frame reverts with
    ///         Error("Caller: revert after call"): everything the inner call did is undone.
    function callThenRevert(address target, bytes calldata data) external payable {
        (bool ok, bytes memory ret) = target.call{value: msg.value}(data);
        if (!ok) _bubble(ret);
        revert("Caller: revert after call");
    }

    /// @notice STATICCALL (e.g. a precompile's read method); on failure reverts with the inner
    ///         revert data verbatim.
    function readPrecompile(address target, bytes calldata data)
        external
        view
        returns (bytes memory)
    {
        (bool ok, bytes memory ret) = target.staticcall(data);
        if (!ok) _bubble(ret);
        return ret;
    }

    /// @notice Accepts plain value transfers (so value-forwarding tests can fund it).
    receive() external payable {}

    function _bubble(bytes memory ret) private pure {
        assembly {
            revert(add(ret, 32), mload(ret))
        }
    }
}
