"""Check a course's own NumPy backprop code against finite differences, bpcheck's NumPy
reference and its symbolic gradient (`bpcheck gradcheck`, or from Python)."""
from .architecture import Architecture, GradcheckError
from .check import gradcheck, gradcheck_arrays
from .result import Comparison, Entry, GradcheckReport, ParamResult

__all__ = ["Architecture", "Comparison", "Entry", "GradcheckError", "GradcheckReport",
           "ParamResult", "gradcheck", "gradcheck_arrays"]
