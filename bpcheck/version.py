"""bpcheck's version: its own module, so that any stage may read it without importing the
package's public API (which sits above every stage)."""
__version__ = "0.1.0"
