// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ICrossVM, CROSSVM, CROSSVM_ADDRESS, CROSSVM_COSMWASM} from "../../crossvm/ICrossVM.sol";

/// @title CrossCounter
/// @notice Drives a CosmWasm counter (native/cosmwasm counter) through the x/crossvm precompile
///         at 0x901, in every way the synchronous path can be used or misused.
/// @dev The CosmWasm side sees info.sender = this contract's bech32 address. Failed attempts are
///      recorded (lastOk, lastRevertData, lastReason, failures) beside an EVM write (attempts)
///      and an Attempted event, so a test can check the caller's own effects survive.
contract CrossCounter {
    bytes public constant INCREMENT = '{"increment":{}}';
    bytes public constant GET_COUNT = '{"get_count":{}}';
    /// @notice Not a counter message: the counter fails with "Error parsing into type
    ///         counter::ExecuteMsg: unknown variant, expected one of `increment`, `reset`".
    bytes public constant BAD_MESSAGE = '{"decrement":{}}';

    /// @notice The CosmWasm counter's bech32 address.
    string public counter;
    /// @notice The data returned by the last successful execute (empty: counter's data is null).
    bytes public lastData;
    /// @notice Calls of tryIncrement, of incrementTimes' failing iteration, of staticExecute and
    ///         of delegateExecute (written whatever the precompile did).
    uint256 public attempts;
    /// @notice Attempts that failed.
    uint256 public failures;
    /// @notice Whether the last attempt succeeded.
    bool public lastOk;
    /// @notice The raw revert data of the last failed attempt.
    bytes public lastRevertData;
    /// @notice That revert data's Error(string) reason ("" if it is not an Error(string)).
    string public lastReason;

    /// @notice One attempt: result = the returned data if ok, else the raw revert data.
    event Attempted(bool ok, bytes result);

    constructor(string memory counterAddr) {
        counter = counterAddr;
    }

    /// @notice execute(counter, {"increment":{}}); stores and returns the data.
    function increment() external returns (bytes memory data) {
        data = CROSSVM.execute(counter, INCREMENT);
        lastData = data;
    }

    /// @notice The same through QoreChain's executeCrossVMCall(1, counter, {"increment":{}}).
    function incrementLegacy() external returns (bytes memory data) {
        data = CROSSVM.executeCrossVMCall(CROSSVM_COSMWASM, counter, INCREMENT);
        lastData = data;
    }

    /// @notice increment() forwarding msg.value, which reaches the counter as info.funds (aqor).
    function incrementWithValue() external payable returns (bytes memory data) {
        data = CROSSVM.execute{value: msg.value}(counter, INCREMENT);
        lastData = data;
    }

    /// @notice Increments, then reverts with Error("CrossCounter: revert after increment"):
    ///         the CosmWasm increment (and lastData) must be undone.
    function incrementThenRevert() external {
        lastData = CROSSVM.execute(counter, INCREMENT);
        revert("CrossCounter: revert after increment");
    }

    /// @notice query(counter, {"get_count":{}}) (a STATICCALL, as query is view): the raw
    ///         response, e.g. {"count":3}.
    function count() external view returns (bytes memory) {
        return CROSSVM.query(counter, GET_COUNT);
    }

    /// @notice execute(contractAddr, message) forwarding msg.value, in try/catch: never reverts
    ///         on the precompile's failure; records the outcome (see the state variables).
    function tryIncrement(string calldata contractAddr, bytes calldata message)
        external
        payable
        returns (bool ok)
    {
        return _tryExecute(contractAddr, message, msg.value);
    }

    /// @notice n iterations; iteration failAt (0-based) sends BAD_MESSAGE inside try/catch, every
    ///         other one increments (and must succeed). The counter ends n - 1 higher if
    ///         failAt < n, else n higher.
    /// @return succeeded The number of increments.
    function incrementTimes(uint256 n, uint256 failAt) external returns (uint256 succeeded) {
        for (uint256 i = 0; i < n; i++) {
            if (i == failAt) {
                _tryExecute(counter, BAD_MESSAGE, 0);
            } else {
                lastData = CROSSVM.execute(counter, INCREMENT);
                succeeded += 1;
            }
        }
    }

    /// @notice query through an explicit STATICCALL (must work).
    /// @return ok Whether the call succeeded.
    /// @return result The query response if ok, else the raw revert data.
    function staticQuery() external view returns (bool ok, bytes memory result) {
        (ok, result) = CROSSVM_ADDRESS.staticcall(
            abi.encodeWithSelector(ICrossVM.query.selector, counter, GET_COUNT)
        );
        if (ok) result = abi.decode(result, (bytes));
    }

    /// @notice execute(counter, INCREMENT) through STATICCALL: must fail (ok = false) and leave
    ///         the counter unchanged. Recorded like tryIncrement.
    function staticExecute() external returns (bool ok, bytes memory result) {
        (ok, result) = CROSSVM_ADDRESS.staticcall(
            abi.encodeWithSelector(ICrossVM.execute.selector, counter, INCREMENT)
        );
        return _recordRaw(ok, result);
    }

    /// @notice execute(counter, INCREMENT) through DELEGATECALL: must fail (ok = false) and
    ///         leave the counter unchanged. Recorded like tryIncrement. (CALLCODE: use
    ///         Caller.doCallCode.)
    function delegateExecute() external returns (bool ok, bytes memory result) {
        (ok, result) = CROSSVM_ADDRESS.delegatecall(
            abi.encodeWithSelector(ICrossVM.execute.selector, counter, INCREMENT)
        );
        return _recordRaw(ok, result);
    }

    /// @notice Accepts plain value transfers (e.g. value refunded by a failed attempt stays here).
    receive() external payable {}

    function _tryExecute(string memory contractAddr, bytes memory message, uint256 value)
        private
        returns (bool)
    {
        attempts += 1;
        try CROSSVM.execute{value: value}(contractAddr, message) returns (bytes memory data) {
            _record(true, data);
            return true;
        } catch (bytes memory revertData) {
            _record(false, revertData);
            return false;
        }
    }

    /// @dev Records a low-level call's outcome; on success, ret is ABI-encoded bytes.
    function _recordRaw(bool ok, bytes memory ret) private returns (bool, bytes memory) {
        attempts += 1;
        if (ok) ret = abi.decode(ret, (bytes));
        _record(ok, ret);
        return (ok, ret);
    }

    function _record(bool ok, bytes memory result) private {
        lastOk = ok;
        if (ok) {
            lastData = result;
        } else {
            failures += 1;
            lastRevertData = result;
            lastReason = _reason(result);
        }
        emit Attempted(ok, result);
    }

    /// @dev The reason of an ABI-encoded Error(string), or "" for anything else; never reverts.
    function _reason(bytes memory data) private pure returns (string memory reason) {
        if (data.length < 68 || bytes4(data) != 0x08c379a0) return "";
        uint256 offset;
        uint256 len;
        assembly {
            offset := mload(add(data, 36))
        }
        if (offset != 32) return "";
        assembly {
            len := mload(add(data, 68))
        }
        if (len > data.length - 68) return "";
        reason = new string(len);
        assembly {
            mcopy(add(reason, 32), add(data, 100), len)
        }
    }
}

/// @title CrossDepth
/// @notice A chain of frames (deploy it several times: A -> B -> C) whose last frame executes
///         on 0x901, for reverts and catches at any depth. Depth 1 is the frame a transaction
///         calls (`run`); with next = [B, C], C executes at depth 3.
contract CrossDepth {
    /// @notice Frames this contract ran (an EVM write beside the CosmWasm one).
    uint256 public hops;
    /// @notice The data the last frame of this contract returned.
    bytes public lastData;
    /// @notice Revert data caught by this contract's frame (catchAtDepth).
    bytes public caught;

    /// @notice Starts the chain at depth 1: calls next[0].hop(next[1:], 2, ...) or, if next is
    ///         empty, executes itself. The frame at revertAtDepth reverts with
    ///         Error("CrossDepth: revert after execute") once its call returned; the frame at
    ///         catchAtDepth wraps its call in try/catch and stores the revert data in `caught`.
    ///         Use 0 for "nowhere". msg.value is forwarded down to the execute.
    function run(
        address[] calldata next,
        uint256 revertAtDepth,
        uint256 catchAtDepth,
        string calldata contractAddr,
        bytes calldata message
    ) external payable returns (bytes memory) {
        return _hop(next, 1, revertAtDepth, catchAtDepth, contractAddr, message);
    }

    /// @notice One frame of the chain, at `depth` (called by the previous CrossDepth).
    function hop(
        address[] calldata next,
        uint256 depth,
        uint256 revertAtDepth,
        uint256 catchAtDepth,
        string calldata contractAddr,
        bytes calldata message
    ) external payable returns (bytes memory) {
        return _hop(next, depth, revertAtDepth, catchAtDepth, contractAddr, message);
    }

    function _hop(
        address[] calldata next,
        uint256 depth,
        uint256 revertAtDepth,
        uint256 catchAtDepth,
        string calldata contractAddr,
        bytes calldata message
    ) private returns (bytes memory data) {
        hops += 1;
        bool catching = depth == catchAtDepth;
        if (next.length == 0) {
            if (!catching) {
                data = CROSSVM.execute{value: msg.value}(contractAddr, message);
            } else {
                try CROSSVM.execute{value: msg.value}(contractAddr, message) returns (bytes memory d) {
                    data = d;
                } catch (bytes memory revertData) {
                    caught = revertData;
                }
            }
        } else {
            CrossDepth nextHop = CrossDepth(next[0]);
            if (!catching) {
                data = nextHop.hop{value: msg.value}(
                    next[1:], depth + 1, revertAtDepth, catchAtDepth, contractAddr, message
                );
            } else {
                try nextHop.hop{value: msg.value}(
                    next[1:], depth + 1, revertAtDepth, catchAtDepth, contractAddr, message
                ) returns (bytes memory d) {
                    data = d;
                } catch (bytes memory revertData) {
                    caught = revertData;
                }
            }
        }
        lastData = data;
        if (depth == revertAtDepth) revert("CrossDepth: revert after execute");
    }
}
