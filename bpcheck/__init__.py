"""bpcheck: prove or refute the backpropagation formulas that course material teaches."""
__version__ = "0.1.0"
