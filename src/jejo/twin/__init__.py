"""Digital twin and data standards.

Two parts share this package:

- data standards: an Asset Administration Shell for every equipment record (``aas``, served over the
  AAS HTTP API by ``aas_api``), ISA-95 B2MML export and import (``b2mml``) and KAMP-convention datasets
  (``datasets``);
- the what-if twin: a plant model calibrated from the plant's own history (``calibrate``), scenario
  comparison over replications (``whatif``) and a drift check on the fitted parameters (``drift``).
"""
