"""AC optimal power flow with CasADi + Ipopt on pandapower nets (see `acopf` and `network`)."""

from forlab.opf.acopf import ACOPF, Extension, OPFResult, apply_dispatch, power_flow_check, solve
from forlab.opf.network import NetworkModel, build_network

__all__ = ["ACOPF", "Extension", "NetworkModel", "OPFResult", "apply_dispatch", "build_network", "power_flow_check",
           "solve"]
