"""Sales (수주·출하): customers, sales orders with KRW prices and VAT, make-to-order work orders,
available-to-promise, shipments with lot picking and partial deliveries, returns, the delivery and
sales figures of PQCD, and order import/export for the firm's ERP."""
