"""Maintenance (설비보전): preventive plans by calendar, running hours or counter (from machine data),
breakdown and request orders, checklists, spare parts from inventory, labour time, MTBF/MTTR, and
planned maintenance as unavailable time for the scheduler."""
