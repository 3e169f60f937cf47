"""Purchasing (발주·입고): suppliers and their items, material requirements planning (shortages against
open work orders → purchase proposals), purchase orders, receipts into lots with incoming inspection,
the material check that blocks a work order's release, and supplier lead times and on-time rates."""
