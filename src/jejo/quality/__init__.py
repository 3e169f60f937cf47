"""Quality (품질검사): inspection plans per item and stage, sampling after KS Q ISO 2859-1, results from
the terminal or a gauge, SPC series, nonconformance reports with disposition, and lot holds that block
shipment."""
