"""A wrong gradient is a report, never an exception, on every architecture gradcheck can be
told about (issue 18): random widths, activations (with their parameters), losses,
reductions and parameter storages (biases separate, absent or folded into W, transposed),
and random wrong gradients, planted mistakes included."""
from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings, strategies as st

from bpcheck.gradcheck import GradcheckError, gradcheck_arrays
from gradcheck_user_nets import ACTS, HEADS, STORAGES, UserNet
from test_gradcheck_never_raises import WRONGS, _wrong

MISTAKES = ("softmax_diag", "missing", "deriv", "swap", "scale")


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(widths=st.lists(st.integers(1, 4), min_size=3, max_size=4),
       hidden=st.lists(st.sampled_from(sorted(ACTS)), min_size=2, max_size=2),
       head=st.sampled_from(sorted(HEADS)), storage=st.sampled_from(STORAGES),
       reduction=st.sampled_from(["sum", "mean"]), wrong=st.sampled_from(WRONGS + MISTAKES),
       which=st.integers(0, 10), seed=st.integers(0, 2**16))
def test_a_wrong_gradient_always_gives_a_report(widths, hidden, head, storage, reduction, wrong, which,
                                               seed):
    net = UserNet(tuple(widths), tuple(hidden[:len(widths) - 2]), head, storage, seed=seed)
    names = list(net.params)
    bad = names[which % len(names)]
    layer = int(bad[1:])
    rng = np.random.default_rng(seed)
    mistake = {"softmax_diag": ("softmax_diag",), "missing": ("missing", max(layer, 1)),
               "deriv": ("deriv", layer, "sigmoid"), "swap": ("swap", layer),
               "scale": ("scale", bad, 2.0)}.get(wrong)

    def grads(p):
        g = net.grads(p, reduction, mistake)
        if mistake is None:
            g[bad] = _wrong(wrong, g[bad], rng)
        return g

    try:
        report = gradcheck_arrays(lambda p: net.loss(p, reduction), net.params, grads,
                                  architecture=net.architecture(reduction, symbolic=False))
    except GradcheckError:  # only the documented input errors (e.g. a NaN or a wrong shape)
        return
    assert report.format_text() and report.to_markdown() and report.to_html()
    for p in report.params:
        assert p.suspected_cause is None or isinstance(p.suspected_cause, str)
