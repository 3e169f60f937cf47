"""Costing: standard material prices, machine-hour and labour rates per work center, operators'
clock-in/out and time booked to operations (events), and actual vs standard cost per work order and unit."""
