"""Mutation testing of the checker: wrong variants of true claims, judged by an oracle that
shares nothing with the checker (its own interpreter of the formula language, the NumPy
reference, high-precision numerics), must all be refuted.  `python -m bpcheck.mutation`."""
