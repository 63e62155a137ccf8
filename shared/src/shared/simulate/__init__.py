"""``homecare simulate``: a whole county driven through the running services' public APIs.

Modules: ``cornwall`` (the county's geography and prices), ``scenario`` (providers and referrals
from a seed), ``visits`` (what devices record at each visit), ``council`` (DPS and API clients),
``agents`` and ``webhooks`` (providers answering offers), ``referrals`` (case management),
``etms`` (the vendors' device streams), ``staff`` (payment run, quality evaluation), ``report``,
``progress`` and ``runner`` (the stages in order).
"""

from shared.simulate.runner import PeriodTaken, Simulated, SimulationOptions, simulate

__all__ = ["PeriodTaken", "Simulated", "SimulationOptions", "simulate"]
