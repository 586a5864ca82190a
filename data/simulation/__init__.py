"""The live simulator: field data arriving in the demo, written through the ingest path.

Two modes, one record maker (records look like the seed's: same territories, cuadrantes,
CLAP committees, institutions, banks and incident types):

- **realistic** (:mod:`data.simulation.realistic`, what ``make run`` uses): new records and
  updates at the rates the stored history has at this hour of the day in Caracas, so the
  headline figures stay at their seeded level for as long as the demo runs; an optional
  *surge* multiplies one area in one territory to demonstrate the alerts;
- **load** (:mod:`data.simulation.load`): a fixed number of records per second, for
  benchmarks and soak tests (not believable, and not meant to be).

:mod:`data.simulation.runner` drives either one, on the command line or inside the server.
"""
