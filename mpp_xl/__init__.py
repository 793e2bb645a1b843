"""mpp-xl: scenario projections of the Dutch asylum chain and penalty-payment estimates from the MPP."""

__version__ = "0.1.0"
