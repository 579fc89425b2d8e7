"""AgroBridge API: farm-to-buyer traceability of agricultural batches."""

__version__ = "0.1.0"
