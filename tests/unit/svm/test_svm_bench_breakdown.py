"""``python -m bench.svm --breakdown`` still runs (at a tiny size) and accounts for the whole."""

from __future__ import annotations

from bench import svm


def test_the_breakdown_runs_and_adds_up() -> None:
    rows = dict(svm.breakdown(10, 5))
    total = rows["node in-process, in all"]
    assert total > 0 and rows["raw LiteSVM (from_bytes + send_transaction, sigverify on)"] > 0
    assert rows["admission: svm.pending_tx (decode, sanitize, ed25519)"] > 0
    assert (
        rows["  svm.deliver_tx"] > 0 and rows["  svm.commit (records, address index, accounts)"] > 0
    )
    in_module = rows["the SVM module in all (admission, svm.* steps)"]
    assert abs(in_module + rows["the rest of the node"] - total) < 1e-6
