// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {CROSSVM} from "../../crossvm/ICrossVM.sol";

/// @title CrossToken
/// @notice Drives a cw20 token (native/cosmwasm cw20) from the EVM through the x/crossvm
///         precompile at 0x901.
/// @dev The cw20 sees info.sender = this contract's bech32 address, so transfers spend this
///      contract's cw20 balance. Strings are put into the JSON as they are (not escaped): pass
///      bech32 addresses.
contract CrossToken {
    /// @notice The data returned by the last transfer (empty: cw20's data is null).
    bytes public lastData;

    /// @notice Executes {"transfer":{"recipient":"<recipient>","amount":"<amount>"}} on token.
    function transfer(string calldata token, string calldata recipient, uint256 amount)
        external
        returns (bytes memory data)
    {
        data = CROSSVM.execute(token, transferMessage(recipient, amount));
        lastData = data;
    }

    /// @notice Queries {"balance":{"address":"<account>"}}: the raw response, {"balance":"N"}.
    function balanceOf(string calldata token, string calldata account)
        external
        view
        returns (bytes memory)
    {
        return CROSSVM.query(token, balanceMessage(account));
    }

    /// @notice The transfer message, e.g. {"transfer":{"recipient":"qor1...","amount":"100"}}.
    function transferMessage(string memory recipient, uint256 amount)
        public
        pure
        returns (bytes memory)
    {
        return abi.encodePacked(
            '{"transfer":{"recipient":"', recipient, '","amount":"', toDecimal(amount), '"}}'
        );
    }

    /// @notice The balance query, e.g. {"balance":{"address":"qor1..."}}.
    function balanceMessage(string memory account) public pure returns (bytes memory) {
        return abi.encodePacked('{"balance":{"address":"', account, '"}}');
    }

    /// @notice value in decimal ASCII, without leading zeros ("0" for 0), as cw20's Uint128.
    function toDecimal(uint256 value) public pure returns (string memory) {
        uint256 digits = 1;
        for (uint256 v = value; v >= 10; v /= 10) digits++;
        bytes memory out = new bytes(digits);
        for (uint256 i = digits; i > 0; value /= 10) {
            out[--i] = bytes1(uint8(48 + (value % 10)));
        }
        return string(out);
    }
}
