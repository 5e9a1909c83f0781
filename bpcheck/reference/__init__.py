"""bpcheck's numeric oracle: NumPy backprop written on its own, importing nothing of bpcheck
(so a mistake in the symbolic machinery cannot be confirmed by the same mistake here)."""
